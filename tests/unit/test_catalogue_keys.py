"""Every catalogue key the code uses exists in Vietnamese and English, and every key the locale files
hold is used by the code (or listed below with the reason it is kept).

The scan reads bot/ with `ast`: nothing is imported from the modules it reads.

- **Catalogue calls.** `<...>texts.text(language, key)` is the one place text is rendered. Every
  function that passes one of its own parameters into the key of a catalogue call is a catalogue call
  too, with the literal prefix it adds: `Turn.say`/`t`/`button`/`ask_for_contact`,
  `TicketRenderer.staff_text` ("staff."), `customer_text` and `customer_notice` ("complaints."),
  `TicketRouter.tell_customer_late` ("complaints.late_"), `ConsoleDesk._t` ("desk."), ... The scan finds these
  wrappers itself, to a fixed point, so a new one needs no entry here. `DeskError(key)` is the one
  call whose key is rendered later (`self._t(error.key)`), so it is named in `EXTRA_CALLS`.
- **Keys.** The key argument of each call is resolved to every key it can be: a literal; both branches
  of `a if c else b`; an f-string's literal parts with each value of its fields; a local or module
  variable by its assignments (`key = ...`, `key, params = replies.get(...)`, `for name in COMMANDS`);
  a `dict.get(k, default)` of a dict literal by its values and the default; `_honest(turn, key)` and
  `customer_wording(settings, key)` by the key and its truthful twin (bot/services/staff_reach.py).
  A field whose values are not in the code (a ticket's status, an order's) takes them from `DOMAINS`,
  the finite vocabularies of bot/domain and intents/.
- Anything else is **unresolved** and fails the test with its file and line: make the key literal, or
  add the field's values to `DOMAINS`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from itertools import product
from pathlib import Path
from typing import get_args

import pytest

from bot.dialogue.flows.rights import OVERVIEW_KINDS
from bot.dialogue.router import SOCIAL_IN_FLOW
from bot.domain.marketing import MarketingChannel
from bot.domain.one_time_code import CodePurpose
from bot.domain.order_rules import REASONS, OrderRequest
from bot.domain.order_status import OrderStatus
from bot.domain.payment_status import PaymentStatus
from bot.domain.privacy_request import REQUEST_INTENTS, RequestKind, RequestStatus
from bot.domain.ticket_category import TicketCategory, TicketKind, TicketStatus
from bot.domain.working_days import DayUnit
from bot.i18n import LANGUAGES, Catalog
from bot.messages.buttons import RequestDeskAction
from bot.services.corrections import Field
from bot.services.privacy_requests.access_render import WITHHELD
from bot.services.privacy_requests.access_scope import COLUMNS, SECTION_NAMES
from bot.services.privacy_requests.retention import ITEMS, Fate
from bot.services.sla import Promise
from bot.services.staff_reach import promised_texts
from intents.catalogue import INTENT_NAMES

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"

CATEGORIES = tuple(c.value for c in TicketCategory)
#: The flows with steps: an interruption can suspend each of them (tests/unit/test_dialogue_memory.py).
RESUMABLE_FLOWS = ("complaint", "verify", "email_code", "rate", "rights", "order", "correction", "marketing")
FIELDS = tuple(f.value for f in Field)  # the fields a correction changes
# The kinds the rights overview offers (correction and marketing are handed to their own flows).
EXPLAINED_KINDS = tuple(kind.value for kind in OVERVIEW_KINDS)
MARKETING_ACTIONS = ("stop", "resume")
MARKETING_CHANNELS = tuple(c.value for c in MarketingChannel)

#: Field values the code takes from data, by (module, the field's source text).
DOMAINS: dict[tuple[str, str], tuple[str, ...]] = {
    ("bot/dialogue/flows/complaint.py", "c.value"): CATEGORIES,
    ("bot/dialogue/flows/complaint.py", "data.get('category', 'other')"): CATEGORIES,
    ("bot/dialogue/flows/complaint.py", "ticket.status"): tuple(TicketStatus),
    ("bot/dialogue/flows/complaint.py", "t.status"): tuple(TicketStatus),
    ("bot/services/order_updates.py", "order.status"): tuple(OrderStatus),
    ("bot/dialogue/flows/order.py", "request.value"): tuple(OrderRequest),
    ("bot/dialogue/flows/order.py", "decision.reason"): REASONS,
    ("bot/dialogue/order_details.py", "OrderStatus(status).value"): tuple(OrderStatus),
    ("bot/dialogue/order_details.py", "order.payment.value"): tuple(PaymentStatus),
    ("bot/services/order_requests.py", "request.value"): tuple(OrderRequest),
    ("bot/services/order_requests.py", "decision.reason"): REASONS,
    ("bot/services/order_requests.py", "OrderStatus(order.status).value"): tuple(OrderStatus),
    ("bot/dialogue/router.py", "name"): INTENT_NAMES,  # the clarifying question's two closest intents
    ("bot/dialogue/router.py", "item.flow"): RESUMABLE_FLOWS,  # a suspended flow offered back
    ("bot/dialogue/phrases.py", "target"): ("privacy", "orders", "rights", "human"),  # typed menu labels
    ("bot/dialogue/router.py", "result.intent"): tuple(sorted(SOCIAL_IN_FLOW)),  # a word back, in a flow
    ("bot/dialogue/staff_desk.py", "ticket.status"): tuple(TicketStatus),
    ("bot/channels/console_desk.py", "ticket.status"): tuple(TicketStatus),
    ("bot/channels/console_desk.py", "ticket.kind"): tuple(TicketKind),
    ("bot/channels/console_desk.py", "ticket.category"): CATEGORIES,
    ("bot/services/ticket_rendering.py", "ticket.kind"): tuple(TicketKind),
    ("bot/services/ticket_rendering.py", "ticket.category"): CATEGORIES,
    ("bot/services/sla.py", "promise"): get_args(Promise),
    ("bot/dialogue/flows/rights.py", "k.value"): EXPLAINED_KINDS,
    ("bot/dialogue/flows/rights.py", "kind.value"): EXPLAINED_KINDS,
    ("bot/dialogue/flows/policy.py", "kind.value"): tuple(kind.value for kind in REQUEST_INTENTS.values()),
    ("bot/services/privacy_requests/notices.py", "RequestKind(kind).value"): tuple(RequestKind),
    ("bot/services/privacy_requests/notices.py", "RequestStatus(status).value"): tuple(RequestStatus),
    ("bot/services/privacy_requests/notices.py", "item.item"):
        tuple({i.item for v in ITEMS.values() for i in v}),
    ("bot/services/privacy_requests/notices.py", "item.ground"):
        tuple({i.ground for v in ITEMS.values() for i in v if i.ground}),
    ("bot/services/privacy_requests/notices.py", "item.fate"): get_args(Fate),
    ("bot/services/privacy_requests/notices.py", "action"): get_args(RequestDeskAction),
    ("bot/services/privacy_requests/notices.py", "self._settings.privacy_days_unit"): get_args(DayUnit),
    ("bot/dialogue/flows/correction.py", "f.value"): FIELDS,
    ("bot/dialogue/flows/correction.py", "field.value"): FIELDS,
    ("bot/dialogue/flows/correction.py", "change.field.value"): FIELDS,
    ("bot/services/corrections.py", "field.value"): FIELDS,
    ("bot/services/identity/email_code.py", "purpose.value"): tuple(CodePurpose),
    # The copy of a customer's data: its sections, the columns it labels, what it withholds.
    ("bot/services/privacy_requests/access_render.py", "section.name"): SECTION_NAMES,
    ("bot/services/privacy_requests/access_render.py", "name"): SECTION_NAMES,
    ("bot/services/privacy_requests/access_render.py", "column"): COLUMNS,
    ("bot/services/privacy_requests/access_render.py", "key"): WITHHELD,
    ("bot/dialogue/flows/marketing.py", "self._action(turn)"): MARKETING_ACTIONS,
    ("bot/dialogue/flows/marketing.py", "action"): MARKETING_ACTIONS,
    ("bot/dialogue/flows/marketing.py", "c.value"): MARKETING_CHANNELS,
    ("bot/dialogue/flows/marketing.py", "*(c.value for c in ALL_CHANNELS)"): MARKETING_CHANNELS,
}

#: Keys rendered away from the call that names them: DeskError(key) is shown as `self._t(error.key)`.
EXTRA_CALLS = {("bot/channels/console_desk.py", "DeskError"): ("key", 0, "desk.")}
PASSED_ON = {("bot/channels/console_desk.py", "error.key"),  # checked where the DeskError is raised
             ("bot/services/privacy_requests/access_render.py", "coded_key")}  # asked only if Catalog.has it

#: Functions that turn a key into the key to say: (argument index of the key).
KEY_FUNCTIONS = {"_honest": 1, "customer_wording": 1}

#: Keys no code renders, kept on purpose, each with the reason.
UNUSED_ON_PURPOSE: dict[str, str] = {}


class Unresolved(Exception):
    pass


@dataclass(frozen=True)
class Wrapper:
    """A catalogue call: where its key argument is, and the literal it puts before it."""

    parameter: str
    index: int  # among the positional arguments at a call site (self not counted)
    prefix: str


@dataclass(frozen=True)
class Site:
    path: str
    line: int
    keys: frozenset[str]


BASE = Wrapper("key", 1, "")  # Catalog.text(language, key)


@dataclass(eq=False)
class Module:
    path: str
    tree: ast.Module
    parents: dict[ast.AST, ast.AST]

    def enclosing(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None

    def comprehension_over(self, node: ast.AST, name: str) -> ast.expr | None:
        """The iterable a comprehension around `node` binds `name` from."""
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
                for generator in node.generators:
                    if isinstance(generator.target, ast.Name) and generator.target.id == name:
                        return generator.iter
        return None


def parse(path: str, source: str) -> Module:
    tree = ast.parse(source, filename=path)
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    return Module(path, tree, parents)


@cache
def modules() -> tuple[Module, ...]:
    return tuple(parse(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
                 for path in sorted(BOT.rglob("*.py")))


def functions(module: Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(module.tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    names = [a.arg for a in function.args.posonlyargs + function.args.args]
    return names[1:] if names and names[0] in ("self", "cls") else names


def calls(module: Module) -> Iterator[ast.Call]:
    yield from (node for node in ast.walk(module.tree) if isinstance(node, ast.Call))


# Which calls are catalogue calls -------------------------------------------------------------------
def find_wrapper(call: ast.Call, module: Module, wrappers: dict[tuple[str, str], Wrapper]) -> Wrapper | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        receiver = ast.unparse(func.value)
        if func.attr == "text" and receiver.endswith("texts") and len(call.args) >= 2:
            return BASE
        if receiver == "self" and (module.path, func.attr) in wrappers:
            return wrappers[(module.path, func.attr)]
        named = [w for (_, name), w in wrappers.items() if name == func.attr]
        if receiver.endswith("turn") and ("bot/dialogue/turn.py", func.attr) in wrappers:
            return wrappers[("bot/dialogue/turn.py", func.attr)]
        if len(set(named)) > 1:
            raise AssertionError(f"{module.path}:{call.lineno}: which {func.attr}() is this? {named}")
        return named[0] if named else None
    if isinstance(func, ast.Name):
        if (module.path, func.id) in EXTRA_CALLS:
            return Wrapper(*EXTRA_CALLS[(module.path, func.id)])
        if (module.path, func.id) in wrappers:
            return wrappers[(module.path, func.id)]
        named = [w for (_, name), w in wrappers.items() if name == func.id]
        return named[0] if len(set(named)) == 1 else None
    return None


def key_argument(call: ast.Call, wrapper: Wrapper) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == wrapper.parameter:
            return keyword.value
    return call.args[wrapper.index] if len(call.args) > wrapper.index else None


@cache
def wrappers(scanned: tuple[Module, ...]) -> dict[tuple[str, str], Wrapper]:
    """Every function that passes a parameter into a catalogue call's key, to a fixed point."""
    found: dict[tuple[str, str], Wrapper] = {}
    while True:
        before = dict(found)
        for module in scanned:
            for call in calls(module):
                wrapper = find_wrapper(call, module, found)
                argument = key_argument(call, wrapper) if wrapper else None
                function = module.enclosing(call)
                if wrapper is None or argument is None or function is None:
                    continue
                params = parameters(function)
                passed = passed_parameter(argument, params)
                if passed is not None:
                    name, literal = passed
                    found[(module.path, function.name)] = Wrapper(
                        name, params.index(name), wrapper.prefix + literal
                    )
        if found == before:
            return found


