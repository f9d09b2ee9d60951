"""Intent classifier: the contract, the data rules, the policy/action nuance and the fallback."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.understanding import Understander
from intents.catalogue import INTENT_NAMES, load_catalogue
from intents.classifier import IntentClassifier
from intents.validation import check_catalogue

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def understander() -> Understander:
    return Understander.load()


def test_every_contract_intent_has_valid_data() -> None:
    catalogue = load_catalogue()
    assert set(catalogue) == set(INTENT_NAMES)
    assert check_catalogue(catalogue) == []


def test_validation_catches_an_example_under_two_intents(tmp_path: Path) -> None:
    catalogue = load_catalogue()
    greeting = catalogue["greeting"]
    clash = type(greeting)(
        name="goodbye", description="", examples={"vi": greeting.examples["vi"][:1], "en": ("bye",)},
        replies={"vi": "x", "en": "y"}, source=tmp_path / "goodbye.toml",
    )
    problems = check_catalogue({**catalogue, "goodbye": clash})
    assert any("under both" in p and "'greeting'" in p and "'goodbye'" in p for p in problems)


@pytest.mark.parametrize(
    ("text", "intent", "sections"),
    [
        ("shop có bán thông tin của mình ko", "policy_question", {3}),
        ("mình có được sửa thông tin ko", "policy_question", {4, 7}),
        ("sửa sđt giúp e", "correction_request", None),
        ("hủy nhận email quảng cáo", "marketing_opt_out", None),
        ("đơn hàng của e đâu", "order_status", None),
        ("tài khoản bị hack", "account_security", {5}),  # the advice of section 5, quoted
        ("lộ mật khẩu rồi", "account_security", {5}),
        ("cho mình xem dữ liệu của mình", "access_request", None),
        ("khiếu nại giao hàng sai", "complaint", None),
        ("ad ơi cho e gặp người thật", "human_handoff", None),
        ("Do you sell my data?", "policy_question", {3}),
        ("bán iphone ko", "out_of_scope", None),
    ],
)
def test_issue_examples(
    understander: Understander, text: str, intent: str, sections: set[int] | None
) -> None:
    result = understander.understand(text)
    assert result.intent == intent
    if sections is None:
        assert result.section is None
    else:
        assert result.section in sections


def test_gibberish_is_out_of_scope_with_an_honest_answer(understander: Understander) -> None:
    result = understander.understand("qwpoeiruty zxmcnvb")
    assert result.intent == "out_of_scope"
    assert result.section is None
    assert "nhân viên" in result.answer


def test_close_candidates_are_reported_as_ambiguous() -> None:
    catalogue = {k: v for k, v in load_catalogue().items() if k == "out_of_scope"}
    classifier = IntentClassifier(
        catalogue,
        extra_examples={"order_status": ["kiểm tra đơn hàng abc"], "complaint": ["kiểm tra đơn hàng xyz"]},
    )
    verdict = classifier.classify("kiểm tra đơn hàng")
    assert verdict.ambiguous
    assert {name for name, _ in verdict.ranking[:2]} == {"order_status", "complaint"}


def test_typos_are_corrected_against_the_vocabulary(understander: Understander) -> None:
    assert understander.understand("unsubscrbe me from emails").intent == "marketing_opt_out"


def _imports(package: Path) -> set[str]:
    names: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def test_intents_and_knowledge_are_libraries() -> None:
    assert not _imports(ROOT / "intents") & {"bot", "knowledge", "aiogram"}
    assert not _imports(ROOT / "knowledge") & {"bot", "aiogram"}
    tree = ast.parse((ROOT / "bot" / "understanding.py").read_text(encoding="utf-8"))
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {m for m in modules if m.startswith("bot") or m.startswith("aiogram")}
