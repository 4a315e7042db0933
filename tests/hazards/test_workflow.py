"""The hazard case workflow: every transition (legal and illegal), who may take each step,
the working-day deadline, extensions, the API's answers and scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import error_fields, send
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.hazards import workflow
from shouwang.hazards.models import (
    ExtensionStatus,
    Hazard,
    HazardCategoryPolicy,
    HazardStatus,
    HazardTransition,
)
from shouwang.notify.models import Notification
from tests.hazards.helpers import new_hazard, office

S = HazardStatus
BASE = "/api/v1/hazard-reports"
TZ = dt.timezone(dt.timedelta(hours=8))


def leader(world: Any) -> Any:
    return world.users["team_leader"]


def assigned(world: Any, hazard: Hazard | None = None) -> Hazard:
    hazard = hazard or new_hazard(world)
    return workflow.assign_hazard(
        hazard, actor=office(world), responsible_unit=world.a.organisation
    )


def closed(world: Any) -> Hazard:
    h = assigned(world)
    h = workflow.start_rectification(h, actor=leader(world))
    h = workflow.report_rectified(h, actor=leader(world), note="已修复护网")
    return workflow.verify_hazard(h, actor=office(world), passed=True)


def test_full_path_to_closure_records_history_audit_and_notifications(world: Any) -> None:
    h = new_hazard(world)
    h = assigned(world, h)
    assert h.status == S.ASSIGNED
    assert h.responsible_unit == world.a.organisation
    assert h.deadline is not None and h.assigned_by == office(world)
    h = workflow.start_rectification(h, actor=leader(world))
    assert h.status == S.RECTIFYING
    h = workflow.report_rectified(h, actor=leader(world), note="已修复护网")
    assert h.status == S.AWAITING_VERIFICATION
    assert h.rectified_by == leader(world) and h.rectification_note == "已修复护网"
    h = workflow.verify_hazard(h, actor=office(world), passed=True)
    assert h.status == S.CLOSED and h.closed_at is not None and h.verified_by == office(world)
    steps = list(HazardTransition.objects.filter(hazard=h).values_list("from_status", "to_status"))
    assert steps == [
        (S.REPORTED, S.ASSIGNED),
        (S.ASSIGNED, S.RECTIFYING),
        (S.RECTIFYING, S.AWAITING_VERIFICATION),
        (S.AWAITING_VERIFICATION, S.CLOSED),
    ]
    codes = list(
        AuditEvent.objects.filter(target_type="hazards.hazard", target_id=str(h.pk))
        .order_by("pk")
        .values_list("code", flat=True)
    )
    assert codes == [
        "hazards.hazard.assigned",
        "hazards.hazard.started",
        "hazards.hazard.rectified",
        "hazards.hazard.verified",
    ]


def test_notifications_go_out_on_commit(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    h = new_hazard(world)
    with django_capture_on_commit_callbacks(execute=True):
        assigned(world, h)
    assert Notification.objects.filter(recipient=leader(world), kind="hazards.assigned").exists()


def test_verification_failure_goes_back_to_rectifying_with_reason(world: Any) -> None:
    h = assigned(world)
    h = workflow.start_rectification(h, actor=leader(world))
    h = workflow.report_rectified(h, actor=leader(world))
    with pytest.raises(RecordInvalid) as exc:
        workflow.verify_hazard(h, actor=office(world), passed=False)
    assert "reason" in exc.value.errors
    h = workflow.verify_hazard(h, actor=office(world), passed=False, reason="护网仍有缺口")
    assert h.status == S.RECTIFYING
    last = HazardTransition.objects.filter(hazard=h).last()
    assert last is not None and last.reason == "护网仍有缺口"


def test_rectifier_may_not_verify(world: Any) -> None:
    h = assigned(world)
    h = workflow.start_rectification(h, actor=office(world))
    h = workflow.report_rectified(h, actor=office(world))
    with pytest.raises(RecordInvalid) as exc:
        workflow.verify_hazard(h, actor=office(world), passed=True)
    assert "verified_by" in exc.value.errors
    h.refresh_from_db()
    assert h.status == S.AWAITING_VERIFICATION
    # Someone else (the team leader) may.
    assert workflow.verify_hazard(h, actor=leader(world), passed=True).status == S.CLOSED


def test_reject_needs_reason_and_reopen_counts(world: Any) -> None:
    h = new_hazard(world)
    with pytest.raises(RecordInvalid) as exc:
        workflow.reject_hazard(h, actor=office(world), reason="  ")
    assert "reason" in exc.value.errors
    h = workflow.reject_hazard(h, actor=office(world), reason="重复上报")
    assert h.status == S.REJECTED and h.rejection_reason == "重复上报"
    with pytest.raises(RecordInvalid):
        workflow.reopen_hazard(h, actor=office(world), reason="")
    # Never assigned, no policy: the unit is asked for.
    with pytest.raises(RecordInvalid) as exc:
        workflow.reopen_hazard(h, actor=office(world), reason="并非重复")
    assert "responsible_unit" in exc.value.errors
    h.refresh_from_db()
    assert h.status == S.REJECTED
    h = workflow.reopen_hazard(
        h, actor=office(world), reason="并非重复", responsible_unit=world.a.organisation
    )
    assert h.status == S.ASSIGNED and h.reopen_count == 1 and h.rejection_reason == ""
    assert h.deadline is not None and h.deadline > timezone.localdate()


def test_reopen_closed(world: Any) -> None:
    h = closed(world)
    h = workflow.reopen_hazard(h, actor=office(world), reason="复查发现反弹")
    assert h.status == S.ASSIGNED and h.reopen_count == 1 and h.closed_at is None


ILLEGAL = [
    ("start", S.REPORTED),
    ("rectified", S.REPORTED),
    ("verify", S.ASSIGNED),
    ("verify", S.RECTIFYING),
    ("assign", S.ASSIGNED),
    ("assign", S.CLOSED),
    ("reject", S.AWAITING_VERIFICATION),
    ("reject", S.CLOSED),
    ("reopen", S.RECTIFYING),
    ("reopen", S.REPORTED),
    ("start", S.CLOSED),
]


@pytest.mark.parametrize(("step", "status"), ILLEGAL)
def test_illegal_transitions_change_nothing(world: Any, step: str, status: str) -> None:
    h = new_hazard(world)
    Hazard.objects.filter(pk=h.pk).update(
        status=status, responsible_unit=world.a.organisation, deadline=dt.date(2030, 1, 1)
    )
    h.refresh_from_db()
    events = AuditEvent.objects.count()
    actor = office(world)
    calls = {
        "start": lambda: workflow.start_rectification(h, actor=actor),
        "rectified": lambda: workflow.report_rectified(h, actor=actor),
        "verify": lambda: workflow.verify_hazard(h, actor=leader(world), passed=True),
        "assign": lambda: workflow.assign_hazard(
            h, actor=actor, responsible_unit=world.a.organisation
        ),
        "reject": lambda: workflow.reject_hazard(h, actor=actor, reason="x"),
        "reopen": lambda: workflow.reopen_hazard(h, actor=actor, reason="x"),
    }
    with pytest.raises(RecordInvalid) as exc:
        calls[step]()
    assert "status" in exc.value.errors
    h.refresh_from_db()
    assert h.status == status
    assert AuditEvent.objects.count() == events
    assert not HazardTransition.objects.filter(hazard=h).exists()


def test_roles(world: Any) -> None:
    h = new_hazard(world)
    # A team leader may not assign; a patrol member may not either.
    with pytest.raises(PermissionDenied):
        workflow.assign_hazard(h, actor=leader(world), responsible_unit=world.a.organisation)
    with pytest.raises((PermissionDenied, Http404)):
        workflow.assign_hazard(
            h, actor=world.users["patrol_member"], responsible_unit=world.a.organisation
        )
    h = assigned(world, h)
    with pytest.raises((PermissionDenied, Http404)):
        workflow.start_rectification(h, actor=world.users["patrol_member"])
    h.refresh_from_db()
    assert h.status == S.ASSIGNED


def test_responsible_persons_login_may_rectify(world: Any) -> None:
    """The responsible member's own login (a patrol member) may rectify, not others'."""
    from shouwang.forces.models import Member

    member = world.a.member
    user = world.users["patrol_member"]
    Member.objects.filter(pk=member.pk).update(user=user)
    member.refresh_from_db()
    h = new_hazard(world)
    h = workflow.assign_hazard(
        h,
        actor=office(world),
        responsible_unit=world.a.organisation,
        responsible_person=member,
    )
    h = workflow.start_rectification(h, actor=user)
    h = workflow.report_rectified(h, actor=user, note="已整改")
    assert h.status == S.AWAITING_VERIFICATION
    # …but not verify their own work, nor assign.
    with pytest.raises(RecordInvalid) as exc:
        workflow.verify_hazard(h, actor=user, passed=True)
    assert "verified_by" in exc.value.errors
    other = new_hazard(world)
    with pytest.raises(PermissionDenied):
        workflow.assign_hazard(other, actor=user, responsible_unit=world.a.organisation)


def test_out_of_scope_is_404(world: Any) -> None:
    h = new_hazard(world, side="B")
    with pytest.raises(Http404):
        workflow.assign_hazard(h, actor=office(world), responsible_unit=world.b.organisation)


def test_assign_needs_a_unit_without_policy_default(world: Any) -> None:
    h = new_hazard(world)
    with pytest.raises(RecordInvalid) as exc:
        workflow.assign_hazard(h, actor=office(world))
    assert "responsible_unit" in exc.value.errors
    h.refresh_from_db()
    assert h.status == S.REPORTED


def test_deadline_in_working_days_across_national_day(world: Any) -> None:
    """Found Tue 2026-09-29; 3 working days: 30 Sep, (1–7 Oct holiday), 8 Oct, 9 Oct."""
    found = dt.datetime(2026, 9, 29, 10, 0, tzinfo=TZ)
    h = new_hazard(world, found=found)
    HazardCategoryPolicy.objects.create(
        jurisdiction=world.a.township,
        category=h.category,
        default_unit=world.a.organisation,
        time_limit_working_days=3,
    )
    h = workflow.assign_hazard(h, actor=office(world))
    assert h.responsible_unit == world.a.organisation  # the policy's default unit
    assert h.deadline == dt.date(2026, 10, 9)
    # Four working days: Saturday 10 Oct is a make-up workday (调休上班).
    h2 = new_hazard(world, found=found)
    HazardCategoryPolicy.objects.filter(jurisdiction=world.a.township).update(
        time_limit_working_days=4
    )
    assert workflow.assign_hazard(h2, actor=office(world)).deadline == dt.date(2026, 10, 10)


def test_policy_nearest_ancestor_and_public(world: Any) -> None:
    h = new_hazard(world)
    assert h.is_public
    HazardCategoryPolicy.objects.create(
        jurisdiction=world.a.county, category=h.category, public=False
    )
    assert not h.is_public
    HazardCategoryPolicy.objects.create(
        jurisdiction=world.a.township, category=h.category, public=True
    )
    assert h.is_public
    h.about_person = True
    assert not h.is_public


def test_extension_approve_and_reject(world: Any) -> None:
    h = assigned(world)
    assert h.deadline is not None
    later = h.deadline + dt.timedelta(days=10)
    with pytest.raises(RecordInvalid) as exc:
        workflow.request_extension(h, actor=leader(world), reason="", new_deadline=None)
    assert set(exc.value.errors) == {"reason", "new_deadline"}
    with pytest.raises(RecordInvalid) as exc:
        workflow.request_extension(h, actor=leader(world), reason="雨季", new_deadline=h.deadline)
    assert "new_deadline" in exc.value.errors
    ext = workflow.request_extension(
        h, actor=leader(world), reason="雨季施工困难", new_deadline=later
    )
    with pytest.raises(RecordInvalid):
        workflow.request_extension(h, actor=leader(world), reason="再延", new_deadline=later)
    with pytest.raises(PermissionDenied):
        workflow.decide_extension(ext, actor=leader(world), approve=True)
    ext = workflow.decide_extension(ext, actor=office(world), approve=True)
    assert ext.status == ExtensionStatus.APPROVED
    h.refresh_from_db()
    assert h.deadline == later
    with pytest.raises(RecordInvalid):
        workflow.decide_extension(ext, actor=office(world), approve=False, reason="x")
    ext2 = workflow.request_extension(
        h, actor=leader(world), reason="再延一周", new_deadline=later + dt.timedelta(days=7)
    )
    with pytest.raises(RecordInvalid) as exc:
        workflow.decide_extension(ext2, actor=office(world), approve=False)
    assert "decision_reason" in exc.value.errors
    ext2 = workflow.decide_extension(ext2, actor=office(world), approve=False, reason="不同意")
    assert ext2.status == ExtensionStatus.REJECTED
    h.refresh_from_db()
    assert h.deadline == later


def test_overdue_filter_and_property(world: Any) -> None:
    h = assigned(world)
    Hazard.objects.filter(pk=h.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    h.refresh_from_db()
    assert h.is_overdue
    assert Hazard.objects.overdue().filter(pk=h.pk).exists()
    Hazard.objects.filter(pk=h.pk).update(status=S.CLOSED)
    h.refresh_from_db()
    assert not h.is_overdue
    assert not Hazard.objects.overdue().filter(pk=h.pk).exists()


# -- API -----------------------------------------------------------------------------------


def test_api_walkthrough(world: Any, login: Any) -> None:
    h = new_hazard(world)
    staff = login("township_staff")
    lead = login("team_leader")
    r = send(staff, "post", f"{BASE}/{h.pk}/assign", {"responsible_unit": world.a.organisation.pk})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "assigned" and r.json()["deadline"]
    assert send(lead, "post", f"{BASE}/{h.pk}/start", {}).status_code == 200
    r = send(lead, "post", f"{BASE}/{h.pk}/rectified", {"note": "已修复"})
    assert r.json()["status"] == "awaiting_verification"
    r = send(lead, "post", f"{BASE}/{h.pk}/verify", {"passed": True})
    assert r.status_code == 422
    assert "verified_by" in error_fields(r)
    body = r.json()
    assert body["detail"] and body["errors"][0]["label"]
    r = send(staff, "post", f"{BASE}/{h.pk}/verify", {"passed": True})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    r = send(staff, "post", f"{BASE}/{h.pk}/reopen", {"reason": ""})
    assert r.status_code == 422 and "reason" in error_fields(r)
    r = send(staff, "post", f"{BASE}/{h.pk}/reopen", {"reason": "反弹"})
    assert r.json()["reopen_count"] == 1


def test_api_illegal_transition_is_422_on_status(world: Any, login: Any) -> None:
    h = new_hazard(world)
    r = send(login("team_leader"), "post", f"{BASE}/{h.pk}/start", {})
    assert r.status_code == 422
    assert "status" in error_fields(r)


def test_api_forbidden_and_out_of_scope(world: Any, login: Any) -> None:
    h = new_hazard(world)
    r = send(login("team_leader"), "post", f"{BASE}/{h.pk}/reject", {"reason": "x"})
    assert r.status_code == 403
    other = new_hazard(world, side="B")
    r = send(login("township_staff"), "post", f"{BASE}/{other.pk}/reject", {"reason": "x"})
    assert r.status_code == 404
    other.refresh_from_db()
    assert other.status == S.REPORTED


def test_api_extensions(world: Any, login: Any) -> None:
    h = assigned(world)
    assert h.deadline is not None
    later = (h.deadline + dt.timedelta(days=5)).isoformat()
    lead = login("team_leader")
    staff = login("township_staff")
    r = send(lead, "post", f"{BASE}/{h.pk}/extensions", {"reason": ""})
    assert r.status_code == 422 and {"reason", "new_deadline"} <= set(error_fields(r))
    r = send(lead, "post", f"{BASE}/{h.pk}/extensions", {"reason": "雨季", "new_deadline": later})
    assert r.status_code == 200, r.content
    ext_id = r.json()["id"]
    url = f"{BASE}/{h.pk}/extensions/{ext_id}/decision"
    assert send(lead, "post", url, {"approve": True}).status_code == 403
    r = send(staff, "post", url, {"approve": True})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = send(staff, "get", f"{BASE}/{h.pk}")
    assert r.json()["deadline"] == later
    assert (
        send(
            staff, "post", f"{BASE}/{h.pk}/extensions/999999/decision", {"approve": True}
        ).status_code
        == 404
    )


# -- pages ---------------------------------------------------------------------------------


def test_detail_page_buttons_and_post_views(world: Any, login: Any) -> None:
    from django.urls import reverse

    h = new_hazard(world)
    staff = login("township_staff")
    page = staff.get(reverse("record-detail", args=["hazards", h.pk]))
    assert page.status_code == 200
    assert reverse("hazard-transition", args=[h.pk, "assign"]) in page.content.decode()
    r = staff.post(
        reverse("hazard-transition", args=[h.pk, "assign"]),
        {"responsible_unit": world.a.organisation.pk},
    )
    assert r.status_code == 302
    h.refresh_from_db()
    assert h.status == S.ASSIGNED
    # An illegal step from the page changes nothing and says why.
    r = staff.post(
        reverse("hazard-transition", args=[h.pk, "reopen"]), {"reason": "x"}, follow=True
    )
    h.refresh_from_db()
    assert h.status == S.ASSIGNED
    assert list(r.context["messages"])
    page = staff.get(reverse("record-detail", args=["hazards", h.pk]))
    assert reverse("hazard-transition", args=[h.pk, "reject"]) in page.content.decode()
    # Outside the jurisdiction: 404.
    other = new_hazard(world, side="B")
    r = staff.post(reverse("hazard-transition", args=[other.pk, "reject"]), {"reason": "x"})
    assert r.status_code == 404


def test_list_overdue_filter(world: Any, login: Any) -> None:
    h = assigned(world)
    Hazard.objects.filter(pk=h.pk).update(deadline=timezone.localdate() - dt.timedelta(days=3))
    r = send(login("township_staff"), "get", "/api/v1/hazards/?overdue=1")
    assert r.status_code == 200
    assert [row["id"] for row in r.json()["results"]] == [h.pk]
    assert r.json()["results"][0]["is_overdue"] is True
    page = login("township_staff").get("/r/hazards/?overdue=1")
    assert page.status_code == 200


# -- category policies (record type) -------------------------------------------------------


def test_policy_api_bad_input_writes_nothing(world: Any, login: Any) -> None:
    from shouwang.hazards.models import HazardCategoryPolicy as Policy

    staff = login("township_staff")
    url = "/api/v1/hazard-category-policies/"
    base = {
        "jurisdiction": world.a.township.pk,
        "category": world.a.hazard.category_id,
        "time_limit_working_days": 3,
        "warn_days_before": 3,
        "public": True,
    }
    count, events = Policy.objects.count(), AuditEvent.objects.count()
    r = send(staff, "post", url, base)
    assert r.status_code == 422 and "warn_days_before" in error_fields(r)
    r = send(staff, "post", url, {**base, "time_limit_working_days": 0, "warn_days_before": 0})
    assert r.status_code == 422 and "time_limit_working_days" in error_fields(r)
    assert (Policy.objects.count(), AuditEvent.objects.count()) == (count, events)
    r = send(staff, "post", url, {**base, "warn_days_before": 1})
    assert r.status_code == 201, r.content
    r = send(staff, "post", url, {**base, "warn_days_before": 1})
    assert r.status_code == 422
    assert Policy.objects.count() == count + 1
    # Another county's township: refused, not written.
    r = send(
        staff, "post", url, {**base, "warn_days_before": 1, "jurisdiction": world.b.township.pk}
    )
    assert r.status_code == 422
    assert Policy.objects.count() == count + 1


def test_pages_walk_a_hazard_to_closure(world: Any, login: Any) -> None:
    from django.urls import reverse

    h = new_hazard(world)
    staff, lead = login("township_staff"), login("team_leader")
    detail = reverse("record-detail", args=["hazards", h.pk])

    def step(client: Any, name: str, data: dict[str, Any]) -> None:
        r = client.post(reverse("hazard-transition", args=[h.pk, name]), data)
        assert r.status_code == 302
        assert client.get(detail).status_code == 200

    step(staff, "assign", {"responsible_unit": world.a.organisation.pk, "deadline": "2030-01-10"})
    step(lead, "start", {})
    step(lead, "extension", {"new_deadline": "2030-02-10", "reason": "雨季"})
    h.refresh_from_db()
    ext = h.extensions.get()
    page = staff.get(detail).content.decode()
    decision = reverse("hazard-extension-decision", args=[h.pk, ext.pk])
    assert decision in page
    assert staff.post(decision, {"approve": "1"}).status_code == 302
    h.refresh_from_db()
    assert h.deadline == dt.date(2030, 2, 10)
    step(lead, "rectified", {"note": "已修复"})
    page = lead.get(detail).content.decode()
    assert reverse("hazard-transition", args=[h.pk, "verify"]) not in page  # the rectifier
    step(staff, "verify", {"passed": "1"})
    h.refresh_from_db()
    assert h.status == S.CLOSED
    page = staff.get(detail).content.decode()
    assert reverse("hazard-transition", args=[h.pk, "reopen"]) in page
    assert page.count("<li>") >= 4  # the workflow history
