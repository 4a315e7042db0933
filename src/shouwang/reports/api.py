"""API endpoints of this app beyond the generic CRUD routers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from shouwang.core.api import ERRORS
from shouwang.core.api import error_body as shared_error_body
from shouwang.core.records import NON_FIELD, RecordInvalid

router = Router(tags=["reports"])

# -- indicators (indicators.py) ------------------------------------------------------------------
#
# GET /api/v1/reports/indicators?jurisdiction=&start=&end= (or &period=month&month=YYYY-MM, …):
# the dashboard's numbers. 403 without a reports role; 404 alike for a missing jurisdiction and
# one outside the user's grants; 422 for a bad period.


class PlaceOut(Schema):
    id: int
    name: str
    level: str


class PeriodOut(Schema):
    start: str
    end: str
    label: str


class FigureOut(Schema):
    key: str
    label: str
    value: int | float | None
    previous: int | float | None
    change: int | float | None
    unit: str
    link: str | None


class ChildOut(Schema):
    jurisdiction: PlaceOut
    figures: list[FigureOut]


class TargetOut(Schema):
    key: str
    label: str
    count: int
    link: str


class VillageOut(Schema):
    village: PlaceOut
    clear: bool
    link: str
    targets: list[TargetOut]


class NeverOut(Schema):
    key: str
    label: str
    count: int
    clear: bool
    link: str


class DeclineOut(Schema):
    key: str
    label: str
    value: int
    previous: int
    change: int
    declined: bool
    link: str
    previous_link: str


class IndicatorsOut(Schema):
    jurisdiction: PlaceOut
    period: PeriodOut
    previous_period: PeriodOut
    figures: list[FigureOut]
    children: list[ChildOut]
    nine_no: list[VillageOut]
    four_never: list[NeverOut]
    four_decline: list[DeclineOut]


_PERIOD_LABELS = {
    "start": _("start"),
    "end": _("end"),
    "month": _("month"),
    "quarter": _("quarter"),
    "year": _("year"),
    "period": _("period"),
}


def _label(name: str) -> str:
    return "" if name == NON_FIELD else str(_PERIOD_LABELS.get(name, name))


@router.get("/indicators", response={200: IndicatorsOut, **ERRORS}, url_name="reports_indicators")
def indicators(request: HttpRequest) -> Any:
    """Figures of a jurisdiction (default: the user's own) for a period (default: the last
    full month) against the previous period, with the children for drill-down and the
    railway targets; each figure's `link` lists the records behind it."""
    from django.core.exceptions import PermissionDenied

    from shouwang.reports import indicators as ind

    if not ind.may_view_reports(request.user):
        raise PermissionDenied
    place = ind.report_place(request.user, request.GET.get("jurisdiction"))
    try:
        period = ind.Period.parse(request.GET)
    except RecordInvalid as exc:
        return Status(422, shared_error_body(exc, _label))
    return ind.compute(place, period, user=request.user).as_dict()


# -- end indicators --


# -- monthly report (monthly*.py) ----------------------------------------------------------------
#
# POST /api/v1/reports/monthly {"jurisdiction": id, "month": "YYYY-MM"} → 202 with the report and
# its background job (follow it at /api/v1/jobs/{id} or the page); GET /monthly lists the user's
# reports; GET /monthly/{id} one report; GET /monthly/{id}/pdf and /monthly/{id}/xlsx the files
# (404 until built). 403 without the reports role; 404 alike for missing and out of scope.


class MonthlyIn(Schema):
    jurisdiction: int
    month: str


_MONTHLY_LABELS = {"jurisdiction": _("jurisdiction"), "month": _("month")}


def _monthly_label(name: str) -> str:
    return "" if name == NON_FIELD else str(_MONTHLY_LABELS.get(name, name))


def _monthly_out(request: HttpRequest, report: Any) -> dict[str, Any]:
    from django.urls import reverse

    from shouwang.core import jobs
    from shouwang.reports.models import ReportStatus

    ready = report.status == ReportStatus.READY
    base = "/api/v1/reports/monthly"
    return {
        "id": report.pk,
        "jurisdiction": {
            "id": report.jurisdiction_id,
            "name": report.jurisdiction.name,
            "level": report.jurisdiction.level,
        },
        "month": f"{report.month:%Y-%m}",
        "status": report.status,
        "status_label": str(report.get_status_display()),
        "created_at": report.created_at.isoformat(),
        "finished_at": report.finished_at.isoformat() if report.finished_at else None,
        "job": jobs.as_dict(report.job, request.user) if report.job_id else None,
        "page": reverse("reports-monthly-detail", args=[report.pk]),
        "pdf": f"{base}/{report.pk}/pdf" if ready else None,
        "xlsx": f"{base}/{report.pk}/xlsx" if ready else None,
        "pdf_size": report.pdf_size,
        "xlsx_size": report.xlsx_size,
    }


@router.post("/monthly", response={202: dict[str, Any], **ERRORS}, url_name="reports_monthly")
def monthly_request(request: HttpRequest, payload: MonthlyIn) -> Any:
    """Build a jurisdiction's monthly report in the background; answers the report and the
    job id at once."""
    from django.core.exceptions import PermissionDenied

    from shouwang.core.scoping import can
    from shouwang.reports import services
    from shouwang.reports.models import MonthlyReport

    if not can(request.user, MonthlyReport, "add"):
        raise PermissionDenied
    try:
        report = services.request_monthly_report(
            actor=request.user, place=payload.jurisdiction, month=payload.month
        )
    except RecordInvalid as exc:
        return Status(422, shared_error_body(exc, _monthly_label))
    report = services.reports_for(request.user).get(pk=report.pk)
    return Status(202, _monthly_out(request, report))


@router.get("/monthly", response={200: list[dict[str, Any]], **ERRORS})
def monthly_list(request: HttpRequest) -> Any:
    """The monthly reports the user may see, newest first (at most 100)."""
    from shouwang.reports import services

    return [_monthly_out(request, r) for r in services.reports_for(request.user)[:100]]


@router.get("/monthly/{int:report_id}", response={200: dict[str, Any], **ERRORS})
def monthly_detail(request: HttpRequest, report_id: int) -> Any:
    """One monthly report with its job's progress and, once built, the file addresses."""
    from django.http import Http404

    from shouwang.reports import services

    report = services.reports_for(request.user).filter(pk=report_id).first()
    if report is None:
        raise Http404("not found")
    return _monthly_out(request, report)


@router.get("/monthly/{int:report_id}/{kind}", response={**ERRORS})
def monthly_file(request: HttpRequest, report_id: int, kind: str) -> Any:
    """The built PDF (`pdf`) or Excel workbook (`xlsx`)."""
    from shouwang.reports import monthly_views, services

    return monthly_views.file_response(services.get_report_for(request.user, report_id), kind)


# -- end monthly report --
