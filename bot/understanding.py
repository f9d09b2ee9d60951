"""The understanding facade: what the rest of the bot asks to learn what a customer wants.

    text ── entities (intents.entities): order codes, phones, emails, dates, amounts found and
    │       replaced by placeholders, so they never change the intent
    ├─ only entities ("RG-2026-900002")        ── order_status / request_status (a ticket number)
    ├─ only greetings and openers ("ad ơi cho e hỏi") ── greeting
    ├─ a person asked for ("gặp nhân viên để …") ── human_handoff (a complaint after it: complaint)
    ├─ a follow-up with a previous topic       ── its topic read against that topic (``context``)
    │   ("vậy còn thanh toán thì sao")
    ├─ IntentClassifier (intents/) on the masked text ── intent, confidence, ranking, language
    │   └─ a greeting, thanks or anger with a question after it ── the question's intent
    ├─ policy_question ── KnowledgeBase.retrieve (knowledge/)
    │   ├─ a passage answers it  ── lead in our words + citation + verbatim quote ("covered")
    │   └─ nothing answers it    ── policy_uncovered: "Chính sách bảo mật không đề cập …" + a person
    ├─ account_security ── the advice of section 5 (its passage quoted) + a person offered
    └─ otherwise ── the intent's reply from intents/data: what the bot will do next

Results (``Understanding``) for the conversation core, beside the ``ask`` contract's five keys:

| field             | meaning                                                                   |
|-------------------|---------------------------------------------------------------------------|
| entities          | typed ``intents.entities.Entity`` values, left to right                   |
| masked_text       | the message with ⟨order_code⟩, ⟨phone⟩, … placeholders (safe to log)      |
| covered           | False for policy_uncovered: the policy does not address the question      |
| topic             | the uncovered topic's key ("cookies", "retention", …); "shop" for an      |
|                   | out-of-scope question about the shop's trade (prices, stock, shipping)    |
| suggested_request | for a question about a right (section 7/4), the request that exercises it |
| frustrated        | anger or angry emoji seen (also alongside another intent)                 |
| social            | "greeting"/"thanks"/"goodbye" when the message opened with one and asked more |
| follow_up         | the message was read against ``context`` (the previous topic)            |
| lead, citation, quote | the parts of a policy answer (the quote verbatim), for rich rendering |

The classifier is given the knowledge base's paraphrases and uncovered questions as extra
policy_question examples, so a staff member adding a question to a data file teaches both the
intent and the passage (or the uncovered topic). This module imports only ``intents`` and
``knowledge`` (never aiogram, never the rest of ``bot``).
"""

from __future__ import annotations

import gc
import re
import time
from dataclasses import dataclass, replace
from typing import Literal, Protocol, TypedDict, Unpack

from intents.catalogue import (
    FRUSTRATION,
    OUT_OF_SCOPE,
    POLICY_QUESTION,
    POLICY_UNCOVERED,
    RIGHTS_REQUESTS,
    SOCIAL_INTENTS,
    IntentDefinition,
    load_catalogue,
)
from intents.classifier import Classification, IntentClassifier
from intents.discourse import (
    about_another_service,
    asks_for_person,
    clauses,
    follow_up,
    sounds_angry,
    strip_social,
)
from intents.entities import Entity, Extraction, extract
from intents.similarity import mood
from intents.slots import about_personal_data, shop_business
from intents.text import Language, detect_language
from knowledge.base import KnowledgeBase, Retrieval, load_knowledge_base

CONTRACT_KEYS = ("intent", "confidence", "section", "answer", "language")
#: The topic of an out-of-scope question about the shop's own trade, which a person handles.
SHOP_TOPIC = "shop"

