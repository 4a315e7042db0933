"""Presolve findings, explanations of uncovered needs, progress, determinism and purity."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from shouwang.rostering.solver import model as m
from shouwang.rostering.solver import presolve
from shouwang.rostering.solver.cpsat import solve
from shouwang.rostering.solver.curtois import read_problem
from shouwang.rostering.solver.model import (
    Demand,
    DutyKind,
    Member,
    Pin,
    Problem,
    Progress,
    Weights,
)

pytestmark: list[pytest.MarkDecorator] = []

DAY = DutyKind("day", "Day patrol", 480)
NIGHT = DutyKind("night", "Night patrol", 600, is_night=True)
EARLY = DutyKind("early", "Early post", 240, is_early=True)
ARMED = DutyKind("armed", "Armed post", 480, required_qualifications=frozenset({"gun"}))
QUIET = Weights(away_from_home_zone=0, fair_nights=0, fair_weekends=0, fair_holidays=0)


def codes(p: Problem) -> dict[str, str]:
    return {f.code: f.severity for f in presolve.check(p)}


def test_presolve_reports_impossible_inputs_in_plain_words() -> None:
    p = Problem(
        horizon_days=3,
        duty_kinds=(DAY, ARMED),
        members=(
            Member("a", days_off=frozenset({2})),
            Member("b", days_off=frozenset({2})),
            Member("c", min_minutes=5000, max_minutes=6000),
        ),
        demands=(
            Demand(0, "day", 5),  # team of 3
            Demand(1, "armed", 1),  # nobody carries a gun
            Demand(2, "day", 1, roles={"leader": 1}),
        ),
        weights=QUIET,
        pinned=(Pin("c", 2, None),),
    )
    found = codes(p)
    assert found["composition_larger_than_team"] == "error"
    assert found["kind_without_members"] == "error"
    assert found["role_larger_than_team"] == "error"
    assert found["everyone_off"] == "warning"
    assert found["min_hours_unreachable"] == "error"
    messages = " ".join(f.message for f in presolve.check(p))
    assert "needs up to 5 members on day 1, but only 3 members may work it" in messages
    assert "Nobody may work Armed post (it requires gun)" in messages
    # Severity order: errors first.
    severities = [f.severity for f in presolve.check(p)]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)


def test_partial_roster_when_the_month_cannot_be_covered() -> None:
    p = Problem(
        horizon_days=2,
        duty_kinds=(DAY, ARMED),
        members=(Member("a"), Member("b")),
        demands=(Demand(0, "day", 3), Demand(1, "armed", 1)),
        weights=QUIET,
    )
    s = solve(p, time_limit_s=10, deterministic_time=5)
    assert s.status == "optimal"
    assert {a.member for a in s.assignments if a.day == 0} == {"a", "b"}
    assert {(n.day, n.kind, n.missing) for n in s.uncovered} == {(0, "day", 1), (1, "armed", 1)}
    assert any(f.code == "kind_without_members" for f in s.findings)


def test_explanation_names_each_members_blocking_rule() -> None:
    kinds = (DAY, NIGHT, EARLY)
    p = Problem(
        horizon_days=4,
        duty_kinds=kinds,
        members=(
            Member("on_leave", days_off=frozenset({3})),
            Member("unqualified", max_per_kind={"early": 0}),
            Member("busy"),
            Member("tired", max_consecutive_days=3),
            Member("after_night"),
        ),
        demands=(Demand(3, "early", 5),),
        forbidden_successions=m.night_then_early_successions(kinds),
        pinned=(
            Pin("busy", 3, "day"),
            *(Pin("tired", d, "day") for d in range(3)),
            Pin("after_night", 2, "night"),
        ),
        weights=QUIET.with_weights(cover_under=1000, cover_over=0),
    )
    s = solve(p, time_limit_s=10, deterministic_time=5)
    assert s.feasible and s.assignments
    (need,) = s.uncovered
    assert (need.day, need.kind, need.role, need.missing) == (3, "early", None, 5)
    reasons = {c.member: c.rules for c in need.candidates}
    assert reasons == {
        "on_leave": (m.DAY_OFF,),
        "unqualified": (m.NOT_QUALIFIED,),
        "busy": (m.PINNED,),
        "tired": (m.MAX_CONSECUTIVE_DAYS,),
        "after_night": (m.FORBIDDEN_SUCCESSION,),
    }
    assert "Early post on day 4: 5 of 5 member(s) missing" in need.summary
    assert "too many consecutive duty days" in need.summary


def test_member_loads() -> None:
    p = Problem(
        horizon_days=7,
        duty_kinds=(DAY, NIGHT),
        members=(Member("a"),),
        demands=(Demand(5, "night", 1), Demand(6, "day", 1)),
        holidays=frozenset({6}),
        weights=QUIET,
    )
    s = solve(p, time_limit_s=10, deterministic_time=5)
    (load,) = s.loads
    assert (load.duties, load.minutes, load.nights) == (2, 1080, 1)
    assert (load.weekend_days, load.weekends, load.holidays) == (2, 1, 1)
    assert load.per_kind == {"night": 1, "day": 1}


INSTANCE1 = (Path(__file__).parent / "data" / "Instance1.txt").read_text(encoding="ascii")


def test_progress_callback_and_time_limit() -> None:
    p = read_problem(INSTANCE1)
    seen: list[Progress] = []
    s = solve(p, time_limit_s=3, workers=2, progress=seen.append)
    assert seen and s.solutions_found == len(seen)
    assert all(a.objective >= b.objective for a, b in itertools.pairwise(seen))
    assert s.objective is not None and seen[-1].objective >= s.objective
    assert s.wall_time_s < 6
    assert s.time_to_best_s is not None and s.time_to_best_s <= s.wall_time_s


def test_broken_progress_callback_does_not_break_the_solve() -> None:
    def explode(_: Progress) -> None:
        raise RuntimeError("display gone")

    s = solve(read_problem(INSTANCE1), time_limit_s=3, progress=explode)
    assert s.feasible


def test_same_input_and_seed_give_the_same_roster() -> None:
    # A deterministic work limit that stops well before optimality, two workers.
    p = read_problem(INSTANCE1)
    runs = [solve(p, time_limit_s=30, deterministic_time=0.3, seed=5, workers=2) for _ in range(2)]
    assert runs[0].feasible
    assert runs[0].assignments == runs[1].assignments
    assert runs[0].objective == runs[1].objective


def test_infeasible_hard_rules_are_reported_not_hidden() -> None:
    p = Problem(
        horizon_days=2,
        duty_kinds=(DAY,),
        members=(Member("a", min_minutes=480, days_off=frozenset({0, 1})),),
        demands=(),
        weights=QUIET,
    )
    s = solve(p, time_limit_s=5)
    assert s.status == "infeasible" and not s.assignments
    assert any(f.code == "min_hours_unreachable" for f in s.findings)


def test_solver_package_imports_no_django() -> None:
    code = (
        "import sys\n"
        "import shouwang.rostering.solver as pkg\n"
        "from shouwang.rostering.solver import cpsat, curtois, evaluate, explain, greedy, "
        "model, presolve\n"
        "bad = sorted(n for n in sys.modules if n == 'django' or n.startswith('django.'))\n"
        "print(','.join(bad))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
