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
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import get_for
from shouwang.forces.models import Member, Organisation
from shouwang.hazards import services, workflow
from shouwang.hazards.models import Hazard, HazardExtension, HazardSource
from shouwang.patrols.models import ChecklistResult, FieldPhoto

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
    if source == HazardSource.OPEN311:  # only the GeoReport endpoint files Open311 reports
        return Status(
            422, error_body(RecordInvalid({"source": [_("Unknown source of the report.")]}))
        )
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


# -- the case workflow ------------------------------------------------------------------------


class AssignIn(Schema):
    responsible_unit: int | None = None
    responsible_person: int | None = None
    deadline: dt.date | None = None


class RectifiedIn(Schema):
    note: str = ""
    photos: list[str] = []


class VerifyIn(Schema):
    passed: bool
    reason: str = ""


class ReasonIn(Schema):
    reason: str = ""


class ReopenIn(Schema):
    reason: str = ""
    responsible_unit: int | None = None


class ExtensionIn(Schema):
    reason: str = ""
    new_deadline: dt.date | None = None


class DecisionIn(Schema):
    approve: bool
    reason: str = ""


class ExtensionOut(Schema):
    id: int
    hazard: int
    reason: str
    new_deadline: dt.date
    status: str
    requested_by: str
    decided_by: str | None
    decision_reason: str


class WorkflowOut(HazardOut):
    responsible_unit: int | None
    responsible_person: int | None
    deadline: dt.date | None
    is_overdue: bool
    escalation_level: int
    reopen_count: int
    rejection_reason: str
    rectification_note: str


def workflow_out(hazard: Hazard) -> dict[str, Any]:
    return {
        **hazard_out(hazard),
        "responsible_unit": hazard.responsible_unit_id,
        "responsible_person": hazard.responsible_person_id,
        "deadline": hazard.deadline,
        "is_overdue": hazard.is_overdue,
        "escalation_level": hazard.escalation_level,
        "reopen_count": hazard.reopen_count,
        "rejection_reason": hazard.rejection_reason,
        "rectification_note": hazard.rectification_note,
    }


def extension_out(extension: HazardExtension) -> dict[str, Any]:
    return {
        "id": extension.pk,
        "hazard": extension.hazard_id,
        "reason": extension.reason,
        "new_deadline": extension.new_deadline,
        "status": extension.status,
        "requested_by": extension.requested_by.get_username(),
        "decided_by": extension.decided_by.get_username() if extension.decided_by else None,
        "decision_reason": extension.decision_reason,
    }


def _forbidden() -> Any:
    return Status(403, {"detail": _("You may not do this."), "status": "rejected", "errors": []})


def _step(request: HttpRequest, hazard_id: int, action: Callable[[Hazard], Any]) -> Any:
    hazard = get_for(Hazard, request.user, hazard_id)
    try:
        done = action(hazard)
    except RecordInvalid as exc:
        return Status(422, error_body(exc))
    except PermissionDenied:
        return _forbidden()
    if isinstance(done, HazardExtension):
        return Status(200, extension_out(done))
    return Status(200, workflow_out(get_for(Hazard, request.user, hazard_id)))


@router.get("/{hazard_id}", response={200: WorkflowOut, **ERRORS})
def detail(request: HttpRequest, hazard_id: int) -> Any:
    """One hazard with its workflow state."""
    return workflow_out(get_for(Hazard, request.user, hazard_id))


@router.post("/{hazard_id}/assign", response={200: WorkflowOut, **ERRORS})
def assign(request: HttpRequest, hazard_id: int, payload: AssignIn) -> Any:
    """Assign (office): unit and person (defaults from the category policy), deadline."""

    def act(hazard: Hazard) -> Any:
        unit = person = None
        if payload.responsible_unit is not None:
            unit = (
                Organisation.objects.visible_to(request.user)
                .filter(pk=payload.responsible_unit)
                .first()
            )
            if unit is None:
                raise RecordInvalid(
                    {"responsible_unit": [_("Choose a unit of your jurisdiction.")]}
                )
        if payload.responsible_person is not None:
            person = (
                Member.objects.visible_to(request.user)
                .filter(pk=payload.responsible_person)
                .first()
            )
            if person is None:
                raise RecordInvalid(
                    {"responsible_person": [_("Choose a member of your jurisdiction.")]}
                )
        return workflow.assign_hazard(
            hazard,
            actor=request.user,
            responsible_unit=unit,
            responsible_person=person,
            deadline=payload.deadline,
        )

    return _step(request, hazard_id, act)


