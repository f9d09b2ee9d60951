"""What a text says, apart from how a locale words it: the catalogue key and the values put into it.

Texts reach a channel as Telegram-style HTML, already escaped (`Markup`). A text the catalogue
rendered (`bot.i18n.Catalog.text`) remembers how: `Markup.wordings` holds one `Wording(key, slots)`,
and a text joined from several catalogue texts (`join`) holds each of theirs, in order. The actions
that carry such a text record it (`SendText.wording`, `Button.wording`, ...), through the outbox too.

A slot is a value the template was filled with, as the caller gave it (before escaping): a string or a
number, or, when the value was itself catalogue text (a category label, a status), that text's
`Wording`, so what a message says can be read down to its last word by key.

Nothing a channel sends depends on it: it is there so that tests, logs and tools can say *what* was
said (`complaints.created`, number=KN-2026-000001) without depending on *how* a locale file says it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias


@dataclass(frozen=True)
class Wording:
    """A catalogue key, the slots (placeholder values) a text was rendered from, and in which language
    it was asked for ("" when not known: a wording written by hand)."""

    key: str
    slots: tuple[tuple[str, SlotValue], ...] = ()
    language: str = ""

    @classmethod
    def of(cls, key: str, /, **slots: object) -> Wording:
        """The wording of `key` filled with `slots`, each value recorded as `slot_value` says."""
        return cls.rendered(key, "", slots)

    @classmethod
    def rendered(cls, key: str, language: str, slots: Mapping[str, object]) -> Wording:
        return cls(key, tuple((name, slot_value(value)) for name, value in slots.items()), language)

    @property
    def values(self) -> dict[str, SlotValue]:
        return dict(self.slots)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, for the outbox payload."""
        data: dict[str, Any] = {"key": self.key, "slots": {n: _slot_to_json(v) for n, v in self.slots}}
        if self.language:
            data["language"] = self.language
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Wording:
        slots = data.get("slots") or {}
        return cls(str(data["key"]), tuple((str(name), _slot_from_json(v)) for name, v in slots.items()),
                   str(data.get("language") or ""))


#: A value a template was filled with (see the module docstring).
SlotValue: TypeAlias = str | int | float | Wording | tuple[Wording, ...]


class Markup(str):
    """Text that is already safe HTML and must not be escaped again when placed in a template.

    `wordings` says which catalogue texts it is made of; empty for markup built by hand. String
    operations (`+`, `strip`, slicing) return plain `str` and so forget it, as they forget the safety.
    """

    wordings: tuple[Wording, ...] = ()

    @classmethod
    def worded(cls, text: str, wordings: tuple[Wording, ...]) -> Markup:
        made = cls(text)
        made.wordings = wordings
        return made


def escape(value: object) -> str:
    """HTML-escape a value for a template; `Markup` is already safe and kept as it is."""
    if isinstance(value, Markup):
        return str(value)
    return html.escape(str(value), quote=False)


def wordings_of(text: object) -> tuple[Wording, ...]:
    """The catalogue texts `text` was made of, if it is catalogue markup; () otherwise."""
    return text.wordings if isinstance(text, Markup) else ()


def join(parts: Iterable[object], separator: str = "\n") -> Markup:
    """Markup made of several texts (each escaped unless markup already), recording each wording."""
    items = list(parts)
    text = escape(separator).join(escape(part) for part in items)
    return Markup.worded(text, tuple(w for part in items for w in wordings_of(part)))


def slot_value(value: object) -> SlotValue:
    """How a placeholder value is recorded: catalogue text as its wording (or wordings, for joined
    text); numbers as numbers; anything else as the string the template received before escaping."""
    if isinstance(value, Markup) and value.wordings:
        return value.wordings[0] if len(value.wordings) == 1 else value.wordings
    if isinstance(value, int | float):
        return value
    return str(value)


def _slot_to_json(value: SlotValue) -> Any:
    if isinstance(value, Wording):
        return value.to_dict()
    if isinstance(value, tuple):
        return [item.to_dict() for item in value]
    return value


def _slot_from_json(value: Any) -> SlotValue:
    if isinstance(value, Mapping):
        return Wording.from_dict(value)
    if isinstance(value, list):
        return tuple(Wording.from_dict(item) for item in value)
    if isinstance(value, int | float | str):
        return value
    return str(value)
