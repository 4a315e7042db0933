"""Governance: the training workflow (incl. illegal steps), attendance, the training/drill gaps
and their sweep with a moved clock (once, dry run), overdue meeting decisions in the inbox,
the minutes PDF and scope (side B invisible)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from conftest import error_fields, send

from shouwang.core import cases
from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.governance import services
from shouwang.governance.models import Attendance, GapNotice, Training, TrainingTransition
from shouwang.notify.models import Notification

TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def office(world: Any) -> Any:
    return world.users["township_staff"]


def new_training(world: Any, side: str = "A", **over: Any) -> Training:
    from world_extensions.governance import _service_data, _training

    s = world.sides[side]
    data = {**_training(world, s, side, 0), **over}
    return services.create_training(actor=world.admin, data=_service_data(data))


# -- workflow ------------------------------------------------------------------------------------


def test_planned_training_is_held_once(world: Any, office: Any) -> None:
    t = new_training(world)
    assert t.status == "planned"
    services.hold_training(t, actor=office)
    t.refresh_from_db()
    assert t.status == "held"
    assert [(r.from_status, r.to_status) for r in t.transitions.all()] == [
        ("", "planned"),
        ("planned", "held"),
    ]
    assert (
        AuditEvent.objects.filter(code="governance.training.held", target_id=str(t.pk)).count() == 1
    )
    # Illegal: held → held, held → cancelled.
    with pytest.raises(RecordInvalid) as exc:
        services.hold_training(t, actor=office)
    assert "status" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        services.cancel_training(t, actor=office, reason="下雨")
    assert "status" in exc.value.errors
    t.refresh_from_db()
    assert t.status == "held" and t.cancel_reason == ""
    assert TrainingTransition.objects.filter(training=t).count() == 2


def test_cancel_needs_a_reason_and_ends_the_workflow(world: Any, office: Any) -> None:
    t = new_training(world)
    with pytest.raises(RecordInvalid) as exc:
        services.cancel_training(t, actor=office, reason="  ")
    assert "reason" in exc.value.errors
    services.cancel_training(t, actor=office, reason="台风预警")
    t.refresh_from_db()
    assert (t.status, t.cancel_reason) == ("cancelled", "台风预警")
    with pytest.raises(RecordInvalid) as exc:
        services.hold_training(t, actor=office)
    assert "status" in exc.value.errors


def test_future_training_cannot_be_held(world: Any, office: Any) -> None:
    t = new_training(world, starts_at="2099-01-01T09:00:00+08:00")
    with pytest.raises(RecordInvalid) as exc:
        services.hold_training(t, actor=office)
    assert "starts_at" in exc.value.errors
    t.refresh_from_db()
    assert t.status == "planned"


def test_other_topic_needs_its_name(world: Any) -> None:
    with pytest.raises(RecordInvalid) as exc:
        new_training(world, topic="other", topic_other="")
    assert "topic_other" in exc.value.errors
    t = new_training(world, topic="other", topic_other="反诈宣传")
    assert t.topic_label == "反诈宣传"


def test_workflow_through_the_api(world: Any, login: Any) -> None:
    t = new_training(world)
    viewer = login("grid_worker")
    r = send(viewer, "post", f"/api/v1/governance/trainings/{t.pk}/hold")
    assert r.status_code == 403
    client = login("township_staff")
    r = send(client, "post", f"/api/v1/governance/trainings/{t.pk}/cancel", {"reason": ""})
    assert r.status_code == 422
    assert "reason" in error_fields(r)
    r = send(client, "post", f"/api/v1/governance/trainings/{t.pk}/hold")
    assert r.status_code == 200
    assert r.json()["status"] == "held"
    r = send(client, "post", f"/api/v1/governance/trainings/{t.pk}/hold")
    assert r.status_code == 422
    assert "status" in error_fields(r)
    # The status is not writable through the record API.
    r = send(client, "patch", f"/api/v1/trainings/{t.pk}", {"status": "planned"})
    t.refresh_from_db()
    assert t.status == "held"


def test_training_page_steps(world: Any, login: Any) -> None:
    t = new_training(world)
    client = login("township_staff")
    page = client.get(f"/r/trainings/{t.pk}/")
    assert page.status_code == 200
    assert f"/governance/trainings/{t.pk}/hold/" in page.content.decode()
    r = client.post(f"/governance/trainings/{t.pk}/cancel/", {"reason": "场地冲突"})
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.status == "cancelled"


# -- attendance ----------------------------------------------------------------------------------


def test_attendance_per_member(world: Any, office: Any, login: Any) -> None:
    t = new_training(world)
    member = world.a.member
    services.record_attendance(
        t, actor=office, entries=[{"member": member.pk, "presence": "absent"}]
    )
    services.record_attendance(
        t, actor=office, entries=[{"member": member.pk, "presence": "excused"}]
    )
    assert list(Attendance.objects.filter(training=t).values_list("member_id", "presence")) == [
        (member.pk, "excused")
    ]
    with pytest.raises(RecordInvalid) as exc:
        services.record_attendance(
            t, actor=office, entries=[{"member": member.pk, "presence": "late"}]
        )
    assert "presence" in exc.value.errors
    # A member of side B is not on side A's list (and nothing half-written).
    with pytest.raises(RecordInvalid) as exc:
        services.record_attendance(
            t,
            actor=world.admin,
            entries=[
                {"member": member.pk, "presence": "present"},
                {"member": world.b.member.pk, "presence": "present"},
            ],
        )
    assert "member" in exc.value.errors
    assert Attendance.objects.get(training=t, member=member).presence == "excused"
    client = login("township_staff")
    r = send(
        client,
        "post",
        f"/api/v1/governance/trainings/{t.pk}/attendance",
        {"entries": [{"member": member.pk, "presence": "present"}]},
    )
    assert r.status_code == 200
    assert r.json()["attendance"] == [{"member": member.pk, "presence": "present"}]
    services.cancel_training(t, actor=office, reason="取消")
    with pytest.raises(RecordInvalid):
        services.record_attendance(
            t, actor=office, entries=[{"member": member.pk, "presence": "present"}]
        )


def test_attendance_form_on_the_training_page(world: Any, login: Any) -> None:
    t = new_training(world)
    member = world.a.member
    client = login("township_staff")
    page = client.get(f"/r/trainings/{t.pk}/").content.decode()
    # Every member of the township is offered; side B's member is not.
    assert f'name="presence_{member.pk}"' in page
    assert f'name="presence_{world.b.member.pk}"' not in page
    r = client.post(
        f"/governance/trainings/{t.pk}/attendance/",
        {f"presence_{member.pk}": "absent"},
    )
    assert r.status_code == 302
    assert Attendance.objects.get(training=t, member=member).presence == "absent"
    page = client.get(f"/r/trainings/{t.pk}/").content.decode()
    assert 'value="absent" selected' in page
    # Read-only roles see the list but no form.
    viewer = login("team_leader").get(f"/r/trainings/{t.pk}/").content.decode()
    assert "presence_" not in viewer


# -- gaps and the sweep --------------------------------------------------------------------------


def test_gaps_list_months_and_quarters_without_held_sessions(world: Any, office: Any) -> None:
    services.hold_training(world.a.extra["training"], actor=office)  # 2026-11-05
    drill = new_training(world, kind="drill", starts_at="2026-08-20T15:00:00+08:00")
    services.hold_training(drill, actor=office)
    cancelled = new_training(world, starts_at="2026-10-10T09:00:00+08:00")
    services.cancel_training(cancelled, actor=office, reason="暴雨")
    rows = services.gaps(world.a.county, 2026, today=dt.date(2026, 12, 6))
    assert [r.township.pk for r in rows] == [world.a.township.pk]
    assert rows[0].months == list(range(1, 11))  # November held; December not ended
    assert rows[0].quarters == [1, 2]  # Q3 drilled; Q4 not ended
    rows = services.gaps(world.a.township, 2026, today=dt.date(2027, 1, 2))
    assert rows[0].months == [*range(1, 11), 12]
    assert rows[0].quarters == [1, 2, 4]


def test_gap_sweep_flags_each_missing_period_once(world: Any, office: Any) -> None:
    services.hold_training(world.a.extra["training"], actor=office)  # November, side A
    a, b = world.a.township.pk, world.b.township.pk
    now = dt.datetime(2026, 12, 2, 9, 0, tzinfo=TZ)
    dry = services.sweep_gaps(now=now, dry_run=True)
    assert set(dry.notices) == {
        (a, "drill", "2026-Q3"),
        (b, "training", "2026-11"),
        (b, "drill", "2026-Q3"),
    }
    assert GapNotice.objects.count() == 0
    assert not Notification.objects.filter(kind="governance.gap").exists()
    result = services.sweep_gaps(now=now)
    assert set(result.notices) == set(dry.notices)
    assert GapNotice.objects.count() == 3
    assert Notification.objects.filter(recipient=office, kind="governance.gap").count() == 1
    assert AuditEvent.objects.filter(code="governance.training.gap").count() == 3
    # Idempotent: the same periods are not flagged again later in the month.
    assert services.sweep_gaps(now=now + dt.timedelta(days=10)).notices == []
    # Moved clock: December and Q4 have ended.
    later = services.sweep_gaps(now=dt.datetime(2027, 1, 3, 9, 0, tzinfo=TZ))
    assert (a, "training", "2026-12") in later.notices
    assert (a, "drill", "2026-Q4") in later.notices
    assert services.sweep_gaps(now=dt.datetime(2027, 1, 4, 9, 0, tzinfo=TZ)).notices == []
    # Registered with the shared case sweep.
    assert "governance" in cases.sweep_labels()
    assert cases.run_sweeps(now=now, dry_run=True)["governance"] == {"gap_notices": 0}


def test_gaps_page_and_api(world: Any, login: Any) -> None:
    client = login("township_staff")
    r = client.get(f"/api/v1/governance/gaps?jurisdiction={world.a.township.pk}&year=2025")
    assert r.status_code == 200
    body = r.json()
    assert body["townships"][0]["months"] == list(range(1, 13))
    assert body["townships"][0]["quarters"] == [1, 2, 3, 4]
    r = client.get(f"/api/v1/governance/gaps?jurisdiction={world.a.township.pk}&year=x")
    assert r.status_code == 422
    page = client.get(f"/governance/gaps/?jurisdiction={world.a.township.pk}&year=2025")
    assert page.status_code == 200
    assert world.a.township.name in page.content.decode()
    assert "/governance/gaps/" in login("grid_worker").get("/r/trainings/").content.decode()


# -- decisions -----------------------------------------------------------------------------------


def test_overdue_decision_is_an_inbox_task_until_done(world: Any, office: Any, login: Any) -> None:
    from world_extensions.governance import _decision, _service_data

    data = {**_decision(world, world.a, "A", 0), "deadline": "2026-11-30"}
    d = services.create_decision(actor=world.admin, data=_service_data(data))
    today = dt.date(2026, 12, 6)
    tasks = [t for t in cases.tasks_for(office, today) if t.record_type == "governance.decision"]
    assert [(t.kind, t.record_id, t.overdue) for t in tasks] == [("follow_up", d.pk, True)]
    # Not yet overdue the day of the deadline; the world's own decision (2027) is not overdue.
    assert not [
        t
        for t in cases.tasks_for(office, dt.date(2026, 11, 30))
        if t.record_type == "governance.decision"
    ]
    # A viewer (grid worker) gets no task.
    assert not [
        t
        for t in cases.tasks_for(world.users["grid_worker"], today)
        if t.record_type == "governance.decision"
    ]
    assert services.overdue_decisions(office, today).filter(pk=d.pk).exists()
    client = login("township_staff")
    r = send(client, "post", f"/api/v1/governance/decisions/{d.pk}/done", {"done_on": "2026-12-01"})
    assert r.status_code == 200
    assert r.json() == {"id": d.pk, "status": "done", "done_on": "2026-12-01"}
    assert not [
        t
        for t in cases.tasks_for(office, today)
        if t.record_id == d.pk and t.record_type == "governance.decision"
    ]
    r = send(client, "post", f"/api/v1/governance/decisions/{d.pk}/done", {})
    assert r.status_code == 422


def test_decision_needs_an_owner(world: Any) -> None:
    from world_extensions.governance import _decision, _service_data

    data = {**_decision(world, world.a, "A", 0), "owner_unit": None, "owner_person": None}
    with pytest.raises(RecordInvalid) as exc:
        services.create_decision(actor=world.admin, data=_service_data(data))
    assert "owner_unit" in exc.value.errors


# -- minutes -------------------------------------------------------------------------------------


def test_minutes_pdf_has_units_situation_and_decisions(world: Any, login: Any) -> None:
    from pypdf import PdfReader

    meeting = world.a.extra["jointmeeting"]
    client = login("team_leader")
    for path in (
        f"/governance/meetings/{meeting.pk}/minutes.pdf",
        f"/api/v1/governance/meetings/{meeting.pk}/minutes.pdf",
    ):
        r = client.get(path)
        assert r.status_code == 200, path
        assert r["Content-Type"] == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
        assert world.a.organisation.name in text
        assert meeting.situation in text
        assert "加强夜间巡防" in text
    page = client.get(f"/r/joint-meetings/{meeting.pk}/")
    assert f"/governance/meetings/{meeting.pk}/minutes.pdf" in page.content.decode()


# -- scope ---------------------------------------------------------------------------------------


def test_side_b_is_invisible(world: Any, login: Any) -> None:
    b = world.b
    client = login("township_staff")
    assert client.get(f"/api/v1/trainings/{b.extra['training'].pk}").status_code == 404
    assert client.get(f"/api/v1/joint-meetings/{b.extra['jointmeeting'].pk}").status_code == 404
    r = send(client, "post", f"/api/v1/governance/trainings/{b.extra['training'].pk}/hold")
    assert r.status_code == 404
    r = send(client, "post", f"/api/v1/governance/decisions/{b.extra['decision'].pk}/done", {})
    assert r.status_code == 404
    pdf = f"/api/v1/governance/meetings/{b.extra['jointmeeting'].pk}/minutes.pdf"
    assert client.get(pdf).status_code == 404
    assert (
        client.get(f"/governance/meetings/{b.extra['jointmeeting'].pk}/minutes.pdf").status_code
        == 404
    )
    r = client.get(f"/api/v1/governance/gaps?jurisdiction={b.township.pk}")
    assert r.status_code == 404
    ids = {row["id"] for row in client.get("/api/v1/trainings/").json()["results"]}
    assert world.a.extra["training"].pk in ids
    assert b.extra["training"].pk not in ids
    t = world.b.extra["training"]
    with pytest.raises(Exception):  # noqa: B017 - 404 alike for out of scope
        services.hold_training(t, actor=world.users["township_staff"])
    t.refresh_from_db()
    assert t.status == "planned"
