"""Data-subject requests (Law 91/2025/QH15, Decree 356/2025/ND-CP): the record, the staff handling,
the legal clock. The API the dialogue, the staff desk and the packages that fulfil a kind call.

| module        | what it does                                                                  |
|---------------|-------------------------------------------------------------------------------|
| desk.py       | `PrivacyRequests`: open, verified, take, complete, extend, refuse, withdraw, lists |
| views.py      | `RequestView`, `NewRequest`, `Result`, `Outcome`, `Staff`                      |
| deadlines.py  | acknowledgement, due date, reminder, extension (settings in bot.config)       |
| handlers.py   | the registry kind -> handler other packages plug into, the level each kind needs |
| retention.py  | what an erasure or objection deletes and keeps, and why                       |
| notices.py    | what the messages say and where they go (outbox), the staff card's hooks      |
| sweep.py      | reminders before the due date, escalation after it                            |

Reference numbers, kinds and the status machine are `bot.domain.privacy_request`'s; working days
`bot.domain.working_days`'.
"""

from bot.services.privacy_requests.desk import PrivacyRequests
from bot.services.privacy_requests.handlers import REQUIRED_LEVEL, KindHandler, KindHandlers
from bot.services.privacy_requests.notices import RequestNotices
from bot.services.privacy_requests.sweep import RequestSweep, RequestSweepReport
from bot.services.privacy_requests.views import (
    NewRequest,
    Outcome,
    RequestEvent,
    RequestView,
    Result,
    Staff,
)

__all__ = [
    "REQUIRED_LEVEL",
    "KindHandler",
    "KindHandlers",
    "NewRequest",
    "Outcome",
    "PrivacyRequests",
    "RequestEvent",
    "RequestNotices",
    "RequestSweep",
    "RequestSweepReport",
    "RequestView",
    "Result",
    "Staff",
]
