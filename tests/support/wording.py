"""What the bot said, by catalogue key and slots, so that a copy edit in a locale file breaks no test.

Actions record the wording of their text (`bot.messages.wording`); these helpers match it:

    assert reply.said("complaints.created", number="KN-2026-000001")           # tests/support/harness.py
    assert worded(card, "staff.card", verified=key("staff.verified"))           # one action
    assert harness.sender.said_to("1001", "complaints.taken", number=...)      # delivered outbox
    assert payload_keys(row.payload) == ["staff.topic_closed"]                 # an outbox row

Only the slots named are checked (a subset); a slot whose value was catalogue text is matched with
`key(...)`, itself down to the slots it names. Channel tests that see nothing but the text a user
received (the console's output, the fake Bot API) compare it with `rendered(...)`, the catalogue's own
rendering, which follows any copy edit as well. The wording itself is tested in
`tests/unit/test_texts.py`, nowhere else.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from functools import cache

from bot.channels.console import html_to_plain
from bot.i18n import Catalog
from bot.messages.actions import Action, Wordings, action_from_payload, wording_of
from bot.messages.wording import SlotValue, Wording


def key(name: str, /, **slots: object) -> Wording:
    """The expectation for a slot that holds catalogue text: its key, and the slots to check in it."""
    return Wording.of(name, **slots)


def matches(actual: SlotValue, expected: object) -> bool:
    """Whether a recorded slot value is what a test expects (a `key(...)` matches by `wording_is`)."""
    if isinstance(expected, Wording):
        return isinstance(actual, Wording) and wording_is(actual, expected.key, **expected.values)
    if isinstance(expected, tuple):
        return (isinstance(actual, tuple) and len(actual) == len(expected)
                and all(matches(a, e) for a, e in zip(actual, expected, strict=True)))
    return not isinstance(actual, Wording | tuple) and actual == expected


def wording_is(wording: Wording, name: str, /, **slots: object) -> bool:
    values = wording.values
    return wording.key == name and all(
        slot in values and matches(values[slot], expected) for slot, expected in slots.items()
    )


def find(wordings: Iterable[Wording], name: str, /, **slots: object) -> Wording | None:
    return next((w for w in wordings if wording_is(w, name, **slots)), None)


def worded(action: Action, name: str, /, **slots: object) -> bool:
    """Whether the action's text was rendered from `name` with (at least) these slots."""
    return find(wording_of(action), name, **slots) is not None


def payload_wordings(payload: dict[str, object]) -> Wordings:
    """The wording of an outbox row's action, read back from its payload as the dispatcher reads it."""
    return wording_of(action_from_payload(dict(payload)))


def payload_keys(payload: dict[str, object]) -> list[str]:
    return [w.key for w in payload_wordings(payload)]


def describe(wordings: Wordings | list[Wording]) -> str:
    """Wordings as a test failure shows them: key(slot=value, ...)."""
    return ", ".join(_show(w) for w in wordings) or "(no catalogue text)"


def _show(value: SlotValue) -> str:
    if isinstance(value, Wording):
        inner = ", ".join(f"{name}={_show(v)}" for name, v in value.slots)
        return f"{value.key}({inner})" if inner else value.key
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if not isinstance(value, str):
        return repr(value)
    return repr(value if len(value) <= 40 else value[:37] + "...")


# For channel tests that see only text ------------------------------------------------------------------
@cache
def catalog() -> Catalog:
    return Catalog.load()


def plain(text: str) -> str:
    """What a user reads of Telegram-style HTML: its tags dropped, entities decoded (as the console)."""
    return html_to_plain(text)


def rendered(name: str, /, language: str = "vi", **slots: object) -> str:
    """The plain text the catalogue renders for `name` today (a slot of catalogue text: `markup(...)`)."""
    return plain(catalog().text(language, name, **slots))


def markup(name: str, /, language: str = "vi", **slots: object) -> str:
    """The catalogue's markup for `name`, to fill a slot of another (`rendered(..., x=markup(...))`)."""
    return catalog().text(language, name, **slots)


def label(name: str, /, language: str = "vi", **slots: object) -> str:
    """A button label as channels show it (plain text)."""
    return html.unescape(str(catalog().text(language, name, **slots)))


def around(name: str, slot: str, /, language: str = "vi", **slots: object) -> tuple[str, str]:
    """The plain text of `name` before and after its slot `slot`, for output that holds a value the
    test cannot know (a time of day, a title from the knowledge base). Slots not given end the text
    after `slot`; none may come before it."""
    marker, unknown = "\x00", "\x01"
    missing = {n: unknown for n in catalog().placeholders(language, name) if n not in slots and n != slot}
    before, _, after = rendered(name, language, **slots, **missing, **{slot: marker}).partition(marker)
    assert unknown not in before, f"{name}: give the slots before {slot!r}"
    return before, after.split(unknown, 1)[0]
