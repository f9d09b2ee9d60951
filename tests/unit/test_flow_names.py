"""Flow names: each is its module's name, the set is pinned (dialogue states store them), deep links land."""

from __future__ import annotations

import sys

from bot.bootstrap import build_flows, build_privacy_requests, build_ticket_services
from bot.clock import ManualClock
from bot.config import load_settings
from bot.dialogue.flow import FlowRegistry
from bot.dialogue.router import DEEP_LINKS
from bot.dialogue.staff_desk import DeskButtonsFlow, StaffDesk
from bot.i18n import Catalog
from bot.services.corrections import Corrections
from bot.services.marketing import MarketingConsents
from tests.conftest import START_OF_TEST_TIME

#: What `dialogue_states.flow` (and a state's `then`) may hold in a database written by any release.
#: Renaming a flow needs a data migration of those rows; this list makes the rename fail here first.
PERSISTED_NAMES = {"menu", "policy", "answer", "verify", "email_code", "order", "rights", "complaint", "rate",
                   "desk", "order_notifications", "correction", "marketing"}


def registry() -> FlowRegistry:
    settings, clock, texts = load_settings(None), ManualClock(START_OF_TEST_TIME), Catalog.load()
    tickets = build_ticket_services(texts, settings, clock).desk
    desk = StaffDesk(tickets, settings, clock)
    privacy = build_privacy_requests(texts, settings, clock)
    return build_flows(object(), tickets, [DeskButtonsFlow(desk)],  # type: ignore[arg-type]
                       privacy=privacy,
                       corrections=Corrections(clock=clock, settings=settings, texts=texts, requests=privacy),
                       marketing=MarketingConsents(clock=clock, settings=settings, requests=privacy))


def test_a_flow_is_named_after_its_module_or_the_one_button_family_it_takes() -> None:
    for name in registry().names():
        flow = registry().get(name)
        assert flow is not None
        module = sys.modules[type(flow).__module__].__name__.rsplit(".", 1)[-1]
        families = {family.prefix for family in flow.BUTTONS}
        assert name == module or families == {name}, f"flow {name!r} lives in {module}.py"


def test_the_names_that_dialogue_states_store_are_the_registered_ones() -> None:
    assert set(registry().names()) == PERSISTED_NAMES


def test_every_deep_link_starts_a_registered_flow() -> None:
    names = set(registry().names())
    assert {"orders", "order", "privacy", "complaint", "support", "rights"} <= set(DEEP_LINKS)
    assert set(DEEP_LINKS.values()) <= names
