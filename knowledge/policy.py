"""Parse the verbatim Vietnamese privacy policy into sections and passages.

The policy file is the authoritative source and is never retyped: passages are cut from it by
code. Layout of the file (``data/chinh-sach-bao-mat.vi.txt``)::

    <introduction paragraph>                → section 0, passage s0.p1
    1. Thu thập thông tin cá nhân:          → section heading "N. Title:"
      • bullet                              → one passage each
    paragraph                               → one passage each
    paragraph ending with ":"               → a lead-in; the bullets after it keep it as context

Passage ids are ``s<section>.p<index>`` with the index counted from 1 in document order, so the
same file always yields the same ids (translations and paraphrases are keyed by them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")
POLICY_FILE = DATA_DIR / "chinh-sach-bao-mat.vi.txt"
#: SHA-256 of the policy exactly as the shop published it. Passage ids, translations and paraphrases
#: are keyed to this text, so a new policy is a deliberate change: replace the file, then this value,
#: then fix what `rosee-support kb check` reports.
POLICY_SHA256 = "a5254ffcfc10c9d7c6f5b8a1251894b0de2baa0a3dad711d88bc0209ec70fed6"
INTRODUCTION = 0
INTRODUCTION_TITLE_VI = "Phần mở đầu"  # never "Mục 0": the introduction has no number

_HEADING_RE = re.compile(r"^(\d+)\.\s+(.+?):?\s*$")
_BULLET = "•"


@dataclass(frozen=True)
class Passage:
    """One bullet or paragraph of the policy, knowing where it sits."""

    id: str
    section: int
    index: int
    text: str
    is_bullet: bool
    lead_in_id: str | None  # the paragraph ending with ":" that introduces this bullet
    is_lead_in: bool


@dataclass(frozen=True)
class Section:
    number: int
    title: str
    passages: tuple[Passage, ...]


def passage_id(section: int, index: int) -> str:
    """Deterministic id of the index-th passage (from 1) of a section."""
    return f"s{section}.p{index}"


def _clean_line(line: str) -> str:
    return line.replace("\xa0", " ").strip()


def parse_policy(text: str) -> tuple[Section, ...]:
    """Split the policy text into section 0 (introduction) and the numbered sections."""
    raw_sections: list[tuple[int, str, list[str]]] = [(INTRODUCTION, INTRODUCTION_TITLE_VI, [])]
    for raw_line in text.splitlines():
        line = _clean_line(raw_line)
        if not line:
            continue
        heading = _HEADING_RE.match(line)
        if heading and not line.startswith(_BULLET) and len(line) < 80:
            raw_sections.append((int(heading.group(1)), heading.group(2).strip(), []))
            continue
        raw_sections[-1][2].append(line)
    return tuple(_build_section(number, title, lines) for number, title, lines in raw_sections)


def _build_section(number: int, title: str, lines: list[str]) -> Section:
    passages: list[Passage] = []
    lead_in: str | None = None
    for index, line in enumerate(lines, start=1):
        is_bullet = line.startswith(_BULLET)
        body = line[len(_BULLET):].strip() if is_bullet else line
        pid = passage_id(number, index)
        if not is_bullet:
            lead_in = None
        next_is_bullet = index < len(lines) and lines[index].startswith(_BULLET)
        is_lead_in = not is_bullet and body.endswith(":") and next_is_bullet
        passages.append(
            Passage(
                id=pid,
                section=number,
                index=index,
                text=body,
                is_bullet=is_bullet,
                lead_in_id=lead_in if is_bullet else None,
                is_lead_in=is_lead_in,
            )
        )
        if is_lead_in:
            lead_in = pid
    return Section(number=number, title=title, passages=tuple(passages))


def load_policy(path: Path = POLICY_FILE) -> tuple[Section, ...]:
    """Read and parse the policy file (UTF-8)."""
    return parse_policy(path.read_text(encoding="utf-8"))
