"""The phone sync (docs/field-sync.md): idempotency, conflicts, retries, scope, attendance,
check-in geofence and speed flags, photos and the day's cache (GET /today)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from patrols.field_helpers import (
    TODAY_URL,
    checkin_item,
    image_bytes,
    log_item,
    log_payload,
    make_checklist,
    make_duty,
    new_uuid,
    patrol_user,
    result_for,
    statuses,
    sync,
    team_member,
    track_item,
    upload_photo,
    use_tmp_media,
)
from shouwang.core.models import AuditEvent
from shouwang.patrols.models import (
    CheckIn,
    ChecklistResult,
    FieldPhoto,
    LogAttendance,
    LogStatus,
    PatrolLog,
    TrackBatch,
)


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    return use_tmp_media(settings, tmp_path)


@pytest.fixture
def member_client(world: Any, login: Any) -> Any:
    return login(patrol_user(world))


def _saved_log(client: Any, duty: Any, **overrides: Any) -> tuple[str, dict[str, Any]]:
    item = log_item(log_payload(duty=duty, **overrides))
    body = sync(client, [item]).json()
    assert result_for(body, item["uuid"])["status"] == "saved", body
    return item["uuid"], item


# ---- idempotency ------------------------------------------------------------------------------


def test_same_batch_three_times_yields_one_record_each(
    world: Any, member_client: Any, media: Any
) -> None:
    duty = make_duty(world)
    log = log_item(log_payload(duty=duty))
    kp = world.a.keyplace
    check = checkin_item(log["uuid"], latitude=kp.latitude, longitude=kp.longitude)
    track = track_item(log["uuid"], [[timezone.now().isoformat(), kp.latitude, kp.longitude, 8]])
    items = [log, check, track]
    answers = [sync(member_client, items) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert statuses(answers[0].json()) == ["saved", "saved", "saved"]
    assert statuses(answers[1].json()) == ["unchanged", "unchanged", "unchanged"]
    assert statuses(answers[2].json()) == ["unchanged", "unchanged", "unchanged"]
    assert PatrolLog.objects.filter(uuid=log["uuid"]).count() == 1
    assert CheckIn.objects.filter(uuid=check["uuid"]).count() == 1
    assert TrackBatch.objects.filter(uuid=track["uuid"]).count() == 1
    saved = PatrolLog.objects.get(uuid=log["uuid"])
    assert saved.version == 1
    assert saved.author == world.users["patrol_member"]
    assert result_for(answers[2].json(), log["uuid"])["version"] == 1
    # One audit event per record, none for the repeats.
    assert (
        AuditEvent.objects.filter(code="patrols.patrollog.saved", target_id=str(saved.pk)).count()
        == 1
    )
    check_pk = str(CheckIn.objects.get(uuid=check["uuid"]).pk)
    track_pk = str(TrackBatch.objects.get(uuid=track["uuid"]).pk)
    assert (
        AuditEvent.objects.filter(code="patrols.checkin.recorded", target_id=check_pk).count() == 1
    )
    assert (
        AuditEvent.objects.filter(code="patrols.trackbatch.saved", target_id=track_pk).count() == 1
    )


def test_phone_time_kept_and_server_receive_time_beside_it(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    log_uuid, _ = _saved_log(member_client, duty)
    wrong_clock = timezone.now() - dt.timedelta(days=400)
    item = checkin_item(log_uuid, latitude=29.882, longitude=107.732, phone_time=wrong_clock)
    assert statuses(sync(member_client, [item]).json()) == ["saved"]
    check = CheckIn.objects.get(uuid=item["uuid"])
    assert abs((check.phone_time - wrong_clock).total_seconds()) < 1
    assert abs((check.received_at - timezone.now()).total_seconds()) < 60


# ---- conflicts --------------------------------------------------------------------------------


def test_update_with_current_version_saves_and_bumps_version(
    world: Any, member_client: Any
) -> None:
    duty = make_duty(world)
    log_uuid, item = _saved_log(member_client, duty)
    item["data"]["notes"] = "路灯坏了两盏"
    item["base_version"] = 1
    body = sync(member_client, [item]).json()
    assert result_for(body, log_uuid) == {
        "uuid": log_uuid,
        "kind": "patrol_log",
        "status": "saved",
        "version": 2,
    }
    assert PatrolLog.objects.get(uuid=log_uuid).notes == "路灯坏了两盏"


def test_stale_base_version_is_a_conflict_with_the_server_copy(
    world: Any, member_client: Any, login: Any
) -> None:
    duty = make_duty(world)
    log_uuid, item = _saved_log(member_client, duty)
    # The office edits the log (through the same service) → version 2.
    office = login("township_staff")
    office_item = {**item, "base_version": 1, "data": {**item["data"], "notes": "办公室补充"}}
    assert result_for(sync(office, [office_item]).json(), log_uuid)["version"] == 2
    # The phone still edits version 1.
    mine = {**item, "base_version": 1, "data": {**item["data"], "notes": "队员的版本"}}
    result = result_for(sync(member_client, [mine]).json(), log_uuid)
    assert result["status"] == "conflict"
    assert result["version"] == 2
    assert result["server"]["notes"] == "办公室补充"
    assert result["server"]["version"] == 2
    assert PatrolLog.objects.get(uuid=log_uuid).notes == "办公室补充"  # nothing overwritten
    # "Keep mine": resend with the server's version.
    mine["base_version"] = 2
    result = result_for(sync(member_client, [mine]).json(), log_uuid)
    assert (result["status"], result["version"]) == ("saved", 3)
    assert PatrolLog.objects.get(uuid=log_uuid).notes == "队员的版本"


def test_server_newer_but_same_content_is_unchanged(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    log_uuid, item = _saved_log(member_client, duty)
    item["data"]["notes"] = "第二版"
    item["base_version"] = 1
    sync(member_client, [item])
    # The phone did not hear the answer and resends the same content with base_version 1.
    result = result_for(sync(member_client, [item]).json(), log_uuid)
    assert (result["status"], result["version"]) == ("unchanged", 2)


def test_lost_first_answer_then_edit_is_saved_not_conflict(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    log_uuid, item = _saved_log(member_client, duty)
    # The phone never got the "saved" and edits on: still base_version null.
    item["data"]["notes"] = "补记"
    result = result_for(sync(member_client, [item]).json(), log_uuid)
    assert (result["status"], result["version"]) == ("saved", 2)


def test_conflict_the_other_way_office_copy_is_older(
    world: Any, member_client: Any, login: Any
) -> None:
    duty = make_duty(world)
    log_uuid, item = _saved_log(member_client, duty)
    item["base_version"] = 1
    item["data"]["notes"] = "队员第二版"
    sync(member_client, [item])
    office = login("township_staff")
    stale = {**item, "base_version": 1, "data": {**item["data"], "notes": "办公室旧稿"}}
    result = result_for(sync(office, [stale]).json(), log_uuid)
    assert result["status"] == "conflict"
    assert result["server"]["notes"] == "队员第二版"


# ---- retry ordering ---------------------------------------------------------------------------


def test_check_in_before_its_log_is_retry_then_saved(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    log = log_item(log_payload(duty=duty))
    check = checkin_item(log["uuid"], latitude=29.882, longitude=107.732)
    track = track_item(log["uuid"], [[timezone.now().isoformat(), 29.882, 107.732, 5]])
    body = sync(member_client, [check, track]).json()
    assert statuses(body) == ["retry", "retry"]
    assert result_for(body, check["uuid"])["message"]
    assert not CheckIn.objects.filter(uuid=check["uuid"]).exists()
    # The log arrives; the queued items follow (also in one batch, log first).
    body = sync(member_client, [log, check, track]).json()
    assert statuses(body) == ["saved", "saved", "saved"]


# ---- confirmed logs ---------------------------------------------------------------------------


def test_confirmed_log_refuses_changes_but_answers_repeats(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    log_uuid, item = _saved_log(member_client, duty)
    PatrolLog.objects.filter(uuid=log_uuid).update(status=LogStatus.CONFIRMED)  # test setup
    # The very same content again: unchanged (the phone may drop it).
    assert result_for(sync(member_client, [item]).json(), log_uuid)["status"] == "unchanged"
    changed = {**item, "base_version": 1, "data": {**item["data"], "notes": "改动"}}
    result = result_for(sync(member_client, [changed]).json(), log_uuid)
    assert result["status"] == "rejected"
    assert [e["field"] for e in result["errors"]] == ["status"]
    assert result["errors"][0]["label"]
    assert PatrolLog.objects.get(uuid=log_uuid).notes == ""
    # A new check-in on a confirmed log is refused as well.
    check = checkin_item(log_uuid, latitude=29.882, longitude=107.732)
    result = result_for(sync(member_client, [check]).json(), check["uuid"])
    assert result["status"] == "rejected"
    assert result["errors"][0]["field"] == "log"


def test_submit_hands_the_log_in(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    log_uuid, item = _saved_log(member_client, duty)
    item.update(base_version=1)
    item["data"].update(submit=True, ended_at=(duty.start + dt.timedelta(hours=1)).isoformat())
    assert result_for(sync(member_client, [item]).json(), log_uuid)["status"] == "saved"
    assert PatrolLog.objects.get(uuid=log_uuid).status == LogStatus.SUBMITTED


# ---- scope ------------------------------------------------------------------------------------


def test_duty_of_another_team_is_refused(world: Any, member_client: Any) -> None:
    duty_b = make_duty(world, side="B")
    item = log_item(log_payload(duty=duty_b))
    result = result_for(sync(member_client, [item]).json(), item["uuid"])
    assert result["status"] == "rejected"
    fields = {e["field"] for e in result["errors"]}
    assert "duty" in fields
    duty_error = next(e for e in result["errors"] if e["field"] == "duty")
    assert duty_error["label"] and duty_error["message"]
    assert not PatrolLog.objects.filter(uuid=item["uuid"]).exists()
    assert not AuditEvent.objects.filter(code="patrols.patrollog.saved").exists()


def test_unplanned_patrol_of_another_team_is_refused(world: Any, member_client: Any) -> None:
    item = log_item(log_payload(team=world.b.team))
    result = result_for(sync(member_client, [item]).json(), item["uuid"])
    assert result["status"] == "rejected"
    assert [e["field"] for e in result["errors"]] == ["team"]


def test_unplanned_patrol_of_own_team_is_saved(world: Any, member_client: Any) -> None:
    patrol_user(world)
    item = log_item(
        log_payload(
            team=world.a.team, attendance=[{"member": world.a.member.pk, "status": "present"}]
        )
    )
    result = result_for(sync(member_client, [item]).json(), item["uuid"])
    assert result["status"] == "saved", result
    log = PatrolLog.objects.get(uuid=item["uuid"])
    assert log.duty is None and log.team == world.a.team
    assert log.jurisdiction == world.a.team.jurisdiction
    assert list(log.attendance.values_list("rostered", flat=True)) == [False]


def test_out_of_scope_checkpoint_is_refused(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    log_uuid, _ = _saved_log(member_client, duty)
    other = world.b.keyplace
    scan = checkin_item(log_uuid, kind="checkpoint", checkpoint=other.checkpoint_payload())
    result = result_for(sync(member_client, [scan]).json(), scan["uuid"])
    assert result["status"] == "rejected"
    assert [e["field"] for e in result["errors"]] == ["checkpoint"]
    # A forged token for an own checkpoint is refused alike.
    own = world.a.keyplace
    forged = checkin_item(
        log_uuid, kind="checkpoint", checkpoint=f"shouwang:checkpoint:{own.pk}:{'0' * 32}"
    )
    result = result_for(sync(member_client, [forged]).json(), forged["uuid"])
    assert [e["field"] for e in result["errors"]] == ["checkpoint"]
    assert not CheckIn.objects.filter(log__uuid=log_uuid).exists()


def test_users_without_field_rights_are_refused(world: Any, login: Any) -> None:
    duty = make_duty(world)
    auditor = login("auditor")
    item = log_item(log_payload(duty=duty))
    result = result_for(sync(auditor, [item]).json(), item["uuid"])
    assert result["status"] == "rejected"
    assert not PatrolLog.objects.filter(uuid=item["uuid"]).exists()


def test_another_teams_log_cannot_be_overwritten_by_uuid(world: Any, login: Any) -> None:
    duty_b = make_duty(world, side="B")
    client_b = login(patrol_user(world, "B"))
    log_uuid, item = _saved_log(client_b, duty_b)
    client_a = login(patrol_user(world))
    item["data"]["notes"] = "改别人的日志"
    item["base_version"] = 1
    result = result_for(sync(client_a, [item]).json(), log_uuid)
    assert result["status"] == "rejected"
    assert [e["field"] for e in result["errors"]] == ["__all__"]
    assert PatrolLog.objects.get(uuid=log_uuid).notes == ""
    # Nor can a check-in uuid of team B be probed from team A.
    check = checkin_item(log_uuid, latitude=30.332, longitude=107.352)
    assert statuses(sync(client_b, [check]).json()) == ["saved"]
    result = result_for(sync(client_a, [check]).json(), check["uuid"])
    assert result["status"] == "rejected"


def test_office_writes_a_log_for_a_duty(world: Any, login: Any) -> None:
    duty = make_duty(world)
    office = login("township_staff")
    log_uuid, _ = _saved_log(office, duty)
    log = PatrolLog.objects.get(uuid=log_uuid)
    assert log.author == world.users["township_staff"]
    assert log.jurisdiction == world.a.post.jurisdiction


def test_a_database_failure_on_one_item_is_retry_and_the_rest_go_on(
    world: Any, member_client: Any, monkeypatch: Any
) -> None:
    from django.db import OperationalError

    from shouwang.patrols import services

    duty = make_duty(world)
    log = log_item(log_payload(duty=duty))
    check = checkin_item(log["uuid"], latitude=29.882, longitude=107.732)
    real = services.record_check_in

    def locked(**kwargs: Any) -> Any:
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "record_check_in", locked)
    body = sync(member_client, [check, log]).json()
    assert statuses(body) == ["retry", "saved"]
    assert result_for(body, check["uuid"])["message"]
    monkeypatch.setattr(services, "record_check_in", real)
    assert statuses(sync(member_client, [check, log]).json()) == ["saved", "unchanged"]


def test_anonymous_is_refused(world: Any) -> None:
    from django.test import Client

    assert sync(Client(), []).status_code == 401


# ---- attendance -------------------------------------------------------------------------------


def test_attendance_derived_from_the_roster(world: Any, member_client: Any) -> None:
    second = team_member(world, 1, "甲巡防员一")
    third = team_member(world, 2, "甲巡防员二")
    extra = team_member(world, 3, "甲巡防员三")
    duty = make_duty(world, members=[world.a.member, second, third])
    attendance = [
        {"member": world.a.member.pk, "status": "present"},
        {"member": second.pk, "status": "late", "note": "晚到十分钟"},
        # third is not listed → absent; extra stands in for third.
        {"member": extra.pk, "status": "substitute", "substitute_for": third.pk},
    ]
    item = log_item(log_payload(duty=duty, attendance=attendance))
    assert statuses(sync(member_client, [item]).json()) == ["saved"]
    rows = {
        a.member_id: (a.status, a.rostered, a.substitute_for_id)
        for a in LogAttendance.objects.filter(log__uuid=item["uuid"])
    }
    assert rows == {
        world.a.member.pk: ("present", True, None),
        second.pk: ("late", True, None),
        third.pk: ("absent", True, None),
        extra.pk: ("substitute", False, third.pk),
    }
    # Whole-log replacement: the next version lists only the leader; rows follow.
    item["base_version"] = 1
    item["data"]["attendance"] = [{"member": world.a.member.pk, "status": "present"}]
    assert statuses(sync(member_client, [item]).json()) == ["saved"]
    rows2 = dict(
        LogAttendance.objects.filter(log__uuid=item["uuid"]).values_list("member_id", "status")
    )
    assert rows2 == {world.a.member.pk: "present", second.pk: "absent", third.pk: "absent"}


def test_substitute_must_stand_in_for_a_rostered_member(world: Any, member_client: Any) -> None:
    extra = team_member(world, 4)
    other = team_member(world, 5)
    duty = make_duty(world)
    attendance = [{"member": extra.pk, "status": "substitute", "substitute_for": other.pk}]
    item = log_item(log_payload(duty=duty, attendance=attendance))
    result = result_for(sync(member_client, [item]).json(), item["uuid"])
    assert result["status"] == "rejected"
    assert [e["field"] for e in result["errors"]] == ["attendance"]
    assert "1" in result["errors"][0]["message"]  # names the row: 第1行 / Row 1
    # Only a substitute stands in for someone.
    present = [{"member": extra.pk, "status": "present", "substitute_for": world.a.member.pk}]
    item = log_item(log_payload(duty=duty, attendance=present))
    result = result_for(sync(member_client, [item]).json(), item["uuid"])
    assert [e["field"] for e in result["errors"]] == ["attendance"]
    # A substitute who has not yet said whom they replace is accepted (not rostered).
    unnamed = [{"member": extra.pk, "status": "substitute", "substitute_for": None}]
    item = log_item(log_payload(duty=duty, attendance=unnamed))
    assert statuses(sync(member_client, [item]).json()) == ["saved"]
    rows = dict(
        LogAttendance.objects.filter(log__uuid=item["uuid"]).values_list("member_id", "rostered")
    )
    assert rows == {extra.pk: False, world.a.member.pk: True}


def test_member_of_another_team_cannot_be_listed(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    attendance = [{"member": world.b.member.pk, "status": "present"}]
    item = log_item(log_payload(duty=duty, attendance=attendance))
    result = result_for(sync(member_client, [item]).json(), item["uuid"])
    assert [e["field"] for e in result["errors"]] == ["attendance"]


# ---- checklists -------------------------------------------------------------------------------


def test_checklist_results_snapshot_item_text_and_refuse_unknown_codes(
    world: Any, member_client: Any
) -> None:
    checklist = make_checklist(world)
    duty = make_duty(world)
    answers = [
        {
            "checklist": checklist.pk,
            "items": [
                {"code": "po-01", "result": "pass"},
                {"code": "po-02", "result": "fail", "note": "未登记"},
            ],
        }
    ]
    item = log_item(log_payload(duty=duty, checklists=answers))
    assert statuses(sync(member_client, [item]).json()) == ["saved"]
    failed = ChecklistResult.objects.get(log__uuid=item["uuid"], item_code="po-02")
    assert failed.item_text == "旅馆是否落实实名登记"
    assert (failed.result, failed.note) == ("fail", "未登记")
    # The checklist is reworded later: the answer keeps the text it was given against.
    checklist.items[1]["text"] = "旅馆实名登记"
    checklist.save()
    item["base_version"] = 1
    item["data"]["notes"] = "又看了一遍"
    assert statuses(sync(member_client, [item]).json()) == ["saved"]
    same = ChecklistResult.objects.get(log__uuid=item["uuid"], item_code="po-02")
    assert same.pk == failed.pk and same.item_text == "旅馆是否落实实名登记"

    bad = log_item(
        log_payload(
            duty=duty,
            checklists=[
                {"checklist": checklist.pk, "items": [{"code": "xx-99", "result": "pass"}]}
            ],
        )
    )
    result = result_for(sync(member_client, [bad]).json(), bad["uuid"])
    assert result["status"] == "rejected"
    assert [e["field"] for e in result["errors"]] == ["checklists"]
    assert "xx-99" in result["errors"][0]["message"]


def test_checklist_of_another_jurisdiction_is_refused(world: Any, member_client: Any) -> None:
    other = make_checklist(world, side="B")
    duty = make_duty(world)
    answers = [{"checklist": other.pk, "items": [{"code": "po-01", "result": "pass"}]}]
    item = log_item(log_payload(duty=duty, checklists=answers))
    result = result_for(sync(member_client, [item]).json(), item["uuid"])
    assert [e["field"] for e in result["errors"]] == ["checklists"]


# ---- check-ins: geofence and speed ------------------------------------------------------------


def _key_place_post(world: Any, radius: int) -> Any:
    """A post of team A at the school only (no zone or line), made directly: test setup."""
    from shouwang.areas.models import Post

    s = world.a
    return Post.objects.create(
        name="甲校门岗",
        kind=s.post.kind,
        jurisdiction=s.township,
        team=s.team,
        key_place=s.keyplace,
        start_time=dt.time(7, 30),
        geofence_radius_m=radius,
    )


def test_check_in_distance_to_the_key_place(world: Any, member_client: Any) -> None:
    duty = make_duty(world, post=_key_place_post(world, radius=100))
    log_uuid, _ = _saved_log(member_client, duty)
    kp = world.a.keyplace
    near = checkin_item(log_uuid, latitude=kp.latitude + 0.0005, longitude=kp.longitude)
    far = checkin_item(
        log_uuid,
        latitude=kp.latitude + 0.002,
        longitude=kp.longitude,
        phone_time=timezone.now() + dt.timedelta(minutes=10),
    )
    body = sync(member_client, [near, far]).json()
    assert result_for(body, near["uuid"])["inside_geofence"] is True
    assert result_for(body, near["uuid"])["flag"] == ""
    check = CheckIn.objects.get(uuid=near["uuid"])
    assert 50 < check.distance_m < 62  # 0.0005° of latitude ≈ 55.6 m
    assert check.member == world.a.member
    assert result_for(body, far["uuid"])["status"] == "saved"  # flagged, never refused
    assert result_for(body, far["uuid"])["flag"] == "outside_geofence"
    assert 215 < CheckIn.objects.get(uuid=far["uuid"]).distance_m < 230


def test_check_in_distance_to_a_route_line(world: Any, member_client: Any) -> None:
    from shouwang.areas.models import Post

    s = world.a
    # The world's route runs from (107.73, 29.88) to (107.75, 29.89).
    post = Post.objects.create(
        name="甲沿线巡逻岗",
        kind=s.post.kind,
        jurisdiction=s.township,
        team=s.team,
        route=s.route,
        start_time=dt.time(20, 0),
        geofence_radius_m=200,
    )
    duty = make_duty(world, post=post)
    log_uuid, _ = _saved_log(member_client, duty)
    t0 = timezone.now() - dt.timedelta(hours=1)
    on_line = checkin_item(log_uuid, latitude=29.885, longitude=107.74, phone_time=t0)
    away = checkin_item(
        log_uuid, latitude=29.895, longitude=107.74, phone_time=t0 + dt.timedelta(minutes=30)
    )
    body = sync(member_client, [on_line, away]).json()
    assert result_for(body, on_line["uuid"])["inside_geofence"] is True
    assert CheckIn.objects.get(uuid=on_line["uuid"]).distance_m < 5
    assert result_for(body, away["uuid"])["flag"] == "outside_geofence"
    assert 800 < CheckIn.objects.get(uuid=away["uuid"]).distance_m < 1000


def test_far_check_in_is_flagged_not_refused(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    log_uuid, _ = _saved_log(member_client, duty)
    kp = world.a.keyplace
    # About 3.3 km north of the school; the post's zone polygon is 1.1 km high.
    item = checkin_item(log_uuid, latitude=kp.latitude + 0.03, longitude=kp.longitude)
    result = result_for(sync(member_client, [item]).json(), item["uuid"])
    assert result["status"] == "saved"
    assert result["flag"] == "outside_geofence"
    check = CheckIn.objects.get(uuid=item["uuid"])
    assert check.inside_geofence is False
    assert check.distance_m > 1000
    assert "300" in check.flag_detail  # the radius it was measured against


def test_inside_the_zone_polygon_counts_as_zero(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    log_uuid, _ = _saved_log(member_client, duty)
    # Inside the zone (107.73–107.74, 29.88–29.89) but 600 m from the key place.
    item = checkin_item(log_uuid, latitude=29.8875, longitude=107.7375)
    result = result_for(sync(member_client, [item]).json(), item["uuid"])
    assert result["inside_geofence"] is True
    assert CheckIn.objects.get(uuid=item["uuid"]).distance_m == 0


def test_no_position_and_no_scan_is_flagged(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    log_uuid, _ = _saved_log(member_client, duty)
    item = checkin_item(log_uuid)
    result = result_for(sync(member_client, [item]).json(), item["uuid"])
    assert (result["status"], result["flag"]) == ("saved", "no_position")
    assert CheckIn.objects.get(uuid=item["uuid"]).inside_geofence is None


def test_checkpoint_scan_counts_as_position(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    log_uuid, _ = _saved_log(member_client, duty)
    kp = world.a.keyplace
    scan = checkin_item(log_uuid, kind="checkpoint", checkpoint=kp.checkpoint_payload())
    result = result_for(sync(member_client, [scan]).json(), scan["uuid"])
    assert (result["status"], result["flag"], result["inside_geofence"]) == ("saved", "", True)
    assert CheckIn.objects.get(uuid=scan["uuid"]).key_place == kp


def test_implausible_speed_is_flagged(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    log_uuid, _ = _saved_log(member_client, duty)
    kp = world.a.keyplace
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=30)
    first = checkin_item(
        log_uuid, kind="checkpoint", checkpoint=kp.checkpoint_payload(), phone_time=t0
    )
    # 0.1° of latitude (≈ 11 km) one minute later: ≈ 660 km/h.
    far = checkin_item(
        log_uuid,
        kind="end",
        latitude=kp.latitude + 0.1,
        longitude=kp.longitude,
        phone_time=t0 + dt.timedelta(minutes=1),
    )
    body = sync(member_client, [first, far]).json()
    assert result_for(body, first["uuid"])["flag"] == ""
    assert result_for(body, far["uuid"])["flag"] == "implausible_speed"
    detail = CheckIn.objects.get(uuid=far["uuid"]).flag_detail
    assert "120" in detail  # the speed limit it was measured against
    # A walk of 110 m in ten minutes is fine.
    slow = checkin_item(
        log_uuid,
        kind="start",
        latitude=kp.latitude + 0.101,
        longitude=kp.longitude,
        phone_time=t0 + dt.timedelta(minutes=11),
    )
    assert (
        result_for(sync(member_client, [slow]).json(), slow["uuid"])["flag"] != "implausible_speed"
    )


def test_speed_limit_follows_the_setting(world: Any, member_client: Any, settings: Any) -> None:
    settings.SHOUWANG_MAX_SPEED_KMH = 5
    duty = make_duty(world)
    log_uuid, _ = _saved_log(member_client, duty)
    kp = world.a.keyplace
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=30)
    a = checkin_item(
        log_uuid, latitude=kp.latitude, longitude=kp.longitude, phone_time=t0, accuracy_m=0
    )
    # 0.01° ≈ 1.1 km in 6 minutes ≈ 11 km/h: by bicycle, above a 5 km/h limit.
    b = checkin_item(
        log_uuid,
        latitude=kp.latitude + 0.01,
        longitude=kp.longitude,
        phone_time=t0 + dt.timedelta(minutes=6),
        accuracy_m=0,
    )
    body = sync(member_client, [a, b]).json()
    assert result_for(body, b["uuid"])["flag"] == "implausible_speed"


# ---- photos -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "post"])
def test_photo_upload_put_and_post(world: Any, member_client: Any, media: Any, method: str) -> None:
    duty = make_duty(world)
    log_uuid, _ = _saved_log(member_client, duty)
    photo_uuid = new_uuid()
    content = image_bytes("PNG", (64, 48))
    response = upload_photo(
        member_client, photo_uuid, content, log=log_uuid, caption="护栏破损", method=method
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "saved"
    photo = FieldPhoto.objects.get(uuid=photo_uuid)
    assert (photo.width, photo.height, photo.content_type) == (64, 48, "image/png")
    assert photo.log.uuid.hex == log_uuid.replace("-", "")
    assert photo.jurisdiction == photo.log.jurisdiction
    assert photo.caption == "护栏破损"
    assert photo.image.name.endswith(".png")
    assert (media / photo.image.name).read_bytes() == content
    # Same bytes again: 200 unchanged, no second file or row.
    again = upload_photo(member_client, photo_uuid, content, log=log_uuid, method=method)
    assert (again.status_code, again.json()["status"]) == (200, "unchanged")
    assert FieldPhoto.objects.filter(uuid=photo_uuid).count() == 1
    assert len(list((media / "photos").rglob("*"))) == 2  # one folder, one file
    # Other bytes under the same uuid: 409 conflict.
    other = upload_photo(
        member_client, photo_uuid, image_bytes("JPEG"), log=log_uuid, method=method
    )
    assert (other.status_code, other.json()["status"]) == (409, "conflict")
    assert (
        AuditEvent.objects.filter(code="patrols.photo.stored", target_id=str(photo.pk)).count() == 1
    )


def test_photo_for_a_log_not_yet_received_is_retry(
    world: Any, member_client: Any, media: Any
) -> None:
    photo_uuid = new_uuid()
    response = upload_photo(member_client, photo_uuid, image_bytes(), log=new_uuid())
    assert (response.status_code, response.json()["status"]) == (409, "retry")
    assert not FieldPhoto.objects.filter(uuid=photo_uuid).exists()
    assert not (media / "photos").exists() or not list((media / "photos").rglob("*.*"))


# ---- GET /today -------------------------------------------------------------------------------


def test_today_lists_duties_teams_checklists_and_checkpoints(
    world: Any, member_client: Any
) -> None:
    teammate = team_member(world, 7, "甲巡防员七")
    duty = make_duty(world, members=[world.a.member, teammate])
    later = make_duty(world, start=timezone.now() + dt.timedelta(days=3))
    make_duty(world, start=timezone.now() + dt.timedelta(days=9))  # beyond the week
    make_duty(world, side="B")  # another team's
    checklist = make_checklist(world)
    log_uuid, _ = _saved_log(member_client, duty)
    body = member_client.get(TODAY_URL).json()
    assert body["member"] == {"id": world.a.member.pk, "name": world.a.member.name}
    assert [d["id"] for d in body["duties"]] == [duty.pk, later.pk]
    first = body["duties"][0]
    assert first["post"]["id"] == world.a.post.pk
    assert first["post"]["key_place"]["latitude"] == world.a.keyplace.latitude
    assert first["post"]["radius_m"] == world.a.post.geofence_radius_m
    assert {m["id"] for m in first["teammates"]} == {teammate.pk}
    assert first["team"]["id"] == world.a.team.pk
    team = next(t for t in body["teams"] if t["id"] == world.a.team.pk)
    assert {world.a.member.pk, teammate.pk} <= {m["id"] for m in team["members"]}
    assert all(set(m) == {"id", "name"} for m in team["members"])
    mine = next(c for c in body["checklists"] if c["id"] == checklist.pk)
    assert mine["items"][0] == {"code": "po-01", "text": "公共场所有无赌博、色情活动", "hint": ""}
    assert world.b.township.pk not in {c.get("jurisdiction") for c in body["checklists"]}
    checkpoint = next(c for c in body["checkpoints"] if c["id"] == world.a.keyplace.pk)
    assert set(checkpoint) == {"id", "name", "latitude", "longitude"}
    assert world.b.keyplace.pk not in {c["id"] for c in body["checkpoints"]}
    assert body["hazard_categories"] and {"code", "label"} == set(body["hazard_categories"][0])
    assert body["open_logs"] == [
        {
            "uuid": log_uuid,
            "version": 1,
            "status": "open",
            "duty": duty.pk,
            "started_at": PatrolLog.objects.get(uuid=log_uuid).started_at.isoformat(),
        }
    ]
    assert body["server_time"]
    text = member_client.get(TODAY_URL).content.decode()
    assert world.a.keyplace.checkpoint_token not in text
    assert world.a.citizen_id not in text and "citizen" not in text


def test_today_without_a_member_record_is_a_clear_404(world: Any, login: Any) -> None:
    response = login("township_staff").get(TODAY_URL)
    assert response.status_code == 404
    assert "member" in response.json()["detail"] or "队员" in response.json()["detail"]


# ---- hazard items (through hazards.services.report_hazard) ------------------------------------


def _hazard_data(log_uuid: str | None, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "log": log_uuid,
        "checklist_item": None,
        "category": "rail_fence_damage",
        "description": "K261+300 防护网破损约两米",
        "place": "K261+300",
        "latitude": 29.885,
        "longitude": 107.735,
        "severity": "general",
        "found_at": timezone.now().replace(microsecond=0).isoformat(),
    }
    data.update(overrides)
    return data


def test_hazard_items_are_idempotent_and_wait_for_their_log(
    world: Any, member_client: Any, media: Any
) -> None:
    from patrols.field_helpers import hazard_item
    from shouwang.hazards.models import Hazard

    duty = make_duty(world)
    log = log_item(log_payload(duty=duty))
    hazard = hazard_item(_hazard_data(log["uuid"]))
    # The hazard arrives before its log: retry, nothing written.
    body = sync(member_client, [hazard]).json()
    assert statuses(body) == ["retry"]
    assert not Hazard.objects.filter(uuid=hazard["uuid"]).exists()
    for expected in (["saved", "saved"], ["unchanged", "unchanged"]):
        assert statuses(sync(member_client, [log, hazard]).json()) == expected
    saved = Hazard.objects.get(uuid=hazard["uuid"])
    assert saved.log.uuid.hex == log["uuid"].replace("-", "")
    assert saved.found_by == world.users["patrol_member"]
    # A photo of the hazard.
    photo_uuid = new_uuid()
    response = upload_photo(member_client, photo_uuid, image_bytes(), hazard=hazard["uuid"])
    assert response.status_code == 201, response.content
    photo = FieldPhoto.objects.get(uuid=photo_uuid)
    assert list(saved.photos.all()) == [photo]
    assert photo.jurisdiction == saved.jurisdiction
    # A photo for a hazard not received yet: retry.
    early = upload_photo(member_client, new_uuid(), image_bytes(), hazard=new_uuid())
    assert (early.status_code, early.json()["status"]) == (409, "retry")


def test_bad_hazard_item_is_rejected_with_labels(world: Any, member_client: Any) -> None:
    from patrols.field_helpers import hazard_item

    duty = make_duty(world)
    log = log_item(log_payload(duty=duty))
    bad = hazard_item(_hazard_data(log["uuid"], category="unicorns", latitude=91))
    body = sync(member_client, [log, bad]).json()
    result = result_for(body, bad["uuid"])
    assert result["status"] == "rejected"
    fields = {e["field"] for e in result["errors"]}
    assert {"category", "latitude"} <= fields
    assert all(e["label"] for e in result["errors"])


def test_failed_checklist_item_becomes_a_hazard_linked_to_its_answer(
    world: Any, member_client: Any
) -> None:
    from patrols.field_helpers import hazard_item
    from shouwang.hazards.models import Hazard

    checklist = make_checklist(world)
    duty = make_duty(world)
    answers = [{"checklist": checklist.pk, "items": [{"code": "po-02", "result": "fail"}]}]
    log = log_item(log_payload(duty=duty, checklists=answers))
    hazard = hazard_item(
        _hazard_data(
            log["uuid"],
            category="public_order",
            checklist_item={"checklist": checklist.pk, "code": "po-02"},
        )
    )
    assert statuses(sync(member_client, [log, hazard]).json()) == ["saved", "saved"]
    saved = Hazard.objects.get(uuid=hazard["uuid"])
    answer = ChecklistResult.objects.get(log__uuid=log["uuid"], item_code="po-02")
    assert saved.checklist_result == answer
    assert saved.source == "checklist"
    # A later version of the log keeps the answer row, so the link survives.
    log["base_version"] = 1
    log["data"]["notes"] = "已报隐患"
    assert statuses(sync(member_client, [log]).json()) == ["saved"]
    saved.refresh_from_db()
    assert saved.checklist_result_id == answer.pk


def test_a_uuid_clash_while_in_flight_is_compared_again(
    world: Any, member_client: Any, monkeypatch: Any
) -> None:
    """Two uploads of one uuid at once: the loser's insert fails; the item is tried again
    and compared with the winner (here simulated: the first attempt raises IntegrityError)."""
    from django.db import IntegrityError

    from shouwang.patrols import services

    duty = make_duty(world)
    log = log_item(log_payload(duty=duty))
    real = services.save_patrol_log
    calls: list[int] = []

    def clash_once(**kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            real(**kwargs)  # the "other" upload wins …
            raise IntegrityError("duplicate key value violates unique constraint")
        return real(**kwargs)

    monkeypatch.setattr(services, "save_patrol_log", clash_once)
    body = sync(member_client, [log]).json()
    # … but its transaction was rolled back with ours here, so the retry saves it once.
    assert statuses(body) == ["saved"]
    assert len(calls) == 2
    assert PatrolLog.objects.filter(uuid=log["uuid"]).count() == 1


def test_today_keeps_yesterdays_duty_running_past_midnight(world: Any, member_client: Any) -> None:
    """After midnight the night patrol that started yesterday is still on the phone; a duty of
    yesterday that ended long ago is not."""
    from shouwang.rostering.models import Duty

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    running = make_duty(world)  # started an hour ago, ends in an hour
    ended = make_duty(world, start=timezone.now() - dt.timedelta(hours=12), hours=2)
    Duty.objects.filter(pk__in=[running.pk, ended.pk]).update(date=yesterday)
    ids = [d["id"] for d in member_client.get(TODAY_URL).json()["duties"]]
    assert running.pk in ids
    assert ended.pk not in ids
