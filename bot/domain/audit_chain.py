"""The audit log as a hash chain: what a row's hash covers, and how a walk of the chain finds the
first row that was altered or removed. Pure functions, no database (`bot.storage.audit_chain` writes
the chain, `bot.services.audit.verify_chain` walks it).

Each audit row has `seq` (1, 2, 3, … with no gaps), `prev_hash` (the `row_hash` of row `seq - 1`;
64 zeros for row 1), `body_hash` (its own fields) and `row_hash` (its place in the chain):

    body_hash = SHA-256( canonical({
        "v": 1,
        "created_at": "YYYY-MM-DDTHH:MM:SS.ffffffZ",      # UTC, always 6 digits of microseconds
        "action": <str>,
        "purpose": <str>,
        "actor": <field digest>,                          # the three sealed fields, each by its
        "customer_id": <field digest>,                    # own salted digest (below)
        "details": <field digest>,
    }) )
    row_hash = SHA-256( canonical({"v": 1, "seq": <int>, "prev_hash": <64 hex>, "body": body_hash}) )

    field digest(name, value) = SHA-256( salt bytes ‖ name in ASCII ‖ 0x00 ‖ canonical(value) )
    canonical(x) = json.dumps(x, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                              allow_nan=False) encoded as ASCII
    every hash written as 64 lowercase hex digits

Two levels so that the chaining, which runs under the chain's lock, costs one short hash a row: the
body is hashed when the row is written (outside the lock), the link at commit. `audit verify`
recomputes both from the stored fields.

`canonical` is plain JSON with the keys of every object sorted, no whitespace, every non-ASCII
character written as a `\\uXXXX` escape, integers in decimal, `null` for None (a customer_id may be
null). The values hashed are the values as stored and read back (the JSON column's dict, the UTC
timestamp), so the writer and `audit verify` hash the same thing on SQLite and on PostgreSQL.

Why the three sealed fields go in by digest (the erasure decision, see also the README): the actor
(a customer's own Telegram account, `telegram:12345`), the customer id and the details (old and new
email or phone of a correction, a reference, …) are what make an audit row personal data. Each has its
own random 16-byte salt, stored in the row (`salts`). When a customer is erased, the audit rows about
them are kept (accountability: Law 91/2025 and Decree 356/2025 ask the controller to prove who
processed what, `bot.services.privacy_requests.retention` keeps `audit_log`), but pseudonymised: the
digest of each erased field is kept in `erased`, its salt and value are deleted (the value becomes the
placeholder in `ERASED_VALUES`). The row hash covers the digest, not the value, so the chain still
verifies; without the salt the digest cannot be matched against a guessed phone number or id.
A staff actor is never erased: who read the data is what the log is kept to prove.

What the chain proves, and what not: an edit of any covered field, a removed row, or a truncated tail
(the head row records the last seq and hash) is found by `audit verify`. Someone who can write the
database can also recompute every hash after the row they edit; the head seq and hash that `audit
verify` prints, written down elsewhere, turn that into a detectable change too (`--anchor SEQ:HASH`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

VERSION = 1
GENESIS_HASH = "0" * 64
SALT_BYTES = 16
#: The fields an audit row seals by salted digest, in this order.
SEALED_FIELDS = ("actor", "customer_id", "details")
#: What an erased field holds afterwards (its digest is in `erased`).
ERASED_VALUES: dict[str, Any] = {"actor": "erased", "customer_id": None, "details": {}}


# One encoder for every call: `json.dumps` with options builds a new one each time (a third of the cost).
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
_encode_str = json.encoder.encode_basestring_ascii  # what the encoder does for a str, without the rest


def canonical(value: Any) -> bytes:
    """The one serialisation every hash is taken over (see the module docstring): the same bytes as
    `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)`."""
    if isinstance(value, str):
        return _encode_str(value).encode("ascii")
    if value is None:
        return b"null"
    if type(value) is int:
        return str(value).encode("ascii")
    return _ENCODER.encode(value).encode("ascii")


def utc_iso(moment: datetime) -> str:
    """`2026-12-02T13:45:07.000120Z`: UTC, six digits of microseconds, whatever the input zone."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime in an audit row")
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def new_salts() -> dict[str, str]:
    """A fresh random salt for each sealed field (hex), one system call for the three."""
    raw = os.urandom(SALT_BYTES * len(SEALED_FIELDS)).hex()
    width = SALT_BYTES * 2
    return {name: raw[i * width:(i + 1) * width] for i, name in enumerate(SEALED_FIELDS)}


def field_digest(name: str, salt: str, value: Any) -> str:
    """The salted digest a row hash covers instead of the field's value."""
    return hashlib.sha256(bytes.fromhex(salt) + name.encode("ascii") + b"\x00" + canonical(value)).hexdigest()


class BrokenSeal(ValueError):
    """A sealed field has neither its salt nor its erased digest: the row was tampered with."""


def sealed_digests(values: Mapping[str, Any], salts: Mapping[str, Any] | None,
                   erased: Mapping[str, Any] | None) -> dict[str, str]:
    """Each sealed field's digest: computed from its value and salt, or, once erased, the one kept.

    An erased field must hold its placeholder (`ERASED_VALUES`): anything else there was written later.
    """
    salts, erased = salts or {}, erased or {}
    digests: dict[str, str] = {}
    for name in SEALED_FIELDS:
        kept = erased.get(name)
        if isinstance(kept, str):
            if values[name] != ERASED_VALUES[name]:
                raise BrokenSeal(f"{name} is erased but holds a value")
            digests[name] = kept
            continue
        salt = salts.get(name)
        if not isinstance(salt, str):
            raise BrokenSeal(f"{name} has no salt")
        try:
            digests[name] = field_digest(name, salt, values[name])
        except ValueError as exc:  # a salt that is not hex, a value JSON cannot hold
            raise BrokenSeal(f"{name}: {exc}") from exc
    return digests


