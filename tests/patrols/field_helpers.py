"""Shared builders for field-work tests (patrol logs, check-ins, photos, the phone sync API).

Import them as ``from patrols.field_helpers import ...`` (tests/patrols is a package, so this
directory itself is not on sys.path; tests/ is). Everything here is test setup: records are
made directly where no service exists for them (duties, rosters, checklists), and every test's
writes are rolled back by the `world` fixture.

Typical use::

    def test_something(world, login, field_media):
        duty = make_duty(world)                      # today, team A, member A assigned
        client = login(patrol_user(world))           # u_patrol_member, linked to member A
        item = log_item(log_payload(duty=duty))
        body = sync(client, [item]).json()
        assert result_for(body, item["uuid"])["status"] == "saved"
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid as uuid_lib
from typing import Any

import pytest
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.utils import timezone

SYNC_URL = "/api/v1/field/sync"
TODAY_URL = "/api/v1/field/today"
JSON = "application/json"


def photo_url(photo_uuid: str) -> str:
    return f"/api/v1/field/photos/{photo_uuid}"


def new_uuid() -> str:
    return str(uuid_lib.uuid4())


def iso(value: dt.datetime) -> str:
    return value.isoformat()


# ---- people and duties ----------------------------------------------------------------------


def patrol_user(world: Any, side: str = "A") -> Any:
    """The patrol-member login of team A (u_patrol_member), linked to the side's member.

    Side A's member (甲队员, also the team's leader in the world) becomes the member behind
    `u_patrol_member`. For side B there is no patrol-member user in the world: a new login with
    a team-B patrol_member grant is made and linked to side B's member.
    """
    from shouwang.forces.models import Member

    s = world.sides[side]
    if side == "A":
        user = world.users["patrol_member"]
    else:
        from conftest import PASSWORD
        from django.contrib.auth import get_user_model

        from shouwang.core import services as core

        user = get_user_model().objects.filter(username="u_patrol_member_b").first()
        if user is None:
            user = core.create_user(
                actor=world.admin, username="u_patrol_member_b", password=PASSWORD
            )
            core.create_role_grant(
                actor=world.admin,
                data={
                    "user": user.username,
                    "role": "patrol_member",
                    "jurisdiction": s.township.pk,
                    "team": s.team.pk,
                },
            )
    Member.objects.filter(user=user).exclude(pk=s.member.pk).update(user=None)
    Member.objects.filter(pk=s.member.pk).update(user=user)  # test setup
    s.member.refresh_from_db()
    return user


def team_member(world: Any, n: int, name: str = "", side: str = "A") -> Any:
    """A further active member of the side's team (no login), made through the service."""
    from conftest import make_payload

    from shouwang.forces import services as forces

    s = world.sides[side]
    payload = make_payload("members", world, side, n=60 + n)
    payload.update(
        {
            "name": name or f"{'甲' if side == 'A' else '乙'}巡防员{n}",
            "teams": [s.team.pk],
            "citizen_id_number": "",
            "roles": [],
        }
    )
    return forces.create_member(
        actor=world.admin, data={k: ("" if v is None else v) for k, v in payload.items()}
    )


def published_roster(world: Any, side: str, day: dt.date) -> Any:
    """The side's team roster of `day`'s month, published (made directly: test setup)."""
    from shouwang.rostering.models import Roster, RosterStatus

    team = world.sides[side].team
    roster, _ = Roster.objects.get_or_create(team=team, month=day.replace(day=1))
    if roster.status != RosterStatus.PUBLISHED:
        Roster.objects.filter(pk=roster.pk).update(status=RosterStatus.PUBLISHED)
        roster.refresh_from_db()
    return roster


def make_duty(
    world: Any,
    side: str = "A",
    start: dt.datetime | None = None,
    hours: int = 2,
    members: list[Any] | None = None,
    post: Any = None,
) -> Any:
    """A duty of the side's post on a published roster, with members assigned.

    `start` defaults to one hour ago (local time), so the duty is "today". `members` defaults
    to the side's world member; for side A the member is linked to `u_patrol_member` (see
    `patrol_user`), so that login is the assigned patrol member.
    """
    from shouwang.rostering.models import Duty, DutyAssignment

    s = world.sides[side]
    if side == "A":
        patrol_user(world, "A")
    if start is None:
        start = timezone.localtime().replace(second=0, microsecond=0) - dt.timedelta(hours=1)
    local_start = timezone.localtime(start)
    roster = published_roster(world, side, local_start.date())
    duty = Duty.objects.create(
        roster=roster,
        post=post or s.post,
        rule=s.dutyrule,
        date=local_start.date(),
        start=start,
        end=start + dt.timedelta(hours=hours),
        required_count=len(members) if members else 1,
    )
    for member in members if members is not None else [s.member]:
        DutyAssignment.objects.create(duty=duty, member=member)
    return duty


def make_checklist(world: Any, side: str = "A", name: str = "治安巡查", items: Any = None) -> Any:
    """An active checklist of the side's township (made directly: test setup)."""
    from shouwang.patrols.models import Checklist

    return Checklist.objects.create(
        name=name,
        category="public_order",
        jurisdiction=world.sides[side].township,
        items=items
        or [
            {"code": "po-01", "text": "公共场所有无赌博、色情活动", "hint": ""},
            {"code": "po-02", "text": "旅馆是否落实实名登记", "hint": ""},
            {"code": "po-03", "text": "出租房屋登记率", "hint": ""},
        ],
    )


