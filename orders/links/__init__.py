"""The old path of :mod:`orders.book.rules`, kept so that ``orders.links.GUARDS``
and the other rule tables keep working."""

from orders.book.rules import (
    GUARDS as GUARDS,
)
from orders.book.rules import (
    INVARIANTS as INVARIANTS,
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
    Bracket as Bracket,
)
from orders.book.rules import (
    LinkMode as LinkMode,
)
from orders.book.rules import (
    links_markdown as links_markdown,
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
