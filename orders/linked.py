"""Building linked orders: OCO pairs and brackets, as plain order values.

These functions build orders and their links (``linked_order_ids``,
``parent_order_id``); :class:`orders.book.OrderBook` applies the linking rules
of :mod:`orders.links`.

A bracket is returned in backtrader's order ``[main, stop, limit]``: the entry,
a stop-loss leg and a take-profit leg (a limit order; there is none when the
bracket has no take-profit), both legs HELD until the entry fills, linked to
each other and to the entry by ``parent_order_id``. Their prices are checked
against the bracket's direction when they are built and when the book takes
them, by one rule, :func:`orders.links.exits_keep_their_price_order`: for a
long bracket the stop-loss lies below the take-profit, for a short one above
it, and an entry that has a price lies strictly between them (or beyond the
stop-loss when there is no take-profit).

Every leg has its own validity. The legs are good till cancelled unless given
one of their own, whatever the entry's validity: a position opened before the
entry expires stays protected after it.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Required, TypedDict, Unpack

from orders import links
from orders._checks import check_ids, enum_member, quote
from orders.decimals import DecimalInput, exact_subtract, positive_decimal
from orders.errors import BadOrderParameters
from orders.order import DecimalOrder, new_order_id
from orders.order_type import OrderType, TimeInForce
from orders.status import ORDER_STATUS
from orders.styles import (
    BracketOrder,
    ExecutionStyle,
    LimitOrder,
    MarketOnCloseOrder,
    MarketOrder,
    OCOOrder,
    StopLimitOrder,
    StopOrder,
    TrailingStopLimitOrder,
    TrailingStopOrder,
)

__all__ = [
    "BracketKeywords",
    "bracket_orders",
    "buy_bracket",
    "oco_orders",
    "replacement_legs",
    "sell_bracket",
]


def oco_orders(
    dt: datetime,
    asset: Hashable,
    amount: DecimalInput,
    style: OCOOrder,
    *,
    ids: tuple[str, str] | None = None,
    time_in_force: TimeInForce | str | None = None,
    valid_until: datetime | None = None,
) -> tuple[DecimalOrder, DecimalOrder]:
    """The two legs of an OCO pair for ``amount``, each linked to the other."""
    if not isinstance(style, OCOOrder):
        raise BadOrderParameters(f"style must be an OCOOrder; got {quote(style)}")
    first, second = check_ids(ids, 2, "an OCO pair") or (new_order_id(), new_order_id())

    def leg(leg_style: ExecutionStyle, leg_id: str, other_id: str) -> DecimalOrder:
        return DecimalOrder.from_style(
            dt,
            asset,
            amount,
            leg_style,
            id=leg_id,
            linked_order_ids=(other_id,),
            time_in_force=time_in_force,
            valid_until=valid_until,
        )

    return leg(style.order1_style, first, second), leg(style.order2_style, second, first)


def bracket_orders(
    dt: datetime,
    asset: Hashable,
    amount: DecimalInput,
    style: BracketOrder,
    *,
    ids: Sequence[str] | None = None,
    time_in_force: TimeInForce | str | None = None,
    valid_until: datetime | None = None,
    stop_loss_valid_until: datetime | None = None,
    take_profit_valid_until: datetime | None = None,
) -> tuple[DecimalOrder, ...]:
    """``(main, stop, limit)`` for a bracket of ``amount`` (positive: long), or
    ``(main, stop)`` when the style has no take-profit.

    ``time_in_force`` and ``valid_until`` are the entry's; each leg is good till
    cancelled unless given its own ``..._valid_until``.
    """
    if not isinstance(style, BracketOrder):
        raise BadOrderParameters(f"style must be a BracketOrder; got {quote(style)}")
    if style.asset is not None and style.asset != asset:
        raise BadOrderParameters(
            f"the bracket was priced for asset {quote(style.asset)}, not {quote(asset)}"
        )
    count = 2 if style.take_profit_price is None else 3
    given = check_ids(ids, count, "this bracket")
    main_id, *leg_ids = given or [new_order_id() for _ in range(count)]
    main = DecimalOrder.from_style(
        dt, asset, amount, style.entry_style, id=main_id,
        time_in_force=time_in_force, valid_until=valid_until,
    )
    trail = style.stop_loss_trail
    prices: list[dict[str, Decimal | None]] = [{
        "stop": style.stop_loss_price,
        "trail_amount": None if trail is None else trail.trail_amount,
        "trail_percent": None if trail is None else trail.trail_percent,
        "limit_offset": None if trail is None else trail.limit_offset,
    }]
    validity = [stop_loss_valid_until]
    if style.take_profit_price is not None:
        prices.append({"limit": style.take_profit_price})
        validity.append(take_profit_valid_until)
    exit_amount = main.amount.copy_negate()
    legs = tuple(
        DecimalOrder(
            dt,
            asset,
            exit_amount,
            id=leg_id,
            linked_order_ids=tuple(other for other in leg_ids if other != leg_id),
            parent_order_id=main_id,
            status=ORDER_STATUS.HELD,
            exchange=style.exchange,
            valid_until=leg_valid_until,
            **leg_prices,  # type: ignore[arg-type]
        )
        for leg_id, leg_prices, leg_valid_until in zip(leg_ids, prices, validity, strict=True)
    )
    links.exits_keep_their_price_order(links.bracket_links(main, legs), (main.id,), None)
    return (main, *legs)


def replacement_legs(
    templates: Sequence[DecimalOrder], ids: Sequence[str], amount: Decimal, dt: datetime
) -> tuple[DecimalOrder, ...]:
    """New exit legs for ``amount`` (signed), one like each template (kind, prices,
    trail and marks, exchange, parent), linked to each other. A leg keeps its
    template's validity while that is still ahead of ``dt``, and is good till
    cancelled otherwise: the book does not re-arm a position with a leg that
    has already expired."""
    legs = []
    for template, leg_id in zip(templates, ids, strict=True):
        ahead = template.valid_until is not None and template.valid_until >= dt
        legs.append(DecimalOrder(
            dt,
            template.asset,
            amount,
            template.order_type,
            template.stop,
            template.limit,
            id=leg_id,
            trail_amount=template.trail_amount,
            trail_percent=template.trail_percent,
            linked_order_ids=tuple(other for other in ids if other != leg_id),
            parent_order_id=template.parent_order_id,
            exchange=template.exchange,
            trailing_highest_price=template.trailing_highest_price,
            trailing_lowest_price=template.trailing_lowest_price,
            limit_offset=template.limit_offset,
            time_in_force=template.time_in_force if ahead else None,
            valid_until=template.valid_until if ahead else None,
        ))
    return tuple(legs)


# backtrader's bracket surface.

_BACKTRADER_EXECTYPES: dict[str, OrderType] = {
    "Market": OrderType.MARKET,
    "Limit": OrderType.LIMIT,
    "Stop": OrderType.STOP,
    "StopLimit": OrderType.STOP_LIMIT,
    "StopTrail": OrderType.TRAILING_STOP,
    "StopTrailLimit": OrderType.TRAILING_STOP_LIMIT,
    "Close": OrderType.MARKET_ON_CLOSE,
}

# For each kind of order, the backtrader keywords it takes.
_KEYWORDS: dict[OrderType, tuple[str, ...]] = {
    OrderType.MARKET: (),
    OrderType.LIMIT: ("price",),
    OrderType.STOP: ("price",),
    OrderType.STOP_LIMIT: ("price", "plimit"),
    OrderType.TRAILING_STOP: ("price", "trailamount", "trailpercent"),
    OrderType.TRAILING_STOP_LIMIT: ("price", "plimit", "trailamount", "trailpercent"),
    OrderType.MARKET_ON_CLOSE: (),
}
_STOP_LOSS_KINDS = (OrderType.STOP, OrderType.TRAILING_STOP, OrderType.TRAILING_STOP_LIMIT)
_LEG_KEYWORDS = {"stopargs": ("valid", "plimit", "trailamount", "trailpercent"),
                 "limitargs": ("valid",)}


class BracketKeywords(TypedDict, total=False):
    """backtrader's bracket keywords, taken by :func:`buy_bracket` and :func:`sell_bracket`.

    Only ``stopprice`` is required; ``limitprice`` too unless ``limitexec`` is None.
    """

    stopprice: Required[DecimalInput]
    """The stop-loss leg's stop (a trailing leg's first stop)."""
    limitprice: DecimalInput | None
    """The take-profit leg's limit."""
    price: DecimalInput | None
    """The entry's price: a limit's limit, a stop kind's stop."""
    plimit: DecimalInput | None
    """A stop-limit entry's limit; for a trailing stop-limit, the limit whose
    distance from ``price`` it keeps."""
    exectype: OrderType | str | None
    """The entry's kind: an OrderType or backtrader's name (``"Market"``,
    ``"Limit"``, ``"Stop"``, ``"StopLimit"``, ``"StopTrail"``,
    ``"StopTrailLimit"``, ``"Close"``); by default a limit at ``price``, or a
    market order without one."""
    valid: datetime | date | timedelta | None
    """The entry's validity: a datetime, a date (valid through that day) or a
    positive timedelta from ``dt``; None for good till cancelled."""
    trailamount: DecimalInput | None
    """A trailing entry's distance."""
    trailpercent: DecimalInput | None
    """A trailing entry's distance as a fraction of the price."""
    stopexec: OrderType | str
    """The stop-loss leg's kind: ``"Stop"`` (the default), ``"StopTrail"`` or
    ``"StopTrailLimit"``."""
    stopargs: Mapping[str, object] | None
    """The stop-loss leg's own keywords: ``valid``, ``trailamount``,
    ``trailpercent``, ``plimit``."""
    limitexec: OrderType | str | None
    """The take-profit leg's kind: ``"Limit"`` (the default), or None for none."""
    limitargs: Mapping[str, object] | None
    """The take-profit leg's own keywords: ``valid``."""
    ids: Sequence[str] | None
    """The orders' ids, main first; fresh ones by default."""


