"""TF-IDF cosine similarity over short labelled texts, with an inverted index for speed.

Both the intent classifier (examples → intent) and the knowledge base (paraphrases → passage)
are nearest-neighbour searches over a few hundred short texts, so they share this index.
Features of a message:
  ``w:`` folded words, ``b:`` folded word pairs (order carries meaning: "được sửa" ≠ "sửa giúp"),
  ``a:`` words as typed with diacritics, weighted lower: matching ignores diacritics but an exact
  match scores a little higher ("bán" vs "bạn").

Scoring runs on every chat message, and a typical question touches a few thousand postings (mood
and particle features are shared by most examples), so the postings are numpy arrays:

    query vector ── postings of its features, concatenated ── one np.bincount → score per document
                 ── LabelGroups: best two document scores per label (two row maxima) → ranking

``np.bincount`` adds each document's products one by one in posting order, the same additions in
the same order as the plain loop ``scores[doc] += weight * doc_weight``, so scores are bit-for-bit
what that loop gives. Every weight is positive, so a document scores above 0.0 exactly when it
shares a feature with the query; documents that share none score 0.0.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import chain, pairwise
from operator import itemgetter, mul
from typing import cast

import numpy as np
from numpy.typing import NDArray

from intents.text import has_diacritics

Features = dict[str, float]
Scores = NDArray[np.float64]

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


FeatureCounts = dict[str, int]


@lru_cache(maxsize=8192)
def _word_keys(word: str) -> tuple[str, ...]:
    """The keys one folded word adds by itself, in the order ``features`` adds them: ``p:word``
    for a particle, else ``w:word`` then the ``c:`` 4-grams of the ``#word#`` padded form.

    Memoised per word, like the speller's corrections (never per message): chat vocabulary
    repeats, and slicing the 4-grams was the largest part of ``features`` on every message.
    """
    if word in PARTICLES:
        return ("p:" + word,)
    keys = ["w:" + word]
    if len(word) >= CHAR_GRAM:
        padded = f"#{word}#"
        keys += ["c:" + padded[i : i + CHAR_GRAM] for i in range(len(padded) - CHAR_GRAM + 1)]
    return tuple(keys)


def features(tokens: Sequence[str], folded: Sequence[str]) -> FeatureCounts:
    """Raw feature counts of one normalised message (accented and folded token views).

    Prefixes: ``w:`` word, ``p:`` particle word, ``b:`` word pair, ``q:`` particle-only pair,
    ``a:`` accented word, ``c:`` character 4-gram of a longer word, ``m:`` sentence mood.
    Keys are inserted in a fixed order (words with their 4-grams, pairs, accents, mood): the
    weighing and scoring add floats in this order, so it is part of the result, bit for bit.
    A plain dict with ``get`` rather than a Counter: Counter's ``+= 1`` on a new key goes
    through a Python-level ``__missing__``, and this runs on every message.
    """
    counts: FeatureCounts = {}
    get = counts.get
    for word in folded:
        for key in _word_keys(word):
            counts[key] = get(key, 0) + 1
    for left, right in pairwise(folded):
        prefix = "q" if left in PARTICLES and right in PARTICLES else "b"
        key = f"{prefix}:{left}_{right}"
        counts[key] = get(key, 0) + 1
    for token in tokens:
        if has_diacritics(token):
            key = "a:" + token
            counts[key] = get(key, 0) + 1
    sentence_mood = mood(folded)
    if sentence_mood is not None:
        key = "m:" + sentence_mood
        counts[key] = get(key, 0) + 1
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


#: Per known feature: (weight of one occurrence, idf, group weight); see ``SimilarityIndex``.
_Term = tuple[float, float, float]
#: A feature's term, then the ids, weights and count of the rows that have it.
_Entry = tuple[float, float, float, NDArray[np.intp], Scores, int]
#: A query feature found in the postings: its query weight, then the postings' ids, weights, count.
_Hit = tuple[float, NDArray[np.intp], Scores, int]


class _Postings:
    """Feature → its weighing term and the (row ids, weights, count) of the rows that have it; a
    query's dot product with every row in one bincount. The arrays are views into two flat
    arrays (one build-time copy). Keeping the term beside the postings lets ``score`` weigh a
    message and find its postings with one dictionary lookup per feature."""

    def __init__(
        self, rows: Iterable[Mapping[str, float]], size: int, terms: Mapping[str, _Term], unknown_idf: float
    ) -> None:
        self.size = size
        self._unknown_idf = unknown_idf
        ids: dict[str, list[int]] = defaultdict(list)
        weights: dict[str, list[float]] = defaultdict(list)
        for row_id, row in enumerate(rows):
            for feature, weight in row.items():
                ids[feature].append(row_id)
                weights[feature].append(weight)
        all_ids = np.array(list(chain.from_iterable(ids.values())), dtype=np.intp)
        all_weights = np.array(list(chain.from_iterable(weights.values())), dtype=np.float64)
        self._entries: dict[str, _Entry] = {}
        start = 0
        for feature, row_ids in ids.items():
            end = start + len(row_ids)
            postings = (all_ids[start:end], all_weights[start:end], len(row_ids))
            self._entries[feature] = (*terms[feature], *postings)
            start = end

    def score(self, counts: Mapping[str, int]) -> Scores:
        """Σ query weight × row weight over shared features, for every row (0.0 if none shared),
        with the query weighed as ``SimilarityIndex.weigh`` weighs it, in one pass over its features.

        The same weights in the same order (see ``SimilarityIndex.weigh``); only the division by
        the norm moves into numpy, which divides each weight by it exactly as Python does
        (IEEE division, correctly rounded), so every score is the same float.
        """
        get = self._entries.get
        weights: list[float] = []  # every weight, in feature order, for the norm
        hits: list[_Hit] = []  # the weights of features with postings
        for feature, count in counts.items():
            found = get(feature)
            if found is None:
                group = feature[:2]
                if group in _PENALISED_WHEN_UNKNOWN:
                    weights.append((1.0 + math.log(count)) * self._unknown_idf * _GROUP_WEIGHTS[group])
                continue
            weight = found[0] if count == 1 else (1.0 + math.log(count)) * found[1] * found[2]
            weights.append(weight)
            hits.append((weight, found[3], found[4], found[5]))
        if not hits:  # also the only way the norm can be 0.0: every weight is positive
            return np.zeros(self.size)
        return self._sum(hits, math.sqrt(sum(map(mul, weights, weights))))

    def _sum(self, hits: list[_Hit], norm: float) -> Scores:
        """One bincount over the hits' postings, in hit order, each times its weight / norm.

        Each numpy call costs microseconds of fixed overhead here, more than the arithmetic on a
        few thousand postings, so ``zip`` turns the hits into columns in one step and numpy
        sees two concatenations, the query weights repeated once per posting, a multiplication
        and the bincount.
        """
        query_weights, ids, weights, lengths = zip(*hits, strict=True)
        products = np.concatenate(weights)  # a new array, so multiplying in place is safe
        products *= (np.array(query_weights) / norm).repeat(np.array(lengths))
        summed = np.bincount(np.concatenate(ids), weights=products, minlength=self.size)
        return cast(Scores, summed)  # float64 with weights; numpy's stub says intp either way


class SimilarityIndex:
    """Cosine similarity of a query against every stored document, via postings lists."""

    def __init__(self, documents: Sequence[Mapping[str, int]]) -> None:
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
        # Per known feature: (weight of one occurrence, idf, group weight). One occurrence weighs
        # (1.0 + log 1) × idf × group = idf × group exactly (log 1 is 0.0, 1.0 × idf is idf), so
        # that product is made once here; counts above one multiply in the same order as ever.
        self._terms = {
            feature: (idf * _GROUP_WEIGHTS[feature[:2]], idf, _GROUP_WEIGHTS[feature[:2]])
            for feature, idf in self._idf.items()
        }
        # One row more than there are documents: row ``size`` has no postings, so it always
        # scores 0.0. That is the padding slot ``LabelGroups.best_two_padded`` reads, which
        # spares a copy of the scores per query (``np.append``) just to add that 0.0.
        self._postings = _Postings(
            (self.weigh(doc) for doc in documents), self.size + 1, self._terms, self._unknown_idf
        )

    def weigh(self, counts: Mapping[str, int]) -> Features:
        """Sublinear tf × idf × feature-group weight, L2-normalised.

        Every weight is ((1 + log count) × idf) × group weight, multiplied in that order, and the
        norm sums the squares in feature order with the builtin ``sum`` (left to right on
        Python 3.11): callers rely on the vectors being bit-for-bit stable.
        """
        terms = self._terms
        vector: Features = {}
        for feature, count in counts.items():
            term = terms.get(feature)
            if term is None:
                group = feature[:2]
                if group not in _PENALISED_WHEN_UNKNOWN:
                    continue
                vector[feature] = (1.0 + math.log(count)) * self._unknown_idf * _GROUP_WEIGHTS[group]
            elif count == 1:
                vector[feature] = term[0]
            else:
                vector[feature] = (1.0 + math.log(count)) * term[1] * term[2]
        weights = vector.values()
        norm = math.sqrt(sum(map(mul, weights, weights)))
        if norm == 0.0:
            return {}
        return {feature: w / norm for feature, w in vector.items()}

    def knows(self, feature: str) -> bool:
        return feature in self._idf

    def score(self, counts: Mapping[str, int]) -> Scores:
        """Cosine similarity of the message with every document, indexed by document id, then the
        padding slot's 0.0 (see ``LabelGroups.best_two_padded``)."""
        return self._postings.score(counts)


