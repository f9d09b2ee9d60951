"""The bot's HTTP session with the Bot API: aiogram's aiohttp session, with three changes.

- **Response models stay built.** aiogram parses every answer with the pydantic model
  `Response[<result type>]`. pydantic keeps such parametrised models in a weak cache, so the garbage
  collector throws them away and the next call builds the model again (tens of milliseconds, many
  times a minute under load). Holding the ones we have used keeps them built; there are a few dozen
  result types at most.
- **Requests without files go as JSON.** aiogram sends every request as a form, and a form
  URL-encodes each value byte by byte in Python: about 100 µs for one Vietnamese answer with its
  keyboard, several times what the JSON encoder (in C) takes for the same values. The Bot API takes
  `application/json` for every method without an upload; the values are exactly the strings aiogram
  prepares for the form (nested objects as JSON text, as in a form). Uploads stay multipart. An
  inline keyboard's text is prepared once per keyboard object.
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
from aiogram.types import InlineKeyboardMarkup, InputFile, Update
from aiohttp import FormData
from aiohttp.payload import JsonPayload
from pydantic import ValidationError

log = logging.getLogger(__name__)

KEYBOARDS_KEPT = 1024  # prepared keyboards kept; more distinct ones than this start the cache over


class BotApiSession(AiohttpSession):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._response_types: dict[Any, Any] = {}
        self._keyboards: dict[int, tuple[InlineKeyboardMarkup, str]] = {}

    def build_form_data(self, bot: Bot, method: TelegramMethod[Any]) -> FormData | JsonPayload:  # type: ignore[override]
        """The request body: JSON, or aiogram's multipart form when the method uploads a file.

        aiohttp sends either as the body of the POST aiogram makes (`make_request`); the loop is
        aiogram's own `build_form_data`, keeping its preparation of every value.
        """
        files: dict[str, InputFile] = {}
        fields: dict[str, Any] = {}
        keyboard = getattr(method, "reply_markup", None)
        if not isinstance(keyboard, InlineKeyboardMarkup):
            keyboard = None
        skip = {"reply_markup"} if keyboard is not None else None
        for key, value in method.model_dump(warnings=False, exclude=skip).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if prepared:
                fields[key] = prepared
        if files:
            return super().build_form_data(bot, method)
        if keyboard is not None:
            fields["reply_markup"] = self._keyboard_text(keyboard, bot)
        return JsonPayload(fields)

    def _keyboard_text(self, keyboard: InlineKeyboardMarkup, bot: Bot) -> str:
        """An inline keyboard as the JSON text aiogram would send, once per keyboard object.

        Rendering shares one markup object per distinct keyboard (`rendering.inline_keyboard`), and
        dumping and preparing one (every button with all its unset fields) cost more than the rest
        of the message. The object is held with its text, so its id cannot be reused meanwhile.
        """
        found = self._keyboards.get(id(keyboard))
        if found is not None and found[0] is keyboard:
            return found[1]
        text = str(self.prepare_value(keyboard.model_dump(warnings=False), bot=bot, files={}))
        if len(self._keyboards) >= KEYBOARDS_KEPT:
            self._keyboards.clear()
        self._keyboards[id(keyboard)] = (keyboard, text)
        return text

    def check_response(self, bot: Bot, method: TelegramMethod[Any], status_code: int,
                       content: str) -> Response[Any]:
        returning = method.__returning__
        if returning not in self._response_types:
            self._response_types[returning] = Response[returning]  # type: ignore[valid-type]
        try:
            return super().check_response(bot, method, status_code, content)
        except ClientDecodeError:
            if not isinstance(method, GetUpdates):
                raise
            # One update this aiogram cannot read would fail the whole batch, and polling would ask
            # for the same batch forever: the bot would fall silent. Keep the readable updates and
            # leave only the id of the others, so they are skipped and confirmed, and say so.
            return super().check_response(bot, method, status_code, _readable_updates(bot, content))


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