def buy_bracket(
    dt: datetime, asset: Hashable, size: DecimalInput, **keywords: Unpack[BracketKeywords]
) -> list[DecimalOrder]:
    """backtrader's ``buy_bracket``: ``[main, stop, limit]`` for a long of ``size``.

    The keywords (:class:`BracketKeywords`) are backtrader's; each leg is good
    till cancelled unless ``stopargs`` or ``limitargs`` give it a ``valid``.
    """
    return _bracket(dt, asset, size, 1, keywords)


def sell_bracket(
    dt: datetime, asset: Hashable, size: DecimalInput, **keywords: Unpack[BracketKeywords]
) -> list[DecimalOrder]:
    """backtrader's ``sell_bracket``: ``[main, stop, limit]`` for a short of ``size``,
    with the keywords of :func:`buy_bracket`."""
    return _bracket(dt, asset, size, -1, keywords)


def _backtrader_style(
    exectype: OrderType | str | None,
    price: DecimalInput | None = None,
    plimit: DecimalInput | None = None,
    trailamount: DecimalInput | None = None,
    trailpercent: DecimalInput | None = None,
) -> ExecutionStyle:
    """The execution style of a backtrader order given ``exectype`` and its prices.

    ``price`` is the limit of a limit order and the stop of the stop kinds (a
    trailing stop's initial stop); ``plimit`` the limit of a stop-limit, and for
    a trailing stop-limit the limit whose distance from ``price`` it keeps.
    Without ``exectype``, a limit at ``price`` or, with no price, a market order.
    """
    given = {"price": price, "plimit": plimit, "trailamount": trailamount,
             "trailpercent": trailpercent}
    kind = _exectype(exectype, "exectype") if exectype is not None else (
        OrderType.MARKET if price is None else OrderType.LIMIT
    )
    for name, value in given.items():
        if value is not None and name not in _KEYWORDS[kind]:
            raise BadOrderParameters(
                f"a {kind} order takes no {name}; got {name}={quote(value)}"
            )

    def needed(name: str) -> DecimalInput:
        value = given[name]
        if value is None:
            raise BadOrderParameters(f"a {kind} order needs {name}; got None")
        return value

    if kind is OrderType.LIMIT:
        return LimitOrder(needed("price"))
    if kind is OrderType.STOP:
        return StopOrder(needed("price"))
    if kind is OrderType.STOP_LIMIT:
        return StopLimitOrder(needed("plimit"), needed("price"))
    if kind is OrderType.TRAILING_STOP:
        return TrailingStopOrder(trailamount, trailpercent, stop_price=price)
    if kind is OrderType.TRAILING_STOP_LIMIT:
        stop, limit = (positive_decimal(needed(name), name, BadOrderParameters)
                       for name in ("price", "plimit"))
        return TrailingStopLimitOrder(
            trailamount, trailpercent, limit_offset=exact_subtract(stop, limit).copy_abs(),
            stop_price=stop,
        )
    if kind is OrderType.MARKET_ON_CLOSE:
        return MarketOnCloseOrder()
    return MarketOrder()


