"""The old path of :mod:`orders.book.rules`, kept so that ``orders.links.GUARDS``
and the other rule tables keep working."""

from orders.book.rules import (
    BRACKET_REACTIONS as BRACKET_REACTIONS,
)
from orders.book.rules import (
    GUARDS as GUARDS,
)
from orders.book.rules import (
    INVARIANTS as INVARIANTS,
)
from orders.book.rules import (
    OCO_REACTIONS as OCO_REACTIONS,
)
from orders.book.rules import (
    REACTIONS as REACTIONS,
)
from orders.book.rules import (
    STATE_CHECKS as STATE_CHECKS,
)
from orders.book.rules import (
    SUBMIT_CHECKS as SUBMIT_CHECKS,
)
from orders.book.rules import (
    Action as Action,
)
from orders.book.rules import (
    Bracket as Bracket,
)
from orders.book.rules import (
    BracketState as BracketState,
)
from orders.book.rules import (
    Change as Change,
)
from orders.book.rules import (
    Derive as Derive,
)
from orders.book.rules import (
    Group as Group,
)
from orders.book.rules import (
    LinkKey as LinkKey,
)
from orders.book.rules import (
    LinkMode as LinkMode,
)
from orders.book.rules import (
    Links as Links,
)
from orders.book.rules import (
    Rearm as Rearm,
)
from orders.book.rules import (
    Withdraw as Withdraw,
)
from orders.book.rules import (
    a_filled_member_leaves_none_working as a_filled_member_leaves_none_working,
)
from orders.book.rules import (
    active_legs_follow_the_position as active_legs_follow_the_position,
)
from orders.book.rules import (
    amendment_resizes_the_group as amendment_resizes_the_group,
)
from orders.book.rules import (
    bracket_entry as bracket_entry,
)
from orders.book.rules import (
    bracket_state as bracket_state,
)
from orders.book.rules import (
    check_amendment as check_amendment,
)
from orders.book.rules import (
    check_book as check_book,
)
from orders.book.rules import (
    check_event as check_event,
)
from orders.book.rules import (
    check_states as check_states,
)
from orders.book.rules import (
    dormant_leg_sizes_the_bracket as dormant_leg_sizes_the_bracket,
)
from orders.book.rules import (
    ending_a_leg_ends_the_bracket as ending_a_leg_ends_the_bracket,
)
from orders.book.rules import (
    ending_cancels_the_group as ending_cancels_the_group,
)
from orders.book.rules import (
    exit_fill_cancels_the_other_legs as exit_fill_cancels_the_other_legs,
)
from orders.book.rules import (
    exiting_stops_entering as exiting_stops_entering,
)
from orders.book.rules import (
    exits_keep_their_price_order as exits_keep_their_price_order,
)
from orders.book.rules import (
    fill_cancels_the_group as fill_cancels_the_group,
)
from orders.book.rules import (
    fill_reduces_the_group as fill_reduces_the_group,
)
from orders.book.rules import (
    finished_orders_stay_ended as finished_orders_stay_ended,
)
from orders.book.rules import (
    is_grouped as is_grouped,
)
from orders.book.rules import (
    is_linked as is_linked,
)
from orders.book.rules import (
    legs_arrive_together as legs_arrive_together,
)
from orders.book.rules import (
    legs_cover_the_position as legs_cover_the_position,
)
from orders.book.rules import (
    legs_link_only_to_each_other as legs_link_only_to_each_other,
)
from orders.book.rules import (
    legs_trade_against_the_entry as legs_trade_against_the_entry,
)
from orders.book.rules import (
    legs_wait_for_the_entry as legs_wait_for_the_entry,
)
from orders.book.rules import (
    link_group as link_group,
)
from orders.book.rules import (
    linked_orders_share_an_asset as linked_orders_share_an_asset,
)
from orders.book.rules import (
    links_are_mutual as links_are_mutual,
)
from orders.book.rules import (
    links_markdown as links_markdown,
)
from orders.book.rules import (
    links_name_known_orders as links_name_known_orders,
)
from orders.book.rules import (
    links_name_other_orders as links_name_other_orders,
)
from orders.book.rules import (
    no_fill_before_the_entry_trades as no_fill_before_the_entry_trades,
)
from orders.book.rules import (
    nothing_left_to_protect as nothing_left_to_protect,
)
from orders.book.rules import (
    parents_are_entries as parents_are_entries,
)
from orders.book.rules import (
    parents_are_known as parents_are_known,
)
from orders.book.rules import (
    reactions as reactions,
)
from orders.book.rules import (
    rearm_protection as rearm_protection,
)
from orders.book.rules import (
    register as register,
)
from orders.book.rules import (
    repairs as repairs,
)
from orders.book.rules import (
    siblings as siblings,
)
from orders.book.rules import (
    the_book_holds_and_releases_legs as the_book_holds_and_releases_legs,
)
from orders.book.rules import (
    touches_links as touches_links,
)

__all__ = [
    "GUARDS",
    "INVARIANTS",
    "REACTIONS",
    "STATE_CHECKS",
    "SUBMIT_CHECKS",
    "Bracket",
    "LinkMode",
    "links_markdown",
]
