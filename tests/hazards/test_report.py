"""Reporting hazards: the service the phone sync calls, the report API, and a failed checklist
item becoming a hazard in one step (service, API and page)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from conftest import api_url, error_fields, make_payload, send
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.hazards import services
from shouwang.hazards.models import Hazard
from shouwang.notify.models import Notification
from shouwang.patrols.models import Checklist, ChecklistResult, FieldPhoto, PatrolLog

REPORTS = "/api/v1/hazard-reports/"
FOUND_AT = "2026-11-23T20:05:00+08:00"


def make_log(world: Any, side: str = "A", team: Any = None) -> PatrolLog:
    s = world.sides[side]
    return PatrolLog.objects.create(
        team=team or s.team,
        jurisdiction=s.township,
        post=s.post,
        started_at=timezone.now() - dt.timedelta(hours=1),
        author=world.admin,
    )


def make_checklist(world: Any, side: str = "A", category: str = "public_order") -> Checklist:
    s = world.sides[side]
    return Checklist.objects.create(
        name=f"测试清单{side}{category}",
        category=category,
        jurisdiction=s.township,
        items=[
            {"code": "po-01", "text": "公共场所无赌博、色情活动", "hint": ""},
            {"code": "po-02", "text": "旅馆落实实名登记", "hint": ""},
        ],
    )


def make_result(
    log: PatrolLog, checklist: Checklist, code: str = "po-01", result: str = "fail"
) -> ChecklistResult:
    item = next(i for i in checklist.items if i["code"] == code)
    return ChecklistResult.objects.create(
        log=log,
        checklist=checklist,
        item_code=code,
        item_text=item["text"],
        result=result,
        note="村口麻将馆聚众赌博" if result == "fail" else "",
    )


def make_photo(world: Any, log: PatrolLog | None, side: str = "A") -> FieldPhoto:
    return FieldPhoto.objects.create(
        log=log,
        jurisdiction=world.sides[side].township,
        image="photos/00/test.jpg",
        content_type="image/jpeg",
        size=10,
        width=1,
        height=1,
        sha256="0" * 64,
        uploaded_by=world.admin,
    )


def report_data(log: PatrolLog | None, /, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "log": str(log.uuid) if log is not None else None,
        "checklist_item": None,
        "category": "rail_fence_damage",
        "description": "防护网破了一个大洞",
        "place": "K261+300",
        "latitude": 29.885,
        "longitude": 107.735,
        "severity": "major",
        "found_at": FOUND_AT,
    }
    data.update(extra)
    return data


def errors_of(exc: pytest.ExceptionInfo[RecordInvalid]) -> dict[str, list[str]]:
    return exc.value.errors


# ---- the service -------------------------------------------------------------------------


def test_phone_report_is_saved_once_with_the_logs_jurisdiction(world: Any) -> None:
    member = world.users["patrol_member"]
    log = make_log(world)
    record_id = uuid.uuid4()
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    hazard, created = services.report_hazard(
        actor=member, uuid=record_id, data=report_data(log), source="phone"
    )

    assert created is True
    assert hazard.uuid == record_id
    assert hazard.jurisdiction == log.jurisdiction
    assert hazard.log == log
    assert hazard.found_by == member
    assert hazard.source == "phone"
    assert hazard.severity == "major"
    assert hazard.category.code == "rail_fence_damage"
    assert hazard.status == "reported"
    assert hazard.found_at == dt.datetime(2026, 11, 23, 12, 5, tzinfo=dt.UTC)
    events = list(AuditEvent.objects.filter(pk__gt=last))
    assert [e.code for e in events] == ["hazards.hazard.reported"]
    assert events[0].parent_id == str(log.pk)
    assert events[0].actor == member


def test_repeated_upload_yields_one_hazard(world: Any) -> None:
    member = world.users["patrol_member"]
    log = make_log(world)
    record_id = uuid.uuid4()
    first, created = services.report_hazard(
        actor=member, uuid=record_id, data=report_data(log), source="phone"
    )
    assert created
    count, audit = Hazard.objects.count(), AuditEvent.objects.count()
    for _ in range(3):
        again, created = services.report_hazard(
            actor=member, uuid=str(record_id), data=report_data(log), source="phone"
        )
        assert (again.pk, created) == (first.pk, False)
    assert Hazard.objects.count() == count
    assert AuditEvent.objects.count() == audit


def test_same_uuid_with_other_content_is_refused_on_uuid(world: Any) -> None:
    member = world.users["patrol_member"]
    log = make_log(world)
    record_id = uuid.uuid4()
    first, _ = services.report_hazard(
        actor=member, uuid=record_id, data=report_data(log), source="phone"
    )
    count = Hazard.objects.count()
    with pytest.raises(RecordInvalid) as exc:
        services.report_hazard(
            actor=member,
            uuid=record_id,
            data=report_data(log, description="另一处隐患"),
            source="phone",
        )
    assert set(errors_of(exc)) == {"uuid"}
    assert Hazard.objects.count() == count
    first.refresh_from_db()
    assert first.description == "防护网破了一个大洞"


def test_a_concurrent_upload_of_the_same_uuid_is_recognised(world: Any, monkeypatch: Any) -> None:
    """Two uploads of one uuid at once: the one that loses the insert answers "unchanged"."""
    member = world.users["patrol_member"]
    log = make_log(world)
    record_id = uuid.uuid4()
    validated = services._validated

    def racing(*args: Any) -> Any:
        values, photos = validated(*args)
        # The other upload commits between our existence check and our insert.
        Hazard.objects.create(uuid=record_id, found_by=member, **values)
        return values, photos

    monkeypatch.setattr(services, "_validated", racing)
    hazard, created = services.report_hazard(
        actor=member, uuid=record_id, data=report_data(log), source="phone"
    )
    assert created is False
    assert Hazard.objects.filter(uuid=record_id).count() == 1
    assert hazard.uuid == record_id


def test_log_of_another_jurisdiction_is_refused(world: Any) -> None:
    member = world.users["patrol_member"]
    log_b = make_log(world, "B")
    count, audit = Hazard.objects.count(), AuditEvent.objects.count()
    with pytest.raises(RecordInvalid) as exc:
        services.report_hazard(
            actor=member, uuid=uuid.uuid4(), data=report_data(log_b), source="phone"
        )
    assert set(errors_of(exc)) == {"log"}
    assert (Hazard.objects.count(), AuditEvent.objects.count()) == (count, audit)


def test_log_of_another_team_is_refused_to_a_team_member_not_to_the_office(world: Any) -> None:
    other_team_log = make_log(world, "A", team=world.a.policy_team)
    with pytest.raises(RecordInvalid) as exc:
        services.report_hazard(
            actor=world.users["patrol_member"],
            uuid=uuid.uuid4(),
            data=report_data(other_team_log),
            source="phone",
        )
    assert set(errors_of(exc)) == {"log"}
    hazard, created = services.report_hazard(
        actor=world.users["township_staff"],
        uuid=uuid.uuid4(),
        data=report_data(other_team_log),
        source="phone",
    )
    assert created and hazard.log == other_team_log


def test_log_not_received_yet_asks_for_a_retry(world: Any) -> None:
    data = report_data(None, log=str(uuid.uuid4()))
    with pytest.raises(services.LogNotReceived) as exc:
        services.report_hazard(
            actor=world.users["patrol_member"], uuid=uuid.uuid4(), data=data, source="phone"
        )
    assert set(exc.value.errors) == {"log"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"latitude": 95.0}, "latitude"),
        ({"longitude": -181.0}, "longitude"),
        ({"latitude": float("nan")}, "latitude"),
        ({"longitude": float("inf")}, "longitude"),
        ({"latitude": "north"}, "latitude"),
        ({"latitude": True}, "latitude"),
        ({"latitude": None}, "latitude"),
        ({"latitude": 107.735, "longitude": 29.885}, "latitude"),  # swapped
        ({"latitude": 48.1, "longitude": 11.6}, "longitude"),  # outside China
        ({"category": "no_such_category"}, "category"),
        ({"category": "public_order_x"}, "category"),
        ({"category": ""}, "category"),
        ({"description": "   "}, "description"),
        ({"severity": "catastrophic"}, "severity"),
        ({"found_at": "yesterday"}, "found_at"),
        ({"log": "not-a-uuid"}, "log"),
        ({"checklist_item": {"checklist": 1}}, "checklist_item"),
        ({"place": "x" * 201}, "place"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_report_names_the_field_and_writes_nothing(
    world: Any, changes: dict[str, Any], field: str
) -> None:
    log = make_log(world)
    count, audit = Hazard.objects.count(), AuditEvent.objects.count()
    with pytest.raises(RecordInvalid) as exc:
        services.report_hazard(
            actor=world.users["patrol_member"],
            uuid=uuid.uuid4(),
            data=report_data(log, **changes),
            source="phone",
        )
    assert field in errors_of(exc), errors_of(exc)
    assert all(m.strip() for m in errors_of(exc)[field])
    assert (Hazard.objects.count(), AuditEvent.objects.count()) == (count, audit)


@pytest.mark.parametrize(
    ("source", "field"), [("checklist", "checklist_item"), ("patrol_log", "log")]
)
def test_source_needs_what_it_names(world: Any, source: str, field: str) -> None:
    with pytest.raises(RecordInvalid) as exc:
        services.report_hazard(
            actor=world.users["patrol_member"],
            uuid=uuid.uuid4(),
            data=report_data(None),
            source=source,
        )
    assert set(errors_of(exc)) == {field}
    with pytest.raises(RecordInvalid) as exc:
        services.report_hazard(
            actor=world.users["patrol_member"], uuid=None, data=report_data(None), source="fax"
        )
    assert set(errors_of(exc)) == {"source"}


def test_coordinates_are_optional_and_strings_of_numbers_are_read(world: Any) -> None:
    member = world.users["patrol_member"]
    log = make_log(world)
    without, _ = services.report_hazard(
        actor=member,
        uuid=uuid.uuid4(),
        data=report_data(log, latitude=None, longitude=None),
        source="phone",
    )
    assert (without.latitude, without.longitude) == (None, None)
    text, _ = services.report_hazard(
        actor=member,
        uuid=uuid.uuid4(),
        data=report_data(log, latitude="29.885", longitude="107.735"),
        source="phone",
    )
    assert (text.latitude, text.longitude) == (29.885, 107.735)


def test_without_a_log_the_jurisdiction_comes_from_the_grant_or_the_data(world: Any) -> None:
    member = world.users["patrol_member"]
    hazard, _ = services.report_hazard(
        actor=member, uuid=uuid.uuid4(), data=report_data(None), source="phone"
    )
    assert hazard.jurisdiction == world.a.township  # the member's one grant

    # The administrator holds no grant: the place must be given.
    with pytest.raises(RecordInvalid) as exc:
        services.report_hazard(
            actor=world.admin, uuid=uuid.uuid4(), data=report_data(None), source="office"
        )
    assert set(errors_of(exc)) == {"jurisdiction"}
    hazard, _ = services.report_hazard(
        actor=world.admin,
        uuid=uuid.uuid4(),
        data=report_data(None, jurisdiction=world.a.village.pk),
        source="office",
    )
    assert hazard.jurisdiction == world.a.village

    # The office may not place a hazard in another county.
    with pytest.raises(RecordInvalid) as exc:
        services.report_hazard(
            actor=world.users["township_staff"],
            uuid=uuid.uuid4(),
            data=report_data(None, jurisdiction=world.b.village.pk),
            source="office",
        )
    assert set(errors_of(exc)) == {"jurisdiction"}


def test_a_log_fixes_the_jurisdiction(world: Any) -> None:
    log = make_log(world)
    with pytest.raises(RecordInvalid) as exc:
        services.report_hazard(
            actor=world.users["township_staff"],
            uuid=uuid.uuid4(),
            data=report_data(log, jurisdiction=world.a.village.pk),
            source="phone",
        )
    assert set(errors_of(exc)) == {"jurisdiction"}


def test_roles_without_the_add_permission_are_refused(world: Any) -> None:
    for role in ("auditor", "county_supervisor"):
        with pytest.raises(PermissionDenied):
            services.report_hazard(
                actor=world.users[role], uuid=uuid.uuid4(), data=report_data(None), source="phone"
            )


def test_the_office_is_told_after_the_commit(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    office = world.users["township_staff"]
    member = world.users["patrol_member"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        hazard, _ = services.report_hazard(
            actor=member, uuid=uuid.uuid4(), data=report_data(make_log(world)), source="phone"
        )
        # Nothing before the commit.
        assert not Notification.objects.filter(recipient=office).exists()
    assert len(callbacks) == 1
    note = Notification.objects.get(recipient=office)
    assert note.kind == "hazards.reported"
    assert note.link == f"/r/hazards/{hazard.pk}/"
    assert "K261+300" in note.title
    # Not the finder, nor anyone without the office role, nor the office of another county.
    assert not Notification.objects.filter(recipient=member).exists()
    assert not Notification.objects.filter(recipient=world.users["auditor"]).exists()


def test_the_office_does_not_tell_itself(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    office = world.users["township_staff"]
    with django_capture_on_commit_callbacks(execute=True):
        services.report_hazard(
            actor=office, uuid=uuid.uuid4(), data=report_data(None), source="office"
        )
    assert not Notification.objects.filter(recipient=office).exists()


def test_phone_report_of_a_checklist_item_links_it_once(world: Any) -> None:
    member = world.users["patrol_member"]
    log = make_log(world)
    checklist = make_checklist(world)
    result = make_result(log, checklist)
    item = {"checklist": checklist.pk, "code": "po-01"}
    hazard, _ = services.report_hazard(
        actor=member,
        uuid=uuid.uuid4(),
        data=report_data(log, checklist_item=item, category="public_order"),
        source="phone",
    )
    assert hazard.checklist_result == result
    # Another report of the same item (another uuid) is refused, naming the item.
    with pytest.raises(RecordInvalid) as exc:
        services.report_hazard(
            actor=member,
            uuid=uuid.uuid4(),
            data=report_data(log, checklist_item=item, category="public_order"),
            source="phone",
        )
    assert set(errors_of(exc)) == {"checklist_item"}
    # An item that is not on the log, or an item without its log.
    for data in (
        report_data(log, checklist_item={"checklist": checklist.pk, "code": "po-02"}),
        report_data(None, checklist_item=item),
    ):
        with pytest.raises(RecordInvalid) as exc:
            services.report_hazard(actor=member, uuid=uuid.uuid4(), data=data, source="phone")
        assert set(errors_of(exc)) == {"checklist_item"}


def test_repeat_after_the_item_left_the_log_is_still_unchanged(world: Any) -> None:
    member = world.users["patrol_member"]
    log = make_log(world)
    checklist = make_checklist(world)
    result = make_result(log, checklist)
    record_id = uuid.uuid4()
    data = report_data(log, checklist_item={"checklist": checklist.pk, "code": "po-01"})
    first, _ = services.report_hazard(actor=member, uuid=record_id, data=data, source="checklist")
    result.delete()  # the member re-sent the log without that answer
    again, created = services.report_hazard(
        actor=member, uuid=record_id, data=data, source="checklist"
    )
    assert (again.pk, created) == (first.pk, False)


def test_photos_of_the_log_may_be_attached(world: Any) -> None:
    member = world.users["patrol_member"]
    log = make_log(world)
    photo = make_photo(world, log)
    hazard, _ = services.report_hazard(
        actor=member,
        uuid=uuid.uuid4(),
        data=report_data(log, photos=[str(photo.uuid)]),
        source="phone",
    )
    assert list(hazard.photos.all()) == [photo]
    other = make_photo(world, make_log(world))
    with pytest.raises(RecordInvalid) as exc:
        services.report_hazard(
            actor=member,
            uuid=uuid.uuid4(),
            data=report_data(log, photos=[str(other.uuid)]),
            source="phone",
        )
    assert set(errors_of(exc)) == {"photos"}


# ---- a failed checklist item in one step --------------------------------------------------------


@pytest.mark.parametrize(
    ("checklist_category", "hazard_category"),
    [("public_order", "public_order"), ("work_safety", "work_safety"), ("fire_safety", "fire")],
)
def test_failed_item_becomes_a_hazard_in_one_step(
    world: Any, checklist_category: str, hazard_category: str
) -> None:
    member = world.users["patrol_member"]
    log = make_log(world)
    result = make_result(log, make_checklist(world, category=checklist_category))
    audit = AuditEvent.objects.count()

    hazard = services.report_from_checklist_result(result, actor=member)

    assert hazard.category.code == hazard_category
    assert hazard.checklist_result == result
    assert hazard.log == log
    assert hazard.source == "checklist"
    assert hazard.jurisdiction == log.jurisdiction
    assert hazard.found_by == member
    assert result.item_text in hazard.description and result.note in hazard.description
    key_place = world.a.post.key_place
    assert hazard.place == key_place.name
    assert (hazard.longitude, hazard.latitude) == (key_place.longitude, key_place.latitude)
    assert AuditEvent.objects.count() == audit + 1

    count = Hazard.objects.count()
    again = services.report_from_checklist_result(result, actor=member)
    assert again.pk == hazard.pk
    assert Hazard.objects.count() == count
    assert AuditEvent.objects.count() == audit + 1


def test_one_step_takes_the_finders_changes_and_photos(world: Any) -> None:
    log = make_log(world)
    result = make_result(log, make_checklist(world))
    photo = make_photo(world, log)
    hazard = services.report_from_checklist_result(
        result,
        actor=world.users["team_leader"],
        data={"severity": "major", "category": "campus", "photos": [str(photo.uuid)]},
    )
    assert (hazard.severity, hazard.category.code) == ("major", "campus")
    assert list(hazard.photos.all()) == [photo]
    assert services.offered_photos(result, world.users["team_leader"]) == [photo]


def test_an_item_in_order_does_not_become_a_hazard(world: Any) -> None:
    log = make_log(world)
    result = make_result(log, make_checklist(world), result="pass")
    with pytest.raises(RecordInvalid) as exc:
        services.report_from_checklist_result(result, actor=world.users["patrol_member"])
    assert set(errors_of(exc)) == {"checklist_item"}
    assert not Hazard.objects.filter(checklist_result=result).exists()


def test_an_item_of_another_county_is_not_found(world: Any) -> None:
    from django.http import Http404

    result = make_result(make_log(world, "B"), make_checklist(world, "B"))
    with pytest.raises(Http404):
        services.report_from_checklist_result(result, actor=world.users["township_staff"])


# ---- the office's own entry -------------------------------------------------------------------


def test_office_entry_records_the_finder_and_source(world: Any, login: Any) -> None:
    client = login("township_staff")
    response = send(client, "post", api_url("hazards"), make_payload("hazards", world, "A", 3))
    assert response.status_code == 201, response.content
    hazard = Hazard.objects.get(pk=response.json()["id"])
    assert hazard.found_by == world.users["township_staff"]
    assert hazard.source == "office"
    bad = {**make_payload("hazards", world, "A", 4), "latitude": 95}
    response = send(client, "post", api_url("hazards"), bad)
    assert response.status_code == 422
    assert "latitude" in error_fields(response)
    only_one = {**make_payload("hazards", world, "A", 5), "latitude": None}
    response = send(client, "post", api_url("hazards"), only_one)
    assert response.status_code == 422
    assert "latitude" in error_fields(response)


# ---- the API ------------------------------------------------------------------------------------


def test_api_report_is_idempotent(world: Any, login: Any) -> None:
    client = login("patrol_member")
    log = make_log(world)
    body = {"uuid": str(uuid.uuid4()), **report_data(log)}
    first = send(client, "post", REPORTS, body)
    assert first.status_code == 201, first.content
    assert first.json()["uuid"] == body["uuid"]
    assert first.json()["log"] == str(log.uuid)
    assert first.json()["source"] == "phone"
    count = Hazard.objects.count()
    again = send(client, "post", REPORTS, body)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    changed = send(client, "post", REPORTS, {**body, "severity": "general"})
    assert changed.status_code == 422
    assert set(error_fields(changed)) == {"uuid"}
    assert Hazard.objects.count() == count


def test_api_refusals_name_the_field_with_its_label(world: Any, login: Any) -> None:
    client = login("patrol_member")
    count = Hazard.objects.count()
    response = send(client, "post", REPORTS, report_data(make_log(world), latitude=91))
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] and body["status"] == "rejected"
    (error,) = body["errors"]
    assert error["field"] == "latitude" and error["label"] and error["message"]

    response = send(client, "post", REPORTS, report_data(make_log(world, "B")))
    assert response.status_code == 422
    assert set(error_fields(response)) == {"log"}

    response = send(client, "post", REPORTS, report_data(None, log=str(uuid.uuid4())))
    assert response.status_code == 409
    assert response.json()["status"] == "retry"
    assert Hazard.objects.count() == count


def test_api_report_needs_the_permission(world: Any, login: Any) -> None:
    response = send(login("auditor"), "post", REPORTS, report_data(None))
    assert response.status_code == 403


def test_api_from_checklist(world: Any, login: Any) -> None:
    client = login("patrol_member")
    result = make_result(make_log(world), make_checklist(world))
    url = f"{REPORTS}from-checklist/{result.pk}"
    first = client.post(url)
    assert first.status_code == 201, first.content
    assert first.json()["checklist_result"] == result.pk
    assert first.json()["category"] == "public_order"
    again = send(client, "post", url, {"severity": "major"})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Hazard.objects.filter(checklist_result=result).count() == 1

    outside = make_result(make_log(world, "B"), make_checklist(world, "B"))
    response = client.post(f"{REPORTS}from-checklist/{outside.pk}")
    assert response.status_code == 404
    assert not Hazard.objects.filter(checklist_result=outside).exists()


def test_phone_sync_hazard_item_is_saved_once(world: Any, login: Any) -> None:
    """The phone's queue (docs/field-sync.md) goes through `report_hazard`."""
    client = login("patrol_member")
    log = make_log(world)
    item = {"uuid": str(uuid.uuid4()), "kind": "hazard", "data": report_data(log)}
    statuses = []
    for _ in range(2):
        response = send(client, "post", "/api/v1/field/sync", {"items": [item]})
        assert response.status_code == 200, response.content
        statuses.append(response.json()["results"][0]["status"])
    assert statuses == ["saved", "unchanged"]
    assert Hazard.objects.filter(uuid=item["uuid"]).count() == 1
    bad = {**item, "uuid": str(uuid.uuid4()), "data": report_data(log, latitude=123)}
    response = send(client, "post", "/api/v1/field/sync", {"items": [bad]})
    (result,) = response.json()["results"]
    assert result["status"] == "rejected"
    assert [e["field"] for e in result["errors"]] == ["latitude"]
    assert result["errors"][0]["label"]


