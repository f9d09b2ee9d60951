"""What the fake Telegram knows: chats, their messages (one message_id sequence per chat), files,
forum topics, who administers each group, callback queries awaiting an answer, and the bot's command
lists."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from .errors import bad_request

DEFAULT_TOPIC_COLOR = 7322096


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    file_name: str | None = None
    mime_type: str | None = None
    # What Telegram knows of the media itself (duration, width, height, emoji …): sent again by its
    # file_id, a voice message keeps its duration, a sticker its emoji.
    attributes: dict[str, Any] = field(default_factory=dict)

    def as_file(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


@dataclass
class BotApiStore:
    bot_user: dict[str, Any]
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    messages: dict[int, dict[int, dict[str, Any]]] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    topics: dict[int, dict[int, dict[str, Any]]] = field(default_factory=dict)
    # Per group, the users (the bot among them) who are administrators allowed to manage topics:
    # only they can still write in a closed topic.
    administrators: dict[int, set[int]] = field(default_factory=dict)
    callback_queries: dict[str, dict[str, Any]] = field(default_factory=dict)
    callback_answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    _last_message_id: dict[int, int] = field(default_factory=dict)
    _file_counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # -- chats ----------------------------------------------------------------------------------

    def register_chat(self, chat: dict[str, Any]) -> dict[str, Any]:
        self.chats[chat["id"]] = chat
        if chat.get("is_forum"):  # message 1 opened the General topic (message_thread_id 1)
            self._last_message_id.setdefault(chat["id"], 1)
        return chat

    def chat(self, chat_id: Any) -> dict[str, Any]:
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self.chats.values():
                if chat.get("username", "").lower() == chat_id[1:].lower():
                    return chat
        elif isinstance(chat_id, int) and chat_id in self.chats:
            return self.chats[chat_id]
        raise bad_request("chat not found")

    def is_forum(self, chat_id: int) -> bool:
        return bool(self.chats.get(chat_id, {}).get("is_forum"))

    def set_administrator(self, chat_id: int, user_id: int, is_admin: bool = True) -> None:
        admins = self.administrators.setdefault(chat_id, set())
        if is_admin:
            admins.add(user_id)
        else:
            admins.discard(user_id)

    def may_write(self, chat_id: int, thread_id: int | None, user_id: int) -> bool:
        """False in a closed topic for anyone but its administrators (Telegram's TOPIC_CLOSED)."""
        if thread_id is None or thread_id == 1 or not self.is_forum(chat_id):
            return True
        topic = self.topics.get(chat_id, {}).get(thread_id)
        if topic is None or not topic.get("is_closed"):
            return True
        return user_id in self.administrators.get(chat_id, set())

    # -- messages -------------------------------------------------------------------------------

    def add_message(self, chat: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        """Store a message in `chat`, giving it the chat's next message_id and a date."""
        chat_id = chat["id"]
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        message = {"message_id": message_id, "date": int(time.time()), "chat": chat, **content}
        self.messages.setdefault(chat_id, {})[message_id] = message
        return message

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        return self.messages.get(chat_id, {}).get(message_id)

    def chat_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return list(self.messages.get(chat_id, {}).values())

    # -- files ----------------------------------------------------------------------------------

    def add_file(
        self,
        content: bytes,
        folder: str,
        file_name: str | None = None,
        mime_type: str | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> StoredFile:
        number = next(self._file_counter)
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        elif folder == "photos":
            suffix = ".jpg"
        stored = StoredFile(
            file_id=f"FAKE-{folder[:3].upper()}-{number:06d}-AgADBAAD",
            file_unique_id=f"AQAD{number:06d}",
            file_path=f"{folder}/file_{number}{suffix}",
            content=content,
            file_name=file_name,
            mime_type=mime_type,
            attributes=dict(attributes or {}),
        )
        self.files[stored.file_id] = stored
        return stored

    def file_by_path(self, file_path: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.file_path == file_path), None)

    # -- forum topics ---------------------------------------------------------------------------

    def topic(self, chat_id: int, thread_id: int) -> dict[str, Any]:
        topic = self.topics.get(chat_id, {}).get(thread_id)
        if topic is None:
            raise bad_request("message thread not found")
        return topic

    # -- commands -------------------------------------------------------------------------------

    @staticmethod
    def commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope = scope if isinstance(scope, dict) else {"type": "default"}
        return json.dumps(scope, sort_keys=True), language_code or ""
