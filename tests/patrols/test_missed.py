"""Missed duties: the sweep (once per duty, grace, dry run, races), closing with a comment,
the pages, the API, the CLI and the scheduled task."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from conftest import JSON, error_fields
from django.core.exceptions import PermissionDenied
from django.http import Http404

from patrols.field_helpers import make_duty, team_member
from patrols.missed_helpers import NOW, at, check_in, make_log
from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.forces.models import PlanningPolicy
from shouwang.notify.models import Notification
from shouwang.patrols import attendance
from shouwang.patrols.models import MissedDuty
from shouwang.rostering.models import Duty, Roster, RosterStatus

KIND = "patrols.missed_duty"


def _notes() -> Any:
    return Notification.objects.filter(kind=KIND)


@pytest.fixture
def missed(world: Any) -> Any:
    """One open missed duty of team A (no check-in), opened by a sweep at NOW."""
    duty = make_duty(world, start=at(14, 8))
    result = attendance.sweep_missed_duties(now=NOW)
    assert [f.duty_id for f in result.opened] == [duty.pk]
    return MissedDuty.objects.get(duty=duty)


# ---- the sweep ------------------------------------------------------------------------------


def test_sweep_opens_one_item_and_tells_leader_and_office_once(world: Any) -> None:
    duty = make_duty(world, start=at(14, 8))  # ended 10:00 yesterday
    before_events = AuditEvent.objects.filter(code="patrols.missedduty.opened").count()

    first = attendance.sweep_missed_duties(now=NOW)
    second = attendance.sweep_missed_duties(now=NOW + dt.timedelta(minutes=15))

    item = MissedDuty.objects.get(duty=duty)
    assert item.reason == "no_check_in" and item.is_open
    assert [f.duty_id for f in first.opened] == [duty.pk]
    assert first.opened[0].item_id == item.pk
    assert second.opened == [] and second.checked == 0  # the item exists: not even judged
    # The leader's own login (the world's member A is team A's leader, linked to
    # u_patrol_member by the field helpers), the team-leader grant of team A and the township
    # office of township A — each exactly once across both sweeps.
    recipients = sorted(_notes().values_list("recipient__username", flat=True))
    assert recipients == ["u_patrol_member", "u_team_leader", "u_township_staff"]
    assert first.notified_users == 3
    note = _notes().first()
    assert note is not None and f"/patrols/missed/{item.pk}/close/" == note.link
    events = AuditEvent.objects.filter(code="patrols.missedduty.opened", target_id=str(item.pk))
    assert events.count() == 1
    event = events.get()
    assert event.actor is None and event.actor_name == "system"
    assert event.parent_id == str(duty.pk)
    assert AuditEvent.objects.filter(code="patrols.missedduty.opened").count() == before_events + 1


def test_office_of_another_township_is_not_told(world: Any) -> None:
    make_duty(world, "B", start=at(14, 8))
    attendance.sweep_missed_duties(now=NOW)
    assert MissedDuty.objects.count() == 1
    # Nobody in the world holds a grant over side B except the administrator (global role,
    # not an office grant): the township office of side A hears nothing of side B.
    assert not _notes().filter(recipient__username="u_township_staff").exists()


def test_reason_no_log_when_checked_in_but_no_log_handed_in(world: Any) -> None:
    duty = make_duty(world, start=at(14, 8))
    log = make_log(world, duty, status="open")
    check_in(log, world.a.member)
    attendance.sweep_missed_duties(now=NOW)
    assert MissedDuty.objects.get(duty=duty).reason == "no_log"


def test_a_duty_carried_out_is_not_missed(world: Any) -> None:
    duty = make_duty(world, start=at(14, 8))
    log = make_log(world, duty, status="submitted")
    check_in(log, world.a.member)
    confirmed = make_duty(world, start=at(13, 8))
    check_in(make_log(world, confirmed, status="confirmed"), world.a.member)
    result = attendance.sweep_missed_duties(now=NOW)
    assert result.opened == [] and result.checked == 0  # not even fetched: filtered in SQL
    assert not attendance.candidate_duties(NOW).exists()
    assert not MissedDuty.objects.exists()
    assert not _notes().exists()


def test_sweep_cost_does_not_grow_with_duties_carried_out(world: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def carried_out(day: int) -> None:
        duty = make_duty(world, start=at(day, 8))
        check_in(make_log(world, duty, status="submitted"), world.a.member)

    carried_out(1)
    with CaptureQueriesContext(connection) as few:
        attendance.sweep_missed_duties(now=NOW)
    for day in range(2, 12):
        carried_out(day)
    with CaptureQueriesContext(connection) as many:
        attendance.sweep_missed_duties(now=NOW)
    assert len(many) == len(few) <= 2


def test_a_submitted_log_without_any_check_in_is_missed(world: Any) -> None:
    duty = make_duty(world, start=at(14, 8))
    make_log(world, duty, status="submitted")
    attendance.sweep_missed_duties(now=NOW)
    assert MissedDuty.objects.get(duty=duty).reason == "no_check_in"


def test_grace_period_per_team(world: Any) -> None:
    duty = make_duty(world, start=at(15, 9))  # ends 11:00, one hour before NOW
    assert attendance.sweep_missed_duties(now=NOW).opened == []  # 120 minutes by default
    PlanningPolicy.objects.filter(team=world.a.team).update(missed_duty_grace_minutes=30)
    result = attendance.sweep_missed_duties(now=NOW)
    assert [f.duty_id for f in result.opened] == [duty.pk]


def test_team_without_policy_uses_default_grace(world: Any) -> None:
    PlanningPolicy.objects.filter(team=world.a.team).delete()
    early = make_duty(world, start=at(15, 7))  # ends 09:00: 180 minutes ago
    make_duty(world, start=at(15, 9))  # ends 11:00: 60 minutes ago, within 120
    result = attendance.sweep_missed_duties(now=NOW)
    assert [f.duty_id for f in result.opened] == [early.pk]
    assert attendance.grace_minutes([world.a.team.pk]) == {world.a.team.pk: 120}


def test_drafts_unassigned_old_and_future_duties_are_left_alone(world: Any) -> None:
    draft = make_duty(world, start=at(14, 8, month=9))  # September roster…
    Roster.objects.filter(pk=draft.roster_id).update(status=RosterStatus.DRAFT)  # …a draft
    make_duty(world, start=at(14, 14), members=[])  # nobody assigned
    make_duty(world, start=at(1, 8, month=8))  # beyond the look-back window
    make_duty(world, start=at(16, 8))  # tomorrow
    amended = make_duty(world, start=at(14, 18))
    Roster.objects.filter(pk=amended.roster_id).update(status=RosterStatus.AMENDED)
    result = attendance.sweep_missed_duties(now=NOW)
    assert [f.duty_id for f in result.opened] == [amended.pk]
    assert MissedDuty.objects.count() == 1


def test_dry_run_lists_and_writes_nothing(world: Any) -> None:
    duty = make_duty(world, start=at(14, 8))
    events = AuditEvent.objects.count()
    result = attendance.sweep_missed_duties(now=NOW, dry_run=True)
    assert result.dry_run
    assert [(f.duty_id, f.reason, f.item_id) for f in result.opened] == [
        (duty.pk, "no_check_in", None)
    ]
    assert duty.post.name in result.opened[0].line()
    assert not MissedDuty.objects.exists()
    assert not _notes().exists()
    assert AuditEvent.objects.count() == events


def test_losing_a_race_writes_and_tells_nothing(world: Any, monkeypatch: Any) -> None:
    """Two sweeps at once: the one whose insert hits the unique constraint backs off."""
    duty = make_duty(world, start=at(14, 8))
    winner = attendance.sweep_missed_duties(now=NOW)
    assert len(winner.opened) == 1
    told = _notes().count()
    # The loser checked before the winner committed: it does not see the item…
    monkeypatch.setattr(attendance, "_already_open", lambda duty_pk: False)
    monkeypatch.setattr(attendance, "candidate_duties", lambda now: Duty.objects.filter(pk=duty.pk))
    loser = attendance.sweep_missed_duties(now=NOW)
    # …and its insert fails on the one-to-one: nothing opened, nobody told again.
    assert loser.opened == [] and loser.already_open == 1
    assert MissedDuty.objects.filter(duty=duty).count() == 1
    assert _notes().count() == told
    assert AuditEvent.objects.filter(code="patrols.missedduty.opened").count() == 1


def test_a_log_arriving_late_still_counts_before_the_sweep(world: Any) -> None:
    duty = make_duty(world, start=at(14, 8))
    check_in(make_log(world, duty, status="submitted"), world.a.member)
    assert attendance.missed_reason(duty) is None
    assert attendance.sweep_missed_duties(now=NOW).opened == []


def test_naive_now_is_refused(world: Any) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        attendance.sweep_missed_duties(now=dt.datetime(2026, 10, 15, 12, 0))  # noqa: DTZ001


# ---- closing -------------------------------------------------------------------------------


def test_close_needs_a_comment(world: Any, missed: Any) -> None:
    with pytest.raises(RecordInvalid) as exc:
        attendance.close_missed_duty(missed, actor=world.users["team_leader"], comment="  ")
    assert list(exc.value.errors) == ["comment"]
    missed.refresh_from_db()
    assert missed.is_open


def test_leader_closes_with_comment_once(world: Any, missed: Any) -> None:
    leader = world.users["team_leader"]
    closed = attendance.close_missed_duty(missed, actor=leader, comment="队员生病，已另日补巡")
    assert closed.closed_by == leader and closed.closed_at is not None
    assert closed.comment == "队员生病，已另日补巡"
    event = AuditEvent.objects.get(code="patrols.missedduty.closed", target_id=str(missed.pk))
    assert event.reason == "队员生病，已另日补巡" and event.actor == leader
    with pytest.raises(RecordInvalid) as exc:
        attendance.close_missed_duty(missed, actor=leader, comment="again")
    assert "closed_at" in exc.value.errors


def test_office_may_close(world: Any, missed: Any) -> None:
    closed = attendance.close_missed_duty(
        missed, actor=world.users["township_staff"], comment="已核实"
    )
    assert not closed.is_open


def test_patrol_member_may_not_close(world: Any, missed: Any) -> None:
    with pytest.raises(PermissionDenied):
        attendance.close_missed_duty(missed, actor=world.users["patrol_member"], comment="x")
    missed.refresh_from_db()
    assert missed.is_open


def test_out_of_scope_close_is_404(world: Any) -> None:
    duty = make_duty(world, "B", start=at(14, 8))
    attendance.sweep_missed_duties(now=NOW)
    item = MissedDuty.objects.get(duty=duty)
    with pytest.raises(Http404):
        attendance.close_missed_duty(item, actor=world.users["township_staff"], comment="x")


# ---- pages ---------------------------------------------------------------------------------


def test_list_page_shows_items_in_scope_only(world: Any, login: Any, missed: Any) -> None:
    make_duty(world, "B", start=at(14, 8))
    attendance.sweep_missed_duties(now=NOW)
    assert MissedDuty.objects.count() == 2
    response = login("team_leader").get("/patrols/missed/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"/patrols/missed/{missed.pk}/close/" in page
    other = MissedDuty.objects.exclude(pk=missed.pk).get()
    assert f"/patrols/missed/{other.pk}/close/" not in page
    assert (
        login("team_leader").get("/patrols/missed/?status=closed").context["page"].paginator.count
        == 0
    )


def test_close_page_refuses_empty_comment_with_field_error(
    world: Any, login: Any, missed: Any
) -> None:
    client = login("team_leader")
    url = f"/patrols/missed/{missed.pk}/close/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"comment": ""})
    assert response.status_code == 422
    assert "comment" in response.context["errors"]
    assert 'class="field field-error"' in response.content.decode()
    missed.refresh_from_db()
    assert missed.is_open
    response = client.post(url, {"comment": "已补巡"})
    assert response.status_code == 302 and response["Location"] == "/patrols/missed/"
    missed.refresh_from_db()
    assert not missed.is_open


def test_close_page_needs_csrf(world: Any, missed: Any) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["team_leader"])
    response = client.post(f"/patrols/missed/{missed.pk}/close/", {"comment": "x"})
    assert response.status_code == 403
    missed.refresh_from_db()
    assert missed.is_open


def test_close_page_out_of_scope_is_404_and_member_403(world: Any, login: Any) -> None:
    inside = make_duty(world, start=at(14, 8))
    outside = make_duty(world, "B", start=at(14, 8))
    attendance.sweep_missed_duties(now=NOW)
    out_item = MissedDuty.objects.get(duty=outside)
    in_item = MissedDuty.objects.get(duty=inside)
    assert login("team_leader").get(f"/patrols/missed/{out_item.pk}/close/").status_code == 404
    member = login("patrol_member")
    page = member.get(f"/patrols/missed/{in_item.pk}/close/")
    assert page.status_code == 200 and "id_comment" not in page.content.decode()
    assert member.post(f"/patrols/missed/{in_item.pk}/close/", {"comment": "x"}).status_code == 403


# ---- API ------------------------------------------------------------------------------------


def test_api_list_and_close(world: Any, login: Any, missed: Any) -> None:
    client = login("team_leader")
    body = client.get("/api/v1/patrols/missed").json()
    assert body["count"] == 1 and body["results"][0]["id"] == missed.pk
    assert body["results"][0]["reason"] == "no_check_in" and body["results"][0]["is_open"]
    url = f"/api/v1/patrols/missed/{missed.pk}/close"
    refused = client.post(url, data=json.dumps({"comment": ""}), content_type=JSON)
    assert refused.status_code == 422
    assert list(error_fields(refused)) == ["comment"]
    assert refused.json()["errors"][0]["label"]
    done = client.post(url, data=json.dumps({"comment": "已补巡"}), content_type=JSON)
    assert done.status_code == 200
    assert done.json()["is_open"] is False and done.json()["comment"] == "已补巡"
    assert client.get("/api/v1/patrols/missed?status=closed").json()["count"] == 1
    assert client.get("/api/v1/patrols/missed?status=bogus").status_code == 422


def test_api_scope(world: Any, login: Any, missed: Any) -> None:
    outside = make_duty(world, "B", start=at(14, 8))
    attendance.sweep_missed_duties(now=NOW)
    out_item = MissedDuty.objects.get(duty=outside)
    body = {"comment": "x"}
    leader = login("team_leader")
    url = f"/api/v1/patrols/missed/{out_item.pk}/close"
    assert leader.post(url, data=json.dumps(body), content_type=JSON).status_code == 404
    assert leader.get(f"/api/v1/patrols/missed?team={world.b.team.pk}").status_code == 404
    member = login("patrol_member")
    url = f"/api/v1/patrols/missed/{missed.pk}/close"
    assert member.post(url, data=json.dumps(body), content_type=JSON).status_code == 403


# ---- running it regularly ---------------------------------------------------------------------


def test_cli_dry_run(world: Any, capsys: Any) -> None:
    from shouwang.cli import main

    now = dt.datetime.now(tz=dt.UTC).replace(microsecond=0)
    duty = make_duty(world, start=now - dt.timedelta(hours=6), members=[team_member(world, 1)])
    assert main(["sweep-missed", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"would open: duty {duty.pk} " in out and "dry run" in out
    assert not MissedDuty.objects.exists()
    assert main(["sweep-missed"]) == 0
    assert "opened: duty" in capsys.readouterr().out
    assert MissedDuty.objects.filter(duty=duty).exists()


def test_celery_task_and_beat_schedule(world: Any) -> None:
    from shouwang.config.celery import app
    from shouwang.patrols import tasks

    now = dt.datetime.now(tz=dt.UTC).replace(microsecond=0)
    duty = make_duty(world, start=now - dt.timedelta(hours=6))
    assert tasks.sweep_missed.name == "patrols.sweep_missed"
    assert tasks.sweep_missed() == {"checked": 1, "opened": 1, "deferred": 0}
    assert tasks.sweep_missed() == {"checked": 0, "opened": 0, "deferred": 0}
    assert MissedDuty.objects.filter(duty=duty).count() == 1
    entry = app.conf.beat_schedule["patrols-sweep-missed"]
    assert entry["task"] == "patrols.sweep_missed" and entry["schedule"] == 900


def test_list_page_query_count_does_not_grow_with_rows(world: Any, login: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login("team_leader")
    make_duty(world, start=at(14, 8))
    attendance.sweep_missed_duties(now=NOW)
    client.get("/patrols/missed/")  # warm caches (session, grants)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/patrols/missed/").status_code == 200
    for hour in (9, 12, 15, 18):
        make_duty(world, start=at(13, hour, 0))
    attendance.sweep_missed_duties(now=NOW)
    with CaptureQueriesContext(connection) as five:
        response = client.get("/patrols/missed/")
    assert response.context["page"].paginator.count == 5
    assert len(five) == len(one)


def test_openapi_lists_the_endpoints(world: Any, login: Any) -> None:
    paths = login(world.admin).get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/patrols/missed",
        "/api/v1/patrols/missed/{item_id}/close",
        "/api/v1/patrols/check-ins/flagged",
        "/api/v1/patrols/check-ins/{check_in_id}/review",
        "/api/v1/patrols/attendance",
    ):
        assert path in paths


# ---- real processes at the same time --------------------------------------------------------

SETUP = """
import datetime as dt
from django.utils import timezone
from shouwang.areas.models import Post
from shouwang.core import services as core
from shouwang.core.models import CodeItem
from shouwang.forces.models import Member, Team
from shouwang.rostering.models import Duty, DutyAssignment, Roster, RosterStatus

