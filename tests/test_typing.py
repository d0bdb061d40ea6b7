"""A downstream project type-checks against the installed package.

mypy runs in a folder outside the repository, so it can find ``orders`` only
where the README's install put it; a file that misuses the API must fail, which
shows the types are the library's and not ``Any``. It runs once over every
file, each a module of its own, and each test reads the errors of its file.
"""

import subprocess
import sys

import pytest

USES = '''
from datetime import datetime
from decimal import Decimal

from orders import (
    Account, Asset, Bar, BookResult, BracketOrder, DecimalOrder, LimitOrder, OrderBook,
    Recorder, SimulatedVenue, dumps, loads, placed_orders,
)

order = DecimalOrder.from_style(datetime(2024, 1, 15), "XYZ", 10, LimitOrder("150.00"))
filled: Decimal = order.fill(10, "149.99").filled
book = OrderBook().submit(order).book
result = SimulatedVenue().on_bar(book, "XYZ", Bar(150, 151, 149, 150), datetime(2024, 1, 16))
account = Account().apply(result.executions)
quantity: Decimal = account.position("XYZ").quantity
again: DecimalOrder = loads(dumps(order), DecimalOrder)
restored: OrderBook = loads(dumps(book), OrderBook)
closes: dict[Asset, Decimal] = {Asset("XYZ"): Decimal("150.10")}
pnl: Decimal = account.unrealized_pnl(closes)
by_symbol: dict[str, str] = {"XYZ": "150.10"}
pnl = account.unrealized_pnl(by_symbol)
style = BracketOrder(LimitOrder(100), 95, 110)
placed: BookResult = book.place(
    dt=datetime(2024, 1, 15), asset="XYZ", amount=10, style=style, ids=["m", "s", "l"],
    link_mode="reduce", time_in_force="GTD", valid_until=datetime(2024, 1, 16),
)
lines: list[str] = []
recorded: BookResult = Recorder(lines.append).place(
    datetime(2024, 1, 15), "XYZ", Decimal(10), style, ids=("m", "s", "l"), link_mode="cancel",
)
built: tuple[DecimalOrder, ...] = placed_orders(datetime(2024, 1, 15), "XYZ", "10", style)
'''
MISUSES = '''
from datetime import datetime

from orders import DecimalOrder

order = DecimalOrder(datetime(2024, 1, 15), "XYZ", 10)
name: str = order.filled
'''
FUTURE = '''
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Future:
    root: str
    multiplier: Decimal
'''
INSTRUMENT = FUTURE + '''
from orders import DecimalOrder, OrderBook, apply, Cancel

es = Future("ES", Decimal(50))
order = DecimalOrder(datetime(2024, 1, 15), es, 2, limit="5000.25")
later = apply(order.fill(1, "5000").check_triggers("5001"), Cancel("done"))
exposure: Decimal = later.asset.multiplier * later.filled
typed: DecimalOrder[Future] = later.initial
as_any_order: DecimalOrder = later  # an order of any asset, as the book holds them
book = OrderBook().submit(later).book
'''
WRONG_INSTRUMENT = FUTURE + '''
from orders import DecimalOrder

order = DecimalOrder(datetime(2024, 1, 15), Future("ES", Decimal(50)), 2)
tick: Decimal = order.cancel().asset.tick_size
'''
MISPLACED = '''
from datetime import datetime

from orders import LimitOrder, OrderBook, Recorder

book = OrderBook().place(datetime(2024, 1, 15), "XYZ", 10, LimitOrder(100), ids=7)
Recorder(print).place(datetime(2024, 1, 15), "XYZ", 10, LimitOrder(100), valid=None)
Recorder(print).place(datetime(2024, 1, 15), "XYZ", 10, LimitOrder(100), None)
'''
UNTYPED_LOAD = '''
from orders import DecimalOrder, loads

order: DecimalOrder = loads("{}")
'''


SOURCES = {
    "uses": USES,
    "instrument": INSTRUMENT,
    "misuses": MISUSES,
    "untyped_load": UNTYPED_LOAD,
    "wrong_instrument": WRONG_INSTRUMENT,
    "misplaced": MISPLACED,
}


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """mypy's errors in each downstream file, from one run over all of them."""
    folder = tmp_path_factory.mktemp("downstream")
    for name, source in SOURCES.items():
        (folder / f"{name}.py").write_text(source)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         *(f"{name}.py" for name in SOURCES)],
        cwd=folder, capture_output=True, text=True, check=False,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr  # 2: mypy itself failed
    return {name: [line for line in result.stdout.splitlines()
                   if line.startswith(f"{name}.py:") and ": error: " in line]
            for name in SOURCES}


@pytest.mark.parametrize("name", ["uses", "instrument"])
def test_a_downstream_file_type_checks_against_the_installed_package(
    mypy_errors: dict[str, list[str]], name: str
) -> None:
    assert mypy_errors[name] == []


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("misuses", 'Incompatible types in assignment (expression has type "Decimal"'),
        ("untyped_load", "Incompatible types in assignment"),
        ("wrong_instrument", '"Future" has no attribute "tick_size"'),
        ("misplaced", 'Argument "ids" to "place" of "OrderBook" has incompatible type "int"'),
        ("misplaced", 'Unexpected keyword argument "valid" for "place" of "Recorder"'),
        ("misplaced", 'Too many positional arguments for "place" of "Recorder"'),
    ],
    ids=["misuse", "untyped load", "wrong instrument", "place: type", "place: name",
         "place: keyword only"],
)
def test_a_misuse_is_caught_so_the_types_are_real(
    mypy_errors: dict[str, list[str]], name: str, error: str
) -> None:
    assert any(error in line for line in mypy_errors[name]), mypy_errors[name]