def passed_parameter(argument: ast.expr, params: list[str]) -> tuple[str, str] | None:
    """(parameter, literal before it) when the key is a parameter, bare or after a literal prefix."""
    if isinstance(argument, ast.Name) and argument.id in params:
        return argument.id, ""
    if isinstance(argument, ast.JoinedStr) and len(argument.values) == 2:
        literal, field = argument.values
        if (isinstance(literal, ast.Constant) and isinstance(field, ast.FormattedValue)
                and isinstance(field.value, ast.Name) and field.value.id in params):
            return field.value.id, str(literal.value)
    return None


# What a key argument can be ------------------------------------------------------------------------
def values(expr: ast.expr, module: Module, index: int | None = None) -> set[str]:
    """Every string `expr` can be (the `index`-th element of it, for a tuple)."""
    if (module.path, ast.unparse(expr)) in DOMAINS and index is None:
        return set(DOMAINS[(module.path, ast.unparse(expr))])
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str) and index is None:
        return {expr.value}
    if isinstance(expr, ast.Tuple) and index is not None:
        return values(expr.elts[index], module)
    if isinstance(expr, ast.IfExp):
        return values(expr.body, module, index) | values(expr.orelse, module, index)
    if isinstance(expr, ast.JoinedStr) and index is None:
        parts = [values(v.value, module) if isinstance(v, ast.FormattedValue) else {literal(v)}
                 for v in expr.values]
        return {"".join(p) for p in product(*parts)}
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in KEY_FUNCTIONS:
        keys = values(expr.args[KEY_FUNCTIONS[expr.func.id]], module, index)
        return keys | {promised_texts()[k] for k in keys if k in promised_texts()}
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "get":
        table = dict_literal(expr.func.value, module)
        default = values(expr.args[1], module, index) if len(expr.args) > 1 else set()
        return set().union(*(values(v, module, index) for v in table.values)) | default
    if isinstance(expr, ast.Name):
        return name_values(expr, module, index)
    raise Unresolved(f"{module.path}:{expr.lineno}: {ast.unparse(expr)}")


