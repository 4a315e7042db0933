"""Services of the reports app: asking for a jurisdiction's monthly report (built in the
background by the job ``reports.monthly``, see reports/tasks.py) and keeping what it built.

`request_monthly_report` is the business action: one transaction, one audit event
(``reports.monthlyreport.requested``). The job's own writes (`finish_monthly_report`,
`fail_monthly_report`) only fill in the row the request made.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core import jobs
from shouwang.core.audit import ACTIONS, record_event, snapshot
from shouwang.core.models import Jurisdiction, JurisdictionLevel
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import can, get_for, in_scope, record_type_key, user_grants
from shouwang.reports.models import MonthlyReport, ReportStatus

#: The job kind that builds a monthly report (reports/tasks.py does the work).
MONTHLY_JOB = "reports.monthly"

REQUESTED = "reports.monthlyreport.requested"
ACTIONS.setdefault(REQUESTED, gettext_lazy("Monthly report requested"))

#: Levels a monthly report is made for (a grid files no report of its own).
REPORT_LEVELS = (JurisdictionLevel.COUNTY, JurisdictionLevel.TOWNSHIP, JurisdictionLevel.VILLAGE)


def monthly_report_places(user: Any) -> QuerySet[Jurisdiction]:
    """The jurisdictions the user may ask a monthly report for: within the grants that allow
    adding reports, at county, township or village level."""
    base = Jurisdiction.objects.filter(level__in=REPORT_LEVELS).order_by("path")
    key = record_type_key(MonthlyReport)
    if getattr(user, "is_superuser", False) and user.is_active:
        return base
    combined: Q | None = None
    for grant in user_grants(user):
        if not grant.role.allows(key, "add"):
            continue
        if grant.role.is_global:
            return base
        q = Q(path__startswith=grant.jurisdiction.path)
        combined = q if combined is None else combined | q
    return base.filter(combined) if combined is not None else base.none()


def parse_month(value: Any) -> dt.date:
    """A month as a date (its first day) from a date or "YYYY-MM" / "YYYY-MM-DD"."""
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value or "").strip()
    try:
        parts = [int(p) for p in text.split("-")[:2]]
        return dt.date(parts[0], parts[1], 1)
    except (ValueError, IndexError):
        raise RecordInvalid({"month": [_("Give a month as YYYY-MM, e.g. 2026-11.")]}) from None


def request_monthly_report(*, actor: Any, place: Jurisdiction | int, month: Any) -> MonthlyReport:
    """Record a monthly report of `place` for `month` and start building it in the background.

    Refused with a field error for a grid or a month that has not begun; 404 for a place the
    actor cannot see; PermissionDenied where the actor may not add reports.
    """
    if not can(actor, MonthlyReport, "add"):
        raise PermissionDenied
    place = get_for(Jurisdiction, actor, place.pk if isinstance(place, Jurisdiction) else place)
    month = parse_month(month)
    errors: dict[str, list[str]] = {}
    if place.level not in REPORT_LEVELS:
        errors["jurisdiction"] = [_("Choose a county, a township or a village.")]
    if month > timezone.localdate().replace(day=1):
        errors["month"] = [_("This month has not begun yet.")]
    if errors:
        raise RecordInvalid(errors)
    with transaction.atomic():
        report = MonthlyReport.objects.create(
            jurisdiction=place, month=month, created_by=actor, status=ReportStatus.BUILDING
        )
        if not in_scope(report, actor, "add"):
            # The place is visible to the actor but outside the grants that add reports.
            raise PermissionDenied
        job = jobs.submit(MONTHLY_JOB, {"report": report.pk}, actor, jurisdiction=place)
        # An eager job (tests, scripts) has filled the row in already: do not save over it.
        MonthlyReport.objects.filter(pk=report.pk).update(job=job)
        report.refresh_from_db()
        record_event(REQUESTED, actor=actor, target=report, after=snapshot_of(report))
    return report


def snapshot_of(report: MonthlyReport) -> dict[str, Any]:
    """The audit snapshot without the files themselves."""
    data = snapshot(report)
    for name in ("pdf", "xlsx"):
        data.pop(name, None)
    return data


def finish_monthly_report(report: MonthlyReport, *, pdf: bytes, xlsx: bytes) -> MonthlyReport:
    """Keep what the job built (the job's write; the request was audited)."""
    with transaction.atomic():
        MonthlyReport.objects.filter(pk=report.pk).update(
            pdf=pdf,
            xlsx=xlsx,
            pdf_size=len(pdf),
            xlsx_size=len(xlsx),
            status=ReportStatus.READY,
            finished_at=timezone.now(),
            error="",
        )
    report.refresh_from_db()
    return report


def fail_monthly_report(report: MonthlyReport, *, error: str) -> None:
    """Mark the report failed (the job keeps the full error)."""
    MonthlyReport.objects.filter(pk=report.pk).update(
        status=ReportStatus.FAILED, finished_at=timezone.now(), error=error[:2000]
    )


def get_report_for(user: Any, pk: Any) -> MonthlyReport:
    """A report the user may see; 404 alike for missing and forbidden."""
    report: MonthlyReport = get_for(MonthlyReport, user, pk)
    return report


def reports_for(user: Any) -> QuerySet[MonthlyReport]:
    """The user's visible reports, newest first, without loading the files."""
    return (
        MonthlyReport.objects.visible_to(user)
        .defer("pdf", "xlsx")
        .select_related("jurisdiction", "created_by", "job")
        .order_by("-created_at", "-pk")
    )
