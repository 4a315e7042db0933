"""Pages of the monthly report: ask for a jurisdiction's month, follow the build (a progress
bar polled with htmx), download the PDF and the Excel workbook, list earlier reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from shouwang.core import jobs
from shouwang.core.downloads import attachment
from shouwang.core.models import Jurisdiction
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import can
from shouwang.reports import services
from shouwang.reports.models import MonthlyReport, ReportStatus

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class MonthlyReportForm(forms.Form):
    """Which jurisdiction and which month."""

    jurisdiction = forms.ModelChoiceField(
        label=gettext_lazy("jurisdiction"), queryset=Jurisdiction.objects.none()
    )
    month = forms.CharField(
        label=gettext_lazy("month"),
        widget=forms.DateInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["jurisdiction"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = services.monthly_report_places(actor)


def last_full_month(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _page(request: HttpRequest, form: MonthlyReportForm, status: int = 200) -> HttpResponse:
    reports = list(services.reports_for(request.user)[:50])
    context = {
        "form": form,
        "reports": reports,
        "may_add": can(request.user, MonthlyReport, "add"),
    }
    return render(request, "reports/monthly.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def monthly_page(request: HttpRequest) -> HttpResponse:
    """Ask for a monthly report (POST) or see the form and the earlier reports (GET)."""
    if not can(request.user, MonthlyReport, "view"):
        raise PermissionDenied
    if request.method != "POST":
        places = services.monthly_report_places(request.user)
        first = places.first()
        initial = {
            "month": f"{last_full_month():%Y-%m}",
            "jurisdiction": first.pk if first else None,
        }
        return _page(request, MonthlyReportForm(initial=initial, actor=request.user))
    if not can(request.user, MonthlyReport, "add"):
        raise PermissionDenied
    form = MonthlyReportForm(request.POST, actor=request.user)
    if not form.is_valid():
        return _page(request, form, status=422)
    try:
        report = services.request_monthly_report(
            actor=request.user,
            place=form.cleaned_data["jurisdiction"],
            month=form.cleaned_data["month"],
        )
    except RecordInvalid as exc:
        for name, errors in exc.errors.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
        return _page(request, form, status=422)
    messages.success(request, _("The report is being built."))
    return redirect("reports-monthly-detail", pk=report.pk)


def _detail_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    report = services.get_report_for(request.user, pk)
    job = report.job
    state = jobs.as_dict(job, request.user) if job is not None else None
    return {
        "report": report,
        "job": job,
        "state": state,
        "ready": report.status == ReportStatus.READY,
    }


@login_required
@require_GET
def monthly_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One report: its build's progress, then the downloads."""
    response = render(request, "reports/monthly_detail.html", _detail_context(request, pk))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def monthly_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress-and-downloads panel alone (what the page polls)."""
    response = render(request, "reports/monthly_panel.html", _detail_context(request, pk))
    response["Cache-Control"] = "no-store"
    return response


def file_response(report: MonthlyReport, kind: str) -> HttpResponse:
    """The built PDF or workbook as a download (pages and API); 404 until it is ready."""
    if kind not in CONTENT_TYPES:
        raise Http404("not found")
    body = getattr(report, kind)
    if report.status != ReportStatus.READY or not body:
        raise Http404("not found")
    fallback = f"monthly-report-{report.month:%Y-%m}.{kind}"
    return attachment(bytes(body), CONTENT_TYPES[kind], report.filename(kind), fallback)


@login_required
@require_GET
def monthly_file(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    return file_response(services.get_report_for(request.user, pk), kind)
