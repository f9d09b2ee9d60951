"""Request signatures of the shop API: HMAC-SHA256 over the timestamp and the raw body.

    X-Rosee-Timestamp: 1764648000                       (Unix seconds, when the request was signed)
    X-Rosee-Signature: sha256=<hex HMAC-SHA256(SHOP_API_SECRET, "<timestamp>." + raw body)>

The timestamp is inside what is signed, so it cannot be moved forward to get an old request
through the freshness window; within the window, a route's own ids (an event id) stop a replay.
Comparison is constant-time (`hmac.compare_digest`). Pure functions: the middleware that applies
them is in `bot.shop_api.app`, and the shop's side (and the tests) sign with `sign`.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum

TIMESTAMP_HEADER = "X-Rosee-Timestamp"
SIGNATURE_HEADER = "X-Rosee-Signature"
SCHEME = "sha256="


class Refusal(StrEnum):
    """Why a request's signature was refused; the JSON `error` the caller gets (with 401)."""

    MISSING = "missing_signature"
    BAD_TIMESTAMP = "bad_timestamp"
    BAD_SIGNATURE = "bad_signature"
    STALE = "stale_timestamp"


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The `X-Rosee-Signature` value for `body` sent at `timestamp`."""
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return SCHEME + digest


def check(secret: bytes, *, timestamp: str | None, signature: str | None, body: bytes, now: float,
          max_age: float) -> Refusal | None:
    """None when the request is signed with `secret` and fresh; otherwise why not.

    The signature is checked before the time, so a caller without the secret learns nothing about
    the window.
    """
    if not timestamp or not signature:
        return Refusal.MISSING
    raw = timestamp.strip()
    if not raw.isdigit() or len(raw) > 12:
        return Refusal.BAD_TIMESTAMP
    expected = sign(secret, int(raw), body)
    if not hmac.compare_digest(signature.strip().encode(), expected.encode()):
        return Refusal.BAD_SIGNATURE
    if abs(now - int(raw)) > max_age:
        return Refusal.STALE
    return None
