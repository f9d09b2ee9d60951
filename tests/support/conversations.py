"""Scripted multi-turn conversations (tests/data/conversations.toml), each with the outcome it must end in.

The same runner serves the end-to-end test (every conversation must reach its outcome) and the
benchmark (`python -m tests.benchmarks.conversations`: the share reaching it, per style). A
conversation is played by a `ChatCustomer`: through the real Telegram channel over the fake Bot API
(tests/support/telegram_conversations.py, what the test and the benchmark measure), or through the
test-harness channel (`HarnessCustomer`, the conversation core alone), on a database seeded with
two customers: Lan (phone +84912345678; orders RG-2026-900001 delivered, -900002
delivering, -900003 pending) and Bình (phone +84987654321; order RG-2026-900004).

A turn is a message, or one of:
- `contact`: Lan's own Telegram contact is shared;
- `press:<text key>`: the button of the last reply labelled with that text key is pressed (over
  Telegram: a callback query on the message that carries it).

Outcomes, checked after the last turn (several may be given):

| field      | the conversation ends with                                                      |
|------------|---------------------------------------------------------------------------------|
| `section`  | a policy answer quoting section N, or one of a list (0 is the introduction)     |
| `uncovered`| "the policy does not address …" and a person offered                            |
| `order`    | the details of order X shown                                                     |
| `said`     | the last reply saying that text key (`not_said`: never in the last reply)        |
| `button`   | the last reply offering a button labelled with that text key                     |
| `ticket`   | a ticket recorded with this category (`ticket_order`: and this order)            |
| `human`    | a request for a person recorded, its description containing these words         |
| `order_request` | a request about an order recorded with this category (`ticket_order`: this order) |

`known_miss = "why"` marks a conversation the bot does not get right yet: the test expects it to fail
(strictly: once it passes, the mark must go), and the benchmark counts it as missed, as it is.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select

from bot.storage.models import Customer, Order, OrderStatusEvent, Ticket
from bot.storage.uow import UnitOfWorkFactory
from tests.support.harness import ChatHarness, Reply, plain

CONVERSATIONS = Path(__file__).resolve().parents[1] / "data" / "conversations.toml"
LAN_PHONE = "+84912345678"
_PLACED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
STYLES = ("vi", "vi-plain", "shorthand", "en")


@dataclass(frozen=True)
class Conversation:
    id: str
    style: str
    turns: tuple[str, ...]
    expect: dict[str, Any] = field(default_factory=dict)
    known_miss: str | None = None

    @property
    def language(self) -> str:
        return "en" if self.style == "en" else "vi"


def load_conversations(path: Path = CONVERSATIONS) -> list[Conversation]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    found = []
    for item in raw["conversation"]:
        expect = {k: v for k, v in item.items() if k not in ("id", "style", "turns", "known_miss")}
        found.append(Conversation(item["id"], item["style"], tuple(item["turns"]), expect,
                                  item.get("known_miss")))
    return found


async def seed_customers(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        lan = Customer(full_name="Nguyễn Thị Lan", phone=LAN_PHONE, email="lan@example.com")
        binh = Customer(full_name="Trần Văn Bình", phone="+84987654321", email="binh@example.com")
        uow.customers.add(lan)
        uow.customers.add(binh)
        await uow.flush()
        orders = (("RG-2026-900001", lan, "delivered"), ("RG-2026-900002", lan, "delivering"),
                  ("RG-2026-900003", lan, "pending"), ("RG-2026-900004", binh, "pending"))
        for code, owner, status in orders:
            order = Order(code=code, customer_id=owner.id, status=status, total_vnd=450000, placed_at=_PLACED)
            uow.orders.add(order)
            await uow.flush()
            uow.session.add(OrderStatusEvent(order_id=order.id, status=status, occurred_at=_PLACED))
        await uow.commit()


@dataclass
class Result:
    conversation: Conversation
    problems: list[str]
    transcript: list[str]

    @property
    def reached(self) -> bool:
        return not self.problems


class ChatCustomer(Protocol):
    """One customer's side of a conversation, on some channel: the harness (`HarnessCustomer`) or
    Telegram over the fake Bot API (`tests.support.telegram_conversations.TelegramCustomer`)."""

    #: what went wrong on the way that the outcome does not show (a reply that never arrived)
    problems: list[str]

    async def says(self, text: str) -> Reply: ...

    async def shares_contact(self, phone: str) -> Reply: ...

    async def presses(self, reply: Reply, key: str) -> Reply:
        """Press the button of `reply` labelled with the text key `key` (LookupError: none)."""
        ...

    async def tickets(self) -> list[Ticket]:
        """The tickets this customer opened, oldest first."""
        ...


class HarnessCustomer:
    """A customer through the test-harness channel (the conversation core, no Telegram)."""

    def __init__(self, harness: ChatHarness, conversation: Conversation, user_id: str = "1001") -> None:
        self._harness = harness
        self._user = harness.user(user_id, language=conversation.language, name="Lan")
        self.problems: list[str] = []

    async def says(self, text: str) -> Reply:
        return await self._user.says(text)

    async def shares_contact(self, phone: str) -> Reply:
        return await self._user.shares_contact(phone)

    async def presses(self, reply: Reply, key: str) -> Reply:
        try:
            data = reply.button(key)
        except AssertionError as missing:
            raise LookupError(str(missing)) from missing
        return await self._user.presses(data)

    async def tickets(self) -> list[Ticket]:
        async with self._harness.app.uow_factory() as uow:
            rows = list((await uow.session.scalars(select(Ticket).where(
                Ticket.channel_user_id == self._user.user_id).order_by(Ticket.id))).all())
            uow.session.expunge_all()
            return rows


async def run_conversation(customer: ChatCustomer, conversation: Conversation, knowledge: Any) -> Result:
    """Play the conversation as a new customer; `knowledge` is the knowledge base (citations)."""
    transcript: list[str] = []
    reply: Reply | None = None
    problems: list[str] = []
    for turn in conversation.turns:
        if turn == "contact":
            reply = await customer.shares_contact(LAN_PHONE)
        elif turn.startswith("press:"):
            if reply is None:
                problems.append(f"{turn}: no reply to press a button of")
                break
            try:
                reply = await customer.presses(reply, turn.removeprefix("press:"))
            except (AssertionError, KeyError, LookupError):
                problems.append(f"{turn}: the reply had no such button ({reply!r})")
                break
        else:
            reply = await customer.says(turn)
        transcript.append(f"» {turn}\n{plain(reply.text)}")
    problems.extend(customer.problems)
    if reply is not None and not problems:
        problems = await _check(customer, conversation, reply, knowledge)
    return Result(conversation, problems, transcript)


async def _check(customer: ChatCustomer, conversation: Conversation, reply: Reply,
                 knowledge: Any) -> list[str]:
    expect, language, text = conversation.expect, conversation.language, plain(reply.text)
    problems = []
    if "section" in expect:  # one section, or the sections any of which answers the question
        sections = expect["section"] if isinstance(expect["section"], list) else [expect["section"]]
        citations = [plain(knowledge.citation(int(n), language)) for n in sections]
        if not reply.said("core.policy_answer") or not any(c in text for c in citations):
            problems.append(f"expected an answer from section {sections} ({citations!r}); got {reply!r}")
    if expect.get("uncovered"):
        fallback = "this" if language == "en" else "điều này"
        opening = plain(knowledge.uncovered_answer(None, language)).split(fallback)[0].strip()
        if opening not in text:
            problems.append(f"expected 'the policy does not say' ({opening!r}); got {reply!r}")
    if "order" in expect and not reply.said("core.orders.details", code=expect["order"]):
        problems.append(f"expected order {expect['order']} shown; got {reply!r}")
    for key in _listed(expect.get("said")):
        if not reply.said(key):
            problems.append(f"expected {key}; got {reply!r}")
    for key in _listed(expect.get("not_said")):
        if reply.said(key):
            problems.append(f"did not expect {key}; got {reply!r}")
    for key in _listed(expect.get("button")):
        try:
            reply.button(key)
        except AssertionError:
            problems.append(f"expected a button {key}; got {reply!r}")
    if "order_request" in expect:
        wanted = (expect["order_request"], expect.get("ticket_order"))
        found = [(t.category, t.order_code) for t in await customer.tickets() if t.kind == "order_request"]
        if not any(category == wanted[0] and wanted[1] in (None, code) for category, code in found):
            problems.append(f"expected a request about an order {wanted}; got {found}")
    if "ticket" in expect or "human" in expect:
        tickets = await customer.tickets()
        if "ticket" in expect:
            wanted = (expect["ticket"], expect.get("ticket_order"))
            if not any((t.kind, t.category) == ("complaint", wanted[0]) and (wanted[1] is None or
                       t.order_code == wanted[1]) for t in tickets):
                got = [(t.category, t.order_code) for t in tickets]
                problems.append(f"expected a ticket {wanted}; got {got}")
        if "human" in expect:
            words = str(expect["human"]).lower()
            if not any(t.kind == "human" and words in t.description.lower() for t in tickets):
                problems.append(f"expected a request for a person about {words!r}; got "
                                f"{[(t.kind, t.description) for t in tickets]}")
    return problems


def _listed(value: object) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
