"""Bad input to the phone sync: malformed envelopes (422, nothing written), bad fields
(`rejected` naming the field, in the user's language), bad coordinates and bad photos."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone, translation

from patrols.field_helpers import (
    JSON,
    SYNC_URL,
    checkin_item,
    image_bytes,
    log_item,
    log_payload,
    make_duty,
    new_uuid,
    patrol_user,
    result_for,
    sync,
    track_item,
    upload_photo,
    use_tmp_media,
)
from shouwang.core.models import AuditEvent
from shouwang.patrols.models import CheckIn, FieldPhoto, PatrolLog, TrackBatch

FIELD_CODES = [
    "patrols.patrollog.saved",
    "patrols.checkin.recorded",
    "patrols.trackbatch.saved",
    "patrols.photo.stored",
]


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    return use_tmp_media(settings, tmp_path)


@pytest.fixture
def member_client(world: Any, login: Any) -> Any:
    return login(patrol_user(world))


BASELINE: dict[str, tuple[int, ...]] = {}


def _counts() -> tuple[int, ...]:
    return (
        PatrolLog.objects.count(),
        CheckIn.objects.count(),
        TrackBatch.objects.count(),
        FieldPhoto.objects.count(),
        AuditEvent.objects.filter(code__in=FIELD_CODES).count(),
    )


@pytest.fixture(autouse=True)
def _baseline(world: Any) -> None:
    BASELINE["counts"] = _counts()


def _nothing_written() -> None:
    assert _counts() == BASELINE["counts"]


def _fields(result: dict[str, Any]) -> list[str]:
    assert result["status"] == "rejected", result
    return [e["field"] for e in result["errors"]]


# ---- the envelope -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "not json at all",
        json.dumps([1, 2]),
        json.dumps({"things": []}),
        json.dumps({"items": {"a": 1}}),
        json.dumps({"items": [{"kind": "patrol_log", "data": {}}]}),  # no uuid
        json.dumps({"items": [{"uuid": "not-a-uuid", "kind": "patrol_log", "data": {}}]}),
        json.dumps({"items": ["just text"]}),
    ],
)
def test_malformed_envelope_is_422(world: Any, member_client: Any, body: str) -> None:
    response = member_client.post(SYNC_URL, data=body, content_type=JSON)
    assert response.status_code == 422
    payload = response.json()
    assert payload["detail"]
    assert payload["errors"][0]["field"] == "items"
    _nothing_written()


def test_more_than_200_items_is_422_and_writes_nothing(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    good = log_item(log_payload(duty=duty))
    items = [good] + [checkin_item(good["uuid"]) for _ in range(200)]
    response = sync(member_client, items)
    assert response.status_code == 422
    assert "200" in response.json()["detail"]
    _nothing_written()


def test_exactly_200_items_are_accepted(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    log = log_item(log_payload(duty=duty))
    items = [log] + [checkin_item(log["uuid"]) for _ in range(199)]
    response = sync(member_client, items)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 200
    assert CheckIn.objects.filter(log__uuid=log["uuid"]).count() == 199


def test_unknown_kind_and_bad_data_are_rejected_per_item(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    good = log_item(log_payload(duty=duty))
    odd = {"uuid": new_uuid(), "kind": "selfie", "data": {}}
    no_data = {"uuid": new_uuid(), "kind": "check_in", "data": "text"}
    body = sync(member_client, [odd, good, no_data]).json()
    assert _fields(result_for(body, odd["uuid"])) == ["kind"]
    assert _fields(result_for(body, no_data["uuid"])) == ["data"]
    # A refused item does not undo the others.
    assert result_for(body, good["uuid"])["status"] == "saved"


# ---- patrol log fields ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"started_at": None}, "started_at"),
        ({"started_at": "yesterday evening"}, "started_at"),
        ({"ended_at": "2000-01-01T00:00:00+08:00"}, "ended_at"),
        ({"method": "helicopter"}, "method"),
        ({"duty": "abc"}, "duty"),
        ({"duty": 99999999}, "duty"),
        ({"team": None, "duty": None}, "team"),
        ({"post": 99999999}, "post"),
        ({"findings": [{"kind": "gossip", "text": "…"}]}, "findings"),
        ({"findings": "found nothing"}, "findings"),
        ({"attendance": [{"member": 1, "status": "asleep"}]}, "attendance"),
        ({"attendance": "all present"}, "attendance"),
        ({"checklists": [{"checklist": 99999999, "items": []}]}, "checklists"),
        ({"submit": "yes"}, "submit"),
        ({"place": "x" * 201}, "place"),
        ({"notes": 42}, "notes"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_log_fields_are_rejected_by_name(
    world: Any, member_client: Any, change: dict[str, Any], field: str
) -> None:
    duty = make_duty(world)
    data = log_payload(duty=duty)
    data.update(change)
    item = log_item(data)
    result = result_for(sync(member_client, [item]).json(), item["uuid"])
    assert field in _fields(result)
    error = next(e for e in result["errors"] if e["field"] == field)
    assert error["message"]
    _nothing_written()


def test_bad_base_version_is_rejected(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    item = log_item(log_payload(duty=duty), base_version="one")  # type: ignore[arg-type]
    assert _fields(result_for(sync(member_client, [item]).json(), item["uuid"])) == ["base_version"]


def test_errors_are_in_the_users_language(world: Any, login: Any) -> None:
    duty = make_duty(world)
    item = log_item(log_payload(duty=duty, method="helicopter"))
    client = login(patrol_user(world))
    zh = result_for(sync(client, [item], HTTP_ACCEPT_LANGUAGE="zh-hans").json(), item["uuid"])
    en = result_for(sync(client, [item], HTTP_ACCEPT_LANGUAGE="en").json(), item["uuid"])
    from shouwang.patrols.models import PatrolLog as Log

    with translation.override("zh-hans"):
        label_zh = str(Log._meta.get_field("method").verbose_name)
    assert zh["errors"][0]["label"] == label_zh
    assert en["errors"][0]["label"] == "patrol method"


# ---- coordinates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [
        (91, 107.73, "latitude"),
        (-90.5, 107.73, "latitude"),
        (29.88, 181, "longitude"),
        ("29.88", 107.73, "latitude"),
        (29.88, "107.73", "longitude"),
        (True, 107.73, "latitude"),
        (29.88, None, "longitude"),
        (None, 107.73, "latitude"),
        (51.5, -0.12, "longitude"),  # London: outside China
        (107.73, 29.88, "latitude"),  # swapped
    ],
)
def test_bad_coordinates_are_refused(
    world: Any, member_client: Any, latitude: Any, longitude: Any, field: str
) -> None:
    duty = make_duty(world)
    log = log_item(log_payload(duty=duty))
    sync(member_client, [log])
    item = checkin_item(log["uuid"], latitude=latitude, longitude=longitude)
    result = result_for(sync(member_client, [item]).json(), item["uuid"])
    assert field in _fields(result)
    assert not CheckIn.objects.filter(log__uuid=log["uuid"]).exists()


def test_nan_and_infinity_are_refused(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    log = log_item(log_payload(duty=duty))
    sync(member_client, [log])
    nan = checkin_item(log["uuid"], latitude=29.88, longitude=107.73)
    nan["data"]["latitude"] = float("nan")
    inf = checkin_item(log["uuid"], latitude=29.88, longitude=107.73)
    inf["data"]["longitude"] = float("inf")
    # json.dumps writes NaN/Infinity literals, which Python's json reader accepts.
    raw = json.dumps({"items": [nan, inf]})
    assert "NaN" in raw
    body = member_client.post(SYNC_URL, data=raw, content_type=JSON).json()
    assert _fields(result_for(body, nan["uuid"])) == ["latitude"]
    assert _fields(result_for(body, inf["uuid"])) == ["longitude"]
    assert not CheckIn.objects.filter(log__uuid=log["uuid"]).exists()


def test_bad_check_in_fields(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    log = log_item(log_payload(duty=duty))
    sync(member_client, [log])
    bad_kind = checkin_item(log["uuid"], kind="lunch")
    no_time = checkin_item(log["uuid"])
    no_time["data"]["phone_time"] = None
    no_scan = checkin_item(log["uuid"], kind="checkpoint")
    garbage = checkin_item(log["uuid"], kind="checkpoint", checkpoint="http://example.com/x")
    bad_log = checkin_item("not-a-uuid")
    bad_accuracy = checkin_item(log["uuid"], latitude=29.88, longitude=107.73, accuracy_m=-3)
    body = sync(member_client, [bad_kind, no_time, no_scan, garbage, bad_log, bad_accuracy]).json()
    assert _fields(result_for(body, bad_kind["uuid"])) == ["kind"]
    assert _fields(result_for(body, no_time["uuid"])) == ["phone_time"]
    assert _fields(result_for(body, no_scan["uuid"])) == ["checkpoint"]
    assert _fields(result_for(body, garbage["uuid"])) == ["checkpoint"]
    assert _fields(result_for(body, bad_log["uuid"])) == ["log"]
    assert _fields(result_for(body, bad_accuracy["uuid"])) == ["accuracy_m"]
    assert not CheckIn.objects.filter(log__uuid=log["uuid"]).exists()


# ---- tracks -----------------------------------------------------------------------------------


def test_track_limits_and_point_checks(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    log = log_item(log_payload(duty=duty))
    sync(member_client, [log])
    now = timezone.now().isoformat()
    too_long = track_item(log["uuid"], [[now, 29.88, 107.73, 5]] * 2001)
    bad_point = track_item(log["uuid"], [[now, 29.88, 107.73, 5], [now, 91, 107.73, 5]])
    bad_time = track_item(log["uuid"], [["noon", 29.88, 107.73, 5]])
    empty = track_item(log["uuid"], [])
    body = sync(member_client, [too_long, bad_point, bad_time, empty]).json()
    for item in (too_long, bad_point, bad_time, empty):
        assert _fields(result_for(body, item["uuid"])) == ["points"]
    assert "2" in result_for(body, bad_point["uuid"])["errors"][0]["message"]  # row number
    assert not TrackBatch.objects.filter(log__uuid=log["uuid"]).exists()
    ok = track_item(log["uuid"], [[now, 29.88, 107.73, 5]] * 2000)
    assert result_for(sync(member_client, [ok]).json(), ok["uuid"])["status"] == "saved"


# ---- photos -----------------------------------------------------------------------------------


@pytest.fixture
def log_uuid(world: Any, member_client: Any) -> str:
    duty = make_duty(world)
    log = log_item(log_payload(duty=duty))
    sync(member_client, [log])
    return log["uuid"]  # type: ignore[no-any-return]


def _photo_error(response: Any) -> list[str]:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["status"] == "rejected"
    return [e["field"] for e in body["errors"]]


def test_text_file_named_jpg_is_refused(
    world: Any, member_client: Any, log_uuid: str, media: Any
) -> None:
    response = upload_photo(
        member_client,
        new_uuid(),
        b"this is not a picture\n" * 20,
        log=log_uuid,
        filename="evidence.jpg",
    )
    assert _photo_error(response) == ["file"]
    assert not FieldPhoto.objects.filter(log__uuid=log_uuid).exists()
    assert not list(media.rglob("*.jpg"))


def test_gif_and_truncated_jpeg_are_refused(
    world: Any, member_client: Any, log_uuid: str, media: Any
) -> None:
    gif = image_bytes("GIF")
    assert _photo_error(upload_photo(member_client, new_uuid(), gif, log=log_uuid)) == ["file"]
    jpeg = image_bytes("JPEG", (200, 200))
    cut = jpeg[: len(jpeg) // 2]
    assert _photo_error(upload_photo(member_client, new_uuid(), cut, log=log_uuid)) == ["file"]
    assert not FieldPhoto.objects.filter(log__uuid=log_uuid).exists()


def test_oversized_photo_is_refused(
    world: Any, member_client: Any, log_uuid: str, media: Any, settings: Any
) -> None:
    settings.SHOUWANG_MAX_PHOTO_BYTES = 1000
    big = image_bytes("PNG", (300, 300), "blue") + b""
    big = image_bytes("JPEG", (400, 400))
    assert len(big) > 1000
    response = upload_photo(member_client, new_uuid(), big, log=log_uuid)
    assert _photo_error(response) == ["file"]
    assert "MB" in response.json()["errors"][0]["message"]
    assert not FieldPhoto.objects.filter(log__uuid=log_uuid).exists()


def test_photo_needs_a_file_and_one_owner(
    world: Any, member_client: Any, log_uuid: str, media: Any
) -> None:
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    url = f"/api/v1/field/photos/{new_uuid()}"
    no_file = member_client.put(
        url, data=encode_multipart(BOUNDARY, {"log": log_uuid}), content_type=MULTIPART_CONTENT
    )
    assert _photo_error(no_file) == ["file"]
    neither = upload_photo(member_client, new_uuid(), image_bytes())
    assert _photo_error(neither) == ["log"]
    both = upload_photo(member_client, new_uuid(), image_bytes(), log=log_uuid, hazard=new_uuid())
    assert _photo_error(both) == ["log"]
    bad_uuid = upload_photo(member_client, "not-a-uuid", image_bytes(), log=log_uuid)
    assert _photo_error(bad_uuid) == ["uuid"]
    assert not FieldPhoto.objects.filter(log__uuid=log_uuid).exists()


def test_photo_of_another_teams_log_is_refused(
    world: Any, login: Any, log_uuid: str, media: Any
) -> None:
    outsider = login(patrol_user(world, "B"))
    response = upload_photo(outsider, new_uuid(), image_bytes(), log=log_uuid)
    assert _photo_error(response) == ["log"]


def test_photo_with_too_many_pixels_is_refused_before_decoding(
    world: Any, member_client: Any, log_uuid: str, media: Any
) -> None:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (8000, 8000)).save(buffer, format="PNG")  # 64 megapixels, a few kB
    assert len(buffer.getvalue()) < 100_000
    response = upload_photo(member_client, new_uuid(), buffer.getvalue(), log=log_uuid)
    assert _photo_error(response) == ["file"]
    assert "8000" in response.json()["errors"][0]["message"]


def test_a_batch_larger_than_djangos_form_limit_is_read(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    log = log_item(log_payload(duty=duty))
    now = timezone.now().replace(microsecond=0).isoformat()
    tracks = [
        track_item(log["uuid"], [[now, 29.881234, 107.731234, 5.5]] * 2000) for _ in range(30)
    ]
    raw = json.dumps({"items": [log, *tracks]})
    assert len(raw) > 2_621_440  # DATA_UPLOAD_MAX_MEMORY_SIZE
    response = member_client.post(SYNC_URL, data=raw, content_type=JSON)
    assert response.status_code == 200
    assert set(r["status"] for r in response.json()["results"]) == {"saved"}
    assert TrackBatch.objects.filter(log__uuid=log["uuid"]).count() == 30
