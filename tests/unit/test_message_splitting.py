"""Long Telegram-HTML texts are cut below 4096 characters, at the best boundary, as valid HTML."""

from __future__ import annotations

import re

from bot.channels.bot_api.splitting import TEXT_LIMIT, split_html, units

TAG = re.compile(r"<[^>]*>")


def balanced(part: str) -> bool:
    stack: list[str] = []
    for tag in TAG.findall(part):
        name = re.match(r"</?\s*([a-z-]+)", tag).group(1)  # type: ignore[union-attr]
        if tag.startswith("</"):
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def test_short_text_is_one_part() -> None:
    assert split_html("<b>Xin chào</b>") == ["<b>Xin chào</b>"]


def test_cuts_at_paragraphs_first() -> None:
    paragraphs = [f"Đoạn {n}: " + "chữ " * 300 for n in range(8)]
    parts = split_html("\n\n".join(paragraphs))
    assert all(units(p) <= TEXT_LIMIT for p in parts)
    assert all(p.startswith("Đoạn") for p in parts)
    assert re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", "".join(paragraphs))


def test_then_lines_then_words() -> None:
    lines = "\n".join("dòng " * 30 for _ in range(60))
    assert all(not p.startswith(("\n", " ")) and units(p) <= TEXT_LIMIT for p in split_html(lines))
    words = "từ " * 3000
    parts = split_html(words)
    assert len(parts) >= 2 and all(p.rstrip().endswith("từ") for p in parts)


def test_never_inside_a_tag_or_entity_and_tags_are_reopened() -> None:
    text = "<b>" + "an &amp; toàn <i>nghiêng</i> " * 400 + '</b> <a href="https://roseeorder.com/x">link</a>'
    parts = split_html(text, limit=1000)
    assert len(parts) > 3
    for part in parts:
        assert units(part) <= 1000
        assert balanced(part), part[-80:]
        assert not re.search(r"&[#\w]*$", part) and not re.search(r"<[^>]*$", part)
    assert parts[1].startswith("<b>")
    assert TAG.sub("", "".join(parts)).count("&amp;") == 400


def test_a_word_longer_than_the_limit_is_cut_hard() -> None:
    parts = split_html("x" * 9000)
    assert [len(p) for p in parts] == [4096, 4096, 808]


def test_counts_utf16_units() -> None:
    parts = split_html("😀" * 3000)  # 2 units each
    assert all(units(p) <= TEXT_LIMIT for p in parts) and len(parts) == 2


def test_units_counts_utf16_code_units_as_telegram_does() -> None:
    assert units("") == 0
    assert units("xin chào") == 8  # Vietnamese letters are one unit each
    assert units("😀a") == 3  # outside the BMP: a surrogate pair
    assert units("\ud83d") == 1  # a lone surrogate, as JSON may carry one
    sample = "Đơn hàng 😀 của bạn ✅ " * 50
    assert units(sample) == len(sample) + sum(1 for ch in sample if ord(ch) > 0xFFFF)