HUMAN_HANDOFF = "human_handoff"
COMPLAINT = "complaint"
#: Intents that say how the customer feels or greets, not what they want: when the same message
#: also asks something, the question decides.
_WEAK = SOCIAL_INTENTS | {FRUSTRATION}
#: A part of a message (after a greeting, a clause) replaces the whole message's verdict only with
#: at least this confidence.
PART_CONFIDENCE = 0.4
#: A follow-up's topic keeps its own (non-policy) intent only with at least this confidence;
#: otherwise it is read against the previous topic.
FOLLOW_UP_OWN_INTENT = 0.45
#: A follow-up's bare topic is read as a policy question only if a passage scores this well for it
#: (or it names an uncovered topic), and only if it does not resemble the out-of-scope examples.
FOLLOW_UP_SCORE = 0.3
#: Intents whose topic a follow-up can continue.
_POLICY_TOPICS = frozenset({POLICY_QUESTION, POLICY_UNCOVERED, "account_security"})
#: Intents about the shop's handling of personal data: a question about another service's account
#: or device (facebook, wifi, …) that does not involve the shop is out of scope instead.
_DATA_INTENTS = frozenset({POLICY_QUESTION, "account_security", "access_request", "correction_request",
                           "erasure_request", "objection_request", "identity_help"})
#: Sections whose questions are about a right the customer can also exercise by a request.
_RIGHTS_SECTIONS = frozenset({4, 7})
#: A question that names an uncovered topic ("id card", "cookie") is a privacy question even when
#: a request intent scored a little higher, if policy_question is within this of the top score.
NAMED_TOPIC_MARGIN = 0.1
#: An out-of-scope message naming the shop's trade (intents/data/slots/shop_business.toml) is an
#: understood shop question ("phí ship bao nhiêu") with at least this confidence: topic "shop".
SHOP_QUESTION_CONFIDENCE = 0.45
#: An uncovered topic found only by similarity (no keyword) needs the classifier this sure that
#: the message is a privacy question at all; below it the honest answer is "not sure" (out of scope).
UNCOVERED_MIN_CONFIDENCE = 0.3


class PreviousTopic(Protocol):
    """What ``understand`` needs to know of the previous turn: a previous ``Understanding`` or a
    ``Topic`` rebuilt from the dialogue state."""

    @property
    def intent(self) -> str: ...
    @property
    def section(self) -> int | None: ...


@dataclass(frozen=True)
class Topic:
    """The previous topic as plain data (what the dialogue state can persist)."""

    intent: str
    section: int | None = None

    @classmethod
    def of(cls, result: PreviousTopic) -> Topic:
        return cls(result.intent, result.section)


class MessageReading(TypedDict, total=False):
    """What every result carries about the message itself, whatever the intent."""

    entities: tuple[Entity, ...]
    masked_text: str
    frustrated: bool
    social: str | None
    follow_up: bool


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
    entities: tuple[Entity, ...] = ()
    masked_text: str = ""
    covered: bool = True
    topic: str | None = None
    suggested_request: str | None = None
    frustrated: bool = False
    social: str | None = None
    follow_up: bool = False
    lead: str = ""
    citation: str = ""
    quote: str = ""

    def to_json_dict(self) -> dict[str, object]:
        """Exactly the evaluation contract: intent, confidence, section, answer, language."""
        return {
            "intent": self.intent,
            "confidence": round(float(self.confidence), 4),
            "section": self.section,
            "answer": self.answer,
            "language": self.language,
        }

    def details(self) -> dict[str, object]:
        """The contract plus everything else the core can use (``rosee-support ask --details``)."""
        return {
            **self.to_json_dict(),
            "covered": self.covered,
            "topic": self.topic,
            "passage_id": self.passage_id,
            "entities": [entity.to_json_dict() for entity in self.entities],
            "masked_text": self.masked_text,
            "suggested_request": self.suggested_request,
            "frustrated": self.frustrated,
            "social": self.social,
            "follow_up": self.follow_up,
            "related_sections": list(self.related_sections),
            "alternatives": [[name, score] for name, score in self.alternatives],
            "ambiguous": self.ambiguous,
        }


