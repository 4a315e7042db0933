"""Background work of the reports app: building a monthly report (``reports.monthly``); see
shouwang.core.jobs. Whoever may see the report may follow its job; the job page links to the
report's page with the downloads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from shouwang.core import jobs
from shouwang.core.models import BackgroundJob
from shouwang.core.scoping import in_scope
from shouwang.reports import monthly, services
from shouwang.reports.models import MonthlyReport


def _report_pk(job: BackgroundJob) -> int | None:
    try:
        return int(job.params["report"])
    except (KeyError, TypeError, ValueError):
        return None


def may_view_monthly_job(user: Any, job: BackgroundJob) -> bool:
    """Who may see the report may follow its build."""
    pk = _report_pk(job)
    return pk is not None and MonthlyReport.objects.visible_to(user).filter(pk=pk).exists()


def report_link(user: Any, job: BackgroundJob) -> tuple[str, str] | None:
    pk = _report_pk(job)
    report = (
        MonthlyReport.objects.visible_to(user)
        .defer("pdf", "xlsx")
        .select_related("jurisdiction")
        .filter(pk=pk)
        .first()
    )
    if report is None:
        return None
    return reverse("reports-monthly-detail", args=[report.pk]), str(report)


@jobs.register(services.MONTHLY_JOB, may_view=may_view_monthly_job, link=report_link)
def build_monthly(job: BackgroundJob, progress: jobs.ProgressReporter) -> Mapping[str, Any]:
    """Build the report named by the job's parameters and keep its files in the row.

    The report is the jurisdiction's month, read as a whole (no per-user narrowing): the
    submitter must still be allowed to add reports at the place when the job starts.
    """
    report = (
        MonthlyReport.objects.select_related("jurisdiction", "created_by")
        .defer("pdf", "xlsx")
        .filter(pk=_report_pk(job))
        .first()
    )
    if report is None:
        raise RuntimeError("the report no longer exists")
    try:
        if report.created_by is None or not in_scope(report, report.created_by, "add"):
            raise RuntimeError("the submitter may no longer add reports here")
        progress(1, _("Starting…"), force=True)
        pdf, xlsx = monthly.build_monthly_report(
            report.jurisdiction, report.month, progress=progress
        )
    except Exception as exc:
        services.fail_monthly_report(report, error=jobs.error_text(exc))
        raise
    services.finish_monthly_report(report, pdf=pdf, xlsx=xlsx)
    return {"report": report.pk, "pdf_size": len(pdf), "xlsx_size": len(xlsx)}
