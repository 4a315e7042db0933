"""The synthetic township generator of bench/roster: deterministic and township-shaped."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from shouwang.rostering.solver import evaluate, greedy, presolve
from shouwang.rostering.solver.model import Problem

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "roster"))
from township import EMPLOYMENT_CAPS, ROLE_MIX, generate_township


def test_same_seed_same_problem_other_seed_other_problem() -> None:
    assert generate_township(7) == generate_township(7)
    assert generate_township(7) != generate_township(8)
    assert generate_township(7).name != generate_township(8).name


@pytest.mark.parametrize(("members", "posts", "days"), [(120, 20, 31), (40, 7, 28), (5, 1, 1)])
def test_shape_follows_the_arguments(members: int, posts: int, days: int) -> None:
    p = generate_township(3, members=members, posts=posts, days=days)
    assert isinstance(p, Problem)
    assert (len(p.members), len(p.duty_kinds), p.horizon_days) == (members, posts, days)
    assert p.start_date is not None and p.start_weekday == p.start_date.weekday()
    assert all(0 <= d.day < days for d in p.demands)


def test_role_mix_caps_and_township_rules() -> None:
    p = generate_township(1)
    types = Counter(m.employment_type for m in p.members)
    assert set(types) == {name for name, _ in ROLE_MIX}
    for name, share in ROLE_MIX:
        assert abs(types[name] - share * len(p.members)) <= 2
    # Volunteers: at most two duties a week, never the night patrol.
    assert p.employment_caps["volunteer"].max_duties_per_week == 2
    assert p.employment_caps == EMPLOYMENT_CAPS
    nights = [k for k in p.duty_kinds if k.is_night]
    assert nights
    for member in p.members:
        if member.employment_type == "volunteer":
            assert all(member.max_per_kind.get(k.id) == 0 for k in nights)
        assert member.home_zone is not None
    # Night → early successions are forbidden, and some members have leave.
    early = [k for k in p.duty_kinds if k.is_early]
    assert early and {(n.id, e.id) for n in nights for e in early} <= p.forbidden_successions
    assert any(m.days_off for m in p.members)
    # School gates only on school days (weekdays that are not holidays).
    gates = {k.id for k in p.duty_kinds if k.id.startswith("school_gate")}
    gate_days = {d.day for d in p.demands if d.kind in gates}
    assert gate_days
    assert all(p.weekday(d) < 5 and d not in p.holidays for d in gate_days)
    # The nightly patrol is needed every night with a police officer among the members.
    night_days = [d for d in p.demands if d.kind == nights[0].id]
    assert len(night_days) == p.horizon_days
    assert all(d.roles.get("police_officer") == 1 for d in night_days)


def test_wishes_name_posts_the_member_may_work_and_pins_are_sound() -> None:
    p = generate_township(2)
    findings = {f.code for f in presolve.check(p)}
    assert "request_not_possible" not in findings
    assert "pinned_on_day_off" not in findings and "pinned_not_qualified" not in findings
    # The greedy hint respects every hard rule on a generated month (pins included).
    hint = greedy.roster(p)
    assert evaluate.hard_violations(p, hint) == []
