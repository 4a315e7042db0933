"""Office-side patrol log API (/api/v1/patrols/): list, detail, confirm, return, corrections,
paper logs and the monthly ledger. Thin: every write is a service in `review.py`."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.patrols import review, views
from shouwang.patrols.models import LogCorrection, PatrolLog

router = Router(tags=["patrol logs"])

MAX_PAGE_SIZE = 500


class ReturnIn(Schema):
    reason: str


class CorrectionIn(Schema):
    text: str


def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def log_summary(log: PatrolLog) -> dict[str, Any]:
    return {
        "id": log.pk,
        "uuid": str(log.uuid),
        "duty": log.duty_id,
        "unplanned": log.duty_id is None,
        "team": log.team_id,
        "team_name": log.team.name,
        "post": log.post_id,
        "place": log.place,
        "method": log.method,
        "started_at": _when(log.started_at),
        "ended_at": _when(log.ended_at),
        "status": log.status,
        "author": log.author.username,
        "confirmed_by": log.confirmed_by.username if log.confirmed_by else None,
        "confirmed_at": _when(log.confirmed_at),
        "version": log.version,
        "received_at": _when(log.received_at),
    }


def correction_dict(c: LogCorrection) -> dict[str, Any]:
    return {
        "id": c.pk,
        "text": c.text,
        "author": c.author.username,
        "created_at": _when(c.created_at),
    }


def log_detail(log: PatrolLog) -> dict[str, Any]:
    return {
        **log_summary(log),
        "route": log.route_id,
        "findings": log.findings,
        "publicity": log.publicity,
        "notes": log.notes,
        "attendance": [
            {
                "member": a.member_id,
                "member_name": a.member.name,
                "status": a.status,
                "rostered": a.rostered,
                "substitute_for": a.substitute_for_id,
                "note": a.note,
            }
            for a in log.attendance.all()
        ],
        "checklist_results": [
            {
                "checklist": r.checklist_id,
                "code": r.item_code,
                "text": r.item_text,
                "result": r.result,
                "note": r.note,
            }
            for r in log.checklist_results.all()
        ],
        "check_ins": [
            {
                "uuid": str(c.uuid),
                "member": c.member_id,
                "kind": c.kind,
                "latitude": c.latitude,
                "longitude": c.longitude,
                "accuracy_m": c.accuracy_m,
                "checkpoint": c.key_place_id,
                "phone_time": _when(c.phone_time),
                "received_at": _when(c.received_at),
                "distance_m": c.distance_m,
                "inside_geofence": c.inside_geofence,
                "flag": c.flag,
                "flag_detail": c.flag_detail,
                "reviewed_at": _when(c.reviewed_at),
            }
            for c in log.check_ins.all()
        ],
        "photos": [
            {
                "uuid": str(p.uuid),
                "url": reverse("patrol-photo", args=[p.uuid]),
                "caption": p.caption,
                "taken_at": _when(p.taken_at),
                "width": p.width,
                "height": p.height,
            }
            for p in log.photos.all()
        ],
        "corrections": [correction_dict(c) for c in log.corrections.all()],
    }


def _page_size(value: Any) -> int:
    try:
        return max(1, min(MAX_PAGE_SIZE, int(value)))
    except (TypeError, ValueError):
        return views.PAGE_SIZE


@router.get("/logs")
def list_logs(request: HttpRequest) -> dict[str, Any]:
    """The logs in your scope; filters: team, status, month=YYYY-MM, unplanned; page, page_size."""
    if not can(request.user, PatrolLog, "view"):
        raise PermissionDenied
    qs, _chosen = views.filtered_logs(request.user, request.GET)
    qs = views.with_counts(qs).select_related("confirmed_by")
    size = _page_size(request.GET.get("page_size"))
    try:
        page = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page = 1
    count = qs.count()
    rows = qs[(page - 1) * size : page * size]
    return {
        "count": count,
        "page": page,
        "results": [
            {
                **log_summary(log),
                "present": log.present_count,  # type: ignore[attr-defined]
                "absent": log.absent_count,  # type: ignore[attr-defined]
                "flagged_check_ins": log.flag_count,  # type: ignore[attr-defined]
            }
            for log in rows
        ],
    }


@router.post("/logs", response={201: dict})
def enter_paper_log(request: HttpRequest) -> Any:
    """Enter a log handed in on paper (a JSON object shaped like the phone's patrol_log data,
    docs/field-sync.md); it is saved as submitted."""
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        raise RecordInvalid({NON_FIELD: [_("Send the log as a JSON object.")]})
    log = review.record_log_from_office(actor=request.user, data=payload)
    return Status(201, log_detail(views._detail_log(request.user, log.pk)))


@router.get("/logs/{pk}")
def get_log(request: HttpRequest, pk: int) -> dict[str, Any]:
    return log_detail(views._detail_log(request.user, pk))


@router.post("/logs/{pk}/confirm")
def confirm(request: HttpRequest, pk: int) -> dict[str, Any]:
    """Confirm a submitted log (team leader or office); it becomes read-only."""
    log = review.confirm_log(get_for(PatrolLog, request.user, pk), actor=request.user)
    return log_summary(log)


@router.post("/logs/{pk}/return")
def send_back(request: HttpRequest, pk: int, payload: ReturnIn) -> dict[str, Any]:
    """Send a submitted log back to its author with a reason."""
    log = review.return_log(
        get_for(PatrolLog, request.user, pk), actor=request.user, reason=payload.reason
    )
    return log_summary(log)


@router.get("/logs/{pk}/corrections")
def list_corrections(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    log = get_for(PatrolLog, request.user, pk)
    return [correction_dict(c) for c in log.corrections.select_related("author")]


@router.post("/logs/{pk}/corrections", response={201: dict})
def add_correction(request: HttpRequest, pk: int, payload: CorrectionIn) -> Any:
    """Append a correction to a confirmed log."""
    correction = review.add_correction(
        get_for(PatrolLog, request.user, pk), actor=request.user, text=payload.text
    )
    return Status(201, correction_dict(correction))


def _ledger_choice(request: HttpRequest) -> views.LedgerChoice:
    month = views.parse_month(request.GET.get("month"))
    if month is None:
        raise RecordInvalid({"month": [_("Enter the month as YYYY-MM.")]})
    return views.ledger_choice(request.user, request.GET, month=month)


@router.get("/ledger.pdf")
def ledger_pdf(request: HttpRequest) -> HttpResponse:
    """The month's logs as a print-ready PDF volume (?month=YYYY-MM&team=&jurisdiction=)."""
    return views.ledger_file(request.user, _ledger_choice(request), "pdf")


@router.get("/ledger.xlsx")
def ledger_xlsx(request: HttpRequest) -> HttpResponse:
    """The month's logs as an Excel ledger (?month=YYYY-MM&team=&jurisdiction=)."""
    return views.ledger_file(request.user, _ledger_choice(request), "xlsx")