def body_hash(*, created_at: datetime, action: str, purpose: str, digests: Mapping[str, str]) -> str:
    """The hash of a row's own fields (see the module docstring for the exact form).

    The canonical JSON of the payload is written out here, keys in sorted order, each value through
    the encoder's own string escaping: the same bytes as `canonical(payload)` (a unit test holds the
    two together) at a third of the cost.
    """
    text = (
        f'{{"action":{_encode_str(action)},"actor":{_encode_str(digests["actor"])},'
        f'"created_at":"{utc_iso(created_at)}","customer_id":{_encode_str(digests["customer_id"])},'
        f'"details":{_encode_str(digests["details"])},"purpose":{_encode_str(purpose)},"v":{VERSION}}}'
    )
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def row_hash(*, seq: int, prev_hash: str, body: str) -> str:
    """The link: the row's body at `seq` after `prev_hash` (`canonical` written out, as above)."""
    text = (f'{{"body":{_encode_str(body)},"prev_hash":{_encode_str(prev_hash)},'
            f'"seq":{int(seq)},"v":{VERSION}}}')
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def seal(values: Mapping[str, Any], salts: Mapping[str, Any] | None = None,
         erased: Mapping[str, Any] | None = None) -> str:
    """The body hash of a row given as a mapping (actor, customer_id, details, created_at, action,
    purpose) with its salts; `BrokenSeal` if a sealed field can have no digest."""
    return body_hash(created_at=values["created_at"], action=values["action"], purpose=values["purpose"],
                     digests=sealed_digests(values, salts, erased))


@dataclass(frozen=True, slots=True)
class ChainRow:
    """An audit row as the chain sees it (every column the hashes cover, and the chain's own)."""

    id: int
    seq: int | None
    prev_hash: str | None
    body_hash: str | None
    row_hash: str | None
    actor: str
    action: str
    customer_id: int | None
    purpose: str
    details: Any
    created_at: datetime
    salts: Any
    erased: Any

    def expected_body(self) -> str:
        """The body hash its fields give; `BrokenSeal` if they cannot give one."""
        digests = sealed_digests(
            {"actor": self.actor, "customer_id": self.customer_id, "details": self.details},
            self.salts, self.erased,
        )
        return body_hash(created_at=self.created_at, action=self.action, purpose=self.purpose,
                         digests=digests)

    def expected_hash(self, prev_hash: str, seq: int) -> str:
        """The row hash its fields give at `seq` after `prev_hash`."""
        return row_hash(seq=seq, prev_hash=prev_hash, body=self.expected_body())


@dataclass(frozen=True, slots=True)
class Break:
    """The first place the chain does not hold: which row, and what happened to it."""

    kind: str  # "altered" | "removed"
    seq: int
    id: int | None  # the row's id, when the row is there
    reason: str

    def describe(self) -> str:
        where = f"seq {self.seq}" + (f" (id {self.id})" if self.id is not None else "")
        return f"{where} {self.kind}: {self.reason}"


class ChainWalk:
    """Fed the rows in seq order, in as many batches as it takes; stops at the first break."""

    def __init__(self) -> None:
        self.count = 0
        self.last_seq = 0
        self.last_hash = GENESIS_HASH
        self._last_id: int | None = None
        self.broken: Break | None = None

    def feed(self, row: ChainRow) -> Break | None:
        if self.broken is not None:
            return self.broken
        self.broken = self._check(row)
        if self.broken is None:
            self.count += 1
            self.last_seq, self._last_id = self.last_seq + 1, row.id
            self.last_hash = str(row.row_hash)
        return self.broken

    def _check(self, row: ChainRow) -> Break | None:
        expected = self.last_seq + 1
        if row.seq is None or row.seq != expected:
            if row.seq is None:
                return Break("removed", expected, None, f"seq {expected} missing")
            missing = f"seq {expected}" if row.seq == expected + 1 else f"seq {expected} to {row.seq - 1}"
            return Break("removed", expected, None,
                         f"{missing} missing, the chain goes on at seq {row.seq} (id {row.id})")
        try:
            body = row.expected_body()
        except BrokenSeal as exc:
            return Break("altered", expected, row.id, f"its seal is broken ({exc})")
        if body != row.body_hash:
            return Break("altered", expected, row.id, "its fields no longer match its hash")
        if row_hash(seq=expected, prev_hash=str(row.prev_hash), body=body) != row.row_hash:
            return Break("altered", expected, row.id, "its hash does not match its place in the chain")
        if row.prev_hash != self.last_hash:
            if self._last_id is None:
                return Break("altered", expected, row.id, "the first row does not start from the genesis")
            return Break("altered", self.last_seq, self._last_id,
                         f"its hash was rewritten: seq {expected} (id {row.id}) records another one")
        return None

    def finish(self, head_seq: int, head_hash: str) -> Break | None:
        """After the last row: the head row (the last seq and hash written) must be where the walk ended."""
        if self.broken is not None:
            return self.broken
        if head_seq > self.last_seq:
            first = self.last_seq + 1
            missing = f"seq {head_seq}" if head_seq == first else f"seq {first} to {head_seq}"
            self.broken = Break("removed", self.last_seq + 1, None,
                                f"{missing} missing at the end (the chain head records seq {head_seq})")
        elif head_seq == self.last_seq and head_hash != self.last_hash:
            self.broken = Break("altered", self.last_seq, self._last_id,
                                "the chain head records another hash for it")
        return self.broken
