"""Level changes (declared transitions, approval by another office holder), the register
(taking off / restoring), visit cadence and overdue, the daily sweep with a moved clock,
retention and anonymisation, the inbox, the demo data and the pages' steps."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import error_fields, send
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from concerns.concern_helpers import PHONE_A, days_ago, make_cast, officer, person_data
from shouwang.concerns import services, workflow
from shouwang.concerns.demo import load_demo_people
from shouwang.concerns.models import (
    ANONYMISED_NAME,
    LevelChange,
    LevelChangeStatus,
    PersonOfConcern,
    Visit,
    VisitPolicy,
)
from shouwang.core import cases
from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.notify.models import Notification

API = "/api/v1/concerns"
TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def cast(world: Any) -> Any:
    return make_cast(world)


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=TZ)


# -- level changes --------------------------------------------------------------------------


def test_level_change_needs_approval_by_another_office_holder(
    world: Any, login: Any, cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    helper = login("grid_worker")
    url = f"{API}/people/{cast.a.pk}/level-changes"
    assert send(helper, "post", url, {"to_level": "red", "reason": ""}).status_code == 422
    same = send(helper, "post", url, {"to_level": "yellow", "reason": "不变"})
    assert same.status_code == 422 and "to_level" in error_fields(same)
    with django_capture_on_commit_callbacks(execute=True):
        asked = send(helper, "post", url, {"to_level": "red", "reason": "近期多次扬言报复"})
    assert asked.status_code == 201, asked.content
    change_id = asked.json()["id"]
    assert Notification.objects.filter(
        recipient=officer(world), kind="concerns.level_requested"
    ).exists()
    cast.a.refresh_from_db()
    assert cast.a.attention_level == "yellow"  # nothing changes before the approval
    again = send(helper, "post", url, {"to_level": "blue", "reason": "再提"})
    assert again.status_code == 422 and "status" in error_fields(again)
    # The grid worker cannot decide; the county supervisor does not even see it.
    assert send(helper, "post", f"{API}/level-changes/{change_id}/approve", {}).status_code in (
        403,
        404,
    )
    county = login("county_supervisor")
    assert send(county, "post", f"{API}/level-changes/{change_id}/approve", {}).status_code == 404
    due_before = cast.a.next_visit_due
    ok = send(login("concern_officer"), "post", f"{API}/level-changes/{change_id}/approve", {})
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "approved"
    cast.a.refresh_from_db()
    assert cast.a.attention_level == "red"
    assert cast.a.next_visit_due == cast.a.registered_on + dt.timedelta(days=7)
    assert cast.a.next_visit_due != due_before
    event = AuditEvent.objects.filter(code="concerns.person.level_approved").latest("pk")
    assert event.before["attention_level"] == "yellow" and event.after["attention_level"] == "red"
    # Illegal: deciding a decided request changes nothing.
    snapshot = LevelChange.objects.filter(pk=change_id).values().get()
    for verb, body in (("approve", {}), ("reject", {"reason": "迟了"})):
        again = send(
            login("township_staff"), "post", f"{API}/level-changes/{change_id}/{verb}", body
        )
        assert again.status_code == 422, verb
        assert "status" in error_fields(again)
    assert LevelChange.objects.filter(pk=change_id).values().get() == snapshot


def test_requester_cannot_decide_and_reject_needs_reason(world: Any, cast: Any) -> None:
    staff = world.users["township_staff"]
    change = workflow.request_level_change(cast.a2, actor=staff, to_level="blue", reason="稳定")
    with pytest.raises(RecordInvalid) as own:
        workflow.approve_level_change(change, actor=staff)
    assert "decided_by" in own.value.errors
    with pytest.raises(RecordInvalid) as bare:
        workflow.reject_level_change(change, actor=officer(world), reason=" ")
    assert "reason" in bare.value.errors
    rejected = workflow.reject_level_change(change, actor=officer(world), reason="仍需关注")
    assert rejected.status == LevelChangeStatus.REJECTED
    cast.a2.refresh_from_db()
    assert cast.a2.attention_level == "yellow"
    assert set(workflow.LEVEL_TRANSITIONS) == {"approved", "rejected"}
    with pytest.raises(Http404):
        workflow.approve_level_change(change, actor=world.users["auditor"])


# -- the register ---------------------------------------------------------------------------


def test_take_off_and_restore_follow_the_table(world: Any, login: Any, cast: Any) -> None:
    client = login("concern_officer")
    url = f"{API}/people/{cast.a.pk}"
    assert send(client, "post", f"{url}/take-off", {"reason": ""}).status_code == 422
    assert send(client, "post", f"{url}/restore", {"reason": "x"}).status_code == 422
    off = send(client, "post", f"{url}/take-off", {"reason": "迁出本镇", "on": str(days_ago(2))})
    assert off.status_code == 200, off.content
    body = off.json()
    assert body["status"] == "off_register" and body["next_visit_due"] is None
    assert body["off_register_on"] == str(days_ago(2))
    twice = send(client, "post", f"{url}/take-off", {"reason": "再次"})
    assert twice.status_code == 422 and "status" in error_fields(twice)
    visit = send(client, "post", f"{url}/visits", {"visited_on": str(days_ago(1))})
    assert visit.status_code == 422
    back = send(client, "post", f"{url}/restore", {"reason": "又迁回"})
    assert back.status_code == 200 and back.json()["status"] == "on_register"
    assert back.json()["next_visit_due"] == str(timezone.localdate() + dt.timedelta(days=30))
    # Township staff decide too; a helper may not.
    with pytest.raises(Http404):
        workflow.take_off_register(cast.a, actor=world.users["grid_worker"], reason="x")


# -- cadence, visits, overdue ----------------------------------------------------------------


def test_visit_moves_the_next_due_date_and_policy_changes_cadence(
    world: Any, login: Any, cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    person = services.create_person(
        actor=officer(world),
        data=person_data(world, "A", n=5, level="red", registered_on=str(days_ago(20))),
    )
    assert person.next_visit_due == days_ago(13)
    assert person.is_overdue
    client = login("concern_officer")
    overdue = client.get(f"{API}/people", {"overdue": "1"}).json()
    assert [r["id"] for r in overdue["results"]] == [person.pk]
    assert "overdue" in client.get(f"/concerns/{person.pk}/").content.decode()
    future = send(
        client, "post", f"{API}/people/{person.pk}/visits", {"visited_on": str(days_ago(-1))}
    )
    assert future.status_code == 422 and "visited_on" in error_fields(future)
    with django_capture_on_commit_callbacks(execute=True):
        ok = send(
            client,
            "post",
            f"{API}/people/{person.pk}/visits",
            {"visited_on": str(days_ago(3)), "form": "face_to_face", "found_risk": True},
        )
    assert ok.status_code == 201
    assert Notification.objects.filter(
        recipient=world.users["township_staff"], kind="concerns.risk_found"
    ).exists()
    person.refresh_from_db()
    assert person.last_visit_on == days_ago(3)
    assert person.next_visit_due == days_ago(3) + dt.timedelta(days=7)
    assert not person.is_overdue
    # An older visit recorded late does not move the last visit back.
    services.record_visit(person, actor=officer(world), visited_on=days_ago(10), form="phone")
    person.refresh_from_db()
    assert person.last_visit_on == days_ago(3)
    policy = send(
        client,
        "post",
        f"{API}/policies",
        {"jurisdiction": world.a.township.pk, "red_days": 2, "yellow_days": 14, "blue_days": 60},
    )
    assert policy.status_code == 200, policy.content
    person.refresh_from_db()
    assert person.next_visit_due == days_ago(1)
    cast.a.refresh_from_db()
    assert cast.a.next_visit_due == cast.a.registered_on + dt.timedelta(days=14)
    assert VisitPolicy.objects.count() == 1
    bad = send(
        client, "post", f"{API}/policies", {"jurisdiction": world.a.village.pk, "red_days": 0}
    )
    assert bad.status_code == 422
    assert send(
        login("county_supervisor"),
        "post",
        f"{API}/policies",
        {"jurisdiction": world.a.township.pk, "red_days": 3, "yellow_days": 3, "blue_days": 3},
    ).status_code in (403, 404, 422)
    assert VisitPolicy.objects.get().red_days == 2


def test_sweep_reminds_helpers_once_per_overdue_period(
    world: Any, cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    due = cast.a.next_visit_due  # yellow: registration day + 30
    gw = world.users["grid_worker"]
    kind = "concerns.overdue"
    assert cast.a.pk not in workflow.sweep_overdue_visits(now=noon(due)).overdue
    dry = workflow.daily_sweep(noon(due + dt.timedelta(days=1)), True)
    assert dry["overdue"] >= 1 and dry["reminders"] >= 1
    cast.a.refresh_from_db()
    assert cast.a.overdue_notified_for is None
    assert not Notification.objects.filter(recipient=gw, kind=kind).exists()
    with django_capture_on_commit_callbacks(execute=True):
        first = workflow.sweep_overdue_visits(now=noon(due + dt.timedelta(days=1)))
    assert cast.a.pk in first.reminded
    notes = Notification.objects.filter(recipient=gw, kind=kind)
    assert notes.count() == 1
    assert cast.a.name not in notes.get().title  # masked in messages
    with django_capture_on_commit_callbacks(execute=True):
        second = workflow.sweep_overdue_visits(now=noon(due + dt.timedelta(days=5)))
    assert cast.a.pk in second.overdue and cast.a.pk not in second.reminded
    assert notes.count() == 1
    assert (
        AuditEvent.objects.filter(code="concerns.person.overdue", target_id=str(cast.a.pk)).count()
        == 1
    )
    # A visit starts a new period; when that lapses, one more reminder.
    services.record_visit(cast.a, actor=officer(world), visited_on=timezone.localdate())
    cast.a.refresh_from_db()
    later = cast.a.next_visit_due + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        third = workflow.sweep_overdue_visits(now=noon(later))
    assert cast.a.pk in third.reminded and notes.count() == 2
    # The sweep is registered for `shouwang sweep-cases`; no map layer for people.
    assert "concerns" in cases.SWEEPS and "concerns" not in cases.MAP_LAYERS
    counts = cases.run_sweeps(now=noon(later), dry_run=True)["concerns"]
    assert set(counts) == {"overdue", "reminders", "anonymised"}


def test_retention_anonymises_after_the_period(world: Any, cast: Any, settings: Any) -> None:
    settings.SHOUWANG_CONCERN_RETENTION_DAYS = 30
    person = cast.a
    services.record_visit(person, actor=officer(world), visited_on=days_ago(3), situation="家中")
    workflow.request_level_change(person, actor=officer(world), to_level="red", reason="理由甲")
    workflow.take_off_register(person, actor=officer(world), reason="死亡", on=days_ago(2))
    off_day = days_ago(2)
    too_early = workflow.anonymise_expired(now=noon(off_day + dt.timedelta(days=29)))
    assert person.pk not in too_early.anonymised
    dry = workflow.anonymise_expired(now=noon(off_day + dt.timedelta(days=30)), dry_run=True)
    assert person.pk in dry.anonymised
    person.refresh_from_db()
    assert person.anonymised_at is None and person.citizen_id_encrypted
    done = workflow.anonymise_expired(now=noon(off_day + dt.timedelta(days=30)))
    assert person.pk in done.anonymised
    person.refresh_from_db()
    assert person.name == ANONYMISED_NAME and person.is_anonymised
    for name in (
        "citizen_id_encrypted",
        "citizen_id_digest",
        "citizen_id_masked",
        "phone_encrypted",
        "phone_digest",
        "phone_masked",
        "address",
        "risk_notes",
        "off_register_reason",
    ):
        assert getattr(person, name) == "", name
    assert not person.helpers.exists()
    assert set(Visit.objects.filter(person=person).values_list("situation", flat=True)) == {""}
    assert set(LevelChange.objects.filter(person=person).values_list("reason", flat=True)) == {""}
    # The anonymous counts stay: the row, its category, level, jurisdiction and visit dates.
    assert PersonOfConcern.objects.filter(pk=person.pk, category=cast.a.category).exists()
    assert Visit.objects.filter(person=person).count() == 1
    again = workflow.anonymise_expired(now=noon(off_day + dt.timedelta(days=400)))
    assert person.pk not in again.anonymised
    assert (
        AuditEvent.objects.filter(
            code="concerns.person.anonymised", target_id=str(person.pk)
        ).count()
        == 1
    )
    with pytest.raises(RecordInvalid):
        workflow.restore_to_register(person, actor=officer(world), reason="x")
    assert workflow.retention_days() == 30


def test_retention_default_is_three_years(world: Any) -> None:
    assert workflow.DEFAULT_RETENTION_DAYS == 1095


# -- inbox -----------------------------------------------------------------------------------


def test_inbox_tasks(world: Any, cast: Any) -> None:
    from shouwang.concerns.inbox import tasks_for

    today = cast.a.next_visit_due + dt.timedelta(days=1)
    helper_tasks = tasks_for(world.users["grid_worker"], today)
    assert [(t.kind, t.record_id, t.overdue) for t in helper_tasks] == [("visit", cast.a.pk, True)]
    workflow.request_level_change(
        cast.a, actor=world.users["grid_worker"], to_level="red", reason="r"
    )
    approve = [t for t in tasks_for(officer(world), today) if t.kind == "approve"]
    assert [t.record_id for t in approve] == [cast.a.pk]
    assert tasks_for(world.users["county_supervisor"], today) == []
    assert "concerns" in cases.INBOX_PROVIDERS


# -- pages -----------------------------------------------------------------------------------


def test_pages_register_edit_and_steps(world: Any, login: Any, cast: Any) -> None:
    client = login("concern_officer")
    assert client.get("/concerns/new/").status_code == 200
    data = person_data(world, "A", n=6, level="blue")
    response = client.post("/concerns/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    person = PersonOfConcern.objects.get(name=data["name"])
    edit = client.post(
        f"/concerns/{person.pk}/edit/", {**data, "address": "新地址", "citizen_id_number": ""}
    )
    assert edit.status_code == 302
    person.refresh_from_db()
    assert person.address == "新地址" and person.citizen_id_masked  # number kept
    step = client.post(
        f"/concerns/{person.pk}/visit/", {"visited_on": str(days_ago(1)), "form": "home"}
    )
    assert step.status_code == 302
    assert person.visits.count() == 1
    client.post(f"/concerns/{person.pk}/level/", {"to_level": "yellow", "reason": "有反复"})
    change = person.level_changes.get()
    staff = login("township_staff")
    detail = staff.get(f"/concerns/{person.pk}/").content.decode()
    assert f'name="change" value="{change.pk}"' in detail
    own = client.get(f"/concerns/{person.pk}/").content.decode()
    assert f'name="change" value="{change.pk}"' not in own  # the requester cannot decide
    staff.post(f"/concerns/{person.pk}/decide/", {"change": change.pk, "approve": "1"})
    person.refresh_from_db()
    assert person.attention_level == "yellow"
    assert client.get("/concerns/policies/").status_code == 200
    assert client.get("/concerns/", {"attention_level": "yellow", "q": "甲"}).status_code == 200
    nav = client.get("/").content.decode()
    assert "/concerns/" in nav


def test_demo_people_idempotent(world: Any) -> None:
    first = load_demo_people(world.admin, world.a.township)
    second = load_demo_people(world.admin, world.a.township)
    assert len(first) == 4 and [p.pk for p in first] == [p.pk for p in second]
    levels = {p.attention_level for p in first}
    assert levels == {"red", "yellow", "blue"}
    assert any(PersonOfConcern.objects.get(pk=p.pk).is_overdue for p in first)
    assert Visit.objects.filter(person__in=first).count() == 4
    assert LevelChange.objects.filter(person__in=first).count() == 1
    assert PHONE_A not in {p.phone_masked for p in first}
    with pytest.raises(PermissionDenied):
        services.export_people(PersonOfConcern.objects.none(), actor=world.users["auditor"])
