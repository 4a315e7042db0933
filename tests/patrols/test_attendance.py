"""Attendance figures: derived from roster, logs, attendance, check-ins and missed duties."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import error_fields

from patrols.field_helpers import make_duty, team_member
from patrols.missed_helpers import MONTH, NOW, at, attend, check_in, make_log, unplanned_log
from shouwang.patrols import attendance
from shouwang.patrols.models import MissedDuty


@pytest.fixture
def month(world: Any) -> dict[str, Any]:
    """October 2026 of team A, one duty per situation (see the expectations below)."""
    m1 = world.a.member
    m2 = team_member(world, 1, name="甲二")
    m3 = team_member(world, 2, name="甲三")
    d1 = make_duty(world, start=at(5, 8), members=[m1, m2])
    log1 = make_log(world, d1, status="submitted")
    attend(log1, m1, "present", rostered=True)
    attend(log1, m2, "late", rostered=True)
    check_in(log1, m1, flag="outside_geofence")
    check_in(log1, m2)  # not flagged: not counted
    d2 = make_duty(world, start=at(6, 8), members=[m1])
    log2 = make_log(world, d2, status="confirmed")
    attend(log2, m1, "absent", rostered=True)
    attend(log2, m3, "substitute", substitute_for=m1)
    d3 = make_duty(world, start=at(7, 8), members=[m2])
    MissedDuty.objects.create(duty=d3, reason="no_log", closed_at=NOW, comment="已补巡")
    d4 = make_duty(world, start=at(8, 8), members=[m1])
    MissedDuty.objects.create(duty=d4, reason="no_check_in")
    d5 = make_duty(world, start=at(9, 8), members=[m2])
    attend(make_log(world, d5, status="open"), m2, "present")  # not handed in
    make_duty(world, start=at(10, 8), members=[])  # nobody assigned
    patrol = unplanned_log(world, world.a.team, at(12, 20))
    reviewed = check_in(patrol, m2, flag="implausible_speed")
    reviewed.reviewed_at = NOW
    reviewed.save()
    # Not in the figures of team A's October: another month, and another county.
    september = make_duty(world, start=at(30, 8, month=9), members=[m1])
    attend(make_log(world, september), m1, "present")
    make_duty(world, "B", start=at(5, 8))
    return {"m1": m1, "m2": m2, "m3": m3}


def _rows(team: attendance.TeamFigures) -> dict[str, dict[str, Any]]:
    return {m.name: m.as_dict() for m in team.members}


def test_team_and_member_figures(world: Any, month: dict[str, Any]) -> None:
    figures = attendance.attendance_figures(actor=world.users["team_leader"], month=MONTH)
    assert [t.name for t in figures.teams] == [world.a.team.name]
    team = figures.teams[0]
    assert team.members_shown == "all"
    assert (team.duties, team.staffed, team.carried_out) == (6, 5, 2)
    assert (team.missed_open, team.missed_closed) == (1, 1)
    assert (team.assigned, team.late, team.absent, team.substitutes) == (6, 1, 1, 1)
    assert (team.flagged_check_ins, team.flagged_awaiting_review) == (2, 1)
    rows = _rows(team)
    keys = ["assigned", "carried_out", "late", "absent", "substitutes"]
    keys += ["missed_open", "missed_closed", "flagged_check_ins"]

    def values(name: str) -> list[int]:
        return [rows[name][k] for k in keys]

    assert values(world.a.member.name) == [3, 1, 0, 1, 0, 1, 0, 1]
    assert values("甲二") == [3, 1, 1, 0, 0, 0, 1, 1]
    assert values("甲三") == [0, 0, 0, 0, 1, 0, 0, 0]
    # Alphabetical by name, never by a score.
    assert [m.name for m in team.members] == sorted(m.name for m in team.members)


def test_no_scores_or_activity_in_the_figures(world: Any, month: dict[str, Any]) -> None:
    data = attendance.attendance_figures(actor=world.users["team_leader"], month=MONTH).as_dict()
    member_keys = set(data["teams"][0]["members"][0])
    assert not member_keys & {"rank", "points", "score", "online", "online_minutes"}


def test_patrol_member_sees_totals_and_own_row(world: Any, month: dict[str, Any]) -> None:
    # The field helpers link u_patrol_member to the world's member A.
    figures = attendance.attendance_figures(actor=world.users["patrol_member"], month=MONTH)
    team = figures.teams[0]
    assert team.members_shown == "own"
    assert [m.member_id for m in team.members] == [month["m1"].pk]
    assert team.duties == 6  # the team's totals are the same


def test_filters_and_scope(world: Any, month: dict[str, Any]) -> None:
    admin = attendance.attendance_figures(actor=world.admin, month=MONTH)
    assert {t.team_id for t in admin.teams} == {world.a.team.pk, world.b.team.pk}
    only_b = attendance.attendance_figures(actor=world.admin, month=MONTH, team=world.b.team)
    assert [t.team_id for t in only_b.teams] == [world.b.team.pk]
    in_a = attendance.attendance_figures(
        actor=world.admin, month=MONTH, jurisdiction=world.a.county
    )
    assert [t.team_id for t in in_a.teams] == [world.a.team.pk]
    september = attendance.attendance_figures(
        actor=world.users["team_leader"], month=MONTH.replace(month=9)
    )
    assert (september.teams[0].duties, september.teams[0].carried_out) == (1, 1)
    outsider = attendance.attendance_figures(actor=world.b.spare_user, month=MONTH)
    assert outsider.teams == []  # a grid worker of village B: the team sits above the grant


def test_page(world: Any, login: Any, month: dict[str, Any]) -> None:
    client = login("team_leader")
    response = client.get("/patrols/attendance/?month=2026-10")
    assert response.status_code == 200
    page = response.content.decode()
    assert world.a.team.name in page and "甲二" in page
    assert world.b.team.name not in page
    bad = client.get("/patrols/attendance/?month=october")
    assert bad.status_code == 422 and "month" in bad.context["errors"]
    assert (
        client.get(f"/patrols/attendance/?month=2026-10&team={world.b.team.pk}").status_code == 404
    )


def test_api(world: Any, login: Any, month: dict[str, Any]) -> None:
    client = login("township_staff")
    body = client.get(f"/api/v1/patrols/attendance?month=2026-10&team={world.a.team.pk}").json()
    assert body["month"] == "2026-10"
    team = body["teams"][0]
    assert team["team"] == world.a.team.pk and team["carried_out"] == 2
    assert {m["name"] for m in team["members"]} == {world.a.member.name, "甲二", "甲三"}
    bad = client.get("/api/v1/patrols/attendance?month=2026-13")
    assert bad.status_code == 422 and list(error_fields(bad)) == ["month"]
    out = client.get(f"/api/v1/patrols/attendance?month=2026-10&team={world.b.team.pk}")
    assert out.status_code == 404
