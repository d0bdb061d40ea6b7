"""Account file names: one per name, the same under case folding, safe on every system."""

from __future__ import annotations

import re

from hypothesis import given, strategies as st

from orders.io.output import account_file_name

names = (st.text(st.characters(exclude_categories=()), max_size=150)
         | st.text("aAbB/.%~()-_", max_size=150))


@given(st.lists(names, min_size=2, max_size=2, unique=True))
def test_different_names_have_different_files_even_where_case_is_ignored(
    pair: list[str],
) -> None:
    first, second = (account_file_name(name) for name in pair)
    assert first.casefold() != second.casefold()


@given(names)
def test_a_file_name_is_short_and_of_safe_characters(name: str) -> None:
    file = account_file_name(name)
    assert re.fullmatch(r"[a-z0-9_\-%A-F~()]+\.json", file)
    assert len(file) <= 125
    assert not file.startswith(".")
