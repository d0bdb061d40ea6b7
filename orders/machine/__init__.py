"""The old path of :mod:`orders.order.machine`, kept so that
``orders.machine.TRANSITIONS`` and the other names keep working."""

from orders.order.machine import (
    TRANSITIONS as TRANSITIONS,
)
from orders.order.machine import (
    Becomes as Becomes,
)
from orders.order.machine import (
    FromFills as FromFills,
)
from orders.order.machine import (
    Refused as Refused,
)
from orders.order.machine import (
    Rule as Rule,
)
from orders.order.machine import (
    Stays as Stays,
)
from orders.order.machine import (
    allowed_from as allowed_from,
)
from orders.order.machine import (
    apply as apply,
)
from orders.order.machine import (
    mermaid_diagram as mermaid_diagram,
)
from orders.order.machine import (
    rules_markdown as rules_markdown,
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
