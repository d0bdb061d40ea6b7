"""Orders, fills, positions and trades as rows of plain data, and as a pandas DataFrame.

A row is a ``dict`` of built-in values: ``Decimal`` for every price, quantity
and amount of money (never a float), ``datetime`` for times, ``timedelta``
for a trade's duration, ``int`` for its number, ``str`` for ids, enums (by
name) and :class:`~orders.assets.Asset` symbols and exchanges, ``bool`` for
flags, ``None`` for what an order (or a trade) does not have yet. An asset takes
two columns, ``asset`` and ``asset_exchange``, so that one symbol on two
exchanges gives two different rows. Those two columns are the asset's whole
identity in a row, as symbol and venue are an instrument's id: an Asset's tick
size and quantity increment are rules for trading it, not part of its name.

Rows suit ``csv.DictWriter``, a database driver, or
:func:`to_dataframe`, which needs the optional ``pandas`` extra (pandas
itself) and keeps the decimals exact in ``object``
columns.
"""

from __future__ import annotations

import importlib
from collections.abc import Hashable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from orders._extras import missing_extra
from orders.assets import Asset
from orders.decimals import exact_multiply
from orders.events import Fill
from orders.order.value import DecimalOrder
from orders.venue.positions import Account
from orders.venue.trades import Trades

__all__ = [
    "fill_records",
    "order_records",
    "position_records",
    "standing_fills",
    "to_dataframe",
    "trade_records",
]

Record = dict[str, Any]
"""One row: column name to a plain value."""


def _asset(asset: Hashable) -> Record:
    """The columns naming an asset: an Asset's symbol and exchange, or the
    identifier itself with no exchange."""
    if isinstance(asset, Asset):
        return {"asset": asset.symbol, "asset_exchange": asset.exchange}
    return {"asset": asset, "asset_exchange": None}


_ZERO = Decimal(0)

def order_records(orders: Iterable[DecimalOrder]) -> list[Record]:
    """One row per order: its terms, status and exact totals.

    ``amount``, ``filled`` and ``remaining`` are unsigned, with ``side``
    ``"BUY"`` or ``"SELL"``; an ``overfilled`` order (the venue filled more
    than its amount) has nothing ``remaining``; ``average_price`` is
    :attr:`~orders.order.DecimalOrder.filled_price` (``None`` before a fill).
    ``pending_new``, ``pending_cancel`` and ``pending_replace`` say which kinds
    of request are in flight, beside the ``status`` the venue last confirmed.
    """
    return [
        {
            "id": order.id,
            **_asset(order.asset),
            "side": order.side,
            "order_type": order.order_type.name,
            "status": order.status.name,
            "pending_new": order.pending_new,
            "pending_cancel": order.pending_cancel,
            "pending_replace": order.pending_replace is not None,
            "amount": order.amount.copy_abs(),
            "filled": order.filled.copy_abs(),
            "remaining": _ZERO if order.overfilled else order.remaining.copy_abs(),
            "overfilled": order.overfilled,
            "limit": order.limit,
            "stop": order.stop,
            "average_price": order.filled_price,
            "notional": order.notional,
            "commission": order.commission,
            "time_in_force": order.time_in_force.name,
            "valid_until": order.valid_until,
            "post_only": order.post_only,
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

    An order built with a filled quantity or a commission (restored mid-life,
    with no fills to show for them) first has one ``restored`` row holding
    those totals, priced at their average (``None`` when nothing was filled).
    So for each order the rows' ``quantity``, ``notional`` (quantity x price,
    exact) and ``commission`` always sum to its ``filled`` (unsigned),
    ``notional`` and ``commission``. ``quantity`` is unsigned, with the order's
    ``side``; ``dt`` is the fill's own time, ``None`` when the venue gave none.
    """
    rows: list[Record] = []
    for order in orders:
        columns = {"order_id": order.id, **_asset(order.asset), "side": order.side}
        restored = order.initial
        if restored.filled or restored.commission:
            rows.append({
                **columns, "fill_id": None, "dt": None, "restored": True,
                "quantity": restored.filled.copy_abs(), "price": restored.filled_price,
                "notional": restored.notional, "commission": restored.commission,
            })
        rows.extend(
            {
                **columns, "fill_id": fill.fill_id, "dt": fill.dt, "restored": False,
                "quantity": fill.quantity, "price": fill.price,
                "notional": exact_multiply(fill.quantity, fill.price),
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
    """One row per position of ``account``, by asset: symbol (or identifier as
    text), then exchange. Positions whose rows name the same asset (Assets of
    one name with other rules, a plain identifier with that name) follow in a
    fixed order: Assets by tick size and quantity increment, then identifiers
    by type name."""
    return [
        {
            **_asset(asset),
            "quantity": position.quantity,
            "average_price": position.average_price,
            "cost": position.cost,
            "realized_pnl": position.realized_pnl,
            "commission": position.commission,
        }
        for asset, position in sorted(account.positions.items(), key=_position_order)
    ]


def _position_order(item: tuple[Hashable, object]) -> tuple[str, str, str, Decimal, Decimal]:
    """Positions by symbol (or identifier as text), then exchange; among equal
    names, Assets by tick size and quantity increment, then plain identifiers
    by type name, so the order never depends on hashing."""
    asset = item[0]
    if isinstance(asset, Asset):
        return (asset.symbol, asset.exchange or "", "", asset.tick_size,
                asset.quantity_increment)
    return str(asset), "", type(asset).__name__, _NO_RULE, _NO_RULE


_NO_RULE = Decimal(0)


def trade_records(trades: Trades) -> list[Record]:
    """One row per trade, closed or open, by number (the order they opened).

    ``direction`` is ``"LONG"`` or ``"SHORT"``; ``entered``, ``exited``,
    ``open_quantity`` and ``peak`` are unsigned; ``closed``, ``exit_price`` and
    ``duration`` (a ``timedelta``) are ``None`` where the trade has none yet;
    ``pnl`` is realized, ``net_pnl`` less ``commission``; ``order_ids`` joins
    the orders' ids with commas.
    """
    return [
        {
            "number": trade.number,
            **_asset(trade.asset),
            "direction": trade.direction,
            "opened": trade.opened,
            "closed": trade.closed,
            "entered": trade.entered,
            "exited": trade.exited,
            "open_quantity": trade.size.copy_abs(),
            "peak": trade.peak,
            "entry_price": trade.entry_price,
            "exit_price": trade.exit_price,
            "pnl": trade.pnl,
            "commission": trade.commission,
            "net_pnl": trade.net_pnl,
            "duration": trade.duration,
            "order_ids": ",".join(trade.order_ids),
        }
        for trade in trades.all
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
        raise missing_extra("to_dataframe", "pandas") from None
    return pandas.DataFrame.from_records(list(records))

