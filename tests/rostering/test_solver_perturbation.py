"""Minimal perturbation: re-planning against a reference (published) roster.

Plain pytest on the pure solver.  The soft rule ``changed_assignment`` costs every reference
assignment dropped and every assignment added; a leave should move only the duties it hits.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from shouwang.rostering.solver import evaluate
from shouwang.rostering.solver import model as m
from shouwang.rostering.solver.cpsat import solve
from shouwang.rostering.solver.model import Assignment, Demand, DutyKind, Member, Problem, Weights

DAY = DutyKind("day", "Day patrol", 480, start_minute=8 * 60)
NIGHT = DutyKind("night", "Night patrol", 600, start_minute=20 * 60, is_night=True)
DAYS = 14


def _problem(**extra: object) -> Problem:
    members = tuple(Member(f"m{i}", max_duties=9) for i in range(4))
    demands = tuple(
        Demand(day=d, kind=k, required=1) for d in range(DAYS) for k in ("day", "night")
    )
    return Problem(
        horizon_days=DAYS,
        duty_kinds=(DAY, NIGHT),
        members=members,
        demands=demands,
        weights=Weights(fair_weekends=0, fair_holidays=0),
        **extra,  # type: ignore[arg-type]
    )


def _solve(problem: Problem) -> m.Solution:
    solution = solve(problem, time_limit_s=20, deterministic_time=3.0, seed=1)
    assert solution.feasible
    return solution


def _triples(assignments: tuple[Assignment, ...]) -> set[tuple[str, int, str]]:
    return {(a.member, a.day, a.kind) for a in assignments}


def test_without_a_reference_the_rule_costs_nothing() -> None:
    solution = _solve(_problem())
    assert solution.changed == 0
    assert solution.penalties[m.CHANGED_ASSIGNMENT] == 0
    assert m.CHANGED_ASSIGNMENT in m.SOFT_RULE_LABELS


def test_unchanged_problem_keeps_the_whole_reference() -> None:
    first = _solve(_problem())
    again = _solve(_problem(reference=first.assignments))
    assert again.changed == 0
    assert _triples(again.assignments) == _triples(first.assignments)


def test_leave_moves_only_the_duties_it_hits() -> None:
    first = _solve(_problem())
    base = _problem(reference=first.assignments)
    leave = frozenset({5, 6, 7})
    hit = {a for a in _triples(first.assignments) if a[0] == "m1" and a[1] in leave}
    assert hit, "the test needs m1 on duty during the leave"
    members = tuple(replace(mem, days_off=leave) if mem.id == "m1" else mem for mem in base.members)
    problem = replace(base, members=members)
    second = _solve(problem)
    now = _triples(second.assignments)
    before = _triples(first.assignments)
    # Each hit duty is dropped once and re-staffed once; nothing else moves.
    assert before - now == hit
    assert len(now - before) == len(hit)
    assert all(day in leave for _, day, _ in now - before)
    assert second.changed == 2 * len(hit)
    assert second.penalties[m.CHANGED_ASSIGNMENT] == 2 * len(hit) * Weights().changed_assignment
    assert second.penalties[m.COVER_UNDER] == 0
    roster = second.roster(problem)
    assert evaluate.penalties(problem, roster) == dict(second.penalties)


def test_weight_zero_switches_minimal_perturbation_off() -> None:
    first = _solve(_problem())
    problem = _problem(reference=first.assignments)
    problem = replace(problem, weights=problem.weights.with_weights(changed_assignment=0))
    solution = _solve(problem)
    assert solution.penalties[m.CHANGED_ASSIGNMENT] == 0
    assert solution.changed == evaluate.changed_count(problem, solution.roster(problem))


def test_reference_must_name_known_members_kinds_and_days() -> None:
    with pytest.raises(ValueError, match="reference"):
        _problem(reference=(Assignment("ghost", 0, "day"),))
    with pytest.raises(ValueError, match="reference"):
        _problem(reference=(Assignment("m0", DAYS, "day"),))
