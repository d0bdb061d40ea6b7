"""A downstream project type-checks against the installed package.

mypy runs in a folder outside the repository, so it can find ``orders`` only
where the README's install put it; a file that misuses the API must fail, which
shows the types are the library's and not ``Any``.
"""

import subprocess
import sys
from pathlib import Path

USES = '''
from datetime import datetime
from decimal import Decimal

from orders import Account, Bar, DecimalOrder, LimitOrder, OrderBook, SimulatedVenue, dumps, loads

order = DecimalOrder.from_style(datetime(2024, 1, 15), "XYZ", 10, LimitOrder("150.00"))
filled: Decimal = order.fill(10, "149.99").filled
book = OrderBook().submit(order).book
result = SimulatedVenue().on_bar(book, "XYZ", Bar(150, 151, 149, 150), datetime(2024, 1, 16))
account = Account().apply(result.executions)
quantity: Decimal = account.position("XYZ").quantity
again: DecimalOrder = loads(dumps(order), DecimalOrder)
restored: OrderBook = loads(dumps(book), OrderBook)
'''
MISUSES = '''
from datetime import datetime

from orders import DecimalOrder

order = DecimalOrder(datetime(2024, 1, 15), "XYZ", 10)
name: str = order.filled
'''
INSTRUMENT = '''
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from orders import DecimalOrder, OrderBook, apply, Cancel


@dataclass(frozen=True)
class Future:
    root: str
    multiplier: Decimal


es = Future("ES", Decimal(50))
order = DecimalOrder(datetime(2024, 1, 15), es, 2, limit="5000.25")
later = apply(order.fill(1, "5000").check_triggers("5001"), Cancel("done"))
exposure: Decimal = later.asset.multiplier * later.filled
typed: DecimalOrder[Future] = later.initial
as_any_order: DecimalOrder = later  # an order of any asset, as the book holds them
book = OrderBook().submit(later).book
'''
WRONG_INSTRUMENT = '''
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from orders import DecimalOrder


@dataclass(frozen=True)
class Future:
    root: str
    multiplier: Decimal


order = DecimalOrder(datetime(2024, 1, 15), Future("ES", Decimal(50)), 2)
tick: Decimal = order.cancel().asset.tick_size
'''
UNTYPED_LOAD = '''
from orders import DecimalOrder, loads

order: DecimalOrder = loads("{}")
'''


def mypy(folder: Path, source: str) -> subprocess.CompletedProcess[str]:
    (folder / "downstream.py").write_text(source)
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "downstream.py"],
        cwd=folder, capture_output=True, text=True, check=False,
    )


def test_a_downstream_file_type_checks_against_the_installed_package(tmp_path: Path) -> None:
    result = mypy(tmp_path, USES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_misuse_is_caught_so_the_types_are_real(tmp_path: Path) -> None:
    result = mypy(tmp_path, MISUSES)
    assert result.returncode == 1
    assert 'Incompatible types in assignment (expression has type "Decimal"' in result.stdout


def test_a_document_of_unknown_kind_is_not_assumed_to_be_an_order(tmp_path: Path) -> None:
    result = mypy(tmp_path, UNTYPED_LOAD)
    assert result.returncode == 1
    assert "Incompatible types in assignment" in result.stdout


def test_an_order_keeps_the_type_of_its_asset_through_transitions(tmp_path: Path) -> None:
    result = mypy(tmp_path, INSTRUMENT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_attribute_the_asset_type_lacks_is_caught(tmp_path: Path) -> None:
    result = mypy(tmp_path, WRONG_INSTRUMENT)
    assert result.returncode == 1
    assert '"Future" has no attribute "tick_size"' in result.stdout