@dataclass(frozen=True)
class _Reading:
    """The verdict the answer is built from, and how it was reached."""

    verdict: Classification
    text: str  # the (masked) text the verdict is about: the whole message or a part of it
    social: str | None = None
    follow_up: bool = False
    retrieval: Retrieval | None = None  # set when a follow-up was already looked up


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
        examples = {POLICY_QUESTION: knowledge.all_paraphrases() + knowledge.uncovered_questions()}
        classifier = IntentClassifier(catalogue, extra_examples=examples)
        understander = cls(classifier, knowledge, catalogue, build_seconds=time.perf_counter() - started)
        understander.understand("xin chào")  # warm the lazy paths (rapidfuzz, caches) before real traffic
        understander.understand("đơn RG-2026-900001 giao 0912345678 ngày 1/2/2026 giá 500k a@b.vn")
        # The indexes live as long as the process and are never mutated: moving them out of the
        # garbage collector's generations keeps full collections (multi-millisecond pauses that
        # would land on a customer's message) from rescanning them.
        gc.collect()
        gc.freeze()
        return understander

    def understand(
        self, text: str, language: str | None = None, context: PreviousTopic | None = None
    ) -> Understanding:
        """Classify a message and compose the answer; never raises on any text.

        ``language`` forces the answer's language; ``context`` is the previous topic (the last
        ``Understanding``, or a ``Topic``), against which a follow-up is read.
        """
        try:
            return self._understand(text if isinstance(text, str) else str(text), language, context)
        except Exception:  # the promise is "never raises": fall back to an honest "not sure"
            lang: Language = "en" if language == "en" else "vi"
            return self._reply(OUT_OF_SCOPE, 0.0, lang, (), ambiguous=False)

    # ---- reading the message -------------------------------------------------------------------

    def _understand(self, text: str, language: str | None, context: PreviousTopic | None) -> Understanding:
        extraction = extract(text)
        masked = extraction.masked
        whole = self.classifier.classify(masked)
        lang: Language = language if language in ("vi", "en") else whole.language  # type: ignore[assignment]
        reading = (self._only_social(masked, whole) or self._person(masked, whole)
                   or self._follow_up(masked, whole, context) or self._parts(masked, whole))
        return self._compose(reading or _Reading(whole, masked), lang, extraction)

    @staticmethod
    def _only_social(masked: str, whole: Classification) -> _Reading | None:
        """A message of nothing but greetings and openers that announce a question ("ad ơi cho e
        hỏi", "I have a question"): a greeting, whatever words of it resembled a request."""
        if whole.intent in _WEAK or not masked.strip() or strip_social(masked):
            return None
        return _Reading(_as_intent(whole, "greeting", max(whole.confidence, PART_CONFIDENCE)), masked)

    def _person(self, masked: str, whole: Classification) -> _Reading | None:
        """A person asked for in so many words ("e muốn gặp nhân viên để hỏi về việc hoàn tiền"):
        human_handoff, the rest of the message being what for (the ticket's description), whatever
        the rest resembles, unless the rest is a complaint, which the complaint intake takes."""
        sure_of_person = whole.intent == HUMAN_HANDOFF and whole.confidence >= PART_CONFIDENCE
        if whole.intent == COMPLAINT or sure_of_person:
            return None
        reason = asks_for_person(masked)
        if reason is None:
            return None
        if reason:
            own = self.classifier.classify(reason)
            if own.intent == COMPLAINT and own.confidence >= PART_CONFIDENCE and not own.ambiguous:
                return _Reading(own, masked)
        score = max(whole.confidence, dict(whole.ranking).get(HUMAN_HANDOFF, 0.0), PART_CONFIDENCE)
        return _Reading(_as_intent(whole, HUMAN_HANDOFF, score), masked)

    def _follow_up(
        self, masked: str, whole: Classification, context: PreviousTopic | None
    ) -> _Reading | None:
        """A follow-up ("vậy còn X thì sao") read against the previous topic; None if it is none.

        Without a previous topic, a follow-up's topic is still read as a privacy question when a
        passage answers it well: this assistant's topics are the policy, orders and requests.
        """
        after_social = strip_social(masked) or masked
        rest = follow_up(after_social)
        if rest is None:
            return None
        previous = context.intent if context is not None and context.intent else None
        own = self.classifier.classify(rest)
        resolved = _resolve_pronoun(rest) if previous in _POLICY_TOPICS else rest
        if resolved != rest:  # "and what do you use it for?": "it" is the customer's data
            about_data = self.classifier.classify(resolved)
            if about_data.intent == POLICY_QUESTION and not about_data.ambiguous:
                own, rest = about_data, resolved
        if own.intent == OUT_OF_SCOPE and own.out_of_scope_score >= self.classifier.threshold:
            return None  # "thời tiết thì sao": out of scope whatever came before
        social = whole.intent if whole.intent in SOCIAL_INTENTS else None
        clear_own = own.intent not in _WEAK | {OUT_OF_SCOPE, POLICY_QUESTION}
        if clear_own and own.confidence >= FOLLOW_UP_OWN_INTENT and not own.ambiguous:
            return _Reading(own, rest, social=social, follow_up=True)
        if previous is None or previous in _POLICY_TOPICS:
            found = self.knowledge.retrieve(rest, reuse=own.prepared)
            if found is None or not (found.named or found.score >= FOLLOW_UP_SCORE):
                return None
            verdict = own if own.intent == POLICY_QUESTION else _as_intent(own, POLICY_QUESTION, found.score)
            return _Reading(verdict, rest, social=social, follow_up=True, retrieval=found)
        if own.intent in _WEAK | {OUT_OF_SCOPE} or own.confidence < FOLLOW_UP_OWN_INTENT:
            continued = _as_intent(own, previous, FOLLOW_UP_OWN_INTENT)
            return _Reading(continued, rest, social=social, follow_up=True)
        return _Reading(own, rest, social=social, follow_up=True)

    def _parts(self, masked: str, whole: Classification) -> _Reading | None:
        """A greeting, thanks or anger with a question after it: the question's reading."""
        weak_whole = whole.intent in _WEAK or whole.ambiguous
        if not weak_whole and whole.intent != OUT_OF_SCOPE:
            return None
        candidates: list[str] = []
        rest = strip_social(masked)
        if rest and rest != masked.strip():
            candidates.append(rest)
        if weak_whole:
            pieces = clauses(masked)
            if len(pieces) > 1:
                candidates.extend(piece for piece in pieces if piece not in candidates)
        if not candidates:
            return None
        best: Classification | None = None
        best_text = ""
        for candidate in candidates:
            verdict = self.classifier.classify(candidate)
            if verdict.intent in _WEAK | {OUT_OF_SCOPE} or verdict.confidence < PART_CONFIDENCE:
                continue
            if best is None or verdict.confidence > best.confidence:
                best, best_text = verdict, candidate
        if best is None:
            return None
        social = whole.intent if whole.intent in SOCIAL_INTENTS else None
        return _Reading(best, best_text, social=social)

    # ---- composing the answer ---------------------------------------------------------------------

    def _compose(self, reading: _Reading, lang: Language, extraction: Extraction) -> Understanding:
        verdict = reading.verdict
        intent = verdict.intent
        frustrated = intent == FRUSTRATION or sounds_angry(extraction.text, verdict.normalised.tokens)
        common: MessageReading = {
            "entities": extraction.entities,
            "masked_text": extraction.masked,
            "frustrated": frustrated,
            "social": reading.social,
            "follow_up": reading.follow_up,
        }
        alternatives = tuple((name, round(score, 4)) for name, score in verdict.ranking if name != intent)
        if intent in _DATA_INTENTS and about_another_service(verdict.prepared.corrected):
            return self._reply(OUT_OF_SCOPE, verdict.confidence, lang, alternatives[:3], False, **common)
        if intent == OUT_OF_SCOPE and extraction.entities and not verdict.normalised.tokens:
            only = _only_entities_intent(extraction)
            if only is not None:
                return self._reply(only, 0.6, lang, (), False, **common)
        settled = _settled_by_code(verdict, extraction)
        if settled is not None:
            own_score = dict(verdict.ranking).get(settled, 0.0)
            verdict = _as_intent(verdict, settled, max(verdict.confidence, own_score))
            intent = settled
            alternatives = tuple((name, round(score, 4)) for name, score in verdict.ranking if name != intent)
        if intent != POLICY_QUESTION and self._names_uncovered_topic(reading, verdict):
            verdict = _as_intent(verdict, POLICY_QUESTION, verdict.confidence)
            intent = POLICY_QUESTION
        trade = shop_business(extraction.text) and not about_personal_data(extraction.text)
        if intent == POLICY_QUESTION and trade:
            # "do you sell perfume?" is not "do you sell my data?": the shop's trade, not the policy.
            result = self._reply(OUT_OF_SCOPE, verdict.confidence, lang, alternatives[:3], False, **common)
            return replace(result, topic=SHOP_TOPIC)
        if intent == POLICY_QUESTION:
            found = reading.retrieval or self.knowledge.retrieve(reading.text, reuse=verdict.prepared)
            weak = found is not None and not found.covered and not found.named
            if weak and verdict.confidence < UNCOVERED_MIN_CONFIDENCE and not reading.follow_up:
                return self._reply(OUT_OF_SCOPE, 1.0 - verdict.confidence, lang, alternatives[:3], False,
                                   **common)
            if found is not None:
                return self._policy(found, verdict, lang, alternatives[:3], common)
        if intent == "account_security":
            return self._advice(verdict, lang, alternatives[:3], common)
        result = self._reply(intent, verdict.confidence, lang, alternatives[:3], verdict.ambiguous, **common)
        sure = verdict.confidence >= SHOP_QUESTION_CONFIDENCE and not verdict.ambiguous
        if intent == OUT_OF_SCOPE and sure and shop_business(extraction.text):
            return replace(result, topic=SHOP_TOPIC)
        return result

    def _names_uncovered_topic(self, reading: _Reading, verdict: Classification) -> bool:
        if mood(verdict.prepared.corrected) == "request":
            return False  # "nhờ ad chỉnh lại địa chỉ email": asking the shop to act, not asking
        scores = dict(verdict.ranking)
        policy = scores.get(POLICY_QUESTION, 0.0)
        if policy == 0.0 or policy < verdict.confidence - NAMED_TOPIC_MARGIN:
            return False
        return self.knowledge.named_topic(reading.text, reuse=verdict.prepared) is not None

    def _policy(
        self,
        found: Retrieval,
        verdict: Classification,
        lang: Language,
        alternatives: tuple[tuple[str, float], ...],
        common: MessageReading,
    ) -> Understanding:
        kb = self.knowledge
        if found.passage is None:
            topic = found.topic
            return Understanding(
                intent=POLICY_UNCOVERED,
                confidence=verdict.confidence,
                language=lang,
                section=None,
                section_title=None,
                answer=kb.uncovered_answer(topic, lang),
                passage_id=None,
                related_sections=(),
                alternatives=alternatives,
                ambiguous=False,
                covered=False,
                topic=topic.key if topic else None,
                suggested_request=topic.request if topic else None,
                **common,
            )
        passage = found.passage
        suggested = None
        if passage.section in _RIGHTS_SECTIONS:
            suggested = next((name for name, _ in verdict.ranking if name in RIGHTS_REQUESTS), None)
        return Understanding(
            intent=POLICY_QUESTION,
            confidence=verdict.confidence,
            language=lang,
            section=passage.section,
            section_title=kb.title(passage.section, lang),
            answer=kb.answer(passage, lang),
            passage_id=passage.id,
            related_sections=found.related_sections,
            alternatives=alternatives,
            ambiguous=verdict.ambiguous,
            suggested_request=suggested,
            lead=kb.lead(passage.id, lang),
            citation=kb.citation(passage.section, lang),
            quote=kb.quote(passage, lang),
            **common,
        )

    def _advice(
        self,
        verdict: Classification,
        lang: Language,
        alternatives: tuple[tuple[str, float], ...],
        common: MessageReading,
    ) -> Understanding:
        """account_security: the intent's reply as the lead, its policy passage quoted, a person."""
        definition = self.catalogue["account_security"]
        lead = definition.replies.get(lang, "")
        passage = self.knowledge.passages.get(definition.policy_passage or "")
        if passage is None:
            return self._reply(verdict.intent, verdict.confidence, lang, alternatives, verdict.ambiguous,
                               **common)
        kb = self.knowledge
        answer = f"{kb.answer(passage, lang, lead=lead)}\n\n{kb.offer_help(lang)}".strip()
        return Understanding(
            intent=verdict.intent,
            confidence=verdict.confidence,
            language=lang,
            section=passage.section,
            section_title=kb.title(passage.section, lang),
            answer=answer,
            passage_id=passage.id,
            related_sections=(),
            alternatives=alternatives,
            ambiguous=verdict.ambiguous,
            lead=lead,
            citation=kb.citation(passage.section, lang),
            quote=kb.quote(passage, lang),
            **common,
        )

    def _reply(
        self,
        intent: str,
        confidence: float,
        language: Language,
        alternatives: tuple[tuple[str, float], ...],
        ambiguous: bool,
        **extra: Unpack[MessageReading],
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
            **extra,
        )

    # ---- the /privacy menu ------------------------------------------------------------------------

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
            lead=self.knowledge.section_lead(section, lang),
            citation=self.knowledge.citation(section, lang),
        )

    def sections(self, language: str) -> list[tuple[int, str]]:
        """(number, title) of the introduction and sections 1–7, for a menu."""
        return self.knowledge.section_titles("en" if language == "en" else "vi")

    def section_labels(self, language: str) -> list[tuple[int, str]]:
        """(number, label) for buttons: "Phần mở đầu", "Mục 1 – Thu thập …" (never "Mục 0")."""
        lang = "en" if language == "en" else "vi"
        return [(number, self.knowledge.section_label(number, lang)) for number, _ in self.sections(lang)]

    def detect_language(self, text: str) -> Language:
        return detect_language(text)


