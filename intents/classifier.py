"""Nearest-neighbour intent classifier with an honest out-of-scope fallback.

    message ── normalise (intents.text) ── typo-correct unknown words (intents.spelling)
            ── TF-IDF cosine against every example (intents.similarity)
            ── intent score = best example + a little of the second best, blended with the
               similarity to the intent's centroid (all intents at once, as numpy arrays)
            ── best < threshold or best is out_of_scope  → out_of_scope
            ── best two in-scope intents within margin   → ambiguous (core asks a question)
            ── an intent that requires a word the message lacks → its ``otherwise`` intent
               (order_change names an order; without one it is a correction of the data on file)

Nearest neighbour keeps every decision explainable ("closest to this example") and lets staff fix
a mistake by adding a phrasing to a data file. Extra examples (the knowledge base's policy
paraphrases) can be supplied by the caller, so this package never imports ``knowledge``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from intents.catalogue import LANGUAGES, OUT_OF_SCOPE, IntentDefinition
from intents.preparation import PreparedText, prepare
from intents.similarity import CentroidIndex, LabelGroups, SimilarityIndex, features
from intents.spelling import Speller
from intents.text import PLACEHOLDER_RE, Language, NormalisedText, fold, normalise

#: Below this score nothing is close enough to answer: the message is out of scope.
DEFAULT_THRESHOLD = 0.26
#: Two in-scope intents closer than this are reported as ambiguous.
DEFAULT_MARGIN = 0.04
#: How much the second-best example of an intent adds to its score (rewards consistent evidence).
SECOND_NEIGHBOUR_WEIGHT = 0.25
#: Share of the nearest-neighbour evidence in an intent's score; the rest is centroid similarity.
NEIGHBOUR_SHARE = 0.7
#: The rest of an intent's score: similarity to the intent's centroid.
CENTROID_SHARE = 1.0 - NEIGHBOUR_SHARE


@dataclass(frozen=True)
class Classification:
    """The classifier's verdict on one message."""

    intent: str
    confidence: float
    language: Language
    ranking: tuple[tuple[str, float], ...]
    ambiguous: bool
    normalised: NormalisedText
    prepared: PreparedText  # the knowledge base reuses its feature counts when it can
    #: How close the message came to the out_of_scope examples themselves (0.0: not at all). An
    #: out_of_scope verdict with a high value resembles "thời tiết hôm nay"; with 0.0 it just
    #: resembled nothing, which is what a follow-up's bare topic ("thanh toán") often does.
    out_of_scope_score: float = 0.0


class IntentClassifier:
    """Built once from the intent catalogue (plus optional extra examples), then queried."""

    def __init__(
        self,
        catalogue: Mapping[str, IntentDefinition],
        extra_examples: Mapping[str, Sequence[str]] | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        margin: float = DEFAULT_MARGIN,
    ) -> None:
        self.threshold = threshold
        self.margin = margin
        labelled: list[tuple[str, str]] = []
        for name, definition in catalogue.items():
            for lang in LANGUAGES:
                labelled.extend((name, example) for example in definition.examples.get(lang, ()))
        for name, examples in (extra_examples or {}).items():
            labelled.extend((name, example) for example in examples)
        self._labels = [name for name, _ in labelled]
        self._intents = tuple(dict.fromkeys(self._labels))
        normalised = [normalise(text) for _, text in labelled]
        self.speller = Speller(word for n in normalised for word in n.folded)
        documents = [features(n.tokens, n.folded) for n in normalised]
        self._index = SimilarityIndex(documents)
        self._centroids = CentroidIndex(self._index, documents, self._labels)
        self._groups = LabelGroups(self._labels)
        assert self._centroids.labels == self._groups.names  # both score arrays index intents alike
        # intent → (words, placeholders, otherwise): see IntentDefinition.requires_any
        self._requirements: dict[str, tuple[frozenset[str], tuple[str, ...], str]] = {}
        for name, definition in catalogue.items():
            if definition.requires_any and definition.otherwise:
                words = frozenset(
                    fold(w.lower()) for w in definition.requires_any if not PLACEHOLDER_RE.fullmatch(w)
                )
                marks = tuple(w for w in definition.requires_any if PLACEHOLDER_RE.fullmatch(w))
                self._requirements[name] = (words, marks, definition.otherwise)

    @property
    def intents(self) -> tuple[str, ...]:
        return self._intents

    def prepare(self, text: str) -> PreparedText:
        """Normalise and typo-correct a message against the intents' vocabulary; count features."""
        return prepare(text, self.speller)

    def classify(self, text: str) -> Classification:
        """Score every intent and apply the out-of-scope threshold and the ambiguity margin."""
        prepared = self.prepare(text)
        documents, centroids = self._centroids.score(prepared.counts)
        best_arrays = self._groups.best_two_padded(documents)
        best, second = best_arrays[0].tolist(), best_arrays[1].tolist()
        # A dozen intents: plain float arithmetic beats seven numpy calls of fixed overhead, and
        # each operation is the same IEEE double operation, in the same order, as it was on arrays.
        scores = [
            min(1.0, NEIGHBOUR_SHARE * (b + SECOND_NEIGHBOUR_WEIGHT * s * b) + CENTROID_SHARE * c)
            for b, s, c in zip(best, second, centroids.tolist(), strict=True)
        ]
        # Only intents with an example sharing a feature with the message are ranked at all.
        ranking = tuple(self._groups.rank(scores, [b > 0.0 for b in best]))
        return self._decide(prepared, ranking)

    @staticmethod
    def _meets(message: NormalisedText, words: frozenset[str], marks: tuple[str, ...]) -> bool:
        return any(word in words for word in message.folded) or any(mark in message.text for mark in marks)

    def _decide(self, prepared: PreparedText, ranking: tuple[tuple[str, float], ...]) -> Classification:
        message = prepared.normalised
        in_scope = [(name, score) for name, score in ranking if name != OUT_OF_SCOPE]
        top_score = ranking[0][1] if ranking else 0.0
        if not ranking or ranking[0][0] == OUT_OF_SCOPE or top_score < self.threshold:
            best_in_scope = in_scope[0][1] if in_scope else 0.0
            confidence = max(top_score if ranking and ranking[0][0] == OUT_OF_SCOPE else 0.0,
                             1.0 - best_in_scope)
            return Classification(
                intent=OUT_OF_SCOPE,
                confidence=round(min(1.0, confidence), 4),
                language=message.language,
                ranking=tuple(in_scope[:3]),
                ambiguous=False,
                normalised=message,
                prepared=prepared,
                out_of_scope_score=round(dict(ranking).get(OUT_OF_SCOPE, 0.0), 4),
            )
        intent, score = in_scope[0]
        requirement = self._requirements.get(intent)
        if requirement is not None and not self._meets(message, requirement[0], requirement[1]):
            intent = requirement[2]
            score = max(score, dict(in_scope).get(intent, 0.0))
            in_scope = [(intent, score)] + [(n, s) for n, s in in_scope if n not in (intent, in_scope[0][0])]
        runner_up = in_scope[1][1] if len(in_scope) > 1 else 0.0
        ambiguous = runner_up >= self.threshold and score - runner_up < self.margin
        return Classification(
            intent=intent,
            confidence=round(score, 4),
            language=message.language,
            ranking=tuple(in_scope[:4]),
            ambiguous=ambiguous,
            normalised=message,
            prepared=prepared,
            out_of_scope_score=round(dict(ranking).get(OUT_OF_SCOPE, 0.0), 4),
        )
