"""A griffe extension for the API reference: Sphinx roles become links.

The docstrings use Sphinx roles (``:class:`~orders.events.Fill```), which
read well in ``help()`` and IDEs. This extension rewrites each role into an
mkdocs-autorefs link when its target is on the API page, and into inline
code otherwise, so the site shows neither raw roles nor dead links.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

import orders
from orders import strategies

ROLE = re.compile(r":(?:class|func|meth|data|attr|mod|exc|obj):`(~?)([^`]+)`")


def _public_path(target: str) -> str | None:
    """The page anchor of ``target`` (a dotted name as written), if it has one."""
    parts = target.split(".")
    for start, head in enumerate(parts):
        if head in orders.__all__:
            owner, prefix = getattr(orders, head), "orders"
        elif head in strategies.__all__:
            owner, prefix = getattr(strategies, head), "orders.strategies"
        else:
            continue
        for member in parts[start + 1 :]:
            if not hasattr(owner, member):
                return None
            owner = getattr(owner, member)
        return ".".join([prefix, *parts[start:]])
    return None


def _replace(match: re.Match[str]) -> str:
    short, target = match.groups()
    title = target.rsplit(".", 1)[-1] if short else target
    anchor = _public_path(target)
    return f"[`{title}`][{anchor}]" if anchor else f"`{title}`"


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles in every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = ROLE.sub(_replace, obj.docstring.value)
