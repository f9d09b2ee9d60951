"""The fake Bot API's voice, video, audio and sticker methods, driven by a real aiogram Bot over HTTP
and checked against the Bot API spec."""

from __future__ import annotations

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
