"""Hazards (隐患): reported by whoever finds one — from a patrol log, a failed checklist item, a
phone report or by the office. First-finder responsibility: the report is the start of a case
that is assigned, rectified, verified and closed (整改销号).
"""

from __future__ import annotations

import uuid as uuid_lib
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.core.geo import position_errors
from shouwang.core.models import CaseTransition, CodeItem, Jurisdiction, code_list_choices
from shouwang.core.scoping import ScopedManager, ScopedQuerySet
from shouwang.forces.models import Member, Organisation
from shouwang.patrols.models import ChecklistResult, FieldPhoto, PatrolLog


class HazardSource(models.TextChoices):
    PATROL_LOG = "patrol_log", _("Patrol log")
    CHECKLIST = "checklist", _("Checklist item")
    PHONE = "phone", _("Phone report")
    OFFICE = "office", _("Office")
    OPEN311 = "open311", _("Open311 (civic tools)")


class HazardSeverity(models.TextChoices):
    GENERAL = "general", _("General")
    MAJOR = "major", _("Major")


class HazardStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ASSIGNED = "assigned", _("Assigned")
    RECTIFYING = "rectifying", _("Rectifying")
    AWAITING_VERIFICATION = "awaiting_verification", _("Awaiting verification")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


#: Statuses in which a hazard is finished: never overdue, never swept.
FINISHED_STATUSES = (HazardStatus.CLOSED, HazardStatus.REJECTED)


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("Not escalated")
    TEAM_LEADER = 1, _("Team leader")
    OFFICE = 2, _("Township office")
    COUNTY = 3, _("County")


class HazardCategoryPolicy(models.Model):
    """How a township handles one hazard category: default responsible unit, the time limit in
    working days, when to warn, and whether hazards of the category are public (Open311)."""

    scope_path = "jurisdiction__path"

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT
    )
    category = models.ForeignKey(
        CodeItem,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        limit_choices_to=code_list_choices("hazard_category"),
        related_name="+",
    )
    default_unit = models.ForeignKey(
        Organisation,
        verbose_name=_("default responsible unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    time_limit_working_days = models.PositiveSmallIntegerField(
        _("time limit (working days)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Working days from the day the hazard was found to the deadline."),
    )
    warn_days_before = models.PositiveSmallIntegerField(
        _("warn days before the deadline"),
        default=2,
        help_text=_("Working days before the deadline when the yellow warning is sent."),
    )
    public = models.BooleanField(_("public"), default=True, help_text=_("Visible through Open311."))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("hazard category policy")
        verbose_name_plural = _("hazard category policies")
        ordering = ["jurisdiction__path", "category__sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "category"],
                name="hazards_policy_unique_jurisdiction_category",
                violation_error_message=_(
                    "This jurisdiction already has a policy for this category."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction}: {self.category}"

    def clean(self) -> None:
        limit = self.time_limit_working_days
        if limit and self.warn_days_before is not None and self.warn_days_before >= limit:
            raise ValidationError(
                {"warn_days_before": [_("Warn fewer working days before than the time limit.")]}
            )

    @classmethod
    def for_hazard(
        cls, jurisdiction: Jurisdiction, category_id: int
    ) -> HazardCategoryPolicy | None:
        """The nearest policy for the category in the jurisdiction or its ancestors."""
        ids = [int(p) for p in jurisdiction.path.strip("/").split("/") if p] or [jurisdiction.pk]
        policies = {
            p.jurisdiction_id: p
            for p in cls.objects.filter(category_id=category_id, jurisdiction_id__in=ids)
        }
        for jid in reversed(ids):
            if jid in policies:
                return policies[jid]
        return None


class HazardQuerySet(ScopedQuerySet["Hazard"]):
    def overdue(self, today: date | None = None) -> HazardQuerySet:
        """Deadline passed and not closed or rejected."""
        today = today or timezone.localdate()
        return self.filter(deadline__lt=today).exclude(status__in=FINISHED_STATUSES)


class HazardManager(models.Manager.from_queryset(HazardQuerySet)):  # type: ignore[misc]
    """Scoped manager (`visible_to`) with `overdue()`."""


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
        _("status"), max_length=24, choices=HazardStatus.choices, default=HazardStatus.REPORTED
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
    about_person = models.BooleanField(
        _("concerns a person"),
        default=False,
        help_text=_("Concerns a person: never public."),
    )
    # Workflow (reported → assigned → rectifying → awaiting verification → closed / rejected).
    responsible_unit = models.ForeignKey(
        Organisation,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hazards",
    )
    responsible_person = models.ForeignKey(
        Member,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hazards",
    )
    deadline = models.DateField(_("rectification deadline"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rectified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rectification_note = models.TextField(_("rectification note"), blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    warned_at = models.DateTimeField(_("yellow warning sent at"), null=True, blank=True)
    supervised_at = models.DateTimeField(_("supervision notice sent at"), null=True, blank=True)

    objects = HazardManager()

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        ordering = ["-found_at", "-pk"]
        indexes = [
            # The dashboard and the monthly report count a period's hazards by found_at.
            models.Index(fields=["found_at"], name="hazard_found_at"),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.description[:30]}"

    def clean(self) -> None:
        errors = position_errors(self.latitude, self.longitude)
        if errors:
            raise ValidationError(errors)

    @property
    def is_overdue(self) -> bool:
        return (
            self.deadline is not None
            and self.status not in FINISHED_STATUSES
            and self.deadline < timezone.localdate()
        )

    @property
    def is_public(self) -> bool:
        """Never for a hazard about a person; else as the category's nearest policy says."""
        if self.about_person:
            return False
        policy = HazardCategoryPolicy.for_hazard(self.jurisdiction, self.category_id)
        return True if policy is None else policy.public


class HazardTransition(CaseTransition):
    """One step of a hazard's history: from which status to which, who, when and why."""

    scope_path = "hazard__jurisdiction__path"
    case_field = "hazard"

    hazard = models.ForeignKey(
        Hazard, verbose_name=_("hazard"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(
        _("from status"), max_length=24, choices=HazardStatus.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=24, choices=HazardStatus.choices)

    class Meta(CaseTransition.Meta):
        verbose_name = _("hazard transition")
        verbose_name_plural = _("hazard transitions")


class ExtensionStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class HazardExtension(models.Model):
    """A request to move a hazard's rectification deadline, decided by the office."""

    scope_path = "hazard__jurisdiction__path"

    hazard = models.ForeignKey(
        Hazard, verbose_name=_("hazard"), on_delete=models.CASCADE, related_name="extensions"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    reason = models.TextField(_("reason"))
    new_deadline = models.DateField(_("new deadline"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ExtensionStatus.choices,
        default=ExtensionStatus.REQUESTED,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.hazard_id}: {self.new_deadline}"
