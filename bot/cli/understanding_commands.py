"""CLI commands of the understanding layer: ``ask``, ``kb check`` and ``bench-understanding``.

Registered into the main ``rosee-support`` parser by ``register(subparsers)``. None of them needs a
database or a Telegram token: they load the intents and the knowledge base and nothing else.

    rosee-support ask "shop co ban thong tin cua minh ko"   → one JSON object (the five contract keys)
    rosee-support ask --details "đơn RG-2026-900002 đâu"   → … plus entities, covered, topic, …
    rosee-support ask --batch questions.txt                → one JSON object per line, in order
    rosee-support kb check                                 → exit 1 and a list on any data problem
    rosee-support bench-understanding [--data F] [--json]  → accuracy, P/R/F1, latency, build time
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bot.understanding import Understander, Understanding
from intents.catalogue import load_catalogue
from intents.evaluation import Prediction, percentile, read_eval_set, score
from intents.validation import check_catalogue
from knowledge.base import KnowledgeBase
from knowledge.check import check_knowledge

DEFAULT_EVAL_FILE = Path(__file__).resolve().parents[2] / "tests" / "data" / "understanding_eval.tsv"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``ask``, ``kb`` (with ``check``) and ``bench-understanding`` to the main CLI."""
    ask = subparsers.add_parser("ask", help="understand one question (or a file of them) and print JSON")
    ask.add_argument("text", nargs="?", help="the customer's message")
    ask.add_argument("--batch", type=Path, metavar="FILE", help="one question per line")
    ask.add_argument("--lang", choices=("vi", "en"), help="answer in this language instead of detecting it")
    ask.add_argument("--details", action="store_true",
                     help="add entities, coverage, topic, mood and follow-up fields to the contract")
    ask.set_defaults(func=run_ask)

    kb = subparsers.add_parser("kb", help="knowledge-base tools")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True)
    check = kb_commands.add_parser("check", help="validate policy, translation, paraphrases and intents")
    check.set_defaults(func=run_kb_check)

    bench = subparsers.add_parser(
        "bench-understanding", help="score the understanding layer on a held-out set"
    )
    bench.add_argument("--data", type=Path, default=DEFAULT_EVAL_FILE, help="labelled TSV file")
    bench.add_argument("--json", action="store_true", help="print the report as JSON")
    bench.set_defaults(func=run_bench)


def _print_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")


def run_ask(args: argparse.Namespace) -> int:
    if args.batch is None and args.text is None:
        sys.stderr.write("ask: give a TEXT or --batch FILE\n")
        return 2
    understander = Understander.load()
    if args.batch is not None:
        try:
            lines = args.batch.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            sys.stderr.write(f"ask: cannot read {args.batch}: {error}\n")
            return 2
        for line in lines:
            _print_json(_payload(understander.understand(line, args.lang), args.details))
        return 0
    _print_json(_payload(understander.understand(args.text, args.lang), args.details))
    return 0


def _payload(result: Understanding, details: bool) -> dict[str, object]:
    return result.details() if details else result.to_json_dict()


def run_kb_check(args: argparse.Namespace) -> int:
    problems = check_knowledge() + check_catalogue(load_catalogue())
    for problem in problems:
        sys.stdout.write(f"problem: {problem}\n")
    if problems:
        sys.stdout.write(f"kb check: {len(problems)} problem(s)\n")
        return 1
    kb = KnowledgeBase.build()
    sys.stdout.write(
        f"kb check: ok ({len(kb.passages)} passages in {len(kb.sections)} sections, "
        f"{len(kb.all_paraphrases())} paraphrases, content hash {kb.content_hash[:12]})\n"
    )
    return 0


