"""The old path of :mod:`orders.io.documents`, kept so that its names keep working."""

from orders.io.documents import (
    FORMAT_VERSION as FORMAT_VERSION,
)
from orders.io.documents import (
    MAX_NESTING as MAX_NESTING,
)
from orders.io.documents import (
    Serializable as Serializable,
)
from orders.io.documents import (
    SerializationError as SerializationError,
)
from orders.io.documents import (
    Style as Style,
)
from orders.io.documents import (
    T as T,
)
from orders.io.documents import (
    dumps as dumps,
)
from orders.io.documents import (
    loads as loads,
)
from orders.io.documents import (
    parse_json as parse_json,
)
from orders.io.documents import (
    structure as structure,
)
from orders.io.documents import (
    unstructure as unstructure,
)

__all__ = [
    "FORMAT_VERSION",
    "MAX_NESTING",
    "Serializable",
    "SerializationError",
    "dumps",
    "loads",
    "parse_json",
    "structure",
    "unstructure",
]