@router.post("/{hazard_id}/start", response={200: WorkflowOut, **ERRORS})
def start(request: HttpRequest, hazard_id: int) -> Any:
    """Start the rectification."""
    return _step(request, hazard_id, lambda h: workflow.start_rectification(h, actor=request.user))


@router.post("/{hazard_id}/rectified", response={200: WorkflowOut, **ERRORS})
def rectified(request: HttpRequest, hazard_id: int, payload: RectifiedIn) -> Any:
    """Report the rectification done (note and photo uuids optional)."""

    def act(hazard: Hazard) -> Any:
        photos = list(FieldPhoto.objects.visible_to(request.user).filter(uuid__in=payload.photos))
        if len(photos) != len(set(payload.photos)):
            raise RecordInvalid({"photos": [_("Attach only photos you may see.")]})
        return workflow.report_rectified(
            hazard, actor=request.user, note=payload.note, photos=photos
        )

    return _step(request, hazard_id, act)


@router.post("/{hazard_id}/verify", response={200: WorkflowOut, **ERRORS})
def verify(request: HttpRequest, hazard_id: int, payload: VerifyIn) -> Any:
    """Verify: passed → closed (销号); not passed → back to rectifying with a reason."""
    return _step(
        request,
        hazard_id,
        lambda h: workflow.verify_hazard(
            h, actor=request.user, passed=payload.passed, reason=payload.reason
        ),
    )


@router.post("/{hazard_id}/reject", response={200: WorkflowOut, **ERRORS})
def reject(request: HttpRequest, hazard_id: int, payload: ReasonIn) -> Any:
    """Reject the report with a reason."""
    return _step(
        request,
        hazard_id,
        lambda h: workflow.reject_hazard(h, actor=request.user, reason=payload.reason),
    )


@router.post("/{hazard_id}/reopen", response={200: WorkflowOut, **ERRORS})
def reopen(request: HttpRequest, hazard_id: int, payload: ReopenIn) -> Any:
    """Reopen a closed or rejected hazard with a reason (and a unit if it never had one)."""

    def act(hazard: Hazard) -> Any:
        unit = None
        if payload.responsible_unit is not None:
            unit = (
                Organisation.objects.visible_to(request.user)
                .filter(pk=payload.responsible_unit)
                .first()
            )
            if unit is None:
                raise RecordInvalid(
                    {"responsible_unit": [_("Choose a unit of your jurisdiction.")]}
                )
        return workflow.reopen_hazard(
            hazard, actor=request.user, reason=payload.reason, responsible_unit=unit
        )

    return _step(request, hazard_id, act)


@router.post("/{hazard_id}/extensions", response={200: ExtensionOut, **ERRORS})
def extension(request: HttpRequest, hazard_id: int, payload: ExtensionIn) -> Any:
    """Ask for a later deadline with a reason."""
    return _step(
        request,
        hazard_id,
        lambda h: workflow.request_extension(
            h, actor=request.user, reason=payload.reason, new_deadline=payload.new_deadline
        ),
    )


@router.post(
    "/{hazard_id}/extensions/{extension_id}/decision", response={200: ExtensionOut, **ERRORS}
)
def extension_decision(
    request: HttpRequest, hazard_id: int, extension_id: int, payload: DecisionIn
) -> Any:
    """The office approves (the deadline moves) or refuses an extension."""

    def act(hazard: Hazard) -> Any:
        ext = hazard.extensions.filter(pk=extension_id).first()
        if ext is None:
            raise Http404("not found")
        return workflow.decide_extension(
            ext, actor=request.user, approve=payload.approve, reason=payload.reason
        )

    return _step(request, hazard_id, act)