def run_bench(args: argparse.Namespace) -> int:
    cases = read_eval_set(args.data)
    started = time.perf_counter()
    KnowledgeBase.build()
    kb_build_seconds = time.perf_counter() - started
    understander = Understander.load()
    predictions: list[Prediction] = []
    latencies: list[float] = []
    cpu_latencies: list[float] = []  # CPU time of this thread: immune to other processes' load
    for case in cases:
        tick, cpu_tick = time.perf_counter(), time.thread_time()
        result = understander.understand(case.text)
        latencies.append((time.perf_counter() - tick) * 1000.0)
        cpu_latencies.append((time.thread_time() - cpu_tick) * 1000.0)
        predictions.append(Prediction(result.intent, result.section))
    report = score(cases, predictions)
    summary = {
        "cases": report.total,
        "intent_accuracy": round(report.intent_accuracy, 4),
        "section_accuracy": round(report.section_accuracy, 4),
        "section_accuracy_end_to_end": round(report.section_accuracy_end_to_end, 4),
        "oos_precision": round(report.oos_precision, 4),
        "oos_recall": round(report.oos_recall, 4),
        "uncovered_precision": round(report.uncovered_precision, 4),
        "uncovered_recall": round(report.uncovered_recall, 4),
        "answer_precision": round(report.answer_precision, 4),
        "answers_given": report.answers_given,
        "latency_ms_p50": round(percentile(latencies, 0.5), 3),
        "latency_ms_p99": round(percentile(latencies, 0.99), 3),
        "cpu_ms_p50": round(percentile(cpu_latencies, 0.5), 3),
        "cpu_ms_p99": round(percentile(cpu_latencies, 0.99), 3),
        "kb_build_seconds": round(kb_build_seconds, 4),
        "load_seconds": round(understander.build_seconds, 4),
        "per_intent": {
            name: {"precision": round(m.precision, 4), "recall": round(m.recall, 4), "f1": round(m.f1, 4),
                   "support": m.support}
            for name, m in report.per_intent.items()
        },
        "confusions": [{"expected": g, "predicted": p, "count": n} for g, p, n in report.confusions],
        "errors": [{"text": t, "expected": e, "predicted": p} for t, e, p in report.errors],
    }
    if args.json:
        _print_json(summary)
        return 0
    out = sys.stdout
    out.write(f"cases: {report.total}\n")
    out.write(f"intent accuracy: {report.intent_accuracy:.2%}\n")
    out.write(f"section accuracy: {report.section_accuracy:.2%} (recognised policy questions); "
              f"{report.section_accuracy_end_to_end:.2%} end to end\n")
    out.write(f"out_of_scope precision: {report.oos_precision:.2%}  recall: {report.oos_recall:.2%}\n")
    out.write(f"policy_uncovered precision: {report.uncovered_precision:.2%}  "
              f"recall: {report.uncovered_recall:.2%}\n")
    out.write(f"answer precision: {report.answer_precision:.2%} of {report.answers_given} policy passages "
              "given answer the expected section\n")
    out.write(f"latency p50: {summary['latency_ms_p50']} ms  p99: {summary['latency_ms_p99']} ms "
              "(wall, in-process, after load); "
              f"CPU p50: {summary['cpu_ms_p50']} ms  p99: {summary['cpu_ms_p99']} ms\n")
    out.write(f"knowledge-base build: {kb_build_seconds * 1000:.1f} ms; "
              f"full load: {understander.build_seconds * 1000:.1f} ms\n")
    out.write(f"\n{'intent':<20} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>4}\n")
    for name, m in report.per_intent.items():
        out.write(f"{name:<20} {m.precision:>6.2f} {m.recall:>6.2f} {m.f1:>6.2f} {m.support:>4}\n")
    out.write("\nconfusions (expected → predicted: count)\n")
    for gold, predicted, count in report.confusions:
        out.write(f"  {gold} → {predicted}: {count}\n")
    out.write("\nerrors (text | expected | predicted)\n")
    for text, expected, predicted in report.errors:
        out.write(f"  {text} | {expected} | {predicted}\n")
    return 0
