"""The garbage-collector recipe of docs/performance.md does what the page says,
and the comparison benchmark keeps what it says it keeps.

The recipe is run as the page writes it (its block is read from the page), on
a loaded book; every test gives the process back unfrozen, so the collector
sees the same heap in the tests that follow.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from benchmarks.compare import FILLS_PER_ORDER, KEPT, floor_contender, orders_contender
from orders import ORDER_STATUS, DecimalOrder, Fill, OrderBook

PAGE = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
PYTHON_BLOCK = re.compile(r"^```python\n(?P<body>.*?)^```\s*$", re.M | re.S)
T0 = datetime(2024, 1, 15, 9, 30)
RESTING = 300


def python_blocks() -> list[str]:
    return [match["body"] for match in PYTHON_BLOCK.finditer(PAGE.read_text())]


def the_recipe() -> str:
    """The page's block that freezes: the one a host copies."""
    (recipe,) = [block for block in python_blocks() if "gc.freeze()" in block]
    return recipe


def loaded_book() -> OrderBook:
    resting = [
        DecimalOrder(T0, "XYZ", 1, limit=Decimal(100) + Decimal(index) / 100, id=f"o{index}")
        for index in range(RESTING)
    ]
    return OrderBook().submit(*resting).book


@pytest.fixture
def unfrozen_after() -> Iterator[None]:
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen_after")
def test_the_recipe_leaves_a_loaded_book_out_of_every_collection() -> None:
    book = loaded_book()
    watched = [value for value in (book, book.orders, book.index) if gc.is_tracked(value)]
    assert len(watched) == 3  # the book and its maps; its orders are not tracked at all
    frozen_before = gc.get_freeze_count()
    exec(the_recipe(), {})
    assert gc.get_freeze_count() >= frozen_before + len(watched)
    visited = {id(value) for value in gc.get_objects()}
    assert [value for value in watched if id(value) in visited] == []
    gc.collect()  # a full collection passes the frozen book by and leaves it whole
    filled = book.apply("o7", Fill(1, "100.07", dt=T0, fill_id="f-7")).book
    assert filled["o7"].status is ORDER_STATUS.FILLED
    assert book["o7"].status is ORDER_STATUS.OPEN
    assert len(filled.orders) == RESTING


@pytest.mark.usefixtures("unfrozen_after")
def test_a_frozen_book_is_still_freed_by_reference_counting() -> None:
    book = loaded_book()
    exec(the_recipe(), {})
    frozen = gc.get_freeze_count()
    del book
    assert gc.get_freeze_count() <= frozen - RESTING


@pytest.mark.usefixtures("unfrozen_after")
def test_the_page_gives_the_process_back_unfrozen() -> None:
    gc.unfreeze()
    namespace: dict[str, object] = {}
    for block in python_blocks():
        exec(block, namespace)
    assert gc.get_freeze_count() == 0


def test_the_comparison_keeps_every_order_and_version_it_makes() -> None:
    operations = 2 * FILLS_PER_ORDER
    kept_per_operation = {"create": 1, "fill": 1, "lifecycle": 1 + FILLS_PER_ORDER,
                          "trigger": 1, f"chain {operations}": 1}
    for contender in (orders_contender(), floor_contender()):
        for workload, work in contender.workloads(chains=(operations,)).items():
            before = len(KEPT)
            work(operations)
            assert len(KEPT) - before == operations * kept_per_operation[workload], (
                contender.name, workload)
    del KEPT[:]  # the benchmark's results, kept only for the benchmark


def test_the_comparisons_fills_carry_ids_and_every_version_is_kept() -> None:
    before = len(KEPT)
    orders_contender().workloads(chains=())["fill"](FILLS_PER_ORDER)
    versions = [version for version in KEPT[before:] if isinstance(version, DecimalOrder)]
    del KEPT[before:]
    assert [len(version.history) for version in versions] == [1, 2, 3, 4]
    last = versions[-1]
    fill_ids = [event.fill_id for event in last.history if isinstance(event, Fill)]
    assert len(set(fill_ids)) == FILLS_PER_ORDER
    assert None not in fill_ids
    assert last.status is ORDER_STATUS.FILLED
