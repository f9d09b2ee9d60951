"""Telegram's HTML parse mode, as far as the fake Bot API needs it.

`parse_html(text)` turns a `parse_mode=HTML` text into the plain text Telegram would store and the
entities it would attach, or raises `EntityParseError` with Telegram's wording
("can't parse entities: ..."). Only the tags and character references Telegram documents are accepted:

    b strong | i em | u ins | s strike del | span class="tg-spoiler" tg-spoiler | a href | code | pre |
    blockquote [expandable] | tg-emoji emoji-id ;  &lt; &gt; &amp; &quot; &#NN; &#xHH;

Anything else (an unknown tag, a bare '<' or '&', a missing or mismatched end tag) is an error, which
is stricter than Telegram in one place: Telegram sometimes lets a lone '&' through; the fake does not.
Offsets are UTF-16 code units, as in the Bot API; error offsets are UTF-8 byte offsets, as Telegram's.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTRIBUTE = re.compile(r"""\s*([a-zA-Z_:-]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_CHAR_REF = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")


class EntityParseError(ValueError):
    """Malformed HTML; `str(error)` is the part after "Bad Request: can't parse entities: "."""


@dataclass
class ParsedText:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _OpenTag:
    name: str
    attributes: dict[str, str]
    offset: int  # UTF-16 offset in the plain text where the tag's content starts


_SPECIAL = re.compile("[<&]")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> ParsedText:
    plain: list[str] = []
    plain_len = 0  # UTF-16 length of "".join(plain)
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "<":
            end = source.find(">", i)
            if end == -1:
                raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(source, i)}")
            inner = source[i + 1 : end]
            if inner.startswith("/"):
                _close_tag(source, i, inner[1:].strip().lower(), stack, entities, plain_len)
            else:
                stack.append(_open_tag(source, i, inner, stack, plain_len))
            i = end + 1
            continue
        if char == "&":
            match = _CHAR_REF.match(source, i)
            if match is None:
                raise EntityParseError(
                    f"Character entity expected at byte offset {_byte_offset(source, i)}"
                    " (escape '&' as &amp;)"
                )
            decoded = html.unescape(match.group(0))
            plain.append(decoded)
            plain_len += utf16_len(decoded)
            i = match.end()
            continue
        # A run of plain text up to the next tag or character reference, measured at once.
        special = _SPECIAL.search(source, i)
        end = special.start() if special is not None else len(source)
        run = source[i:end]
        plain.append(run)
        plain_len += utf16_len(run)
        i = end
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return ParsedText("".join(plain), entities)


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _open_tag(source: str, index: int, inner: str, stack: list[_OpenTag], plain_len: int) -> _OpenTag:
    offset = _byte_offset(source, index)
    name_match = _TAG_NAME.match(inner)
    if name_match is None:
        raise EntityParseError(f"Unsupported start tag at byte offset {offset} (escape '<' as &lt;)")
    name = name_match.group(0).lower()
    if name not in _ENTITY_TYPES:
        raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
    attributes = _parse_attributes(inner[name_match.end() :], name, offset)
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if name == "a" and not attributes.get("href"):
        raise EntityParseError(f'Tag "a" must have attribute "href" at byte offset {offset}')
    if name == "tg-emoji" and not attributes.get("emoji-id"):
        raise EntityParseError(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}')
    if stack and stack[-1].name in ("code", "pre") and not (stack[-1].name == "pre" and name == "code"):
        raise EntityParseError(f'Tag "{name}" can\'t be nested in "{stack[-1].name}" at byte offset {offset}')
    return _OpenTag(name, attributes, plain_len)


def _parse_attributes(rest: str, tag: str, offset: int) -> dict[str, str]:
    attributes: dict[str, str] = {}
    position = 0
    while rest[position:].strip():
        match = _ATTRIBUTE.match(rest, position)
        if match is None or match.end() == position:
            raise EntityParseError(f'Malformed attributes of tag "{tag}" at byte offset {offset}')
        value = match.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        attributes[match.group(1).lower()] = html.unescape(value)
        position = match.end()
    return attributes


def _close_tag(
    source: str,
    index: int,
    name: str,
    stack: list[_OpenTag],
    entities: list[dict[str, Any]],
    plain_len: int,
) -> None:
    offset = _byte_offset(source, index)
    if not stack:
        raise EntityParseError(f'Unexpected end tag "{name}" at byte offset {offset}')
    opened = stack[-1]
    if opened.name != name:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {offset}, expected "</{opened.name}>", found "</{name}>"'
        )
    stack.pop()
    length = plain_len - opened.offset
    if length == 0:
        return  # Telegram drops empty entities
    entity: dict[str, Any] = {"type": _ENTITY_TYPES[name], "offset": opened.offset, "length": length}
    if name == "a":
        entity["url"] = opened.attributes["href"]
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = opened.attributes["emoji-id"]
    elif name == "blockquote" and "expandable" in opened.attributes:
        entity["type"] = "expandable_blockquote"
    elif name == "code" and stack and stack[-1].name == "pre":
        language = opened.attributes.get("class", "")
        if language.startswith("language-"):
            stack[-1].attributes["language"] = language.removeprefix("language-")
        return  # <pre><code class="language-x"> is one pre entity
    elif name == "pre" and opened.attributes.get("language"):
        entity["language"] = opened.attributes["language"]
    entities.append(entity)
