"""Which staff messages are internal notes: the relay rule, in one place.

A staff message in a ticket's topic (or a reply to its card) that *starts with an exclamation mark*
is an internal note: it is kept on the ticket and never sent to the customer. "Starts with" is read
the way a person sees the text, so that nobody can trip it by accident with a keyboard that types
another exclamation mark, and nobody slips a note through by a character they cannot see:

- leading spaces, line breaks and invisible characters (zero-width spaces, joiners, direction marks,
  the BOM) are skipped;
- every exclamation mark counts: ASCII "!", full-width "！" (Vietnamese and East Asian keyboards),
  small "﹗", vertical "︕", "‼", "⁉", "❗", "❕", "ǃ" (the letter that looks like one), "¡", and
  anything that Unicode compatibility folding (NFKC) turns into "!".

Forwarded messages and albums have rules of their own in `bot.services.ticket_desk`.
"""

from __future__ import annotations

import unicodedata

#: what the desks write before a note (the terminal desk's `note`); any of NOTE_MARKS counts when read
INTERNAL_NOTE_MARKER = "!"
NOTE_MARKS = frozenset("!！﹗︕‼⁉❗❕ǃ¡")


def is_internal_note(text: str | None) -> bool:
    """Whether a staff message's text (or caption) marks it as an internal note."""
    if not text:
        return False
    for ch in text:
        if ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc", "Mn", "Me"):
            continue
        return ch in NOTE_MARKS or "!" in unicodedata.normalize("NFKC", ch)
    return False
