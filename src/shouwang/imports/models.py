"""Ledger imports: saved column mappings per ledger layout, and one row per import run."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import Jurisdiction
from shouwang.core.scoping import (
    Action,
    ScopedQuerySet,
    is_explicit_only,
    record_type_key,
    user_grants,
)


class ImportScopedQuerySet(ScopedQuerySet[Any]):
    """Mappings and runs are not record types with their own grants: who may import a ledger
    kind (holds "add" on its record type) sees the kind's mappings and runs at the grant's
    jurisdiction and below ("view" on the record type is not enough to see the uploads)."""

    def visible_to(self, user: Any, action: Action = "view") -> ImportScopedQuerySet:
        from shouwang.imports.kinds import KINDS

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        condition: Q | None = None
        if user.is_superuser:
            # Not the kinds of explicit-only apps (people of concern): they need a grant.
            keys = [k.key for k in KINDS.values() if not is_explicit_only(record_type_key(k.model))]
            condition = Q(kind__in=keys) | ~Q(kind__in=list(KINDS))
        for grant in user_grants(user):
            for kind in KINDS.values():
                if not grant.role.allows(record_type_key(kind.model), "add"):
                    continue
                q = Q(kind=kind.key)
                if not grant.role.is_global:
                    q &= Q(jurisdiction__path__startswith=grant.jurisdiction.path)
                condition = q if condition is None else condition | q
        return self.none() if condition is None else self.filter(condition)


class ImportScopedManager(models.Manager.from_queryset(ImportScopedQuerySet)):  # type: ignore[misc]
    """Manager exposing `visible_to` (see ImportScopedQuerySet)."""


class ColumnMapping(models.Model):
    """How the columns of one ledger layout map to fields, saved for a jurisdiction: the next
    upload of the same layout (same normalised header row) there or below applies it."""

    scope_path = "jurisdiction__path"

    kind = models.CharField(_("ledger kind"), max_length=40)
    signature = models.CharField(
        _("layout signature"),
        max_length=64,
        help_text=_("Hash of the normalised header row."),
    )
    name = models.CharField(_("name"), max_length=100)
    headers = models.JSONField(_("column headers"), default=list)
    mapping = models.JSONField(
        _("mapping"),
        default=dict,
        help_text=_("Normalised column header → field name (empty: ignored)."),
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ImportScopedManager()

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        ordering = ["kind", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "signature", "jurisdiction"],
                name="imports_mapping_unique_layout_per_jurisdiction",
                violation_error_message=_(
                    "This jurisdiction already has a mapping for this ledger layout."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name


class RunStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Waiting for the column mapping")
    CHECKED = "checked", _("Checked, nothing imported (trial run)")
    COMPLETED = "completed", _("Imported")
    FAILED = "failed", _("Refused, nothing imported")


class ImportRun(models.Model):
    """One upload of a ledger: the file's hash, the mapping used, and what came of it.
    `errors` lists every refused row: {"row", "column", "field", "message"}."""

    scope_path = "jurisdiction__path"

    kind = models.CharField(_("ledger kind"), max_length=40)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    # Kept until the run is finished (the mapping step needs it), then cleared.
    content = models.BinaryField(_("file content"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT
    )
    status = models.CharField(
        _("status"), max_length=12, choices=RunStatus.choices, default=RunStatus.UPLOADED
    )
    header_row = models.PositiveIntegerField(_("header row"), default=1)
    headers = models.JSONField(_("column headers"), default=list)
    signature = models.CharField(_("layout signature"), max_length=64, blank=True)
    mapping = models.JSONField(_("mapping"), default=dict)
    column_mapping = models.ForeignKey(
        ColumnMapping,
        verbose_name=_("saved mapping"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="runs",
    )
    dry_run = models.BooleanField(_("trial run"), default=False)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped as duplicates"), default=0)
    skipped = models.JSONField(_("duplicate rows"), default=list)
    errors = models.JSONField(_("errors"), default=list)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ImportScopedManager()

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"