# ---- pages ------------------------------------------------------------------------------------


def test_page_one_step_redirects_to_the_hazard(world: Any, login: Any) -> None:
    client = login("team_leader")
    log = make_log(world)
    result = make_result(log, make_checklist(world))
    photo = make_photo(world, log)
    url = f"/hazards/from-checklist/{result.pk}/"
    form = client.get(url)
    assert form.status_code == 200
    html = form.content.decode()
    assert result.item_text in html and str(photo.uuid) in html

    response = client.post(url)
    hazard = Hazard.objects.get(checklist_result=result)
    assert response.status_code == 302
    assert response["Location"] == f"/r/hazards/{hazard.pk}/"
    # A second click opens the same hazard.
    assert client.post(url)["Location"] == f"/r/hazards/{hazard.pk}/"
    assert Hazard.objects.filter(checklist_result=result).count() == 1

    hazard.photos.add(photo)
    detail = client.get(f"/r/hazards/{hazard.pk}/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert result.item_text in html
    assert reverse("patrol-photo", args=[photo.uuid]) in html
    assert reverse("patrol-log-detail", args=[log.pk]) in html


def test_page_shows_errors_and_refuses_outside(world: Any, login: Any) -> None:
    client = login("team_leader")
    result = make_result(make_log(world), make_checklist(world))
    response = client.post(
        f"/hazards/from-checklist/{result.pk}/", {"category": "nope", "description": ""}
    )
    assert response.status_code == 200
    assert set(response.context["errors"]) == {"category", "description"}
    assert not Hazard.objects.filter(checklist_result=result).exists()

    outside = make_result(make_log(world, "B"), make_checklist(world, "B"))
    assert client.get(f"/hazards/from-checklist/{outside.pk}/").status_code == 404
    assert client.post(f"/hazards/from-checklist/{outside.pk}/").status_code == 404
