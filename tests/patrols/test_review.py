"""The leader's review of patrol logs: confirm (then read-only), send back with a reason,
append corrections; and the office entering a paper log."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import error_fields, send
from django.core.exceptions import PermissionDenied
from django.http import Http404

from patrols.field_helpers import log_item, log_payload, make_duty, patrol_user, result_for, sync
from patrols.office_helpers import phone_log
from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.notify.models import Notification
from shouwang.patrols import review
from shouwang.patrols.models import LogCorrection, LogStatus, PatrolLog


def events(code: str, log: Any) -> int:
    return AuditEvent.objects.filter(code=code, target_id=str(log.pk)).count()


@pytest.mark.parametrize("role", ["team_leader", "township_staff"])
def test_leader_or_office_confirms_a_submitted_log(world: Any, role: str) -> None:
    log = phone_log(world)
    actor = world.users[role]
    assert review.may_review(actor, log)
    confirmed = review.confirm_log(log, actor=actor)
    assert confirmed.status == LogStatus.CONFIRMED and confirmed.is_confirmed
    assert confirmed.confirmed_by == actor and confirmed.confirmed_at is not None
    assert confirmed.version == log.version + 1
    event = AuditEvent.objects.get(code="patrols.patrollog.confirmed", target_id=str(log.pk))
    assert event.before["status"] == "submitted" and event.after["status"] == "confirmed"


def test_members_and_readers_cannot_review(world: Any) -> None:
    log = phone_log(world)
    for role in ("patrol_member", "grid_worker"):
        assert not review.may_review(world.users[role], log)
        with pytest.raises(PermissionDenied):
            review.confirm_log(log, actor=world.users[role])
    for role in ("auditor", "county_supervisor"):  # may see the log, may not change it
        with pytest.raises(Http404):
            review.confirm_log(log, actor=world.users[role])
    log.refresh_from_db()
    assert log.status == LogStatus.SUBMITTED
    assert events("patrols.patrollog.confirmed", log) == 0


def test_another_county_log_is_not_found(world: Any) -> None:
    log_b = phone_log(world, side="B")
    for role in ("team_leader", "township_staff"):
        with pytest.raises(Http404):
            review.confirm_log(log_b, actor=world.users[role])
        with pytest.raises(Http404):
            review.return_log(log_b, actor=world.users[role], reason="重写")
    assert PatrolLog.objects.get(pk=log_b.pk).status == LogStatus.SUBMITTED


def test_only_a_submitted_log_is_confirmed(world: Any) -> None:
    leader = world.users["team_leader"]
    open_log = phone_log(world, submit=False)
    with pytest.raises(RecordInvalid) as exc:
        review.confirm_log(open_log, actor=leader)
    assert "status" in exc.value.errors
    log = phone_log(world)
    review.confirm_log(log, actor=leader)
    with pytest.raises(RecordInvalid) as exc:
        review.confirm_log(log, actor=leader)
    assert "status" in exc.value.errors
    assert events("patrols.patrollog.confirmed", log) == 1


def test_a_confirmed_log_is_read_only_for_the_phone(world: Any, login: Any) -> None:
    duty = make_duty(world)
    client = login(patrol_user(world))
    item = log_item(log_payload(duty=duty, submit=True))
    assert result_for(sync(client, [item]).json(), item["uuid"])["status"] == "saved"
    log = PatrolLog.objects.get(uuid=item["uuid"])
    log = review.confirm_log(log, actor=world.users["team_leader"])
    changed = log_item(
        log_payload(duty=duty, submit=True, notes="事后补写"),
        uuid=item["uuid"],
        base_version=log.version,
    )
    answer = result_for(sync(client, [changed]).json(), item["uuid"])
    assert answer["status"] == "rejected"
    assert PatrolLog.objects.get(pk=log.pk).notes == ""


def test_return_sends_the_log_back_and_tells_the_author(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    log = phone_log(world)
    author = log.author
    leader = world.users["team_leader"]
    with pytest.raises(RecordInvalid) as exc:
        review.return_log(log, actor=leader, reason="  ")
    assert list(exc.value.errors) == ["reason"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        returned = review.return_log(log, actor=leader, reason="缺少到岗人员，请补全")
    assert len(callbacks) == 1
    assert returned.status == LogStatus.OPEN and returned.version == log.version + 1
    event = AuditEvent.objects.get(code="patrols.patrollog.returned", target_id=str(log.pk))
    assert event.reason == "缺少到岗人员，请补全"
    note = Notification.objects.get(recipient=author, kind="patrols.log_returned")
    assert note.body == "缺少到岗人员，请补全"
    assert note.link == f"/patrols/logs/{log.pk}/"
    # An open log cannot be sent back again, nor a confirmed one.
    with pytest.raises(RecordInvalid):
        review.return_log(returned, actor=leader, reason="再次")


def test_corrections_are_appended_to_confirmed_logs_only(world: Any) -> None:
    leader = world.users["team_leader"]
    log = phone_log(world)
    with pytest.raises(RecordInvalid) as exc:
        review.add_correction(log, actor=leader, text="时间写错")
    assert "status" in exc.value.errors
    confirmed = review.confirm_log(log, actor=leader)
    with pytest.raises(RecordInvalid) as exc:
        review.add_correction(confirmed, actor=leader, text=" ")
    assert list(exc.value.errors) == ["text"]
    with pytest.raises(PermissionDenied):
        review.add_correction(confirmed, actor=world.users["patrol_member"], text="我来改")
    first = review.add_correction(confirmed, actor=leader, text="结束时间应为 22:10")
    second = review.add_correction(
        confirmed, actor=world.users["township_staff"], text="补：到岗 3 人"
    )
    assert [c.pk for c in LogCorrection.objects.filter(log=log)] == [first.pk, second.pk]
    event = AuditEvent.objects.get(code="patrols.logcorrection.added", target_id=str(first.pk))
    assert event.parent_id == str(log.pk) and event.after["text"] == "结束时间应为 22:10"
    after = PatrolLog.objects.get(pk=log.pk)
    assert after.status == LogStatus.CONFIRMED and after.version == confirmed.version


def test_office_enters_a_paper_log(world: Any) -> None:
    from patrols.field_helpers import team_member

    office = world.users["township_staff"]
    extra = team_member(world, 1)
    duty = make_duty(world, members=[world.a.member, extra])
    data = log_payload(duty=duty)
    data["attendance"] = [
        {"member": world.a.member.pk, "status": "late", "substitute_for": None, "note": "晚到"}
    ]
    log = review.record_log_from_office(actor=office, data=data)
    assert log.status == LogStatus.SUBMITTED and log.author == office
    rows = {a.member_id: a for a in log.attendance.all()}
    assert rows[world.a.member.pk].status == "late" and rows[world.a.member.pk].rostered
    assert rows[extra.pk].status == "absent" and rows[extra.pk].rostered
    review.confirm_log(log, actor=world.users["team_leader"])


def test_paper_log_with_bad_input_names_the_field(world: Any) -> None:
    office = world.users["township_staff"]
    before = PatrolLog.objects.count()
    data = log_payload(team=world.a.team)
    data["started_at"] = "昨天晚上"
    with pytest.raises(RecordInvalid) as exc:
        review.record_log_from_office(actor=office, data=data)
    assert "started_at" in exc.value.errors
    data = log_payload(team=world.b.team)
    with pytest.raises(RecordInvalid):
        review.record_log_from_office(actor=office, data=data)
    assert PatrolLog.objects.count() == before


# -- the same through pages and the API ----------------------------------------------------------


def test_review_pages(world: Any, login: Any) -> None:
    leader = login("team_leader")
    member = login(patrol_user(world))
    log = phone_log(world)
    page = leader.get(f"/patrols/logs/{log.pk}/")
    assert "/confirm/" in page.content.decode()
    assert "/confirm/" not in member.get(f"/patrols/logs/{log.pk}/").content.decode()
    assert member.post(f"/patrols/logs/{log.pk}/confirm/").status_code == 403
    response = leader.post(f"/patrols/logs/{log.pk}/return/", {"reason": ""})
    assert response.status_code == 302
    assert PatrolLog.objects.get(pk=log.pk).status == LogStatus.SUBMITTED
    response = leader.post(f"/patrols/logs/{log.pk}/confirm/")
    assert response.status_code == 302 and response.url == f"/patrols/logs/{log.pk}/"
    assert PatrolLog.objects.get(pk=log.pk).status == LogStatus.CONFIRMED
    response = leader.post(f"/patrols/logs/{log.pk}/correct/", {"text": "地点应为桥头"})
    assert response.status_code == 302
    page = leader.get(f"/patrols/logs/{log.pk}/").content.decode()
    assert "地点应为桥头" in page and "/confirm/" not in page
    assert leader.get(f"/patrols/logs/{log.pk}/confirm/").status_code == 405


def test_review_api(world: Any, login: Any) -> None:
    leader = login("team_leader")
    log = phone_log(world)
    other = phone_log(world)
    url = f"/api/v1/patrols/logs/{log.pk}"
    response = send(leader, "post", f"{url}/return", {"reason": ""})
    assert response.status_code == 422 and "reason" in error_fields(response)
    response = send(leader, "post", f"{url}/corrections", {"text": "补充"})
    assert response.status_code == 422 and "status" in error_fields(response)
    response = send(leader, "post", f"{url}/confirm")
    assert response.status_code == 200 and response.json()["status"] == "confirmed"
    response = send(leader, "post", f"{url}/corrections", {"text": "补充说明"})
    assert response.status_code == 201 and response.json()["text"] == "补充说明"
    listed = send(leader, "get", f"{url}/corrections").json()
    assert [c["text"] for c in listed] == ["补充说明"]
    response = send(leader, "post", f"/api/v1/patrols/logs/{other.pk}/return", {"reason": "重写"})
    assert response.status_code == 200 and response.json()["status"] == "open"
    member = login(patrol_user(world))
    third = phone_log(world)
    response = send(member, "post", f"/api/v1/patrols/logs/{third.pk}/confirm")
    assert response.status_code == 403
    log_b = phone_log(world, side="B")
    response = send(leader, "post", f"/api/v1/patrols/logs/{log_b.pk}/confirm")
    assert response.status_code == 404


def test_paper_log_api(world: Any, login: Any) -> None:
    office = login("township_staff")
    data = log_payload(team=world.a.team, findings=[{"kind": "help_given", "text": "帮老人搬东西"}])
    response = send(office, "post", "/api/v1/patrols/logs", data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["unplanned"] is True
    assert body["findings"] == [{"kind": "help_given", "text": "帮老人搬东西"}]
    data["method"] = "bicycle"
    response = send(office, "post", "/api/v1/patrols/logs", data)
    assert response.status_code == 422 and "method" in error_fields(response)


def test_paper_log_page(world: Any, login: Any) -> None:
    from patrols.field_helpers import make_checklist, team_member

    checklist = make_checklist(world)
    extra = team_member(world, 2)
    duty = make_duty(world, members=[world.a.member, extra])
    office = login("township_staff")
    assert "/patrols/logs/new/" in office.get("/patrols/logs/").content.decode()
    chooser = office.get("/patrols/logs/new/")
    assert (
        chooser.status_code == 200 and f'value="{world.b.team.pk}"' not in chooser.content.decode()
    )
    page = office.get("/patrols/logs/new/", {"team": world.a.team.pk})
    body = page.content.decode()
    assert f'value="{duty.pk}"' in body and f"att-{extra.pk}" in body and "po-02" in body
    form = {
        "team": world.a.team.pk,
        "duty": duty.pk,
        "post": duty.post_id,
        "place": "村委会门口",
        "method": "foot",
        "started_at": "",  # forgotten: refused, naming the field
        f"att-{world.a.member.pk}": "present",
        f"cl-{checklist.pk}-po-02": "fail",
        f"cl-{checklist.pk}-po-02-note": "两户未登记",
        "finding-kind-0": "hazard",
        "finding-text-0": "护栏缺失",
        "publicity": "发放传单",
    }
    before = PatrolLog.objects.count()
    refused = office.post("/patrols/logs/new/", form)
    assert refused.status_code == 200
    assert "started_at" in refused.context["errors"]
    assert "两户未登记" in refused.content.decode()  # what was typed is kept
    assert PatrolLog.objects.count() == before
    form["started_at"] = "2026-11-05T09:00"
    response = office.post("/patrols/logs/new/", form)
    assert response.status_code == 302
    log = PatrolLog.objects.get(pk=int(response.url.strip("/").split("/")[-1]))
    assert log.status == LogStatus.SUBMITTED and log.duty == duty
    assert {a.member_id: a.status for a in log.attendance.all()} == {
        world.a.member.pk: "present",
        extra.pk: "absent",
    }
    assert [(r.item_code, r.result, r.note) for r in log.checklist_results.all()] == [
        ("po-02", "fail", "两户未登记")
    ]
    assert log.findings == [{"kind": "hazard", "text": "护栏缺失"}]
    assert log.started_at.isoformat() == "2026-11-05T01:00:00+00:00"
    # The same duty again: refused on the duty, with a box to enter a second log on purpose.
    again = office.post("/patrols/logs/new/", form)
    assert again.status_code == 200 and "duty" in again.context["errors"]
    assert 'name="second_log"' in again.content.decode()
    response = office.post("/patrols/logs/new/", {**form, "second_log": "on"})
    assert response.status_code == 302
    assert PatrolLog.objects.filter(duty=duty).count() == 2
    # Patrol members hand logs in from the phone; the paper page is for leaders and the office.
    assert login(patrol_user(world)).get("/patrols/logs/new/").status_code == 403
