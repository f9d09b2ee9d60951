"""A question about a right is answered from the policy, and one press starts exercising it.

"tôi có quyền xem dữ liệu không?" asks whether the right exists: it gets the section 7 passage (never a
request recorded behind the customer's back), and the first button under the answer starts the access
request, which then follows the request's own path (verification first for access). A policy answer
that is not about a right has no such button.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.bootstrap import App
from bot.storage.models import PrivacyRequest
from tests.support.harness import ChatHarness


async def recorded(app: App) -> int:
    async with app.uow_factory() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(PrivacyRequest)) or 0)


@pytest.mark.parametrize(("question", "kind"), [
    ("tôi có quyền xem dữ liệu không?", "access"),
    ("toi co quyen xem du lieu cua minh ko", "access"),
    ("do I have the right to see my data?", "access"),
])
async def test_a_question_about_a_right_is_answered_with_a_button_that_starts_it(
    harness: ChatHarness, app: App, question: str, kind: str
) -> None:
    user = harness.user("4101", name="Minh")
    answer = await user.says(question)
    assert answer.said("core.policy_answer")
    assert await recorded(app) == 0  # a question records nothing
    started = await user.presses(answer.button(f"privacy.start_button.{kind}"))
    assert started.said("privacy.needs_strong", reference="YC-2026-000001")  # access: verified first
    assert started.asks_for_contact
    assert await recorded(app) == 1


async def test_a_policy_answer_not_about_a_right_offers_no_request(harness: ChatHarness) -> None:
    user = harness.user("4102", name="Lan")
    answer = await user.says("shop có chia sẻ số điện thoại của tôi cho ai không?")
    assert answer.said("core.policy_answer")
    offered = [w.key for w in answer.button_wordings if w.key.startswith("privacy.start_button.")]
    assert offered == []
    assert answer.buttons  # the answer does carry its buttons (related sections, a person)
