"""A griffe extension for the API reference: the signature a callable declares at run time.

A few functions of ``orders`` take the arguments of a class and are written as
taking one instance of it (``OrderBook.place`` takes those of ``Placement``);
their ``__signature__`` says what a caller passes. Griffe reads the source, so
this extension gives such a function the parameters of that signature.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from typing import Any

import griffe


def _runtime(func: griffe.Function) -> object:
    module = func.module.path
    owner: object = importlib.import_module(module)
    for name in func.path[len(module) + 1 :].split("."):
        owner = inspect.getattr_static(owner, name, None)
    return owner


def _annotation(text: object, func: griffe.Function) -> str | griffe.Expr | None:
    if text is inspect.Parameter.empty:
        return None
    source = text if isinstance(text, str) else inspect.formatannotation(text)
    parent = func.parent if isinstance(func.parent, griffe.Module | griffe.Class) else None
    expression = ast.parse(source, mode="eval").body
    return griffe.safe_get_annotation(expression, parent=parent) or source  # type: ignore[arg-type]


class RuntimeSignatures(griffe.Extension):
    """Give a function that sets ``__signature__`` the parameters it declares."""

    def on_function_instance(self, *, func: griffe.Function, **kwargs: Any) -> None:
        signature = getattr(_runtime(func), "__signature__", None)
        if not isinstance(signature, inspect.Signature):
            return
        func.parameters = griffe.Parameters(
            *(
                griffe.Parameter(
                    parameter.name,
                    annotation=_annotation(parameter.annotation, func),
                    kind=griffe.ParameterKind(parameter.kind.description),
                    default=None if parameter.default is inspect.Parameter.empty
                    else repr(parameter.default),
                )
                for parameter in signature.parameters.values()
            )
        )
        func.returns = _annotation(signature.return_annotation, func)
