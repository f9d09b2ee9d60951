"""Scoring of the understanding layer against a labelled held-out set.

The set (``tests/data/understanding_eval.tsv``) has lines ``text<TAB>intent<TAB>section``;
lines starting with '#' are comments and the first other line is the header. This module only
counts: the caller runs the model and hands over predictions, so it stays free of ``knowledge``.

Honest coverage is measured by two figures besides the per-intent ones:
- answer precision: of the messages given a policy passage (policy_question with a section),
  the share whose expected label is that policy section; a passage given for a question the
  policy does not address (expected policy_uncovered) or for anything else counts against it.
- uncovered precision and recall: policy_uncovered as a class.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from intents.catalogue import OUT_OF_SCOPE, POLICY_QUESTION, POLICY_UNCOVERED


@dataclass(frozen=True)
class EvalCase:
    text: str
    intent: str
    section: int | None


@dataclass(frozen=True)
class Prediction:
    intent: str
    section: int | None


@dataclass(frozen=True)
class IntentMetrics:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Report:
    """Everything the benchmark prints."""

    total: int
    intent_accuracy: float
    section_accuracy: float  # of policy questions recognised as such, the right section
    section_accuracy_end_to_end: float  # of all policy questions, right intent and section
    oos_precision: float
    oos_recall: float
    uncovered_precision: float
    uncovered_recall: float
    answer_precision: float  # of policy passages given, the share that answer the expected section
    answers_given: int
    per_intent: dict[str, IntentMetrics]
    confusions: list[tuple[str, str, int]]
    errors: list[tuple[str, str, str]] = field(default_factory=list)


def read_eval_set(path: Path) -> list[EvalCase]:
    """Parse the TSV, skipping comments, the header and blank lines."""
    cases: list[EvalCase] = []
    header_seen = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not header_seen:
            header_seen = True
            if line.split("\t")[:2] == ["text", "intent"]:
                continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise ValueError(f"bad evaluation line: {line!r}")
        section_field = parts[2].strip() if len(parts) > 2 else ""
        section = int(section_field) if section_field else None
        cases.append(EvalCase(text=parts[0], intent=parts[1].strip(), section=section))
    return cases


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def score(cases: Sequence[EvalCase], predictions: Sequence[Prediction]) -> Report:
    """Accuracy, per-intent P/R/F1, confusions, section accuracy and out-of-scope P/R."""
    if len(cases) != len(predictions):
        raise ValueError("one prediction per case is required")
    correct = sum(c.intent == p.intent for c, p in zip(cases, predictions, strict=True))
    labels = sorted({c.intent for c in cases} | {p.intent for p in predictions})
    per_intent: dict[str, IntentMetrics] = {}
    for label in labels:
        tp = sum(c.intent == label and p.intent == label for c, p in zip(cases, predictions, strict=True))
        predicted = sum(p.intent == label for p in predictions)
        actual = sum(c.intent == label for c in cases)
        precision, recall = _ratio(tp, predicted), _ratio(tp, actual)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_intent[label] = IntentMetrics(precision, recall, f1, actual)
    confusion = Counter(
        (c.intent, p.intent) for c, p in zip(cases, predictions, strict=True) if c.intent != p.intent
    )
    policy = [(c, p) for c, p in zip(cases, predictions, strict=True) if c.intent == POLICY_QUESTION]
    recognised = [(c, p) for c, p in policy if p.intent == POLICY_QUESTION]
    oos = per_intent.get(OUT_OF_SCOPE, IntentMetrics(0.0, 0.0, 0.0, 0))
    uncovered = per_intent.get(POLICY_UNCOVERED, IntentMetrics(0.0, 0.0, 0.0, 0))
    answered = [(c, p) for c, p in zip(cases, predictions, strict=True)
                if p.intent == POLICY_QUESTION and p.section is not None]
    right_answers = sum(c.intent == POLICY_QUESTION and c.section == p.section for c, p in answered)
    errors = [
        (c.text, f"{c.intent}/{c.section}", f"{p.intent}/{p.section}")
        for c, p in zip(cases, predictions, strict=True)
        if c.intent != p.intent or (c.intent == POLICY_QUESTION and c.section != p.section)
    ]
    return Report(
        total=len(cases),
        intent_accuracy=_ratio(correct, len(cases)),
        section_accuracy=_ratio(sum(c.section == p.section for c, p in recognised), len(recognised)),
        section_accuracy_end_to_end=_ratio(sum(c.section == p.section for c, p in recognised), len(policy)),
        oos_precision=oos.precision,
        oos_recall=oos.recall,
        uncovered_precision=uncovered.precision,
        uncovered_recall=uncovered.recall,
        answer_precision=_ratio(right_answers, len(answered)),
        answers_given=len(answered),
        per_intent=per_intent,
        confusions=sorted(((g, p, n) for (g, p), n in confusion.items()), key=lambda x: (-x[2], x[0], x[1])),
        errors=errors,
    )


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (fraction in 0..1) of a non-empty sequence."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
