"""The getUpdates connection, which skips an update python-telegram-bot cannot read.

One update the library cannot read fails the whole batch, and polling would ask for the same batch
forever: the bot would fall silent. `ReadableUpdatesRequest` is the getUpdates connection (a
`BaseRequest`, python-telegram-bot's extension point for networking): it keeps the readable updates
of an answer and leaves only the id of the others, so they are skipped and confirmed, and says so.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from telegram import Update
from telegram.request import HTTPXRequest, RequestData

log = logging.getLogger(__name__)


class ReadableUpdatesRequest(HTTPXRequest):
    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(url, method, request_data, *args, **kwargs)
        if code != 200 or not url.endswith("/getUpdates"):
            return code, payload
        return code, readable_updates(payload)


def readable_updates(payload: bytes) -> bytes:
    try:
        answer = json.loads(payload)
    except ValueError:
        return payload  # not ours to judge: the library reports it
    result = answer.get("result") if isinstance(answer, dict) else None
    if not isinstance(result, list):
        return payload
    readable: list[Any] = []
    for update in result:
        try:
            Update.de_json(update, None)
            readable.append(update)
        except Exception as exc:  # whatever the library raises on it, the batch must go on
            update_id = update.get("update_id") if isinstance(update, dict) else None
            incident = secrets.token_hex(4).upper()
            log.error("incident %s: update %s cannot be read and is skipped: %r", incident, update_id, exc)
            if isinstance(update_id, int):
                readable.append({"update_id": update_id})
    if len(readable) == len(result) and readable == result:
        return payload
    return json.dumps({**answer, "result": readable}).encode()