def _as_intent(verdict: Classification, intent: str, confidence: float) -> Classification:
    """The same verdict, read as ``intent`` (a follow-up continuing the previous topic)."""
    return Classification(
        intent=intent,
        confidence=round(min(1.0, max(0.0, confidence)), 4),
        language=verdict.language,
        ranking=verdict.ranking,
        ambiguous=False,
        normalised=verdict.normalised,
        prepared=verdict.prepared,
    )


#: A pronoun in a follow-up to a privacy topic stands for the customer's data ("and what do you use
#: it for?", "còn cái đó lưu ở đâu?"): it is read as that, so the question is about the data.
_PRONOUN = re.compile(
    r"(?<![\w])(?:it|that|this|them|those|these|nó|cái đó|cái này|chúng|mấy cái đó)(?![\w])", re.IGNORECASE)
#: Words besides the pronoun a follow-up needs for the pronoun to be read ("còn cái đó?" says nothing).
_PRONOUN_CONTEXT_WORDS = 2
_DATA_WORDS = {"vi": "thông tin cá nhân của tôi", "en": "my personal information"}


def _resolve_pronoun(rest: str) -> str:
    """The follow-up with its first pronoun read as the customer's personal information."""
    match = _PRONOUN.search(rest)
    if match is None or len((rest[:match.start()] + rest[match.end():]).split()) < _PRONOUN_CONTEXT_WORDS:
        return rest
    return _PRONOUN.sub(_DATA_WORDS[detect_language(rest)], rest, count=1)


