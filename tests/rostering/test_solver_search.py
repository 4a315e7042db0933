"""The search strategy by month size: a large month gets the LP-guided CP-SAT workers.

A 120-member township month (about 55,000 duty variables) is too big for a unit test, so the
size threshold is lowered to send a tiny month down the large-month path; the path must keep
every promise of the small one (hard rules, exact objective, determinism).
"""

from __future__ import annotations

from typing import Any

import pytest

from shouwang.rostering.solver import cpsat, evaluate
from shouwang.rostering.solver.model import Demand, DutyKind, Member, Problem

DAY = DutyKind("day", "Day patrol", 480, zone="north")
NIGHT = DutyKind("night", "Night patrol", 600, is_night=True, zone="south")


def small_month() -> Problem:
    members = tuple(
        Member(
            f"m{i}",
            home_zone=("north", "south")[i % 2],
            employment_type="full",
            max_consecutive_days=4,
            days_off=frozenset({i % 7}),
        )
        for i in range(6)
    )
    demands = tuple(Demand(d, "day", 2) for d in range(7)) + tuple(
        Demand(d, "night", 1) for d in range(7)
    )
    return Problem(
        horizon_days=7,
        duty_kinds=(DAY, NIGHT),
        members=members,
        demands=demands,
        forbidden_successions=frozenset({("night", "day")}),
    )


def subsolvers_used(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """Record the full-problem subsolvers of every whole-model CP-SAT run."""
    seen: list[tuple[str, ...]] = []
    configure = cpsat._Search.configure

    def spy(self: Any, solver: Any, **kwargs: Any) -> None:
        configure(self, solver, **kwargs)
        if not kwargs.get("piece"):
            seen.append(tuple(solver.parameters.subsolvers))

    monkeypatch.setattr(cpsat._Search, "configure", spy)
    return seen


def test_large_month_uses_lp_guided_workers_and_stays_exact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p = small_month()
    monkeypatch.setattr(cpsat, "LARGE_MODEL_VARS", 0)
    seen = subsolvers_used(monkeypatch)
    runs = [cpsat.solve(p, time_limit_s=30, deterministic_time=5, seed=3) for _ in range(2)]
    assert seen and all(s == cpsat.LARGE_SUBSOLVERS for s in seen)
    first, second = runs
    assert first.status == "optimal"
    assert evaluate.hard_violations(p, first.roster(p)) == []
    assert first.objective == sum(evaluate.penalties(p, first.roster(p)).values())
    # Same input, seed and deterministic budget: the same roster.
    assert first.assignments == second.assignments


def test_small_month_keeps_its_own_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    p = small_month()
    seen = subsolvers_used(monkeypatch)
    small = cpsat.solve(p, time_limit_s=30, deterministic_time=5, seed=3)
    assert small.status == "optimal"
    assert seen and seen[0] == cpsat.FULL_SUBSOLVERS
    monkeypatch.setattr(cpsat, "LARGE_MODEL_VARS", 0)
    # Both paths reach the same proven optimum.
    large = cpsat.solve(p, time_limit_s=30, deterministic_time=5, seed=3)
    assert large.status == "optimal" and large.objective == small.objective