def literal(part: ast.expr) -> str:
    assert isinstance(part, ast.Constant)
    return str(part.value)


def dict_literal(expr: ast.expr, module: Module) -> ast.Dict:
    if isinstance(expr, ast.Dict):
        return expr
    if isinstance(expr, ast.Name):
        for value, _ in assignments(expr, module):
            if isinstance(value, ast.Dict):
                return value
    raise Unresolved(f"{module.path}:{expr.lineno}: not a dict literal: {ast.unparse(expr)}")


def name_values(name: ast.Name, module: Module, index: int | None) -> set[str]:
    iterable = module.comprehension_over(name, name.id)
    if iterable is not None:
        return set().union(*(values(item, module) for item in sequence(iterable, module)))
    found = list(assignments(name, module))
    if not found:
        raise Unresolved(f"{module.path}:{name.lineno}: {name.id} (no assignment the scan can read)")
    result: set[str] = set()
    for value, element in found:
        result |= values(value, module, element if index is None else index)
    return result


def sequence(expr: ast.expr, module: Module) -> list[ast.expr]:
    if isinstance(expr, ast.Tuple | ast.List):
        return list(expr.elts)
    if isinstance(expr, ast.Name):
        for value, _ in assignments(expr, module):
            return sequence(value, module)
    raise Unresolved(f"{module.path}:{expr.lineno}: not a literal sequence: {ast.unparse(expr)}")


