"""The fake Bot API's voice, video, animation, video note, audio and sticker methods, driven by a real
aiogram Bot over HTTP and checked against the Bot API spec."""

from __future__ import annotations

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile

from tests.fakes.bot_api import FakeBotApi

USER_ID = 1001


async def test_media_sent_again_by_file_id_keep_what_telegram_knows_of_them(
    fake_bot_api: FakeBotApi, fake_bot: Bot
) -> None:
    lan = fake_bot_api.user(USER_ID)
    voice = lan.send_voice(duration=6)["message"]["voice"]
    video = lan.send_video("hop.mp4", duration=12)["message"]["video"]
    audio = lan.send_audio("goi.mp3", duration=95)["message"]["audio"]
    sticker = lan.send_sticker("🙏")["message"]["sticker"]

    sent_voice = await fake_bot.send_voice(
        USER_ID, voice["file_id"], caption="<b>Nghe</b> giúp em", parse_mode="HTML"
    )
    assert sent_voice.voice is not None and sent_voice.voice.file_id == voice["file_id"]
    assert sent_voice.voice.duration == 6 and sent_voice.caption == "Nghe giúp em"
    assert sent_voice.caption_entities is not None and sent_voice.caption_entities[0].type == "bold"
    sent_video = await fake_bot.send_video(USER_ID, video["file_id"])
    assert sent_video.video is not None
    assert (sent_video.video.duration, sent_video.video.file_name) == (12, "hop.mp4")
    sent_audio = await fake_bot.send_audio(USER_ID, audio["file_id"], caption="Ghi âm")
    assert sent_audio.audio is not None and sent_audio.audio.file_name == "goi.mp3"
    assert sent_audio.caption == "Ghi âm"
    sent_sticker = await fake_bot.send_sticker(USER_ID, sticker["file_id"])
    assert sent_sticker.sticker is not None and sent_sticker.sticker.emoji == "🙏"
    assert sent_sticker.sticker.type == "regular" and sent_sticker.caption is None
    assert [m["message_id"] for m in fake_bot_api.bot_messages(USER_ID)] == [
        m.message_id for m in (sent_voice, sent_video, sent_audio, sent_sticker)
    ]


async def test_an_uploaded_voice_gets_a_file_id_and_an_unknown_one_is_refused(
    fake_bot_api: FakeBotApi, fake_bot: Bot
) -> None:
    fake_bot_api.user(USER_ID)
    uploaded = await fake_bot.send_voice(USER_ID, BufferedInputFile(b"OggS...", filename="note.ogg"))
    assert uploaded.voice is not None
    assert (await fake_bot.get_file(uploaded.voice.file_id)).file_path is not None
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await fake_bot.send_sticker(USER_ID, "no-such-file")


async def test_a_gif_and_a_round_video_from_a_user_are_sent_again_by_their_own_methods(
    fake_bot_api: FakeBotApi, fake_bot: Bot
) -> None:
    lan = fake_bot_api.user(USER_ID)
    gif_message = lan.send_animation("cam-on.gif.mp4", duration=3, caption="hộp bị móp")["message"]
    gif = gif_message["animation"]
    # As on Telegram: the animation is also the message's document, for clients that predate animations.
    assert gif_message["document"]["file_id"] == gif["file_id"] and gif_message["caption"] == "hộp bị móp"
    note = lan.send_video_note(duration=9, length=240)["message"]["video_note"]

    sent_gif = await fake_bot.send_animation(
        USER_ID, gif["file_id"], caption="<b>Lan</b> · KN-2026-000001", parse_mode="HTML"
    )
    assert sent_gif.animation is not None and sent_gif.animation.file_id == gif["file_id"]
    assert (sent_gif.animation.duration, sent_gif.animation.file_name) == (3, "cam-on.gif.mp4")
    assert sent_gif.document is not None and sent_gif.document.file_id == gif["file_id"]
    assert sent_gif.caption == "Lan · KN-2026-000001" and sent_gif.video is None
    sent_note = await fake_bot.send_video_note(USER_ID, note["file_id"])
    assert sent_note.video_note is not None and sent_note.video_note.file_id == note["file_id"]
    assert (sent_note.video_note.length, sent_note.video_note.duration) == (240, 9)
    assert sent_note.caption is None and sent_note.video is None
    assert [m["message_id"] for m in fake_bot_api.bot_messages(USER_ID)] == [
        sent_gif.message_id,
        sent_note.message_id,
    ]


async def test_an_uploaded_round_video_gets_a_file_id_and_a_url_one_is_refused(
    fake_bot_api: FakeBotApi, fake_bot: Bot
) -> None:
    fake_bot_api.user(USER_ID)
    uploaded = await fake_bot.send_video_note(USER_ID, BufferedInputFile(b"ftyp...", filename="round.mp4"))
    assert uploaded.video_note is not None
    assert (await fake_bot.get_file(uploaded.video_note.file_id)).file_path is not None
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await fake_bot.send_video_note(USER_ID, "https://roseeorder.com/round.mp4")
    by_url = await fake_bot.send_animation(USER_ID, "https://roseeorder.com/cam-on.gif")
    assert by_url.animation is not None and by_url.animation.file_name == "cam-on.gif"


async def test_a_caption_on_a_round_video_is_dropped_and_flagged(fake_bot_api: FakeBotApi) -> None:
    """sendVideoNote has no caption: Telegram ignores one, the fake records it as a violation."""
    lan = fake_bot_api.user(USER_ID)
    note = lan.send_video_note()["message"]["video_note"]
    url = f"{fake_bot_api.base_url}/bot{fake_bot_api.token}/sendVideoNote"
    async with aiohttp.ClientSession() as http:
        params = {"chat_id": USER_ID, "video_note": note["file_id"], "caption": "Nhân viên gửi kèm"}
        async with http.post(url, json=params) as response:
            body = await response.json()
    assert body["ok"] and body["result"]["video_note"]["file_id"] == note["file_id"]
    assert "caption" not in body["result"]
    assert fake_bot_api.violations == ["sendVideoNote.caption: unknown parameter (not in Bot API 10.1)"]
    fake_bot_api.violations.clear()  # seen: the fixture's own check would fail the test on it
