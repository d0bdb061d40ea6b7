"""Orders, fills and positions as rows of plain data, and as a pandas DataFrame.

A row is a ``dict`` of built-in values: ``Decimal`` for every price, quantity
and amount of money (never a float), ``datetime`` for times, ``str`` for ids,
enums (by name) and :class:`~orders.assets.Asset` symbols, ``None`` for what
an order does not have. Rows suit ``csv.DictWriter``, a database driver, or
:func:`to_dataframe`, which needs the optional ``pandas`` extra
(``pip install 'orders[pandas]'``) and keeps the decimals exact in ``object``
columns.
"""

from __future__ import annotations

import importlib
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from orders.assets import Asset
from orders.events import Fill
from orders.order import DecimalOrder
from orders.positions import Account

__all__ = [
    "fill_records",
    "order_records",
    "position_records",
    "standing_fills",
    "to_dataframe",
]

Record = dict[str, Any]
"""One row: column name to a plain value."""


def _asset(asset: Hashable) -> object:
    return asset.symbol if isinstance(asset, Asset) else asset


def order_records(orders: Iterable[DecimalOrder]) -> list[Record]:
    """One row per order: its terms, status and exact totals.

    ``amount``, ``filled`` and ``remaining`` are unsigned, with ``side``
    ``"BUY"`` or ``"SELL"``; ``average_price`` is
    :attr:`~orders.order.DecimalOrder.filled_price` (``None`` before a fill).
    """
    return [
        {
            "id": order.id,
            "asset": _asset(order.asset),
            "side": order.side,
            "order_type": order.order_type.name,
            "status": order.status.name,
            "amount": order.amount.copy_abs(),
            "filled": order.filled.copy_abs(),
            "remaining": order.remaining.copy_abs(),
            "limit": order.limit,
            "stop": order.stop,
            "average_price": order.filled_price,
            "notional": order.notional,
            "commission": order.commission,
            "time_in_force": order.time_in_force.name,
            "valid_until": order.valid_until,
            "created": order.created,
            "dt": order.dt,
            "parent_order_id": order.parent_order_id,
            "linked_order_ids": ",".join(order.linked_order_ids) or None,
            "reason": order.reason,
        }
        for order in orders
    ]


def fill_records(orders: Iterable[DecimalOrder]) -> list[Record]:
    """One row per fill that stands: corrected fills as corrected, busted ones left out.

    These are the fills an order's totals are made of: for each order, the
    quantities times the prices sum to its ``notional`` and the commissions to
    its ``commission``. ``quantity`` is unsigned, with the order's ``side``;
    ``dt`` is the fill's own time, ``None`` when the venue gave none.
    """
    rows: list[Record] = []
    for order in orders:
        rows.extend(
            {
                "order_id": order.id,
                "asset": _asset(order.asset),
                "side": order.side,
                "fill_id": fill.fill_id,
                "dt": fill.dt,
                "quantity": fill.quantity,
                "price": fill.price,
                "commission": fill.commission,
            }
            for fill in standing_fills(order)
        )
    return rows


def standing_fills(order: DecimalOrder) -> list[Fill]:
    """The fills of ``order`` that stand, as corrected, in the order they first arrived."""
    standing: list[Fill] = []
    seen: set[str] = set()
    for event in order.history:
        if not isinstance(event, Fill):
            continue
        if event.fill_id is None:
            standing.append(event)
        elif event.fill_id not in seen:
            seen.add(event.fill_id)
            live = order.fills[event.fill_id][1]
            if live is not None:
                standing.append(live)
    return standing


def position_records(account: Account) -> list[Record]:
    """One row per position of ``account``, by asset."""
    return [
        {
            "asset": _asset(asset),
            "quantity": position.quantity,
            "average_price": position.average_price,
            "cost": position.cost,
            "realized_pnl": position.realized_pnl,
            "commission": position.commission,
        }
        for asset, position in sorted(account.positions.items(), key=lambda item: str(item[0]))
    ]


def to_dataframe(records: Sequence[Record]) -> Any:
    """``records`` as a ``pandas.DataFrame``, decimals kept exact.

    Columns of ``Decimal`` stay ``object`` columns of ``Decimal`` values: pandas
    has no exact decimal dtype, and a float column would round. Needs the
    ``pandas`` extra.
    """
    try:
        pandas = importlib.import_module("pandas")
    except ImportError:
        raise ImportError(
            "to_dataframe needs pandas: pip install 'orders[pandas]'"
        ) from None
    return pandas.DataFrame.from_records(list(records))

