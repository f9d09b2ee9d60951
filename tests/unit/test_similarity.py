"""The numpy scoring in intents.similarity against the plain Python loops it replaced.

A small hand-made index covers the cases the vectorised code must keep: documents that share no
feature with the query (score 0.0, their label is not ranked), two documents of one label that
tie (second best == best), a label with a single document (second best 0.0), and an unknown
query word that lowers every score. Results must be equal, not just close: the bot's answers and
the evaluation figures depend on them.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import pairwise

import numpy as np
import pytest

from intents.similarity import (
    _GROUP_WEIGHTS,
    _PENALISED_WHEN_UNKNOWN,
    CHAR_GRAM,
    PARTICLES,
    CentroidIndex,
    Features,
    LabelGroups,
    SimilarityIndex,
    features,
    mood,
)
from intents.text import fold, has_diacritics

DOCUMENTS = [
    Counter({"w:sua": 1, "w:thong": 1, "m:question": 1}),
    Counter({"w:sua": 2, "w:tin": 1, "c:#sua": 1}),
    Counter({"w:ban": 1, "w:thong": 1, "m:question": 1}),
    Counter({"w:ban": 1, "w:thong": 1, "m:question": 1}),  # the same text twice: a tie
    Counter({"w:huy": 1, "b:huy_email": 1, "p:ad": 1}),  # the only document of its label
    Counter({"w:giao": 1, "w:hang": 1}),  # shares nothing with the query below
    Counter({"w:giao": 1, "a:giao": 1}),
]
LABELS = ["correct", "correct", "sell", "sell", "opt_out", "delivery", "delivery"]
QUERY = Counter({"w:sua": 1, "w:thong": 1, "m:question": 1, "w:huy": 1, "w:xyz": 1, "b:sua_thong": 1})


def loop_scores(vectors: list[Features], query: Features) -> dict[int, float]:
    """The replaced code: walk the query's features, add weight × weight per sharing document."""
    scores: dict[int, float] = {}
    for feature, weight in query.items():
        for row, vector in enumerate(vectors):
            if feature in vector:
                scores[row] = scores.get(row, 0.0) + weight * vector[feature]
    return scores


def loop_best_two(scores: dict[int, float], labels: list[str]) -> dict[str, tuple[float, float]]:
    """The replaced code: best and second-best score per label, over scored documents only."""
    best: dict[str, list[float]] = {}
    for doc_id, score in scores.items():
        top = best.setdefault(labels[doc_id], [0.0, 0.0])
        if score > top[0]:
            top[1], top[0] = top[0], score
        elif score > top[1]:
            top[1] = score
    return {label: (top[0], top[1]) for label, top in best.items()}


@pytest.fixture(scope="module")
def index() -> SimilarityIndex:
    return SimilarityIndex(DOCUMENTS)


def test_query_equals_the_postings_loop(index: SimilarityIndex) -> None:
    expected = loop_scores([index.weigh(doc) for doc in DOCUMENTS], index.weigh(QUERY))
    padded = index.score(QUERY)
    assert padded[-1] == 0.0  # the padding slot
    scores = padded[:-1]
    assert scores.shape == (len(DOCUMENTS),)
    assert scores.tolist() == [expected.get(doc_id, 0.0) for doc_id in range(len(DOCUMENTS))]
    assert set(np.flatnonzero(scores > 0.0).tolist()) == set(expected) == {0, 1, 2, 3, 4}


def test_a_query_sharing_nothing_scores_zero_everywhere(index: SimilarityIndex) -> None:
    assert index.score(Counter({"w:unknown": 1})).tolist() == [0.0] * (len(DOCUMENTS) + 1)
    assert index.score(Counter()).tolist() == [0.0] * (len(DOCUMENTS) + 1)


def test_best_two_per_label_equals_the_loop(index: SimilarityIndex) -> None:
    groups = LabelGroups(LABELS)
    expected = loop_best_two(loop_scores([index.weigh(doc) for doc in DOCUMENTS], index.weigh(QUERY)), LABELS)
    best, second = groups.best_two_padded(index.score(QUERY))
    got = {name: (b, s) for name, b, s in zip(groups.names, best.tolist(), second.tolist(), strict=True)}
    assert groups.names == ("correct", "sell", "opt_out", "delivery")
    assert {name: top for name, top in got.items() if top[0] > 0.0} == expected
    assert got["delivery"] == (0.0, 0.0)  # nothing shared: not ranked at all
    assert got["sell"][0] == got["sell"][1] > 0.0  # two documents tie: second == best
    assert got["opt_out"][0] > 0.0 and got["opt_out"][1] == 0.0  # one document: second 0.0
    assert got["correct"][0] > got["correct"][1] > 0.0


