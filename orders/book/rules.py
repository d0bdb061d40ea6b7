"""The book's linking rules: OCO groups and brackets, every rule a named function.

Two kinds of link join the orders of an :class:`~orders.book.OrderBook`:

* an **OCO group** is two or more orders that each name all the others in
  ``linked_order_ids``;
* a **bracket** is an entry and the exit legs that name it as their
  ``parent_order_id``. Its open position P is what the entry has filled less
  what its exit legs have filled. Its legs come in generations: those
  submitted with it, then any the book creates to re-arm it.

This module holds every linking rule, in six tables:

* :data:`SUBMIT_CHECKS` refuse links that no consistent group could have;
* :data:`STATE_CHECKS` refuse a group or a bracket in a state the rules do not
  allow (a filled member of a cancel-mode group beside a working one, live exit
  prices out of order), after a submit, after the host's amend or replace
  request, and on load;
* :data:`GUARDS` refuse the host's events that would break a bracket;
* :data:`REACTIONS` run once for each change of a linked order (an OCO fill
  cancelling the other members, say);
* :data:`INVARIANTS` say what a bracket must look like. After every change the
  book applies the first invariant that does not hold, then checks them all
  again, until every one holds;
* :data:`POSITION_RULES` say what the exits of an asset look like beside its
  position (the net quantity the book's orders have filled): bracket legs and
  reduce-only orders never work for more than it.

The book applies an event, queues the change, and settles once: it hands each
queued change to :func:`reactions` and :func:`repairs` and applies the actions
they return, whose changes join the same queue. Cascades run from that one
loop, which nothing re-enters, so a group or a bracket of any size settles.
:func:`links_markdown` renders the tables for the documentation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, NoReturn, Protocol

import attrs
import immutables

from orders._checks import decimal_text, quote
from orders._fast import fields_state, restore_fields
from orders.book.audit import settled_step
from orders.decimals import exact_add, exact_subtract, exact_sum
from orders.errors import BadOrderParameters, LinkedOrderError, OrderError, UnknownOrderError
from orders.events import (
    REQUEST_TYPES,
    Acknowledged,
    Amend,
    Cancel,
    CancelRejected,
    CancelRequested,
    Event,
    Fill,
    FillBust,
    FillCorrection,
    Hold,
    NewRequested,
    Release,
    Replaced,
    ReplaceRejected,
    ReplaceRequested,
    Request,
)
from orders.order.machine import apply
from orders.order.value import DecimalOrder, applied_kinds
from orders.statuses import (
    ACTIVE_STATUSES,
    ENDED_STATUSES,
    FILL_STATUSES,
    ORDER_STATUS,
    WORKING_STATUSES,
    RequestRejectReason,
)

__all__ = [
    "GUARDS",
    "INVARIANTS",
    "REACTIONS",
    "STATE_CHECKS",
    "SUBMIT_CHECKS",
    "Arming",
    "Bracket",
    "LinkMode",
    "links_markdown",
]

_HELD = ORDER_STATUS.HELD
_ZERO = Decimal(0)
_NO_POSITIONS: immutables.Map[Hashable, Decimal] = immutables.Map()
_NOT_REDUCE_ONLY: immutables.Map[str, None] = immutables.Map()
_NO_EXITS: immutables.Map[Hashable, immutables.Map[str, None]] = immutables.Map()
_NO_IDS: immutables.Map[str, None] = immutables.Map()


class Arming(StrEnum):
    """When a bracket's exit legs start to work."""

    FIRST_FILL = "first_fill"
    """From the entry's first fill, each sized to the position so far."""
    ENTRY_FILLED = "entry_filled"
    """Once the entry has stopped filling: filled, or ended with a fill. Until
    then the legs are dormant, as many venues and backtrader's brackets do."""


class LinkMode(StrEnum):
    """What a fill of one linked order does to the others."""

    CANCEL = "cancel"
    """One-cancels-other: the first fill cancels the other members."""
    REDUCE = "reduce"
    """One-updates-other: a fill reduces the other members by the same quantity."""


