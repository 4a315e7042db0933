"""The Curtois & Qu benchmark format: reader, exact mapping and the independent checker.

``data/Instance1.txt`` is a byte-for-byte copy of the public benchmark's Instance1 (Shift
Scheduling Benchmark, Curtois & Qu; same SHA-256 as ../shared/bench/shift_scheduling).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from shouwang.rostering.solver import evaluate
from shouwang.rostering.solver.cpsat import solve
from shouwang.rostering.solver.curtois import (
    CurtoisFormatError,
    NotMappable,
    check,
    parse,
    read_problem,
    to_problem,
)

pytestmark: list[pytest.MarkDecorator] = []

INSTANCE1 = (Path(__file__).parent / "data" / "Instance1.txt").read_text(encoding="ascii")
INSTANCE1_OPTIMUM = 607


def test_reader_counts_instance1() -> None:
    inst = parse(INSTANCE1)
    assert inst.horizon == 14
    assert [s.id for s in inst.shifts] == ["D"]
    assert inst.shifts[0].minutes == 480
    assert len(inst.staff) == 8
    assert inst.staff[0].max_shifts == {"D": 14}
    assert (inst.staff[0].max_minutes, inst.staff[0].min_minutes) == (4320, 3360)
    assert inst.days_off["A"] == (0,)
    assert len(inst.on_requests) == 21 and len(inst.off_requests) == 5
    assert len(inst.cover) == 14 and inst.cover[1].requirement == 7


def test_mapping_onto_the_engine_model_is_exact() -> None:
    p = read_problem(INSTANCE1)
    assert (p.horizon_days, len(p.members), len(p.duty_kinds), len(p.demands)) == (14, 8, 1, 14)
    a = p.member("A")
    assert a.max_consecutive_days == 5 and a.min_consecutive_days == 2
    assert a.min_consecutive_days_off == 2 and a.max_weekends == 1
    assert a.days_off == frozenset({0})
    assert p.weekends() == ((5, 6), (12, 13))
    assert p.demands[0].under_weight == 100 and p.demands[0].over_weight == 1


def test_checker_agrees_with_engine_on_instance1() -> None:
    p = read_problem(INSTANCE1)
    s = solve(p, time_limit_s=20, deterministic_time=20, workers=2)
    assert s.feasible
    result = check(INSTANCE1, s.roster(p))
    assert result.feasible, result.violations
    assert result.objective == s.objective
    assert result.objective >= INSTANCE1_OPTIMUM  # never below the proven optimum
    if s.proven_optimal:
        assert s.objective == INSTANCE1_OPTIMUM


def optimal_like_roster() -> dict[str, list[str | None]]:
    """A feasible roster of Instance1 built by the engine (fast, small limit)."""
    p = read_problem(INSTANCE1)
    s = solve(p, time_limit_s=10, deterministic_time=2, workers=1)
    return s.roster(p)


def test_checker_rejects_rosters_that_break_rules() -> None:
    good = optimal_like_roster()
    assert check(INSTANCE1, good).feasible
    # A works on its fixed day off (day 0).
    bad = {k: list(v) for k, v in good.items()}
    bad["A"][0] = "D"
    result = check(INSTANCE1, bad)
    assert not result.feasible
    assert any("day off" in v for v in result.violations)
    # Six shifts in a row (max 5) for B.
    bad = {k: list(v) for k, v in good.items()}
    bad["B"][7:13] = ["D"] * 6
    assert any("consecutive shifts" in v for v in check(INSTANCE1, bad).violations)
    # A lone working day in the middle (min 2) and an unknown shift.
    bad = {k: list(v) for k, v in good.items()}
    bad["C"][5:10] = [None, None, "D", None, None]
    assert any("< min 2" in v for v in check(INSTANCE1, bad).violations)
    bad["C"][9] = "X"
    assert not check(INSTANCE1, bad).feasible
    # Missing employee.
    assert not check(INSTANCE1, {k: v for k, v in good.items() if k != "H"}).feasible


def test_checker_recomputes_objective_by_hand() -> None:
    nobody: dict[str, list[str | None]] = {e: [None] * 14 for e in "ABCDEFGH"}
    result = check(INSTANCE1, nobody)
    assert not result.feasible  # minimum minutes
    cover = 100 * (5 + 7 + 6 + 4 + 5 + 5 + 5 + 6 + 7 + 4 + 2 + 5 + 6 + 4)
    on_requests = 2 * 2 + 3 * 5 + 1 * 5 + 2 * 2 + 2 * 2 + 1 * 5
    assert result.objective == cover + on_requests


def test_engine_evaluation_matches_checker_on_random_rosters() -> None:
    p = read_problem(INSTANCE1)
    rng = random.Random(7)
    for _ in range(20):
        roster: dict[str, list[str | None]] = {
            e.id: [("D" if rng.random() < 0.6 else None) for _ in range(14)] for e in p.members
        }
        result = check(INSTANCE1, roster)
        assert result.objective == sum(evaluate.penalties(p, roster).values())
        assert result.feasible == (evaluate.hard_violations(p, roster) == [])


def synthetic_instance(days: int, staff: int, shifts: int, seed: int = 1) -> str:
    """A long instance in the public format (a year, 150 staff, 32 shift types)."""
    rng = random.Random(seed)
    ids = [f"s{i}" for i in range(shifts)]
    lines = ["# synthetic", "SECTION_HORIZON", "# days", str(days), "", "SECTION_SHIFTS"]
    for i, sid in enumerate(ids):
        banned = "|".join(ids[:i][:5])
        lines.append(f"{sid},{rng.choice((480, 600, 720))},{banned}")
    lines += ["", "SECTION_STAFF"]
    names = [f"E{i}" for i in range(staff)]
    for name in names:
        caps = "|".join(f"{sid}={rng.choice((0, days))}" for sid in ids)
        lines.append(f"{name},{caps},{days * 400},{days * 200},5,2,2,{days // 14}")
    lines += ["", "SECTION_DAYS_OFF", "# EmployeeID, DayIndexes (start at zero)"]
    for name in names:
        offs = sorted(rng.sample(range(days), 3))
        lines.append(",".join([name, *map(str, offs)]))
    lines += ["", "SECTION_SHIFT_ON_REQUESTS"]
    lines += [f"{rng.choice(names)},{rng.randrange(days)},{rng.choice(ids)},2" for _ in range(500)]
    lines += ["", "SECTION_SHIFT_OFF_REQUESTS"]
    lines += [f"{rng.choice(names)},{rng.randrange(days)},{rng.choice(ids)},3" for _ in range(500)]
    lines += ["", "SECTION_COVER"]
    lines += [f"{d},{sid},{rng.randrange(4)},100,1" for d in range(days) for sid in ids]
    return "\r\n".join(lines) + "\r\n"  # CRLF too: the reader takes either


def test_reader_takes_the_longest_public_sizes_unchanged() -> None:
    text = synthetic_instance(364, 150, 32)
    p = read_problem(text)
    assert (p.horizon_days, len(p.members), len(p.duty_kinds)) == (364, 150, 32)
    assert len(p.demands) == 364 * 32
    assert len(p.weekends()) == 52
    empty: dict[str, list[str | None]] = {m.id: [None] * 364 for m in p.members}
    assert check(text, empty).objective == sum(evaluate.penalties(p, empty).values())


def test_not_mappable_and_format_errors() -> None:
    with pytest.raises(NotMappable, match="SECTION_SHIFT_PATTERNS"):
        read_problem(INSTANCE1 + "\nSECTION_SHIFT_PATTERNS\nP1,D|D\n")
    doubled = INSTANCE1.replace("0,D,5,100,1", "0,D,5,100,1\n0,D,3,100,1")
    with pytest.raises(NotMappable, match="two cover lines"):
        to_problem(parse(doubled))
    with pytest.raises(CurtoisFormatError, match="outside the horizon"):
        parse(INSTANCE1.replace("A,0\n", "A,14\n"))
    with pytest.raises(CurtoisFormatError, match="not a whole number"):
        parse(INSTANCE1.replace("14\n\nSECTION_SHIFTS", "fourteen\n\nSECTION_SHIFTS"))
