"""What a button carries: one small class per button family, packed into callback data and checked back.

Callback data comes back from the chat, and anyone can send any: a stale button from last month, a
forwarded staff card, a hand-made "desk:take:abc". `parse_button` turns it into the family's object
or None; None is answered as a stale button, never a traceback. Unpacking checks the shape only (a
number is digits within the database's id range, an action is one the family has); what the data
names is still a hint, and the services check it (a ticket is the customer's own, the presser is staff).

The wire format is `<prefix>:<field>:<field>…`, fields in declaration order, exactly as the bot has
always written them, so buttons sent before an upgrade keep working. A trailing optional field left
at None is omitted. Telegram's limit of 64 bytes is checked when a button is packed.

| family    | class                   | data                                         | taken by           |
|-----------|-------------------------|----------------------------------------------|--------------------|
| menu      | MenuButton              | menu:<privacy, orders, rights, human, main>  | the router         |
| lang      | LanguageButton          | lang:<vi, en>                                | the router         |
| intent    | IntentButton            | intent:<intent name>                         | the router         |
| resume    | ResumeButton            | resume:<go, drop>:<flow name>                | the router         |
| policy    | PolicyButton            | policy:<section>                             | policy flow        |
| order     | OrderButton             | order:<order code>                           | order flow         |
|           | OrderRequestButton      | order:req:<request (OrderRequest)>:<order code> | order flow      |
|           | OrderActionButton       | order:act:<send, drop>                       | order flow         |
|           | LateOrderButton         | order:late:<order code>                      | order flow         |
| complaint | ComplaintButton         | complaint:<list, new, continue, submit, cancel, | complaint flow  |
|           |                         |  edit_category, edit_order, edit_description,|                    |
|           |                         |  leave, back>                                |                    |
|           | ComplaintCategoryButton | complaint:cat:<category>                     | complaint flow     |
|           | ComplaintOrderButton    | complaint:order:<order code, or - for none>  | complaint flow     |
|           | TicketStatusButton      | complaint:status[:<ticket id>]               | complaint flow     |
| rate      | RatingButton            | rate:<ticket id>:<1-5, skip>                 | rating flow        |
| desk      | DeskButton              | desk:<take, resolve, reopen>:<ticket id>     | staff desk         |
| fwd       | ForwardButton           | fwd:<send, keep>:<ticket message id>         | staff desk         |
| verify    | VerifyButton            | verify:<email, phone>                        | verify flow        |
|           | EmailCodeButton         | verify:code:<resend, not_arrived>            | email_code flow    |
| privacy   | PrivacyStartButton      | privacy:start:<request kind>                 | rights flow        |
|           | PrivacyListButton       | privacy:list                                 | rights flow        |
|           | PrivacyWithdrawButton   | privacy:withdraw:<request id>                | rights flow        |
| yc        | RequestDeskButton       | yc:<take, complete, extend, refuse>:<request id> | staff desk     |
| fix       | CorrectionFieldButton   | fix:field:<name, phone, email, address>      | correction flow    |
|           | CorrectionButton        | fix:do:<resend, review, cancel>              | correction flow    |
| mkt       | MarketingButton         | mkt:<stop, resume>:<email, sms, call,        | marketing flow     |
|           |                         |  telegram, all>                              |                    |
|           | MarketingSkipButton     | mkt:skip                                     | marketing flow     |

The complaint family has one class per shape of data its buttons carry (a category, an order code,
a ticket id); the others one class each. In the spirit of aiogram's `CallbackData`, without depending
on aiogram: this package sits below the channels.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self, Union

from bot.domain.order_rules import OrderRequest
from bot.domain.privacy_request import RequestKind
from bot.domain.ticket_category import TicketCategory
from bot.messages.actions import CALLBACK_DATA_MAX_BYTES

SEPARATOR = ":"
PREFIX_PARTS = 2  # a family's prefix ("desk") or one of its shapes ("complaint:cat")
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns: a larger "id" would fail in the database
ORDER_CODE_MAX = 40  # as the import accepts them
NO_ORDER = "-"  # ComplaintOrderButton: continue without naming an order
_INTENT_NAME = re.compile(r"[a-z][a-z_]{0,39}")
_DIGITS = re.compile(r"[0-9]{1,10}")


class ButtonDataError(ValueError):
    """Button data that no button of ours carries, or a button that cannot be packed."""


Decoder = Callable[[str], Any]
Encoder = Callable[[Any], str]


@dataclass(frozen=True)
class _Field:
    name: str
    encode: Encoder
    decode: Decoder
    optional: bool  # may be None, and then is left out of the packed data (trailing fields only)


_families: dict[str, type[ButtonData]] = {}


class ButtonData:
    """Base of the button families: subclasses are frozen dataclasses declared with a `prefix`.

    ``class DeskButton(ButtonData, prefix="desk")`` with fields ``action: Literal[...]`` and
    ``ticket_id: int``. Field types: ``int`` (0..MAX_ID, digits only), ``str`` (non-empty, no ":"), a
    ``StrEnum``, a ``Literal`` of strings and ints, or one of these ``| None`` for a trailing field.
    Extra checks go in ``__post_init__`` and raise `ButtonDataError`.
    """

    prefix: ClassVar[str]

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not 1 <= len(prefix.split(SEPARATOR)) <= PREFIX_PARTS or not all(prefix.split(SEPARATOR)):
            raise TypeError(f"a button prefix is one or two words: {prefix!r}")
        if prefix in _families:
            raise TypeError(f"button prefix {prefix!r} is taken by {_families[prefix].__name__}")
        cls.prefix = prefix
        _families[prefix] = cls

    def pack(self) -> str:
        parts = [self.prefix]
        fields = _fields(type(self))
        values = [getattr(self, f.name) for f in fields]
        while values and values[-1] is None and fields[len(values) - 1].optional:
            values.pop()
        for spec, value in zip(fields, values, strict=False):
            if value is None:
                raise ButtonDataError(f"{type(self).__name__}.{spec.name} may be left out only at the end")
            parts.append(spec.encode(value))
        data = SEPARATOR.join(parts)
        size = len(data.encode("utf-8"))
        if size > CALLBACK_DATA_MAX_BYTES:
            raise ButtonDataError(f"button data is {size} bytes, over {CALLBACK_DATA_MAX_BYTES}: {data!r}")
        return data

    @classmethod
    def unpack(cls, data: str) -> Self:
        """The button this data packs, or `ButtonDataError` when it is not one of this class."""
        if len(data.encode("utf-8")) > CALLBACK_DATA_MAX_BYTES:
            raise ButtonDataError("button data longer than any button of ours")
        if data == cls.prefix:
            parts: list[str] = []
        elif data.startswith(cls.prefix + SEPARATOR):
            parts = data[len(cls.prefix) + 1:].split(SEPARATOR)
        else:
            raise ButtonDataError(f"not {cls.__name__} data: {data!r}")
        fields = _fields(cls)
        required = sum(not f.optional for f in fields)
        if not required <= len(parts) <= len(fields):
            raise ButtonDataError(f"{cls.__name__} takes {len(fields)} fields, got {len(parts)}: {data!r}")
        values = {spec.name: spec.decode(part) for spec, part in zip(fields, parts, strict=False)}
        return cls(**values)


def parse_button(data: str | None) -> ButtonData | None:
    """The button this callback data packs, or None when no family of ours carries it."""
    if not data:
        return None
    family = _class_for(data)
    if family is None:
        return None
    try:
        return family.unpack(data)
    except ButtonDataError:
        return None


def prefix_of(data: str) -> str | None:
    """The prefix of ours the data starts with, whether or not the rest is valid (`desk` for a
    forged "desk:take:abc"): lets a caller tell a malformed button of its family from another's."""
    family = _class_for(data)
    return None if family is None else family.prefix


