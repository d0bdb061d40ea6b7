"""docs/api.md is generated from the public API; this test keeps them in step.

Regenerate the page with ``python -m tests.test_api_reference``.
"""

from __future__ import annotations

import inspect
from enum import Enum
from pathlib import Path

import orders
from orders import strategies

PAGE = Path(__file__).resolve().parent.parent / "docs" / "api.md"
HEADER = """# API reference

Generated from the docstrings of the public API (`orders.__all__` and
`orders.strategies`); a test fails when this page and the code disagree.
Regenerate it with `python -m tests.test_api_reference`.

## What is public

The public API is every name `orders` exports (`orders.__all__`, listed
below) and the strategies of `orders.strategies`. The rule tables are public
to read, so that tools and documentation can be built from them:
`orders.machine.TRANSITIONS`, the tables of `orders.links` (`SUBMIT_CHECKS`,
`GUARDS`, `REACTIONS`, `INVARIANTS`) and `orders.venue.FILL_PRICES`. Modules
whose names begin with an underscore, and names that begin with one, are
private. Other module-level names of the public modules may change between
minor versions before 1.0; every such change is listed in the changelog, and
from 1.0 on a public name is deprecated for one minor version before it goes.
"""


def _summary(obj: object) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.split("\n\n")[0].replace("\n", " ")


def _entry(module_name: str, name: str, obj: object) -> str:
    if inspect.isclass(obj) and issubclass(obj, Enum):
        members = ", ".join(member.name for member in obj)
        return f"### `{name}`\n\n{_summary(obj)} Members: {members}.\n"
    if inspect.isclass(obj) or inspect.isfunction(obj):
        try:
            signature = str(inspect.signature(obj))
        except (TypeError, ValueError):
            signature = "(...)"
        return f"### `{name}{signature}`\n\n{_summary(obj)}\n"
    return f"### `{name}`\n\nA {type(obj).__name__} exported by `{module_name}`.\n"


def render() -> str:
    sections = [HEADER]
    groups: dict[str, list[str]] = {"Classes": [], "Functions": [], "Constants": []}
    for name in sorted(orders.__all__, key=str.lower):
        obj = getattr(orders, name)
        group = "Classes" if inspect.isclass(obj) else (
            "Functions" if inspect.isfunction(obj) else "Constants"
        )
        groups[group].append(_entry("orders", name, obj))
    for title, entries in groups.items():
        sections.append(f"## {title}\n")
        sections.extend(entries)
    sections.append("## `orders.strategies`\n")
    sections.extend(
        _entry("orders.strategies", name, getattr(strategies, name))
        for name in sorted(strategies.__all__)
    )
    return "\n".join(sections)


def test_the_api_page_matches_the_code() -> None:
    assert PAGE.read_text() == render()


if __name__ == "__main__":
    PAGE.write_text(render())
