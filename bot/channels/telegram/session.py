"""The bot's HTTP session with the Bot API: aiogram's aiohttp session, with two changes.

Both go through `check_response`, the documented hook of aiogram's `BaseSession` that reads every
answer; requests are sent exactly as aiogram sends them.

- **Response models stay built.** aiogram parses every answer with the pydantic model
  `Response[<result type>]`. pydantic keeps such parametrised models in a weak cache, so the garbage
  collector throws them away and the next call builds the model again (tens of milliseconds, many
  times a minute under load). Holding the classes of the answers we have read keeps them built;
  there are a few dozen result types at most.
- **An unreadable update does not stall polling** (see `check_response`).
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import ClientDecodeError
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.types import Update
from pydantic import ValidationError

log = logging.getLogger(__name__)


class BotApiSession(AiohttpSession):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._response_models: set[type[Response[Any]]] = set()

    def check_response(self, bot: Bot, method: TelegramMethod[Any], status_code: int,
                       content: str) -> Response[Any]:
        try:
            response = super().check_response(bot, method, status_code, content)
        except ClientDecodeError:
            if not isinstance(method, GetUpdates):
                raise
            # One update this aiogram cannot read would fail the whole batch, and polling would ask
            # for the same batch forever: the bot would fall silent. Keep the readable updates and
            # leave only the id of the others, so they are skipped and confirmed, and say so.
            response = super().check_response(bot, method, status_code, _readable_updates(bot, content))
        self._response_models.add(type(response))  # the model aiogram built for this result type
        return response


def _readable_updates(bot: Bot, content: str) -> str:
    answer = json.loads(content)
    readable = []
    for update in answer.get("result") or []:
        try:
            Update.model_validate(update, context={"bot": bot})
            readable.append(update)
        except ValidationError as exc:
            update_id = update.get("update_id") if isinstance(update, dict) else None
            incident = secrets.token_hex(4).upper()
            log.error("incident %s: update %s cannot be read and is skipped: %s", incident, update_id,
                      exc.errors(include_url=False, include_input=False))
            if isinstance(update_id, int):
                readable.append({"update_id": update_id})
    return json.dumps({**answer, "result": readable})
