"""`FakeBotApi`: a Telegram Bot API server on 127.0.0.1 for tests.

    async with FakeBotApi() as api:
        bot = Bot(api.token, session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))
        lan = api.user(1001, "Lan")
        lan.send_text("xin chào")            # an update for getUpdates (or POSTed to the webhook)
        call = await api.wait_for("sendMessage")
        api.assert_no_violations()

One request, in order:
    wrong token -> 401 | outage -> 502 (or dropped connection) | unknown method -> 404 + violation
    -> decode by the spec's field types -> latency -> validate (400 + violation; unknown parameters are
    only recorded, as Telegram ignores them) -> scheduled failure (fail_next) -> blocked chat (403)
    -> rate limit (429, when enforced) -> the method (methods.py; transport methods here) -> recorded
    in `calls`.

Updates: `inject_update` queues an update for getUpdates (offset confirms, limit, long-poll timeout,
allowed_updates, 409 for a second concurrent poller) or, while a webhook is set, POSTs it there with
the secret header, retrying non-2xx and connection errors (`webhook_retry_delay`,
`webhook_max_attempts`) one update at a time, in order. A method returned in the webhook response
body is executed like Telegram does (recorded with via="webhook-reply").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

from .errors import ApiError, bad_request
from .faults import Faults, RateLimiter, is_send_method
from .methods import BotApiMethods
from .records import Call, UploadedFile, WebhookDelivery
from .spec import MethodSpec, SpecValidator, Violation, load_spec
from .store import BotApiStore
from .updates import FakeGroup, FakeUser

DEFAULT_TOKEN = "123456789:AAHfakeTokenForRoseeSupportTests_xyz12"
DEFAULT_ALLOWED = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)  # Telegram's default leaves out chat_member, message_reaction, message_reaction_count
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_TRANSPORT_METHODS = {"getupdates", "setwebhook", "deletewebhook", "getwebhookinfo", "logout", "close"}
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active;"
    " use deleteWebhook to delete the webhook first"
)
_POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)


class FakeBotApi:
    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        webhook_retry_delay: float = 0.05,
        webhook_max_attempts: int = 5,
        validator: SpecValidator | None = None,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Rosee Support",
            "username": "rosee_support_bot",
        }
        self.validator = validator or SpecValidator(load_spec())
        self.store = BotApiStore(self.bot_user)
        self.methods = BotApiMethods(self.store)
        self.faults = Faults()
        self.rate_limiter = RateLimiter()
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_max_attempts = webhook_max_attempts
        self.latency = 0.0

        self.calls: list[Call] = []
        #: Called with every call as it is recorded (a benchmark's clock, a test's probe).
        self.call_listeners: list[Callable[[Call], None]] = []
        self.violations: list[str] = []
        self.webhook_deliveries: list[WebhookDelivery] = []

        self._outage: str | None = None  # None, "502" or "close"
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED
        self._poll_generation = 0
        self._webhook: dict[str, Any] = {"url": ""}
        self._webhook_queue: asyncio.Queue[dict[str, Any]] | None = None
        self._webhook_in_flight = 0
        self._webhook_last_error: tuple[int, str] | None = None
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._delivery_task: asyncio.Task[None] | None = None
        self._port: int | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and isinstance(server, asyncio.base_events.Server)
        self._port = server.sockets[0].getsockname()[1]
        self._client = aiohttp.ClientSession()
        self._webhook_queue = asyncio.Queue()
        self._delivery_task = asyncio.create_task(self._deliver_forever(), name="fake-bot-api-webhook")

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        if self._delivery_task is not None:
            self._delivery_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivery_task
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started")
        return f"http://127.0.0.1:{self._port}"

    # -- chats and people -----------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Lan",
        language_code: str | None = "vi",
        username: str | None = None,
    ) -> FakeUser:
        return FakeUser(self, user_id, first_name, language_code, username)

    def group(self, chat_id: int, title: str = "Rosee Staff", is_forum: bool = False) -> FakeGroup:
        return FakeGroup(self, chat_id, title, is_forum)

    def add_forum_chat(self, chat_id: int, title: str = "Rosee Staff") -> FakeGroup:
        return self.group(chat_id, title, is_forum=True)

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Every message of the chat the fake knows (users' and the bot's), oldest first."""
        return self.store.chat_messages(chat_id)

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for m in self.messages(chat_id) if m.get("from", {}).get("id") == self.bot_id]

    def last_bot_message(self, chat_id: int) -> dict[str, Any]:
        sent = self.bot_messages(chat_id)
        if not sent:
            raise AssertionError(f"the bot sent nothing to chat {chat_id}")
        return sent[-1]

    def topics(self, chat_id: int) -> dict[int, dict[str, Any]]:
        return self.store.topics.get(chat_id, {})

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str | None = None
    ) -> list[dict[str, Any]]:
        return self.store.commands.get(self.store.commands_key(scope, language_code), [])

    # -- faults ---------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = 2,
        times: int = 1,
    ) -> None:
        """The next `times` calls of `method` ("*" for any) answer this error (after validation)."""
        self.faults.fail_next(method, error_code, description, retry_after, times)

    def block_chat(self, chat_id: int) -> None:
        self.faults.blocked_chats.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        self.faults.blocked_chats.discard(chat_id)

    def set_outage(self, on: bool, mode: str = "502") -> None:
        """While on, every method call answers 502 Bad Gateway (mode "502") or is dropped ("close")."""
        if mode not in ("502", "close"):
            raise ValueError("mode must be '502' or 'close'")
        self._outage = mode if on else None

    def set_latency(self, seconds: float) -> None:
        self.latency = seconds

    @property
    def enforce_rate_limits(self) -> bool:
        return self.rate_limiter.enforce

    @enforce_rate_limits.setter
    def enforce_rate_limits(self, value: bool) -> None:
        self.rate_limiter.enforce = value

    def send_times(self, chat_id: Any) -> list[float]:
        """time.monotonic() of each accepted send to the chat."""
        return list(self.rate_limiter.send_times.get(chat_id, []))

    # -- observing calls ------------------------------------------------------------------------

    def calls_of(self, method: str, *, ok_only: bool = False) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower() and (c.ok or not ok_only)]

    def sent_texts(self, chat_id: Any) -> list[str]:
        """Texts of the successful sendMessage calls to the chat (after HTML parsing), in order."""
        return [c.result["text"] for c in self.calls_of("sendMessage", ok_only=True) if c.chat_id == chat_id]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        count: int = 1,
    ) -> Call:
        """The `count`-th call of `method` matching `predicate` (including ones already made)."""
        return (await self.wait_for_calls(method, predicate, timeout, count))[-1]

    async def wait_for_calls(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        count: int = 1,
    ) -> list[Call]:
        deadline = time.monotonic() + timeout
        while True:
            matches = [c for c in self.calls_of(method) if predicate is None or predicate(c)]
            if len(matches) >= count:
                return matches[:count]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = ", ".join(f"{c.method}→{c.status}" for c in self.calls[-15:]) or "none"
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {count} {method} call(s), "
                    f"{len(matches)} matched; last calls: {seen}"
                )
            await self._wait_changed(remaining)

    def assert_no_violations(self) -> None:
        if self.violations:
            raise AssertionError(
                f"{len(self.violations)} Bot API violation(s):\n  " + "\n  ".join(self.violations)
            )

    # -- updates --------------------------------------------------------------------------------

    def inject_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update (update_id assigned unless given); returns it. Needs a running loop."""
        if "update_id" not in update:
            update = {"update_id": self._next_update_id, **update}
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        if self._webhook["url"] and self._webhook_queue is not None:
            self._webhook_queue.put_nowait(update)
        else:
            self._updates.append(update)
        self._notify()
        return update

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    @property
    def webhook_url(self) -> str:
        return str(self._webhook["url"])

    async def wait_for_delivery(self, update_id: int, timeout: float = 5.0) -> WebhookDelivery:  # noqa: ASYNC109
        """The first successful webhook delivery of the update."""
        deadline = time.monotonic() + timeout
        while True:
            for delivery in self.webhook_deliveries:
                if delivery.update_id == update_id and delivery.ok:
                    return delivery
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"update {update_id} was not delivered to the webhook in {timeout}s")
            await self._wait_changed(remaining)

    async def wait_for_deliveries(
        self,
        update_id: int,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[WebhookDelivery]:
        """The first `count` delivery attempts (failed or not) of the update."""
        deadline = time.monotonic() + timeout
        while True:
            attempts = [d for d in self.webhook_deliveries if d.update_id == update_id]
            if len(attempts) >= count:
                return attempts[:count]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"update {update_id}: {len(attempts)} of {count} delivery attempts")
            await self._wait_changed(remaining)

    # -- notifications --------------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_changed(self, seconds: float) -> None:
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)

    # -- HTTP -----------------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        name = request.match_info["method"]
        if self._outage is not None:
            self._record(Call(name, {}, time.monotonic(), status=502, response=None))
            if self._outage == "close" and request.transport is not None:
                request.transport.abort()
                raise asyncio.CancelledError
            return web.json_response(
                {"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502
            )
        try:
            raw, files = await _read_params(request)
        except ValueError as error:
            return web.json_response(bad_request(f"can't parse request: {error}").body(), status=400)
        status, body = await self._execute(name, raw, files, via="http")
        return web.json_response(body, status=status)

    async def _handle_download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        stored = self.store.file_by_path(request.match_info["file_path"])
        if stored is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=stored.content, content_type=stored.mime_type or "application/octet-stream")

    async def _execute(
        self, name: str, raw: dict[str, Any], files: dict[str, UploadedFile], via: str
    ) -> tuple[int, dict[str, Any]]:
        now = time.monotonic()
        spec = self.validator.spec.method(name)
        if spec is None:
            self.violations.append(f"{name}: unknown method (not in {self.validator.spec.version})")
            body = {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
            self._record(Call(name, dict(raw), now, files, 404, body, via))
            return 404, body
        params = self.validator.decode(spec, raw, files)
        if self.latency:
            await asyncio.sleep(self.latency)
        try:
            result = await self._run(spec, params, files, now)
        except ApiError as error:
            status, body = error.error_code, error.body()
        else:
            status, body = 200, {"ok": True, "result": result}
        self._record(Call(spec.name, params, now, files, status, body, via))
        return status, body

    async def _run(
        self, spec: MethodSpec, params: dict[str, Any], files: dict[str, UploadedFile], now: float
    ) -> Any:
        violations = self.validator.validate(spec, params, files)
        self.violations.extend(str(v) for v in violations)
        refusing = [v for v in violations if not _ignored_by_telegram(v)]
        if refusing:
            raise ApiError(400, refusing[0].description)
        error = self.faults.take(spec.name) or self.faults.blocked(spec.name, params)
        sending = is_send_method(spec.name)
        if error is None and sending:
            error = self.rate_limiter.check(params.get("chat_id"), now)
        if error is not None:
            raise error
        try:
            if spec.name.lower() in _TRANSPORT_METHODS:
                result = await self._run_transport(spec.name.lower(), params)
            else:
                result = self.methods.call(spec, params)
        except NotImplementedError as missing:
            self.violations.append(f"{spec.name}: {missing}")
            raise bad_request(str(missing)) from None
        except (ApiError, asyncio.CancelledError):
            raise
        except Exception as crash:
            self.violations.append(f"{spec.name}: the fake crashed: {crash!r}")
            raise ApiError(500, f"Internal Server Error: {crash!r}") from crash
        if sending:
            self.rate_limiter.record(params.get("chat_id"), now)
        return result

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        for listener in self.call_listeners:
            listener(call)
        self._notify()

    # -- transport methods ----------------------------------------------------------------------

    async def _run_transport(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getupdates":
            return await self._get_updates(params)
        if name == "setwebhook":
            return self._set_webhook(params)
        if name == "deletewebhook":
            return self._delete_webhook(params)
        if name == "getwebhookinfo":
            return self._webhook_info()
        return True  # logOut, close

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self._webhook["url"]:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an older long poll now ends with 409
        offset = params.get("offset")
        if offset:
            self._updates = (
                [u for u in self._updates if u["update_id"] >= offset]
                if offset > 0
                else self._updates[offset:]
            )
        if "allowed_updates" in params:
            allowed = params["allowed_updates"] or []
            self._allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            self._updates = [u for u in self._updates if _update_type(u) in self._allowed_updates]
            if self._updates:
                return self._updates[:limit]
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._closing:
                return []
            await self._wait_changed(remaining)
            if generation != self._poll_generation:
                raise ApiError(409, _POLL_CONFLICT)
            if self._webhook["url"]:
                raise ApiError(409, _WEBHOOK_CONFLICT)

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        if not url:
            return self._delete_webhook(params)
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        if params.get("drop_pending_updates"):
            self._updates.clear()
            self._drain_webhook_queue()
        if "allowed_updates" in params:
            self._allowed_updates = frozenset(params["allowed_updates"] or DEFAULT_ALLOWED)
        self._webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": params.get("max_connections", 40),
            "ip_address": params.get("ip_address"),
        }
        assert self._webhook_queue is not None
        for update in self._updates:
            self._webhook_queue.put_nowait(update)
        self._updates.clear()
        self._notify()
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        pending = self._drain_webhook_queue()
        self._updates = [] if params.get("drop_pending_updates") else pending + self._updates
        self._webhook = {"url": ""}
        self._notify()
        return True

    def _drain_webhook_queue(self) -> list[dict[str, Any]]:
        drained: list[dict[str, Any]] = []
        while self._webhook_queue is not None and not self._webhook_queue.empty():
            drained.append(self._webhook_queue.get_nowait())
        return drained

    def _webhook_info(self) -> dict[str, Any]:
        queued = self._webhook_queue.qsize() if self._webhook_queue is not None else 0
        info: dict[str, Any] = {
            "url": self._webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates) + queued + self._webhook_in_flight,
        }
        if self._webhook["url"]:
            info["max_connections"] = self._webhook["max_connections"]
            if self._allowed_updates != DEFAULT_ALLOWED:
                info["allowed_updates"] = sorted(self._allowed_updates)
        if self._webhook_last_error is not None:
            info["last_error_date"], info["last_error_message"] = self._webhook_last_error
        return info

    # -- webhook delivery -----------------------------------------------------------------------

    async def _deliver_forever(self) -> None:
        assert self._webhook_queue is not None
        while True:
            update = await self._webhook_queue.get()
            self._webhook_in_flight = 1
            try:
                await self._deliver(update)
            finally:
                self._webhook_in_flight = 0

    async def _deliver(self, update: dict[str, Any]) -> None:
        assert self._client is not None
        for attempt in range(1, self.webhook_max_attempts + 1):
            url = self._webhook["url"]
            if not url:  # webhook removed meanwhile: back to getUpdates
                self._updates.insert(0, update)
                return
            if _update_type(update) not in self._allowed_updates:
                return
            headers = {}
            if self._webhook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = self._webhook["secret_token"]
            status: int | None = None
            error: str | None = None
            reply: tuple[dict[str, Any], dict[str, UploadedFile]] | None = None
            try:
                async with self._client.post(
                    url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=10)
                ) as response:
                    status = response.status
                    if 200 <= status < 300:
                        reply = await _read_webhook_reply(response)
                    else:
                        error = f"Wrong response from the webhook: {status} {response.reason}"
            except (aiohttp.ClientError, TimeoutError, ValueError) as failure:
                error = f"Connection failed: {failure!r}"
            self.webhook_deliveries.append(
                WebhookDelivery(update["update_id"], attempt, time.monotonic(), status, error)
            )
            self._notify()
            if error is None:
                if reply is not None and "method" in reply[0]:
                    raw = dict(reply[0])
                    await self._execute(str(raw.pop("method")), raw, reply[1], via="webhook-reply")
                return
            self._webhook_last_error = (int(time.time()), error)
            await asyncio.sleep(self.webhook_retry_delay * attempt)


def _update_type(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


def _ignored_by_telegram(violation: Violation) -> bool:
    """Telegram silently ignores parameters and object fields it does not know."""
    return violation.message.startswith("unknown")


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    content_type = request.content_type
    if content_type == "application/json":
        body = await request.text()
        if body.strip():
            decoded = json.loads(body)
            if not isinstance(decoded, dict):
                raise ValueError("JSON body must be an object")
            raw.update(decoded)
    elif content_type == "multipart/form-data":
        more, files = await _read_multipart(await request.multipart())
        raw.update(more)
    elif request.can_read_body:
        raw.update({key: str(value) for key, value in (await request.post()).items()})
    return raw, files


async def _read_multipart(reader: aiohttp.MultipartReader) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    raw: dict[str, Any] = {}
    files: dict[str, UploadedFile] = {}
    while (part := await reader.next()) is not None:
        if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
            continue
        if part.filename is not None:
            content = bytes(await part.read(decode=True))
            files[part.name] = UploadedFile(
                part.name,
                part.filename,
                content,
                part.headers.get("Content-Type", "application/octet-stream"),
            )
        else:
            raw[part.name] = await part.text()
    return raw, files


async def _read_webhook_reply(
    response: aiohttp.ClientResponse,
) -> tuple[dict[str, Any], dict[str, UploadedFile]] | None:
    if response.content_type == "multipart/form-data":
        return await _read_multipart(aiohttp.MultipartReader(response.headers, response.content))
    if response.content_type == "application/json":
        body = await response.json()
        return (body, {}) if isinstance(body, dict) else None
    return None
