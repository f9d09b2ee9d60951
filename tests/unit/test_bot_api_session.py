"""The bot's Bot API session changes only what aiogram documents, and keeps the response models built."""

from __future__ import annotations

import gc
import json
import weakref

from aiogram.client.session.base import BaseSession
from aiogram.methods import GetUserProfilePhotos, Response

from bot.channels.telegram.runner import create_bot
from bot.channels.telegram.session import BotApiSession

#: BaseSession's documented methods (aiogram's "Client session / Base"): what a session may override.
DOCUMENTED = {"check_response", "make_request", "prepare_value", "stream_content", "close"}


def test_the_session_overrides_only_documented_methods() -> None:
    overridden = {name for name, value in vars(BotApiSession).items() if callable(value)} - {"__init__"}
    assert overridden <= DOCUMENTED
    assert overridden <= set(vars(BaseSession))  # and each one really is BaseSession's


def test_the_response_models_aiogram_builds_stay_built() -> None:
    # pydantic caches a parametrised model such as Response[UserProfilePhotos] weakly: once no
    # answer of that type is alive, the collector would take it and the next answer would build it again.
    bot = create_bot("123:abc", "http://127.0.0.1:9")
    answer = json.dumps({"ok": True, "result": {"total_count": 0, "photos": []}})

    def read_once() -> weakref.ref[type[Response[object]]]:
        response = bot.session.check_response(bot, GetUserProfilePhotos(user_id=42), 200, answer)
        assert response.result.total_count == 0
        return weakref.ref(type(response))

    model = read_once()
    gc.collect()
    assert model() is not None
    assert read_once()() is model()