def _class_for(data: str) -> type[ButtonData] | None:
    """The class of the longest prefix the data starts with (`complaint:cat` before `complaint`)."""
    parts = data.split(SEPARATOR, PREFIX_PARTS)[:PREFIX_PARTS]
    for end in range(len(parts), 0, -1):
        family = _families.get(SEPARATOR.join(parts[:end]))
        if family is not None:
            return family
    return None


# Field codecs ---------------------------------------------------------------------------------------------
_field_specs: dict[type[ButtonData], tuple[_Field, ...]] = {}


def _fields(cls: type[ButtonData]) -> tuple[_Field, ...]:
    """The class's fields with their codecs, worked out on first use (the annotations are strings
    until the module that declares the class has finished loading)."""
    specs = _field_specs.get(cls)
    if specs is None:
        specs = _field_specs[cls] = _read_fields(cls)
    return specs


def _read_fields(cls: type[ButtonData]) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(cls)
    found = []
    for spec in dataclasses.fields(typing.cast(Any, cls)):
        kind, optional = _strip_none(hints[spec.name])
        encode, decode = _codec(kind, f"{cls.__name__}.{spec.name}")
        found.append(_Field(spec.name, encode, decode, optional))
    for before, after in itertools.pairwise(found):
        if before.optional and not after.optional:
            raise TypeError(f"{cls.__name__}: optional field {before.name} is not at the end")
    return tuple(found)


