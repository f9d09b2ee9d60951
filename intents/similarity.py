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

from intents.text import has_diacritics

Features = dict[str, float]

WORD_WEIGHT = 1.0
PAIR_WEIGHT = 0.8
ACCENT_WEIGHT = 0.4


def features(tokens: Sequence[str], folded: Sequence[str]) -> Counter[str]:
    """Raw feature counts of one normalised message (accented and folded token views)."""
    counts: Counter[str] = Counter()
    for word in folded:
        counts["w:" + word] += 1
    for left, right in zip(folded, folded[1:], strict=False):
        counts["b:" + left + "_" + right] += 1
    for token in tokens:
        if has_diacritics(token):
            counts["a:" + token] += 1
    return counts


def _group_weight(feature: str) -> float:
    prefix = feature[:2]
    if prefix == "w:":
        return WORD_WEIGHT
    if prefix == "b:":
        return PAIR_WEIGHT
    return ACCENT_WEIGHT


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
            for feature, weight in self._weigh(doc).items():
                postings[feature].append((doc_id, weight))
        self._postings = dict(postings)

    def _weigh(self, counts: Counter[str]) -> Features:
        """Sublinear tf × idf × feature-group weight, L2-normalised."""
        vector: Features = {}
        for feature, count in counts.items():
            idf = self._idf.get(feature, self._unknown_idf)
            vector[feature] = (1.0 + math.log(count)) * idf * _group_weight(feature)
        norm = math.sqrt(sum(w * w for w in vector.values()))
        if norm == 0.0:
            return {}
        return {feature: w / norm for feature, w in vector.items()}

    def knows(self, feature: str) -> bool:
        return feature in self._idf

    def query(self, counts: Counter[str]) -> dict[int, float]:
        """Cosine similarity of the query with every document that shares a feature."""
        scores: dict[int, float] = defaultdict(float)
        for feature, weight in self._weigh(counts).items():
            for doc_id, doc_weight in self._postings.get(feature, ()):
                scores[doc_id] += weight * doc_weight
        return scores
