"""Hostile inputs for every public entry point (the generators of ``fuzzing``).

Each example draws one call at random: only OrderError subclasses may escape,
and the arguments must be left as they were. ``benchmarks/fuzz.py`` runs the
same generators for a million calls and reports the slowest.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings, strategies as st

from property_tests.fuzzing import run_case


@settings(max_examples=3_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_hostile_calls_raise_only_order_errors_and_change_nothing(rng: random.Random) -> None:
    run_case(rng)
