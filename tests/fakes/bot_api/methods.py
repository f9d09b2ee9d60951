"""What each Bot API method does to the fake's state and what it returns.

`BotApiMethods.call(name, params)` runs a validated call (spec name, decoded params) and returns the
"result", or raises `ApiError` with Telegram's wording. Transport methods (getUpdates, webhooks) live
in server.py. A method returning only True that has no handler here is accepted and answered True;
any other unhandled method raises `NotImplementedError` (the server records it as a violation).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from .errors import ApiError, bad_request
from .html_text import EntityParseError, parse_html
from .records import UploadedFile
from .spec import MethodSpec
from .store import DEFAULT_TOPIC_COLOR, BotApiStore

TOPIC_COLORS = {7322096, 16766590, 13338331, 9367192, 16749490, 16478047}
CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
_CONTENT_KEYS = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "photo",
    "document",
    "sticker",
    "voice",
    "audio",
    "video",
    "animation",
    "video_note",
    "contact",
    "location",
)

Handler = Callable[[dict[str, Any]], Any]


class BotApiMethods:
    def __init__(self, store: BotApiStore) -> None:
        self.store = store
        self._handlers: dict[str, Handler] = {
            "getme": self.get_me,
            "sendmessage": self.send_message,
            "sendphoto": self.send_photo,
            "senddocument": self.send_document,
            "sendvoice": self.send_voice,
            "sendvideo": self.send_video,
            "sendanimation": self.send_animation,
            "sendvideonote": self.send_video_note,
            "sendaudio": self.send_audio,
            "sendsticker": self.send_sticker,
            "copymessage": self.copy_message,
            "forwardmessage": self.forward_message,
            "editmessagetext": self.edit_message_text,
            "editmessagecaption": self.edit_message_caption,
            "editmessagereplymarkup": self.edit_message_reply_markup,
            "deletemessage": self.delete_message,
            "answercallbackquery": self.answer_callback_query,
            "sendchataction": self.send_chat_action,
            "setmycommands": self.set_my_commands,
            "getmycommands": self.get_my_commands,
            "deletemycommands": self.delete_my_commands,
            "getfile": self.get_file,
            "createforumtopic": self.create_forum_topic,
            "editforumtopic": self.edit_forum_topic,
            "closeforumtopic": self.close_forum_topic,
            "reopenforumtopic": self.reopen_forum_topic,
            "deleteforumtopic": self.delete_forum_topic,
        }

    def call(self, method: MethodSpec, params: dict[str, Any]) -> Any:
        handler = self._handlers.get(method.name.lower())
        if handler is not None:
            return handler(params)
        if method.returns == ("Boolean",):
            return True
        raise NotImplementedError(f"{method.name} is not implemented by the fake Bot API")

    # -- identity -------------------------------------------------------------------------------

    def get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.store.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # -- sending --------------------------------------------------------------------------------

    def send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send(params, _formatted(params, "text", "entities"))

    def send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._file_param(params["photo"], "photos")
        sizes = []
        for width, height in ((90, 90), (800, 800)):
            sizes.append(
                {
                    "file_id": stored.file_id if width == 800 else f"{stored.file_id}-s",
                    "file_unique_id": stored.file_unique_id + str(width),
                    "width": width,
                    "height": height,
                    "file_size": len(stored.content),
                }
            )
        self.store.files[f"{stored.file_id}-s"] = stored
        return self._send(params, {"photo": sizes, **_formatted(params, "caption", "caption_entities")})

    def send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._file_param(params["document"], "documents")
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
        }
        if stored.file_name:
            document["file_name"] = stored.file_name
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        return self._send(params, {"document": document, **_formatted(params, "caption", "caption_entities")})

    def send_voice(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._file_param(params["voice"], "voice")
        voice = {
            **_file_object(stored),
            "duration": params.get("duration", stored.attributes.get("duration", 1)),
            "mime_type": stored.mime_type or "audio/ogg",
        }
        return self._send(params, {"voice": voice, **_formatted(params, "caption", "caption_entities")})

    def send_video(self, params: dict[str, Any]) -> dict[str, Any]:
        video = _moving_picture(self._file_param(params["video"], "videos"), params, (1280, 720))
        return self._send(params, {"video": video, **_formatted(params, "caption", "caption_entities")})

    def send_animation(self, params: dict[str, Any]) -> dict[str, Any]:
        """A GIF (a silent MPEG-4 to Telegram). As on Telegram, the message also carries the animation
        as a `document`, for clients that predate animations."""
        animation = _moving_picture(self._file_param(params["animation"], "animations"), params, (480, 270))
        document = {k: v for k, v in animation.items() if k not in ("width", "height", "duration")}
        caption = _formatted(params, "caption", "caption_entities")
        return self._send(params, {"animation": animation, "document": document, **caption})

    def send_video_note(self, params: dict[str, Any]) -> dict[str, Any]:
        """A round video message: no caption (sendVideoNote has none, so the spec check flags one), and
        not by URL ("Sending video notes by a URL is currently unsupported")."""
        value = params["video_note"]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            raise bad_request("wrong file identifier/HTTP URL specified")
        stored = self._file_param(value, "video_notes")
        video_note = {
            **_file_object(stored),
            "length": params.get("length", stored.attributes.get("length", 384)),
            "duration": params.get("duration", stored.attributes.get("duration", 1)),
        }
        return self._send(params, {"video_note": video_note})

    def send_audio(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._file_param(params["audio"], "music")
        audio: dict[str, Any] = {
            **_file_object(stored),
            "duration": params.get("duration", stored.attributes.get("duration", 1)),
            "mime_type": stored.mime_type or "audio/mpeg",
        }
        for key in ("performer", "title"):
            if params.get(key) or stored.attributes.get(key):
                audio[key] = params.get(key) or stored.attributes[key]
        if stored.file_name:
            audio["file_name"] = stored.file_name
        return self._send(params, {"audio": audio, **_formatted(params, "caption", "caption_entities")})

    def send_sticker(self, params: dict[str, Any]) -> dict[str, Any]:
        """A sticker carries no caption (sendSticker has none); `emoji` only names an uploaded one."""
        stored = self._file_param(params["sticker"], "stickers")
        attributes = stored.attributes
        sticker: dict[str, Any] = {
            **_file_object(stored),
            "type": attributes.get("type", "regular"),
            "width": attributes.get("width", 512),
            "height": attributes.get("height", 512),
            "is_animated": attributes.get("is_animated", False),
            "is_video": attributes.get("is_video", False),
        }
        emoji = attributes.get("emoji") or params.get("emoji")
        if emoji:
            sticker["emoji"] = emoji
        return self._send(params, {"sticker": sticker})

    def copy_message(self, params: dict[str, Any]) -> dict[str, Any]:
        source = self._source_message(params, "copy")
        content = {key: copy.deepcopy(source[key]) for key in _CONTENT_KEYS if key in source}
        if "caption" in params:
            content.update(_formatted(params, "caption", "caption_entities"))
        return {"message_id": self._send(params, content)["message_id"]}

    def forward_message(self, params: dict[str, Any]) -> dict[str, Any]:
        source = self._source_message(params, "forward")
        content = {key: copy.deepcopy(source[key]) for key in _CONTENT_KEYS if key in source}
        sender = source.get("from", {"id": 0, "is_bot": False, "first_name": "?"})
        content["forward_origin"] = {"type": "user", "date": source["date"], "sender_user": sender}
        return self._send(params, content)

    def _source_message(self, params: dict[str, Any], verb: str) -> dict[str, Any]:
        source_chat = self.store.chat(params["from_chat_id"])
        source = self.store.message(source_chat["id"], params["message_id"])
        if source is None:
            raise bad_request(f"message to {verb} not found")
        return source

    def _send(self, params: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        chat = self.store.chat(params["chat_id"])
        message: dict[str, Any] = {"from": self.store.bot_user, **content}
        thread_id = params.get("message_thread_id")
        if thread_id is not None and self.store.is_forum(chat["id"]):
            if thread_id != 1:
                self.store.topic(chat["id"], thread_id)  # "message thread not found"
            # A closed topic takes messages from its administrators only: a bot that is one (it
            # manages the staff group's topics) still posts there, any other gets TOPIC_CLOSED.
            if not self.store.may_write(chat["id"], thread_id, self.store.bot_user["id"]):
                raise bad_request("TOPIC_CLOSED")
            message.update(message_thread_id=thread_id, is_topic_message=True)
        reply = params.get("reply_parameters") or {}
        if "reply_to_message_id" in params:
            reply = {"message_id": params["reply_to_message_id"]}
        if reply:
            replied = self.store.message(chat["id"], reply.get("message_id", 0))
            if replied is not None:
                message["reply_to_message"] = {k: v for k, v in replied.items() if k != "reply_to_message"}
            elif not reply.get("allow_sending_without_reply"):
                raise bad_request("message to be replied not found")
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return self.store.add_message(chat, message)

    def _file_param(self, value: Any, folder: str) -> Any:
        if isinstance(value, UploadedFile):
            return self.store.add_file(value.content, folder, value.filename, value.content_type)
        if isinstance(value, str) and value in self.store.files:
            return self.store.files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            name = value.rstrip("/").rsplit("/", 1)[-1] or None
            return self.store.add_file(b"fake content of " + value.encode(), folder, name)
        raise bad_request("wrong file identifier/HTTP URL specified")

    # -- editing --------------------------------------------------------------------------------

    def edit_message_text(self, params: dict[str, Any]) -> Any:
        return self._edit(params, _formatted(params, "text", "entities"))

    def edit_message_caption(self, params: dict[str, Any]) -> Any:
        return self._edit(params, _formatted(params, "caption", "caption_entities"))

    def edit_message_reply_markup(self, params: dict[str, Any]) -> Any:
        return self._edit(params, {})

    def _edit(self, params: dict[str, Any], content: dict[str, Any]) -> Any:
        if "inline_message_id" in params:
            return True
        if "chat_id" not in params or "message_id" not in params:
            raise bad_request("message identifier is not specified")
        chat = self.store.chat(params["chat_id"])
        message = self.store.message(chat["id"], params["message_id"])
        if message is None:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.store.bot_user["id"]:
            raise bad_request("message can't be edited")
        if "text" in content and "text" not in message:
            raise bad_request("there is no text in the message to edit")
        markup = params.get("reply_markup")
        unchanged = all(message.get(key) == value for key, value in content.items())
        if unchanged and message.get("reply_markup") == markup:
            raise bad_request(NOT_MODIFIED)
        message.update(content)
        for text_key, entities_key in (("text", "entities"), ("caption", "caption_entities")):
            if text_key in content and entities_key not in content:
                message.pop(entities_key, None)
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        return message

    def delete_message(self, params: dict[str, Any]) -> bool:
        chat = self.store.chat(params["chat_id"])
        if self.store.messages.get(chat["id"], {}).pop(params["message_id"], None) is None:
            raise bad_request("message to delete not found")
        return True

    # -- callbacks, actions, commands, files ----------------------------------------------------

    def answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = params["callback_query_id"]
        if query_id not in self.store.callback_queries or query_id in self.store.callback_answers:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        self.store.callback_answers[query_id] = params
        return True

    def send_chat_action(self, params: dict[str, Any]) -> bool:
        self.store.chat(params["chat_id"])
        if params["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def set_my_commands(self, params: dict[str, Any]) -> bool:
        key = self.store.commands_key(params.get("scope"), params.get("language_code"))
        self.store.commands[key] = params["commands"]
        return True

    def get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        key = self.store.commands_key(params.get("scope"), params.get("language_code"))
        return self.store.commands.get(key, [])

    def delete_my_commands(self, params: dict[str, Any]) -> bool:
        self.store.commands.pop(
            self.store.commands_key(params.get("scope"), params.get("language_code")), None
        )
        return True

    def get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self.store.files.get(params["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        return {**stored.as_file(), "file_id": params["file_id"]}

    # -- forum topics ---------------------------------------------------------------------------

    def create_forum_topic(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.store.chat(params["chat_id"])
        if not chat.get("is_forum"):
            raise bad_request("the chat is not a forum")
        color = params.get("icon_color", DEFAULT_TOPIC_COLOR)
        if color not in TOPIC_COLORS:
            raise bad_request("TOPIC_ICON_COLOR_INVALID")
        created = {"name": params["name"], "icon_color": color}
        if params.get("icon_custom_emoji_id"):
            created["icon_custom_emoji_id"] = params["icon_custom_emoji_id"]
        service = self.store.add_message(chat, {"from": self.store.bot_user, "forum_topic_created": created})
        topic = {"message_thread_id": service["message_id"], **created}
        service.update(message_thread_id=topic["message_thread_id"], is_topic_message=True)
        self.store.topics.setdefault(chat["id"], {})[topic["message_thread_id"]] = {
            **topic,
            "is_closed": False,
        }
        return topic

    def edit_forum_topic(self, params: dict[str, Any]) -> bool:
        topic = self._topic(params)
        changes: dict[str, Any] = {k: params[k] for k in ("name", "icon_custom_emoji_id") if k in params}
        if all(topic.get(k) == v for k, v in changes.items()):
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.update(changes)
        return True

    def close_forum_topic(self, params: dict[str, Any]) -> bool:
        return self._set_closed(params, closed=True)

    def reopen_forum_topic(self, params: dict[str, Any]) -> bool:
        return self._set_closed(params, closed=False)

    def delete_forum_topic(self, params: dict[str, Any]) -> bool:
        self._topic(params)
        del self.store.topics[self.store.chat(params["chat_id"])["id"]][params["message_thread_id"]]
        return True

    def _set_closed(self, params: dict[str, Any], *, closed: bool) -> bool:
        topic = self._topic(params)
        if topic["is_closed"] == closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic["is_closed"] = closed
        return True

    def _topic(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.store.chat(params["chat_id"])
        if not chat.get("is_forum"):
            raise bad_request("the chat is not a forum")
        try:
            return self.store.topic(chat["id"], params["message_thread_id"])
        except ApiError:
            raise bad_request("TOPIC_ID_INVALID") from None


def _file_object(stored: Any) -> dict[str, Any]:
    """The fields every file object shares (Voice, Video, Animation, VideoNote, Audio, Sticker …)."""
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.content),
    }


def _moving_picture(stored: Any, params: dict[str, Any], size: tuple[int, int]) -> dict[str, Any]:
    """A Video or an Animation object: a file with a frame size and a duration."""
    found: dict[str, Any] = {
        **_file_object(stored),
        "width": params.get("width", stored.attributes.get("width", size[0])),
        "height": params.get("height", stored.attributes.get("height", size[1])),
        "duration": params.get("duration", stored.attributes.get("duration", 1)),
        "mime_type": stored.mime_type or "video/mp4",
    }
    if stored.file_name:
        found["file_name"] = stored.file_name
    return found


def _formatted(params: dict[str, Any], text_key: str, entities_key: str) -> dict[str, Any]:
    """The text as Telegram stores it: tags of parse_mode=HTML turned into entities."""
    if text_key not in params:
        return {}
    text = params[text_key]
    entities = params.get(entities_key)
    parse_mode = str(params.get("parse_mode") or "").lower()
    if parse_mode == "html":
        try:
            parsed = parse_html(text)
        except EntityParseError as error:
            raise bad_request(f"can't parse entities: {error}") from None
        text, entities = parsed.text, parsed.entities
    content: dict[str, Any] = {text_key: text}
    if entities:
        content[entities_key] = entities
    return content
