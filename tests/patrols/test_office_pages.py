"""Office pages of patrol logs: the list with its filters and bounded queries, the detail
page, photos behind scope, and the office API's list and detail."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patrols.field_helpers import field_media, image_bytes, new_uuid, patrol_user  # noqa: F401
from patrols.office_helpers import at, phone_log, rich_log
from shouwang.patrols import review, services
from shouwang.patrols.models import CheckIn, LogStatus

LIST = "/patrols/logs/"


def add_photo(world: Any, log: Any, caption: str = "桥下护栏") -> Any:
    outcome = services.store_photo(
        actor=patrol_user(world, "A" if log.team == world.a.team else "B"),
        uuid=new_uuid(),
        content=image_bytes(),
        log=str(log.uuid),
        caption=caption,
    )
    assert outcome.status == "saved", outcome.errors
    return outcome.record


def shown(response: Any) -> list[int]:
    return [log.pk for log in response.context["page"]]


def test_list_shows_logs_in_scope_with_filters(world: Any, login: Any) -> None:
    confirmed = review.confirm_log(
        rich_log(world, start=at(2026, 10, 5, 20)), actor=world.users["team_leader"]
    )
    submitted = phone_log(world, start=at(2026, 10, 9, 8))
    unplanned = phone_log(world, unplanned=True, start=at(2026, 10, 12, 15))
    other = phone_log(world, side="B", start=at(2026, 10, 6, 8))
    client = login("township_staff")
    response = client.get(LIST)
    assert response.status_code == 200
    ids = shown(response)
    assert {confirmed.pk, submitted.pk, unplanned.pk} <= set(ids) and other.pk not in ids
    assert shown(client.get(LIST, {"status": "confirmed"})) == [confirmed.pk]
    assert shown(client.get(LIST, {"unplanned": "1"})) == [unplanned.pk]
    october = shown(client.get(LIST, {"month": "2026-10", "team": world.a.team.pk}))
    assert october == [unplanned.pk, submitted.pk, confirmed.pk]  # newest first
    assert shown(client.get(LIST, {"team": world.b.team.pk})) == []
    body = client.get(LIST, {"month": "2026-10"}).content.decode()
    assert "甲巡防队" in body and f"/patrols/logs/{confirmed.pk}/" in body
    # The patrol member of team A sees team A's logs; the auditor reads them too.
    assert set(shown(login(patrol_user(world)).get(LIST))) >= {confirmed.pk, submitted.pk}
    assert login("auditor").get(LIST).status_code == 200


def test_list_shows_missing_attendance_and_flags(world: Any, login: Any) -> None:
    log = phone_log(world, start=at(2026, 10, 9, 8))
    bare = phone_log(world, unplanned=True, start=at(2026, 10, 10, 8))
    for n in range(2):
        CheckIn.objects.create(  # test setup
            log=log,
            member=world.a.member,
            kind="checkpoint",
            phone_time=at(2026, 10, 9, 8 + n),
            flag="no_position",
        )
    response = login("team_leader").get(LIST, {"month": "2026-10"})
    rows = {row.pk: row for row in response.context["page"]}
    assert rows[log.pk].flag_count == 2 and rows[log.pk].present_count == 1
    assert rows[bare.pk].attendance_count == 0 and rows[bare.pk].flag_count == 0
    assert "badge-red" in response.content.decode()


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_is_bounded(world: Any, login: Any) -> None:
    client = login("township_staff")
    phone_log(world, start=at(2026, 10, 1, 8))
    few = _queries(client, LIST)
    for day in range(2, 14):
        log = rich_log(world, start=at(2026, 10, day, 8))
        CheckIn.objects.create(
            log=log, member=world.a.member, kind="start", phone_time=log.started_at, flag=""
        )
    many = _queries(client, LIST)
    assert many == few, (few, many)
    assert many <= 12


@pytest.mark.usefixtures("field_media")
def test_detail_page_shows_the_whole_log(world: Any, login: Any) -> None:
    leader = world.users["team_leader"]
    log = rich_log(world, start=at(2026, 10, 5, 20))
    photo = add_photo(world, log)
    log = review.confirm_log(log, actor=leader)
    review.add_correction(log, actor=leader, text="补：另有一人到岗")
    response = login("township_staff").get(f"/patrols/logs/{log.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    for expected in (
        "甲巡防队",
        "甲护学岗",
        "甲队员",
        "旅馆是否落实实名登记",
        "未登记两人",
        "桥下护栏缺失",
        "发放反诈传单 30 份",
        "天气晴",
        "补：另有一人到岗",
        f"/patrols/photos/{photo.uuid}/",
    ):
        assert expected in body, expected
    assert "/confirm/" not in body  # confirmed: no confirm button, a correction form instead
    assert "/correct/" in body
    assert login("township_staff").get("/patrols/logs/999999/").status_code == 404


@pytest.mark.usefixtures("field_media")
def test_photo_is_served_only_inside_scope(world: Any, login: Any) -> None:
    log = phone_log(world, start=at(2026, 10, 5, 20))
    photo = add_photo(world, log)
    url = f"/patrols/photos/{photo.uuid}/"
    response = login("team_leader").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == photo.image.open("rb").read()
    log_b = phone_log(world, side="B", start=at(2026, 10, 5, 20))
    photo_b = add_photo(world, log_b)
    assert login("township_staff").get(f"/patrols/photos/{photo_b.uuid}/").status_code == 404
    assert login("township_staff").get(f"/patrols/photos/{new_uuid()}/").status_code == 404
    anonymous = login("township_staff")
    anonymous.logout()
    assert anonymous.get(url).status_code == 302  # to the sign-in page


def test_office_api_list_and_detail(world: Any, login: Any) -> None:
    log = rich_log(world, start=at(2026, 10, 5, 20))
    other = phone_log(world, side="B", start=at(2026, 10, 5, 20))
    client = login("team_leader")
    body = client.get("/api/v1/patrols/logs", {"month": "2026-10", "status": "submitted"}).json()
    assert body["count"] == 1 and body["results"][0]["id"] == log.pk
    assert body["results"][0]["present"] == 1 and body["results"][0]["unplanned"] is False
    detail = client.get(f"/api/v1/patrols/logs/{log.pk}").json()
    assert detail["status"] == LogStatus.SUBMITTED
    assert [a["member"] for a in detail["attendance"]] == [world.a.member.pk]
    assert {r["code"]: r["result"] for r in detail["checklist_results"]} == {
        "po-01": "pass",
        "po-02": "fail",
    }
    assert client.get(f"/api/v1/patrols/logs/{other.pk}").status_code == 404
    assert client.get("/api/v1/patrols/logs", {"page_size": "x"}).status_code == 200


def test_demo_township_shows_field_work(world: Any) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from shouwang.demo.township import load_demo
    from shouwang.patrols.models import Checklist, PatrolLog

    load_demo()
    load_demo()  # safe to run again
    office = get_user_model().objects.get(username="office")
    logs = PatrolLog.objects.visible_to(office).filter(started_at__year=2026)
    assert sorted(logs.values_list("status", flat=True)) == ["confirmed", "submitted"]
    assert Checklist.objects.visible_to(office).filter(name__endswith="巡查清单").count() == 3
    client = Client()
    client.force_login(office)
    response = client.get(LIST, {"month": "2026-11"})
    assert len(response.context["page"]) == 2
    confirmed = logs.get(status="confirmed")
    body = client.get(f"/patrols/logs/{confirmed.pk}/").content.decode()
    assert "出租房" in body and "护送一名迷路老人回家" in body


def test_admin_pages(world: Any, login: Any) -> None:
    log = phone_log(world, start=at(2026, 10, 5, 20))
    admin = login(world.admin)
    assert admin.get("/admin/patrols/checklist/").status_code == 200
    add = admin.get("/admin/patrols/checklist/add/")
    assert add.status_code == 200
    assert "id_jurisdiction" in add.content.decode()
    assert admin.get("/admin/patrols/patrollog/").status_code == 200
    view = admin.get(f"/admin/patrols/patrollog/{log.pk}/change/")
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
    assert admin.get("/admin/patrols/patrollog/add/").status_code == 403
    response = admin.post(
        "/admin/patrols/checklist/add/",
        {
            "name": "后台清单",
            "category": "other",
            "jurisdiction": world.a.township.pk,
            "items": "x-01 | 后台添加的项目 | 提示",
            "active": "on",
            "note": "",
        },
    )
    assert response.status_code == 302
    from shouwang.core.models import AuditEvent
    from shouwang.patrols.models import Checklist

    made = Checklist.objects.get(name="后台清单")
    assert made.items == [{"code": "x-01", "text": "后台添加的项目", "hint": "提示"}]
    assert AuditEvent.objects.filter(
        code="patrols.checklist.created", target_id=str(made.pk), reason="admin"
    ).exists()


def test_check_in_positions_on_the_map(world: Any, login: Any) -> None:
    log = phone_log(world, start=at(2026, 10, 5, 20))
    client = login("team_leader")
    assert 'id="map"' not in client.get(f"/patrols/logs/{log.pk}/").content.decode()
    CheckIn.objects.create(  # test setup
        log=log,
        member=world.a.member,
        kind="start",
        latitude=29.881,
        longitude=107.731,
        phone_time=at(2026, 10, 5, 20),
        flag="outside_geofence",
    )
    body = client.get(f"/patrols/logs/{log.pk}/").content.decode()
    assert f'data-source="/patrols/logs/{log.pk}/map.json"' in body
    data = client.get(f"/patrols/logs/{log.pk}/map.json").json()
    points = [f for f in data["features"] if f["properties"]["layer"] == "check_in"]
    assert points[0]["geometry"]["coordinates"] == [107.731, 29.881]
    assert points[0]["properties"]["color"] == "#dc2626"
    assert {f["properties"]["layer"] for f in data["features"]} >= {"check_in", "key_place"}
    log_b = phone_log(world, side="B", start=at(2026, 10, 5, 20))
    assert client.get(f"/patrols/logs/{log_b.pk}/map.json").status_code == 404
