"""The fake Bot API's spec checks: HTML parse mode, types from api.json, prose limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.bot_api.html_text import EntityParseError, parse_html
from tests.fakes.bot_api.records import UploadedFile
from tests.fakes.bot_api.refresh_spec import SOURCE_NOTE, SpecRefreshError, refresh, summarize
from tests.fakes.bot_api.refresh_spec import main as refresh_main
from tests.fakes.bot_api.spec import SPEC_FILE, SpecValidator, load_spec


@pytest.fixture(scope="module")
def validator() -> SpecValidator:
    return SpecValidator(load_spec())


def problems(
    validator: SpecValidator, method: str, params: dict[str, Any], **files: UploadedFile
) -> list[str]:
    spec = validator.spec.method(method)
    assert spec is not None
    return [str(v) for v in validator.validate(spec, params, files)]


# -- HTML -------------------------------------------------------------------------------------------


def test_html_tags_become_entities_and_plain_text() -> None:
    parsed = parse_html(
        '<b>Đơn</b> <a href="https://roseeorder.com/o?a=1&amp;b=2">#42</a> &lt;3 &amp; &#128512;'
    )
    assert parsed.text == "Đơn #42 <3 & 😀"
    assert parsed.entities == [
        {"type": "bold", "offset": 0, "length": 3},
        {"type": "text_link", "offset": 4, "length": 3, "url": "https://roseeorder.com/o?a=1&b=2"},
    ]


@pytest.mark.parametrize(
    "text",
    [
        "<b>a</b><strong>b</strong><i>c</i><em>d</em><u>e</u><ins>f</ins><s>g</s><strike>h</strike><del>i</del>",
        '<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        '<pre><code class="language-python">print(1)</code></pre><code>x</code>',
        "<blockquote>q</blockquote><blockquote expandable>long</blockquote>",
        "<B>upper-case tags</B> &quot;quoted&quot; &#x1F600; 5 > 3",
    ],
)
def test_html_accepts_what_telegram_allows(text: str) -> None:
    parse_html(text)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("1 < 2", "Unclosed start tag"),
        ("1 < 2 > 0", "Unsupported start tag at byte offset 2"),
        ("Tom & Jerry", "Character entity expected"),
        ("&nbsp;", "Character entity expected"),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag"),
        ("<span>x</span>", "tg-spoiler"),
        ("<a>x</a>", "href"),
        ("<b", "Unclosed start tag"),
        ("<code><b>x</b></code>", "can't be nested"),
    ],
)
def test_html_rejects_malformed_text(text: str, fragment: str) -> None:
    with pytest.raises(EntityParseError, match=r"byte offset|end tag") as error:
        parse_html(text)
    assert fragment in str(error.value)


def test_html_error_offsets_are_utf8_bytes() -> None:
    with pytest.raises(EntityParseError, match="byte offset 6"):
        parse_html("Chào <x>")  # "Chào " is 5 characters, 6 bytes


def test_entity_offsets_are_utf16() -> None:
    assert parse_html("😀<b>x</b>").entities == [{"type": "bold", "offset": 2, "length": 1}]


# -- spec -------------------------------------------------------------------------------------------


def test_spec_is_part_of_the_repository() -> None:
    repository = Path(__file__).resolve().parents[2]
    assert SPEC_FILE.is_relative_to(repository)
    assert load_spec().version.startswith("Bot API ")


def test_source_note_describes_the_vendored_file() -> None:
    """A replaced api.json without its note (or the reverse) fails here: use refresh_spec."""
    summary = summarize(SPEC_FILE.read_bytes())
    note = SOURCE_NOTE.read_text(encoding="utf-8")
    assert f"`{summary.sha256}`" in note
    assert f"{summary.version}, released {summary.release_date}\n" in note


def test_refresh_replaces_the_spec_and_rewrites_its_note(tmp_path: Path) -> None:
    raw = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    raw["version"], raw["release_date"] = "Bot API 99.0", "January 1, 2099"
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(raw), encoding="utf-8")
    target, note = tmp_path / "api.json", tmp_path / "SOURCE.md"
    summary = refresh(str(newer), target=target, note=note, now=datetime(2099, 1, 2, tzinfo=UTC))
    assert target.read_bytes() == newer.read_bytes()
    assert summary.version == "Bot API 99.0" and summary.methods == len(raw["methods"])
    text = note.read_text(encoding="utf-8")
    assert "Bot API 99.0, released January 1, 2099\n" in text and summary.sha256 in text
    assert "2099-01-02" in text and str(newer) in text
    assert load_spec.__wrapped__(target).version == "Bot API 99.0"


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"\xff\xfe", "not a JSON file"), (b"[]", "no 'methods' and 'types'"),
     (b'{"methods": {}, "types": {}}', "sendMessage or Message is missing")],
)
def test_refresh_refuses_what_is_not_a_spec_and_keeps_the_old_one(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    target = tmp_path / "api.json"
    target.write_bytes(b"old")
    with pytest.raises(SpecRefreshError, match=reason):
        refresh(str(bad), target=target, note=tmp_path / "SOURCE.md")
    assert target.read_bytes() == b"old" and not (tmp_path / "SOURCE.md").exists()


def test_refresh_command_reports_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert refresh_main([str(tmp_path / "missing.json")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_a_good_send_message_passes(validator: SpecValidator) -> None:
    markup = {"inline_keyboard": [[{"text": "Tiếng Việt", "callback_data": "lang:vi"}]]}
    params = {"chat_id": 1, "text": "<b>Xin chào</b>", "parse_mode": "HTML", "reply_markup": markup}
    assert problems(validator, "sendMessage", params) == []


def test_form_strings_are_decoded_by_field_type(validator: SpecValidator) -> None:
    spec = validator.spec.method("sendMessage")
    assert spec is not None
    raw = {
        "chat_id": "-1001234",
        "text": "123",
        "disable_notification": "true",
        "message_thread_id": "7",
        "reply_markup": '{"remove_keyboard": true}',
    }
    assert validator.decode(spec, raw, {}) == {
        "chat_id": -1001234,
        "text": "123",
        "disable_notification": True,
        "message_thread_id": 7,
        "reply_markup": {"remove_keyboard": True},
    }


def test_method_names_are_case_insensitive(validator: SpecValidator) -> None:
    spec = validator.spec.method("SENDMESSAGE")
    assert spec is not None and spec.name == "sendMessage"


def test_missing_required_and_wrong_types(validator: SpecValidator) -> None:
    found = problems(validator, "sendMessage", {"text": "hi", "message_thread_id": "seven"})
    assert "sendMessage.chat_id: required parameter is missing" in found
    assert any(p.startswith("sendMessage.message_thread_id: expected Integer") for p in found)


def test_unknown_parameter_is_reported(validator: SpecValidator) -> None:
    found = problems(validator, "sendMessage", {"chat_id": 1, "text": "hi", "disable_web_page_preview": True})
    assert found == ["sendMessage.disable_web_page_preview: unknown parameter (not in Bot API 10.1)"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"text": "x" * 4097}, "text: must be 1-4096 characters, got 4097"),
        ({"text": "   "}, "text: must not be empty"),
        (
            {"text": "<b>hi", "parse_mode": "HTML"},
            'text: bad HTML: Can\'t find end tag corresponding to start tag "b"',
        ),
        ({"text": "<i>" + "x" * 4096 + "</i>", "parse_mode": "HTML"}, None),
        ({"text": "&lt;" * 4096, "parse_mode": "HTML"}, None),
    ],
)
def test_text_limits_count_after_entity_parsing(
    validator: SpecValidator, params: dict[str, Any], fragment: str | None
) -> None:
    found = problems(validator, "sendMessage", {"chat_id": 1, **params})
    assert found == ([] if fragment is None else [f"sendMessage.{fragment}"])


def test_callback_data_is_limited_in_bytes(validator: SpecValidator) -> None:
    def markup(data: str) -> dict[str, Any]:
        return {"inline_keyboard": [[{"text": "OK", "callback_data": data}]]}

    assert (
        problems(validator, "sendMessage", {"chat_id": 1, "text": "t", "reply_markup": markup("đ" * 32)})
        == []
    )
    found = problems(validator, "sendMessage", {"chat_id": 1, "text": "t", "reply_markup": markup("đ" * 33)})
    assert found == [
        "sendMessage.reply_markup.inline_keyboard[0][0].callback_data: must be 1-64 bytes, got 66"
    ]


def test_inline_button_text_must_not_be_empty(validator: SpecValidator) -> None:
    markup = {"inline_keyboard": [[{"text": "", "callback_data": "x"}]]}
    found = problems(validator, "sendMessage", {"chat_id": 1, "text": "t", "reply_markup": markup})
    assert found == ["sendMessage.reply_markup.inline_keyboard[0][0].text: must not be empty"]


def test_reply_markup_union_accepts_any_member(validator: SpecValidator) -> None:
    for markup in (
        {"keyboard": [[{"text": "Gửi số điện thoại", "request_contact": True}]], "resize_keyboard": True},
        {"remove_keyboard": True},
        {"force_reply": True, "input_field_placeholder": "Mã đơn"},
    ):
        assert problems(validator, "sendMessage", {"chat_id": 1, "text": "t", "reply_markup": markup}) == []
    bad = problems(validator, "sendMessage", {"chat_id": 1, "text": "t", "reply_markup": {"keyboard": "x"}})
    assert bad and all(p.startswith("sendMessage.reply_markup") for p in bad)


def test_caption_and_callback_answer_and_topic_limits(validator: SpecValidator) -> None:
    doc = UploadedFile("document", "a.pdf", b"%PDF")
    assert problems(validator, "sendDocument", {"chat_id": 1, "document": doc, "caption": "c" * 1024}) == []
    assert problems(validator, "sendDocument", {"chat_id": 1, "document": doc, "caption": "c" * 1025}) == [
        "sendDocument.caption: must be 0-1024 characters, got 1025"
    ]
    assert problems(validator, "answerCallbackQuery", {"callback_query_id": "1", "text": "x" * 201}) == [
        "answerCallbackQuery.text: must be 0-200 characters, got 201"
    ]
    assert problems(validator, "createForumTopic", {"chat_id": -100, "name": "n" * 129}) == [
        "createForumTopic.name: must be 1-128 characters, got 129"
    ]


def test_bot_commands(validator: SpecValidator) -> None:
    good = {"commands": [{"command": "start", "description": "Bắt đầu"}], "language_code": "vi"}
    assert problems(validator, "setMyCommands", good) == []
    found = problems(
        validator,
        "setMyCommands",
        {
            "commands": [
                {"command": "Start", "description": "x"},
                {"command": "c" * 33, "description": "x"},
                {"command": "help", "description": "d" * 257},
            ]
        },
    )
    assert found == [
        "setMyCommands.commands[0].command: must match [a-z0-9_]+, got 'Start'",
        "setMyCommands.commands[1].command: must be 1-32 characters, got 33",
        "setMyCommands.commands[2].description: must be 1-256 characters, got 257",
    ]


def test_abstract_types_are_matched_by_their_discriminator(validator: SpecValidator) -> None:
    assert (
        problems(validator, "setMyCommands", {"commands": [], "scope": {"type": "all_private_chats"}}) == []
    )
    assert (
        problems(validator, "setMyCommands", {"commands": [], "scope": {"type": "chat", "chat_id": -1}}) == []
    )
    assert problems(validator, "setMyCommands", {"commands": [], "scope": {"type": "chat"}}) == [
        "setMyCommands.scope.chat_id: required field of BotCommandScopeChat is missing"
    ]
    assert problems(validator, "setMyCommands", {"commands": [], "scope": {"type": "everyone"}}) == [
        "setMyCommands.scope: matches none of " + ", ".join(validator.spec.types["BotCommandScope"].subtypes)
    ]


def test_input_file_must_be_an_upload_or_reference(validator: SpecValidator) -> None:
    upload = UploadedFile("abc", "a.jpg", b"jpg")
    media = [{"type": "photo", "media": "attach://abc"}, {"type": "photo", "media": "AgACfileid"}]
    assert problems(validator, "sendMediaGroup", {"chat_id": 1, "media": media}, abc=upload) == []
    assert problems(validator, "sendPhoto", {"chat_id": 1, "photo": 5}) == [
        "sendPhoto.photo: expected InputFile, got int 5"
    ]
