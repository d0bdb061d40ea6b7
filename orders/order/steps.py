"""Compiling a row of the transition table into one function: its guards, its
effect and its status rule inlined, in the row's order.

A row names its guards and its effect as functions, so that the table is the
whole rule set and the documentation can be drawn from it. Calling them one by
one costs a Python frame each, several per event. :func:`compile_row` reads the
source of each function the row names and splices their bodies into one
function with the same behaviour: a guard's early ``return`` (the event
passes) becomes an ``if``/``else`` around the rest of its body, each
function's locals are renamed apart, and the status rule's ``land`` becomes
the status itself, the current status or :func:`~orders.order.value.status_by_fill`.
A function whose body cannot be spliced (its source is not available or not
what was loaded, it returns from inside a loop, it binds names other than by
assignment, or it assigns to its own arguments, which the spliced bodies
share) is called instead, so the compiled row always does what
the row says. :func:`interpret_row` runs a row by calling each function
in turn; the tests check that both give the same result on random lifecycles.
"""

from __future__ import annotations
import __future__

import ast
import dis
import functools
import inspect
import linecache
import sys
import types
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar

__all__ = ["Row", "compile_row", "interpret_row", "row_source"]

Step = Callable[[Any, Any], Any]
"""What a compiled row is: ``step(order, event)`` returns the new order."""

_ROW = "_compiled_row"
"""The name of the compiled function inside ``make``: one no module may use."""

Landing = Callable[[Any], tuple[str, dict[str, Any]] | None]
"""For a status rule, the expression its ``land`` call becomes (see :func:`compile_row`)."""


class Row(Protocol):
    """What this module needs of a row: its guards, its effect and its status rule."""

    @property
    def guards(self) -> tuple[Callable[..., None], ...]: ...

    @property
    def effect(self) -> Callable[..., Any]: ...

    @property
    def status(self) -> Any: ...


def interpret_row(row: Row) -> Step:
    """``step(order, event)``: each guard of ``row`` in order, then its effect."""
    guards, effect, status = row.guards, row.effect, row.status

    def step(order: Any, event: Any) -> Any:
        for guard in guards:
            guard(order, event)
        return effect(order, event, status)

    return step


def compile_row(row: Row, name: str, lands: Landing) -> Step:
    """``row`` as one function (see the module's docstring).

    ``name`` names it in tracebacks. ``lands(status_rule)`` gives the source
    of the expression that replaces ``status.land(current, filled, amount)``
    for the row's status rule, in terms of the names ``current``, ``filled``
    and ``amount``, with the objects its other names stand for; ``None`` keeps
    the call.
    """
    source, scope, bindings = _row_function(row, lands)
    filename = f"<row {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    made: dict[str, Any] = {}
    exec(compile(source, filename, "exec"), scope, made)
    step: Step = made["make"](**bindings)
    step.__qualname__ = step.__name__ = f"step_{name.replace(' ', '_')}"
    return step


def row_source(row: Row, lands: Landing) -> str:
    """The Python source :func:`compile_row` compiles for ``row``: ``make``,
    which takes the row's own objects and returns ``step``."""
    return _row_function(row, lands)[0]


