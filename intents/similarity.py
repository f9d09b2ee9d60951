"""TF-IDF cosine similarity over short labelled texts, with an inverted index for speed.

Both the intent classifier (examples → intent) and the knowledge base (paraphrases → passage)
are nearest-neighbour searches over a few hundred short texts, so they share this index.
Features of a message:
  ``w:`` folded words, ``b:`` folded word pairs (order carries meaning: "được sửa" ≠ "sửa giúp"),
  ``a:`` words as typed with diacritics, weighted lower: matching ignores diacritics but an exact
  match scores a little higher ("bán" vs "bạn").
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import pairwise

from intents.text import has_diacritics

Features = dict[str, float]

WORD_WEIGHT = 1.0
PAIR_WEIGHT = 0.8
ACCENT_WEIGHT = 0.4
#: Forms of address and sentence particles ("ad ơi", "ạ", "nhé", "my", "the") say little about
#: what the customer wants; they weigh less so "ad ơi đơn hàng của e đâu" is about the order.
PARTICLE_WEIGHT = 0.3
#: Character 4-grams catch word forms and slips the speller leaves ("damaged"/"damage").
CHAR_WEIGHT = 0.25
CHAR_GRAM = 4

PARTICLES = frozenset(
    [
        "oi", "a", "ah", "ak", "nhe", "nha", "nhi", "ne", "di", "vay", "ha", "hu", "huhu", "hic",
        "ad", "admin", "shop", "em", "minh", "toi", "tui", "ban", "anh", "chi", "voi", "giup",
        "cho", "xin", "da", "i", "me", "my", "you", "your", "the", "a", "an", "to", "is", "are",
        "am", "do", "does", "please", "can", "could", "would", "it", "this", "that", "of"
    ]
)


#: Sentence mood: asking whether something is allowed reads as a question ("có được sửa không",
#: "am I allowed"), asking the shop to do it reads as a request ("sửa giúp em", "please fix").
#: The policy/action distinction rests on it, so the mood is a feature of its own.
MOOD_WEIGHT = 1.5
_QUESTION_ENDINGS = frozenset({"khong", "chua", "chu", "sao", "nhi", "ha", "hong"})
_QUESTION_OPENINGS = frozenset(
    {"can", "may", "am", "is", "are", "do", "does", "will", "would", "should", "how", "what", "why", "who"}
)
_REQUEST_WORDS = frozenset({"giup", "nho", "please", "hay", "giùm", "gium", "dum"})
_REQUEST_ENDINGS = frozenset({"di", "voi", "nhe", "nha"})


def mood(folded: Sequence[str]) -> str | None:
    """'question', 'request' or None, from sentence particles and word order."""
    if not folded:
        return None
    if any(word in _REQUEST_WORDS for word in folded) or folded[-1] in _REQUEST_ENDINGS:
        return "request"
    if folded[-1] in _QUESTION_ENDINGS or folded[0] in _QUESTION_OPENINGS:
        return "question"
    return None


def features(tokens: Sequence[str], folded: Sequence[str]) -> Counter[str]:
    """Raw feature counts of one normalised message (accented and folded token views).

    Prefixes: ``w:`` word, ``p:`` particle word, ``b:`` word pair, ``q:`` particle-only pair,
    ``a:`` accented word, ``c:`` character 4-gram of a longer word.
    """
    counts: Counter[str] = Counter()
    for word in folded:
        if word in PARTICLES:
            counts["p:" + word] += 1
            continue
        counts["w:" + word] += 1
        if len(word) >= CHAR_GRAM:
            padded = f"#{word}#"
            for i in range(len(padded) - CHAR_GRAM + 1):
                counts["c:" + padded[i : i + CHAR_GRAM]] += 1
    for left, right in pairwise(folded):
        prefix = "q:" if left in PARTICLES and right in PARTICLES else "b:"
        counts[prefix + left + "_" + right] += 1
    for token in tokens:
        if has_diacritics(token):
            counts["a:" + token] += 1
    sentence_mood = mood(folded)
    if sentence_mood is not None:
        counts["m:" + sentence_mood] += 1
    return counts


_GROUP_WEIGHTS = {
    "w:": WORD_WEIGHT,
    "p:": PARTICLE_WEIGHT,
    "b:": PAIR_WEIGHT,
    "q:": PARTICLE_WEIGHT,
    "a:": ACCENT_WEIGHT,
    "c:": CHAR_WEIGHT,
    "m:": MOOD_WEIGHT,
}
#: Only unknown words lower a query's similarity; unseen pairs, accents and n-grams are expected.
_PENALISED_WHEN_UNKNOWN = frozenset({"w:"})


class SimilarityIndex:
    """Cosine similarity of a query against every stored document, via postings lists."""

    def __init__(self, documents: Sequence[Counter[str]]) -> None:
        self.size = len(documents)
        document_frequency: Counter[str] = Counter()
        for doc in documents:
            document_frequency.update(doc.keys())
        self._idf = {
            feature: math.log((1 + self.size) / (1 + df)) + 1.0
            for feature, df in document_frequency.items()
        }
        # A feature never seen in training is as rare as can be: it still counts in the query's
        # norm, so a message full of unknown words ("thời tiết hà nội") scores low everywhere.
        self._unknown_idf = math.log(1 + self.size) + 1.0
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for doc_id, doc in enumerate(documents):
            for feature, weight in self.weigh(doc).items():
                postings[feature].append((doc_id, weight))
        self._postings = dict(postings)

    def weigh(self, counts: Counter[str]) -> Features:
        """Sublinear tf × idf × feature-group weight, L2-normalised."""
        vector: Features = {}
        for feature, count in counts.items():
            idf = self._idf.get(feature)
            if idf is None:
                if feature[:2] not in _PENALISED_WHEN_UNKNOWN:
                    continue
                idf = self._unknown_idf
            vector[feature] = (1.0 + math.log(count)) * idf * _GROUP_WEIGHTS[feature[:2]]
        norm = math.sqrt(sum(w * w for w in vector.values()))
        if norm == 0.0:
            return {}
        return {feature: w / norm for feature, w in vector.items()}

    def knows(self, feature: str) -> bool:
        return feature in self._idf

    def query(self, counts: Counter[str]) -> dict[int, float]:
        """Cosine similarity of the query with every document that shares a feature."""
        scores: dict[int, float] = defaultdict(float)
        for feature, weight in self.weigh(counts).items():
            for doc_id, doc_weight in self._postings.get(feature, ()):
                scores[doc_id] += weight * doc_weight
        return scores


class CentroidIndex:
    """Cosine similarity of a query with each label's centroid (mean of its example vectors).

    Nearest neighbour alone favours the label with the most examples (more chances of one lucky
    match); the centroid captures the words typical of a label as a whole and evens that out.
    """

    def __init__(
        self, index: SimilarityIndex, documents: Sequence[Counter[str]], labels: Sequence[str]
    ) -> None:
        self._index = index
        sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for doc, label in zip(documents, labels, strict=True):
            for feature, weight in index.weigh(doc).items():
                sums[label][feature] += weight
        postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for label, vector in sums.items():
            norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
            for feature, weight in vector.items():
                postings[feature].append((label, weight / norm))
        self._postings = dict(postings)

    def query(self, counts: Counter[str]) -> dict[str, float]:
        scores: dict[str, float] = defaultdict(float)
        for feature, weight in self._index.weigh(counts).items():
            for label, centroid_weight in self._postings.get(feature, ()):
                scores[label] += weight * centroid_weight
        return scores