class CentroidIndex:
    """Cosine similarity of a query with each label's centroid (mean of its example vectors).

    Nearest neighbour alone favours the label with the most examples (more chances of one lucky
    match); the centroid captures the words typical of a label as a whole and evens that out.
    Centroid scores are indexed like ``labels`` (distinct labels in order of first appearance), the
    order ``LabelGroups`` uses too. The documents' postings are kept beside the centroids', so a
    caller that needs both (the classifier) gets them from one bincount.
    """

    def __init__(
        self, index: SimilarityIndex, documents: Sequence[Mapping[str, int]], labels: Sequence[str]
    ) -> None:
        self._index = index
        weighed = [index.weigh(doc) for doc in documents]
        sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for vector, label in zip(weighed, labels, strict=True):
            total = sums[label]  # every label gets a row, also one whose examples share no known feature
            for feature, weight in vector.items():
                total[feature] += weight
        self.labels = tuple(sums)
        centroids = []
        for vector in sums.values():
            norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
            centroids.append({feature: weight / norm for feature, weight in vector.items()})
        # Rows 0 … size-1 are the documents (as in ``index``), then the padding slot (an empty
        # row, always 0.0, as in ``index``), then one row per centroid.
        self._postings = _Postings(
            [*weighed, {}, *centroids], index.size + 1 + len(self.labels), index._terms, index._unknown_idf
        )

    def score(self, counts: Mapping[str, int]) -> tuple[Scores, Scores]:
        """(every document's score as ``index.score`` gives it, padding slot included, every
        centroid's score), from one bincount: the classifier weighs and scores once for both."""
        return self._split(self._postings.score(counts))

    def _split(self, both: Scores) -> tuple[Scores, Scores]:
        return both[: self._index.size + 1], both[self._index.size + 1 :]