def assignments(name: ast.Name, module: Module) -> Iterator[tuple[ast.expr, int | None]]:
    """(assigned value, element of it) for each assignment to `name` in its function, else the module."""
    scope: ast.AST = module.enclosing(name) or module.tree
    for _ in range(2):
        found = False
        for node in own_nodes(scope):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and target.id == name.id:
                        found = True
                        yield node.value, None
                    elif isinstance(target, ast.Tuple):
                        for position, element in enumerate(target.elts):
                            if isinstance(element, ast.Name) and element.id == name.id:
                                found = True
                                yield node.value, position
        if found or scope is module.tree:
            return
        scope = module.tree


def own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function or module, not those of the functions and classes inside it."""
    for child in ast.iter_child_nodes(scope):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        yield child
        yield from own_nodes(child)


# The scan ------------------------------------------------------------------------------------------
@dataclass
class Scan:
    sites: list[Site]
    unresolved: list[str]

    @property
    def keys(self) -> set[str]:
        return set().union(*(site.keys for site in self.sites))


@cache
def scan(scanned: tuple[Module, ...] | None = None) -> Scan:
    scanned = scanned or modules()
    found = wrappers(scanned)
    sites, unresolved = [], []
    for module in scanned:
        for call in calls(module):
            wrapper = find_wrapper(call, module, found)
            argument = key_argument(call, wrapper) if wrapper else None
            if wrapper is None or argument is None:
                continue
            function = module.enclosing(call)
            if function is not None and passed_parameter(argument, parameters(function)) is not None:
                continue  # a wrapper passing its own key on: its callers are scanned
            if (module.path, ast.unparse(argument)) in PASSED_ON:
                continue
            try:
                keys = values(argument, module)
            except Unresolved as error:
                unresolved.append(str(error))
                continue
            sites.append(Site(module.path, call.lineno, frozenset(wrapper.prefix + k for k in keys)))
    return Scan(sites, unresolved)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def test_the_scan_finds_the_wrappers_and_the_calls() -> None:
    found = wrappers(modules())
    assert found[("bot/dialogue/turn.py", "say")] == Wrapper("key", 0, "")
    assert found[("bot/services/ticket_rendering.py", "staff_text")].prefix == "staff."
    assert found[("bot/services/ticket_routing.py", "tell_customer_late")].prefix == "complaints.late_"
    assert found[("bot/channels/console_desk.py", "_t")].prefix == "desk."
    keys = scan().keys
    assert len(scan().sites) > 200
    # A literal, a prefixed wrapper, an enumerated f-string, a dict's values, a twin, a DeskError.
    assert {"core.welcome", "staff.card", "complaints.category.personal_data", "core.rights.objection",
            "complaints.no_staff.created_human", "desk.no_current", "complaints.late_resolution",
            "telegram.commands.privacy", "staff.already_taken", "core.order_status.returned"} <= keys


SAMPLE = """
from bot.services.staff_reach import customer_wording

