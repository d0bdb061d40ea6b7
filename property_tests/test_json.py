"""The fast reading of JSON text agrees with the reading that watches every key."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, strategies as st

from orders.io.documents import SerializationError, _parse_watching_keys, parse_json

keys = st.sampled_from(["a", "b", "op", 'q"t', "back\\slash", "é"])
scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=5) | keys
spaces = st.sampled_from(["", " ", "\n", "\t ", "\r\n"])


@st.composite
def json_texts(draw: st.DrawFn, depth: int = 3) -> str:
    """JSON text written by hand, so that objects may repeat a key and
    whitespace may sit anywhere JSON allows it."""
    kind = draw(st.sampled_from(["scalar", "list", "object"] if depth else ["scalar"]))
    if kind == "scalar":
        text = _literal(draw(scalars))
    elif kind == "list":
        items = draw(st.lists(json_texts(depth - 1), max_size=4))
        text = "[" + ",".join(items) + "]"
    else:
        pairs = draw(st.lists(st.tuples(keys, json_texts(depth - 1)), max_size=4))
        sep = draw(spaces)
        text = "{" + ",".join(f"{sep}{_literal(key)}{sep}:{value}" for key, value in pairs) + "}"
    return draw(spaces) + text + draw(spaces)


def _literal(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _outcome(read: object, text: str) -> object:
    try:
        return ("data", read(text))  # type: ignore[operator]
    except SerializationError as exc:
        return ("refused", str(exc))


@given(json_texts())
def test_the_fast_reading_agrees_with_the_watchful_one(text: str) -> None:
    assert _outcome(parse_json, text) == _outcome(_parse_watching_keys, text)


@given(json_texts(), st.integers(0, 40), st.sampled_from(['"', "\\", "}", "]", ",", ":", "x"]))
def test_broken_text_is_refused_the_same_way(text: str, at: int, inserted: str) -> None:
    at = min(at, len(text))
    broken = text[:at] + inserted + text[at:]
    assert _outcome(parse_json, broken) == _outcome(_parse_watching_keys, broken)


@pytest.mark.parametrize(
    "text",
    ['{"a":1,"a":2}', '{"a":{"b":"x","b":"y"}}', '[{"k":"v"},{"k":"v","k":"v"}]',
     '{"a" :1, "a":2}', '{"x":"\\"a\\":1","a":2,"a":3}'],
)
def test_a_repeated_key_is_found_wherever_it_hides(text: str) -> None:
    with pytest.raises(SerializationError, match="duplicate key"):
        parse_json(text)
