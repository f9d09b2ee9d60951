"""The attachments step: "no more files" typed in words moves on, anything else adds to the story."""

from __future__ import annotations

import pytest

from tests.support.harness import ChatHarness, HarnessUser


async def at_attachments_step(harness: ChatHarness, language: str = "vi") -> HarnessUser:
    customer = harness.user("3003", language=language)
    await customer.says("/start complaint")
    await customer.presses("complaint:cat:delivery")
    await customer.presses("complaint:order:-")
    await customer.says("Giao hàng trễ 5 ngày, hộp bị móp")
    return customer


@pytest.mark.parametrize("typed", ["xong", "Xong rồi!", "ko co", "không có", "tiep tuc", "done"])
async def test_done_in_words_goes_to_the_summary(harness: ChatHarness, typed: str) -> None:
    customer = await at_attachments_step(harness)
    summary = await customer.says(typed)
    assert "complaint:submit" in summary.buttons.values()
    # No staff destination here: the summary that promises nothing; the words typed are not a description.
    assert summary.said("complaints.no_staff.summary", description="Giao hàng trễ 5 ngày, hộp bị móp")


async def test_other_text_is_added_to_the_description(harness: ChatHarness) -> None:
    customer = await at_attachments_step(harness)
    await customer.says("Shipper còn nói chuyện thiếu lịch sự")
    summary = await customer.presses("complaint:continue")
    assert summary.said("complaints.no_staff.summary",
                        description="Giao hàng trễ 5 ngày, hộp bị móp\nShipper còn nói chuyện thiếu lịch sự")


async def test_a_gif_and_a_round_video_are_kept_like_other_videos(harness: ChatHarness) -> None:
    customer = await at_attachments_step(harness)
    first = await customer.sends_file("animation", "gif-box")
    second = await customer.sends_file("video_note", "round-box")
    assert first.said("complaints.attachment_received", count=1)
    assert second.said("complaints.attachment_received", count=2)
    refused = await customer.sends_file("voice", "voice-1")
    assert refused.keys == ["complaints.attachment_unsupported"]