def _bracket(
    dt: datetime, asset: Hashable, size: DecimalInput, side: int, keywords: BracketKeywords
) -> list[DecimalOrder]:
    unknown = sorted(set(keywords) - set(BracketKeywords.__annotations__))
    if unknown:
        raise BadOrderParameters(
            f"unknown bracket keywords {', '.join(unknown)}; the keywords are "
            f"{', '.join(BracketKeywords.__annotations__)}"
        )
    quantity = positive_decimal(size, "size", BadOrderParameters)
    stop_keywords = _leg_keywords(keywords.get("stopargs"), "stopargs")
    limit_keywords = _leg_keywords(keywords.get("limitargs"), "limitargs")
    limitprice = keywords.get("limitprice")
    limitexec = keywords.get("limitexec", OrderType.LIMIT)
    if limitexec is None:
        if limitprice is not None:
            raise BadOrderParameters(
                "limitexec=None builds no take-profit, so it takes no limitprice; "
                f"got {quote(limitprice)}"
            )
    elif _exectype(limitexec, "limitexec") is not OrderType.LIMIT:
        raise BadOrderParameters(f"limitexec must be Limit or None; got {quote(limitexec)}")
    elif limitprice is None:
        raise BadOrderParameters(
            "a take-profit needs limitprice; got None (limitexec=None builds none)"
        )
    stopprice = keywords["stopprice"]
    entry = _backtrader_style(
        keywords.get("exectype"), keywords.get("price"), keywords.get("plimit"),
        keywords.get("trailamount"), keywords.get("trailpercent"),
    )
    trail = _stop_loss_trail(keywords.get("stopexec", OrderType.STOP), stopprice, stop_keywords)
    style = BracketOrder(entry, stopprice, limitprice, stop_loss_trail=trail)
    return list(bracket_orders(
        dt, asset, quantity if side > 0 else quantity.copy_negate(), style,
        ids=keywords.get("ids"),
        valid_until=_valid_until(keywords.get("valid"), dt, "valid"),
        stop_loss_valid_until=_valid_until(stop_keywords.get("valid"), dt, "stopargs valid"),
        take_profit_valid_until=_valid_until(limit_keywords.get("valid"), dt, "limitargs valid"),
    ))