#: "Where is it at" is asked of an order and of a request alike; the code named says which.
_STATUS_BY_CODE = {"order_code": "order_status", "ticket_number": "request_status"}


#: Unsure readings that a code named in the message overrules: "đơn rg 2026-900003 giờ ra sao" is not
#: a policy question, "I am asking about my order RG-2026-900002" not a wish for notifications. Below
#: this confidence the code says what the message is about.
_CODE_OVERRULES = frozenset({POLICY_QUESTION, "order_notifications_on", "order_notifications_off"})
CODE_OVERRULES_BELOW = 0.5


def _settled_by_code(verdict: Classification, extraction: Extraction) -> str | None:
    """order_status or request_status when the verdict hesitates between them (either is the
    reading, or the other is close behind) and the message names exactly one kind of code:
    "rg2026900001 cua e sao r" asks about that order, "KN-2026-000012 tới đâu rồi" about that ticket.
    The same when the reading is an unsure one that the code contradicts (`_CODE_OVERRULES`)."""
    kinds = {entity.kind for entity in extraction.entities} & set(_STATUS_BY_CODE)
    if len(kinds) != 1:
        return None
    wanted = _STATUS_BY_CODE[kinds.pop()]
    if verdict.intent in _CODE_OVERRULES and verdict.confidence < CODE_OVERRULES_BELOW:
        return wanted
    if verdict.intent not in _STATUS_BY_CODE.values():
        return None
    return wanted if wanted != verdict.intent else None


def _only_entities_intent(extraction: Extraction) -> str | None:
    """A message that is nothing but an order code asks about that order; a ticket number, that
    request. A bare phone, email, date or amount says what it is, not what is wanted."""
    kinds = {entity.kind for entity in extraction.entities}
    if "order_code" in kinds:
        return "order_status"
    if "ticket_number" in kinds:
        return "request_status"
    return None
