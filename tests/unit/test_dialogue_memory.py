"""What the conversation remembers across flows (bot.dialogue.memory), and the flows' side of it."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, datetime, timedelta

import bot.dialogue.flows as flows_package
from bot.dialogue.flow import Flow
from bot.dialogue.memory import (
    MAX_SUSPENDED,
    SUSPENDED_HOURS,
    drop_suspended,
    forget_suspended,
    note_relay_ack,
    previous_topic,
    relay_ack_due,
    remember_topic,
    step_back_in,
    step_out,
    stepped_out_of,
    suspend,
    suspended_flows,
    take_suspended,
    to_offer,
)
from bot.i18n import Catalog
from bot.services.conversations import DialogueState
from tests.unit.test_catalogue_keys import RESUMABLE_FLOWS

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _state(flow: str | None = None, step: str | None = None, **data: object) -> DialogueState:
    return DialogueState(1, "vi", False, flow, step, dict(data))


def test_a_suspended_flow_keeps_its_step_and_data_and_is_offered_once() -> None:
    state = _state("complaint", "choose_order", category="payment")
    suspend(state, NOW)
    state.flow = state.step = None
    offered = to_offer(state, NOW)
    assert offered is not None and (offered.flow, offered.step, offered.data) == (
        "complaint", "choose_order", {"category": "payment"})
    assert to_offer(state, NOW) is None
    taken = take_suspended(state, "complaint", NOW)
    assert taken is not None and taken.data == {"category": "payment"}
    assert suspended_flows(state, NOW) == []


def test_suspended_flows_expire_are_capped_and_can_be_forgotten() -> None:
    state = _state()
    for index, name in enumerate(("complaint", "verify", "email_code")):
        state.flow, state.step = name, "s"
        suspend(state, NOW + timedelta(minutes=index))
    assert [item.flow for item in suspended_flows(state, NOW)] == ["email_code", "verify"][:MAX_SUSPENDED]
    assert suspended_flows(state, NOW + timedelta(hours=SUSPENDED_HOURS, minutes=5)) == []
    forget_suspended(state)
    assert "suspended" not in state.memory


def test_starting_a_flow_afresh_drops_its_suspended_draft() -> None:
    state = _state("complaint", "choose_order", category="payment")
    suspend(state, NOW)
    state.flow = "verify"
    suspend(state, NOW)
    drop_suspended(state, "complaint")
    assert [item.flow for item in suspended_flows(state, NOW)] == ["verify"]
    drop_suspended(state, "verify")
    assert "suspended" not in state.memory


def test_damaged_memory_reads_as_empty() -> None:
    state = _state()
    state.memory = {"suspended": [{"flow": 3}, "x", {"flow": "complaint", "at": "not a date"}],
                    "topic": {"intent": "policy_question", "at": 5}, "stepped_out": True}
    assert suspended_flows(state, NOW) == []
    assert previous_topic(state, NOW) is None
    assert stepped_out_of(state) is None


def test_the_previous_topic_is_remembered_for_half_an_hour() -> None:
    state = _state()
    remember_topic(state, "policy_question", 3, NOW)
    topic = previous_topic(state, NOW + timedelta(minutes=10))
    assert topic is not None and (topic.intent, topic.section) == ("policy_question", 3)
    assert previous_topic(state, NOW + timedelta(minutes=31)) is None


def test_the_same_topic_again_soon_leaves_the_state_unchanged() -> None:
    state = _state()
    remember_topic(state, "policy_question", 3, NOW)
    state.mark_saved()
    remember_topic(state, "policy_question", 3, NOW + timedelta(minutes=2))
    assert not state.changed  # no write for a turn that said nothing new
    remember_topic(state, "policy_question", 2, NOW + timedelta(minutes=2))
    assert state.changed


def test_a_relay_is_acknowledged_once_per_burst_and_per_ticket() -> None:
    state = _state()
    assert relay_ack_due(state, 7, NOW)
    note_relay_ack(state, 7, NOW)
    assert not relay_ack_due(state, 7, NOW + timedelta(minutes=3))
    assert relay_ack_due(state, 8, NOW + timedelta(minutes=3))
    assert relay_ack_due(state, 7, NOW + timedelta(minutes=11))


def test_stepping_out_of_a_ticket_and_back() -> None:
    state = _state()
    step_out(state, 7)
    assert stepped_out_of(state) == 7
    step_back_in(state)
    assert stepped_out_of(state) is None


def _flow_classes() -> list[type[Flow]]:
    for module in pkgutil.iter_modules(flows_package.__path__):
        importlib.import_module(f"{flows_package.__name__}.{module.name}")
    found, pending = [], list(Flow.__subclasses__())
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith("bot."):  # not the flows some tests define (VaultFlow)
            found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_flow_with_steps_can_ask_again_and_be_offered_back() -> None:
    catalog = Catalog.load()
    with_steps = [cls for cls in _flow_classes() if cls.STEPS]
    assert sorted(cls.name for cls in with_steps) == sorted(RESUMABLE_FLOWS)
    for cls in with_steps:
        assert cls.ask is not Flow.ask, f"{cls.name} cannot ask its steps again"
        assert catalog.has(f"core.resume.flow.{cls.name}")
        assert "core.resume.flow." + cls.name in catalog.keys("en")
    for cls in _flow_classes():
        if cls.SLOTS:
            assert set(cls.SLOTS) <= set(cls.STEPS)
            assert cls.slots_filled is not Flow.slots_filled
