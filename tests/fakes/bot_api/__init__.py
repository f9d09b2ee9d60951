"""A fake Telegram Bot API server for tests: see server.py for the request path and updates.py for
the update builders."""

from .errors import ApiError
from .records import Call, UploadedFile, WebhookDelivery
from .server import DEFAULT_TOKEN, FakeBotApi
from .spec import SpecValidator, Violation, load_spec
from .updates import FakeGroup, FakeUser

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "Call",
    "FakeBotApi",
    "FakeGroup",
    "FakeUser",
    "SpecValidator",
    "UploadedFile",
    "Violation",
    "WebhookDelivery",
    "load_spec",
]
