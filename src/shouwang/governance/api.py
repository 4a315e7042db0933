"""Governance API (/api/v1/governance/…), beside the registered CRUD API of trainings
(/api/v1/trainings/), joint meetings (/api/v1/joint-meetings/) and decisions
(/api/v1/meeting-decisions/).

* `GET  /gaps?jurisdiction=&year=` — months without a held training, quarters without a drill;
* `POST /trainings/{id}/hold`, `/trainings/{id}/cancel` {"reason"};
* `POST /trainings/{id}/attendance` {"entries": [{"member", "presence"}]};
* `POST /decisions/{id}/done` {"done_on"};
* `GET  /meetings/{id}/minutes.pdf` — the minutes.

Errors: 422 {"detail", "errors": [{"field", "label", "message"}]}, 403 not allowed, 404 alike
for missing and out of scope.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from shouwang.core.api import ERRORS, ErrorOut
from shouwang.core.api import error_body as shared_error_body
from shouwang.core.models import Jurisdiction
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.governance import exports, services
from shouwang.governance.models import Attendance, Decision, JointMeeting, Training

router = Router(tags=["governance"])


def field_label(name: str) -> str:
    """The user-facing label of a field named in an error."""
    if name == NON_FIELD:
        return ""
    if name == "reason":
        return str(_("reason"))
    for model in (Training, Attendance, Decision, JointMeeting):
        if name in {f.name for f in model._meta.get_fields()}:
            return str(getattr(model._meta.get_field(name), "verbose_name", name))
    return name


def error_body(exc: RecordInvalid) -> dict[str, Any]:
    return shared_error_body(exc, field_label)


def training_out(t: Training) -> dict[str, Any]:
    return {
        "id": t.pk,
        "jurisdiction": t.jurisdiction_id,
        "kind": t.kind,
        "topic": t.topic,
        "status": t.status,
        "status_label": str(t.get_status_display()),
        "cancel_reason": t.cancel_reason,
        "attendance": [
            {"member": a.member_id, "presence": a.presence}
            for a in t.attendance.order_by("member_id")
        ],
    }


def _act(action: Callable[[], Any], out: Callable[[], dict[str, Any]]) -> Any:
    try:
        action()
    except RecordInvalid as exc:
        return Status(422, error_body(exc))
    except PermissionDenied:
        return Status(403, {"detail": _("You may not do this."), "errors": []})
    return Status(200, out())


class CancelIn(Schema):
    reason: str = ""


class AttendanceEntry(Schema):
    member: int
    presence: str


class AttendanceIn(Schema):
    entries: list[AttendanceEntry] = []


class DoneIn(Schema):
    done_on: Any = None


@router.post("/trainings/{int:training_id}/hold", response={200: dict[str, Any], **ERRORS})
def hold(request: HttpRequest, training_id: int) -> Any:
    """Planned → held."""
    t = get_for(Training, request.user, training_id)
    return _act(
        lambda: services.hold_training(t, actor=request.user),
        lambda: training_out(get_for(Training, request.user, training_id)),
    )


@router.post("/trainings/{int:training_id}/cancel", response={200: dict[str, Any], **ERRORS})
def cancel(request: HttpRequest, training_id: int, payload: CancelIn) -> Any:
    """Planned → cancelled, with the reason."""
    t = get_for(Training, request.user, training_id)
    return _act(
        lambda: services.cancel_training(t, actor=request.user, reason=payload.reason),
        lambda: training_out(get_for(Training, request.user, training_id)),
    )


@router.post("/trainings/{int:training_id}/attendance", response={200: dict[str, Any], **ERRORS})
def attendance(request: HttpRequest, training_id: int, payload: AttendanceIn) -> Any:
    """Set members present / absent / excused."""
    t = get_for(Training, request.user, training_id)
    entries = [e.dict() for e in payload.entries]
    return _act(
        lambda: services.record_attendance(t, actor=request.user, entries=entries),
        lambda: training_out(get_for(Training, request.user, training_id)),
    )


@router.post("/decisions/{int:decision_id}/done", response={200: dict[str, Any], **ERRORS})
def decision_done(request: HttpRequest, decision_id: int, payload: DoneIn) -> Any:
    """Open → done (on `done_on`, default today)."""
    d = get_for(Decision, request.user, decision_id)

    def out() -> dict[str, Any]:
        fresh = get_for(Decision, request.user, decision_id)
        done_on = fresh.done_on.isoformat() if fresh.done_on else None
        return {"id": fresh.pk, "status": fresh.status, "done_on": done_on}

    return _act(
        lambda: services.complete_decision(d, actor=request.user, done_on=payload.done_on), out
    )


@router.get("/meetings/{int:meeting_id}/minutes.pdf", response={404: ErrorOut})
def minutes_pdf(request: HttpRequest, meeting_id: int) -> Any:
    """The meeting minutes as a PDF."""
    meeting = get_for(JointMeeting, request.user, meeting_id)
    return pdf_response(meeting)


def pdf_response(meeting: JointMeeting) -> HttpResponse:
    response = HttpResponse(exports.minutes_pdf(meeting), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="minutes-{meeting.pk}.pdf"'
    return response


def gap_query(request: HttpRequest) -> tuple[Jurisdiction, int]:
    """The jurisdiction (in scope; default the user's top one) and year (default this year)."""
    value = request.GET.get("jurisdiction")
    if value not in (None, ""):
        place = get_for(Jurisdiction, request.user, value)
    else:
        place = Jurisdiction.objects.visible_to(request.user).order_by("path").first()
        if place is None:
            raise PermissionDenied
    raw = request.GET.get("year") or str(timezone.localdate().year)
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise RecordInvalid({"year": [_("Enter a valid year.")]})
    return place, int(raw)


@router.get("/gaps", response={200: dict[str, Any], **ERRORS})
def gaps(request: HttpRequest) -> Any:
    """Per township: months without a held training, quarters without a held drill."""
    if not can(request.user, Training, "view"):
        raise PermissionDenied
    try:
        place, year = gap_query(request)
    except RecordInvalid as exc:
        return Status(422, error_body(exc))
    rows = services.gaps(place, year, user=request.user)
    return {"jurisdiction": place.pk, "year": year, "townships": [r.as_dict() for r in rows]}
