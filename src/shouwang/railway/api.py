"""Railway API (/api/v1/railway/…), beside the registered CRUD API of incidents
(/api/v1/railway-incidents/), representatives (/api/v1/household-representatives/) and their
activities (/api/v1/representative-activities/).

* `GET /nine-no?jurisdiction=&start=&end=` — 九无 of every railway village;
* `GET /four-never?jurisdiction=&start=&end=` — 四杜绝;
* `GET /four-decline?jurisdiction=&start=&end=&prev_start=&prev_end=` — 四下降 against the
  previous period (default: the period just before, the previous month for a whole month);
* `GET /ledger.xlsx?jurisdiction=&start=&end=` — the representatives ledger (`period=a..b`
  may stand for start and end, as on the list pages).

Defaults: the caller's top jurisdiction, this month. Every figure has `url`, the incident list
filtered to it. Errors: 422 {"detail", "errors": [{"field", "label", "message"}]}, 403 not
allowed, 404 alike for a missing and an out-of-scope jurisdiction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status

from shouwang.core.api import ERRORS, ErrorOut
from shouwang.core.api import error_body as shared_error_body
from shouwang.core.models import Jurisdiction
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.railway import exports, status
from shouwang.railway.forms import StatusPeriodForm
from shouwang.railway.models import NINE_NO, HouseholdRepresentative, RailwayIncident

router = Router(tags=["railway"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def field_label(name: str) -> str:
    """The user-facing label of a query field named in an error."""
    if name == NON_FIELD:
        return ""
    form_field = StatusPeriodForm.base_fields.get(name)
    return str(form_field.label) if form_field is not None else name


def error_body(exc: RecordInvalid) -> dict[str, Any]:
    return shared_error_body(exc, field_label)


@dataclass(frozen=True)
class StatusQuery:
    """A place the user may see, the period and the period it is compared with."""

    place: Jurisdiction
    start: dt.date
    end: dt.date
    prev_start: dt.date
    prev_end: dt.date

    def as_dict(self) -> dict[str, Any]:
        return {
            "jurisdiction": self.place.pk,
            "jurisdiction_name": self.place.name,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


def status_query(user: Any, params: Mapping[str, Any]) -> StatusQuery:
    """Read jurisdiction and periods from GET parameters (404 for a place out of scope,
    RecordInvalid for bad dates)."""
    value = params.get("jurisdiction")
    if value not in (None, ""):
        get_for(Jurisdiction, user, value)
    data = {k: params.get(k) for k in StatusPeriodForm.base_fields if params.get(k)}
    # `period=a..b` (the list pages' filter) stands for start and end.
    bounds = status.parse_period(str(params.get("period") or ""))
    if bounds is not None and not (data.get("start") or data.get("end")):
        data["start"], data["end"] = (d.isoformat() for d in bounds)
    form = StatusPeriodForm(data=data, user=user)
    if not form.is_valid():
        raise RecordInvalid({k: [str(m) for m in v] for k, v in form.errors.items()})
    c = form.cleaned_data
    return StatusQuery(c["jurisdiction"], c["start"], c["end"], c["prev_start"], c["prev_end"])


def _may_view(user: Any) -> None:
    if not can(user, RailwayIncident, "view"):
        raise PermissionDenied


def _target(t: status.TargetCount) -> dict[str, Any]:
    return {"key": t.key, "label": t.label, "count": t.count, "clear": t.clear, "url": t.url}


def nine_no_out(q: StatusQuery) -> dict[str, Any]:
    rows = status.nine_no_status(q.place, q.start, q.end)
    return {
        **q.as_dict(),
        "targets": [{"key": key, "label": label} for key, label, _k in NINE_NO],
        "villages": [
            {
                "village": r.village.pk,
                "village_name": r.village.name,
                "clear": r.clear,
                "counts": r.counts,
                "url": r.url,
                "targets": [_target(t) for t in r.targets],
            }
            for r in rows
        ],
        "clear_villages": sum(1 for r in rows if r.clear),
    }


def four_never_out(q: StatusQuery) -> dict[str, Any]:
    lines = status.four_never(q.place, q.start, q.end)
    return {
        **q.as_dict(),
        "clear": all(t.clear for t in lines),
        "targets": [_target(t) for t in lines],
    }


def four_decline_out(q: StatusQuery) -> dict[str, Any]:
    figures = status.four_decline(q.place, q.start, q.end, q.prev_start, q.prev_end)
    return {
        **q.as_dict(),
        "prev_start": q.prev_start.isoformat(),
        "prev_end": q.prev_end.isoformat(),
        "figures": [
            {
                "key": f.key,
                "label": f.label,
                "current": f.current,
                "previous": f.previous,
                "change": f.change,
                "declined": f.declined,
                "url": f.url,
                "previous_url": f.previous_url,
            }
            for f in figures
        ],
    }


def _answer(request: HttpRequest, out: Any) -> Any:
    _may_view(request.user)
    try:
        q = status_query(request.user, request.GET)
    except RecordInvalid as exc:
        return Status(422, error_body(exc))
    return out(q)


@router.get("/nine-no", response={200: dict[str, Any], **ERRORS})
def nine_no(request: HttpRequest) -> Any:
    """九无 per railway village: incidents per target in the period, and whether all are zero."""
    return _answer(request, nine_no_out)


@router.get("/four-never", response={200: dict[str, Any], **ERRORS})
def four_never(request: HttpRequest) -> Any:
    """四杜绝: incidents per target in the period (each must be zero)."""
    return _answer(request, four_never_out)


@router.get("/four-decline", response={200: dict[str, Any], **ERRORS})
def four_decline(request: HttpRequest) -> Any:
    """四下降: incidents per figure in the period against the previous period."""
    return _answer(request, four_decline_out)


def ledger_response(user: Any, q: StatusQuery) -> HttpResponse:
    body = exports.ledger_xlsx(q.place, q.start, q.end, user=user)
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="railway-representatives-{q.start:%Y%m%d}-{q.end:%Y%m%d}.xlsx"'
    )
    return response


@router.get("/ledger.xlsx", response={403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def ledger(request: HttpRequest) -> Any:
    """The representatives ledger with their work in the period (Excel)."""
    if not can(request.user, HouseholdRepresentative, "view"):
        raise PermissionDenied(_("You may not do this."))
    try:
        q = status_query(request.user, request.GET)
    except RecordInvalid as exc:
        return Status(422, error_body(exc))
    return ledger_response(request.user, q)
