"""Planning a draft roster: hard rules hold, shortfalls are explained, re-planning keeps
manual assignments, and the roster page shows the month grid."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from conftest import page_url
from rostering_helpers import post, rule, small_team

from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.rostering import services
from shouwang.rostering.models import Duty, DutyAssignment, Roster, RosterStatus

MONTH = dt.date(2026, 11, 1)
FAST = {"time_limit_s": 30, "seed": 0, "deterministic_time": 2.0}


def _rows(roster: Roster) -> list[DutyAssignment]:
    return list(DutyAssignment.objects.filter(duty__roster=roster).select_related("duty", "member"))


def test_draft_respects_every_hard_rule(world: Any) -> None:
    team, members = small_team(
        world,
        [["police_officer"], ["police_officer", "driver"], ["volunteer"], ["volunteer"]],
    )
    gate = post(world, team, "中心校护学岗", start="16:00", minutes=40)
    night = post(world, team, "场镇夜巡岗", start="20:00", minutes=120)
    rule(world, gate, head_count=1, lead_minutes=20)
    # Every member on the night patrol must be a police officer (minimum = head count).
    night_rule = rule(world, night, head_count=1, role_minimums={"police_officer": 1})
    roster = services.generate_draft_roster(actor=world.admin, team=team, month=MONTH, **FAST)

    assert roster.status == RosterStatus.DRAFT
    assert Duty.objects.filter(roster=roster).count() == 60
    rows = _rows(roster)
    per_member_day = Counter((a.member_id, a.duty.date) for a in rows)
    assert per_member_day and max(per_member_day.values()) == 1
    police = {m.pk for m in members[:2]}
    on_night = [a for a in rows if a.duty.rule_id == night_rule.pk]
    assert on_night and {a.member_id for a in on_night} <= police
    assert {a.member_id for a in rows} <= {m.pk for m in members}
    assert not any(a.is_manual for a in rows)
    # Four members, two duties a day: everything is covered.
    assert roster.uncovered == []
    assert roster.solver_summary["status"] in ("optimal", "feasible")
    gate_duty = Duty.objects.filter(roster=roster, post=gate).order_by("date").first()
    assert gate_duty is not None
    local = gate_duty.start.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert (local.hour, local.minute) == (15, 40)  # 16:00 less 20 minutes on post ahead
    assert (gate_duty.end - gate_duty.start) == dt.timedelta(minutes=60)
    event = AuditEvent.objects.filter(code="rostering.roster.generated").latest("pk")
    assert event.target_id == str(roster.pk)


def test_too_small_team_gets_an_explanation(world: Any) -> None:
    team, _members = small_team(world, [["volunteer"]], name="小队")
    rule(world, post(world, team, "甲岗", start="08:00"))
    rule(world, post(world, team, "乙岗", start="20:00"))
    roster = services.generate_draft_roster(actor=world.admin, team=team, month=MONTH, **FAST)
    # One member, two duties a day: one of them stays uncovered every day.
    assert len(roster.uncovered) == 30
    need = roster.uncovered[0]
    assert need["missing"] == 1 and need["summary"]
    assert need["reasons"] and need["reasons"][0]["rules"] == ["one_duty_per_day"]
    assert len(_rows(roster)) == 30


def test_missing_role_is_explained_and_reported_before_planning(world: Any) -> None:
    team, _members = small_team(world, [["volunteer"], ["volunteer"]], name="无民警队")
    rule(
        world,
        post(world, team, "联勤岗", start="09:00"),
        head_count=2,
        role_minimums={"police_officer": 1},
        recurrence="weekdays",
        weekdays=[1],
    )
    roster = services.generate_draft_roster(actor=world.admin, team=team, month=MONTH, **FAST)
    assert roster.findings, "presolve reports that no member holds the role"
    assert roster.uncovered and all(n["role"] == "police_officer" for n in roster.uncovered)


def test_replanning_keeps_manual_assignments_and_replaces_the_rest(world: Any) -> None:
    team, members = small_team(world, [["volunteer"], ["volunteer"], ["volunteer"]], name="重排队")
    gate = post(world, team, "重排护学岗")
    rule(world, gate, head_count=1)
    roster = services.generate_draft_roster(actor=world.admin, team=team, month=MONTH, **FAST)
    duty = Duty.objects.get(roster=roster, date=dt.date(2026, 11, 10))
    chosen = next(m for m in members if not duty.assignments.filter(member=m).exists())
    services.assign_member(actor=world.admin, duty=duty, member=chosen)
    solver_rows = {a.pk for a in _rows(roster) if not a.is_manual}

    again = services.generate_draft_roster(actor=world.admin, team=team, month=MONTH, **FAST)
    assert again.pk == roster.pk
    rows = _rows(again)
    manual = [a for a in rows if a.is_manual]
    assert [(a.duty_id, a.member_id) for a in manual] == [(duty.pk, chosen.pk)]
    # The head count is 1 and the manual assignment fills it: nobody else that day.
    assert [a.member_id for a in rows if a.duty_id == duty.pk] == [chosen.pk]
    assert not solver_rows & {a.pk for a in rows}
    assert Duty.objects.filter(roster=roster).count() == 30


def test_only_a_draft_can_be_planned_again(world: Any) -> None:
    team, _members = small_team(world, [["volunteer"]], name="发布队")
    rule(world, post(world, team, "发布岗"))
    roster = services.generate_draft_roster(actor=world.admin, team=team, month=MONTH, **FAST)
    services.transition_roster(roster, RosterStatus.REVIEWED, actor=world.admin)
    with pytest.raises(RecordInvalid):
        services.generate_draft_roster(actor=world.admin, team=team, month=MONTH, **FAST)


def test_roster_page_shows_grid_explanations_and_buttons(world: Any, login: Any) -> None:
    team, _members = small_team(world, [["volunteer"]], name="页面队")
    rule(world, post(world, team, "场镇夜巡岗", start="20:00"))
    rule(world, post(world, team, "中学护学岗", start="13:25"))
    roster = services.generate_draft_roster(actor=world.admin, team=team, month=MONTH, **FAST)
    client = login("township_staff")
    html = client.get(page_url("rosters", roster.pk)).content.decode()
    assert "排班队员0" in html
    assert "roster-grid" in html
    assert roster.uncovered[0]["display"] in html
    assert f"/rostering/rosters/{roster.pk}/transition/" in html


def test_generate_page_plans_and_redirects(world: Any, login: Any, settings: Any) -> None:
    settings.SHOUWANG_JOBS_EAGER = True  # the planning job runs at once, in the test
    client = login("township_staff")
    form = client.get("/rostering/generate/")
    assert form.status_code == 200
    response = client.post("/rostering/generate/", {"team": world.a.team.pk, "month": "2026-12"})
    roster = Roster.objects.get(team=world.a.team, month=dt.date(2026, 12, 1))
    assert response.status_code == 302
    # To the planning job's page, which links the roster.
    job_page = client.get(response["Location"])
    assert page_url("rosters", roster.pk) in job_page.content.decode()
    # The world's rule: the post daily, one member.
    assert Duty.objects.filter(roster=roster).count() == 31


def test_generate_page_refuses_without_permission(world: Any, login: Any) -> None:
    assert login("patrol_member").get("/rostering/generate/").status_code == 403
    client = login("township_staff")
    response = client.post("/rostering/generate/", {"team": world.b.team.pk, "month": "2026-12"})
    assert response.status_code == 200  # the form: team B is not a choice
    assert not Roster.objects.filter(team=world.b.team, month=dt.date(2026, 12, 1)).exists()


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("中学护学岗（周五）", "中学护学·周五"),
        ("场镇夜巡岗", "场镇夜巡"),
        ("企业区巡逻", "企业区"),
        ("岗", "岗"),
    ],
)
def test_grid_cells_use_short_post_names(name: str, short: str) -> None:
    assert services.short_name(name) == short


def test_month_grid_rows_are_members_and_columns_days(world: Any) -> None:
    team, members = small_team(world, [["volunteer"], ["volunteer"]], name="网格队")
    rule(world, post(world, team, "场镇夜巡岗", start="20:00"))
    roster = services.generate_draft_roster(actor=world.admin, team=team, month=MONTH, **FAST)
    grid = roster.month_grid()
    assert len(grid["days"]) == 30 and grid["days"][0] == MONTH
    assert [r["name"] for r in grid["rows"]] == sorted(m.name for m in members)
    cells = [c for r in grid["rows"] for c in r["cells"]]
    assert sum(len(c) for c in cells) == 30
    assert {name for c in cells for name, _manual in c} == {"场镇夜巡"}
