"""Hazard report API (/api/v1/hazard-reports/): report a hazard, or a failed checklist item.

`POST /` reports a hazard from the phone or online (same data as the phone sync's "hazard"
item, plus an optional `uuid` for idempotent repeats): 201 saved, 200 unchanged (a repeat of
the same uuid and content), 409 `retry` when the patrol log has not arrived yet, 422 with
field-named errors. `POST /from-checklist/{result_id}` turns a failed checklist item into a
hazard in one step (201), or answers the item's existing hazard (200). The registered CRUD
API of the register itself is at /api/v1/hazards.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import get_for
from shouwang.hazards import services
from shouwang.hazards.models import Hazard, HazardSource
from shouwang.patrols.models import ChecklistResult

router = Router(tags=["hazard reports"])


class ReportIn(Schema):
    """Loosely typed on purpose: the service checks every field and names it in its errors."""

    uuid: Any = None
    source: Any = None
    log: Any = None
    checklist_item: Any = None
    category: Any = None
    description: Any = None
    place: Any = None
    latitude: Any = None
    longitude: Any = None
    severity: Any = None
    found_at: Any = None
    jurisdiction: Any = None
    photos: Any = None
    note: Any = None


class ReportFieldError(Schema):
    field: str
    label: str
    message: str


class ReportErrorOut(Schema):
    detail: str
    status: str = "rejected"
    errors: list[ReportFieldError] = []


class HazardOut(Schema):
    id: int
    uuid: str
    category: str
    category_label: str
    description: str
    jurisdiction: int
    jurisdiction_name: str
    place: str
    longitude: float | None
    latitude: float | None
    severity: str
    severity_label: str
    source: str
    status: str
    status_label: str
    log: str | None
    checklist_result: int | None
    photos: list[str]
    found_by: str
    found_at: dt.datetime
    received_at: dt.datetime
    note: str
    url: str


ERRORS: dict[int, Any] = {403: ReportErrorOut, 404: ReportErrorOut, 422: ReportErrorOut}


def hazard_out(hazard: Hazard) -> dict[str, Any]:
    """The hazard as the report API answers it."""
    return {
        "id": hazard.pk,
        "uuid": str(hazard.uuid),
        "category": hazard.category.code,
        "category_label": str(hazard.category),
        "description": hazard.description,
        "jurisdiction": hazard.jurisdiction_id,
        "jurisdiction_name": hazard.jurisdiction.name,
        "place": hazard.place,
        "longitude": hazard.longitude,
        "latitude": hazard.latitude,
        "severity": hazard.severity,
        "severity_label": str(hazard.get_severity_display()),
        "source": hazard.source,
        "status": hazard.status,
        "status_label": str(hazard.get_status_display()),
        "log": str(hazard.log.uuid) if hazard.log_id and hazard.log else None,
        "checklist_result": hazard.checklist_result_id,
        "photos": [str(p.uuid) for p in hazard.photos.all()],
        "found_by": hazard.found_by.get_username(),
        "found_at": hazard.found_at,
        "received_at": hazard.received_at,
        "note": hazard.note,
        "url": reverse("record-detail", args=["hazards", hazard.pk]),
    }


def error_body(exc: RecordInvalid, status: str = "rejected") -> dict[str, Any]:
    """{"detail", "status", "errors": [{"field", "label", "message"}]} in the user's language."""
    return {
        "detail": _("The input was not accepted."),
        "status": status,
        "errors": [
            {"field": name, "label": services.field_label(name), "message": message}
            for name, messages in exc.errors.items()
            for message in messages
        ],
    }


@router.post("/", response={200: HazardOut, 201: HazardOut, 409: ReportErrorOut, **ERRORS})
def report(request: HttpRequest, payload: ReportIn) -> Any:
    """Report a hazard (phone app online, or any client); repeat-safe with the same `uuid`."""
    data = payload.dict(exclude_unset=True)
    record_id = data.pop("uuid", None)
    source = data.pop("source", None) or HazardSource.PHONE
    try:
        hazard, created = services.report_hazard(
            actor=request.user, uuid=record_id, data=data, source=source
        )
    except services.LogNotReceived as exc:
        return Status(409, error_body(exc, status="retry"))
    except RecordInvalid as exc:
        return Status(422, error_body(exc))
    return Status(201 if created else 200, hazard_out(hazard))


@router.post(
    "/from-checklist/{result_id}",
    response={200: HazardOut, 201: HazardOut, **ERRORS},
)
def from_checklist(request: HttpRequest, result_id: int) -> Any:
    """Report the hazard of a failed checklist item in one step.

    The body is optional (JSON or a form): {"category", "description", "place", "severity",
    "photos"} override the defaults taken from the item and its log.
    """
    result = get_for(ChecklistResult, request.user, result_id)
    body: Any = {}
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            body = None
    elif request.POST:
        # A plain form post (or none at all: the defaults are used).
        body = {k: request.POST[k] for k in request.POST if k != "photos"}
        if "photos" in request.POST:
            body["photos"] = request.POST.getlist("photos")
    if not isinstance(body, dict):
        exc = RecordInvalid({"__all__": [_("The body must be a JSON object.")]})
        return Status(422, error_body(exc))
    had = Hazard.objects.filter(checklist_result=result).exists()
    try:
        hazard = services.report_from_checklist_result(result, actor=request.user, data=body)
    except RecordInvalid as exc:
        return Status(422, error_body(exc))
    return Status(200 if had else 201, hazard_out(hazard))
