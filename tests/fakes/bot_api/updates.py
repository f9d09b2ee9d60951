"""People and groups that talk to the bot: each helper builds a Bot API update, stores the user's
message in the fake's chat history (so the bot can reply to it, copy or forward it) and injects it.

    lan = api.user(1001, "Lan")
    lan.send_command("/start", payload="order_42")
    lan.share_contact("+84901234567")
    query_id = lan.press_button(api.last_bot_message(1001), "lang:vi")
    staff = api.add_forum_chat(-100500, "Rosee Staff")
    staff.add_bot(by=lan)                      # as administrator: it may still post in closed topics
    staff.promote(lan)                         # so may Lan
    staff.promote_bot()                        # administrator from the start, without an update
    staff.send_text(lan, "đã xử lý", thread_id=7)
    lan.send_voice(chat_id=staff.id, thread_id=7)
    lan.send_animation()                       # a GIF; lan.send_video_note(): a round video

Every method returns the injected update dict (press_button: the callback query id).
"""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import FakeBotApi

_callback_ids = itertools.count(1)


class FakeUser:
    def __init__(
        self, api: FakeBotApi, user_id: int, first_name: str, language_code: str | None, username: str | None
    ) -> None:
        self.api = api
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.username = username
        self.api.store.register_chat(self.private_chat)

    @property
    def as_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    @property
    def private_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.username:
            chat["username"] = self.username
        return chat

    # -- messages -------------------------------------------------------------------------------

    def send_text(
        self, text: str, chat_id: int | None = None, thread_id: int | None = None
    ) -> dict[str, Any]:
        return self.send({"text": text, **_command_entities(text)}, chat_id, thread_id)

    def send_command(self, command: str = "/start", payload: str | None = None) -> dict[str, Any]:
        return self.send_text(command if payload is None else f"{command} {payload}")

    def share_contact(self, phone: str, own: bool = True, user_id: int | None = None) -> dict[str, Any]:
        """A contact card: the user's own (user_id = theirs) or someone else's (user_id given or absent)."""
        contact: dict[str, Any] = {"phone_number": phone, "first_name": self.first_name if own else "Mai"}
        if own:
            contact["user_id"] = self.id
        elif user_id is not None:
            contact["user_id"] = user_id
        return self.send({"contact": contact})

    def send_photo(
        self,
        caption: str | None = None,
        content: bytes = b"\xff\xd8fake-jpeg",
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        stored = self.api.store.add_file(content, "photos", mime_type="image/jpeg")
        sizes = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": 1280,
                "height": 960,
                "file_size": len(content),
            },
        ]
        return self.send({"photo": sizes, **_caption(caption)}, chat_id, thread_id)

    def send_document(
        self,
        name: str = "hoa-don.pdf",
        content: bytes = b"%PDF-1.4 fake",
        mime_type: str = "application/pdf",
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        stored = self.api.store.add_file(content, "documents", name, mime_type)
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        return self.send({"document": document}, chat_id, thread_id)

    def send_sticker(
        self, emoji: str = "👍", *, chat_id: int | None = None, thread_id: int | None = None
    ) -> dict[str, Any]:
        attributes = {"type": "regular", "width": 512, "height": 512, "is_animated": False,
                      "is_video": False, "emoji": emoji}
        stored = self.api.store.add_file(
            b"RIFFfake-webp", "stickers", "sticker.webp", "image/webp", attributes
        )
        sticker = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, **attributes}
        return self.send({"sticker": sticker}, chat_id, thread_id)

    def send_voice(
        self,
        duration: int = 3,
        caption: str | None = None,
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        stored = self.api.store.add_file(
            b"OggSfake-opus", "voice", "voice.oga", "audio/ogg", {"duration": duration}
        )
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(stored.content),
        }
        return self.send({"voice": voice, **_caption(caption)}, chat_id, thread_id)

    def send_video(
        self,
        name: str = "hop-son-bi-vo.mp4",
        duration: int = 12,
        caption: str | None = None,
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        attributes = {"width": 1280, "height": 720, "duration": duration}
        stored = self.api.store.add_file(b"\x00\x00\x00\x18ftypmp42 fake", "videos", name, "video/mp4",
                                         attributes)
        video = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            **attributes,
            "file_name": name,
            "mime_type": "video/mp4",
            "file_size": len(stored.content),
        }
        return self.send({"video": video, **_caption(caption)}, chat_id, thread_id)

    def send_animation(
        self,
        name: str = "cam-on.gif.mp4",
        duration: int = 2,
        caption: str | None = None,
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """A GIF as Telegram delivers it: a silent MPEG-4 in `animation`, and (for clients that predate
        animations) the same file in `document`."""
        attributes = {"width": 480, "height": 270, "duration": duration}
        stored = self.api.store.add_file(
            b"\x00\x00\x00\x18ftypisom fake-gif", "animations", name, "video/mp4", attributes
        )
        file = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        details = {"file_name": name, "mime_type": "video/mp4", "file_size": len(stored.content)}
        content = {"animation": {**file, **attributes, **details}, "document": {**file, **details}}
        return self.send({**content, **_caption(caption)}, chat_id, thread_id)

    def send_video_note(
        self,
        duration: int = 8,
        length: int = 384,
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """A round video message; Telegram's apps send it without a caption."""
        attributes = {"length": length, "duration": duration}
        stored = self.api.store.add_file(
            b"\x00\x00\x00\x18ftypmp42 fake-round", "video_notes", "round.mp4", "video/mp4", attributes
        )
        video_note = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            **attributes,
            "file_size": len(stored.content),
        }
        return self.send({"video_note": video_note}, chat_id, thread_id)

    def send_audio(
        self,
        name: str = "ghi-am-cuoc-goi.mp3",
        duration: int = 95,
        caption: str | None = None,
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        stored = self.api.store.add_file(b"ID3fake-mp3", "music", name, "audio/mpeg", {"duration": duration})
        audio = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "file_name": name,
            "mime_type": "audio/mpeg",
            "file_size": len(stored.content),
        }
        return self.send({"audio": audio, **_caption(caption)}, chat_id, thread_id)

    def send_location(self, latitude: float = 10.7769, longitude: float = 106.7009) -> dict[str, Any]:
        return self.send({"location": {"latitude": latitude, "longitude": longitude}})

    def send(
        self,
        content: dict[str, Any],
        chat_id: int | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """Store a message with this content from the user in the chat and inject it.

        In a closed forum topic only the group's administrators can write (Telegram's app does not
        let anyone else send): a member's attempt raises `TopicClosed` and nothing is injected.
        """
        chat = self.api.store.chat(self.id if chat_id is None else chat_id)
        if not self.api.store.may_write(chat["id"], thread_id, self.id):
            raise TopicClosed(f"topic {thread_id} of chat {chat['id']} is closed to {self.first_name}")
        message: dict[str, Any] = {"from": self.as_user, **content}
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            if chat.get("is_forum"):
                message["is_topic_message"] = True
        if reply_to is not None:
            replied = self.api.store.message(chat["id"], reply_to)
            if replied is None:
                raise KeyError(f"no message {reply_to} in chat {chat['id']}")
            message["reply_to_message"] = {k: v for k, v in replied.items() if k != "reply_to_message"}
        stored = self.api.store.add_message(chat, message)
        return self.api.inject_update({"message": dict(stored)})

    def edit_text(self, message_id: int, new_text: str, chat_id: int | None = None) -> dict[str, Any]:
        chat_key = self.id if chat_id is None else chat_id
        message = self.api.store.message(chat_key, message_id)
        if message is None or message.get("from", {}).get("id") != self.id:
            raise KeyError(f"user {self.id} has no message {message_id} in chat {chat_key}")
        message.update(text=new_text, edit_date=int(time.time()), **_command_entities(new_text))
        if not new_text.startswith("/"):
            message.pop("entities", None)
        return self.api.inject_update({"edited_message": dict(message)})

    # -- buttons and membership -----------------------------------------------------------------

    def press_button(self, message: dict[str, Any] | int, data: str, chat_id: int | None = None) -> str:
        """Press an inline button with `data` under a bot message (a Message dict or its id)."""
        if isinstance(message, int):
            chat_key = self.id if chat_id is None else chat_id
            found = self.api.store.message(chat_key, message)
            if found is None:
                raise KeyError(f"no message {message} in chat {chat_key}")
            message = found
        stored = self.api.store.message(message["chat"]["id"], message["message_id"]) or message
        buttons = [b for row in stored.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        if not any(b.get("callback_data") == data for b in buttons):
            raise AssertionError(f"message {stored['message_id']} has no button with callback_data {data!r}")
        query_id = f"{self.id}{next(_callback_ids):08d}"
        query = {
            "id": query_id,
            "from": self.as_user,
            "message": dict(stored),
            "chat_instance": f"ci{stored['chat']['id']}",
            "data": data,
        }
        self.api.store.callback_queries[query_id] = query
        self.api.inject_update({"callback_query": query})
        return query_id

    def block_bot(self) -> dict[str, Any]:
        """The user blocks the bot: sends now answer 403, and a my_chat_member update arrives."""
        self.api.block_chat(self.id)
        return self.api.inject_update(
            {
                "my_chat_member": _member_change(
                    self.private_chat, self.as_user, self.api.bot_user, "member", "kicked"
                )
            }
        )

    def unblock_bot(self) -> dict[str, Any]:
        self.api.unblock_chat(self.id)
        return self.api.inject_update(
            {
                "my_chat_member": _member_change(
                    self.private_chat, self.as_user, self.api.bot_user, "kicked", "member"
                )
            }
        )


class FakeGroup:
    def __init__(self, api: FakeBotApi, chat_id: int, title: str, is_forum: bool) -> None:
        self.api = api
        self.id = chat_id
        self.title = title
        self.chat: dict[str, Any] = {"id": chat_id, "type": "supergroup", "title": title}
        if is_forum:
            self.chat["is_forum"] = True
        api.store.register_chat(self.chat)

    def send_text(
        self, user: FakeUser, text: str, thread_id: int | None = None, reply_to: int | None = None
    ) -> dict[str, Any]:
        return user.send({"text": text, **_command_entities(text)}, self.id, thread_id, reply_to)

    def promote(self, user: FakeUser, is_admin: bool = True) -> None:
        """Make `user` an administrator who manages topics (or no longer one): they can then still
        write in closed topics."""
        self.api.store.set_administrator(self.id, user.id, is_admin)

    def promote_bot(self, is_admin: bool = True) -> None:
        """The bot is (or is no longer) an administrator managing topics, as a staff forum needs, from
        before the test starts: no my_chat_member update is sent (`add_bot` sends one)."""
        self.api.store.set_administrator(self.id, self.api.bot_user["id"], is_admin)

    def add_bot(self, by: FakeUser, status: str = "administrator") -> dict[str, Any]:
        """The bot is added to the group (as administrator with can_manage_topics, or member) by `by`."""
        self.api.store.set_administrator(self.id, self.api.bot_user["id"], status == "administrator")
        return self.api.inject_update(
            {"my_chat_member": _member_change(self.chat, by.as_user, self.api.bot_user, "left", status)}
        )

    def remove_bot(self, by: FakeUser) -> dict[str, Any]:
        self.api.store.set_administrator(self.id, self.api.bot_user["id"], False)
        return self.api.inject_update(
            {"my_chat_member": _member_change(self.chat, by.as_user, self.api.bot_user, "member", "left")}
        )


class TopicClosed(Exception):
    """A member tried to write in a closed forum topic; Telegram's app would not have sent it."""


def _caption(caption: str | None) -> dict[str, Any]:
    return {"caption": caption} if caption else {}


def _command_entities(text: str) -> dict[str, Any]:
    if not text.startswith("/"):
        return {}
    command = text.split(maxsplit=1)[0]
    return {
        "entities": [{"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}]
    }


def _member_change(
    chat: dict[str, Any], actor: dict[str, Any], member: dict[str, Any], old: str, new: str
) -> dict[str, Any]:
    return {
        "chat": chat,
        "from": actor,
        "date": int(time.time()),
        "old_chat_member": _member(member, old),
        "new_chat_member": _member(member, new),
    }


def _member(user: dict[str, Any], status: str) -> dict[str, Any]:
    member: dict[str, Any] = {"user": user, "status": status}
    if status == "kicked":
        member["until_date"] = 0
    if status == "administrator":
        member.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=False,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=False,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
            can_manage_topics=True,
            # Newer than the shared api.json, required by aiogram 3.31's model; Telegram sends it.
            can_send_welcome_messages=False,
        )
    return member