# ---- payloads ---------------------------------------------------------------------------------


def log_payload(duty: Any = None, team: Any = None, **overrides: Any) -> dict[str, Any]:
    """A valid `patrol_log` data object (docs/field-sync.md).

    With a duty: its team, post and start; attendance lists the duty's assigned members as
    present. Without: pass `team` (an unplanned patrol), started one hour ago.
    """
    if duty is not None:
        started = duty.start
        team_id: Any = duty.roster.team_id
        post_id: Any = duty.post_id
        attendance = [
            {"member": a.member_id, "status": "present", "substitute_for": None, "note": ""}
            for a in duty.assignments.all()
        ]
    else:
        started = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)
        team_id = getattr(team, "pk", team)
        post_id = None
        attendance = []
    data: dict[str, Any] = {
        "duty": getattr(duty, "pk", None),
        "team": team_id,
        "post": post_id,
        "route": None,
        "place": "村委会门口",
        "method": "foot",
        "started_at": iso(started),
        "ended_at": None,
        "attendance": attendance,
        "checklists": [],
        "findings": [],
        "publicity": "发放反诈传单 30 份",
        "notes": "",
        "submit": False,
        "client_updated_at": iso(timezone.now().replace(microsecond=0)),
    }
    data.update(overrides)
    return data


def log_item(
    data: dict[str, Any], uuid: str | None = None, base_version: int | None = None
) -> dict[str, Any]:
    return {
        "uuid": uuid or new_uuid(),
        "kind": "patrol_log",
        "base_version": base_version,
        "data": data,
    }


def checkin_item(
    log_uuid: str,
    kind: str = "start",
    latitude: Any = None,
    longitude: Any = None,
    checkpoint: str | None = None,
    phone_time: dt.datetime | str | None = None,
    accuracy_m: Any = 10,
    uuid: str | None = None,
) -> dict[str, Any]:
    when = phone_time or timezone.now().replace(microsecond=0)
    return {
        "uuid": uuid or new_uuid(),
        "kind": "check_in",
        "data": {
            "log": log_uuid,
            "kind": kind,
            "latitude": latitude,
            "longitude": longitude,
            "accuracy_m": accuracy_m if latitude is not None else None,
            "checkpoint": checkpoint,
            "phone_time": when if isinstance(when, str) else iso(when),
        },
    }


def track_item(log_uuid: str, points: list[Any], uuid: str | None = None) -> dict[str, Any]:
    return {
        "uuid": uuid or new_uuid(),
        "kind": "track",
        "data": {"log": log_uuid, "points": points},
    }


def hazard_item(data: dict[str, Any], uuid: str | None = None) -> dict[str, Any]:
    return {"uuid": uuid or new_uuid(), "kind": "hazard", "data": data}


# ---- talking to the API -----------------------------------------------------------------------


def sync(client: Client, items: list[dict[str, Any]], **extra: Any) -> Any:
    """POST a batch to /api/v1/field/sync and return the response."""
    return client.post(SYNC_URL, data=json.dumps({"items": items}), content_type=JSON, **extra)


def result_for(body: dict[str, Any], item_uuid: str) -> dict[str, Any]:
    """The result of one item in a sync answer (the first with that uuid)."""
    for result in body["results"]:
        if result["uuid"] == item_uuid:
            return result  # type: ignore[no-any-return]
    raise AssertionError(f"no result for {item_uuid} in {body}")


def statuses(body: dict[str, Any]) -> list[str]:
    return [r["status"] for r in body["results"]]


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (40, 30), color: str = "red") -> bytes:
    """A small real image (JPEG, PNG or WEBP) made with Pillow."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def upload_photo(
    client: Client,
    photo_uuid: str,
    content: bytes,
    *,
    log: str | None = None,
    hazard: str | None = None,
    caption: str = "",
    taken_at: str = "",
    filename: str = "photo.jpg",
    method: str = "put",
) -> Any:
    """Send a photo as multipart (PUT by default, `method="post"` for the POST twin)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    fields: dict[str, Any] = {"file": SimpleUploadedFile(filename, content)}
    if log:
        fields["log"] = log
    if hazard:
        fields["hazard"] = hazard
    if caption:
        fields["caption"] = caption
    if taken_at:
        fields["taken_at"] = taken_at
    if method == "post":
        return client.post(photo_url(photo_uuid), data=fields)  # the client encodes it
    body = encode_multipart(BOUNDARY, fields)
    return client.put(photo_url(photo_uuid), data=body, content_type=MULTIPART_CONTENT)


def use_tmp_media(settings: Any, tmp_path: Any) -> Any:
    """Store uploaded photos under a temporary MEDIA_ROOT; returns that folder (a Path).

    Call it from a fixture of your test module, e.g.::

        @pytest.fixture
        def media(settings, tmp_path):
            return use_tmp_media(settings, tmp_path)
    """
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def field_media(settings: Any, tmp_path: Any) -> Any:
    """The same as a fixture (importing it into a test module needs `# noqa: F401, F811`)."""
    return use_tmp_media(settings, tmp_path)