def test_ranking_equals_sorting_the_loop_result(index: SimilarityIndex) -> None:
    groups = LabelGroups(LABELS)
    best_array, second_array = groups.best_two_padded(index.score(QUERY))
    best, second = best_array.tolist(), second_array.tolist()
    combined = [b + 0.25 * s * b for b, s in zip(best, second, strict=True)]
    present = [b > 0.0 for b in best]
    expected = loop_best_two(loop_scores([index.weigh(doc) for doc in DOCUMENTS], index.weigh(QUERY)), LABELS)
    reference = sorted(
        ((label, top[0] + 0.25 * top[1] * top[0]) for label, top in expected.items()),
        key=lambda item: (-item[1], item[0]),
    )
    assert groups.rank(combined, present) == reference
    assert groups.rank(combined, present, limit=2) == reference[:2]
    assert all(isinstance(score, float) for _, score in groups.rank(combined, present))


def test_equal_scores_rank_by_name() -> None:
    groups = LabelGroups(["b", "c", "a", "d"])
    scores = [0.5, 0.7, 0.5, 0.0]
    assert groups.rank(scores, [score > 0.0 for score in scores]) == [("c", 0.7), ("a", 0.5), ("b", 0.5)]


@pytest.mark.parametrize("seed", range(20))
def test_best_two_on_random_scores_with_ties_and_gaps(seed: int) -> None:
    rng = random.Random(seed)
    names = [f"label{i}" for i in range(rng.randint(1, 8))]
    labels = [rng.choice(names) for _ in range(rng.randint(1, 40))]
    # Few distinct values, so ties are common; zeros are documents that shared no feature.
    values = [rng.choice([0.0, 0.1, 0.25, 0.5, 0.5, 0.9, rng.random()]) for _ in labels]
    groups = LabelGroups(labels)
    best, second = groups.best_two_padded(np.array([*values, 0.0]))
    expected = loop_best_two({i: v for i, v in enumerate(values) if v > 0.0}, labels)
    got = {name: (b, s) for name, b, s in zip(groups.names, best.tolist(), second.tolist(), strict=True)}
    assert {name: top for name, top in got.items() if top[0] > 0.0} == expected
    assert all(top == (0.0, 0.0) for name, top in got.items() if name not in expected)


def plain_centroids(
    index: SimilarityIndex, documents: Sequence[Mapping[str, int]], labels: list[str]
) -> dict[str, Features]:
    """Each label's centroid the plain way: the sum of its weighed documents, L2-normalised."""
    sums: dict[str, dict[str, float]] = {}
    for doc, label in zip(documents, labels, strict=True):
        total = sums.setdefault(label, {})
        for feature, weight in index.weigh(doc).items():
            total[feature] = total.get(feature, 0.0) + weight
    centroids = {}
    for label, total in sums.items():
        norm = math.sqrt(sum(w * w for w in total.values())) or 1.0
        centroids[label] = {feature: w / norm for feature, w in total.items()}
    return centroids


def test_centroid_scores_equal_the_plain_computation(index: SimilarityIndex) -> None:
    centroids = CentroidIndex(index, DOCUMENTS, LABELS)
    vectors = list(plain_centroids(index, DOCUMENTS, LABELS).values())
    expected = loop_scores(vectors, index.weigh(QUERY))

    documents, centroid = centroids.score(QUERY)
    assert centroids.labels == LabelGroups(LABELS).names
    assert centroid.tolist() == [expected.get(row, 0.0) for row in range(len(vectors))]
    assert documents.tolist() == index.score(QUERY).tolist()


def counter_features(tokens: list[str], folded: list[str]) -> Counter[str]:
    """The replaced features(): a Counter filled feature group by feature group."""
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


def formula_weigh(index: SimilarityIndex, counts: Counter[str]) -> Features:
    """The replaced weigh(): ((1 + log count) × idf) × group weight, then divided by the L2 norm."""
    vector: Features = {}
    for feature, count in counts.items():
        idf = index._idf.get(feature)
        if idf is None:
            if feature[:2] not in _PENALISED_WHEN_UNKNOWN:
                continue
            idf = index._unknown_idf
        vector[feature] = (1.0 + math.log(count)) * idf * _GROUP_WEIGHTS[feature[:2]]
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {feature: w / norm for feature, w in vector.items()} if norm else {}


