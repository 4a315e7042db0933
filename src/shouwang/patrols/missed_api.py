"""API of missed duties, flagged check-ins and attendance figures (mounted at /api/v1/patrols).

GET  /missed                   missed duties in scope (?status=open|closed|all, ?team=, ?page=)
POST /missed/{id}/close        close with {"comment"} (team leader or office)
GET  /check-ins/flagged        flagged check-ins (?reviewed=false|true|all)
POST /check-ins/{id}/review    {"accepted": bool, "note": str} (note needed when not accepted)
GET  /attendance               ?month=YYYY-MM[&team=][&jurisdiction=]

Thin handlers: read within scope (404 alike for missing and out-of-scope), call the services
in `attendance`, shape the answer. Refusals answer 422 {detail, errors[{field,label,message}]},
403 when the caller sees the record but is not its leader or office.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from shouwang.core.models import Jurisdiction
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import get_for
from shouwang.forces.models import Team
from shouwang.patrols import attendance
from shouwang.patrols.missed_views import missed_queryset
from shouwang.patrols.models import CheckIn, MissedDuty

router = Router(tags=["missed duties"])

MAX_PAGE_SIZE = 500


class CloseIn(Schema):
    comment: str = ""


class ReviewIn(Schema):
    accepted: bool
    note: str = ""


class MissedOut(Schema):
    id: int
    duty: int
    team: int
    team_name: str
    post: str
    date: dt.date
    start: dt.datetime
    end: dt.datetime
    reason: str
    reason_label: str
    opened_at: dt.datetime
    is_open: bool
    closed_at: dt.datetime | None
    closed_by: str
    comment: str


class MissedPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[MissedOut]


class CheckInOut(Schema):
    id: int
    uuid: str
    log: str
    team: int
    duty: int | None
    member: int
    member_name: str
    kind: str
    latitude: float | None
    longitude: float | None
    accuracy_m: float | None
    key_place: int | None
    phone_time: dt.datetime
    received_at: dt.datetime
    distance_m: float | None
    flag: str
    flag_label: str
    flag_detail: str
    reviewed_at: dt.datetime | None
    reviewed_by: str
    review_note: str
    accepted: bool | None


class MemberFiguresOut(Schema):
    member: int
    name: str
    assigned: int
    carried_out: int
    late: int
    absent: int
    substitutes: int
    missed_open: int
    missed_closed: int
    flagged_check_ins: int


class TeamFiguresOut(Schema):
    team: int
    name: str
    duties: int
    staffed: int
    carried_out: int
    missed_open: int
    missed_closed: int
    assigned: int
    late: int
    absent: int
    substitutes: int
    flagged_check_ins: int
    flagged_awaiting_review: int
    members_shown: str
    members: list[MemberFiguresOut]


class AttendanceOut(Schema):
    month: str
    teams: list[TeamFiguresOut]


class ErrorOut(Schema):
    detail: str
    errors: list[dict[str, str]] = []


ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

#: Labels of the fields the services name in their refusals.
LABELS = {
    "comment": MissedDuty._meta.get_field("comment").verbose_name,
    "closed_at": MissedDuty._meta.get_field("closed_at").verbose_name,
    "note": CheckIn._meta.get_field("review_note").verbose_name,
    "flag": CheckIn._meta.get_field("flag").verbose_name,
    "reviewed_at": CheckIn._meta.get_field("reviewed_at").verbose_name,
    "month": _("month"),
}


def _invalid(request: HttpRequest, exc: RecordInvalid) -> Any:
    # Imported here: core.api mounts this router while it is itself being imported.
    from shouwang.core.api import api

    errors = [
        {"field": name, "label": str(LABELS.get(name, "")), "message": message}
        for name, messages in exc.errors.items()
        for message in messages
    ]
    return api.create_response(
        request, {"detail": _("The input was not accepted."), "errors": errors}, status=422
    )


def _user_name(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.username)


def _missed(item: MissedDuty) -> dict[str, Any]:
    duty = item.duty
    return {
        "id": item.pk,
        "duty": duty.pk,
        "team": duty.roster.team_id,
        "team_name": duty.roster.team.name,
        "post": duty.post.name,
        "date": duty.date,
        "start": duty.start,
        "end": duty.end,
        "reason": item.reason,
        "reason_label": str(item.get_reason_display()),
        "opened_at": item.opened_at,
        "is_open": item.is_open,
        "closed_at": item.closed_at,
        "closed_by": _user_name(item.closed_by),
        "comment": item.comment,
    }


def _check_in(c: CheckIn, accepted: bool | None) -> dict[str, Any]:
    return {
        "id": c.pk,
        "uuid": str(c.uuid),
        "log": str(c.log.uuid),
        "team": c.log.team_id,
        "duty": c.log.duty_id,
        "member": c.member_id,
        "member_name": c.member.name,
        "kind": c.kind,
        "latitude": c.latitude,
        "longitude": c.longitude,
        "accuracy_m": c.accuracy_m,
        "key_place": c.key_place_id,
        "phone_time": c.phone_time,
        "received_at": c.received_at,
        "distance_m": c.distance_m,
        "flag": c.flag,
        "flag_label": str(c.get_flag_display()),
        "flag_detail": c.flag_detail,
        "reviewed_at": c.reviewed_at,
        "reviewed_by": _user_name(c.reviewed_by),
        "review_note": c.review_note,
        "accepted": accepted,
    }


@router.get("/missed", response={200: MissedPage, 404: ErrorOut, 422: ErrorOut})
def list_missed(
    request: HttpRequest,
    status: str = "open",
    team: int | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Any:
    """Missed duties in the caller's scope, latest duty first."""
    if status not in {"open", "closed", "all"}:
        return _invalid(request, RecordInvalid({"status": [_("Give open, closed or all.")]}))
    team_obj = get_for(Team, request.user, team) if team is not None else None
    qs = missed_queryset(request.user, status, team_obj)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    page = max(1, page)
    rows = list(qs[(page - 1) * page_size : page * page_size])
    return {
        "count": qs.count(),
        "page": page,
        "page_size": page_size,
        "results": [_missed(item) for item in rows],
    }