def _strip_none(kind: Any) -> tuple[Any, bool]:
    if typing.get_origin(kind) in (Union, types.UnionType):
        args = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        if len(args) == 1 and len(typing.get_args(kind)) == 2:
            return args[0], True
    return kind, False


def _codec(kind: Any, where: str) -> tuple[Encoder, Decoder]:
    if kind is int:
        return _encode_int, _decode_int
    if kind is str:
        return _encode_str, _decode_str
    if isinstance(kind, type) and issubclass(kind, enum.StrEnum):
        return _enum_codec(kind)
    if typing.get_origin(kind) is Literal:
        return _literal_codec(typing.get_args(kind))
    if typing.get_origin(kind) in (Union, types.UnionType) and all(
        typing.get_origin(arg) is Literal for arg in typing.get_args(kind)
    ):  # Literal[1, 2] | Literal["skip"]
        return _literal_codec(tuple(value for arg in typing.get_args(kind) for value in typing.get_args(arg)))
    raise TypeError(f"{where}: a button field cannot be {kind!r}")


def _encode_int(value: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise ButtonDataError(f"a button number must be 0..{MAX_ID}, got {value!r}")
    return str(value)


def _decode_int(text: str) -> int:
    if not _DIGITS.fullmatch(text) or int(text) > MAX_ID:
        raise ButtonDataError(f"not a button number: {text[:20]!r}")
    return int(text)


def _encode_str(value: str) -> str:
    if not isinstance(value, str) or not value or SEPARATOR in value:
        raise ButtonDataError(f"button text must be non-empty and without {SEPARATOR!r}: {value!r}")
    return value


def _decode_str(text: str) -> str:
    if not text:
        raise ButtonDataError("an empty button field")
    return text


def _enum_codec(kind: type[enum.StrEnum]) -> tuple[Encoder, Decoder]:
    def encode(value: enum.StrEnum) -> str:
        return kind(value).value

    def decode(text: str) -> enum.StrEnum:
        try:
            return kind(text)
        except ValueError:
            raise ButtonDataError(f"not a {kind.__name__}: {text[:20]!r}") from None

    return encode, decode


def _literal_codec(allowed: tuple[Any, ...]) -> tuple[Encoder, Decoder]:
    by_text = {str(value): value for value in allowed}

    def encode(value: Any) -> str:
        text = str(value)
        if by_text.get(text) != value or type(by_text[text]) is not type(value):
            raise ButtonDataError(f"{value!r} is not one of {allowed}")
        return text

    def decode(text: str) -> Any:
        if text not in by_text:
            raise ButtonDataError(f"{text[:20]!r} is not one of {allowed}")
        return by_text[text]

    return encode, decode


# The families ----------------------------------------------------------------------------------------------
MenuTarget = Literal["privacy", "orders", "rights", "human", "main"]
DeskAction = Literal["take", "resolve", "reopen"]
Rating = Literal[1, 2, 3, 4, 5]
RATINGS: tuple[Rating, ...] = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class MenuButton(ButtonData, prefix="menu"):
    target: MenuTarget


@dataclass(frozen=True)
class LanguageButton(ButtonData, prefix="lang"):
    language: Literal["vi", "en"]


@dataclass(frozen=True)
class IntentButton(ButtonData, prefix="intent"):
    """One of the meanings offered when a message was ambiguous."""

    intent: str

    def __post_init__(self) -> None:
        if not _INTENT_NAME.fullmatch(self.intent):
            raise ButtonDataError(f"not an intent name: {self.intent[:20]!r}")


@dataclass(frozen=True)
class ResumeButton(ButtonData, prefix="resume"):
    """Take up (`go`) or let go of (`drop`) a flow an interruption set aside (`bot.dialogue.memory`)."""

    action: Literal["go", "drop"]
    flow: str

    def __post_init__(self) -> None:
        if not _INTENT_NAME.fullmatch(self.flow):
            raise ButtonDataError(f"not a flow name: {self.flow[:20]!r}")


@dataclass(frozen=True)
class PolicyButton(ButtonData, prefix="policy"):
    section: int


@dataclass(frozen=True)
class OrderButton(ButtonData, prefix="order"):
    code: str

    def __post_init__(self) -> None:
        _check_order_code(self.code)


@dataclass(frozen=True)
class OrderRequestButton(ButtonData, prefix="order:req"):
    """Ask staff to cancel, change or return/refund this order (the rules are read again on press)."""

    request: OrderRequest
    code: str

    def __post_init__(self) -> None:
        _check_order_code(self.code)


@dataclass(frozen=True)
class OrderActionButton(ButtonData, prefix="order:act"):
    """Send the request being prepared to staff, or drop it."""

    action: Literal["send", "drop"]


@dataclass(frozen=True)
class LateOrderButton(ButtonData, prefix="order:late"):
    """A person about this late order: one press opens the ticket with the order attached."""

    code: str

    def __post_init__(self) -> None:
        _check_order_code(self.code)


@dataclass(frozen=True)
class ComplaintButton(ButtonData, prefix="complaint"):
    action: Literal[
        "list", "new", "continue", "submit", "cancel",
        "edit_category", "edit_order", "edit_description",  # correct what was pre-filled, at the summary
        "leave", "back",  # step out of the open ticket's conversation to the assistant, and back in
    ]


@dataclass(frozen=True)
class ComplaintCategoryButton(ButtonData, prefix="complaint:cat"):
    category: TicketCategory


@dataclass(frozen=True)
class ComplaintOrderButton(ButtonData, prefix="complaint:order"):
    """The order the complaint is about; `NO_ORDER` to go on without one."""

    code: str

    def __post_init__(self) -> None:
        _check_order_code(self.code)

    @property
    def order_code(self) -> str | None:
        return None if self.code == NO_ORDER else self.code


@dataclass(frozen=True)
class TicketStatusButton(ButtonData, prefix="complaint:status"):
    """A ticket's status; without an id, the customer's open (or latest) ticket."""

    ticket_id: int | None = None


@dataclass(frozen=True)
class RatingButton(ButtonData, prefix="rate"):
    ticket_id: int
    rating: Rating | Literal["skip"]


@dataclass(frozen=True)
class DeskButton(ButtonData, prefix="desk"):
    action: DeskAction
    ticket_id: int


ForwardChoice = Literal["send", "keep"]


@dataclass(frozen=True)
class ForwardButton(ButtonData, prefix="fwd"):
    """A staff member's choice for a forwarded message in a ticket's topic: send it on, or keep it."""

    choice: ForwardChoice
    message_id: int


def _check_order_code(code: str) -> None:
    if len(code) > ORDER_CODE_MAX:
        raise ButtonDataError(f"an order code is at most {ORDER_CODE_MAX} characters")


@dataclass(frozen=True)
class VerifyButton(ButtonData, prefix="verify"):
    """A way to prove who one is: the email code instead of the phone, or back to the phone."""

    factor: Literal["email", "phone"]


@dataclass(frozen=True)
class EmailCodeButton(ButtonData, prefix="verify:code"):
    """While a code is on its way: send it again, or "the code did not arrive"."""

    action: Literal["resend", "not_arrived"]


@dataclass(frozen=True)
class PrivacyStartButton(ButtonData, prefix="privacy:start"):
    """Start a data-rights request of this kind (offered after the right was explained)."""

    kind: RequestKind


@dataclass(frozen=True)
class PrivacyListButton(ButtonData, prefix="privacy:list"):
    """The customer's own privacy requests and their status."""


@dataclass(frozen=True)
class PrivacyWithdrawButton(ButtonData, prefix="privacy:withdraw"):
    """The customer withdraws one of their open requests (the id is a hint, checked by the service)."""

    request_id: int


@dataclass(frozen=True)
class CorrectionFieldButton(ButtonData, prefix="fix:field"):
    """The field of the customer's own data to correct (name, phone, email, address)."""

    field: Literal["name", "phone", "email", "address"]


@dataclass(frozen=True)
class CorrectionButton(ButtonData, prefix="fix:do"):
    """While a correction waits: a new code, staff review of a phone, or give it up."""

    action: Literal["resend", "review", "cancel"]


MarketingTarget = Literal["email", "sms", "call", "telegram", "all"]


@dataclass(frozen=True)
class MarketingButton(ButtonData, prefix="mkt"):
    """Stop (or resume) marketing on one channel, or on all of them, at once."""

    action: Literal["stop", "resume"]
    target: MarketingTarget


@dataclass(frozen=True)
class MarketingSkipButton(ButtonData, prefix="mkt:skip"):
    """No email or phone to give: the opt-out is recorded against this chat account alone."""


RequestDeskAction = Literal["take", "complete", "extend", "refuse"]


@dataclass(frozen=True)
class RequestDeskButton(ButtonData, prefix="yc"):
    """A privacy request's card button in the staff chat."""

    action: RequestDeskAction
    request_id: int