def _row_function(row: Row, lands: Landing) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The source of ``make``, the globals it runs in (those of the row's
    effect) and the objects ``make`` takes."""
    scope: dict[str, Any] = row.effect.__globals__
    bindings: dict[str, Any] = {"_status": row.status}
    body: list[ast.stmt] = []
    for guard in row.guards:
        body.extend(_inlined(guard, ("order", "event"), scope, bindings, effect=False))
    effect_body = _inlined(row.effect, ("order", "event", "_status"), scope, bindings,
                           effect=True)
    landing = lands(row.status)
    if landing is not None:
        expression, objects = landing
        bindings.update(objects)
        inliner = _LandingInliner(ast.parse(expression, mode="eval").body)
        effect_body = [inliner.visit(statement) for statement in effect_body]
    body.extend(effect_body)
    for binding, value in (*bindings.items(), (_ROW, None)):
        if scope.get(binding, value) is not value:
            raise ValueError(f"{binding!r} of row {row!r} hides another object of its module")
    make = ast.parse(f"def make({', '.join(bindings)}):\n    def {_ROW}(order, event):\n"
                     f"        pass\n    return {_ROW}").body[0]
    assert isinstance(make, ast.FunctionDef)
    step = make.body[0]
    assert isinstance(step, ast.FunctionDef)
    step.body = body
    return ast.unparse(ast.fix_missing_locations(make)) + "\n", scope, bindings


def _inlined(
    function: Callable[..., Any],
    parameters: Sequence[str],
    scope: dict[str, Any],
    bindings: dict[str, Any],
    *,
    effect: bool,
) -> list[ast.stmt]:
    """The body of ``function`` with its parameters renamed to ``parameters``
    and its locals renamed apart; a call of it when its body cannot be spliced
    (or it reads the globals of another module than ``scope``)."""
    definition = _definition(function)
    if definition is None or getattr(function, "__globals__", None) is not scope:
        return _called(function, parameters, bindings, effect=effect)
    names = [argument.arg for argument in definition.args.args]
    if len(names) != len(parameters) or definition.args.defaults or definition.args.kwonlyargs:
        return _called(function, parameters, bindings, effect=effect)
    body = _without_docstring(definition.body)
    assigned = _assigned_names(body)
    if assigned & set(names):
        return _called(function, parameters, bindings, effect=effect)  # it rebinds what it shares
    renames = dict(zip(names, parameters, strict=True))
    prefix = f"_{function.__name__}_"
    for local in assigned - set(names):
        renames[local] = prefix + local
    body = [_Renamer(renames).visit(statement) for statement in body]
    if not effect:
        spliced = _falling_through(body)
        if spliced is None:
            return _called(function, parameters, bindings, effect=effect)
        body = spliced
    return body


_UNSPLICEABLE = (
    ast.Yield, ast.YieldFrom, ast.Nonlocal, ast.Global, ast.Lambda, ast.FunctionDef,
    ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.ExceptHandler,
    ast.Match, ast.Delete,
)
"""What a spliced body may not hold: scopes of its own, and statements that bind
or unbind names other than by assignment (which the renaming would miss)."""


def _definition(function: Callable[..., Any]) -> ast.FunctionDef | None:
    """A fresh copy of the syntax tree of ``function``, or None when it cannot be
    spliced."""
    definition = _spliceable(function)
    return None if definition is None else _copy(definition)


@functools.lru_cache(maxsize=256)
def _spliceable(function: Callable[..., Any]) -> ast.FunctionDef | None:
    """The syntax tree of ``function`` (not to be changed), or None when it
    cannot be spliced; worked out once per function, which many rows share."""
    module = inspect.getmodule(function)
    name = getattr(function, "__name__", None)
    if module is None or name is None:
        return None
    definition = _module_functions(module.__name__).get(name)
    if definition is None or definition.decorator_list or not _compiles_to(definition, function):
        return None
    if any(isinstance(node, _UNSPLICEABLE)
           for node in ast.walk(definition) if node is not definition):
        return None
    return definition


def _compiles_to(definition: ast.FunctionDef, function: Callable[..., Any]) -> bool:
    """True when ``definition`` compiles to the code ``function`` runs: the
    source read now may not be what was loaded (a file changed on disk, a
    function replaced after its definition)."""
    code = getattr(function, "__code__", None)
    if code is None:
        return False
    flags = code.co_flags & __future__.annotations.compiler_flag
    module = compile(ast.Module(body=[definition], type_ignores=[]), code.co_filename, "exec",
                     flags=flags, dont_inherit=True)
    compiled = next(constant for constant in module.co_consts
                    if isinstance(constant, types.CodeType))
    return _shape(compiled) == _shape(code)


def _shape(code: types.CodeType) -> tuple[object, ...]:
    """What ``code`` does, instruction by instruction, from its first line, with
    jumps by the instruction they go to. A method call on an imported module
    compiles to another instruction (of another size) inside its module than
    alone, which this leaves out."""
    instructions = list(dis.get_instructions(code))
    position = {instruction.offset: index for index, instruction in enumerate(instructions)}
    return (code.co_firstlineno, tuple(
        ("LOAD_ATTR" if instruction.opname == "LOAD_METHOD" else instruction.opname,
         position.get(instruction.argval) if instruction.opcode in _JUMPS
         else _shape(instruction.argval) if isinstance(instruction.argval, types.CodeType)
         else repr(instruction.argval))
        for instruction in instructions
    ))


_JUMPS = frozenset((*dis.hasjrel, *dis.hasjabs))


@functools.cache
def _module_functions(module_name: str) -> dict[str, ast.FunctionDef]:
    """The module's top-level functions by name, parsed once."""
    try:
        source = inspect.getsource(sys.modules[module_name])
    except (OSError, TypeError, KeyError):
        return {}
    return {
        node.name: node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)
    }


