"""Leave and unavailable dates (请假/不可排班): entered by the office, or asked for by the
member with their own login and decided by the team leader; validated, scoped and audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import PASSWORD, api_url, error_fields, send
from django.core.exceptions import PermissionDenied

from shouwang.core import services as core
from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.forces import services as forces
from shouwang.forces.models import AbsenceStatus, MemberAbsence
from shouwang.notify.models import Notification
from shouwang.rostering import policy


def leave(member: Any, start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {
        "member": member.pk,
        "kind": "leave",
        "start_date": start,
        "end_date": end,
        "reason": "探亲",
        **extra,
    }


def test_office_enters_leave_approved_through_the_api(world: Any, login: Any) -> None:
    client = login("township_staff")
    response = send(
        client, "post", api_url("absences"), leave(world.a.member, "2026-11-10", "2026-11-12")
    )
    assert response.status_code == 201, response.content
    absence = MemberAbsence.objects.get(pk=response.json()["id"])
    assert absence.status == AbsenceStatus.APPROVED
    assert absence.days() == 3
    event = AuditEvent.objects.filter(code="forces.memberabsence.created").latest("pk")
    assert event.target_id == str(absence.pk)


def test_last_day_before_first_is_refused_and_nothing_written(world: Any, login: Any) -> None:
    client = login("township_staff")
    before = MemberAbsence.objects.count()
    response = send(
        client, "post", api_url("absences"), leave(world.a.member, "2026-11-12", "2026-11-10")
    )
    assert response.status_code == 422
    assert list(error_fields(response)) == ["end_date"]
    assert MemberAbsence.objects.count() == before


def test_overlap_is_refused_until_the_first_absence_is_rejected(world: Any, login: Any) -> None:
    member = world.a.member
    first = forces.create_absence(actor=world.admin, data=leave(member, "2026-11-10", "2026-11-12"))
    client = login("township_staff")
    response = send(client, "post", api_url("absences"), leave(member, "2026-11-12", "2026-11-14"))
    assert response.status_code == 422
    assert "2026-11-10" in error_fields(response)["start_date"][0]
    # A day apart is fine.
    ok = send(client, "post", api_url("absences"), leave(member, "2026-11-13", "2026-11-14"))
    assert ok.status_code == 201, ok.content
    # Another member on the same days is fine too.
    other = forces.create_member(
        actor=world.admin,
        data={
            "name": "另一队员",
            "jurisdiction": world.a.village.pk,
            "teams": [world.a.team.pk],
            "employment_type": "volunteer",
            "status": "active",
        },
    )
    forces.create_absence(actor=world.admin, data=leave(other, "2026-11-10", "2026-11-12"))
    # A rejected absence no longer blocks its days.
    forces.decide_absence(first, actor=world.admin, approve=False, reason="人手不足")
    again = send(client, "post", api_url("absences"), leave(member, "2026-11-11", "2026-11-12"))
    assert again.status_code == 201, again.content


def _member_login(world: Any) -> Any:
    user = core.create_user(actor=world.admin, username="member_self", password=PASSWORD)
    forces.link_member_login(world.a.member, actor=world.admin, user=user)
    return user


def test_member_asks_for_leave_and_the_leader_decides(world: Any) -> None:
    user = _member_login(world)
    asked = forces.request_absence(
        actor=user,
        data={"kind": "sick", "start_date": "2026-12-01", "end_date": "2026-12-02", "reason": ""},
    )
    assert asked.member == world.a.member
    assert asked.status == AbsenceStatus.REQUESTED
    event = AuditEvent.objects.filter(code="forces.memberabsence.requested").latest("pk")
    assert event.target_id == str(asked.pk) and event.actor == user
    # Not yet approved: the planner does not see it.
    assert policy.absences_of(world.a.team, dt.date(2026, 12, 1)) == []

    office = world.users["township_staff"]
    with pytest.raises(RecordInvalid) as refused:
        forces.decide_absence(asked, actor=office, approve=False)
    assert list(refused.value.errors) == ["reason"]
    decided = forces.decide_absence(asked, actor=office, approve=True)
    assert decided.status == AbsenceStatus.APPROVED
    event = AuditEvent.objects.filter(code="forces.memberabsence.decided").latest("pk")
    assert event.before["status"] == "requested" and event.after["status"] == "approved"
    assert policy.absences_of(world.a.team, dt.date(2026, 12, 1)) == [
        (world.a.member.pk, dt.date(2026, 12, 1), dt.date(2026, 12, 2))
    ]
    # The member is told once, in their own inbox.
    told = Notification.objects.filter(recipient=user, kind="forces.absence.decided")
    assert told.count() == 1 and "2026-12-01" in told.get().title
    # Deciding the same way again is refused; the edit form cannot move the status.
    with pytest.raises(RecordInvalid) as again:
        forces.decide_absence(decided, actor=office, approve=True)
    assert list(again.value.errors) == ["status"]
    forces.update_absence(
        decided,
        actor=office,
        data={**leave(world.a.member, "2026-12-01", "2026-12-02"), "status": "rejected"},
    )
    decided.refresh_from_db()
    assert decided.status == AbsenceStatus.APPROVED


def test_member_request_is_validated_like_any_absence(world: Any) -> None:
    user = _member_login(world)
    forces.create_absence(actor=world.admin, data=leave(world.a.member, "2026-12-05", "2026-12-06"))
    before = MemberAbsence.objects.count()
    with pytest.raises(RecordInvalid) as overlap:
        forces.request_absence(
            actor=user, data={"kind": "leave", "start_date": "2026-12-06", "end_date": "2026-12-07"}
        )
    assert list(overlap.value.errors) == ["start_date"]
    with pytest.raises(RecordInvalid) as backwards:
        forces.request_absence(
            actor=user, data={"kind": "leave", "start_date": "2026-12-09", "end_date": "2026-12-08"}
        )
    assert list(backwards.value.errors) == ["end_date"]
    assert MemberAbsence.objects.count() == before


def test_a_login_without_a_member_may_not_ask_for_leave(world: Any) -> None:
    before = MemberAbsence.objects.count()
    with pytest.raises(PermissionDenied):
        forces.request_absence(
            actor=world.a.spare_user,
            data={"kind": "leave", "start_date": "2026-12-01", "end_date": "2026-12-01"},
        )
    assert MemberAbsence.objects.count() == before


def test_deciding_outside_scope_is_not_found(world: Any) -> None:
    from django.http import Http404

    with pytest.raises(Http404):
        forces.decide_absence(
            world.b.memberabsence, actor=world.users["township_staff"], approve=False, reason="x"
        )
    world.b.memberabsence.refresh_from_db()
    assert world.b.memberabsence.status == AbsenceStatus.APPROVED


def test_the_planner_sees_approved_absences_of_the_month_only(world: Any) -> None:
    member = world.a.member
    forces.create_absence(actor=world.admin, data=leave(member, "2026-10-30", "2026-11-02"))
    forces.create_absence(
        actor=world.admin, data=leave(member, "2026-11-20", "2026-11-21", status="rejected")
    )
    forces.create_absence(actor=world.admin, data=leave(member, "2026-12-20", "2026-12-21"))
    assert policy.absences_of(world.a.team, dt.date(2026, 11, 1)) == [
        (member.pk, dt.date(2026, 10, 30), dt.date(2026, 11, 2))
    ]
