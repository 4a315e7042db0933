"""Hazards (隐患): reported by whoever finds one — from a patrol log, a failed checklist item, a
phone report or by the office. First-finder responsibility: the report is the start of a case
that is assigned, rectified, verified and closed (整改销号).
"""

from __future__ import annotations

import uuid as uuid_lib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.geo import position_errors
from shouwang.core.models import CodeItem, Jurisdiction, code_list_choices
from shouwang.core.scoping import ScopedManager
from shouwang.patrols.models import ChecklistResult, FieldPhoto, PatrolLog


class HazardSource(models.TextChoices):
    PATROL_LOG = "patrol_log", _("Patrol log")
    CHECKLIST = "checklist", _("Checklist item")
    PHONE = "phone", _("Phone report")
    OFFICE = "office", _("Office")


class HazardSeverity(models.TextChoices):
    GENERAL = "general", _("General")
    MAJOR = "major", _("Major")


class HazardStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")


class Hazard(models.Model):
    """A hazard found and registered: what, where, how serious, who found it, from what."""

    scope_path = "jurisdiction__path"

    uuid = models.UUIDField(_("record id"), unique=True, default=uuid_lib.uuid4, editable=False)
    category = models.ForeignKey(
        CodeItem,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        limit_choices_to=code_list_choices("hazard_category"),
        related_name="+",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT
    )
    description = models.TextField(_("description"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=HazardSeverity.choices, default=HazardSeverity.GENERAL
    )
    source = models.CharField(
        _("source"), max_length=12, choices=HazardSource.choices, default=HazardSource.OFFICE
    )
    log = models.ForeignKey(
        PatrolLog,
        verbose_name=_("patrol log"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hazards",
    )
    checklist_result = models.OneToOneField(
        ChecklistResult,
        verbose_name=_("checklist item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hazard",
    )
    photos = models.ManyToManyField(
        FieldPhoto, verbose_name=_("photos"), blank=True, related_name="hazards"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=HazardStatus.choices, default=HazardStatus.REPORTED
    )
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("found by"),
        on_delete=models.PROTECT,
        related_name="hazards_found",
    )
    found_at = models.DateTimeField(_("found at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        ordering = ["-found_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.category}: {self.description[:30]}"

    def clean(self) -> None:
        errors = position_errors(self.latitude, self.longitude)
        if errors:
            raise ValidationError(errors)