@attrs.frozen
class Bracket:
    """An entry's exit legs, generation by generation, and how they are linked."""

    entry_id: str
    generations: tuple[tuple[str, ...], ...]
    """Leg ids, oldest generation first; the last one protects the position now."""
    mode: LinkMode = LinkMode.REDUCE
    """What a fill of one exit leg does to the other legs."""
    withdrawn: bool = False
    """True once the host ended an exit leg while the bracket held a position, or
    orders outside the bracket traded its position away: the position is the
    host's, and the bracket is never re-armed."""
    arming: Arming = Arming.FIRST_FILL
    """When the exit legs start to work."""

    def __getstate__(self) -> dict[str, object]:
        return fields_state(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A bracket pickled before arming could be chosen armed on the first fill.
        restore_fields(self, state, later={"arming": Arming.FIRST_FILL})

    @property
    def legs(self) -> tuple[str, ...]:
        """The current generation of exit legs."""
        return self.generations[-1]

    @property
    def every_leg(self) -> tuple[str, ...]:
        """Every exit leg the bracket has had, oldest first."""
        if len(self.generations) == 1:  # a bracket never re-armed, as most are
            return self.generations[0]
        return tuple(leg for generation in self.generations for leg in generation)


class Links(Protocol):
    """What the rules read: a book, or a book operation under way."""

    @property
    def orders(self) -> immutables.Map[str, DecimalOrder]: ...

    @property
    def link_modes(self) -> immutables.Map[str, LinkMode]: ...

    @property
    def brackets(self) -> immutables.Map[str, Bracket]: ...

    @property
    def live(self) -> bool: ...

    @property
    def positions(self) -> immutables.Map[Hashable, Decimal]: ...

    @property
    def reduce_only(self) -> immutables.Map[str, None]: ...

    @property
    def exits(self) -> immutables.Map[Hashable, immutables.Map[str, None]]: ...


LinkKey = tuple[str, str]
"""Names one group, bracket or exit: ``("oco", first member)``, ``("bracket", entry)``
or ``("exit", order)`` for a reduce-only order outside any group."""


@attrs.frozen
class Change:
    """One order changed: ``old`` (None for a new order) became ``new``."""

    old: DecimalOrder | None
    new: DecimalOrder
    origin: LinkKey | None
    """The group or bracket whose rule made the change; None for anything else
    (the host's event, a price, the clock)."""
    worked: bool | None = None
    """Whether ``old`` was working with the status in force, when ``old`` stands
    as the book's requests will leave it (live mode); None to read it from ``old``.
    A fill of an order the book has asked to cancel is a fill of a working order."""
    step: int | None = None
    """The step of the order's history the change made, for the audit trail,
    when ``new`` stands as the book's requests will leave it (live mode), whose
    steps the order does not have yet; None to read it from ``new``."""

    @property
    def cause_step(self) -> int:
        """The step a rule's cause names for this change (see
        :func:`~orders.book.audit.settled_step`)."""
        return settled_step(self.new) if self.step is None else self.step

    @property
    def fill_of_working(self) -> bool:
        """True when the change is a fill of an order that worked."""
        worked = _working(self.old) if self.worked is None else self.worked
        return worked and _filled_delta(self) > 0


@attrs.frozen
class Derive:
    """Apply ``event`` to ``order_id`` on behalf of the link ``origin``."""

    order_id: str
    event: Event
    origin: LinkKey


@attrs.frozen
class Rearm:
    """Add ``legs``, a new generation, to the bracket of ``entry_id``."""

    entry_id: str
    legs: tuple[DecimalOrder, ...]


@attrs.frozen
class Withdraw:
    """The host holds the position of the bracket of ``entry_id`` from now on."""

    entry_id: str


Action = Derive | Rearm | Withdraw

Fired = tuple[str, Action]
"""An action, with the name of the rule that called for it."""


@attrs.frozen
class Group:
    """An OCO group as the rules see it."""

    key: LinkKey
    members: tuple[str, ...]
    mode: LinkMode

    def others(self, order_id: str) -> tuple[str, ...]:
        return tuple(member for member in self.members if member != order_id)


@attrs.frozen
class BracketState:
    """A bracket as the rules see it: its orders, and what its legs have filled."""

    bracket: Bracket
    entry: DecimalOrder
    legs: tuple[DecimalOrder, ...]
    """The current generation; none once the bracket is withdrawn."""
    exited: Decimal
    """What every leg of every generation has filled, unsigned."""
    orders: immutables.Map[str, DecimalOrder]
    live: bool = False
    """The book's live mode: ``entry`` and ``legs`` stand as the book's requests
    in flight will leave them (:func:`as_it_will_stand`)."""
    share: Decimal | None = None
    """The bracket's share of its asset's position (:func:`exit_shares`); None
    when the position is not read (a bracket being built, or being shared)."""

    @property
    def key(self) -> LinkKey:
        return ("bracket", self.bracket.entry_id)

    @property
    def position(self) -> Decimal:
        """P: what the entry filled, less what the exit legs filled."""
        return exact_subtract(self.entry.filled.copy_abs(), self.exited)

    @property
    def cover(self) -> Decimal:
        """What the working legs cover: P, capped by the bracket's share of the
        asset's position (P_eff)."""
        position = self.position
        return position if self.share is None else min(position, self.share)

    @property
    def arms(self) -> bool:
        """True when the bracket's own rules call for working legs: P > 0 and, when
        the bracket arms on the filled entry, the entry has stopped filling."""
        return self.position > 0 and (
            self.bracket.arming is Arming.FIRST_FILL
            or self.entry.status not in ACTIVE_STATUSES
        )

    @property
    def armed(self) -> bool:
        """True when the exit legs must work: the bracket :attr:`arms` and its share
        of the asset's position is more than nothing."""
        return self.arms and self.cover > 0

    def live_legs(self, *, but: str | None = None) -> list[DecimalOrder]:
        return [leg for leg in self.legs if leg.status in ACTIVE_STATUSES and leg.id != but]

    def legs_to_ask(self, *, but: str | None = None) -> list[DecimalOrder]:
        """The live legs the rules may act on: in live mode, not those with a
        cancel in flight, whoever sent it."""
        return [leg for leg in self.live_legs(but=but) if _askable(leg, self.live)]

    def entry_to_ask(self) -> bool:
        """True when the rules may act on the entry (:meth:`legs_to_ask`)."""
        return self.entry.status in ACTIVE_STATUSES and _askable(self.entry, self.live)

    def is_current(self, leg: DecimalOrder) -> bool:
        return any(current.id == leg.id for current in self.legs)

    def retired(self) -> list[DecimalOrder]:
        """The orders the bracket has finished with: legs of earlier generations and,
        once it is withdrawn, its entry and every leg."""
        current = {leg.id for leg in self.legs}
        finished = [as_it_will_stand(self.orders[leg], self.live)
                    for leg in self.bracket.every_leg if leg not in current]
        return [self.entry, *finished] if self.bracket.withdrawn else finished


# Checks at submit. Each looks at the orders of one submit, already stored in
# ``links`` beside the book's, and raises when their links cannot hold.


def links_name_other_orders(links: Links, submitted: Sequence[DecimalOrder]) -> None:
    """An order links to other orders, each named once."""
    for order in submitted:
        linked = order.terms.linked_order_ids
        if order.id in linked:
            _refuse(links_name_other_orders,
                    f"order {order.id} links to itself; an OCO group links distinct orders",
                    order, error=BadOrderParameters)
        if len(set(linked)) != len(linked):
            twice = next(other for other, count in Counter(linked).items() if count > 1)
            _refuse(links_name_other_orders,
                    f"order {order.id} names {twice} twice in linked_order_ids",
                    order, error=BadOrderParameters)


def links_name_known_orders(links: Links, submitted: Sequence[DecimalOrder]) -> None:
    """Every linked id names an order in the book or in the same submit."""
    for order in submitted:
        for other in order.terms.linked_order_ids:
            if other not in links.orders:
                _refuse(links_name_known_orders,
                        f"order {order.id} links to {quote(other)}, which is not in the book",
                        order, error=UnknownOrderError, unknown=other)


def links_are_mutual(links: Links, submitted: Sequence[DecimalOrder]) -> None:
    """The members of an OCO group each link to all the others, so that no link is one-way."""
    groups: dict[str, tuple[str, ...]] = {}

    def group(order: DecimalOrder) -> tuple[str, ...]:
        if order.id not in groups:
            groups[order.id] = tuple(sorted((order.id, *order.terms.linked_order_ids)))
        return groups[order.id]

    for order in submitted:
        for other_id in order.terms.linked_order_ids:
            other = links.orders[other_id]
            if group(other) != group(order):
                theirs = ", ".join(other.terms.linked_order_ids) or "nothing"
                _refuse(links_are_mutual,
                        f"order {order.id} links to {', '.join(order.terms.linked_order_ids)}, "
                        f"but {other_id} links to {theirs}; the members of an OCO group each "
                        "link to all the others",
                        order, error=BadOrderParameters)


def linked_orders_share_an_asset(links: Links, submitted: Sequence[DecimalOrder]) -> None:
    """Linked orders trade one asset."""
    for order in submitted:
        for other_id in order.terms.linked_order_ids:
            other = links.orders[other_id]
            if other.terms.asset != order.terms.asset:
                _refuse(linked_orders_share_an_asset,
                        f"linked orders must trade one asset; {order.id} trades "
                        f"{quote(order.terms.asset)}, {other_id} trades "
                        f"{quote(other.terms.asset)}",
                        order, error=BadOrderParameters)


def parents_are_known(links: Links, submitted: Sequence[DecimalOrder]) -> None:
    """A parent_order_id names an order in the book or in the same submit."""
    for leg, parent in _legs(submitted):
        if parent not in links.orders:
            _refuse(parents_are_known,
                    f"order {leg.id} names as parent {quote(parent)}, which is not in the book",
                    leg, error=UnknownOrderError, unknown=parent)


def parents_are_entries(links: Links, submitted: Sequence[DecimalOrder]) -> None:
    """A parent is an entry: another order, and not itself an exit leg (brackets do not nest)."""
    for leg, parent in _legs(submitted):
        if parent == leg.id:
            _refuse(parents_are_entries, f"order {leg.id} names itself as its parent",
                    leg, error=BadOrderParameters)
        grandparent = links.orders[parent].terms.parent_order_id
        if grandparent is not None:
            _refuse(parents_are_entries,
                    f"order {leg.id} names {parent} as its parent, but {parent} is an "
                    f"exit leg of {grandparent}; brackets do not nest",
                    leg, error=BadOrderParameters)


def legs_arrive_together(links: Links, submitted: Sequence[DecimalOrder]) -> None:
    """A bracket's exit legs are submitted together, in one submit."""
    for leg, parent in _legs(submitted):
        bracket = links.brackets.get(parent)
        if bracket is not None:
            _refuse(legs_arrive_together,
                    f"entry {parent} already has exit legs {', '.join(bracket.every_leg)}; "
                    "a bracket's exit legs are submitted together",
                    leg, error=BadOrderParameters)


def legs_trade_against_the_entry(links: Links, submitted: Sequence[DecimalOrder]) -> None:
    """An exit leg trades its entry's asset, on the other side."""
    for leg, parent in _legs(submitted):
        entry = links.orders[parent]
        if entry.terms.asset != leg.terms.asset:
            _refuse(legs_trade_against_the_entry,
                    f"a bracket's exit leg trades its entry's asset; {leg.id} trades "
                    f"{quote(leg.terms.asset)}, its entry {entry.id} {quote(entry.terms.asset)}",
                    leg, error=BadOrderParameters)
        if entry.is_buy == leg.is_buy:
            side, entry_side = ("sell", "buys") if entry.is_buy else ("buy", "sells")
            _refuse(legs_trade_against_the_entry,
                    f"exit leg {leg.id} must {side}: its entry {entry.id} {entry_side}",
                    leg, error=BadOrderParameters)


def legs_link_only_to_each_other(links: Links, submitted: Sequence[DecimalOrder]) -> None:
    """Exit legs link to nothing (the book links them), or each to all the other legs."""
    legs_of: dict[str, list[str]] = {}
    for leg, parent in _legs(submitted):
        legs_of.setdefault(parent, []).append(leg.id)
    for entry_id, legs in legs_of.items():
        _check_generation_links(links, entry_id, legs)


def _check_generation_links(links: Links, entry_id: str, legs: Sequence[str]) -> None:
    any_linked = any(links.orders[leg_id].terms.linked_order_ids for leg_id in legs)
    for leg_id in legs:
        linked = set(links.orders[leg_id].terms.linked_order_ids)
        siblings = set(legs) - {leg_id}
        if linked != (siblings if any_linked else set()):
            _refuse(legs_link_only_to_each_other,
                    f"exit leg {leg_id} of {entry_id} links to "
                    f"{', '.join(sorted(linked)) or 'nothing'}; "
                    "a bracket's exit legs link to nothing or to each other: "
                    f"{', '.join(sorted(siblings)) or 'it has no other leg'}",
                    links.orders[leg_id], error=BadOrderParameters)


def _legs(submitted: Sequence[DecimalOrder]) -> Iterator[tuple[DecimalOrder, str]]:
    """Each submitted exit leg with the id of its entry."""
    for order in submitted:
        if order.terms.parent_order_id is not None:
            yield order, order.terms.parent_order_id


SUBMIT_CHECKS: tuple[Callable[[Links, Sequence[DecimalOrder]], None], ...] = (
    links_name_other_orders,
    links_name_known_orders,
    parents_are_known,
    parents_are_entries,
    legs_arrive_together,
    legs_trade_against_the_entry,
    legs_link_only_to_each_other,
    links_are_mutual,
    linked_orders_share_an_asset,
)
"""What :meth:`~orders.book.OrderBook.submit` checks, in order."""


# State checks: what an OCO group or a bracket looks like in every state the book
# reaches. Each takes the links, the orders whose groups and brackets it checks,
# and the order the host has just amended (None at a submit and on load), and
# raises LinkedOrderError.


def a_filled_member_leaves_none_working(
    links: Links, order_ids: Iterable[str], amended: str | None
) -> None:
    """Cancel mode: no member that filled while it worked (FILLED or PARTIALLY_FILLED)
    stands beside another working member, because its first fill cancels them.

    Every filled member is compared with every other member, so the order the
    members are listed in does not matter. In reduce mode a fill only takes its
    quantity off the others, so filled and working members stand side by side. A
    member reopened by a bust (working again, beside the members its fill
    cancelled) and a late fill on a cancelled member (which stays CANCELLED) are
    accepted in either mode. In live mode the members stand as the book's
    requests in flight will leave them, and one with a cancel in flight is
    being cancelled.
    """
    for group in _groups_of(links, order_ids):
        if group.mode is not LinkMode.CANCEL:
            continue
        statuses = {m: _standing(links, m).status for m in group.members}
        for filled in (m for m in group.members if statuses[m] in FILL_STATUSES):
            for other in _working_orders(links, group.others(filled)):
                _refuse(
                    a_filled_member_leaves_none_working,
                    f"in cancel mode the first fill of {filled} cancels the other members, "
                    f"but {other.id} is {other.status.name}; only one member of a "
                    "cancel-mode group fills while it works",
                    other,
                )


def exits_keep_their_price_order(
    links: Links, order_ids: Iterable[str], amended: str | None
) -> None:
    """A long bracket's live stop-losses lie below its live take-profits and, until
    the entry trades, its entry's prices lie between the two; a short bracket's
    the other way.

    Only live orders (working or HELD) are compared: an ended leg's prices are
    history, and so are the entry's from its first fill on, so a stop-loss may
    move past them to lock in a profit. A stop-loss is an exit leg with a stop,
    compared by its stop; a take-profit is an exit leg with only a limit. After
    the host amends ``amended``, only the pairs it is in are compared, using
    every current price, trailed ones included: the host chose that price. At a
    submit and on load every pair is compared, except a price that trails (the
    order has seen a price, and the market may carry a trailing stop past a
    take-profit before the venue's fill arrives) and the legs of a re-armed set,
    which copy the prices of the legs they replace, in whatever order the host
    left them.
    """
    for entry_id in _brackets_of(links, order_ids):
        state = bracket_state(links, entry_id)
        assert state is not None
        if amended is not None:
            _check_price_order(state, amended, lambda pair: amended in _ids(pair))
        elif len(state.bracket.generations) == 1:
            _check_price_order(state, None, lambda pair: not any(level.trails for level in pair))


STATE_CHECKS: tuple[Callable[[Links, Iterable[str], str | None], None], ...] = (
    a_filled_member_leaves_none_working,
    exits_keep_their_price_order,
)
"""What every OCO group and bracket satisfies after a submit, after the host's
amend or replace request, and on load (each check takes the links, the orders
whose groups and brackets it checks, and the order the host amended, if any).
A replace the venue confirms is a fact and is not checked again: the request
was checked, with every replace in flight, before it was sent."""


def check_states(links: Links, order_ids: Iterable[str], amended: str | None = None) -> None:
    """Run every state check on the OCO groups and brackets of ``order_ids``;
    ``amended`` names the order whose amend the host has just applied, if any."""
    ids = tuple(order_ids)
    for check in STATE_CHECKS:
        check(links, ids, amended)


def check_amendment(links: Links, order_id: str, event: Event) -> None:
    """After the host's ``event`` for ``order_id``: when it puts new terms in force
    or asks the venue for them, run the state checks on the OCO group and the
    bracket of that order, with those terms (:func:`amended_links`)."""
    if type(event) in _ASKS_FOR_TERMS:
        check_states(amended_links(links, order_id, event), (order_id,), amended=order_id)


_ASKS_FOR_TERMS = frozenset({Amend, ReplaceRequested})
"""The host's events that put new terms in force (Amend) or ask the venue for them."""


def asked_change(event: Event) -> Amend | None:
    """The change of terms the host asks for with ``event``: an amend, applied at
    once, or the change a replace request asks the venue for; None for any other event."""
    if type(event) is ReplaceRequested:
        return event.change
    return event if type(event) is Amend else None


def amended_links(links: Links, order_id: str, event: Event) -> Links:
    """``links`` as they will stand once ``event`` (an :class:`~orders.events.Amend`
    already applied, or a :class:`~orders.events.ReplaceRequested`) and each
    replace in flight of an order joined to ``order_id`` are in force, in the
    order they were sent, as the venue chains them."""
    orders = links.orders
    for joined in link_group(links, order_id):
        order = orders[joined]
        while order.pending_replace is not None and order.status in ACTIVE_STATUSES:
            order = apply(order, Replaced())
        orders = orders.set(joined, order)
    return _Links(orders, links.link_modes, links.brackets, links.live, links.positions,
                  links.reduce_only, links.exits)


def bracket_links(entry: DecimalOrder, legs: Sequence[DecimalOrder]) -> Links:
    """``entry`` and ``legs`` as the links of one bracket outside any book, for the
    state checks of a bracket being built."""
    orders = immutables.Map({order.id: order for order in (entry, *legs)})
    bracket = Bracket(entry.id, (tuple(leg.id for leg in legs),))
    return _Links(orders, immutables.Map(), immutables.Map({entry.id: bracket}))


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


def register(
    links: Links,
    submitted: Sequence[DecimalOrder],
    mode: LinkMode | None,
    arming: Arming = Arming.FIRST_FILL,
) -> tuple[immutables.Map[str, LinkMode], immutables.Map[str, Bracket]]:
    """The book's link modes and brackets once ``submitted`` (already checked) joins it.

    By default OCO groups cancel and brackets reduce; new brackets arm as ``arming`` says.
    """
    link_modes, brackets = links.link_modes, links.brackets
    legs_of: dict[str, list[str]] = {}
    for order in submitted:
        if order.terms.parent_order_id is not None:
            legs_of.setdefault(order.terms.parent_order_id, []).append(order.id)
        elif order.terms.linked_order_ids:
            link_modes = link_modes.set(order.id, mode or LinkMode.CANCEL)
    for entry_id, legs in legs_of.items():
        bracket = Bracket(entry_id, (tuple(legs),), mode or LinkMode.REDUCE, arming=arming)
        brackets = brackets.set(entry_id, bracket)
    return link_modes, brackets


def check_book(links: Links) -> None:
    """Refuse a book restored from outside (a document) whose links no sequence of
    submits and events could have produced: the submit checks hold for its OCO
    groups and legs, its link modes and brackets name exactly those orders, each
    generation of legs links within itself, every bracket's invariants hold, and
    every group and bracket passes the state checks."""
    orders = list(links.orders.values())
    legs = [order for order in orders if order.terms.parent_order_id is not None]
    members = [order for order in orders if order.terms.parent_order_id is None
               and order.terms.linked_order_ids]
    for check in (links_name_other_orders, links_name_known_orders, links_are_mutual,
                  linked_orders_share_an_asset):
        check(links, members)
    for check in (links_name_other_orders, links_name_known_orders, parents_are_known,
                  parents_are_entries, legs_trade_against_the_entry):
        check(links, legs)
    given = sorted(links.link_modes)
    if given != sorted(member.id for member in members):
        raise BadOrderParameters(
            f"link modes are given for {quote(given)}, but the OCO members are "
            f"{quote(sorted(member.id for member in members))}"
        )
    legs_of: dict[str, list[str]] = {}
    for leg, parent in _legs(legs):
        legs_of.setdefault(parent, []).append(leg.id)
    if sorted(links.brackets) != sorted(legs_of):
        raise BadOrderParameters(
            f"brackets are given for {quote(sorted(links.brackets))}, but the entries that "
            f"exit legs name are {quote(sorted(legs_of))}"
        )
    for entry_id, bracket in links.brackets.items():
        listed = bracket.every_leg
        if not all(bracket.generations) or sorted(listed) != sorted(legs_of[entry_id]):
            raise BadOrderParameters(
                f"bracket {entry_id} lists legs {quote(list(listed))} by generation, but the "
                f"orders naming it as parent are {quote(sorted(legs_of[entry_id]))}"
            )
        for generation in bracket.generations:
            _check_generation_links(links, entry_id, generation)
        state = bracket_state(links, entry_id)
        assert state is not None
        broken = next((rule for rule in INVARIANTS if any(True for _ in rule(state))), None)
        if broken is not None:
            _refuse(broken, f"bracket {entry_id} breaks it", links.orders[entry_id],
                    error=BadOrderParameters)
    for asset, exits in links.exits.items():
        for rule in POSITION_RULES:
            if any(True for _ in rule(links, asset)):
                _refuse(rule, f"the exits of {quote(asset)} work for more than its position "
                        f"{decimal_text(links.positions.get(asset, _ZERO))}",
                        links.orders[next(iter(exits))], error=BadOrderParameters)
    check_states(links, links.orders)


# Guards: the host's events that the links refuse. Each raises LinkedOrderError.


def no_fill_before_the_entry_trades(links: Links, order: DecimalOrder, event: Event) -> None:
    """A fill on a dormant exit leg is refused while its entry has never traded:
    the legs were never working, so no venue can have filled them.

    (After an entry fill is busted the legs are dormant again, but they were
    working and a venue may still fill one; that fill is recorded.)
    """
    entry = _entry_of_leg(links, order)
    if entry is None or type(event) is not Fill or order.status is not _HELD:
        return
    if not _has_traded(entry):
        _refuse(
            no_fill_before_the_entry_trades,
            f"exit leg {order.id} of bracket {entry.id} is dormant and its entry has not "
            f"traded, so no venue holds it; {quote(event)}",
            order,
            event,
        )


def the_book_holds_and_releases_legs(links: Links, order: DecimalOrder, event: Event) -> None:
    """Exit legs are held and released by the book, which holds them while there is
    no position to protect and releases them when there is."""
    if type(event) in (Hold, Release) and _entry_of_leg(links, order) is not None:
        _refuse(
            the_book_holds_and_releases_legs,
            f"exit leg {order.id} is held and released by its bracket; {quote(event)}",
            order,
            event,
        )


def active_legs_follow_the_position(links: Links, order: DecimalOrder, event: Event) -> None:
    """An active exit leg's amount is the book's: it covers the open position, and
    the host neither amends it nor asks the venue to replace it. To resize a
    bracket that has not filled, amend its entry or a dormant leg."""
    change = asked_change(event)
    if (
        change is not None
        and change.amount is not None
        and change.amount != order.terms.amount
        and order.status in ACTIVE_STATUSES
        and order.status is not _HELD
        and _entry_of_leg(links, order) is not None
    ):
        _refuse(
            active_legs_follow_the_position,
            f"exit leg {order.id} covers its bracket's open position, "
            f"{order.remaining.copy_abs()}; {quote(event)}",
            order,
            event,
        )


def book_request_ids_are_the_books(links: Links, order: DecimalOrder, event: Event) -> None:
    """Request ids that begin ``book:`` name the book's own requests, in either mode;
    the host's requests use any other id (or none)."""
    request_id = getattr(event, "request_id", None)
    if type(event) in REQUEST_TYPES and request_id is not None and request_id.startswith(
        BOOK_REQUEST_PREFIX
    ):
        _refuse(
            book_request_ids_are_the_books,
            f"request id {request_id!r} begins {BOOK_REQUEST_PREFIX!r}, which the book keeps "
            "for the requests it derives; give the host's request another id, or none",
            order,
            event,
            error=BadOrderParameters,
        )


def requests_go_to_orders_the_venue_has(
    links: Links, order: DecimalOrder, event: Event
) -> None:
    """In live mode, a cancel or replace request is for an order the venue has
    (:func:`at_the_venue`); an order not sent yet is changed in the book (Cancel,
    Amend), and sent with a NewRequested when it is ready."""
    if links.live and type(event) in (CancelRequested, ReplaceRequested) and not at_the_venue(
        order
    ):
        _refuse(
            requests_go_to_orders_the_venue_has,
            f"order {order.id} has not been sent, so the venue has nothing to cancel or "
            f"replace; change it in the book (Cancel, Amend) instead of {quote(event)}",
            order,
            event,
        )


def reduce_only_orders_keep_to_their_share(
    links: Links, order: DecimalOrder, event: Event
) -> None:
    """The host's amend or replace request of a working reduce-only order may not
    leave it more to fill than its share of the position: the book would only
    shrink it back, and a venue holding the larger order could carry the
    position through zero meanwhile."""
    change = asked_change(event)
    if (
        change is None
        or change.amount is None
        or order.id not in links.reduce_only
        or order.status not in WORKING_STATUSES
    ):
        return
    asked = exact_subtract(change.amount.copy_abs(), order.filled.copy_abs())
    asset = order.terms.asset
    key = _exit_key(links, order)
    exits = [
        attrs.evolve(found, wanted=max(found.wanted, asked)) if found.key == key else found
        for found in asset_exits(links, asset)
    ]
    if all(found.key != key for found in exits):
        exits.append(Exit(key, (order.terms.created, order.id), order.is_buy, asked, ()))
        exits.sort(key=lambda found: found.age)
    share = shared_out(links.positions.get(asset, _ZERO), exits)[key]
    if asked > share:
        _refuse(
            reduce_only_orders_keep_to_their_share,
            f"reduce-only order {order.id} would have {decimal_text(asked)} to fill, and its "
            f"share of the position in {quote(asset)} "
            f"({decimal_text(links.positions.get(asset, _ZERO))}) is {decimal_text(share)}",
            order,
            event,
        )


GUARDS: tuple[Callable[[Links, DecimalOrder, Event], None], ...] = (
    no_fill_before_the_entry_trades,
    the_book_holds_and_releases_legs,
    active_legs_follow_the_position,
    reduce_only_orders_keep_to_their_share,
    book_request_ids_are_the_books,
    requests_go_to_orders_the_venue_has,
)
"""What :meth:`~orders.book.OrderBook.apply` checks before applying the host's event."""


def check_event(links: Links, order: DecimalOrder, event: Event) -> None:
    """Run every guard on the host's ``event`` for ``order`` (only an exit, or a
    request, can fail one)."""
    if is_exit(links, order) or type(event) in REQUEST_TYPES:
        for guard in GUARDS:
            guard(links, order, event)


# Reactions of OCO groups: run once for each change of a member.


def fill_cancels_the_group(group: Group, change: Change, links: Links) -> Iterator[Action]:
    """Cancel mode: the first fill of a working member, partial or full, cancels
    every other working member, and so does a member submitted with fills it made
    while it worked (FILLED or PARTIALLY_FILLED), as a host rebuilding its book
    after a restart submits one.

    In live mode, a member whose cancel the venue refused works again, and when
    another member has filled, it is asked to cancel again, as that fill cancels it.
    """
    if group.mode is not LinkMode.CANCEL:
        return
    if _filled_while_working(change):
        reason = f"linked order {change.new.id} filled"
        yield from _cancel(links, group.others(change.new.id), reason, group.key)
    elif _asked_again(links, change):
        others = group.others(change.new.id)
        filled = next((m for m in others if _standing(links, m).status in FILL_STATUSES), None)
        if filled is not None:
            yield from _cancel(links, (change.new.id,), f"linked order {filled} filled", group.key)


def fill_reduces_the_group(group: Group, change: Change, links: Links) -> Iterator[Action]:
    """Reduce mode: a fill takes its quantity off every other working member, and
    a bust or a correction gives it back; a member left with nothing to fill is
    cancelled and keeps its fills."""
    delta = _filled_delta(change)
    if group.mode is LinkMode.REDUCE and delta:
        reason = f"linked order {change.new.id} filled"
        for other in _working_orders(links, group.others(change.new.id)):
            left = exact_subtract(other.remaining.copy_abs(), delta)
            yield from _resize(links, other, left, reason, group.key)


def amendment_resizes_the_group(group: Group, change: Change, links: Links) -> Iterator[Action]:
    """Reduce mode: a new amount for one member (amended, or replaced by the venue)
    moves every other working member's remaining quantity by as much."""
    if group.mode is not LinkMode.REDUCE or change.old is None:
        return
    delta = exact_subtract(change.new.terms.amount.copy_abs(), change.old.terms.amount.copy_abs())
    if delta:
        reason = f"linked order {change.new.id} was amended"
        for other in _working_orders(links, group.others(change.new.id)):
            left = exact_add(other.remaining.copy_abs(), delta)
            yield from _resize(links, other, left, reason, group.key)


def ending_cancels_the_group(group: Group, change: Change, links: Links) -> Iterator[Action]:
    """Cancelling, rejecting or expiring a member cancels every other working member."""
    if _newly_ended(change):
        reason = f"linked order {change.new.id} ended"
        yield from _cancel(links, group.others(change.new.id), reason, group.key)


# Reactions of brackets: run once for each change of an exit leg.


def ending_a_leg_ends_the_bracket(state: BracketState, change: Change) -> Iterator[Action]:
    """Cancelling, rejecting or expiring an exit leg (other than by this bracket's
    rules) cancels the rest of the bracket, entry included. If the bracket held a
    position, the host takes it over: the bracket is withdrawn and never re-armed."""
    leg = change.new
    if not state.is_current(leg) or not _newly_ended(change):
        return
    if state.position > 0:
        yield Withdraw(state.entry.id)
    reason = f"exit leg {leg.id} of bracket {state.entry.id} ended"
    if state.entry_to_ask():
        yield Derive(state.entry.id, Cancel(reason), state.key)
    for other in state.legs_to_ask(but=leg.id):
        yield Derive(other.id, Cancel(reason), state.key)


def exit_fill_cancels_the_other_legs(state: BracketState, change: Change) -> Iterator[Action]:
    """Cancel mode: a fill on a working exit leg cancels the other working legs."""
    leg = change.new
    if (
        state.bracket.mode is LinkMode.CANCEL
        and state.is_current(leg)
        and change.fill_of_working
    ):
        for other in state.legs_to_ask(but=leg.id):
            yield Derive(other.id, Cancel(f"linked order {leg.id} filled"), state.key)


def dormant_leg_sizes_the_bracket(state: BracketState, change: Change) -> Iterator[Action]:
    """A new amount for a dormant exit leg (amended, or replaced by the venue) is a
    new size for the whole bracket: the entry is amended to match, and the other
    legs follow it. The entry never goes below what it has filled: a smaller size
    stops it there (FILLED), as a venue's replace does."""
    leg, old = change.new, change.old
    if (
        old is None
        or not state.is_current(leg)
        or leg.status is not _HELD
        or not state.entry_to_ask()
        or leg.terms.amount == old.terms.amount
    ):
        return
    entry = state.entry
    # The entry may have filled more than the leg asks while the leg's replace was in flight.
    size = max(leg.terms.amount.copy_abs(), entry.filled.copy_abs())
    if size != entry.terms.amount.copy_abs():
        yield Derive(entry.id, Amend(amount=size.copy_sign(entry.terms.amount)), state.key)


OCO_REACTIONS: tuple[Callable[[Group, Change, Links], Iterator[Action]], ...] = (
    fill_cancels_the_group,
    fill_reduces_the_group,
    amendment_resizes_the_group,
    ending_cancels_the_group,
)
BRACKET_REACTIONS: tuple[Callable[[BracketState, Change], Iterator[Action]], ...] = (
    ending_a_leg_ends_the_bracket,
    exit_fill_cancels_the_other_legs,
    dormant_leg_sizes_the_bracket,
)
REACTIONS = (*OCO_REACTIONS, *BRACKET_REACTIONS)
"""What follows once from a change: the OCO group's, then the bracket's. A group
or a bracket does not react to the changes its own rules made."""


# Invariants of a bracket, in the order they are restored. Each yields the
# actions that restore it, or nothing when it holds.


def finished_orders_stay_ended(state: BracketState) -> Iterator[Action]:
    """Orders the bracket has finished with never work again: legs of earlier
    generations, and once the bracket is withdrawn its entry and every leg. One
    that a bust reopens is cancelled."""
    for order in state.retired():
        if order.status in ACTIVE_STATUSES and _askable(order, state.live):
            reason = f"bracket {state.entry.id} has finished with {order.id}"
            yield Derive(order.id, Cancel(reason), state.key)


def exiting_stops_entering(state: BracketState) -> Iterator[Action]:
    """Once an exit leg has filled, the entry's remainder is cancelled: a bracket
    that has started exiting stops entering."""
    if state.exited and state.entry_to_ask():
        exited = next(state.orders[leg] for leg in state.bracket.every_leg
                      if state.orders[leg].filled)
        reason = f"bracket {state.entry.id} is exiting: exit leg {exited.id} filled"
        yield Derive(state.entry.id, Cancel(reason), state.key)


def legs_cover_the_position(state: BracketState) -> Iterator[Action]:
    """While the bracket is armed (P > 0, and the entry has stopped filling when it
    arms on the filled entry), every working exit leg is active and has exactly
    P_eff left to fill: P, capped by the bracket's share of the asset's position
    (:func:`exit_shares`), so that an order outside the bracket that reduces the
    position shrinks the legs, and they grow back to P if it is undone."""
    position = state.cover
    if not state.armed:
        return
    for leg in state.legs_to_ask():
        size = exact_add(leg.filled.copy_abs(), position)
        if size != leg.terms.amount.copy_abs():
            amount = size if leg.is_buy else size.copy_negate()
            yield Derive(leg.id, Amend(amount=amount), state.key)
        if leg.status is _HELD:
            yield Derive(leg.id, Release(), state.key)


def rearm_protection(state: BracketState) -> Iterator[Action]:
    """While armed the exit legs must be a complete set: all of them working, or in
    cancel mode, once one has filled, that one. When they are not (a late entry
    fill after the legs ended, a bust that reopened one leg while the others
    stay cancelled), the book cancels those still working and creates a new set
    for P_eff like them (kind, prices, trail, validity) under new ids, returned to
    the host to send to the venue."""
    position = state.cover
    working = state.live_legs()
    if not state.armed or state.bracket.withdrawn or len(working) == len(state.legs):
        return
    if working and state.bracket.mode is LinkMode.CANCEL and any(leg.filled for leg in state.legs):
        return
    entry = state.entry
    for leg in state.legs_to_ask():
        yield Derive(leg.id, Cancel(f"bracket {entry.id} re-arms its exit legs"), state.key)
    amount = position.copy_negate() if entry.is_buy else position
    dt = max(order.dt for order in (entry, *state.legs))
    yield Rearm(entry.id, replacement_legs(state.legs, _fresh_ids(state), amount, dt))


DORMANT = ORDER_STATUS.HELD
"""The status of a bracket's exit legs while its entry can fill and nothing is
to protect: :func:`legs_wait_for_the_entry` holds them in it, and a bracket is
built with its legs in it (so that its first submit derives no ``Hold``)."""


def legs_wait_for_the_entry(state: BracketState) -> Iterator[Action]:
    """While the bracket is not armed and the entry can still fill, the exit legs
    are dormant (:data:`DORMANT`), sized to the entry's amount; in live mode a leg
    the venue holds is cancelled instead, and the bracket re-arms once armed again."""
    entry = state.entry
    if state.armed or entry.status not in ACTIVE_STATUSES:
        return
    size = entry.terms.amount.copy_negate()
    for leg in state.legs_to_ask():
        if leg.status is not DORMANT:
            yield Derive(leg.id, Hold(f"bracket entry {entry.id} has not filled"), state.key)
            if state.live and at_the_venue(leg):
                continue  # the venue's leg cannot wait: the hold is a cancel request
        if leg.terms.amount != size:
            yield Derive(leg.id, Amend(amount=size), state.key)


def nothing_left_to_protect(state: BracketState) -> Iterator[Action]:
    """Once the entry has ended and P_eff = 0, the exit legs are cancelled. When
    P > 0 all the same, orders outside the bracket have traded its position
    away: the bracket is withdrawn, as if the host had taken the position over."""
    if state.cover <= 0 and state.entry.status not in ACTIVE_STATUSES:
        reason = f"bracket {state.entry.id} has no open position to protect"
        if state.position > 0 and not state.bracket.withdrawn:
            yield Withdraw(state.entry.id)
        for leg in state.legs_to_ask():
            yield Derive(leg.id, Cancel(reason), state.key)


INVARIANTS: tuple[Callable[[BracketState], Iterator[Action]], ...] = (
    finished_orders_stay_ended,
    exiting_stops_entering,
    rearm_protection,
    legs_cover_the_position,
    legs_wait_for_the_entry,
    nothing_left_to_protect,
)
"""What a bracket must look like after every change, restored in this order."""


# Exits of an asset: bracket legs, and orders the host marked reduce-only (alone
# or as an OCO group). Together they work for no more than the asset's position.


@attrs.frozen
class Exit:
    """One exit of an asset as the position rule sees it: a bracket (its legs are
    alternatives, so they count once), an OCO group of reduce-only orders (once,
    its largest remaining), or a lone reduce-only order."""

    key: LinkKey
    age: tuple[datetime, str]
    """When it was created, and its id: exits are shared out oldest first."""
    buys: bool
    wanted: Decimal
    """What it would work for on its own: a bracket's P while it arms, the
    largest remaining of the working orders otherwise."""
    orders: tuple[DecimalOrder, ...]
    """The working orders the position rule resizes (none for a bracket, whose
    own rules size its legs)."""


def asset_exits(links: Links, asset: Hashable, brackets: Iterable[str] = ()) -> list[Exit]:
    """The exits of ``asset``, oldest first: those with active orders, and the
    brackets of ``brackets`` (entry ids) whatever their legs."""
    entries = dict.fromkeys(brackets)
    grouped: dict[LinkKey, list[DecimalOrder]] = {}
    for order_id in sorted(links.exits.get(asset, _NO_IDS)):  # by id: hash order varies
        order = links.orders[order_id]
        parent = order.terms.parent_order_id
        if parent is not None:
            entries[parent] = None
            continue
        standing = _standing(links, order_id)
        members = grouped.setdefault(_exit_key(links, order), [])
        if standing.status in ACTIVE_STATUSES and standing.status is not _HELD:
            members.append(standing)
    found = [_bracket_exit(links, entry_id) for entry_id in entries]
    for key, members in grouped.items():
        if members:
            wanted = max(member.remaining.copy_abs() for member in members)
            age = min((member.terms.created, member.id) for member in members)
            found.append(Exit(key, age, members[0].is_buy, wanted, tuple(members)))
    return sorted(found, key=lambda found_exit: found_exit.age)


def _exit_key(links: Links, order: DecimalOrder) -> LinkKey:
    """What names the exit a reduce-only ``order`` belongs to: its OCO group, or itself."""
    group = _group_of(links, order)
    return ("exit", order.id) if group is None else group.key


def _bracket_exit(links: Links, entry_id: str) -> Exit:
    state = bracket_state(links, entry_id, shared=False)
    assert state is not None
    entry = state.entry
    wanted = state.position if state.arms and not state.bracket.withdrawn else _ZERO
    return Exit(state.key, (entry.terms.created, entry.id), not entry.is_buy, wanted, ())


def exit_shares(
    links: Links, asset: Hashable, brackets: Iterable[str] = ()
) -> dict[LinkKey, Decimal]:
    """What each exit of ``asset`` may work for (:func:`shared_out`); ``brackets``
    names brackets (by entry id) to share it with whether or not their legs work."""
    return shared_out(links.positions.get(asset, _ZERO), asset_exits(links, asset, brackets))


def shared_out(position: Decimal, exits: Iterable[Exit]) -> dict[LinkKey, Decimal]:
    """The position shared out among ``exits``, oldest first, each taking what it
    wants while some is left, so the newest exits are the first to shrink. An
    exit on the side that would add to the position (or with no position at
    all) gets nothing."""
    left = position.copy_abs()
    shares: dict[LinkKey, Decimal] = {}
    for found in exits:
        share = _take(position, left, found.buys, found.wanted)
        left = exact_subtract(left, share)
        shares[found.key] = share
    return shares


def _take(position: Decimal, left: Decimal, buys: bool, wanted: Decimal) -> Decimal:
    """What an exit that ``buys`` (or sells) and wants ``wanted`` takes of
    ``position`` when ``left`` of it is not taken yet."""
    reduces = bool(position) and buys == (position < 0)
    return min(wanted, left) if reduces else _ZERO


def _share_of(links: Links, state: BracketState) -> Decimal:
    """The bracket's share of its asset's position; at a glance when its legs are
    the asset's only exits, as they usually are."""
    asset = state.entry.terms.asset
    entry_id = state.bracket.entry_id
    if not exits_are_legs_of(links, asset, entry_id):
        return exit_shares(links, asset, (entry_id,))[state.key]
    return _sole_share(state, links.positions.get(asset, _ZERO))


def _sole_share(state: BracketState, position: Decimal) -> Decimal:
    """The bracket's share of ``position`` when its legs are the asset's only exits."""
    wanted = _ZERO if state.bracket.withdrawn else state.position
    return _take(position, position.copy_abs(), not state.entry.is_buy, wanted)


def position_moves_exits(links: Links, asset: Hashable, before: Decimal) -> bool:
    """True when the exits of ``asset`` may have to change now that its position
    is no longer ``before``, so the position rules run on it (:func:`position_repairs`).
    They need not when the exits are the legs of one bracket whose share of the
    position is the same at both (a fill outside the bracket that leaves it as
    covered as before): its rules settled it at that share, and read no more of
    the position than the share."""
    exits = links.exits.get(asset, _NO_IDS)
    if links.reduce_only or not exits:
        return bool(exits)
    entry_id = links.orders[next(iter(exits))].terms.parent_order_id
    if entry_id is None or not exits_are_legs_of(links, asset, entry_id):
        return True
    state = bracket_state(links, entry_id, shared=False)
    if state is None:  # legs submitted with their entry, before the bracket is registered
        return True
    return _sole_share(state, before) != _sole_share(state, links.positions.get(asset, _ZERO))


def exits_are_legs_of(links: Links, asset: Hashable, entry_id: str) -> bool:
    """True when every active exit of ``asset`` is a leg of the bracket of ``entry_id``."""
    return all(links.orders[order_id].terms.parent_order_id == entry_id
               for order_id in links.exits.get(asset, _NO_IDS))


def exits_fit_the_position(links: Links, asset: Hashable) -> Iterator[Action]:
    """The working exits of an asset never work for more than its position: a
    reduce-only order (or OCO group of them) is shrunk to its share of the
    position, newest first, and cancelled when nothing is left for it; one on
    the side that would add to the position is cancelled. A bracket's legs
    follow its share through :func:`legs_cover_the_position`.

    The position is the asset's net filled quantity in the book; the shares
    come from :func:`shared_out`.
    """
    if not links.reduce_only:
        return  # only bracket legs, which their brackets size
    position = links.positions.get(asset, _ZERO)
    exits = asset_exits(links, asset)
    shares = shared_out(position, exits)
    for found in exits:
        share = shares[found.key]
        for order in found.orders:
            if order.remaining.copy_abs() <= share or not _askable(order, links.live):
                continue
            yield from _resize(links, order, share, _why_shrunk(order, share, position, asset),
                               found.key)


def _why_shrunk(order: DecimalOrder, share: Decimal, position: Decimal, asset: Hashable) -> str:
    held = f"the position in {quote(asset)} ({decimal_text(position)})"
    if not position or order.is_buy != (position < 0):
        return f"reduce-only order {order.id} would add to {held}"
    return f"older exits leave {decimal_text(share)} of {held} to reduce-only order {order.id}"


POSITION_RULES: tuple[Callable[[Links, Hashable], Iterator[Action]], ...] = (
    exits_fit_the_position,
)
"""What the exits of an asset satisfy after every change of its position or of
one of its exits, once its brackets have settled."""


def position_repairs(links: Links, asset: Hashable) -> list[Fired]:
    """The actions that settle the exits of ``asset``: first the repairs of its
    brackets, whose share of the position may have moved, then the position rules."""
    entries = list(dict.fromkeys(
        links.orders[order_id].terms.parent_order_id
        for order_id in sorted(links.exits.get(asset, _NO_IDS))
    ))
    shares = exit_shares(links, asset, [entry for entry in entries if entry is not None])
    for entry_id in entries:
        fired = repairs(links, entry_id, shares)
        if fired:
            return fired
    for rule in POSITION_RULES:
        fired = [(rule.__name__, action) for action in rule(links, asset)]
        if fired:
            return fired
    return []


def is_exit(links: Links, order: DecimalOrder) -> bool:
    """True when ``order`` is an exit: a bracket's leg, or marked reduce-only."""
    return order.terms.parent_order_id is not None or order.id in links.reduce_only


# The entry points the book calls.


def is_linked(order: DecimalOrder) -> bool:
    """True when ``order`` names another order: an OCO member or an exit leg."""
    return bool(order.terms.linked_order_ids) or order.terms.parent_order_id is not None


def is_grouped(links: Links, order: DecimalOrder) -> bool:
    """True when ``order`` belongs to an OCO group or a bracket (as member, leg or entry)."""
    return is_linked(order) or order.id in links.brackets


def link_group(links: Links, order_id: str) -> set[str]:
    """Every order joined to ``order_id`` through OCO links and brackets, itself included:
    the orders whose rules read one another."""
    group = {order_id}
    pending = [order_id]
    while pending:
        order = links.orders[pending.pop()]
        bracket = links.brackets.get(order.id)
        joined = [*order.terms.linked_order_ids, *(bracket.every_leg if bracket else ())]
        if order.terms.parent_order_id is not None:
            joined.append(order.terms.parent_order_id)
        for other in joined:
            if other not in group:
                group.add(other)
                pending.append(other)
    return group


def touches_links(links: Links, old: DecimalOrder | None, new: DecimalOrder) -> bool:
    """True when the change of a linked order can matter to its links: a new
    order, a fill or its correction, a new amount, or the order ending."""
    if not is_grouped(links, new):
        return False
    return (
        old is None
        or old.filled != new.filled
        or old.terms.amount != new.terms.amount
        or (old.status in ACTIVE_STATUSES) != (new.status in ACTIVE_STATUSES)
    )


def link_change(
    links: Links, old: DecimalOrder | None, new: DecimalOrder, origin: LinkKey | None
) -> Change | None:
    """The change the links see when ``old`` becomes ``new``, or None when it
    cannot matter to them (:func:`touches_links`). In live mode both stand as
    the book's requests in flight will leave them, so the book's request is the
    change its decision makes, and the venue's confirmation of it is no change."""
    if not links.live:
        return Change(old, new, origin) if touches_links(links, old, new) else None
    change = Change(
        None if old is None else as_it_will_stand(old, True),
        as_it_will_stand(new, True),
        origin,
        _working(old),
        settled_step(new),
    )
    asked = old is not None and _askable(old, True) != _askable(new, True)
    if (asked and is_grouped(links, new)) or touches_links(links, change.old, change.new):
        return change
    return None


# The live mode: the book's decisions about orders the venue has are requests.

BOOK_REQUEST_PREFIX = "book:"
"""The request ids of the requests the book derives in live mode are
``book:<order id>:<n>``, ``n`` the length of the order's history when sent."""


def book_request_id(order: DecimalOrder) -> str:
    """A request id for the book's next request about ``order``, unique in its life."""
    return f"{BOOK_REQUEST_PREFIX}{order.id}:{order.version}"


def is_book_request(order: DecimalOrder, request: Request) -> bool:
    """True when ``request``, in flight on ``order``, is one the book derived."""
    request_id = request.request_id
    return request_id is not None and request_id.startswith(f"{BOOK_REQUEST_PREFIX}{order.id}:")


def as_it_will_stand(order: DecimalOrder, live: bool) -> DecimalOrder:
    """In live mode, ``order`` once the venue confirms the requests in flight that
    the book derived for it, in the order they were sent (a replace puts its
    terms in force, a cancel ends the order): the book's decisions are taken
    when it asks. The host's own requests wait for the venue's answer, as in
    the backtest mode, which takes every order as it stands."""
    if not live:
        return order
    for request in order.pending:
        if order.status not in ACTIVE_STATUSES:
            break
        if type(request) is ReplaceRequested and is_book_request(order, request):
            order = apply(order, Replaced(request.request_id))
        elif type(request) is CancelRequested and is_book_request(order, request):
            order = apply(order, Cancel(request.reason))
    return order


def at_the_venue(order: DecimalOrder) -> bool:
    """True when the venue has ``order``: it carries the venue's id
    (``broker_order_id``, as an order rebuilt from the venue's report does), it
    was sent (a ``NewRequested`` in its history or in flight), or the venue has
    answered or filled it (in its history, or in the totals it was built with).
    A request alone does not make it so: the host may ask about an order it has
    not sent."""
    if order.broker_order_id is not None or order.pending_new or order.filled:
        return True
    return any(kind in _VENUE_EVENTS for kind in applied_kinds(order))


_VENUE_EVENTS = frozenset({
    NewRequested, Acknowledged, CancelRejected, Replaced, ReplaceRejected, Fill,
    FillCorrection, FillBust,
})


def decision(links: Links, order: DecimalOrder, event: Event) -> Event:
    """What the book applies for its decision ``event`` about ``order``: the event
    itself in the backtest mode or for an order the venue does not have (a
    dormant leg never sent); in live mode, for an order the venue has, the
    request the host must send: a ``CancelRequested`` for a ``Cancel`` or a
    ``Hold`` (the venue's order cannot wait in the book), a ``ReplaceRequested``
    for an ``Amend``."""
    if not links.live or not at_the_venue(order):
        return event
    if type(event) is Amend:
        return ReplaceRequested(event, request_id=book_request_id(order))
    if isinstance(event, Cancel | Hold):
        return CancelRequested(request_id=book_request_id(order), reason=event.reason)
    return event


def renewed_request(old: DecimalOrder, new: DecimalOrder, answer: Event) -> Request | None:
    """In live mode, when the venue refuses (``answer``) a request the book derived
    and its order ``new`` still works, the same request under a new id: the
    book's decision stands, so it asks again (after a refusal as too late, until
    the venue's report of the order's end arrives). None for any other answer,
    for a refusal whose code says asking again cannot help (the venue does not
    know the order), and when another cancel, or a replace of the book's sent
    after the refused one, is in flight."""
    if not isinstance(answer, CancelRejected | ReplaceRejected) or (
        answer.code in _FINAL_REFUSALS or new.status not in ACTIVE_STATUSES
    ):
        return None
    refused = next((request for request in old.pending if request not in new.pending), None)
    if refused is None or not is_book_request(old, refused):
        return None
    request_id = book_request_id(new)
    if type(refused) is CancelRequested:
        return None if new.pending_cancel else attrs.evolve(refused, request_id=request_id)
    sent_after = old.pending[old.pending.index(refused) + 1:]
    if any(type(later) is ReplaceRequested and is_book_request(new, later)
           for later in sent_after):
        return None  # a later replace of the book's carries its decision
    return attrs.evolve(refused, request_id=request_id)


_FINAL_REFUSALS = frozenset({RequestRejectReason.UNKNOWN_ORDER})
"""Reject codes after which asking again cannot help, so the book does not: the
venue does not know the order, and the host ends it (a Cancel) or sends it."""


def reactions(links: Links, change: Change) -> list[Fired]:
    """What follows once from ``change``: its OCO group's reactions, then its
    bracket's, each action with the rule that called for it. A link does not
    react to the changes its own rules made."""
    fired: list[Fired] = []
    order = change.new
    group = _group_of(links, order)
    if group is not None and change.origin != group.key:
        for reaction in OCO_REACTIONS:
            fired.extend((reaction.__name__, action) for action in reaction(group, change, links))
    entry = bracket_entry(links, order)
    if entry is not None and entry != order.id and change.origin != ("bracket", entry):
        state = bracket_state(links, entry)
        assert state is not None
        for bracket_reaction in BRACKET_REACTIONS:
            fired.extend(
                (bracket_reaction.__name__, action) for action in bracket_reaction(state, change)
            )
    return fired


def repairs(
    links: Links, entry_id: str | None, shares: Mapping[LinkKey, Decimal] | None = None
) -> list[Fired]:
    """The actions that restore the first invariant of the bracket that does not
    hold, each with the invariant's name; ``shares``, when given, are the asset's
    exit shares (:func:`exit_shares`), worked out once for all its brackets."""
    state = bracket_state(links, entry_id, shares=shares)
    if state is None:
        return []
    for invariant in INVARIANTS:
        actions = [(invariant.__name__, action) for action in invariant(state)]
        if actions:
            return actions
    return []


def bracket_entry(links: Links, order: DecimalOrder) -> str | None:
    """The entry id of the bracket ``order`` belongs to, as entry or exit leg."""
    parent = order.terms.parent_order_id
    if parent is not None and parent in links.brackets:
        return parent
    return order.id if order.id in links.brackets else None


def bracket_state(
    links: Links,
    entry_id: str | None,
    *,
    shared: bool = True,
    shares: Mapping[LinkKey, Decimal] | None = None,
) -> BracketState | None:
    """The bracket of ``entry_id`` as the rules see it, or None; with ``shared``,
    with its share of the asset's position (:func:`exit_shares`, or ``shares``
    when the caller has worked them out)."""
    bracket = None if entry_id is None else links.brackets.get(entry_id)
    if bracket is None:
        return None
    orders, live = links.orders, links.live
    exited = exact_sum(orders[leg].filled.copy_abs() for leg in bracket.every_leg)
    if not live:  # every order as it stands
        legs = () if bracket.withdrawn else tuple(orders[leg] for leg in bracket.legs)
        state = BracketState(bracket, orders[bracket.entry_id], legs, exited, orders, live)
    else:
        legs = () if bracket.withdrawn else tuple(_standing(links, leg) for leg in bracket.legs)
        entry = _standing(links, bracket.entry_id)
        state = BracketState(bracket, entry, legs, exited, orders, live)
    if not shared or not state.arms:
        return state
    share = shares.get(state.key) if shares is not None else None
    if share is None:
        share = _share_of(links, state)
    return BracketState(state.bracket, state.entry, state.legs, exited, orders, live, share)


def siblings(links: Links, order: DecimalOrder) -> tuple[str, ...]:
    """The ids linked to ``order``: its OCO group's other members, or the other
    legs of its generation."""
    entry = order.terms.parent_order_id
    bracket = None if entry is None else links.brackets.get(entry)
    if bracket is None:
        return order.terms.linked_order_ids
    generation = next(legs for legs in bracket.generations if order.id in legs)
    return tuple(leg for leg in generation if leg != order.id)


# Helpers.


def _refuse(
    rule: Callable[..., object],
    what: str,
    order: DecimalOrder,
    event: Event | None = None,
    *,
    error: type[OrderError] = LinkedOrderError,
    unknown: str | None = None,
) -> NoReturn:
    """Raise ``error`` (by default :class:`LinkedOrderError`) for ``rule``, naming
    it in the message and in ``.rule``, about ``order``, or about the order id
    ``unknown`` that the book does not hold."""
    raise error(
        f"refused by rule {rule.__name__}: {what}",
        rule=rule.__name__,
        order_id=order.id if unknown is None else unknown,
        status=order.status if unknown is None else None,
        event=event,
    )


def _group_of(links: Links, order: DecimalOrder) -> Group | None:
    """The OCO group ``order`` belongs to, or None."""
    mode = links.link_modes.get(order.id)
    if mode is None:
        return None
    members = (order.id, *order.terms.linked_order_ids)
    return Group(("oco", min(members)), members, mode)


def _groups_of(links: Links, order_ids: Iterable[str]) -> list[Group]:
    """The OCO groups of ``order_ids``, each once."""
    groups: dict[LinkKey, Group] = {}
    for order_id in order_ids:
        group = _group_of(links, links.orders[order_id])
        if group is not None:
            groups.setdefault(group.key, group)
    return list(groups.values())


def _brackets_of(links: Links, order_ids: Iterable[str]) -> list[str]:
    """The entry ids of the brackets of ``order_ids``, each once."""
    entries = (bracket_entry(links, links.orders[order_id]) for order_id in order_ids)
    return list(dict.fromkeys(entry for entry in entries if entry is not None))


def _standing(links: Links, order_id: str) -> DecimalOrder:
    """The order ``order_id`` as the rules see it (:func:`as_it_will_stand`)."""
    return as_it_will_stand(links.orders[order_id], links.live)


def _askable(order: DecimalOrder, live: bool) -> bool:
    """False in live mode for an order with a cancel in flight: the rules ask it
    nothing more, since the book or the host has asked it to end."""
    return not (live and order.pending_cancel)


def _asked_again(links: Links, change: Change) -> bool:
    """True in live mode when ``change`` is the venue's refusal of the cancel in
    flight of a working order: the rules may ask it to end again."""
    old, new = change.old, change.new
    return (links.live and old is not None and new.status in ACTIVE_STATUSES
            and not _askable(old, True) and _askable(new, True))


def _has_traded(order: DecimalOrder) -> bool:
    """True once ``order`` has had a fill, even one busted since (a bust names a
    fill id, which stays in ``order.fills``)."""
    return bool(order.filled) or bool(order.fills)


@attrs.frozen
class _Links:
    """Links outside any book."""

    orders: immutables.Map[str, DecimalOrder]
    link_modes: immutables.Map[str, LinkMode]
    brackets: immutables.Map[str, Bracket]
    live: bool = False
    positions: immutables.Map[Hashable, Decimal] = _NO_POSITIONS
    reduce_only: immutables.Map[str, None] = _NOT_REDUCE_ONLY
    exits: immutables.Map[Hashable, immutables.Map[str, None]] = _NO_EXITS


@attrs.frozen
class _Level:
    """One price of a live order of a bracket, as the price order compares it."""

    role: str
    order: DecimalOrder
    kind: str
    """``"stop"`` or ``"limit"``."""
    price: Decimal

    @property
    def trails(self) -> bool:
        """True once the order has seen a price and its stop follows the market."""
        order = self.order
        return order.trailing_highest_price is not None or order.trailing_lowest_price is not None

    def describe(self, amended: str | None) -> str:
        verb = f"would {self.kind}" if self.order.id == amended else f"{self.kind}s"
        return f"{self.role} {self.order.id} {verb} at {decimal_text(self.price)}"


def _levels(role: str, orders: Iterable[DecimalOrder], kinds: Sequence[str]) -> list[_Level]:
    """The prices named by ``kinds`` of those of ``orders`` that are live."""
    return [
        _Level(role, order, kind, price)
        for order in orders if order.status in ACTIVE_STATUSES
        for kind in kinds if (price := order.stop if kind == "stop" else order.limit) is not None
    ]


def _ids(pair: tuple[_Level, _Level]) -> tuple[str, str]:
    return pair[0].order.id, pair[1].order.id


def _check_price_order(
    state: BracketState, amended: str | None, compared: Callable[[tuple[_Level, _Level]], bool]
) -> None:
    """Refuse the first pair of ``state``'s live prices that is out of its
    direction's order and ``compared``; the message puts ``amended`` first."""
    long = state.entry.is_buy
    side, short_of_profit, clear_of_loss = (
        ("long", "below", "above") if long else ("short", "above", "below")
    )
    legs = state.legs
    stop_losses = _levels("stop-loss", (leg for leg in legs if leg.stop is not None), ("stop",))
    take_profits = _levels("take-profit", (leg for leg in legs if leg.stop is None), ("limit",))
    entry = () if _has_traded(state.entry) else (state.entry,)
    entries = _levels("entry", entry, ("limit", "stop"))
    orderings = (
        (f"stop-loss lies {short_of_profit} its take-profit", stop_losses, take_profits, long),
        (f"entry lies {clear_of_loss} its stop-loss", entries, stop_losses, not long),
        (f"entry lies {short_of_profit} its take-profit", entries, take_profits, long),
    )
    for rule, lows, highs, ascending in orderings:
        for low in lows:
            for high in highs:
                in_order = low.price < high.price if ascending else low.price > high.price
                if in_order or not compared((low, high)):
                    continue
                moved, still = (high, low) if high.order.id == amended else (low, high)
                first = ""
                if moved.order.id == amended:
                    relation = "above" if (moved is low) == ascending else "below"
                    first = (f"; move {still.role} {still.order.id} {relation} "
                             f"{decimal_text(moved.price)} first")
                _refuse(
                    exits_keep_their_price_order,
                    f"a {side} bracket's {rule}; {moved.describe(amended)}, "
                    f"{still.describe(amended)}{first}",
                    moved.order,
                )


def _entry_of_leg(links: Links, order: DecimalOrder) -> DecimalOrder | None:
    parent = order.terms.parent_order_id
    if parent is None or parent not in links.brackets:
        return None
    return links.orders[parent]


def _working(order: DecimalOrder | None) -> bool:
    return order is not None and order.status in ACTIVE_STATUSES


def _newly_ended(change: Change) -> bool:
    return change.new.status in ENDED_STATUSES and _working(change.old)


def _filled_while_working(change: Change) -> bool:
    """True when ``change`` is a fill of a working order, or brings a new order
    that filled while it worked."""
    if change.old is None:
        return change.new.status in FILL_STATUSES
    return change.fill_of_working


def _filled_delta(change: Change) -> Decimal:
    """How much more the order has filled (negative after a bust or a correction down)."""
    before = _ZERO if change.old is None else change.old.filled.copy_abs()
    return exact_subtract(change.new.filled.copy_abs(), before)


def _working_orders(links: Links, order_ids: Sequence[str]) -> list[DecimalOrder]:
    """The orders of ``order_ids`` that work and that the rules may act on, as
    they will stand (:func:`as_it_will_stand`): in live mode, not those with a
    cancel in flight, whoever sent it."""
    standing = (_standing(links, order_id) for order_id in order_ids)
    return [order for order in standing
            if order.status in ACTIVE_STATUSES and _askable(order, links.live)]


def _cancel(
    links: Links, order_ids: Sequence[str], reason: str, origin: LinkKey
) -> Iterator[Action]:
    for order in _working_orders(links, order_ids):
        yield Derive(order.id, Cancel(reason), origin)


def _resize(
    links: Links, order: DecimalOrder, left: Decimal, reason: str, origin: LinkKey
) -> Iterator[Action]:
    """Leave ``order`` with ``left`` to fill, or cancel it when nothing is left."""
    if left <= 0:
        yield from _cancel(links, (order.id,), reason, origin)
        return
    size = exact_add(order.filled.copy_abs(), left)
    yield Derive(order.id, Amend(amount=size if order.is_buy else size.copy_negate()), origin)


def _fresh_ids(state: BracketState) -> tuple[str, ...]:
    """Ids for a new generation: each first leg's id with the generation number,
    the number raised until no id is taken."""
    roots = state.bracket.generations[0]
    number = len(state.bracket.generations) + 1
    while True:
        ids = tuple(f"{root}.{number}" for root in roots)
        if not any(leg_id in state.orders for leg_id in ids):
            return ids
        number += 1


# Documentation generated from the tables.


def links_markdown() -> str:
    """The tables of this module as one Markdown table, in the order they apply."""
    rows: list[tuple[str, str, Callable[..., Any]]] = [
        *(("submit check", "OCO group, bracket", check) for check in SUBMIT_CHECKS),
        *(("state check", "OCO group, bracket", check) for check in STATE_CHECKS),
        *(("guard", "bracket", guard) for guard in GUARDS),
        *(("reaction", "OCO group", reaction) for reaction in OCO_REACTIONS),
        *(("reaction", "bracket", reaction) for reaction in BRACKET_REACTIONS),
        *(("invariant", "bracket", invariant) for invariant in INVARIANTS),
        *(("position invariant", "exits of an asset", rule) for rule in POSITION_RULES),
    ]
    lines = ["| rule | kind | link | what it does |", "| --- | --- | --- | --- |"]
    for kind, link, function in rows:
        lines.append(f"| `{function.__name__}` | {kind} | {link} | {_summary(function)} |")
    return "\n".join(lines)


def _summary(function: Callable[..., Any]) -> str:
    doc = function.__doc__ or ""
    return " ".join(doc.split("\n\n")[0].split())
