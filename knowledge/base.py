"""The policy knowledge base: passages in two languages, their paraphrases, and retrieval.

Built by code from files in ``data/``:
  chinh-sach-bao-mat.vi.txt   the verbatim policy (authoritative)  → sections and passages
  policy.en.toml              our English translation, keyed by passage id, and section titles
  paraphrases.{vi,en}.toml    customer questions each passage answers (staff-editable)
  uncovered.toml              privacy questions the policy does NOT answer, by topic
  leads.toml                  the bot's own words before each quoted passage (and section)
  answers.toml                how an answer is put together: lead, citation, quote

Retrieval is one nearest-neighbour search over the passages' texts and paraphrases *and* the
uncovered topics' questions. When an uncovered topic is nearest, or no passage comes close
enough (``COVERED_SCORE``), the question is not covered: the honest answer says the policy does
not address it and offers a person, it never quotes the nearest passage.

A policy answer reads (Vietnamese; English alike)::

    Dạ, ngoài các trường hợp sử dụng đã nêu …, RoseeGlory cam kết không tiết lộ … ạ.   ← lead
                                                                                        (our words)
    Theo mục 3 – Chia sẻ thông tin cá nhân:                                              ← citation
    “Ngoại trừ các trường hợp về “Sử dụng thông tin cá nhân” … ra ngoài.”                ← verbatim

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
UNCOVERED_FILE_NAME = "uncovered.toml"
LEADS_FILE_NAME = "leads.toml"
#: Label prefix of an uncovered topic's questions in the retrieval index.
UNCOVERED_PREFIX = "uncovered:"
#: A best passage scoring below this does not answer the question: it is reported as uncovered.
#: Chosen on the paraphrases themselves (each scored with itself left out, no correct answer
#: scored below 0.2), not on the held-out set.
COVERED_SCORE = 0.2
#: Without a keyword, an uncovered topic's questions win only by this factor over the best
#: passage: they share the function words of every privacy question ("shop có … không").
UNCOVERED_RATIO = 1.3
LANGUAGES: tuple[Language, ...] = ("vi", "en")
#: Extra weight of a second matching phrasing of the same passage.
SECOND_MATCH_WEIGHT = 0.25
#: A passage scoring at least this fraction of the best one suggests a related section.
RELATED_FRACTION = 0.6


def paraphrase_file_name(language: str) -> str:
    return f"paraphrases.{language}.toml"


def source_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """Every file the knowledge base is built from, in a fixed order."""
    names = [POLICY_FILE_NAME, TRANSLATION_FILE_NAME, ANSWERS_FILE_NAME, UNCOVERED_FILE_NAME, LEADS_FILE_NAME]
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
class UncoveredTopic:
    """Something customers ask about that the policy does not address."""

    key: str
    topics: Mapping[str, str]  # language → the topic as said in an answer ("cookie")
    notes: Mapping[str, str]  # language → what the policy does say nearby (may be empty)
    questions: Mapping[str, tuple[str, ...]]
    request: str | None = None  # the request intent that does what was asked about, if any
    keywords: tuple[tuple[tuple[str, ...], ...], ...] = ()  # any one: all its folded phrases present

    def mentioned_in(self, folded: tuple[str, ...]) -> bool:
        """Whether a question (folded, typo-corrected tokens) names this topic by a keyword."""
        return any(all(_contains(folded, phrase) for phrase in keyword) for keyword in self.keywords)


def _contains(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tokens[i : i + size] == phrase for i in range(len(tokens) - size + 1))


def parse_keyword(text: str) -> tuple[tuple[str, ...], ...]:
    """'bao lâu + lưu' → (('bao', 'lau'), ('luu',)): phrases that must all appear."""
    return tuple(tuple(normalise(part).folded) for part in text.split("+") if normalise(part).folded)


@dataclass(frozen=True)
class Retrieval:
    """What best answers a question: a passage (covered), or nothing the policy says (uncovered).

    ``passage`` is None exactly when ``covered`` is False; ``topic`` then names what was asked
    about when an uncovered topic was nearest (None: nothing in the policy came close at all).
    """

    passage: Passage | None
    score: float
    related_sections: tuple[int, ...]
    topic: UncoveredTopic | None = None
    named: bool = False  # the question named the topic by one of its keywords

    @property
    def covered(self) -> bool:
        return self.passage is not None


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
        uncovered: Mapping[str, UncoveredTopic] | None = None,
        leads: Mapping[str, Any] | None = None,
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
        self.uncovered: Mapping[str, UncoveredTopic] = uncovered or {}
        raw_leads = leads or {}
        self._leads: dict[str, dict[str, str]] = {
            lang: {str(k): str(v) for k, v in raw_leads.get(lang, {}).items()} for lang in LANGUAGES
        }
        self._section_leads: dict[str, dict[int, str]] = {
            lang: {int(k): str(v) for k, v in raw_leads.get("sections", {}).get(lang, {}).items()}
            for lang in LANGUAGES
        }
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
        for topic in self.uncovered.values():
            for lang in LANGUAGES:
                for text in topic.questions.get(lang, ()):
                    self._labels.append(UNCOVERED_PREFIX + topic.key)
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
        uncovered = {
            str(key): UncoveredTopic(
                key=str(key),
                topics={lang: str(v) for lang, v in raw.get("topic", {}).items()},
                notes={lang: str(v) for lang, v in raw.get("note", {}).items()},
                questions={lang: tuple(str(q) for q in v) for lang, v in raw.get("questions", {}).items()},
                request=str(raw["request"]) if raw.get("request") else None,
                keywords=tuple(parse_keyword(str(k)) for k in raw.get("keywords", ())),
            )
            for key, raw in _load_toml(data_dir / UNCOVERED_FILE_NAME).items()
        }
        leads = _load_toml(data_dir / LEADS_FILE_NAME)
        return cls(sections, translation, paraphrases, templates, digest, data_dir, uncovered, leads)

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

    def uncovered_questions(self) -> list[str]:
        """Every question on a topic the policy does not address, both languages.

        They are privacy questions too, so the classifier learns them as policy_question and
        retrieval, which sees the topics beside the passages, tells covered from uncovered.
        """
        return [q for topic in self.uncovered.values() for qs in topic.questions.values() for q in qs]

    def lead(self, passage_id: str, language: str) -> str:
        """The bot's own words that introduce a passage ('' when none is written)."""
        return self._leads["en" if language == "en" else "vi"].get(passage_id, "")

    def section_lead(self, section: int, language: str) -> str:
        return self._section_leads["en" if language == "en" else "vi"].get(section, "")

    def section_label(self, section: int, language: str) -> str:
        """How a section is named on a button or in a list: "Mục 3 – Chia sẻ …", "Phần mở đầu"."""
        title = self.title(section, language)
        if section == INTRODUCTION:
            return title
        return f"Section {section} – {title}" if language == "en" else f"Mục {section} – {title}"

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

    def named_topic(self, text: str, reuse: PreparedText | None = None) -> UncoveredTopic | None:
        """The uncovered topic a question names by one of its keywords, if any."""
        prepared = prepare(text, self._speller, reuse)
        for topic in self.uncovered.values():
            if topic.mentioned_in(prepared.corrected) or topic.mentioned_in(prepared.normalised.folded):
                return topic
        return None

    def retrieve(self, text: str, reuse: PreparedText | None = None) -> Retrieval | None:
        """What answers a question: the best passage, or an uncovered result (``covered`` False)
        when the question names an uncovered topic's keyword, an uncovered topic is nearest or no
        passage scores ``COVERED_SCORE``; None when nothing at all shares a word with it."""
        prepared = prepare(text, self._speller, reuse)
        named = self.named_topic(text, prepared)
        if named is not None:
            return Retrieval(passage=None, score=1.0, related_sections=(), topic=named, named=True)
        ranked = self.search(text, limit=6, reuse=prepared)
        if not ranked:
            return None
        best_id, best_score = ranked[0]
        if best_id.startswith(UNCOVERED_PREFIX):
            passage_score = next((s for pid, s in ranked if not pid.startswith(UNCOVERED_PREFIX)), 0.0)
            if best_score >= UNCOVERED_RATIO * passage_score or passage_score < COVERED_SCORE:
                topic = self.uncovered[best_id.removeprefix(UNCOVERED_PREFIX)]
                return Retrieval(passage=None, score=best_score, related_sections=(), topic=topic)
            ranked = [(pid, s) for pid, s in ranked if not pid.startswith(UNCOVERED_PREFIX)]
            best_id, best_score = ranked[0]
        if best_score < COVERED_SCORE:
            return Retrieval(passage=None, score=best_score, related_sections=())
        passage = self._passages[best_id]
        related: list[int] = []
        for pid, score in ranked[1:]:
            if pid.startswith(UNCOVERED_PREFIX):
                continue
            section = self._passages[pid].section
            close = score >= RELATED_FRACTION * best_score
            if close and section != passage.section and section not in related:
                related.append(section)
        return Retrieval(passage=passage, score=best_score, related_sections=tuple(related[:2]))

    # ---- answers -------------------------------------------------------------------------

    def _template(self, language: str, key: str, default: str) -> str:
        return self._templates.get("en" if language == "en" else "vi", {}).get(key) or default

    def citation(self, section: int, language: str) -> str:
        """'Theo mục N – Title:' ('Theo Phần mở đầu của Chính sách bảo mật:' for the introduction)."""
        key = "introduction" if section == INTRODUCTION else "citation"
        template = self._template(language, key, "{number} – {title}:")
        return template.format(number=section, title=self.title(section, language))

    def mark_quote(self, text: str, language: str) -> str:
        """The policy's words, marked as a quotation (they stay verbatim inside the marks)."""
        return self._template(language, "quote", "“{text}”").format(text=text)

    def cite(self, section: int, text: str, language: str, lead: str = "") -> str:
        """Lead (the bot's own words), then the citation, then the quoted text."""
        quoted = f"{self.citation(section, language)}\n{self.mark_quote(text.strip(), language)}"
        return f"{lead}\n\n{quoted}" if lead else quoted

    def uncovered_answer(self, topic: UncoveredTopic | None, language: str) -> str:
        """"Dạ, Chính sách bảo mật không đề cập đến {topic} ạ." + what it says nearby + a person."""
        lang = "en" if language == "en" else "vi"
        fallback = "this" if lang == "en" else "điều này"
        name = topic.topics.get(lang, fallback) if topic else fallback
        parts = [self._template(lang, "uncovered", "{topic}").format(topic=name)]
        if topic and topic.notes.get(lang):
            parts.append(topic.notes[lang])
        parts.append(self._template(lang, "offer_person", ""))
        return " ".join(part for part in parts if part)

    def offer_help(self, language: str) -> str:
        return self._template(language, "offer_help", "")

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

    def answer(self, passage: Passage, language: str, lead: str | None = None) -> str:
        """The lead (``lead`` or the passage's own), the citation and the quoted passage."""
        own = self.lead(passage.id, language) if lead is None else lead
        return self.cite(passage.section, self.quote(passage, language), language, own)

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
        return self.cite(section, "\n".join(lines), language, self.section_lead(section, language))

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
