"""One test per hard rule and per soft rule of the roster solver, on tiny problems.

Plain pytest: the solver is a pure package, so nothing here touches Django or the database.
Each test builds a problem in which the cheapest roster *without* the rule would break it,
then checks that the solver's roster keeps it (hard) or weighs it as named (soft).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from shouwang.rostering.solver import evaluate
from shouwang.rostering.solver import model as m
from shouwang.rostering.solver.cpsat import solve
from shouwang.rostering.solver.model import (
    Demand,
    DutyKind,
    EmploymentCaps,
    Member,
    Pin,
    Problem,
    ShiftRequest,
    Solution,
    Weights,
)

pytestmark: list[pytest.MarkDecorator] = []

DAY = DutyKind("day", "Day patrol", 480, start_minute=8 * 60)
NIGHT = DutyKind("night", "Night patrol", 600, start_minute=20 * 60, is_night=True)
EARLY = DutyKind("early", "Early post", 240, start_minute=6 * 60, is_early=True)

#: Weights with every township-only rule switched off, so each test sees only its own rule.
QUIET = Weights(
    cover_under=100,
    cover_over=1,
    role_missing=100,
    away_from_home_zone=0,
    fair_nights=0,
    fair_weekends=0,
    fair_holidays=0,
)


def every_day(kind: str, days: int, required: int = 1, **extra: int) -> tuple[Demand, ...]:
    return tuple(Demand(day=d, kind=kind, required=required, **extra) for d in range(days))  # type: ignore[arg-type]


def problem(
    members: Sequence[Member],
    demands: Sequence[Demand],
    *,
    days: int = 7,
    kinds: Sequence[DutyKind] = (DAY,),
    weights: Weights = QUIET,
    **extra: object,
) -> Problem:
    return Problem(
        horizon_days=days,
        duty_kinds=tuple(kinds),
        members=tuple(members),
        demands=tuple(demands),
        weights=weights,
        **extra,  # type: ignore[arg-type]
    )


def run(p: Problem) -> Solution:
    solution = solve(p, time_limit_s=20, deterministic_time=10, workers=2)
    assert solution.status == "optimal", solution.findings
    assert solution.objective == sum(solution.penalties.values())
    assert evaluate.hard_violations(p, solution.roster(p)) == []
    return solution


def row(p: Problem, s: Solution, member: str) -> list[str | None]:
    return s.roster(p)[member]


def worked(p: Problem, s: Solution, member: str) -> list[bool]:
    return [k is not None for k in row(p, s, member)]


# -- hard rules ------------------------------------------------------------------------------


def test_one_duty_per_day() -> None:
    p = problem(
        [Member("a")],
        [Demand(0, "day", 1), Demand(0, "night", 1)],
        days=1,
        kinds=(DAY, NIGHT),
    )
    s = run(p)
    assert len(s.assignments) == 1
    assert s.penalties[m.COVER_UNDER] == 100


def test_day_off_is_never_worked() -> None:
    p = problem([Member("a", days_off=frozenset({2}))], every_day("day", 4), days=4)
    s = run(p)
    assert row(p, s, "a") == ["day", "day", None, "day"]


def test_pinned_assignment_and_pinned_day_off() -> None:
    p = problem(
        [Member("a"), Member("b")],
        [Demand(0, "day", 1), Demand(1, "day", 0)],
        days=2,
        pinned=(Pin("a", 1, "day"), Pin("a", 0, None)),
    )
    s = run(p)
    assert row(p, s, "a") == [None, "day"]  # the pin beats the over-cover penalty
    assert row(p, s, "b")[0] == "day"


def test_required_qualification_and_zero_cap() -> None:
    armed = DutyKind("armed", "Armed post", 480, required_qualifications=frozenset({"gun"}))
    p = problem(
        [
            Member("plain"),
            Member("capped", qualifications=frozenset({"gun"}), max_per_kind={"armed": 0}),
            Member("ok", qualifications=frozenset({"gun"})),
        ],
        [Demand(0, "armed", 3)],
        days=1,
        kinds=(armed,),
    )
    s = run(p)
    assert [a.member for a in s.assignments] == ["ok"]


def test_cap_per_duty_kind() -> None:
    p = problem([Member("a", max_per_kind={"day": 2})], every_day("day", 4), days=4)
    s = run(p)
    assert s.loads[0].per_kind == {"day": 2}


def test_max_duties_in_period_from_employment_type() -> None:
    p = problem(
        [
            Member("v", employment_type="volunteer"),
            Member("w", employment_type="volunteer", max_duties=3),
        ],
        every_day("day", 5, required=2),
        days=5,
        employment_caps={"volunteer": EmploymentCaps(max_duties=1)},
    )
    s = run(p)
    loads = {load.member: load.duties for load in s.loads}
    assert loads == {"v": 1, "w": 3}  # the member's own cap overrides the type's


def test_max_duties_per_week() -> None:
    p = problem([Member("a", max_duties_per_week=3)], every_day("day", 14), days=14)
    s = run(p)
    days = worked(p, s, "a")
    assert sum(days[:7]) == 3 and sum(days[7:]) == 3


def test_max_minutes() -> None:
    p = problem([Member("a", max_minutes=960)], every_day("day", 5), days=5)
    s = run(p)
    assert s.loads[0].minutes == 960


def test_min_minutes_beats_over_cover_penalty() -> None:
    p = problem([Member("a", min_minutes=3 * 480)], every_day("day", 5, required=0), days=5)
    s = run(p)
    assert s.loads[0].minutes == 3 * 480
    assert s.penalties[m.COVER_OVER] == 3


def test_max_consecutive_days() -> None:
    p = problem([Member("a", max_consecutive_days=3)], every_day("day", 9), days=9)
    s = run(p)
    assert max(n for v, _, n in evaluate.runs(worked(p, s, "a")) if v) == 3
    assert s.loads[0].duties == 7  # 3 on, 1 off, 3 on, 1 off, 1 on


def test_min_consecutive_days_inside_the_period() -> None:
    demands = [Demand(d, "day", 1 if d == 3 else 0) for d in range(7)]
    p = problem([Member("a", min_consecutive_days=3)], demands, days=7)
    s = run(p)
    ((start, length),) = [(st, n) for v, st, n in evaluate.runs(worked(p, s, "a")) if v]
    assert length == 3 and start <= 3 < start + length
    assert s.penalties[m.COVER_OVER] == 2


def test_min_consecutive_days_exempt_at_the_edges() -> None:
    demands = [Demand(d, "day", 1 if d in (0, 6) else 0) for d in range(7)]
    p = problem([Member("a", min_consecutive_days=3)], demands, days=7)
    s = run(p)
    assert row(p, s, "a") == ["day", None, None, None, None, None, "day"]


def test_min_consecutive_days_off() -> None:
    demands = [
        Demand(d, "day", 0, over_weight=1000) if d == 3 else Demand(d, "day", 1) for d in range(7)
    ]
    p = problem([Member("a", min_consecutive_days_off=2)], demands, days=7)
    s = run(p)
    off_runs = [n for v, st, n in evaluate.runs(worked(p, s, "a")) if not v and 0 < st < 7 - n]
    assert off_runs == [2]  # a single day off in the middle would be cheaper, but too short
    assert s.loads[0].duties == 5


def test_max_weekends() -> None:
    demands = [Demand(d, "day", 1) for d in (5, 6, 12, 13)]
    p = problem([Member("a", max_weekends=1)], demands, days=14)
    s = run(p)
    assert s.loads[0].weekends == 1
    assert s.loads[0].weekend_days == 2


def test_weekends_follow_the_start_weekday_and_office_calendar() -> None:
    p = problem([Member("a")], [], days=8, start_weekday=5)
    assert p.weekends() == ((0, 1), (7,))
    moved = replace(p, weekend_days=frozenset({1, 2}))
    assert moved.weekends() == ((1, 2),)


def test_forbidden_succession_night_then_early() -> None:
    kinds = (NIGHT, EARLY)
    p = problem(
        [Member("a")],
        [Demand(0, "night", 1), Demand(1, "early", 1, under_weight=50)],
        days=2,
        kinds=kinds,
        forbidden_successions=m.night_then_early_successions(kinds),
    )
    s = run(p)
    assert row(p, s, "a") == ["night", None]


def test_history_carries_rules_across_the_month_boundary() -> None:
    kinds = (NIGHT, EARLY)
    members = [
        Member("tired", max_consecutive_days=3),
        Member("night_before"),
        Member("short_rest", min_consecutive_days_off=2),
        Member("fresh", max_consecutive_days=3),
    ]
    p = problem(
        members,
        [Demand(0, "early", 4)],
        days=1,
        kinds=kinds,
        forbidden_successions=m.night_then_early_successions(kinds),
        history={
            "tired": ("early", "early", "early"),
            "night_before": (None, "night"),
            "short_rest": ("early", None),
            "fresh": (None, "early", "early"),
        },
    )
    s = run(p)
    assert sorted(a.member for a in s.assignments) == ["fresh"]


def test_demand_hard_maximum() -> None:
    wants = (ShiftRequest(0, "day", 5, wanted=True),)
    p = problem(
        [Member("a", requests=wants), Member("b", requests=wants)],
        [Demand(0, "day", 1, maximum=1)],
        days=1,
    )
    s = run(p)
    assert len(s.assignments) == 1
    assert s.penalties[m.SHIFT_ON_REQUEST] == 5


# -- soft rules ------------------------------------------------------------------------------


def test_cover_under_uses_demand_weight_or_default() -> None:
    p = problem([], [Demand(0, "day", 2), Demand(1, "day", 1, under_weight=7)], days=2)
    s = run(p)
    assert s.penalties[m.COVER_UNDER] == 2 * 100 + 7
    assert len(s.uncovered) == 2


def test_cover_over() -> None:
    p = problem([Member("a", min_minutes=480)], [Demand(0, "day", 0, over_weight=4)], days=1)
    s = run(p)
    assert s.penalties[m.COVER_OVER] == 4


def test_role_missing_and_role_filled() -> None:
    demand = Demand(0, "day", 2, roles={"leader": 1})
    leader = Member("lead", qualifications=frozenset({"leader"}))
    p = problem([Member("a"), Member("b"), leader], [demand], days=1)
    s = run(p)
    assert "lead" in {a.member for a in s.assignments}
    assert s.penalties[m.ROLE_MISSING] == 0
    absent = replace(leader, days_off=frozenset({0}))
    p2 = replace(p, members=(Member("a"), Member("b"), absent))
    s2 = run(p2)
    assert s2.penalties[m.ROLE_MISSING] == 100
    (need,) = s2.uncovered
    assert need.role == "leader"


def test_shift_on_request() -> None:
    p = problem(
        [Member("a", requests=(ShiftRequest(0, "day", 3, wanted=True),))],
        [Demand(0, "day", 0)],
        days=1,
    )
    s = run(p)
    assert row(p, s, "a") == ["day"]
    assert s.penalties[m.SHIFT_ON_REQUEST] == 0 and s.penalties[m.COVER_OVER] == 1
    heavy = replace(p, weights=QUIET.with_weights(cover_over=10))
    s2 = run(heavy)
    assert row(heavy, s2, "a") == [None]
    assert s2.penalties[m.SHIFT_ON_REQUEST] == 3


def test_shift_off_request() -> None:
    p = problem(
        [Member("a", requests=(ShiftRequest(0, "day", 2, wanted=False),)), Member("b")],
        [Demand(0, "day", 1)],
        days=1,
    )
    s = run(p)
    assert [a.member for a in s.assignments] == ["b"]
    assert s.objective == 0


def test_home_zone_preference() -> None:
    north = DutyKind("north", "North patrol", 480, zone="N")
    south = DutyKind("south", "South patrol", 480, zone="S")
    p = problem(
        [Member("n", home_zone="N"), Member("s", home_zone="S")],
        [Demand(0, "north", 1), Demand(0, "south", 1)],
        days=1,
        kinds=(north, south),
        weights=QUIET.with_weights(away_from_home_zone=5),
    )
    s = run(p)
    assert s.roster(p) == {"n": ["north"], "s": ["south"]}
    assert s.penalties[m.AWAY_FROM_HOME_ZONE] == 0


def test_fair_nights() -> None:
    p = problem(
        [Member("a"), Member("b"), Member("c", max_per_kind={"night": 0})],
        every_day("night", 4),
        days=4,
        kinds=(NIGHT,),
        weights=QUIET.with_weights(fair_nights=3),
    )
    s = run(p)
    nights = {load.member: load.nights for load in s.loads}
    assert nights == {"a": 2, "b": 2, "c": 0}  # c may not work nights: not in the spread
    assert s.penalties[m.FAIR_NIGHTS] == 0


def test_fair_weekends_within_an_employment_type() -> None:
    demands = [Demand(d, "day", 1) for d in (5, 6, 12, 13)]
    p = problem(
        [Member("a", employment_type="full"), Member("b", employment_type="full")],
        demands,
        days=14,
        weights=QUIET.with_weights(fair_weekends=2),
    )
    s = run(p)
    assert [load.weekend_days for load in s.loads] == [2, 2]
    unfair = replace(
        p, members=(p.members[0], replace(p.members[1], days_off=frozenset({5, 6, 12})))
    )
    s2 = run(unfair)
    assert s2.penalties[m.FAIR_WEEKENDS] == 2 * 2  # 3 against 1


def test_fair_holidays() -> None:
    p = problem(
        [Member("a"), Member("b")],
        [Demand(d, "day", 1) for d in range(4)],
        days=4,
        holidays=frozenset({0, 1}),
        weights=QUIET.with_weights(fair_holidays=5),
    )
    s = run(p)
    assert [load.holidays for load in s.loads] == [1, 1]


def test_weights_have_stable_names_and_reject_negatives() -> None:
    assert set(m.SOFT_RULES) == set(m.SOFT_RULE_LABELS)
    assert Weights().of(m.COVER_UNDER) == 1000
    with pytest.raises(KeyError):
        Weights().of("no_such_rule")
    with pytest.raises(ValueError, match="negative"):
        Weights(fair_nights=-1)


@pytest.mark.parametrize("encoding", ["clauses", "automaton"])
def test_both_run_encodings_agree(encoding: str) -> None:
    # Runs at the edges, inside the period and across the boundary, with every run rule.
    demands = [Demand(d, "day", 1, over_weight=3) for d in range(12) if d not in (4, 5, 9)]
    members = [
        Member(
            "a",
            max_consecutive_days=4,
            min_consecutive_days=3,
            min_consecutive_days_off=2,
            requests=(ShiftRequest(6, "day", 50, wanted=False),),
        ),
        Member("b", max_consecutive_days=2, min_consecutive_days=2, min_consecutive_days_off=3),
    ]
    p = problem(members, demands, days=12, history={"a": (None, "day", "day"), "b": ("day",)})
    s = solve(p, time_limit_s=20, deterministic_time=10, sequence_encoding=encoding)
    assert s.status == "optimal"
    assert evaluate.hard_violations(p, s.roster(p)) == []
    reference = solve(p, time_limit_s=20, deterministic_time=10, sequence_encoding="clauses")
    assert s.objective == reference.objective