def _stop_loss_trail(
    stopexec: OrderType | str, stopprice: DecimalInput, stopargs: Mapping[str, object]
) -> TrailingStopOrder | None:
    kind = _exectype(stopexec, "stopexec")
    if kind not in _STOP_LOSS_KINDS:
        raise BadOrderParameters(
            f"stopexec must be Stop, StopTrail or StopTrailLimit; got {quote(stopexec)}"
        )
    style = _backtrader_style(
        kind, stopprice, stopargs.get("plimit"),  # type: ignore[arg-type]
        stopargs.get("trailamount"), stopargs.get("trailpercent"),  # type: ignore[arg-type]
    )
    if not isinstance(style, TrailingStopOrder):
        return None
    if isinstance(style, TrailingStopLimitOrder):
        return TrailingStopLimitOrder(style.trail_amount, style.trail_percent,
                                      limit_offset=style.limit_offset)
    return TrailingStopOrder(style.trail_amount, style.trail_percent)


def _valid_until(value: object, dt: datetime, name: str) -> datetime | None:
    """backtrader's ``valid`` as a ``valid_until``: ``None`` for good till cancelled,
    a datetime as it is, a date through the end of that day (midnight after it,
    in ``dt``'s time zone), a positive timedelta counted from ``dt``."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value + timedelta(days=1), time(), tzinfo=dt.tzinfo)
    if isinstance(value, timedelta) and value > timedelta(0):
        return dt + value
    raise BadOrderParameters(
        f"{name} must be None, a datetime, a date or a positive timedelta; got {quote(value)} "
        "(a DAY order's session end is a datetime: the library has no calendar)"
    )


def _leg_keywords(value: object, name: str) -> Mapping[str, object]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BadOrderParameters(f"{name} must be a dict of keywords; got {quote(value)}")
    unknown = sorted(set(value) - set(_LEG_KEYWORDS[name]))
    if unknown:
        raise BadOrderParameters(
            f"{name} takes {', '.join(_LEG_KEYWORDS[name])}; got {', '.join(map(str, unknown))}"
        )
    return value


def _exectype(value: object, name: str) -> OrderType:
    if isinstance(value, str) and value in _BACKTRADER_EXECTYPES:
        return _BACKTRADER_EXECTYPES[value]
    kind = enum_member(OrderType, value)
    if kind is None:
        names = ", ".join(_BACKTRADER_EXECTYPES)
        raise BadOrderParameters(
            f"{name} must be an OrderType or one of {names}; got {quote(value)}"
        )
    return kind