PW = "Shouwang-test-2024!"
admin = core.grant_system_admin(username="admin", password=PW)
county = core.create_jurisdiction(
    actor=admin, data={"name": "甲县", "level": "county", "stat_division_code": "500230000000"}
)
town = core.create_jurisdiction(
    actor=admin,
    data={"name": "甲街道", "level": "township", "stat_division_code": "500230209000",
          "parent": county.pk},
)
def code(key):
    return CodeItem.objects.filter(code_list__key=key).order_by("sort_order", "pk").first()
team = Team.objects.create(name="甲巡防队", kind=code("team_kind"), jurisdiction=town)
post = Post.objects.create(
    name="甲护学岗", kind=code("post_kind"), jurisdiction=town, team=team, start_time=dt.time(7, 30)
)
members = [Member.objects.create(name=f"队员{i}", jurisdiction=town) for i in range(2)]
team.members.add(*members)
core.create_user(actor=admin, username="office", password=PW)
core.create_role_grant(
    actor=admin, data={"user": "office", "role": "township_staff", "jurisdiction": town.pk}
)
leader = core.create_user(actor=admin, username="leader", password=PW)
Member.objects.filter(pk=members[0].pk).update(user=leader)
Team.objects.filter(pk=team.pk).update(leader=members[0])
now = timezone.now()
for i in range(DUTIES):
    start = now - dt.timedelta(hours=5 + i)
    day = timezone.localtime(start).date()
    roster, _ = Roster.objects.get_or_create(team=team, month=day.replace(day=1))
    Roster.objects.filter(pk=roster.pk).update(status=RosterStatus.PUBLISHED)
    duty = Duty.objects.create(
        roster=roster, post=post, date=day, start=start, end=start + dt.timedelta(hours=2)
    )
    for member in members:
        DutyAssignment.objects.create(duty=duty, member=member)
