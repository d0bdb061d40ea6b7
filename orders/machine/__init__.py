"""The old path of :mod:`orders.order.machine`, kept so that
``orders.machine.TRANSITIONS`` and the other names keep working."""

from orders.order.machine import (
    TRANSITIONS as TRANSITIONS,
)
from orders.order.machine import (
    Becomes as Becomes,
)
from orders.order.machine import (
    Effect as Effect,
)
from orders.order.machine import (
    FromFills as FromFills,
)
from orders.order.machine import (
    Guard as Guard,
)
from orders.order.machine import (
    Refused as Refused,
)
from orders.order.machine import (
    Rule as Rule,
)
from orders.order.machine import (
    StatusRule as StatusRule,
)
from orders.order.machine import (
    Stays as Stays,
)
from orders.order.machine import (
    Step as Step,
)
from orders.order.machine import (
    allowed_from as allowed_from,
)
from orders.order.machine import (
    amend as amend,
)
from orders.order.machine import (
    amend_covers_filled as amend_covers_filled,
)
from orders.order.machine import (
    amend_keeps_side as amend_keeps_side,
)
from orders.order.machine import (
    apply as apply,
)
from orders.order.machine import (
    bust_fill as bust_fill,
)
from orders.order.machine import (
    correct_fill as correct_fill,
)
from orders.order.machine import (
    correction_changes_fill as correction_changes_fill,
)
from orders.order.machine import (
    correction_fits as correction_fits,
)
from orders.order.machine import (
    expire as expire,
)
from orders.order.machine import (
    fits_remaining as fits_remaining,
)
from orders.order.machine import (
    has_stop as has_stop,
)
from orders.order.machine import (
    hold as hold,
)
from orders.order.machine import (
    live_fill as live_fill,
)
from orders.order.machine import (
    mermaid_diagram as mermaid_diagram,
)
from orders.order.machine import (
    no_effect as no_effect,
)
from orders.order.machine import (
    on_quantity_grid as on_quantity_grid,
)
from orders.order.machine import (
    record_fill as record_fill,
)
from orders.order.machine import (
    refuse_new_fill as refuse_new_fill,
)
from orders.order.machine import (
    release as release,
)
from orders.order.machine import (
    repeated_fill as repeated_fill,
)
from orders.order.machine import (
    rules_markdown as rules_markdown,
)
from orders.order.machine import (
    same_kind_of_time as same_kind_of_time,
)
from orders.order.machine import (
    set_reason as set_reason,
)
from orders.order.machine import (
    trigger as trigger,
)
from orders.order.machine import (
    watch_market as watch_market,
)

__all__ = [
    "TRANSITIONS",
    "Becomes",
    "FromFills",
    "Refused",
    "Rule",
    "Stays",
    "allowed_from",
    "apply",
    "mermaid_diagram",
    "rules_markdown",
]
