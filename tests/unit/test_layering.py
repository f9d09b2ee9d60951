"""Dependencies point down: channels -> dialogue -> services -> storage, all on the message kernel.

The rules are the README's "Architecture" section, one test case each; this test keeps them true by
reading the import statements of every module (ast, so nothing is imported or executed).
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


def _violations(rule: str, applies: str | None, forbidden: Callable[[str], bool]) -> list[str]:
    """Imports that `forbidden` refuses in the modules of package `applies` (None: every module but
    bot/channels, for the aiogram rule)."""
    found = []
    for path in _sources():
        module = _module_name(path)
        if (applies is None and _within(module, "bot.channels")) or (
            applies is not None and not _within(module, applies)
        ):
            continue
        for line, imported in _imports(path):
            if forbidden(imported):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {imported} ({rule})")
    return sorted(set(found))


def test_the_scan_sees_the_code() -> None:
    modules = {_module_name(path) for path in _sources()}
    assert {"bot.config", "bot.storage.uow", "bot.messages.buttons", "intents", "knowledge"} <= modules
    assert any(imported == "bot.storage.db" for path in _sources() for _, imported in _imports(path))


def _only(*allowed: str) -> Callable[[str], bool]:
    """Forbid every `bot` module but these."""
    return lambda imported: _within(imported, "bot") and not any(_within(imported, a) for a in allowed)


def _any_of(*banned: str) -> Callable[[str], bool]:
    return lambda imported: any(_within(imported, b) for b in banned)


WIRING = ("bot.bootstrap", "bot.cli", "bot.scheduling")  # builds the app from every layer: nothing imports it
ABOVE_SERVICES = ("bot.channels", "bot.dialogue", *WIRING)


def _dialogue_forbids(imported: str) -> bool:
    """Nothing above it, not delivery, and of bot/storage/ only the unit of work."""
    if _any_of("bot.channels", "bot.delivery", *WIRING)(imported):
        return True
    return _within(imported, "bot.storage") and not _within(imported, "bot.storage.uow")


@pytest.mark.parametrize(
    ("rule", "applies", "forbidden"),
    [
        ("intents/ is a library: it imports nothing from bot/", "intents", _any_of("bot")),
        ("knowledge/ is a library: it imports nothing from bot/", "knowledge", _any_of("bot")),
        ("only bot/channels/ may import aiogram", None, _any_of("aiogram")),
        ("bot/messages/ (events, actions, buttons) rests on bot/domain/ alone", "bot.messages",
         _only("bot.messages", "bot.domain")),
        ("bot/domain/ is pure: it imports nothing else from bot/", "bot.domain", _only("bot.domain")),
        ("bot/services/ sits below the channels and the dialogue", "bot.services", _any_of(*ABOVE_SERVICES)),
        ("bot/delivery/ sits below the channels and the dialogue", "bot.delivery", _any_of(*ABOVE_SERVICES)),
        ("bot/storage/ sits below everything that uses it", "bot.storage",
         _any_of(*ABOVE_SERVICES, "bot.services", "bot.delivery")),
        ("bot/dialogue/ sits below the channels and reaches storage only through services: of bot/storage/ "
         "it imports the unit of work alone", "bot.dialogue", _dialogue_forbids),
    ],
    ids=["intents", "knowledge", "aiogram", "messages", "domain", "services", "delivery", "storage",
         "dialogue"],
)
def test_dependencies_point_down(rule: str, applies: str | None, forbidden: Callable[[str], bool]) -> None:
    violations = _violations(rule, applies, forbidden)
    assert not violations, "Layering broken:\n" + "\n".join(violations)


@pytest.mark.parametrize(("library", "home"), [("aiogram", "bot.channels.telegram"),
                                               ("telegram", "bot.channels.ptb")],
                         ids=["aiogram", "python-telegram-bot"])
def test_each_telegram_library_is_imported_by_its_own_channel_alone(library: str, home: str) -> None:
    """aiogram only in bot/channels/telegram/, python-telegram-bot (`telegram`) only in
    bot/channels/ptb/: what both need is in bot/channels/bot_api/, which imports neither."""
    found, at_home = [], 0
    for path in _sources():
        inside = _within(_module_name(path), home)
        for line, imported in _imports(path):
            if _within(imported, library):
                at_home += inside
                if not inside:
                    found.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert at_home, f"the scan finds no {library} import in {home}"
    assert not found, f"{library} outside {home}:\n" + "\n".join(sorted(set(found)))


def test_the_dialogue_hands_its_unit_of_work_to_services_and_only_commits_it() -> None:
    """`uow.commit()` in the engine; every other use of the unit of work is passing it to a service."""
    found = []
    for path in _sources():
        if not _within(_module_name(path), "bot.dialogue"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and _names_uow(node.value) and node.attr != "commit":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} uses uow.{node.attr}")
    assert not found, "The dialogue reaches storage past the services:\n" + "\n".join(found)


def _names_uow(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "uow") or (
        isinstance(node, ast.Attribute) and node.attr == "uow")


def test_the_rules_catch_what_they_forbid() -> None:
    """The checks themselves, on lines the rules must refuse (a rule that matches nothing passes)."""
    assert _dialogue_forbids("bot.storage.models") and _dialogue_forbids("bot.storage.repositories.tickets")
    assert _dialogue_forbids("bot.channels.console") and _dialogue_forbids("bot.storage.uow_extras")
    assert not _dialogue_forbids("bot.storage.uow") and not _dialogue_forbids("bot.services.tickets")
    assert _only("bot.domain")("bot.messages.actions") and not _only("bot.domain")("bot.domain.phone")
    assert not _only("bot.domain")("aiogram.types")
    reach = ast.parse("turn.uow.tickets.get(1)", mode="eval").body
    assert isinstance(reach, ast.Call) and isinstance(reach.func, ast.Attribute)
    assert isinstance(reach.func.value, ast.Attribute) and _names_uow(reach.func.value.value)
