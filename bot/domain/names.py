"""People's names as they may be shown: a name comes from the person (a Telegram first name, an
imported customer file) and is shown to staff next to facts the bot vouches for ("đã xác minh").

A name keeps its letters, marks, digits, punctuation, symbols and spaces, and loses every control and
format character (Unicode categories Cc, Cf: newlines, right-to-left overrides and isolates, zero-width
joiners, invisible separators), line and paragraph separators (Zl, Zp), unassigned code points and
private-use ones. A right-to-left override is what let a name reorder the line it stands in and put
a fake "đã xác minh" after the real marker; with it gone, a name reads left to right as typed.
Runs of spaces become one, and a name is cut to `NAME_MAX` characters.
"""

from __future__ import annotations

import unicodedata

NAME_MAX = 120
_DROPPED = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"})


def clean_name(name: str | None) -> str | None:
    """The name without control or format characters, spaces folded; None when nothing is left."""
    if not name:
        return None
    kept = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in name
                   if unicodedata.category(ch) not in _DROPPED)
    folded = " ".join(kept.split())[:NAME_MAX].strip()
    return folded or None