WORDS = ["sửa", "thông", "tin", "ơi", "ad", "không", "giúp", "đơn", "hàng", "khoản", "nhé", "shop",
         "unsubscribe", "my", "data", "bán", "bạn", "xyzzy", "giao", "please", "can", "khong"]


@pytest.mark.parametrize("seed", range(30))
def test_features_and_weights_equal_the_plain_reference(seed: int) -> None:
    """Same keys, counts and key order (the order of float additions downstream), same weights."""
    rng = random.Random(seed)
    texts = [[rng.choice(WORDS) for _ in range(rng.randint(0, 12))] for _ in range(25)]
    documents = [features(tokens, [fold(t) for t in tokens]) for tokens in texts[:20]]
    index = SimilarityIndex(documents)
    for tokens in texts:
        folded = [fold(t) for t in tokens]
        got = features(tokens, folded)
        expected = counter_features(tokens, folded)
        assert list(got.items()) == list(expected.items())
        weighed, reference = index.weigh(got), formula_weigh(index, expected)
        assert list(weighed.items()) == list(reference.items())


@pytest.mark.parametrize("seed", range(20))
def test_scoring_paths_equal_the_loops_on_random_indexes(seed: int) -> None:
    """score (of the index and of the centroids) and best_two_padded against the plain loops,
    on random documents and queries: equal floats, and the padding slot is always 0.0."""
    rng = random.Random(seed)
    texts = [[rng.choice(WORDS) for _ in range(rng.randint(0, 10))] for _ in range(rng.randint(2, 30))]
    documents = [features(tokens, [fold(t) for t in tokens]) for tokens in texts]
    labels = [rng.choice("abcde") for _ in documents]
    index = SimilarityIndex(documents)
    centroids = CentroidIndex(index, documents, labels)
    groups = LabelGroups(labels)
    vectors = [index.weigh(doc) for doc in documents]
    centroid_vectors = plain_centroids(index, documents, labels)
    for _ in range(10):
        tokens = [rng.choice(WORDS) for _ in range(rng.randint(0, 10))]
        counts = features(tokens, [fold(t) for t in tokens])
        query = index.weigh(counts)
        expected = loop_scores(vectors, query)
        expected_list = [expected.get(doc_id, 0.0) for doc_id in range(len(documents))]
        padded = index.score(counts)  # weighed and scored in one pass
        assert padded.tolist() == [*expected_list, 0.0]
        assert centroids.labels == groups.names  # centroid scores are indexed like the groups
        padded_documents, centroid = centroids.score(counts)
        assert padded_documents.tolist() == padded.tolist()
        in_order = [centroid_vectors[label] for label in centroids.labels]
        expected_centroids = loop_scores(in_order, query)
        assert centroid.tolist() == [expected_centroids.get(row, 0.0) for row in range(len(in_order))]
        best, second = groups.best_two_padded(padded)
        top = loop_best_two(expected, labels)
        got = {name: (b, s) for name, b, s in zip(groups.names, best.tolist(), second.tolist(), strict=True)}
        assert {name: pair for name, pair in got.items() if pair[0] > 0.0} == top


@pytest.mark.parametrize("seed", range(20))
def test_rank_equals_sorting_by_score_then_name(seed: int) -> None:
    rng = random.Random(seed)
    names = rng.sample([f"label{i:02d}" for i in range(40)], rng.randint(1, 30))
    groups = LabelGroups(names)
    scores = [rng.choice([0.2, 0.5, 0.5, 1.0, rng.random()]) for _ in names]  # many ties
    present = [rng.random() < 0.8 for _ in names]
    reference = sorted(
        ((name, score) for name, score, chosen in zip(names, scores, present, strict=True) if chosen),
        key=lambda pair: (-pair[1], pair[0]),
    )
    assert groups.rank(scores, present) == reference
    assert groups.rank(scores, present, limit=3) == reference[:3]
    assert groups.rank(scores, present, limit=6) == reference[:6]


def test_a_label_whose_examples_have_no_features_keeps_its_place_among_the_centroids() -> None:
    documents = [Counter(), Counter({"w:sua": 1}), Counter({"w:ban": 1})]  # e.g. an example of only "?!"
    labels = ["empty", "correct", "sell"]
    index = SimilarityIndex(documents)
    centroids = CentroidIndex(index, documents, labels)
    assert centroids.labels == LabelGroups(labels).names == ("empty", "correct", "sell")
    _, centroid = centroids.score(Counter({"w:sua": 1}))
    assert centroid.tolist()[0] == 0.0 and centroid.tolist()[1] > 0.0 and centroid.tolist()[2] == 0.0
