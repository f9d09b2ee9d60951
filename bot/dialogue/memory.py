"""What the conversation remembers across flows, kept in the dialogue state's `memory`.

A flow's `data` lives as long as the flow. A conversation remembers more, for a while:

| key          | what                                                   | for how long                   |
|--------------|--------------------------------------------------------|--------------------------------|
| `topic`      | the last understood topic: intent, policy section      | 25-30 min (`TOPIC_MINUTES`)    |
| `suspended`  | flows an interruption set aside, with what they had    | `SUSPENDED_HOURS`, at most 2   |
| `relay_ack`  | when the customer was last told "sent to staff"        | one burst (`RELAY_ACK_MINUTES`) |
| `stepped_out`| the open ticket whose conversation the customer left   | until they go back, or it ends |

Everything here is plain JSON (the state is a JSON column) and read defensively: a value written by
an older release, or damaged, reads as absent rather than failing a turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.services.conversations import DialogueState

TOPIC_MINUTES = 30
TOPIC_REFRESH_MINUTES = 5  # the same topic again within this keeps its moment (no state write)
SUSPENDED_HOURS = 24
MAX_SUSPENDED = 2
RELAY_ACK_MINUTES = 10


@dataclass(frozen=True)
class PreviousTopic:
    """The topic a follow-up ("vậy còn thanh toán thì sao") is read against."""

    intent: str
    section: int | None = None


@dataclass(frozen=True)
class SuspendedFlow:
    """A flow set aside by an interruption, with its step and what it had collected."""

    flow: str
    step: str | None
    data: dict[str, Any]
    at: datetime
    offered: bool = False  # offered back once; afterwards only its button takes it up

    def to_data(self) -> dict[str, Any]:
        return {"flow": self.flow, "step": self.step, "data": self.data, "at": self.at.isoformat(),
                "offered": self.offered}

    @classmethod
    def from_data(cls, value: object) -> SuspendedFlow | None:
        if not isinstance(value, dict) or not isinstance(value.get("flow"), str):
            return None
        at = _moment(value.get("at"))
        data = value.get("data")
        step = value.get("step")
        if at is None:
            return None
        return cls(value["flow"], step if isinstance(step, str) else None,
                   dict(data) if isinstance(data, dict) else {}, at, value.get("offered") is True)


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


# Topic ------------------------------------------------------------------------------------------------
def previous_topic(state: DialogueState, now: datetime) -> PreviousTopic | None:
    value = state.memory.get("topic")
    if not isinstance(value, dict) or not isinstance(value.get("intent"), str):
        return None
    at = _moment(value.get("at"))
    if at is None or now - at > timedelta(minutes=TOPIC_MINUTES):
        return None
    section = value.get("section")
    return PreviousTopic(value["intent"], section if isinstance(section, int) else None)


def remember_topic(state: DialogueState, intent: str, section: int | None, now: datetime) -> None:
    """Keep the topic for the next message. The same topic asked again is rewritten only once its
    moment is `TOPIC_REFRESH_MINUTES` old: a state left as it was costs the turn no write."""
    value = state.memory.get("topic")
    if isinstance(value, dict) and value.get("intent") == intent and value.get("section") == section:
        at = _moment(value.get("at"))
        if at is not None and now - at < timedelta(minutes=TOPIC_REFRESH_MINUTES):
            return
    state.memory = {**state.memory, "topic": {"intent": intent, "section": section, "at": now.isoformat()}}


# Suspended flows ---------------------------------------------------------------------------------------
def suspended_flows(state: DialogueState, now: datetime) -> list[SuspendedFlow]:
    """The flows set aside, newest first, without those too old to offer back."""
    value = state.memory.get("suspended")
    items = [SuspendedFlow.from_data(item) for item in value] if isinstance(value, list) else []
    limit = timedelta(hours=SUSPENDED_HOURS)
    return [item for item in items if item is not None and now - item.at <= limit]


def suspend(state: DialogueState, now: datetime) -> SuspendedFlow | None:
    """Set the active flow aside with what it has; the newest first, the oldest dropped past the cap."""
    if state.flow is None:
        return None
    item = SuspendedFlow(state.flow, state.step, dict(state.data or {}), now)
    kept = [other for other in suspended_flows(state, now) if other.flow != item.flow]
    _set_suspended(state, [item, *kept][:MAX_SUSPENDED])
    return item


def take_suspended(state: DialogueState, flow: str, now: datetime) -> SuspendedFlow | None:
    """Remove and return the suspended `flow`, if it is still there."""
    items = suspended_flows(state, now)
    found = next((item for item in items if item.flow == flow), None)
    _set_suspended(state, [item for item in items if item.flow != flow])
    return found


def to_offer(state: DialogueState, now: datetime) -> SuspendedFlow | None:
    """The newest suspended flow not offered back yet, now marked as offered."""
    items = suspended_flows(state, now)
    for index, item in enumerate(items):
        if not item.offered:
            items[index] = SuspendedFlow(item.flow, item.step, item.data, item.at, offered=True)
            _set_suspended(state, items)
            return item
    return None


def drop_suspended(state: DialogueState, flow: str) -> None:
    """The flow starts afresh: a draft of it set aside earlier is not offered back any more."""
    value = state.memory.get("suspended")
    if isinstance(value, list) and any(isinstance(item, dict) and item.get("flow") == flow for item in value):
        kept = [item for item in value if not (isinstance(item, dict) and item.get("flow") == flow)]
        state.memory = {**state.memory, "suspended": kept} if kept else {
            key: v for key, v in state.memory.items() if key != "suspended"}


def forget_suspended(state: DialogueState) -> None:
    _set_suspended(state, [])


def _set_suspended(state: DialogueState, items: list[SuspendedFlow]) -> None:
    memory = {key: value for key, value in state.memory.items() if key != "suspended"}
    if items:
        memory["suspended"] = [item.to_data() for item in items]
    state.memory = memory


# Talking to staff ---------------------------------------------------------------------------------------
def relay_ack_due(state: DialogueState, ticket_id: int, now: datetime) -> bool:
    """Whether to say "sent to staff" for this message: once per burst, not for every message."""
    value = state.memory.get("relay_ack")
    if isinstance(value, dict) and value.get("ticket") == ticket_id:
        at = _moment(value.get("at"))
        if at is not None and now - at < timedelta(minutes=RELAY_ACK_MINUTES):
            return False
    return True


def note_relay_ack(state: DialogueState, ticket_id: int, now: datetime) -> None:
    state.memory = {**state.memory, "relay_ack": {"ticket": ticket_id, "at": now.isoformat()}}


def stepped_out_of(state: DialogueState) -> int | None:
    """The open ticket whose conversation the customer left for the assistant, if any."""
    value = state.memory.get("stepped_out")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def step_out(state: DialogueState, ticket_id: int) -> None:
    state.memory = {**state.memory, "stepped_out": ticket_id}


def step_back_in(state: DialogueState) -> None:
    state.memory = {key: value for key, value in state.memory.items()
                    if key not in ("stepped_out", "relay_ack")}
