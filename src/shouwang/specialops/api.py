"""Special-operations API (/api/v1/special-operations/…), beside the registered CRUD API of
operations (/api/v1/special-operations/ is the record list, so these live under
/api/v1/special-operations/operations/…), extra posts (/api/v1/operation-posts/) and daily
figures (/api/v1/daily-figures/; creating a day that exists replaces it).

* `POST /operations/{id}/start`, `/end`, `/cancel` {"reason"};
* `GET  /operations/{id}/summary` — totals, per-day rows, days without figures;
* `GET  /operations/{id}/figures.xlsx` — the daily figures with totals (Excel);
* `GET  /operations/{id}/rosters` — the rosters that overlap the period, to plan again.

Errors: 422 {"detail", "errors": [{"field", "label", "message"}]}, 403 not allowed, 404 alike
for missing and out of scope.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema

from shouwang.core.api import ERRORS, ErrorOut, run_action
from shouwang.core.api import error_body as shared_error_body
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import get_for
from shouwang.specialops import exports, services
from shouwang.specialops.models import DailyFigure, OperationPost, SpecialOperation

router = Router(tags=["special operations"])


def field_label(name: str) -> str:
    """The user-facing label of a field named in an error."""
    if name == NON_FIELD:
        return ""
    if name == "reason":
        return str(_("reason"))
    for model in (SpecialOperation, DailyFigure, OperationPost):
        if name in {f.name for f in model._meta.get_fields()}:
            return str(getattr(model._meta.get_field(name), "verbose_name", name))
    return name


def error_body(exc: RecordInvalid) -> dict[str, Any]:
    return shared_error_body(exc, field_label)


def operation_out(op: SpecialOperation) -> dict[str, Any]:
    return {
        "id": op.pk,
        "name": op.name,
        "status": op.status,
        "status_label": str(op.get_status_display()),
        "cancel_reason": op.cancel_reason,
        "duty_rules": sorted(op.rule_links.values_list("rule_id", flat=True)),
    }


def _act(action: Callable[[], Any], out: Callable[[], dict[str, Any]]) -> Any:
    return run_action(action, lambda _result: out(), field_label)


class CancelIn(Schema):
    reason: str = ""


@router.post("/operations/{int:op_id}/start", response={200: dict[str, Any], **ERRORS})
def start(request: HttpRequest, op_id: int) -> Any:
    """Planned → under way."""
    op = get_for(SpecialOperation, request.user, op_id)
    return _act(
        lambda: services.start_operation(op, actor=request.user),
        lambda: operation_out(get_for(SpecialOperation, request.user, op_id)),
    )


@router.post("/operations/{int:op_id}/end", response={200: dict[str, Any], **ERRORS})
def end(request: HttpRequest, op_id: int) -> Any:
    """Under way → ended."""
    op = get_for(SpecialOperation, request.user, op_id)
    return _act(
        lambda: services.end_operation(op, actor=request.user),
        lambda: operation_out(get_for(SpecialOperation, request.user, op_id)),
    )


@router.post("/operations/{int:op_id}/cancel", response={200: dict[str, Any], **ERRORS})
def cancel(request: HttpRequest, op_id: int, payload: CancelIn) -> Any:
    """Planned or under way → cancelled, with the reason (its duty rules are removed)."""
    op = get_for(SpecialOperation, request.user, op_id)
    return _act(
        lambda: services.cancel_operation(op, actor=request.user, reason=payload.reason),
        lambda: operation_out(get_for(SpecialOperation, request.user, op_id)),
    )


@router.get("/operations/{int:op_id}/summary", response={200: dict[str, Any], 404: ErrorOut})
def summary(request: HttpRequest, op_id: int) -> Any:
    """Totals and per-day figures (all reporting townships added up), the days of the period
    up to today without figures per township, and the written summary."""
    op = get_for(SpecialOperation, request.user, op_id)
    return services.summary(op, user=request.user).as_dict()


@router.get("/operations/{int:op_id}/figures.xlsx", response={404: ErrorOut})
def figures_xlsx(request: HttpRequest, op_id: int) -> Any:
    """The daily figures with totals as an Excel workbook."""
    op = get_for(SpecialOperation, request.user, op_id)
    return xlsx_response(op, request.user)


def xlsx_response(op: SpecialOperation, user: Any) -> HttpResponse:
    response = HttpResponse(
        exports.figures_xlsx(op, user),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="special-operation-{op.pk}.xlsx"'
    return response


@router.get("/operations/{int:op_id}/rosters", response={200: dict[str, Any], 404: ErrorOut})
def rosters(request: HttpRequest, op_id: int) -> Any:
    """The rosters (any status) overlapping the period of the teams staffing the operation's
    duty rules; published ones are planned again with POST /api/v1/rostering/rosters/{id}/replan."""
    op = get_for(SpecialOperation, request.user, op_id)
    return {
        "rosters": [
            {
                "id": r.pk,
                "team": r.team_id,
                "team_name": r.team.name,
                "month": r.month.isoformat(),
                "status": r.status,
                "url": reverse("record-detail", args=["rosters", r.pk]),
            }
            for r in services.overlapping_rosters(op, request.user)
        ]
    }
