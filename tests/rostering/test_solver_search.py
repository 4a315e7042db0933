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


def short_month() -> Problem:
    """Three members with three duties each for ten needs: one need stays uncovered."""
    members = tuple(Member(f"m{i}", max_duties=3) for i in range(3))
    return Problem(
        horizon_days=5,
        duty_kinds=(DAY,),
        members=members,
        demands=tuple(Demand(d, "day", 2) for d in range(5)),
    )


def new_search(p: Problem, **kwargs: Any) -> cpsat._Search:
    built = cpsat.build_model(p)
    options: dict[str, Any] = {
        "start": cpsat.time.perf_counter(),
        "time_limit_s": 30,
        "deterministic_time": 5,
        "seed": 0,
        "workers": 2,
        "progress": None,
        "log_search": False,
        "parameters": None,
    }
    options.update(kwargs)
    return cpsat._Search(p, built, **options)


def test_needs_first_covers_what_can_be_covered() -> None:
    p = short_month()
    search = new_search(p)
    # A valid but poor first roster: only m0 works (three needs covered of ten).
    search.adopt({key: int(key[0] == 0 and key[1] < 3) for key in search.built.x})
    assert search.best_objective == 7 * p.weights.cover_under
    search.needs_first(wall=10, dtime=2)
    assert search.best is not None
    roster = {
        mem.id: [
            p.duty_kinds[0].id if search.best.get((mi, d, 0)) else None
            for d in range(p.horizon_days)
        ]
        for mi, mem in enumerate(p.members)
    }
    assert evaluate.hard_violations(p, roster) == []
    # Nine duties are all three members can do: one need uncovered, no more.
    assert evaluate.penalties(p, roster)["cover_under"] == p.weights.cover_under
    assert search.best_objective == p.weights.cover_under
    # Its bound is that of the restricted model, never kept as the month's bound.
    assert search.bound == -cpsat.math.inf


def test_needs_first_does_nothing_when_every_need_is_covered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p = small_month()
    search = new_search(p)
    search.adopt({key: 0 for key in search.built.x} | dict.fromkeys(_covering(search), 1))
    before = (search.best_objective, search.best)
    seen = subsolvers_used(monkeypatch)
    search.needs_first(wall=10, dtime=2)
    assert seen == []
    assert (search.best_objective, search.best) == before


def _covering(search: cpsat._Search) -> list[tuple[int, int, int]]:
    """Duty keys of a roster that covers the small month, from the solver itself."""
    solution = cpsat.solve(search.p, time_limit_s=30, deterministic_time=5, seed=1)
    assert solution.status == "optimal" and not solution.penalties.get("cover_under")
    ids = {mem.id: mi for mi, mem in enumerate(search.p.members)}
    kinds = {k.id: ki for ki, k in enumerate(search.p.duty_kinds)}
    return [(ids[a.member], a.day, kinds[a.kind]) for a in solution.assignments]
