"""Each flow's docstring table holds against its code, so the tables cannot drift.

The format is the one `bot/dialogue/flow.py` describes: a Markdown table per flow (named in backticks
on the paragraph before it when a module has several tables), a `step` column for a flow with steps,
button presses as their data in backticks. Here each table is read and checked:
- every step of `STEPS` has a row, and every step named is in `STEPS` (or a pseudo-step);
- every family of `BUTTONS` is written, and every family written is the flow's or the router's own;
- the router's table names exactly the button families the router dispatches itself and the commands
  it handles; the staff desk's names the commands it answers in the staff chat.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from bot.dialogue.flow import Flow
from bot.messages.buttons import ButtonData

ROOT = Path(__file__).resolve().parents[2]
FLOW_MODULES = sorted(
    f"bot.dialogue.flows.{path.stem}" for path in (ROOT / "bot/dialogue/flows").glob("*.py")
    if path.stem != "__init__"
)
WITH_FLOWS = [*FLOW_MODULES, "bot.dialogue.staff_desk"]
MODULES = [*WITH_FLOWS, "bot.dialogue.router"]
PSEUDO_STEPS = {"(start)", "(in flow)", "(any)", "(no flow)"}
_TICKED = re.compile(r"`([^`]+)`")
_COMMAND = re.compile(r"(?<![\w`])/[a-z]+")


@dataclass(frozen=True)
class Table:
    intro: str  # the paragraph before the table
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def column(self, name: str) -> list[str]:
        index = self.header.index(name)
        return [row[index] for row in self.rows]

    @property
    def cells(self) -> list[str]:
        return [cell for row in self.rows for cell in row]

    def names(self, flow: str) -> bool:
        return f"`{flow}`" in self.intro


def tables(docstring: str) -> list[Table]:
    found: list[Table] = []
    lines = docstring.splitlines()
    index = 0
    while index < len(lines):
        if not lines[index].startswith("|"):
            index += 1
            continue
        start = index
        while index < len(lines) and lines[index].startswith("|"):
            index += 1
        block = [_cells(line) for line in lines[start:index]]
        header, separator, *rows = block
        assert all(set(cell) <= {"-", ":"} for cell in separator), f"no separator under {header}"
        assert all(len(row) == len(header) for row in rows), f"a row with another number of cells: {header}"
        paragraph = []
        for line in reversed(lines[:start]):
            if not line.strip():
                if paragraph:
                    break
                continue
            paragraph.insert(0, line)
        found.append(Table(" ".join(paragraph), tuple(header), tuple(tuple(r) for r in rows)))
    return found


def _cells(line: str) -> list[str]:
    assert line.endswith("|"), f"a table row must end with |: {line!r}"
    return [cell.strip() for cell in line.strip("|").split("|")]


def family(pattern: str) -> type[ButtonData] | None:
    """The button family of data written as `complaint:status[:<id>]`; None for text that is not data."""
    if ":" not in pattern or pattern.startswith("/"):
        return None
    words = [w for w in re.split(r"[<\[]", pattern, maxsplit=1)[0].split(":") if w]
    families = {cls.prefix: cls for cls in _families()}
    for size in (2, 1):
        prefix = ":".join(words[:size])
        if len(words) >= size and prefix in families:
            return families[prefix]
    raise AssertionError(f"`{pattern}` is written as button data but no family has that prefix")


def _families() -> list[type[ButtonData]]:
    return list(ButtonData.__subclasses__())


def families_written(table: Table) -> set[type[ButtonData]]:
    found = set()
    for cell in table.cells:
        for ticked in _TICKED.findall(cell):
            cls = family(ticked)
            if cls is not None:
                found.add(cls)
    return found


def commands_written(table: Table) -> set[str]:
    return {command for cell in table.column(table.header[0]) for command in _COMMAND.findall(cell)}


def flows_of(module: ModuleType) -> list[type[Flow]]:
    return [cls for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, Flow) and cls is not Flow and cls.__module__ == module.__name__]


def flow_table(module: ModuleType, flow: type[Flow]) -> Table:
    found = tables(module.__doc__ or "")
    named = [t for t in found if t.names(flow.name)]
    if not named and len(found) == 1 and len(flows_of(module)) == 1:
        named = found
    assert len(named) == 1, f"{module.__name__}: one table for the flow `{flow.name}`, introduced by its name"
    return named[0]


# What the router and the staff desk handle, read from their code ----------------------------------
def _source_tree(module: ModuleType) -> ast.Module:
    return ast.parse(inspect.getsource(module))


def _method(module: ModuleType, cls: str, name: str) -> ast.AST:
    for node in ast.walk(_source_tree(module)):
        if isinstance(node, ast.ClassDef) and node.name == cls:
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == name:
                    return item
    raise AssertionError(f"no {cls}.{name}")


def commands_in(node: ast.AST) -> set[str]:
    """The command strings a handler compares with: "/start", ("/tickets", "/status")."""
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and re.fullmatch(r"/[a-z]+", n.value)}


def isinstance_families(node: ast.AST, module: ModuleType) -> set[type[ButtonData]]:
    found = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "isinstance":
            kind = call.args[1]
            if isinstance(kind, ast.Name) and isinstance(getattr(module, kind.id, None), type):
                cls = getattr(module, kind.id)
                if issubclass(cls, ButtonData):
                    found.add(cls)
    return found


# Tests ---------------------------------------------------------------------------------------------
def test_the_tables_are_read() -> None:
    complaint = importlib.import_module("bot.dialogue.flows.complaint")
    table = flow_table(complaint, complaint.ComplaintFlow)
    assert table.header == ("step", "event", "next") and len(table.rows) > 20
    ticked = set(_TICKED.findall(" ".join(table.cells)))
    assert {"complaint:cat:<category>", "complaint:status[:<id>]"} <= ticked
    buttons = importlib.import_module("bot.messages.buttons")
    assert family("complaint:status[:<id>]") is buttons.TicketStatusButton
    assert family("complaint:order:-") is buttons.ComplaintOrderButton
    assert family("desk:<action>:<id>") is buttons.DeskButton
    assert family("then") is None
    with pytest.raises(AssertionError):
        family("complain:cat:<category>")


@pytest.mark.parametrize("name", WITH_FLOWS)
def test_every_flow_has_its_table_with_its_steps(name: str) -> None:
    module = importlib.import_module(name)
    flows = flows_of(module)
    assert flows or name == "bot.dialogue.staff_desk", f"{name} defines no flow"
    for flow in flows:
        table = flow_table(module, flow)
        if table.header[0] != "step":
            assert not flow.STEPS, f"`{flow.name}` has steps: its table starts with a step column"
            continue
        named = {step.strip() for cell in table.column("step") for step in cell.split(",")}
        assert named - PSEUDO_STEPS == set(flow.STEPS), f"`{flow.name}`: the table's steps are not STEPS"


@pytest.mark.parametrize("name", WITH_FLOWS)
def test_every_flow_table_names_its_button_families(name: str) -> None:
    module = importlib.import_module(name)
    router_own = router_families()
    for flow in flows_of(module):
        written = families_written(flow_table(module, flow))
        assert set(flow.BUTTONS) <= written, f"`{flow.name}`: BUTTONS not in its table"
        assert written <= set(flow.BUTTONS) | router_own, f"`{flow.name}`: a family it does not take"


def router_families() -> set[type[ButtonData]]:
    router = importlib.import_module("bot.dialogue.router")
    return isinstance_families(_method(router, "TurnRouter", "_button"), router)


def test_the_router_table_names_what_the_router_does_itself() -> None:
    router = importlib.import_module("bot.dialogue.router")
    (table,) = tables(router.__doc__ or "")
    assert families_written(table) == router_families() != set()
    assert commands_written(table) == commands_in(_method(router, "TurnRouter", "_command"))


def test_the_staff_desk_table_names_its_commands_and_buttons() -> None:
    desk = importlib.import_module("bot.dialogue.staff_desk")
    staff_chat = [t for t in tables(desk.__doc__ or "") if not any(t.names(f.name) for f in flows_of(desk))]
    (table,) = staff_chat
    handler = _method(desk, "StaffDesk", "__call__")
    assert commands_written(table) == commands_in(handler) == {"/tickets", "/stats", "/requests"}
    families = {desk.DeskButton, desk.RequestDeskButton, desk.ForwardButton}
    assert families_written(table) == isinstance_families(handler, desk) == families


def test_every_flow_lives_in_a_module_whose_table_is_checked() -> None:
    importlib.import_module("bot.bootstrap")  # every flow the application registers is imported

    def subclasses(cls: type[Flow]) -> set[type[Flow]]:
        return {sub for direct in cls.__subclasses__() for sub in {direct, *subclasses(direct)}}

    outside = {f"{cls.__module__}.{cls.__name__}" for cls in subclasses(Flow)
               if not cls.__module__.startswith("tests.") and cls.__module__ not in MODULES}
    assert outside == set()
