"""Built reports: a jurisdiction's monthly report (月度工作报告) as a PDF and an Excel workbook.

A report row is written by ``reports.services.request_monthly_report`` and filled in by the
background job (``reports.monthly_jobs``). Its files are kept in the row (a township's month
is a few hundred kilobytes): they hold no sensitive personal data — people of concern never go
into the report, and dispute parties' phone numbers are masked as in the dispute ledger.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import BackgroundJob, Jurisdiction
from shouwang.core.scoping import ScopedManager


class ReportStatus(models.TextChoices):
    BUILDING = "building", _("Being built")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class MonthlyReport(models.Model):
    """One build of a jurisdiction's month: the PDF report and the workbook of ledgers."""

    scope_path = "jurisdiction__path"

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="monthly_reports",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month reported."))
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.BUILDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    job = models.ForeignKey(
        BackgroundJob,
        verbose_name=_("background job"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pdf = models.BinaryField(_("PDF report"), null=True, blank=True, editable=False)
    xlsx = models.BinaryField(_("Excel workbook"), null=True, blank=True, editable=False)
    pdf_size = models.PositiveIntegerField(_("PDF size (bytes)"), default=0, editable=False)
    xlsx_size = models.PositiveIntegerField(_("workbook size (bytes)"), default=0, editable=False)
    error = models.TextField(_("error"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["jurisdiction", "month"], name="reports_monthly_place_month")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(month__day=1),
                name="reports_monthly_first_of_month",
                violation_error_message=_("The month is kept as its first day."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.month.year}年{self.month.month}月"

    @property
    def month_label(self) -> str:
        return f"{self.month.year}年{self.month.month}月"

    def filename(self, extension: str) -> str:
        """The download's name, as an office files it: 某镇2026年10月群防群治工作月报.pdf."""
        return f"{self.jurisdiction.name}{self.month_label}群防群治工作月报.{extension}"
