"""What the fake Bot API remembers about traffic: calls it answered, files uploaded, webhook attempts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (`field` is the form field it arrived in)."""

    field: str
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass
class Call:
    """One Bot API request as the fake understood it.

    `params` hold decoded values (ints, bools, dicts, lists); a top-level file upload appears as an
    `UploadedFile`. `status` is the HTTP status answered, `response` the JSON body (None if the
    connection was dropped). `via` is "http", or "webhook-reply" for a method returned in a webhook
    response body.
    """

    method: str
    params: dict[str, Any]
    time: float
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int = 200
    response: dict[str, Any] | None = None
    via: str = "http"

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return None if self.response is None else self.response.get("result")

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")


@dataclass(frozen=True)
class WebhookDelivery:
    """One attempt to POST an update to the webhook; `status` is None on a connection error."""

    update_id: int
    attempt: int
    time: float
    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300