class LabelGroups:
    """Documents grouped by label: each label's best two document scores, and labels ranked.

    A label scores by its best document plus a little of the second best. Each label's documents
    make one row of a padded matrix whose padding reads an extra 0.0 score, so the best two of
    every label are two row maxima: the best, then the best once one copy of it is set to 0.0.
    That is exactly "largest and second largest": two documents that tie give second == best, a
    label with one document (or only one that shares a feature) has second 0.0, and a label whose
    documents share nothing with the query has best 0.0, which callers leave out of the ranking.
    """

    def __init__(self, labels: Sequence[str]) -> None:
        self.names = tuple(dict.fromkeys(labels))
        row_of = {name: row for row, name in enumerate(self.names)}
        rows: list[list[int]] = [[] for _ in self.names]
        for doc_id, label in enumerate(labels):
            rows[row_of[label]].append(doc_id)
        width = max((len(row) for row in rows), default=1)
        padding = len(labels)  # the index of the 0.0 appended to every score array
        self._rows = np.array(
            [row + [padding] * (width - len(row)) for row in rows], dtype=np.intp
        ).reshape(len(rows), width)
        self._row_ids = np.arange(len(rows))
        self._by_name = sorted(range(len(self.names)), key=self.names.__getitem__)

    def best_two_padded(self, padded: Scores) -> tuple[Scores, Scores]:
        """(best, second best) document score of every label, indexed like ``names``, from the
        document scores followed by one 0.0, the padding slot the grid reads (as
        ``SimilarityIndex.score`` returns them): no copy of the scores to add that 0.0."""
        grid = padded[self._rows]
        top = grid.argmax(axis=1)
        best = grid[self._row_ids, top]
        grid[self._row_ids, top] = 0.0
        return best, grid.max(axis=1)

    def rank(
        self, scores: Sequence[float], present: Sequence[bool], limit: int | None = None
    ) -> list[tuple[str, float]]:
        """The ``present`` labels with their scores, highest first, ties by name; ``[:limit]``.

        Plain lists: callers combine a few dozen scores in Python. The labels are taken in name
        order and sorted by score alone: Python's sort is stable, also with ``reverse=True``, so
        equal scores keep name order, the same ranking as sorting by (-score, name) without a key
        tuple per label.
        """
        names = self.names
        pairs = [(names[row], scores[row]) for row in self._by_name if present[row]]
        pairs.sort(key=itemgetter(1), reverse=True)
        return pairs[:limit]