@router.post("/missed/{item_id}/close", response={200: MissedOut, **ERRORS})
def close_missed(request: HttpRequest, item_id: int, payload: CloseIn) -> Any:
    """Close a missed duty with a comment (the team leader or the office)."""
    item = get_for(MissedDuty, request.user, item_id)
    try:
        item = attendance.close_missed_duty(item, actor=request.user, comment=payload.comment)
    except RecordInvalid as exc:
        return _invalid(request, exc)
    return _missed(item)


@router.get("/check-ins/flagged", response={200: list[CheckInOut]})
def list_flagged(request: HttpRequest, reviewed: str = "false", limit: int = 200) -> Any:
    """Flagged check-ins in scope, newest first (?reviewed=false: waiting; true; all)."""
    qs = attendance.flagged_check_ins(request.user)
    if reviewed in {"false", "0", "no"}:
        qs = qs.filter(reviewed_at__isnull=True)
    elif reviewed in {"true", "1", "yes"}:
        qs = qs.filter(reviewed_at__isnull=False)
    rows = list(qs[: max(1, min(limit, MAX_PAGE_SIZE))])
    outcomes = attendance.review_outcomes(rows)
    return [_check_in(c, outcomes.get(c.pk)) for c in rows]


@router.post("/check-ins/{check_in_id}/review", response={200: CheckInOut, **ERRORS})
def review(request: HttpRequest, check_in_id: int, payload: ReviewIn) -> Any:
    """Accept a flagged check-in, or not (then with a note saying why)."""
    check_in = get_for(CheckIn, request.user, check_in_id)
    try:
        check_in = attendance.review_check_in(
            check_in, actor=request.user, accepted=payload.accepted, note=payload.note
        )
    except RecordInvalid as exc:
        return _invalid(request, exc)
    return _check_in(check_in, payload.accepted)


@router.get("/attendance", response={200: AttendanceOut, 404: ErrorOut, 422: ErrorOut})
def attendance_figures(
    request: HttpRequest,
    month: str = "",
    team: int | None = None,
    jurisdiction: int | None = None,
) -> Any:
    """Attendance figures of a month per team and per member (outcomes only, no rankings)."""
    try:
        first = attendance.parse_month(month)
    except RecordInvalid as exc:
        return _invalid(request, exc)
    team_obj = get_for(Team, request.user, team) if team is not None else None
    place = get_for(Jurisdiction, request.user, jurisdiction) if jurisdiction is not None else None
    figures = attendance.attendance_figures(
        actor=request.user, month=first, team=team_obj, jurisdiction=place
    )
    return figures.as_dict()
