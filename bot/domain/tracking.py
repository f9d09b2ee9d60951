"""A carrier's tracking page for a tracking code, from the link templates in the settings. Pure.

`CARRIER_TRACKING_URLS` maps a carrier's name (as the shop's data writes it; case, spaces and
accents do not matter) to an address with `{code}` where the tracking code goes. A carrier with no
template gets no link: the bot names the carrier and the code, and never guesses an address.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

from intents.text import fold

PLACEHOLDER = "code"


def carrier_key(name: str) -> str:
    """How carriers' names compare: 'J&T Express', 'j&t  express' and 'J&T EXPRESS' are one."""
    return re.sub(r"\s+", " ", fold(name).strip().casefold())


def check_template(template: str) -> str:
    """The template if it is an http(s) address whose only placeholder is `{code}`; else ValueError."""
    parts = urlsplit(template.replace("{code}", "CODE"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"a tracking link must be an http(s) address, got {template[:60]!r}")
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ValueError(f"a tracking link has a stray brace: {template[:60]!r} ({exc})") from None
    if names != {PLACEHOLDER}:
        raise ValueError(f"a tracking link needs {{code}} and no other placeholder, got {template[:60]!r}")
    return template


def tracking_url(templates: Mapping[str, str], carrier: str | None, code: str | None) -> str | None:
    """The page where `code` is tracked at `carrier`, or None (no carrier, no code, no template)."""
    if not carrier or not code:
        return None
    wanted = carrier_key(carrier)
    for name, template in templates.items():
        if carrier_key(name) == wanted:
            return template.format(code=quote(code.strip(), safe=""))
    return None
