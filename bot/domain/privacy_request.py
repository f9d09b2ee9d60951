"""A data subject's request (Law 91/2025/QH15, art. 4): its kinds, its statuses and how one leads to
another, and how requests are numbered.

| from                 | to                                          | by                          |
|----------------------|---------------------------------------------|-----------------------------|
| (opened)             | received, or waiting_verification           | the customer                |
| waiting_verification | received                                    | the customer (verified)     |
| received             | in_progress, completed, extended, refused   | staff                       |
| in_progress          | completed, extended, refused                | staff                       |
| extended             | in_progress, completed, refused             | staff                       |
| any open status      | withdrawn                                   | the customer                |
| completed, refused, withdrawn | nothing: final                     |                             |

`extended` may be entered once per request (Decree 356/2025/ND-CP: one extension of at most 15
days); the service checks that, this table only says what may follow what.

References are `YC-<year>-<6 digits>` from a counter per year (`PrivacyRequestSequence`), so that
the customer reads "YC-2026-000045", the 45th request of 2026.
"""

from __future__ import annotations

from enum import StrEnum


class RequestKind(StrEnum):
    ACCESS = "access"  # see one's data, a copy (policy section 4 and 7)
    CORRECTION = "correction"  # correct it, free of charge
    MARKETING_OPT_OUT = "marketing_opt_out"  # stop marketing use (a withdrawal of consent)
    CONSENT_WITHDRAWAL = "consent_withdrawal"  # withdraw another consent
    RESTRICTION = "restriction"  # restrict processing
    OBJECTION = "objection"  # object to processing
    ERASURE = "erasure"  # delete (Law 91, art. 14)


#: The intent that exercises each right a customer can start in the chat (the understanding layer's
#: `suggested_request` for a question about that right names one of these).
REQUEST_INTENTS: dict[str, RequestKind] = {
    "access_request": RequestKind.ACCESS,
    "correction_request": RequestKind.CORRECTION,
    "marketing_opt_out": RequestKind.MARKETING_OPT_OUT,
    "erasure_request": RequestKind.ERASURE,
    "objection_request": RequestKind.OBJECTION,
}


class RequestStatus(StrEnum):
    WAITING_VERIFICATION = "waiting_verification"
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    EXTENDED = "extended"
    COMPLETED = "completed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


OPEN_STATUSES = frozenset({RequestStatus.WAITING_VERIFICATION, RequestStatus.RECEIVED,
                           RequestStatus.IN_PROGRESS, RequestStatus.EXTENDED})
FINAL_STATUSES = frozenset({RequestStatus.COMPLETED, RequestStatus.REFUSED, RequestStatus.WITHDRAWN})

_STAFF_NEXT = frozenset({RequestStatus.IN_PROGRESS, RequestStatus.COMPLETED, RequestStatus.EXTENDED,
                         RequestStatus.REFUSED})
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    # refused: closed by the sweep when never verified (PRIVACY_UNVERIFIED_CLOSE_DAYS)
    RequestStatus.WAITING_VERIFICATION: frozenset({RequestStatus.RECEIVED, RequestStatus.WITHDRAWN,
                                                   RequestStatus.REFUSED}),
    RequestStatus.RECEIVED: _STAFF_NEXT | {RequestStatus.WITHDRAWN},
    RequestStatus.IN_PROGRESS: (_STAFF_NEXT - {RequestStatus.IN_PROGRESS}) | {RequestStatus.WITHDRAWN},
    RequestStatus.EXTENDED: (_STAFF_NEXT - {RequestStatus.EXTENDED}) | {RequestStatus.WITHDRAWN},
    RequestStatus.COMPLETED: frozenset(),
    RequestStatus.REFUSED: frozenset(),
    RequestStatus.WITHDRAWN: frozenset(),
}


def can_move(current: RequestStatus | str, target: RequestStatus | str) -> bool:
    return RequestStatus(target) in TRANSITIONS[RequestStatus(current)]


def request_reference(year: int, sequence: int) -> str:
    """`YC-2026-000045`: the 45th request of 2026."""
    if not 0 < sequence <= 999_999:
        raise ValueError("a request sequence is 1..999999 within a year")
    return f"YC-{year}-{sequence:06d}"
