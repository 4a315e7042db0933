"""Governance (共治): trainings (at least monthly) and drills (at least quarterly) of each
township, with attendance per member; and the monthly joint meeting (联席会议) with the units
present, the situation analysis and the decisions followed up to done.

A training or drill is planned, then held or cancelled (with a reason); the workflow is in
services.py (`WORKFLOW`). `services.gaps` lists the months without a held training and the
quarters without a held drill.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shouwang.core.models import CaseTransition, Jurisdiction
from shouwang.core.scoping import ScopedManager
from shouwang.forces.models import Member, Organisation
from shouwang.rostering.models import Roster


def _township_only(place: Jurisdiction | None, errors: dict[str, list[str]], name: str) -> None:
    if place is not None and place.level != "township":
        errors.setdefault(name, []).append(str(_("Choose a township or street office.")))


class SessionKind(models.TextChoices):
    TRAINING = "training", _("Training")
    DRILL = "drill", _("Drill")


class TrainingTopic(models.TextChoices):
    INTELLIGENCE = "intelligence", _("Intelligence gathering")
    MEDIATION = "mediation", _("Mediation")
    SAFETY = "safety", _("Safety knowledge")
    FIRST_AID = "first_aid", _("First aid")
    FIRE = "fire", _("Fire fighting and evacuation")
    FLOOD = "flood", _("Flood and disaster response")
    OTHER = "other", _("Other")


class TrainingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Training(models.Model):
    """One training (培训) or drill (演练) of a township's forces."""

    scope_path = "jurisdiction__path"

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="trainings",
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=SessionKind.choices, default=SessionKind.TRAINING
    )
    topic = models.CharField(_("topic"), max_length=16, choices=TrainingTopic.choices)
    topic_other = models.CharField(
        _("other topic"), max_length=100, blank=True, help_text=_("When the topic is “other”.")
    )
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200)
    organiser = models.CharField(_("trainer / organiser"), max_length=100)
    materials = models.CharField(
        _("materials"),
        max_length=500,
        blank=True,
        help_text=_("Where the materials are: a link or a short description."),
    )
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=TrainingStatus.choices,
        default=TrainingStatus.PLANNED,
        editable=False,
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True, editable=False)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("training or drill")
        verbose_name_plural = _("trainings and drills")
        ordering = ["-starts_at", "-pk"]

    def __str__(self) -> str:
        day = timezone.localtime(self.starts_at)
        return f"{self.get_kind_display()} {self.topic_label} {day:%Y-%m-%d}"

    @property
    def topic_label(self) -> str:
        if self.topic == TrainingTopic.OTHER and self.topic_other:
            return self.topic_other
        return str(self.get_topic_display())

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        _township_only(self.jurisdiction if self.jurisdiction_id else None, errors, "jurisdiction")
        if self.topic == TrainingTopic.OTHER and not self.topic_other.strip():
            errors.setdefault("topic_other", []).append(str(_("Name the topic.")))
        if self.status == TrainingStatus.CANCELLED and not self.cancel_reason.strip():
            errors.setdefault("cancel_reason", []).append(str(_("Give the reason.")))
        if errors:
            raise ValidationError(errors)


class TrainingTransition(CaseTransition):
    """One step of a training's status history."""

    case_field = "training"
    scope_path = "training__jurisdiction__path"

    training = models.ForeignKey(
        Training, verbose_name=_("training"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(
        _("from status"), max_length=10, choices=TrainingStatus.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=10, choices=TrainingStatus.choices)

    class Meta(CaseTransition.Meta):
        verbose_name = _("training transition")
        verbose_name_plural = _("training transitions")


class Presence(models.TextChoices):
    PRESENT = "present", pgettext_lazy("training attendance", "Present")
    ABSENT = "absent", pgettext_lazy("training attendance", "Absent")
    EXCUSED = "excused", _("Excused")


class Attendance(models.Model):
    """Whether one member attended a training or drill."""

    scope_path = "training__jurisdiction__path"

    training = models.ForeignKey(
        Training, verbose_name=_("training"), on_delete=models.CASCADE, related_name="attendance"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    presence = models.CharField(_("attendance"), max_length=8, choices=Presence.choices)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("training attendance")
        verbose_name_plural = _("training attendance")
        ordering = ["training", "member__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["training", "member"],
                name="governance_attendance_unique_member",
                violation_error_message=_("This member is already on the list."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.get_presence_display()}"


class GapNotice(models.Model):
    """That a township's office was told of a month without training or a quarter without a
    drill (once per period)."""

    scope_path = "township__path"

    township = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=SessionKind.choices)
    #: "2026-11" for a month, "2026-Q3" for a quarter.
    period = models.CharField(max_length=8)
    sent_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["township", "kind", "period"], name="governance_gap_notice_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.township} {self.kind} {self.period}"


class JointMeeting(models.Model):
    """The monthly joint meeting (联席会议) of a township's units."""

    scope_path = "jurisdiction__path"

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="joint_meetings",
    )
    held_on = models.DateField(_("held on"))
    units = models.ManyToManyField(
        Organisation, verbose_name=_("units present"), blank=True, related_name="+"
    )
    situation = models.TextField(_("situation analysis"))
    next_roster = models.ForeignKey(
        Roster,
        verbose_name=_("next month's roster"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("joint meeting")
        verbose_name_plural = _("joint meetings")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.held_on:%Y-%m-%d}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        _township_only(self.jurisdiction if self.jurisdiction_id else None, errors, "jurisdiction")
        if self.held_on and self.held_on > timezone.localdate():
            errors.setdefault("held_on", []).append(str(_("This date is in the future.")))
        if errors:
            raise ValidationError(errors)


class DecisionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class Decision(models.Model):
    """One decision of a joint meeting, followed up until done."""

    scope_path = "meeting__jurisdiction__path"

    meeting = models.ForeignKey(
        JointMeeting,
        verbose_name=_("joint meeting"),
        on_delete=models.CASCADE,
        related_name="decisions",
    )
    text = models.TextField(_("decision"))
    owner_unit = models.ForeignKey(
        Organisation,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_person = models.ForeignKey(
        Member,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=6, choices=DecisionStatus.choices, default=DecisionStatus.OPEN
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("meeting decision")
        verbose_name_plural = _("meeting decisions")
        ordering = ["deadline", "pk"]

    def __str__(self) -> str:
        return self.text[:60]

    def is_overdue(self, today: object = None) -> bool:
        day = today or timezone.localdate()
        return self.status == DecisionStatus.OPEN and self.deadline < day  # type: ignore[operator]

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.status == DecisionStatus.DONE and self.done_on is None:
            errors.setdefault("done_on", []).append(str(_("Give the day it was done.")))
        if not self.owner_unit_id and not self.owner_person_id:
            errors.setdefault("owner_unit", []).append(
                str(_("Name the responsible unit or person."))
            )
        if errors:
            raise ValidationError(errors)
