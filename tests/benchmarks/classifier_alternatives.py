"""The current classifier beside scikit-learn linear models, on the same held-out set, in one run.

    python -m tests.benchmarks.classifier_alternatives [--data tests/data/understanding_eval.tsv]

Issue #16: a small model that a package ships (nothing downloaded at run time) is kept only if it
understands better than the current classifier within the latency target (p99 ≤ 5 ms). Rows:

- ``understander``: the project's ``Understander`` exactly as ``rosee-support bench-understanding``
  scores intents (entities masked, greetings/follow-ups/clauses, knowledge-base examples).
- ``nn-classifier``: its ``IntentClassifier`` alone on the masked text (what a model would replace).
- ``tfidf-char+lr`` / ``tfidf-char+svc`` / ``tfidf-word+char+svc``: TF-IDF (char_wb 2–5, plus word
  1–2 for the union) with LogisticRegression or LinearSVC, trained at load time on the same examples
  (catalogue plus the knowledge base's paraphrases and uncovered questions as policy_question) and fed
  the same text the classifier scores: entities masked, normalised, diacritics folded, typo-corrected
  by the classifier's speller, each entity placeholder kept as a word.

Latency is CPU time of this process per message (``time.process_time_ns``), entity extraction and
normalisation included for every row. scikit-learn is not a project dependency: without it the
benchmark says so and exits 0.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.understanding import Understander
from intents.catalogue import LANGUAGES, OUT_OF_SCOPE, POLICY_QUESTION, load_catalogue
from intents.entities import extract
from intents.evaluation import EvalCase, Prediction, Report, percentile, read_eval_set, score
from intents.text import PLACEHOLDER_RE
from knowledge.base import load_knowledge_base

EVAL_SET = Path(__file__).resolve().parents[1] / "data" / "understanding_eval.tsv"
Predict = Callable[[str], str]


def training_examples() -> list[tuple[str, str]]:
    """(intent, text) exactly as ``Understander.load`` hands them to ``IntentClassifier``."""
    knowledge = load_knowledge_base()
    labelled = [
        (name, example)
        for name, definition in load_catalogue().items()
        for lang in LANGUAGES
        for example in definition.examples.get(lang, ())
    ]
    labelled += [(POLICY_QUESTION, t) for t in knowledge.all_paraphrases() + knowledge.uncovered_questions()]
    return labelled


def model_text(understander: Understander, text: str) -> str:
    """The classifier's view of a message: masked, folded, corrected tokens and placeholder words."""
    masked = extract(text).masked
    prepared = understander.classifier.prepare(masked)
    marks = [m.strip("⟨⟩") for m in PLACEHOLDER_RE.findall(masked)]
    return " ".join((*prepared.corrected, *marks))


def sklearn_models(understander: Understander, labelled: Sequence[tuple[str, str]]) -> dict[str, Predict]:
    """Train the alternatives on ``labelled``; each returns a predictor from raw text to intent."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    def char() -> TfidfVectorizer:
        return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)

    pipelines: dict[str, Any] = {
        "tfidf-char+lr": Pipeline([("tfidf", char()), ("clf", LogisticRegression(C=20.0, max_iter=2000))]),
        "tfidf-char+svc": Pipeline([("tfidf", char()), ("clf", LinearSVC(C=1.0))]),
        "tfidf-word+char+svc": Pipeline([
            ("tfidf", FeatureUnion([
                ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                         token_pattern=r"\S+")),
                ("char", char()),
            ])),
            ("clf", LinearSVC(C=1.0)),
        ]),
    }
    texts = [model_text(understander, text) for _, text in labelled]
    labels = [name for name, _ in labelled]
    predictors: dict[str, Predict] = {}
    for name, pipeline in pipelines.items():
        pipeline.fit(texts, labels)
        predictors[name] = lambda text, p=pipeline: str(p.predict([model_text(understander, text)])[0])
    return predictors


def measure(cases: Sequence[EvalCase], predict: Predict) -> tuple[Report, float, float]:
    """Intent report (sections are not compared: only intents) and CPU p50/p99 in ms."""
    for case in cases[:20]:  # warm caches and lazy paths the same way for every row
        predict(case.text)
    predictions: list[Prediction] = []
    cpu_ms: list[float] = []
    for case in cases:
        tick = time.process_time_ns()
        intent = predict(case.text)
        cpu_ms.append((time.process_time_ns() - tick) / 1e6)
        predictions.append(Prediction(intent, case.section))
    return score(cases, predictions), percentile(cpu_ms, 0.5), percentile(cpu_ms, 0.99)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=EVAL_SET)
    args = parser.parse_args()
    if importlib.util.find_spec("sklearn") is None:
        print("scikit-learn is not installed (not a project dependency): benchmark skipped")
        return 0
    cases = read_eval_set(args.data)
    understander = Understander.load()
    rows: dict[str, Predict] = {
        "understander": lambda text: understander.understand(text).intent,
        "nn-classifier": lambda text: understander.classifier.classify(extract(text).masked).intent,
    }
    started = time.perf_counter()
    rows.update(sklearn_models(understander, training_examples()))
    train_seconds = time.perf_counter() - started
    out = sys.stdout
    out.write(f"cases: {len(cases)}; OOS = {OUT_OF_SCOPE}; scikit-learn training (3 models): "
              f"{train_seconds:.2f} s\n")
    out.write(f"{'model':<22} {'intent acc':>10} {'OOS prec':>9} {'OOS rec':>8} "
              f"{'CPU p50':>8} {'CPU p99':>8}\n")
    for name, predict in rows.items():
        report, p50, p99 = measure(cases, predict)
        out.write(f"{name:<22} {report.intent_accuracy:>10.2%} {report.oos_precision:>9.2%} "
                  f"{report.oos_recall:>8.2%} {p50:>6.3f}ms {p99:>6.3f}ms\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
