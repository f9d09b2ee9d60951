"""bot/ uses SQLAlchemy, aiosqlite and aiogram through their public API only.

A private name (one starting with "_") of another object is read nowhere in bot/, and a class of
ours that extends a class of those libraries neither overrides nor touches a private name of theirs.
What leans on a library's private API breaks silently on an upgrade, and pins its versions for that.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIBRARIES = ("sqlalchemy", "aiosqlite", "aiogram")

#: Private-looking names that are public API: Python's data-model names (`__name__`, SQLAlchemy's
#: declarative `__table__`, `super().__init_subclass__`) are dunders, taken as public below; the
#: standard library's argparse subparsers type (not one of the libraries above, named in annotations only).
PUBLIC = {"_SubParsersAction"}


def _sources() -> list[Path]:
    return sorted(path for path in (ROOT / "bot").rglob("*.py") if "__pycache__" not in path.parts)


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _private(name: str) -> bool:
    dunder = name.startswith("__") and name.endswith("__")
    return name.startswith("_") and not dunder and name not in PUBLIC


def foreign_private_reads(source: str) -> list[tuple[int, str]]:
    """(line, name) of every private attribute read of an object other than self or cls."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            found.append((node.lineno, node.attr))
    return found


def own_private_names(node: ast.ClassDef) -> set[str]:
    """Private names a class defines or uses on itself: its body's names and every `self._x`."""
    names = set()
    for statement in node.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(statement.name)
        elif isinstance(statement, ast.Assign):
            names.update(target.id for target in statement.targets if isinstance(target, ast.Name))
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            names.add(statement.target.id)
    names.update(inner.attr for inner in ast.walk(node)
                 if isinstance(inner, ast.Attribute) and ast.unparse(inner.value) == "self")
    return {name for name in names if _private(name) and not name.endswith("__")}


def library_private_names(cls: type) -> set[str]:
    """Private names of the library classes `cls` extends: their attributes and their `self._x`."""
    names: set[str] = set()
    for base in cls.__mro__[1:]:
        if base.__module__.split(".")[0] not in LIBRARIES:
            continue
        names.update(name for name in vars(base) if _private(name))
        with contextlib.suppress(OSError, TypeError):  # no source: its attributes above are what we know
            names.update(re.findall(r"\bself\.(_\w+)", inspect.getsource(base)))
    return {name for name in names if not name.endswith("__")}


def test_no_private_attribute_of_another_object_is_read() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: .{name}"
        for path in _sources()
        for line, name in foreign_private_reads(path.read_text(encoding="utf-8"))
    ]
    assert not found, "private attributes of other objects:\n" + "\n".join(found)


def test_our_subclasses_of_library_classes_stay_off_their_private_names() -> None:
    found = []
    for path in _sources():
        classes = [node for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                   if isinstance(node, ast.ClassDef) and node.bases]
        if not classes:
            continue  # nothing to import (nor to run: the command line's __main__, Alembic's scripts)
        module = importlib.import_module(_module(path))
        for node in classes:
            cls = getattr(module, node.name, None)
            if not inspect.isclass(cls):
                continue
            clashes = own_private_names(node) & library_private_names(cls)
            where = f"{path.relative_to(ROOT)}:{node.lineno}: {node.name}"
            found += [f"{where}.{name}" for name in sorted(clashes)]
    assert not found, "library private names used by our subclasses:\n" + "\n".join(found)


def test_the_checks_see_what_the_old_sqlite_driver_did() -> None:
    """Both checks flag what bot/storage/sqlite_driver.py once did (it subclassed SQLAlchemy's adapter)."""
    assert foreign_private_reads("sqlite = connection._conn\nself._connection._conn.commit()") == [
        (1, "_conn"), (2, "_conn")
    ]
    from aiogram.client.session.aiohttp import AiohttpSession

    [subclass] = ast.parse("class S(AiohttpSession):\n    def f(self):\n        return self._session\n").body
    assert isinstance(subclass, ast.ClassDef)
    clashes = own_private_names(subclass) & library_private_names(type("S", (AiohttpSession,), {}))
    assert clashes == {"_session"}
