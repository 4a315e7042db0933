"""API of leave (请假): a member's own absences and the leader's decision.

POST/GET /api/v1/me/absences (the caller's own, through their member link) and
POST /api/v1/absences/{id}/decision. Thin handlers: fetch within scope (404 alike for
missing and forbidden), call the service, shape the answer; refused input answers 422 in
the API's usual {detail, errors[...]} shape.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import get_for
from shouwang.forces import services
from shouwang.forces.leave_views import own_absences, own_member
from shouwang.forces.models import MemberAbsence

router = Router(tags=["leave"])


class AbsenceIn(Schema):
    kind: str = "leave"
    # Optional here so that a missing day is reported by the form, with its label.
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    reason: str = ""


class DecisionIn(Schema):
    approve: bool
    reason: str = ""


class AbsenceOut(Schema):
    id: int
    member: int
    member_name: str
    kind: str
    kind_label: str
    start_date: dt.date
    end_date: dt.date
    days: int
    reason: str
    status: str
    status_label: str


class LeaveErrorOut(Schema):
    detail: str
    errors: list[dict[str, str]] = []


ERRORS: dict[int, Any] = {403: LeaveErrorOut, 404: LeaveErrorOut, 422: LeaveErrorOut}


def _absence(absence: MemberAbsence) -> dict[str, Any]:
    return {
        "id": absence.pk,
        "member": absence.member_id,
        "member_name": absence.member.name,
        "kind": absence.kind,
        "kind_label": str(absence.get_kind_display()),
        "start_date": absence.start_date,
        "end_date": absence.end_date,
        "days": absence.days(),
        "reason": absence.reason,
        "status": absence.status,
        "status_label": str(absence.get_status_display()),
    }


def _invalid(request: HttpRequest, exc: RecordInvalid) -> Any:
    # Imported here: core.api mounts this router while it is itself being imported.
    from shouwang.core.api import invalid_response
    from shouwang.core.registry import REGISTRY

    return invalid_response(request, exc, REGISTRY.get("memberabsence"))


def _not_linked() -> PermissionDenied:
    return PermissionDenied(_("Your login is not linked to a team member."))


@router.get("/me/absences", response={200: list[AbsenceOut], 403: LeaveErrorOut})
def my_absences(request: HttpRequest) -> Any:
    """The caller's own absences, latest first (403 when the login has no member link)."""
    member = own_member(request.user)
    if member is None:
        return Status(403, {"detail": str(_not_linked())})
    return [_absence(a) for a in own_absences(member).select_related("member")]


@router.post("/me/absences", response={201: AbsenceOut, **ERRORS})
def ask_for_leave(request: HttpRequest, payload: AbsenceIn) -> Any:
    """Ask for leave as the member the caller's login belongs to; starts as "requested"."""
    if own_member(request.user) is None:
        return Status(403, {"detail": str(_not_linked())})
    data = {
        key: value.isoformat() if isinstance(value, dt.date) else ("" if value is None else value)
        for key, value in payload.dict().items()
    }
    try:
        absence = services.request_absence(actor=request.user, data=data)
    except RecordInvalid as exc:
        return _invalid(request, exc)
    return Status(201, _absence(absence))


@router.post("/absences/{absence_id}/decision", response={200: AbsenceOut, **ERRORS})
def decide(request: HttpRequest, absence_id: int, payload: DecisionIn) -> Any:
    """Approve or reject an absence in the caller's scope; a rejection needs a reason."""
    absence = get_for(MemberAbsence, request.user, absence_id, "change")
    try:
        decided = services.decide_absence(
            absence, actor=request.user, approve=payload.approve, reason=payload.reason
        )
    except RecordInvalid as exc:
        return _invalid(request, exc)
    return _absence(decided)