def _called(
    function: Callable[..., Any],
    parameters: Sequence[str],
    bindings: dict[str, Any],
    *,
    effect: bool,
) -> list[ast.stmt]:
    name = getattr(function, "__name__", "")
    alias = f"_call{len(bindings)}_{name if name.isidentifier() else 'function'}"
    bindings[alias] = function
    call = ast.Call(
        func=ast.Name(alias, ast.Load()),
        args=[ast.Name(parameter, ast.Load()) for parameter in parameters],
        keywords=[],
    )
    return [ast.Return(call) if effect else ast.Expr(call)]


def _without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
        first.value.value, str
    ):
        return body[1:]
    return body


def _assigned_names(body: Iterable[ast.stmt]) -> set[str]:
    return {
        node.id
        for statement in body
        for node in ast.walk(statement)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }


def _falling_through(body: list[ast.stmt]) -> list[ast.stmt] | None:
    """A guard's statements with every ``return`` turned into falling off the
    end, or None when a ``return`` is not in a place this can do (a loop)."""
    result: list[ast.stmt] = []
    for position, statement in enumerate(body):
        if isinstance(statement, ast.Return):
            if statement.value is not None and not _is_none(statement.value):
                return None
            return result or [ast.Pass()]
        if isinstance(statement, ast.If) and _returns_anywhere(statement):
            rest = body[position + 1:]
            then = _falling_through([*statement.body, *rest]) if not _ends(
                statement.body) else _falling_through(statement.body)
            otherwise = _falling_through([*statement.orelse, *rest]) if not _ends(
                statement.orelse) else _falling_through(statement.orelse)
            if then is None or otherwise is None:
                return None
            result.append(_branch(statement.test, then, otherwise))
            return result
        if _returns_anywhere(statement):
            return None
        result.append(statement)
    return result or [ast.Pass()]


def _branch(test: ast.expr, then: list[ast.stmt], otherwise: list[ast.stmt]) -> ast.If:
    """``if test: then else: otherwise``, written ``if not test: otherwise`` when
    ``then`` does nothing."""
    if len(then) == 1 and isinstance(then[0], ast.Pass):
        return ast.If(ast.UnaryOp(ast.Not(), test), otherwise, [])
    return ast.If(test, then, otherwise)


def _ends(body: list[ast.stmt]) -> bool:
    """True when ``body`` never runs past its end (it returns or raises)."""
    return bool(body) and isinstance(body[-1], (ast.Return, ast.Raise))


def _returns_anywhere(statement: ast.stmt) -> bool:
    return any(isinstance(node, ast.Return) for node in ast.walk(statement))


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


class _Renamer(ast.NodeTransformer):
    def __init__(self, renames: dict[str, str]) -> None:
        self.renames = renames

    def visit_Name(self, node: ast.Name) -> ast.Name:
        return ast.copy_location(ast.Name(self.renames.get(node.id, node.id), node.ctx), node)


class _LandingInliner(ast.NodeTransformer):
    """``_status.land(current, filled, amount)`` replaced by ``landing``, with
    ``current``, ``filled`` and ``amount`` standing for the call's arguments."""

    def __init__(self, landing: ast.expr) -> None:
        self.landing = landing

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        function = node.func
        if not (
            isinstance(function, ast.Attribute)
            and function.attr == "land"
            and isinstance(function.value, ast.Name)
            and function.value.id == "_status"
            and len(node.args) == 3
            and not node.keywords
        ):
            return node
        arguments = dict(zip(("current", "filled", "amount"), node.args, strict=True))
        landed: ast.expr = _Substituter(arguments).visit(_copy(self.landing))
        return landed


class _Substituter(ast.NodeTransformer):
    def __init__(self, arguments: dict[str, ast.expr]) -> None:
        self.arguments = arguments

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return _copy(self.arguments[node.id]) if node.id in self.arguments else node


N = TypeVar("N", bound=ast.AST)


def _copy(node: N) -> N:
    """A copy of the tree under ``node`` (nodes copied, leaf values shared)."""
    copied = type(node)()
    for name, value in ast.iter_fields(node):
        if isinstance(value, ast.AST):
            value = _copy(value)
        elif isinstance(value, list):
            value = [_copy(item) if isinstance(item, ast.AST) else item for item in value]
        setattr(copied, name, value)
    for name in node._attributes:
        if hasattr(node, name):
            setattr(copied, name, getattr(node, name))
    return copied
