"""Findings and explanations carry a stable code and plain params beside the English text."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from shouwang.rostering.solver import model as m
from shouwang.rostering.solver import presolve
from shouwang.rostering.solver.cpsat import solve
from shouwang.rostering.solver.explain import uncovered_needs
from shouwang.rostering.solver.model import (
    CandidateReason,
    Demand,
    DutyKind,
    Finding,
    Member,
    Pin,
    Problem,
    ShiftRequest,
    UncoveredNeed,
    Weights,
)

DAY = DutyKind("day", "Day patrol", 480)
NIGHT = DutyKind("night", "Night patrol", 600, is_night=True)
EARLY = DutyKind("early", "Early post", 240, is_early=True)
ARMED = DutyKind("armed", "Armed post", 480, required_qualifications=frozenset({"gun"}))
QUIET = Weights(away_from_home_zone=0, fair_nights=0, fair_weekends=0, fair_holidays=0)
PLAIN = (str, int, float, bool, type(None))


def assert_plain(params: object) -> None:
    """Params are str/int/float/bool/None or tuples of str/int, and survive JSON."""
    assert isinstance(params, Mapping)
    for value in params.values():
        if isinstance(value, tuple):
            assert all(isinstance(v, str | int) for v in value)
        else:
            assert isinstance(value, PLAIN)
    json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in params.items()})


def by_code(findings: tuple[Finding, ...]) -> dict[str, Finding]:
    return {f.code: f for f in findings}


def test_demand_findings_have_params_naming_what_the_message_says() -> None:
    p = Problem(
        horizon_days=10,
        duty_kinds=(DAY, ARMED),
        members=(
            Member("a", "Ann", days_off=frozenset({2})),
            Member("b", "Bo", days_off=frozenset({2})),
        ),
        demands=(
            *(Demand(d, "armed", 1) for d in range(7)),  # nobody carries a gun: 7 dates
            Demand(0, "day", 3),  # team of 2
            Demand(1, "day", 1, roles={"leader": 1}),
            Demand(2, "day", 1),
            Demand(3, "day", 2, maximum=1),
        ),
        start_date=dt.date(2026, 3, 1),
        start_weekday=6,
        weights=QUIET,
    )
    found = by_code(presolve.check(p))
    for finding in found.values():
        assert_plain(finding.params)

    nobody = found["kind_without_members"]
    assert nobody.params["kind"] == "Armed post"
    assert nobody.params["qualifications"] == ("gun",)
    assert nobody.params["dates"] == tuple(f"2026-03-0{d}" for d in range(1, 6))
    assert nobody.params["more"] == 2
    assert "and 2 more" in nobody.message

    big = found["composition_larger_than_team"]
    assert (big.params["kind"], big.params["need"], big.params["team"]) == ("Day patrol", 3, 2)
    assert big.params["dates"] == ("2026-03-01",) and big.params["more"] == 0

    role = found["role_larger_than_team"]
    assert role.params["role"] == "leader" and role.params["dates"] == ("2026-03-02",)

    off = found["everyone_off"]
    assert off.params == {"kind": "Day patrol", "dates": ("2026-03-03",), "more": 0}

    above = found["demand_above_maximum"]
    assert dict(above.params) == {
        "kind": "Day patrol",
        "date": "2026-03-04",
        "required": 2,
        "maximum": 1,
    }


def test_member_findings_have_params() -> None:
    p = Problem(
        horizon_days=3,
        duty_kinds=(DAY, ARMED),
        members=(
            Member("c", "Cai", min_minutes=600, max_minutes=480),
            Member("d", "Du", days_off=frozenset({1})),
            Member(
                "e",
                "Er",
                min_consecutive_days=4,
                max_consecutive_days=2,
                requests=(ShiftRequest(day=2, kind="armed", weight=1, wanted=True),),
            ),
        ),
        demands=(Demand(0, "day", 1),),
        pinned=(Pin("d", 1, "day"), Pin("e", 0, "armed")),
        weights=QUIET,
    )
    found = by_code(presolve.check(p))
    for finding in found.values():
        assert_plain(finding.params)
    assert dict(found["min_hours_above_max"].params) == {
        "member": "Cai",
        "min_hours": 10.0,
        "max_hours": 8.0,
    }
    # Without a start date, days are 1-based numbers.
    assert dict(found["pinned_on_day_off"].params) == {
        "member": "Du",
        "kind": "Day patrol",
        "date": 2,
    }
    assert found["pinned_not_qualified"].params["kind"] == "Armed post"
    assert dict(found["min_run_above_max_run"].params) == {
        "member": "Er",
        "min_run": 4,
        "max_run": 2,
    }
    assert dict(found["request_not_possible"].params) == {
        "member": "Er",
        "kind": "Armed post",
        "date": 3,
    }


def test_unreachable_hours_param_matches_the_message() -> None:
    p = Problem(
        horizon_days=2,
        duty_kinds=(DAY,),
        members=(Member("a", "Ann", min_minutes=3000),),
        demands=(),
        weights=QUIET,
    )
    (finding,) = presolve.check(p)
    assert finding.code == "min_hours_unreachable"
    assert finding.params["reachable_hours"] == 16.0
    assert "at most 16 h" in finding.message


def test_explanations_carry_codes_and_params() -> None:
    kinds = (DAY, NIGHT, EARLY, ARMED)
    p = Problem(
        horizon_days=5,
        duty_kinds=kinds,
        members=(
            Member("on_leave", days_off=frozenset({3})),
            Member("unqualified", max_per_kind={"early": 0}),
            Member("busy"),
            Member("tired", max_consecutive_days=3),
            Member("after_night"),
        ),
        demands=(Demand(3, "early", 5), Demand(4, "armed", 1)),
        forbidden_successions=m.night_then_early_successions(kinds),
        pinned=(
            Pin("busy", 3, "day"),
            *(Pin("tired", d, "day") for d in range(3)),
            Pin("after_night", 2, "night"),
        ),
        weights=QUIET.with_weights(cover_under=1000, cover_over=0),
    )
    s = solve(p, time_limit_s=10, deterministic_time=5)
    needs = {n.kind: n for n in s.uncovered}
    early = needs["early"]
    assert early.code == "head_count_short"
    assert dict(early.params) == {"kind": "Early post", "date": 4, "missing": 5, "required": 5}
    reasons = {c.member: c for c in early.candidates}
    assert reasons["on_leave"].code == "day_off"
    assert (reasons["unqualified"].code, dict(reasons["unqualified"].params)) == (
        "kind_cap_zero",
        {"kind": "Early post"},
    )
    assert (reasons["busy"].code, dict(reasons["busy"].params)) == (
        "pinned",
        {"kind": "Day patrol"},
    )
    assert reasons["tired"].code == "hard_rules"
    assert reasons["tired"].params["rules"] == (m.MAX_CONSECUTIVE_DAYS,)
    assert reasons["after_night"].params["rules"] == (m.FORBIDDEN_SUCCESSION,)
    armed = needs["armed"]
    assert armed.code == "head_count_short"
    for reason in armed.candidates:
        assert reason.code == "lacks_qualifications"
        assert reason.params["qualifications"] == ("gun",)
    for need in s.uncovered:
        assert_plain(need.params)
        for reason in need.candidates:
            assert_plain(reason.params)
            assert reason.code


def test_role_shortfall_and_other_duty_reasons() -> None:
    p = Problem(
        horizon_days=1,
        duty_kinds=(DAY, NIGHT),
        members=(Member("lead", qualifications=frozenset({"leader"})), Member("x"), Member("y")),
        demands=(Demand(0, "day", 1, roles={"leader": 1}), Demand(0, "night", 1)),
        weights=QUIET,
    )
    roster: dict[str, list[str | None]] = {"lead": ["night"], "x": ["day"], "y": [None]}
    (need,) = [n for n in uncovered_needs(p, roster, proven_optimal=True) if n.role]
    assert need.code == "role_short"
    assert dict(need.params) == {"kind": "Day patrol", "date": 1, "missing": 1, "role": "leader"}
    reasons = {c.member: c for c in need.candidates}
    assert (reasons["lead"].code, dict(reasons["lead"].params)) == (
        "other_duty",
        {"kind": "Night patrol"},
    )
    assert (reasons["y"].code, dict(reasons["y"].params)) == ("role_missing", {"role": "leader"})


def test_infeasible_pin_finding_has_params() -> None:
    p = Problem(
        horizon_days=2,
        duty_kinds=(DAY, ARMED),
        members=(Member("a", "Ann"),),
        demands=(Demand(0, "day", 1),),
        pinned=(Pin("a", 1, "armed"),),
        weights=QUIET,
    )
    s = solve(p, time_limit_s=5, deterministic_time=1)
    assert not s.feasible
    infeasible = [f for f in s.findings if f.code == "infeasible"]
    assert infeasible
    assert dict(infeasible[0].params) == {
        "reason": "pinned_not_allowed",
        "member": "Ann",
        "kind": "Armed post",
        "date": 2,
    }


def test_old_style_construction_still_works() -> None:
    # Positional construction from before codes existed keeps working (empty code/params).
    reason = CandidateReason("a", (), "text")
    need = UncoveredNeed(0, "day", None, 1, "summary", (reason,))
    finding = Finding("info", "x", "message", "subject")
    assert reason.code == need.code == "" and not reason.params and not need.params
    assert not finding.params
