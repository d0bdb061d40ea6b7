"""The old path of :mod:`orders.io.documents`, kept so that its names keep working."""

from orders.io.documents import (
    FORMAT_VERSION as FORMAT_VERSION,
    MAX_NESTING as MAX_NESTING,
    Serializable as Serializable,
    SerializationError as SerializationError,
    Style as Style,
    T as T,
    dumps as dumps,
    loads as loads,
    parse_json as parse_json,
    structure as structure,
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
