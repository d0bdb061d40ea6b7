"""The package's structure, read from its own imports with ``ast``.

These tests hold the layout to what docs/architecture.md says: modules sit in
layers and import only their own layer or the ones below it, no import cycle
(but the one shorthand edge named below), no module reaches for another
module's underscore names, and every status set is defined once, beside the
statuses.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import orders

PACKAGE = Path(orders.__file__).resolve().parent

LAYERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "foundation",
        "errors, the decimal input floor, statuses, assets, execution styles, events",
        (
            "orders._checks",
            "orders._extras",
            "orders._fast",
            "orders.errors",
            "orders.decimals",
            "orders.statuses",
            "orders.assets",
            "orders.styles",
            "orders.events",
        ),
    ),
    ("order", "one order: its terms, value, history, state machine, pricing", ("orders.order",)),
    ("book", "many orders: the book, its index, OCO groups and brackets", ("orders.book",)),
    ("venue", "fills: the simulated venue, its costs, positions", ("orders.venue",)),
    ("io", "documents, execution logs, replay, recording, rows", ("orders.io",)),
    (
        "adapters",
        "backtrader's spelling, Hypothesis strategies",
        ("orders.compat", "orders.testing"),
    ),
    (
        "surface",
        "the public namespace, the command line, old module paths",
        (
            "orders",
            "orders.__main__",
            "orders.distributed",
            "orders.links",
            "orders.machine",
            "orders.replay",
            "orders.serialization",
            "orders.strategies",
        ),
    ),
)
"""Layers from the bottom up: (name, what it holds, module prefixes)."""

SHORTHAND = frozenset(
    {
        ("orders.order.value", "orders.order.machine"),
        ("orders.order.value", "orders.order.triggers"),
    }
)
"""The one import that points back up inside a layer: the order value's
convenience methods (``order.fill(...)``, ``order.check_triggers(...)``) call the
machine and the trigger checks, imported at the bottom of the value's module."""

STATUS_HOME = "orders.statuses"
STATUS_NAMES = frozenset(
    {"OPEN", "FILLED", "CANCELLED", "REJECTED", "HELD", "TRIGGERED", "PARTIALLY_FILLED"}
)


def module_name(path: Path) -> str:
    parts = ("orders", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, ast.Module]:
    return {module_name(path): ast.parse(path.read_text()) for path in PACKAGE.rglob("*.py")}


def is_module(name: str) -> bool:
    relative = Path(*name.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").exists() or (PACKAGE / relative).is_dir()


def imports(tree: ast.Module) -> Iterator[tuple[str, str, int]]:
    """(module imported, name taken from it or "", line) for each package import."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "orders":
            assert node.module is not None
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if is_module(submodule):
                    yield submodule, "", node.lineno
                else:
                    yield node.module, alias.name, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "orders":
                    yield alias.name, "", node.lineno


def graph() -> dict[str, set[str]]:
    return {
        name: {target for target, _, _ in imports(tree) if target != name}
        for name, tree in modules().items()
    }


def layer_of(module: str) -> int:
    matches = [
        (len(prefix), index)
        for index, (_, _, prefixes) in enumerate(LAYERS)
        for prefix in prefixes
        if module == prefix or (prefix != "orders" and module.startswith(prefix + "."))
    ]
    assert matches, f"{module} sits in no layer of LAYERS"
    return max(matches)[1]


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_module_sits_in_a_layer() -> None:
    for name in modules():
        layer_of(name)


def test_imports_point_down_the_layers() -> None:
    upward = [
        f"{source} ({LAYERS[layer_of(source)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
        for source, targets in graph().items()
        for target in targets
        if layer_of(target) > layer_of(source)
    ]
    assert upward == []


def test_no_import_cycle_but_the_shorthand() -> None:
    edges = {
        source: {target for target in targets if (source, target) not in SHORTHAND}
        for source, targets in graph().items()
    }
    assert cycles(edges) == []


def test_the_shorthand_edges_exist() -> None:
    edges = graph()
    assert all(target in edges[source] for source, target in SHORTHAND)


def private_reads(name: str, tree: ast.Module) -> Iterator[str]:
    """Another module's underscore names that ``tree`` imports or reads."""
    aliases: dict[str, str] = {}
    for target, taken, line in imports(tree):
        if taken.startswith("_") and target != name:
            yield f"{name}:{line} imports {target}.{taken}"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("orders"):
            for alias in node.names:
                if is_module(f"{node.module}.{alias.name}"):
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            yield f"{name}:{node.lineno} reads {aliases[node.value.id]}.{node.attr}"


def test_no_module_reads_another_modules_underscore_names() -> None:
    found = [read for name, tree in modules().items() for read in private_reads(name, tree)]
    assert found == []


def is_status(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr in STATUS_NAMES
    return isinstance(node, ast.Name) and node.id.lstrip("_") in STATUS_NAMES


def states_a_status_set(value: ast.expr) -> bool:
    """True for a literal collection (or frozenset/set call) of two or more statuses."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        if value.func.id in {"frozenset", "set", "tuple"} and value.args:
            return states_a_status_set(value.args[0])
        return False
    if isinstance(value, (ast.Set, ast.Tuple, ast.List)):
        return sum(is_status(element) for element in value.elts) >= 2
    return False


def status_sets() -> Iterator[tuple[str, str]]:
    for name, tree in modules().items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if states_a_status_set(node.value):
                    yield name, ", ".join(ast.unparse(target) for target in targets)


def test_status_sets_are_defined_only_beside_the_statuses() -> None:
    elsewhere = [f"{module}.{target}" for module, target in status_sets() if module != STATUS_HOME]
    assert elsewhere == []


def test_no_two_status_sets_hold_the_same_statuses() -> None:
    from orders import statuses

    sets = {
        name: frozenset(value)
        for name, value in vars(statuses).items()
        if isinstance(value, frozenset) and all(isinstance(v, orders.ORDER_STATUS) for v in value)
    }
    assert len(set(sets.values())) == len(sets), sets


def test_only_the_book_reads_its_index() -> None:
    readers = {
        source
        for source, targets in graph().items()
        if "orders.book.index" in targets and not source.startswith("orders.book")
    }
    assert readers == set()