WORDS = {"a": "core.thanks", "b": "core.no_such_text"}

def speak(turn, settings, data, flag):
    turn.say("core.welcome")
    turn.t(f"complaints.category.{data.kind}")
    key = "core.help" if flag else "core.nowhere"
    turn.say(customer_wording(settings, key))
    turn.say(WORDS.get(flag, "core.goodbye"))
    turn.say(customer_wording(settings, "complaints.relayed"))
    turn.say(data.anything)
"""


def test_the_scan_resolves_keys_and_reports_what_it_cannot() -> None:
    sample = parse("bot/sample.py", SAMPLE)
    DOMAINS[("bot/sample.py", "data.kind")] = ("human", "other")
    try:
        result = scan((*modules(), sample))
    finally:
        del DOMAINS[("bot/sample.py", "data.kind")]
    keys = set().union(*(s.keys for s in result.sites if s.path == "bot/sample.py"))
    assert keys == {"core.welcome", "complaints.category.human", "complaints.category.other", "core.help",
                    "core.nowhere", "core.thanks", "core.no_such_text", "core.goodbye",
                    "complaints.relayed", "complaints.no_staff.relayed"}
    assert result.unresolved == ["bot/sample.py:13: data.anything"]


def test_every_key_argument_is_resolved() -> None:
    assert scan().unresolved == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_the_code_uses_exists(catalog: Catalog, language: str) -> None:
    missing = sorted(f"{site.path}:{site.line} {key}" for site in scan().sites for key in site.keys
                     if key not in catalog.keys(language))
    assert missing == []


def test_every_key_in_the_locale_files_is_used(catalog: Catalog) -> None:
    unused = catalog.keys("vi") - scan().keys - set(UNUSED_ON_PURPOSE)
    assert sorted(unused) == []
    assert set(UNUSED_ON_PURPOSE) <= catalog.keys("vi"), "an allowed unused key is gone: drop it here"

