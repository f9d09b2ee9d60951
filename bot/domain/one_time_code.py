"""One-time codes sent to a customer's email: made, found in what they type, hashed, sealed for the mail.

The rules (NIST SP 800-63B, OWASP ASVS 4.0.3; see docs DOMAIN.md "Identity verification"):
- 6 digits from the operating system's CSPRNG (`secrets`);
- stored only as an HMAC-SHA256 under a key from the settings, over the code *and* what it is bound
  to (customer, email address, purpose, chat account), so a stored digest matches only the code typed
  by the same chat user for the same customer, address and purpose; compared in constant time;
- typed with spaces or dashes ("123 456", "12-34-56") or inside a sentence ("mã là 123456 ạ"), it
  still counts; a message with two different 6-digit numbers is ambiguous and counts as no attempt.

The mail that carries a code waits in the outbox until it is delivered; so that the code is not kept
there in clear either, it is written *sealed* (`seal`): its digits added, digit by digit modulo 10, to
a pad made by HMAC from the same key and a random nonce, and the mail sender opens the seal
(`unseal_text`) as it builds the message. HMAC-SHA256 is a pseudo-random function, so with a fresh
nonce the pad is as good as a one-time pad for six digits; the sealed text tells nothing without the key.

Pure functions; the limits that use them (attempts, resends, lockouts) live in bot.services.identity.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_WRONG_PER_CODE = 5
MAX_WRONG_PER_DAY = 10  # per customer, and per chat account
FAILURE_WINDOW = timedelta(hours=24)
LOCKOUT = timedelta(hours=24)
RESEND_INTERVAL = timedelta(minutes=1)
MAX_CODES_PER_HOUR = 5

_SEAL = re.compile(r"⟦otp:([0-9a-f]{32}):([0-9]{6})⟧")
# Digits with single spaces, dots or dashes between them; the longest such run is one candidate.
_DIGIT_RUN = re.compile(r"(?<![0-9])[0-9](?:[ \-.\u2013]?[0-9])*(?![0-9])")


class CodePurpose(StrEnum):
    """What a code is issued for; a code works only for its purpose."""

    LINK = "link"  # prove the email on file to link this chat account to the customer
    STRONG = "strong"  # the second factor of the strong level (a copy of one's data, corrections)
    CORRECTION = "correction"  # confirm a new address the customer gave (bot.services.corrections)


class CodeFind(StrEnum):
    FOUND = "found"
    NONE = "none"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class FoundCode:
    outcome: CodeFind
    code: str | None = None


def new_code() -> str:
    """Six digits, uniformly drawn from the CSPRNG (leading zeros kept)."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def find_code(text: str) -> FoundCode:
    """The 6-digit code in what the customer typed, if there is exactly one."""
    candidates = set()
    for match in _DIGIT_RUN.finditer(text):
        digits = re.sub(r"[^0-9]", "", match.group(0))
        if len(digits) == CODE_DIGITS:
            candidates.add(digits)
    if not candidates:
        return FoundCode(CodeFind.NONE)
    if len(candidates) > 1:
        return FoundCode(CodeFind.AMBIGUOUS)
    return FoundCode(CodeFind.FOUND, candidates.pop())


def code_digest(key: bytes, code: str, *, customer_id: int, email: str, purpose: str, account: str) -> str:
    """The keyed hash stored for a code: HMAC-SHA256 over the code and everything it is bound to."""
    message = "\x1f".join(("otp-v1", str(customer_id), email, purpose, account, code))
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def digests_match(stored: str, candidate: str) -> bool:
    """Constant-time comparison: how long it takes says nothing about how much matched."""
    return hmac.compare_digest(stored.encode(), candidate.encode())


def seal(key: bytes, code: str) -> str:
    """A code as it may wait in the outbox: `⟦otp:<nonce>:<sealed digits>⟧`."""
    nonce = secrets.token_hex(16)
    pad = _pad(key, nonce)
    sealed = "".join(str((int(digit) + shift) % 10) for digit, shift in zip(code, pad, strict=True))
    return f"⟦otp:{nonce}:{sealed}⟧"


def unseal_text(key: bytes, text: str) -> str:
    """The text with every sealed code in it opened (for the mail sender, as it builds the message)."""

    def opened(match: re.Match[str]) -> str:
        pad = _pad(key, match.group(1))
        digits = zip(match.group(2), pad, strict=True)
        return "".join(str((int(digit) - shift) % 10) for digit, shift in digits)

    return _SEAL.sub(opened, text)


def has_sealed_code(text: str) -> bool:
    return _SEAL.search(text) is not None


def _pad(key: bytes, nonce: str) -> list[int]:
    digest = hmac.new(key, f"otp-seal-v1\x1f{nonce}".encode(), hashlib.sha256).digest()
    # Bytes below 250 only, so each digit of the pad is uniform over 0-9.
    usable = [byte % 10 for byte in digest if byte < 250]
    return usable[:CODE_DIGITS]
