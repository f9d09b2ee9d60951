"""The understanding facade: what the rest of the bot asks to learn what a customer wants.

    text ── IntentClassifier (intents/) ── intent, confidence, ranking, ambiguity, language
         └─ if policy_question ── KnowledgeBase.retrieve (knowledge/) ── passage → cited answer
         └─ otherwise ── the intent's reply from intents/data: what the bot will do next

The classifier is given the knowledge base's paraphrases as extra policy_question examples, so a
staff member adding a question to a paraphrase file teaches both the intent and the passage.
This module imports only ``intents`` and ``knowledge`` (never aiogram, never the rest of ``bot``).
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from typing import Literal

from intents.catalogue import OUT_OF_SCOPE, POLICY_QUESTION, IntentDefinition, load_catalogue
from intents.classifier import IntentClassifier
from intents.text import Language, detect_language
from knowledge.base import KnowledgeBase, load_knowledge_base

CONTRACT_KEYS = ("intent", "confidence", "section", "answer", "language")


@dataclass(frozen=True)
class Understanding:
    """What a message means, and the honest answer or next step for it."""

    intent: str
    confidence: float
    language: Literal["vi", "en"]
    section: int | None
    section_title: str | None
    answer: str
    passage_id: str | None
    related_sections: tuple[int, ...]
    alternatives: tuple[tuple[str, float], ...]
    ambiguous: bool

    def to_json_dict(self) -> dict[str, object]:
        """Exactly the evaluation contract: intent, confidence, section, answer, language."""
        return {
            "intent": self.intent,
            "confidence": round(float(self.confidence), 4),
            "section": self.section,
            "answer": self.answer,
            "language": self.language,
        }


class Understander:
    """Loads intents and the knowledge base once; then understands messages in microseconds."""

    def __init__(
        self,
        classifier: IntentClassifier,
        knowledge: KnowledgeBase,
        catalogue: dict[str, IntentDefinition],
        build_seconds: float = 0.0,
    ) -> None:
        self.classifier = classifier
        self.knowledge = knowledge
        self.catalogue = catalogue
        self.build_seconds = build_seconds

    @classmethod
    def load(cls) -> Understander:
        """Build the knowledge base and the classifier (well under a second)."""
        started = time.perf_counter()
        knowledge = load_knowledge_base()
        catalogue = load_catalogue()
        policy_examples = {POLICY_QUESTION: knowledge.all_paraphrases()}
        classifier = IntentClassifier(catalogue, extra_examples=policy_examples)
        understander = cls(classifier, knowledge, catalogue, build_seconds=time.perf_counter() - started)
        understander.understand("xin chào")  # warm the lazy paths (rapidfuzz, caches) before real traffic
        # The indexes live as long as the process and are never mutated: moving them out of the
        # garbage collector's generations keeps full collections (multi-millisecond pauses that
        # would land on a customer's message) from rescanning them.
        gc.collect()
        gc.freeze()
        return understander

    def understand(self, text: str, language: str | None = None) -> Understanding:
        """Classify a message and compose the answer; never raises on any text."""
        try:
            return self._understand(text if isinstance(text, str) else str(text), language)
        except Exception:  # the promise is "never raises": fall back to an honest "not sure"
            lang: Language = "en" if language == "en" else "vi"
            return self._reply(OUT_OF_SCOPE, 0.0, lang, (), ambiguous=False)

    def _understand(self, text: str, language: str | None) -> Understanding:
        verdict = self.classifier.classify(text)
        lang: Language = language if language in ("vi", "en") else verdict.language  # type: ignore[assignment]
        alternatives = tuple(
            (name, round(score, 4)) for name, score in verdict.ranking if name != verdict.intent
        )
        if verdict.intent == POLICY_QUESTION:
            # The knowledge base reuses the classifier's feature counts when its own typo
            # corrections of this message come out the same (intents.preparation).
            found = self.knowledge.retrieve(text, reuse=verdict.prepared)
            if found is not None:
                passage = found.passage
                return Understanding(
                    intent=POLICY_QUESTION,
                    confidence=verdict.confidence,
                    language=lang,
                    section=passage.section,
                    section_title=self.knowledge.title(passage.section, lang),
                    answer=self.knowledge.answer(passage, lang),
                    passage_id=passage.id,
                    related_sections=found.related_sections,
                    alternatives=alternatives[:3],
                    ambiguous=verdict.ambiguous,
                )
        return self._reply(verdict.intent, verdict.confidence, lang, alternatives[:3], verdict.ambiguous)

    def _reply(
        self,
        intent: str,
        confidence: float,
        language: Language,
        alternatives: tuple[tuple[str, float], ...],
        ambiguous: bool,
    ) -> Understanding:
        definition = self.catalogue.get(intent) or self.catalogue.get(OUT_OF_SCOPE)
        answer = definition.replies.get(language, "") if definition else ""
        return Understanding(
            intent=intent,
            confidence=confidence,
            language=language,
            section=None,
            section_title=None,
            answer=answer,
            passage_id=None,
            related_sections=(),
            alternatives=alternatives,
            ambiguous=ambiguous,
        )

    def section_answer(self, section: int, language: str) -> Understanding | None:
        """A whole policy section with its citation (for the /privacy menu); None if unknown."""
        lang: Language = "en" if language == "en" else "vi"
        summary = self.knowledge.section_summary(section, lang)
        if summary is None:
            return None
        return Understanding(
            intent=POLICY_QUESTION,
            confidence=1.0,
            language=lang,
            section=section,
            section_title=self.knowledge.title(section, lang),
            answer=summary,
            passage_id=None,
            related_sections=(),
            alternatives=(),
            ambiguous=False,
        )

    def sections(self, language: str) -> list[tuple[int, str]]:
        """(number, title) of the introduction and sections 1–7, for a menu."""
        return self.knowledge.section_titles("en" if language == "en" else "vi")

    def detect_language(self, text: str) -> Language:
        return detect_language(text)
