"""Solver findings and explanations rendered from code + params in the reader's language."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.template import Context, Template
from django.utils import translation

from shouwang.rostering import adapter
from shouwang.rostering.findings_text import (
    finding_text,
    need_text,
    reason_text,
    render_findings,
    render_uncovered,
)
from shouwang.rostering.solver import model as m
from shouwang.rostering.solver import presolve
from shouwang.rostering.solver.explain import uncovered_needs
from shouwang.rostering.solver.model import (
    Demand,
    DutyKind,
    Member,
    Pin,
    Problem,
    ShiftRequest,
    Weights,
)

DAY = DutyKind("day", "Day patrol", 480)
NIGHT = DutyKind("night", "Night patrol", 600, is_night=True)
EARLY = DutyKind("early", "Early post", 240, is_early=True)
ARMED = DutyKind("armed", "Armed post", 480, required_qualifications=frozenset({"gun"}))
QUIET = Weights(away_from_home_zone=0, fair_nights=0, fair_weekends=0, fair_holidays=0)


def busy_problem(start: dt.date | None) -> Problem:
    """A small month that raises every kind of presolve finding."""
    return Problem(
        horizon_days=10,
        duty_kinds=(DAY, ARMED, EARLY),
        members=(
            Member("a", "Ann", days_off=frozenset({2})),
            Member("b", "Bo", days_off=frozenset({2})),
            Member("c", "Cai", min_minutes=600, max_minutes=450),
            Member("d", "Du", days_off=frozenset({1}), min_minutes=9000),
            Member(
                "e",
                "Er",
                min_consecutive_days=4,
                max_consecutive_days=2,
                max_per_kind={"early": 0},
                requests=(ShiftRequest(day=2, kind="armed", weight=1, wanted=True),),
            ),
        ),
        demands=(
            *(Demand(d, "armed", 1) for d in range(7)),
            Demand(0, "day", 7),
            Demand(1, "day", 1, roles={"leader": 1}),
            Demand(3, "day", 2, maximum=1),
            *(Demand(d, "early", 5) for d in (1, 2)),
        ),
        pinned=(Pin("d", 1, "day"), Pin("e", 0, "armed")),
        start_date=start,
        start_weekday=6,
        weights=QUIET,
    )


@pytest.mark.parametrize("start", [dt.date(2026, 3, 1), None])
def test_english_rendering_equals_the_solver_message(start: dt.date | None) -> None:
    findings = presolve.check(busy_problem(start))
    codes = {f.code for f in findings}
    assert len(codes) >= 10  # the sample covers most codes
    with translation.override("en"):
        for finding in findings:
            assert finding_text(finding.code, finding.params, "FALLBACK") == finding.message


def test_english_explanations_equal_the_solver_text() -> None:
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
            Member("lead", qualifications=frozenset({"leader"})),
            Member("free"),
        ),
        demands=(
            Demand(3, "early", 6),
            Demand(4, "armed", 1),
            Demand(2, "day", 1, roles={"leader": 1}),
        ),
        forbidden_successions=m.night_then_early_successions(kinds),
        pinned=(
            Pin("busy", 3, "day"),
            *(Pin("tired", d, "day") for d in range(3)),
            Pin("after_night", 2, "night"),
        ),
        weights=QUIET,
        start_date=dt.date(2026, 3, 1),
    )
    roster: dict[str, list[str | None]] = {mem.id: [None] * 5 for mem in p.members}
    for d in range(3):
        roster["tired"][d] = "day"
    roster["busy"][3] = "day"
    roster["after_night"][2] = "night"
    roster["free"][2] = "day"
    needs = uncovered_needs(p, roster, proven_optimal=False)
    assert {n.code for n in needs} == {"head_count_short", "role_short"}
    with translation.override("en"):
        for need in needs:
            stored = [
                {"code": c.code, "params": dict(c.params), "text": c.text} for c in need.candidates
            ]
            for reason in need.candidates:
                assert reason_text(reason.code, reason.params, "FALLBACK") == reason.text
            assert need_text(need.code, need.params, stored, "FALLBACK") == need.summary


def test_unknown_codes_and_broken_params_fall_back_to_the_stored_text() -> None:
    with translation.override("en"):
        assert finding_text("no_such_code", {}, "stored text") == "stored text"
        assert finding_text("everyone_off", {"wrong": 1}, "stored text") == "stored text"
        assert reason_text("", {}, "old reason") == "old reason"
        assert need_text("", {}, [], "old summary") == "old summary"


@pytest.mark.django_db
def test_adapter_stores_code_params_and_display() -> None:
    p = busy_problem(dt.date(2026, 3, 1))
    with translation.override("en"):
        stored = adapter.findings_json(presolve.check(p))
    json.dumps(stored)  # plain JSON
    for item, finding in zip(stored, presolve.check(p), strict=True):
        assert item["code"] == finding.code
        assert item["message"] == finding.message
        assert item["display"] == finding.message  # English reader
        assert all(not isinstance(v, tuple) for v in item["params"].values())

    roster: dict[str, list[str | None]] = {mem.id: [None] * 10 for mem in p.members}
    needs = uncovered_needs(p, roster, proven_optimal=True)
    kind_names = {k.id: k.label() for k in p.duty_kinds}
    # The adapter reads rule pks out of kind ids ("rule<pk>"): use app-shaped ids here.
    app_needs = [
        m.UncoveredNeed(
            n.day, adapter.kind_id(7), n.role, n.missing, n.summary, n.candidates, n.code, n.params
        )
        for n in needs
    ]
    with translation.override("en"):
        rows = adapter.uncovered_json(app_needs, dt.date(2026, 3, 1), kind_names)
    json.dumps(rows)
    assert rows and all(r["code"] and r["display"] == r["summary"] for r in rows)
    for row in rows:
        assert all(r["code"] and r["display"] == r["text"] for r in row["reasons"])


@pytest.mark.django_db
def test_role_codes_show_their_code_list_label() -> None:
    from shouwang.core.models import CodeItem

    item = CodeItem.objects.filter(code_list__key="member_role").order_by("pk").first()
    assert item is not None
    stored = [
        {
            "code": "role_short",
            "params": {"kind": "夜巡", "date": "2026-03-02", "missing": 1, "role": item.code},
            "summary": "English",
            "reasons": [
                {"code": "role_missing", "params": {"role": item.code}, "text": "does not hold"}
            ],
        }
    ]
    with translation.override("zh-hans"):
        (row,) = render_uncovered(stored)
    assert item.label in row["display"]
    assert item.code not in row["display"]
    assert item.label in row["reasons"][0]["display"]


@pytest.mark.django_db
def test_template_filters_render_new_and_old_rosters() -> None:
    findings = [
        {
            "severity": "warning",
            "code": "everyone_off",
            "params": {"kind": "Night patrol", "dates": ["2026-03-03"], "more": 0},
            "message": "stored English",
        },
        {"severity": "info", "code": "request_not_possible", "message": "old roster text"},
    ]
    template = Template(
        "{% load rostering_text %}{% for f in findings|findings_display %}[{{ f.display }}]"
        "{% endfor %}{% for n in needs|uncovered_display %}[{{ n.display }}]{% endfor %}"
    )
    with translation.override("en"):
        html = template.render(
            Context({"findings": findings, "needs": [{"summary": "an old summary"}]})
        )
    assert "[Every member qualified for Night patrol is off on 2026-03-03; it cannot" in html
    assert "[old roster text]" in html
    assert "[an old summary]" in html
    assert render_findings([]) == []


def test_solver_status_words_are_translated() -> None:
    from shouwang.rostering.templatetags.rostering_text import solver_status

    with translation.override("zh-hans"):
        assert solver_status("feasible") == "满足全部硬性规则（未证明最优）"
        assert solver_status("optimal") == "已证明最优"
        assert solver_status("odd") == "odd"
    with translation.override("en"):
        assert solver_status("unknown") == "no roster found within the time limit"
