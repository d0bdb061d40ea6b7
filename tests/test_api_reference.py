"""docs/api.md is generated from the public API; this test keeps them in step.

The page holds one mkdocstrings directive per public name; ``mkdocs build``
renders each from its docstrings, methods and properties included.
Regenerate the page with ``python -m tests.test_api_reference``.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import orders
from orders import distributed
from orders.testing import strategies

PAGE = Path(__file__).resolve().parent.parent / "docs" / "api.md"
HEADER = """# API reference

Generated from the docstrings of the public API: every name of
`orders.__all__`, of `orders.distributed` and of `orders.testing.strategies`, with its
methods, properties and fields.

## What is public

The public API is every name `orders` exports (`orders.__all__`, listed
below), the distributed replay of `orders.distributed` (with the `dask` extra)
and the strategies of `orders.testing.strategies` (also importable as
`orders.strategies`). The rule tables are public
to read, so that tools and documentation can be built from them:
`orders.machine.TRANSITIONS`, the tables of `orders.links` (`SUBMIT_CHECKS`,
`STATE_CHECKS`, `GUARDS`, `REACTIONS`, `INVARIANTS`) and `orders.venue.FILL_PRICES`. Modules
whose names begin with an underscore, and names that begin with one, are
private. Other module-level names of the public modules may change between
minor versions before 1.0; every such change is listed in the changelog, and
from 1.0 on a public name is deprecated for one minor version before it goes.
"""


def _group(obj: object) -> str:
    if inspect.isclass(obj):
        return "Classes"
    if inspect.isfunction(obj):
        return "Functions"
    return "Constants and type aliases"


def render() -> str:
    sections = [HEADER]
    groups: dict[str, list[str]] = {
        "Classes": [],
        "Functions": [],
        "Constants and type aliases": [],
    }
    for name in sorted(orders.__all__, key=str.lower):
        groups[_group(getattr(orders, name))].append(f"::: orders.{name}\n")
    for title, entries in groups.items():
        sections.append(f"## {title}\n")
        sections.extend(entries)
    sections.append("## Distributed replay: `orders.distributed`\n")
    sections.extend(f"::: orders.distributed.{name}\n" for name in sorted(distributed.__all__))
    sections.append("## Strategies: `orders.testing.strategies`\n")
    sections.extend(
        f"::: orders.testing.strategies.{name}\n" for name in sorted(strategies.__all__)
    )
    return "\n".join(sections)


def test_the_api_page_matches_the_code() -> None:
    assert PAGE.read_text() == render()


if __name__ == "__main__":
    PAGE.write_text(render())

