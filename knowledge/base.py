"""The policy knowledge base: passages in two languages, their paraphrases, and retrieval.

Built by code from files in ``data/``:
  chinh-sach-bao-mat.vi.txt   the verbatim policy (authoritative)  → sections and passages
  policy.en.toml              our English translation, keyed by passage id, and section titles
  paraphrases.{vi,en}.toml    customer questions each passage answers (staff-editable)
  answers.toml                how an answer cites its section

The knowledge base carries a content hash of those files; ``load_knowledge_base`` caches one
build per hash, so editing any file (the policy above all) yields a fresh index, and
``KnowledgeBase.is_current`` tells a long-running process that it should reload.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intents.preparation import PreparedText, prepare
from intents.similarity import LabelGroups, SimilarityIndex, features
from intents.spelling import Speller
from intents.text import Language, normalise
from knowledge.policy import INTRODUCTION, INTRODUCTION_TITLE_VI, Passage, Section, parse_policy

DATA_DIR = Path(__file__).with_name("data")
POLICY_FILE_NAME = "chinh-sach-bao-mat.vi.txt"
TRANSLATION_FILE_NAME = "policy.en.toml"
ANSWERS_FILE_NAME = "answers.toml"
LANGUAGES: tuple[Language, ...] = ("vi", "en")
#: Extra weight of a second matching phrasing of the same passage.
SECOND_MATCH_WEIGHT = 0.25
#: A passage scoring at least this fraction of the best one suggests a related section.
RELATED_FRACTION = 0.6


def paraphrase_file_name(language: str) -> str:
    return f"paraphrases.{language}.toml"


def source_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """Every file the knowledge base is built from, in a fixed order."""
    names = [POLICY_FILE_NAME, TRANSLATION_FILE_NAME, ANSWERS_FILE_NAME]
    names += [paraphrase_file_name(lang) for lang in LANGUAGES]
    return [data_dir / name for name in names]


def content_hash(data_dir: Path = DATA_DIR) -> str:
    """SHA-256 over the names and bytes of all source files."""
    digest = hashlib.sha256()
    for path in source_files(data_dir):
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    return digest.hexdigest()


def _load_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


@dataclass(frozen=True)
class Retrieval:
    """The passage that best answers a question, with the sections that came close."""

    passage: Passage
    score: float
    related_sections: tuple[int, ...]


class KnowledgeBase:
    """Passages, translations and paraphrases with a similarity index over all of them."""

    def __init__(
        self,
        sections: tuple[Section, ...],
        translation: Mapping[str, Any],
        paraphrases: Mapping[str, Mapping[str, tuple[str, ...]]],
        answer_templates: Mapping[str, Mapping[str, str]],
        digest: str,
        data_dir: Path,
    ) -> None:
        self.sections = sections
        self.content_hash = digest
        self.data_dir = data_dir
        self._passages = {p.id: p for s in sections for p in s.passages}
        self._english = {str(k): str(v) for k, v in translation.get("passages", {}).items()}
        self._titles: dict[str, dict[int, str]] = {
            "vi": {s.number: s.title for s in sections},
            "en": {int(k): str(v) for k, v in translation.get("sections", {}).items()},
        }
        self._titles["vi"].setdefault(INTRODUCTION, INTRODUCTION_TITLE_VI)
        self.paraphrases = paraphrases
        self._templates = answer_templates
        self._labels: list[str] = []
        texts: list[str] = []
        for passage in self._passages.values():
            for lang in LANGUAGES:
                candidates = [self.passage_text(passage.id, lang)]
                candidates += list(paraphrases.get(lang, {}).get(passage.id, ()))
                for text in candidates:
                    if text:
                        self._labels.append(passage.id)
                        texts.append(text)
        normalised = [normalise(t) for t in texts]
        self._speller = Speller(word for n in normalised for word in n.folded)
        self._index = SimilarityIndex([features(n.tokens, n.folded) for n in normalised])
        self._groups = LabelGroups(self._labels)

    # ---- building -----------------------------------------------------------------------

    @classmethod
    def build(cls, data_dir: Path = DATA_DIR) -> KnowledgeBase:
        """Parse every source file and index it (well under a second)."""
        digest = content_hash(data_dir)
        sections = parse_policy((data_dir / POLICY_FILE_NAME).read_text(encoding="utf-8"))
        translation = _load_toml(data_dir / TRANSLATION_FILE_NAME)
        paraphrases: dict[str, dict[str, tuple[str, ...]]] = {}
        for lang in LANGUAGES:
            raw = _load_toml(data_dir / paraphrase_file_name(lang))
            paraphrases[lang] = {str(k): tuple(str(q) for q in v) for k, v in raw.items()}
        templates = _load_toml(data_dir / ANSWERS_FILE_NAME)
        return cls(sections, translation, paraphrases, templates, digest, data_dir)

    def is_current(self) -> bool:
        """False once any source file has changed since this knowledge base was built."""
        return content_hash(self.data_dir) == self.content_hash

    # ---- lookup ---------------------------------------------------------------------------

    @property
    def passages(self) -> Mapping[str, Passage]:
        return self._passages

    def title(self, section: int, language: str) -> str:
        titles = self._titles["en" if language == "en" else "vi"]
        return titles.get(section, self._titles["vi"].get(section, ""))

    def section_titles(self, language: str) -> list[tuple[int, str]]:
        return [(s.number, self.title(s.number, language)) for s in self.sections]

    def passage_text(self, passage_id: str, language: str) -> str:
        if language == "en":
            return self._english.get(passage_id, "")
        passage = self._passages.get(passage_id)
        return passage.text if passage else ""

    def english_passages(self) -> Mapping[str, str]:
        return self._english

    def all_paraphrases(self) -> list[str]:
        """Every staff-written question, both languages (extra examples for policy_question)."""
        return [q for by_passage in self.paraphrases.values() for qs in by_passage.values() for q in qs]

    # ---- retrieval -----------------------------------------------------------------------

    def search(
        self, text: str, limit: int = 3, reuse: PreparedText | None = None
    ) -> list[tuple[str, float]]:
        """Passage ids ranked by similarity to the question (best phrasing + a bit of the next).

        ``reuse``: the same text as the classifier prepared it (see ``intents.preparation``).
        """
        scores = self._index.score(prepare(text, self._speller, reuse).counts)
        best_arrays = self._groups.best_two_padded(scores)
        best, second = best_arrays[0].tolist(), best_arrays[1].tolist()
        # A few dozen passages: plain floats, the same operations in the same order as on arrays.
        combined = [b + SECOND_MATCH_WEIGHT * s * b for b, s in zip(best, second, strict=True)]
        # Only passages with a phrasing that shares a feature with the question are ranked.
        return self._groups.rank(combined, [b > 0.0 for b in best], limit)

    def retrieve(self, text: str, reuse: PreparedText | None = None) -> Retrieval | None:
        """The best passage for a question, or None when nothing in the policy matches."""
        ranked = self.search(text, limit=6, reuse=reuse)
        if not ranked:
            return None
        best_id, best_score = ranked[0]
        passage = self._passages[best_id]
        related: list[int] = []
        for pid, score in ranked[1:]:
            section = self._passages[pid].section
            close = score >= RELATED_FRACTION * best_score
            if close and section != passage.section and section not in related:
                related.append(section)
        return Retrieval(passage=passage, score=best_score, related_sections=tuple(related[:2]))

    # ---- answers -------------------------------------------------------------------------

    def cite(self, section: int, text: str, language: str) -> str:
        """Wrap a quotation in its citation: 'Theo mục N – Title: …'."""
        lang = "en" if language == "en" else "vi"
        templates = self._templates.get(lang, {})
        key = "introduction" if section == INTRODUCTION else "citation"
        template = templates.get(key) or "{number} – {title}: {text}"
        return template.format(number=section, title=self.title(section, lang), text=text)

    def quote(self, passage: Passage, language: str) -> str:
        """The passage as said in the policy; a list item keeps its lead-in, a lead-in its list."""
        text = self.passage_text(passage.id, language)
        if passage.lead_in_id is not None:
            return f"{self.passage_text(passage.lead_in_id, language)} {text}"
        if passage.is_lead_in:
            items = [
                self.passage_text(p.id, language)
                for p in self._section(passage.section).passages
                if p.lead_in_id == passage.id
            ]
            return text + "\n" + "\n".join(f"• {item}" for item in items)
        return text

    def answer(self, passage: Passage, language: str) -> str:
        return self.cite(passage.section, self.quote(passage, language), language)

    def section_summary(self, section: int, language: str) -> str | None:
        """The whole section, cited, for the /privacy menu buttons; None for an unknown number."""
        try:
            found = self._section(section)
        except KeyError:
            return None
        lines = []
        for passage in found.passages:
            text = self.passage_text(passage.id, language)
            lines.append(f"• {text}" if passage.is_bullet else text)
        return self.cite(section, "\n" + "\n".join(lines), language)

    def _section(self, number: int) -> Section:
        for section in self.sections:
            if section.number == number:
                return section
        raise KeyError(number)


_CACHE: dict[tuple[Path, str], KnowledgeBase] = {}


def load_knowledge_base(data_dir: Path = DATA_DIR) -> KnowledgeBase:
    """The knowledge base for the current content of ``data_dir``; rebuilt when the hash changes."""
    key = (data_dir.resolve(), content_hash(data_dir))
    cached = _CACHE.get(key)
    if cached is None:
        _CACHE.clear()
        cached = KnowledgeBase.build(data_dir)
        _CACHE[key] = cached
    return cached