print("TEAM", team.pk)
"""

CHECK = """
import json
from django.db.models import Count
from shouwang.core.models import AuditEvent
from shouwang.forces.models import Team
from shouwang.notify.models import Notification
from shouwang.patrols.attendance import recipients_for
from shouwang.patrols.models import MissedDuty

notes = Notification.objects.filter(kind="patrols.missed_duty")
doubled = notes.values("recipient", "link").annotate(n=Count("pk")).filter(n__gt=1).count()
print(json.dumps({
    "items": MissedDuty.objects.count(),
    "notes": notes.count(),
    "doubled": doubled,
    "recipients": len(recipients_for(Team.objects.get(pk=TEAM_PK))),
    "events": AuditEvent.objects.filter(code="patrols.missedduty.opened").count(),
}))
"""


@pytest.mark.slow
def test_concurrent_sweeps_in_real_processes_open_and_tell_once(tmp_path: Any) -> None:
    """Four `shouwang sweep-missed` processes at once on the embedded SQLite database."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    for name in ("DATABASE_URL", "SHOUWANG_BROKER_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    env["SHOUWANG_DATA_DIR"] = str(tmp_path)
    env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    cli = [sys.executable, "-m", "shouwang.cli"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*cli, *args], capture_output=True, text=True, env=env, timeout=300, check=False
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done

    duties = 30
    run("migrate", "--quiet")
    team_line = run("manage", "shell", "-c", SETUP.replace("DUTIES", str(duties))).stdout
    team_pk = int(team_line.split("TEAM", 1)[1].split()[0])
    sweeps = [
        subprocess.Popen(
            [*cli, "sweep-missed"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=300) for p in sweeps]
    assert [p.returncode for p in sweeps] == [0, 0, 0, 0], [err[-2000:] for _out, err in outputs]
    opened = [int(out.split(" checked, ", 1)[1].split()[0]) for out, _err in outputs]
    assert not any("left for the next run" in out for out, _err in outputs)
    assert sum(opened) == duties  # each duty opened by exactly one of the four
    again = run("sweep-missed").stdout
    assert ", 0 opened" in again
    check = run("manage", "shell", "-c", CHECK.replace("TEAM_PK", str(team_pk))).stdout
    found = json.loads(check.strip().splitlines()[-1])
    assert found["recipients"] == 2  # the leader's own login and the township office
    assert found["items"] == duties and found["events"] == duties
    assert found["doubled"] == 0
    assert found["notes"] == duties * found["recipients"]
