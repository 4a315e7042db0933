"""The leader's review of flagged check-ins: accept, or not accept with a note; scope."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import JSON, error_fields
from django.core.exceptions import PermissionDenied
from django.http import Http404

from patrols.field_helpers import make_duty
from patrols.missed_helpers import at, check_in, make_log
from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.patrols import attendance
from shouwang.patrols.models import CheckIn


@pytest.fixture
def flagged(world: Any) -> CheckIn:
    """A check-in of team A far outside the post's area, waiting for review."""
    duty = make_duty(world, start=at(14, 8))
    log = make_log(world, duty, status="submitted")
    return check_in(log, world.a.member, flag="outside_geofence", flag_detail="1,250 m")


@pytest.fixture
def flagged_b(world: Any) -> CheckIn:
    duty = make_duty(world, "B", start=at(14, 8))
    return check_in(make_log(world, duty), world.b.member, flag="implausible_speed")


def test_leader_accepts(world: Any, flagged: CheckIn) -> None:
    leader = world.users["team_leader"]
    reviewed = attendance.review_check_in(flagged, actor=leader, accepted=True, note="")
    assert reviewed.reviewed_by == leader and reviewed.reviewed_at is not None
    assert reviewed.flag == "outside_geofence"  # the flag stays: it happened
    event = AuditEvent.objects.get(code="patrols.checkin.accepted", target_id=str(flagged.pk))
    assert event.after["accepted"] is True and event.actor == leader
    assert attendance.review_outcomes([reviewed]) == {flagged.pk: True}


def test_not_accepting_needs_a_note(world: Any, flagged: CheckIn) -> None:
    office = world.users["township_staff"]
    with pytest.raises(RecordInvalid) as exc:
        attendance.review_check_in(flagged, actor=office, accepted=False, note=" ")
    assert list(exc.value.errors) == ["note"]
    flagged.refresh_from_db()
    assert flagged.reviewed_at is None
    reviewed = attendance.review_check_in(
        flagged, actor=office, accepted=False, note="定位在家中，非岗位"
    )
    assert reviewed.review_note == "定位在家中，非岗位"
    event = AuditEvent.objects.get(code="patrols.checkin.rejected", target_id=str(flagged.pk))
    assert event.reason == "定位在家中，非岗位"
    assert attendance.review_outcomes([reviewed]) == {flagged.pk: False}


def test_review_only_once_and_only_flagged(world: Any, flagged: CheckIn) -> None:
    leader = world.users["team_leader"]
    attendance.review_check_in(flagged, actor=leader, accepted=True, note="")
    with pytest.raises(RecordInvalid) as exc:
        attendance.review_check_in(flagged, actor=leader, accepted=False, note="改主意")
    assert "reviewed_at" in exc.value.errors
    plain = check_in(flagged.log, world.a.member, kind="end")
    with pytest.raises(RecordInvalid) as exc:
        attendance.review_check_in(plain, actor=leader, accepted=True, note="")
    assert "flag" in exc.value.errors


def test_patrol_member_may_not_review_and_outsiders_get_404(
    world: Any, flagged: CheckIn, flagged_b: CheckIn
) -> None:
    with pytest.raises(PermissionDenied):
        attendance.review_check_in(
            flagged, actor=world.users["patrol_member"], accepted=True, note=""
        )
    with pytest.raises(Http404):
        attendance.review_check_in(
            flagged_b, actor=world.users["team_leader"], accepted=True, note=""
        )
    flagged.refresh_from_db()
    assert flagged.reviewed_at is None


def test_pages(world: Any, login: Any, flagged: CheckIn, flagged_b: CheckIn) -> None:
    client = login("team_leader")
    listing = client.get("/patrols/check-ins/review/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert f"/patrols/check-ins/{flagged.pk}/review/" in page
    assert f"/patrols/check-ins/{flagged_b.pk}/review/" not in page
    url = f"/patrols/check-ins/{flagged.pk}/review/"
    assert client.get(url).status_code == 200
    refused = client.post(url, {"reject": "1", "note": ""})
    assert refused.status_code == 422 and "note" in refused.context["errors"]
    assert 'class="field field-error"' in refused.content.decode()
    done = client.post(url, {"reject": "1", "note": "不在岗位"})
    assert done.status_code == 302
    flagged.refresh_from_db()
    assert flagged.reviewed_at is not None and flagged.review_note == "不在岗位"
    # Reviewed ones leave the waiting list, and show up with ?reviewed=all.
    assert url not in client.get("/patrols/check-ins/review/").content.decode()
    assert url in client.get("/patrols/check-ins/review/?reviewed=all").content.decode()
    assert client.get(f"/patrols/check-ins/{flagged_b.pk}/review/").status_code == 404


def test_api(world: Any, login: Any, flagged: CheckIn, flagged_b: CheckIn) -> None:
    client = login("team_leader")
    waiting = client.get("/api/v1/patrols/check-ins/flagged").json()
    assert [c["id"] for c in waiting] == [flagged.pk]
    assert waiting[0]["flag"] == "outside_geofence" and waiting[0]["accepted"] is None
    url = f"/api/v1/patrols/check-ins/{flagged.pk}/review"
    refused = client.post(url, data=json.dumps({"accepted": False}), content_type=JSON)
    assert refused.status_code == 422 and list(error_fields(refused)) == ["note"]
    ok = client.post(
        url, data=json.dumps({"accepted": True, "note": "山区无信号"}), content_type=JSON
    )
    assert ok.status_code == 200 and ok.json()["accepted"] is True
    assert client.get("/api/v1/patrols/check-ins/flagged").json() == []
    reviewed = client.get("/api/v1/patrols/check-ins/flagged?reviewed=true").json()
    assert reviewed[0]["accepted"] is True and reviewed[0]["review_note"] == "山区无信号"
    other = f"/api/v1/patrols/check-ins/{flagged_b.pk}/review"
    body = json.dumps({"accepted": True})
    assert client.post(other, data=body, content_type=JSON).status_code == 404
    member = login("patrol_member")
    second = check_in(flagged.log, world.a.member, flag="no_position", kind="end")
    url = f"/api/v1/patrols/check-ins/{second.pk}/review"
    assert member.post(url, data=body, content_type=JSON).status_code == 403


def test_review_list_query_count_does_not_grow_with_rows(
    world: Any, login: Any, flagged: CheckIn
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login("team_leader")
    attendance.review_check_in(flagged, actor=world.users["team_leader"], accepted=True, note="")
    client.get("/patrols/check-ins/review/?reviewed=all")
    with CaptureQueriesContext(connection) as one:
        client.get("/patrols/check-ins/review/?reviewed=all")
    for n in range(4):
        other = check_in(flagged.log, world.a.member, flag="no_position", kind="checkpoint")
        if n % 2:
            attendance.review_check_in(
                other, actor=world.users["team_leader"], accepted=bool(n % 4 == 1), note="x"
            )
    with CaptureQueriesContext(connection) as five:
        response = client.get("/patrols/check-ins/review/?reviewed=all")
    assert response.context["page"].paginator.count == 5
    assert len(five) == len(one)
