"""Phone sync API (/api/v1/field/): see docs/field-sync.md.

Thin handlers: `GET /today` (what the phone caches), `POST /sync` (a batch, item by item in
`sync.py`), `PUT`/`POST /photos/{uuid}` (one photo, multipart). Every answer about a record
is given only after its transaction has committed.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import Router, Status

from shouwang.areas.models import KeyPlace, Post
from shouwang.core.models import CodeItem
from shouwang.forces.models import MemberStatus
from shouwang.patrols import services, sync
from shouwang.patrols.models import Checklist, LogStatus, PatrolLog
from shouwang.rostering.models import Duty

router = Router(tags=["field sync"])

#: Largest sync request read (a batch of 200 items with long tracks stays well below it).
MAX_SYNC_BYTES = 32 * 1024 * 1024
DAYS_AHEAD = 7
#: Yesterday's duties stay on the phone while they run past midnight (the night patrol) and
#: for this long after they end, so a log can still be finished and handed in.
RECENT_HOURS = 6


def _refused(request: HttpRequest, message: str, status: int = 422) -> Any:
    return Status(status, {"detail": message, "errors": []})


# ---- GET /today ---------------------------------------------------------------------------


def _place(place: KeyPlace | None) -> dict[str, Any] | None:
    if place is None:
        return None
    return {
        "id": place.pk,
        "name": place.name,
        "latitude": place.latitude,
        "longitude": place.longitude,
    }


def _post(post: Post) -> dict[str, Any]:
    return {
        "id": post.pk,
        "name": post.name,
        "key_place": _place(post.key_place),
        "route": {"id": post.route_id, "name": post.route.name} if post.route else None,
        "radius_m": post.geofence_radius_m,
    }


@router.get("/today", response={200: dict[str, Any], 404: dict[str, Any]})
def today(request: HttpRequest) -> Any:
    """What the phone caches to work offline for a week (see docs/field-sync.md)."""
    user: Any = request.user
    member = services.member_of(user)
    if member is None:
        return Status(
            404,
            {
                "detail": _(
                    "Your login is not linked to a member record, so there are no duties to "
                    "show. Ask the office to link your login to your member record."
                ),
                "errors": [],
            },
        )
    first = timezone.localdate()
    last = first + dt.timedelta(days=DAYS_AHEAD - 1)
    recent = timezone.now() - dt.timedelta(hours=RECENT_HOURS)
    days = Q(date__range=(first, last)) | Q(date=first - dt.timedelta(days=1), end__gte=recent)
    duties = (
        Duty.objects.visible_to(user)
        .filter(days, assignments__member=member, roster__status__in=services.LOGGABLE_ROSTERS)
        .select_related("roster__team", "post__key_place", "post__route")
        .prefetch_related("assignments__member")
        .distinct()
        .order_by("start", "pk")
    )
    duties = list(duties)
    # Each duty's existing logs (any writer of the team), so the phone offers to continue or
    # view one instead of starting a second log for the same duty.
    logs_by_duty: dict[int, list[dict[str, Any]]] = {}
    for log in (
        PatrolLog.objects.visible_to(user)
        .filter(duty__in=duties)
        .select_related("author")
        .order_by("started_at", "pk")
    ):
        assert log.duty_id is not None
        logs_by_duty.setdefault(log.duty_id, []).append(services.duty_log_summary(log, user))
    duty_rows = []
    for duty in duties:
        assigned = [
            {"id": a.member_id, "name": a.member.name}
            for a in sorted(duty.assignments.all(), key=lambda a: (a.member.name, a.member_id))
        ]
        duty_rows.append(
            {
                "id": duty.pk,
                "date": duty.date.isoformat(),
                "start": timezone.localtime(duty.start).isoformat(),
                "end": timezone.localtime(duty.end).isoformat(),
                "post": _post(duty.post),
                "team": {"id": duty.roster.team_id, "name": duty.roster.team.name},
                "members": assigned,
                "teammates": [m for m in assigned if m["id"] != member.pk],
                "logs": logs_by_duty.get(duty.pk, []),
            }
        )
    teams = []
    for team in member.teams.order_by("name", "pk"):
        people = team.members.filter(status=MemberStatus.ACTIVE).order_by("name", "pk")
        teams.append(
            {
                "id": team.pk,
                "name": team.name,
                # Names and ids only: identity numbers and phones never leave the server here.
                "members": [{"id": p.pk, "name": p.name} for p in people],
            }
        )
    checklists = [
        {
            "id": c.pk,
            "name": c.name,
            "category": c.category,
            "items": [
                {
                    "code": str(i.get("code", "")),
                    "text": str(i.get("text", "")),
                    "hint": str(i.get("hint", "")),
                }
                for i in (c.items or [])
                if isinstance(i, dict)
            ],
        }
        for c in Checklist.objects.visible_to(user).filter(active=True)
    ]
    checkpoints = [
        {"id": p.pk, "name": p.name, "latitude": p.latitude, "longitude": p.longitude}
        for p in KeyPlace.objects.visible_to(user).filter(is_checkpoint=True).order_by("name")
    ]
    posts = [
        _post(p)
        for p in Post.objects.visible_to(user)
        .filter(team__in=[t["id"] for t in teams])
        .select_related("key_place", "route")
    ]
    categories = [
        {"code": item.code, "label": str(item)}
        for item in CodeItem.objects.filter(code_list__key="hazard_category", active=True).order_by(
            "sort_order", "pk"
        )
    ]
    open_logs = [
        {
            "uuid": str(log.uuid),
            "version": log.version,
            "status": log.status,
            "duty": log.duty_id,
            "started_at": log.started_at.isoformat(),
        }
        for log in PatrolLog.objects.visible_to(user)
        .filter(author=user, status__in=(LogStatus.OPEN, LogStatus.SUBMITTED))
        .order_by("-started_at")[:200]
    ]
    return {
        "member": {"id": member.pk, "name": member.name},
        "duties": duty_rows,
        "teams": teams,
        "posts": posts,
        "checklists": checklists,
        "checkpoints": checkpoints,
        "hazard_categories": categories,
        "open_logs": open_logs,
        "server_time": timezone.now().isoformat(),
    }


# ---- POST /sync ---------------------------------------------------------------------------


def _read_body(request: HttpRequest, limit: int) -> bytes | None:
    """The raw request body (None when larger than `limit`)."""
    try:
        raw = request.body
    except RequestDataTooBig:
        # Larger than Django's in-memory limit for form data: read the stream ourselves.
        raw = request.read(limit + 1)
    return None if len(raw) > limit else raw


SYNC_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["items"],
                    "properties": {
                        "items": {
                            "type": "array",
                            "maxItems": 200,
                            "items": {
                                "type": "object",
                                "required": ["uuid", "kind", "data"],
                                "properties": {
                                    "uuid": {"type": "string", "format": "uuid"},
                                    "kind": {"type": "string", "enum": list(sync.KINDS)},
                                    "base_version": {"type": "integer", "nullable": True},
                                    "data": {"type": "object"},
                                },
                            },
                        }
                    },
                }
            }
        },
    }
}
PHOTO_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "log": {"type": "string", "format": "uuid"},
                        "hazard": {"type": "string", "format": "uuid"},
                        "caption": {"type": "string"},
                        "taken_at": {"type": "string", "format": "date-time"},
                    },
                }
            }
        },
    }
}


@router.post("/sync", response={200: dict[str, Any], 422: dict[str, Any]}, openapi_extra=SYNC_BODY)
def sync_batch(request: HttpRequest) -> Any:
    """Upload queued records: {"items": [...]} → {"server_time", "results": [...]}."""
    raw = _read_body(request, MAX_SYNC_BYTES)
    if raw is None:
        return _refused(request, _("The request is too large; send fewer items at a time."))
    try:
        items = sync.parse_envelope(raw)
    except sync.EnvelopeInvalid as exc:
        return Status(
            422,
            {
                "detail": exc.message,
                "errors": [{"field": "items", "label": _("items"), "message": exc.message}],
            },
        )
    results = sync.process_batch(request.user, items)
    return {"server_time": timezone.now().isoformat(), "results": results}


# ---- PUT / POST /photos/{uuid} ------------------------------------------------------------

PHOTO_STATUS = {
    services.SAVED: 201,
    services.UNCHANGED: 200,
    services.CONFLICT: 409,
    services.RETRY: 409,
    services.REJECTED: 422,
}


PHOTO_RESPONSES: dict[int, Any] = {code: dict[str, Any] for code in (200, 201, 409, 422)}


def _multipart(request: HttpRequest) -> tuple[Any, MultiValueDict[str, Any]]:
    """Form fields and files of a multipart body; Django parses them itself only on POST."""
    if request.method == "POST":
        return request.POST, request.FILES
    if not (request.content_type or "").startswith("multipart/form-data"):
        return {}, MultiValueDict()
    stream: Any = io.BytesIO(request._body) if hasattr(request, "_body") else request
    post, files = request.parse_file_upload(request.META, stream)
    return post, files


def _photo(request: HttpRequest, photo_uuid: str) -> Any:
    try:
        fields, files = _multipart(request)
    except MultiPartParserError:
        fields, files = {}, MultiValueDict()
    upload = files.get("file")
    if upload is None:
        outcome = services.SyncOutcome(
            services.REJECTED, errors={"file": [_("Attach the photo as the form field 'file'.")]}
        )
    else:
        limit = services.max_photo_bytes()
        content = upload.read(limit + 1)  # never more than the limit into memory
        for attempt in (1, 2):
            try:
                with transaction.atomic(durable=True):
                    outcome = services.store_photo(
                        actor=request.user,
                        uuid=photo_uuid,
                        content=content,
                        log=fields.get("log") or None,
                        hazard=fields.get("hazard") or None,
                        caption=fields.get("caption") or "",
                        taken_at=fields.get("taken_at") or None,
                    )
                break
            except IntegrityError:
                # The same photo uploaded twice at once: the second attempt compares.
                if attempt == 2:
                    raise
    body: dict[str, Any] = {"uuid": photo_uuid, "status": outcome.status}
    if outcome.status == services.REJECTED:
        body["detail"] = _("The input was not accepted.")
        body["errors"] = sync.error_list("photo", outcome.errors)
    elif outcome.status == services.RETRY:
        body["message"] = outcome.message
    elif outcome.status == services.CONFLICT:
        body["server"] = outcome.server or {}
    if outcome.record is not None and outcome.status in (services.SAVED, services.UNCHANGED):
        photo = outcome.record
        body.update(
            {
                "sha256": photo.sha256,
                "size": photo.size,
                "width": photo.width,
                "height": photo.height,
                "content_type": photo.content_type,
            }
        )
    return Status(PHOTO_STATUS[outcome.status], body)


@router.put("/photos/{photo_uuid}", response=PHOTO_RESPONSES, openapi_extra=PHOTO_BODY)
def put_photo(request: HttpRequest, photo_uuid: str) -> Any:
    """Upload one photo (multipart: file, log or hazard, caption, taken_at)."""
    return _photo(request, photo_uuid)


@router.post("/photos/{photo_uuid}", response=PHOTO_RESPONSES, openapi_extra=PHOTO_BODY)
def post_photo(request: HttpRequest, photo_uuid: str) -> Any:
    """The same as PUT, for clients that can only send multipart with POST."""
    return _photo(request, photo_uuid)
