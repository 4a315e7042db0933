"""Roster lifecycle: publishing tells members, re-planning a published roster changes as few
duties as possible, never touches past days or manual assignments, and says what changed;
rest rules hold across overnight duties and across the month boundary."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import PASSWORD, send
from django.http import Http404
from django.test import TestCase
from lifecycle_helpers import duty, put
from rostering_helpers import post, rule, small_team

from shouwang.core import services as core
from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.forces.models import Member
from shouwang.notify.models import Notification
from shouwang.rostering import adapter, services
from shouwang.rostering.models import DutyAssignment, Roster, RosterStatus

MONTH = dt.date(2026, 11, 1)
FAST = {"time_limit_s": 30, "seed": 0, "deterministic_time": 2.0}
TODAY = MONTH + dt.timedelta(days=9)

Triple = tuple[int, dt.date, int]


def _triples(roster: Roster) -> set[Triple]:
    rows = DutyAssignment.objects.filter(duty__roster=roster).values_list(
        "member_id", "duty__date", "duty__rule_id"
    )
    return set(rows)


def _with_logins(world: Any, members: list[Any], prefix: str) -> dict[int, Any]:
    users = {}
    for n, member in enumerate(members):
        user = core.create_user(actor=world.admin, username=f"{prefix}{n}", password=PASSWORD)
        Member.objects.filter(pk=member.pk).update(user=user)  # test setup
        users[member.pk] = user
    return users


def _team(world: Any, size: int = 4, name: str = "重排队") -> tuple[Any, list[Any], Any, Any]:
    team, members = small_team(world, [["volunteer"]] * size, name=name)
    day = rule(world, post(world, team, "白班巡逻", start="08:00", minutes=120))
    night = rule(world, post(world, team, "夜巡岗", start="22:00", minutes=480))
    return team, members, day, night


def _publish(world: Any, roster: Roster) -> Roster:
    services.transition_roster(roster, RosterStatus.REVIEWED, actor=world.admin)
    return services.transition_roster(roster, RosterStatus.PUBLISHED, actor=world.admin)


def test_rest_rule_holds_across_overnight_duties(world: Any) -> None:
    team, _members, day, night = _team(world, size=3, name="夜班队")
    roster = services.generate_draft_roster(actor=world.admin, team=team, month=MONTH, **FAST)
    rows = _triples(roster)
    assert rows and roster.uncovered == []
    nights = {(m, d) for m, d, r in rows if r == night.pk}
    # The night patrol ends at 06:00: nobody starts the 08:00 patrol two hours later.
    for m, d, r in rows:
        if r == day.pk:
            assert (m, d - dt.timedelta(days=1)) not in nights
    forbidden = adapter.rest_successions([day, night], adapter.MIN_REST_MINUTES)
    assert forbidden == {(adapter.kind_id(night.pk), adapter.kind_id(day.pk))}


def test_publishing_tells_each_member_once(world: Any, settings: Any) -> None:
    team, members, _day, _night = _team(world)
    users = _with_logins(world, members, "pub")
    roster = services.generate_draft_roster(actor=world.admin, team=team, month=MONTH, **FAST)
    settings.SHOUWANG_WEBHOOK_URL = "http://127.0.0.1:9/robot"  # never called: not executed
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        _publish(world, roster)
    assert len(callbacks) == 1  # the group robot hears of it once, not once per member
    on_roster = {m for m, _d, _r in _triples(roster)}
    for member in members:
        count = Notification.objects.filter(
            recipient=users[member.pk], kind="roster.published"
        ).count()
        assert count == (1 if member.pk in on_roster else 0)


def test_replan_after_leave_moves_only_what_it_must(world: Any) -> None:
    team, members, _day, _night = _team(world)
    users = _with_logins(world, members, "re")
    roster = services.generate_draft_roster(actor=world.admin, team=team, month=MONTH, **FAST)
    _publish(world, roster)
    before = _triples(roster)
    away = members[0]
    # A duty of another member placed by hand must survive as it is.
    manual = (
        DutyAssignment.objects.filter(duty__roster=roster, member=members[1], duty__date__gte=TODAY)
        .order_by("duty__date")
        .first()
    )
    assert manual is not None
    DutyAssignment.objects.filter(pk=manual.pk).update(is_manual=True)
    Member.objects.filter(pk=away.pk).update(status="suspended")  # on leave from now on
    hit = {t for t in before if t[0] == away.pk and t[1] >= TODAY}
    assert hit, "the test needs the absent member on duty after today"
    sent = Notification.objects.count()

    roster = services.replan_roster(
        roster, actor=world.admin, reason="队员请假", today=TODAY, **FAST
    )

    after = _triples(roster)
    assert roster.status == RosterStatus.AMENDED
    # Past days never change; the absent member's coming duties are gone.
    assert {t for t in after if t[1] < TODAY} == {t for t in before if t[1] < TODAY}
    assert not {t for t in after if t[0] == away.pk and t[1] >= TODAY}
    assert DutyAssignment.objects.filter(pk=manual.pk, is_manual=True).exists()
    # Minimal perturbation: every duty the absent member had is re-staffed, nothing else moves.
    assert before - after == hit
    assert {(d, r) for _m, d, r in after - before} <= {(d, r) for _m, d, r in hit}
    assert roster.uncovered == []
    entry = roster.changes[-1]
    assert entry["kind"] == "replan" and entry["reason"] == "队员请假"
    assert {(e["member"], e["date"]) for e in entry["removed"]} == {
        (m, d.isoformat()) for m, d, _r in hit
    }
    assert len(entry["added"]) == len(after - before) <= len(hit)
    assert roster.solver_summary["changed"] == len(hit) + len(after - before)
    event = AuditEvent.objects.filter(code="rostering.roster.replanned").latest("pk")
    assert event.target_id == str(roster.pk) and event.reason == "队员请假"
    # One notification per member whose own duties changed, however many duties.
    changed = {e["member"] for e in entry["removed"] + entry["added"]}
    assert Notification.objects.count() - sent == len(changed)
    for member in members:
        got = Notification.objects.filter(recipient=users[member.pk], kind="roster.amended")
        assert got.count() == (1 if member.pk in changed else 0)


def test_replan_holds_rest_across_the_month_boundary(world: Any) -> None:
    team, members, day, night = _team(world, name="跨月队")
    roster = services.generate_draft_roster(actor=world.admin, team=team, month=MONTH, **FAST)
    _publish(world, roster)
    tired = members[0]
    # October: the member worked the night of the 31st (until 06:00 on 1 November).
    october = services.create_roster(
        actor=world.admin, data={"team": team.pk, "month": "2026-10-01", "note": ""}
    )
    put(duty(october, night, dt.date(2026, 10, 31), start="22:00", hours=8), tired)
    # The published November roster (as someone edited it) has them on the 08:00 patrol.
    first_day = roster.duties.get(rule=day, date=MONTH)
    DutyAssignment.objects.filter(duty=first_day).delete()
    DutyAssignment.objects.filter(duty__roster=roster, member=tired, duty__date=MONTH).delete()
    put(first_day, tired)
    roster = services.replan_roster(
        roster, actor=world.admin, reason="复核休息", today=MONTH, **FAST
    )
    assert not DutyAssignment.objects.filter(duty=first_day, member=tired).exists()
    assert DutyAssignment.objects.filter(duty=first_day).count() == 1
    removed = roster.changes[-1]["removed"]
    assert {"member": tired.pk, "date": MONTH.isoformat()}.items() <= removed[0].items()


def test_replan_refusals(world: Any) -> None:
    roster = world.a.roster  # a draft
    with pytest.raises(RecordInvalid):
        services.replan_roster(roster, actor=world.admin, reason="x", **FAST)
    Roster.objects.filter(pk=roster.pk).update(status=RosterStatus.PUBLISHED)
    with pytest.raises(RecordInvalid) as exc:
        services.replan_roster(roster, actor=world.admin, reason="  ", **FAST)
    assert "reason" in exc.value.errors
    with pytest.raises(Http404):  # view-only role: may not change rosters at all
        services.replan_roster(roster, actor=world.users["patrol_member"], reason="x", **FAST)
    assert Roster.objects.get(pk=roster.pk).status == RosterStatus.PUBLISHED


def test_replan_through_the_api_and_page(world: Any, login: Any) -> None:
    roster = world.a.roster
    Roster.objects.filter(pk=roster.pk).update(status=RosterStatus.PUBLISHED)
    leader = login("team_leader")
    page = leader.get(f"/r/rosters/{roster.pk}/")
    assert page.status_code == 200 and f"/rostering/rosters/{roster.pk}/replan/" in (
        page.content.decode()
    )
    missing = send(leader, "post", f"/api/v1/rostering/rosters/{roster.pk}/replan", {"reason": ""})
    assert missing.status_code == 422
    response = send(
        leader, "post", f"/api/v1/rostering/rosters/{roster.pk}/replan", {"reason": "新专项行动"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "amended" and body["changes"][-1]["reason"] == "新专项行动"
    page = leader.get(f"/r/rosters/{roster.pk}/")
    assert "新专项行动" in page.content.decode()
    member = login("patrol_member")
    denied = send(member, "post", f"/api/v1/rostering/rosters/{roster.pk}/replan", {"reason": "x"})
    assert denied.status_code == 404


def test_history_of_the_previous_month_reaches_the_solver(world: Any) -> None:
    _team_obj, members, day, night = _team(world, name="历史队")
    gone = 999_999  # a rule no longer planned: its duty still counts as a duty day
    history = [
        (members[0].pk, dt.date(2026, 10, 31), night.pk),
        (members[1].pk, dt.date(2026, 10, 30), gone),
        (members[2].pk, dt.date(2026, 10, 1), day.pk),  # too early to matter
    ]
    problem = adapter.build_problem(
        month=MONTH, rules=[day, night], members=members, history=history
    )
    m0, m1 = adapter.member_id(members[0].pk), adapter.member_id(members[1].pk)
    assert problem.history[m0][-1] == adapter.kind_id(night.pk)
    assert problem.history[m1][-2] == adapter.HISTORY_OTHER
    assert adapter.member_id(members[2].pk) not in problem.history
    other = problem.kind(adapter.HISTORY_OTHER)
    assert not any(problem.may_work(m, other) for m in problem.members)
    assert (adapter.kind_id(night.pk), adapter.kind_id(day.pk)) in problem.forbidden_successions


def test_draft_planning_holds_rest_across_the_month_boundary(world: Any) -> None:
    """A draft for November looks back at October: who worked the night of the 31st (until
    06:00 on 1 November) is not put on the 08:00 patrol of the 1st."""
    team, members, day, night = _team(world, size=2, name="草稿跨月队")
    october = services.create_roster(
        actor=world.admin, data={"team": team.pk, "month": "2026-10-01", "note": ""}
    )
    tired = members[0]
    put(duty(october, night, dt.date(2026, 10, 31), start="22:00", hours=8), tired)
    roster = services.generate_draft_roster(actor=world.admin, team=team, month=MONTH, **FAST)
    first_day = roster.duties.get(rule=day, date=MONTH)
    assert list(DutyAssignment.objects.filter(duty=first_day).values_list("member", flat=True)) == [
        members[1].pk
    ]


def test_replan_solves_outside_the_lock_and_refuses_a_stale_save(
    world: Any, monkeypatch: Any
) -> None:
    """The solve runs with no transaction open; if the roster changes meanwhile (here the
    office edits a rule), nothing is saved and the office is told to plan again."""
    from django.db import connection

    from shouwang.rostering import replan

    team, _members, day, _night = _team(world, name="过期队")
    roster = _publish(
        world, services.generate_draft_roster(actor=world.admin, team=team, month=MONTH, **FAST)
    )
    before = _triples(roster)
    real_solve = replan.solve
    depth: list[int] = []

    def solve_while_office_edits(problem: Any, **options: Any) -> Any:
        # pytest-django wraps each test in one atomic block; the service adds none around
        # the solve.
        depth.append(len(connection.atomic_blocks))
        services.update_duty_rule(
            day,
            actor=world.admin,
            data={**_rule_data(day), "head_count": 2},
        )
        return real_solve(problem, **options)

    monkeypatch.setattr(replan, "solve", solve_while_office_edits)
    with pytest.raises(RecordInvalid) as refused:
        services.replan_roster(roster, actor=world.admin, reason="测试", today=TODAY, **FAST)
    assert depth == [1]
    assert "Plan again" in str(refused.value.errors) or "重新" in str(refused.value.errors)
    roster.refresh_from_db()
    assert roster.status == RosterStatus.PUBLISHED
    assert _triples(roster) == before


def _rule_data(rule_obj: Any) -> dict[str, Any]:
    return {
        "post": rule_obj.post_id,
        "jurisdiction": rule_obj.jurisdiction_id,
        "recurrence": rule_obj.recurrence,
        "head_count": rule_obj.head_count,
        "role_minimums": rule_obj.role_minimums,
        "priority": rule_obj.priority,
        "active": True,
    }


def test_replan_page_runs_as_a_background_job(world: Any, login: Any, settings: Any) -> None:
    from shouwang.core.models import BackgroundJob

    settings.SHOUWANG_JOBS_EAGER = True  # the job runs in the request, as a worker would
    roster = world.a.roster
    Roster.objects.filter(pk=roster.pk).update(status=RosterStatus.PUBLISHED)
    leader = login("team_leader")
    jobs_before = BackgroundJob.objects.count()
    refused = leader.post(f"/rostering/rosters/{roster.pk}/replan/", {"reason": " "})
    assert refused.status_code == 302 and refused["Location"] == f"/r/rosters/{roster.pk}/"
    assert BackgroundJob.objects.count() == jobs_before  # refused at once, no job
    response = leader.post(f"/rostering/rosters/{roster.pk}/replan/", {"reason": "暴雨预警"})
    job = BackgroundJob.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.kind == "rostering.replan" and job.status == "succeeded", job.error
    assert job.result["roster"] == roster.pk
    roster.refresh_from_db()
    assert roster.status == RosterStatus.AMENDED and roster.changes[-1]["reason"] == "暴雨预警"
    page = leader.get(f"/jobs/{job.pk}/").content.decode()
    assert f"/r/rosters/{roster.pk}/" in page
    # Someone outside the roster's scope cannot follow the job.
    stranger = core.create_user(actor=world.admin, username="job_stranger", password=PASSWORD)
    assert login(stranger).get(f"/jobs/{job.pk}/").status_code == 404
