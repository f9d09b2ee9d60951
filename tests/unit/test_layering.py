"""Dependencies point down: channels -> dialogue -> services -> storage; intents and knowledge stand alone.

The rule lives in docs (ARCHITECTURE.md, README "Architecture"); this test keeps it true by reading the
import statements of every module (ast, so nothing is imported or executed).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "intents", "knowledge")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) for every import in the file, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            yield node.lineno, prefix
            for alias in node.names:  # `from bot.dialogue import flows` imports bot.dialogue.flows
                yield node.lineno, f"{prefix}.{alias.name}"


def _sources() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "__pycache__" not in path.parts
    )


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _violations(rule: str, applies: Callable[[str], bool], forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in _sources():
        module = _module_name(path)
        if not applies(module):
            continue
        for line, imported in _imports(path):
            if any(_within(imported, banned) for banned in forbidden):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {imported} ({rule})")
    return sorted(set(found))


def test_the_scan_sees_the_code() -> None:
    modules = {_module_name(path) for path in _sources()}
    assert {"bot.config", "bot.storage.uow", "intents", "knowledge"} <= modules
    assert any(imported == "bot.storage.db" for path in _sources() for _, imported in _imports(path))


@pytest.mark.parametrize(
    ("rule", "applies", "forbidden"),
    [
        (
            "intents/ is a library: it imports nothing from bot/",
            lambda module: _within(module, "intents"),
            ("bot",),
        ),
        (
            "knowledge/ is a library: it imports nothing from bot/",
            lambda module: _within(module, "knowledge"),
            ("bot",),
        ),
        (
            "only bot/channels/ may import aiogram",
            lambda module: not _within(module, "bot.channels"),
            ("aiogram",),
        ),
        (
            "bot/services/ sits below the channels and the flows",
            lambda module: _within(module, "bot.services"),
            ("bot.channels", "bot.dialogue.flows"),
        ),
        (
            "bot/storage/ sits below the channels and the flows",
            lambda module: _within(module, "bot.storage"),
            ("bot.channels", "bot.dialogue.flows"),
        ),
    ],
    ids=["intents", "knowledge", "aiogram", "services", "storage"],
)
def test_dependencies_point_down(
    rule: str, applies: Callable[[str], bool], forbidden: tuple[str, ...]
) -> None:
    violations = _violations(rule, applies, forbidden)
    assert not violations, "Layering broken:\n" + "\n".join(violations)
