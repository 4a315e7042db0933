"""Governance (共治): trainings (at least monthly) and drills (at least quarterly) of each
township, with attendance per member; and the monthly joint meeting (联席会议) with the units
present, the situation analysis and the decisions followed up to done.

A training or drill is planned, then held or cancelled (with a reason); the workflow is in
services.py (`WORKFLOW`). `services.gaps` lists the months without a held training and the
quarters without a held drill.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_lib
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

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
    plan_version = models.ForeignKey(
        "governance.PlanVersion",
        verbose_name=_("plan version exercised"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="drills",
        help_text=_("Drills only: the emergency plan version the drill exercised."),
    )

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
        if self.plan_version_id:
            self._check_plan_version(errors)
        if errors:
            raise ValidationError(errors)

    def _check_plan_version(self, errors: dict[str, list[str]]) -> None:
        version = self.plan_version
        if self.kind != SessionKind.DRILL:
            errors.setdefault("plan_version", []).append(
                str(_("Only a drill can name the emergency plan version it exercised."))
            )
        elif version is not None and version.status == "draft":
            errors.setdefault("plan_version", []).append(
                str(_("Choose a version that was adopted, not a draft."))
            )
        elif (
            version is not None
            and self.jurisdiction_id
            and version.plan.jurisdiction_id != self.jurisdiction_id
        ):
            errors.setdefault("plan_version", []).append(str(_("Choose a plan of this township.")))


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
    held_on = models.DateField(pgettext_lazy("meeting", "held on"))
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


class FollowUpItem(models.Model):
    """Something to be done by a responsible unit or person by a deadline (a meeting's
    decision, a drill finding); overdue open ones are inbox tasks (inbox.py)."""

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

    class Meta:
        abstract = True


class DecisionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class Decision(FollowUpItem):
    """One decision of a joint meeting, followed up until done."""

    scope_path = "meeting__jurisdiction__path"

    meeting = models.ForeignKey(
        JointMeeting,
        verbose_name=_("joint meeting"),
        on_delete=models.CASCADE,
        related_name="decisions",
    )
    text = models.TextField(_("decision"))
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


# -- responsibility pledges (责任书) ---------------------------------------------------------------


class PledgeStatus(models.TextChoices):
    DRAFTED = "drafted", _("Drafted")
    SIGNED = "signed", pgettext_lazy("responsibility pledge", "Signed")
    FULFILLED = "fulfilled", _("Fulfilled")
    BREACHED = "breached", _("Breached")


#: Content types accepted for signed copies and plan files, by their first bytes.
UPLOAD_KINDS: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def _upload_ext(content_type: str) -> str:
    return next((ext for _magic, kind, ext in UPLOAD_KINDS if kind == content_type), "bin")


def pledge_copy_path(instance: ResponsibilityPledge, filename: str) -> str:
    # Named by a random id, never by the uploader's file name (which may hold personal names).
    ext = _upload_ext(instance.signed_copy_type)
    return f"governance/pledges/{instance.year}/{uuid_lib.uuid4().hex}.{ext}"


def plan_file_path(instance: PlanVersion, filename: str) -> str:
    ext = _upload_ext(instance.file_type)
    return f"governance/plans/{instance.plan_id}/{uuid_lib.uuid4().hex}.{ext}"


class ResponsibilityPledge(models.Model):
    """A yearly responsibility pledge (责任书) between a township and one of its villages or
    member units: the targets (九无, 杜绝…), who signed, when, and the signed copy.

    drafted → signed (date, signatories, signed copy) → fulfilled, or breached with a reason;
    one pledge per counterpart and year.
    """

    scope_path = "jurisdiction__path"

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("township"), on_delete=models.PROTECT, related_name="pledges"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    village = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("village"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The village (community) that signs; or choose a unit."),
    )
    unit = models.ForeignKey(
        Organisation,
        verbose_name=_("member unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The member unit that signs; or choose a village."),
    )
    targets = models.TextField(
        _("targets"), help_text=_("One target a line, e.g. “九无” or “杜绝重大刑事案件”.")
    )
    signatories = models.TextField(
        _("signatories"), blank=True, help_text=_("Who signed for each side, with their posts.")
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PledgeStatus.choices,
        default=PledgeStatus.DRAFTED,
        editable=False,
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True, editable=False)
    signed_copy = models.FileField(
        _("signed copy"), upload_to=pledge_copy_path, blank=True, editable=False
    )
    signed_copy_type = models.CharField(max_length=40, blank=True, editable=False)
    breach_reason = models.TextField(_("reason for the breach"), blank=True, editable=False)
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True, editable=False)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("responsibility pledge")
        verbose_name_plural = _("responsibility pledges")
        ordering = ["-year", "jurisdiction", "village__name", "unit__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year", "village"],
                condition=models.Q(village__isnull=False),
                name="governance_pledge_unique_village_year",
                violation_error_message=_("This village already has a pledge for this year."),
            ),
            models.UniqueConstraint(
                fields=["jurisdiction", "year", "unit"],
                condition=models.Q(unit__isnull=False),
                name="governance_pledge_unique_unit_year",
                violation_error_message=_("This unit already has a pledge for this year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.counterpart}"

    @property
    def counterpart(self) -> Any:
        return self.village if self.village_id else self.unit

    @property
    def target_lines(self) -> list[str]:
        return [line.strip() for line in self.targets.splitlines() if line.strip()]

    @property
    def has_signed_copy(self) -> bool:
        return bool(self.signed_copy)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        township = self.jurisdiction if self.jurisdiction_id else None
        _township_only(township, errors, "jurisdiction")
        if bool(self.village_id) == bool(self.unit_id):
            errors.setdefault("village", []).append(
                str(_("Choose either the village or the member unit that signs."))
            )
        elif township is not None and township.level == "township":
            if self.village_id and (
                self.village.level != "village"  # type: ignore[union-attr]
                or not self.village.path.startswith(township.path)  # type: ignore[union-attr]
            ):
                errors.setdefault("village", []).append(
                    str(_("Choose a village of this township."))
                )
            if self.unit_id and not self.unit.jurisdiction.path.startswith(township.path):  # type: ignore[union-attr]
                errors.setdefault("unit", []).append(
                    str(_("Choose a member unit of this township."))
                )
        if not self.target_lines:
            errors.setdefault("targets", []).append(str(_("Write at least one target.")))
        if self.status != PledgeStatus.DRAFTED:
            if self.signed_on is None:
                errors.setdefault("signed_on", []).append(str(_("Give the day it was signed.")))
            if not self.signed_copy:
                errors.setdefault("signed_copy", []).append(str(_("Upload the signed copy.")))
            if not self.signatories.strip():
                errors.setdefault("signatories", []).append(str(_("Name the signatories.")))
        if self.status == PledgeStatus.BREACHED and not self.breach_reason.strip():
            errors.setdefault("reason", []).append(str(_("Give the reason.")))
        if errors:
            raise ValidationError(errors)


class PledgeTransition(CaseTransition):
    """One step of a responsibility pledge's status history."""

    case_field = "pledge"
    scope_path = "pledge__jurisdiction__path"

    pledge = models.ForeignKey(
        ResponsibilityPledge,
        verbose_name=_("responsibility pledge"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    from_status = models.CharField(
        _("from status"), max_length=10, choices=PledgeStatus.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=10, choices=PledgeStatus.choices)

    class Meta(CaseTransition.Meta):
        verbose_name = _("pledge transition")
        verbose_name_plural = _("pledge transitions")


# -- emergency plans (应急预案), drill reviews and findings ----------------------------------------


class PlanScenario(models.TextChoices):
    RAILWAY = "railway", _("Railway accident")
    FLOOD = "flood", _("Flood")
    MASS_INCIDENT = "mass_incident", _("Mass incident")
    FIRE = "fire", _("Fire")
    GEOLOGICAL = "geological", _("Geological disaster")
    OTHER = "other", _("Other")


class EmergencyPlan(models.Model):
    """An emergency plan (应急预案) of a township for one scenario; its text lives in numbered
    versions, exactly one of which is in force once the first is adopted."""

    scope_path = "jurisdiction__path"

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="emergency_plans",
    )
    name = models.CharField(_("name"), max_length=120)
    scenario = models.CharField(_("scenario"), max_length=16, choices=PlanScenario.choices)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["jurisdiction", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"],
                name="governance_plan_unique_name",
                violation_error_message=_("This township already has a plan of this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def current_version(self) -> PlanVersion | None:
        return self.versions.filter(status=PlanVersionStatus.EFFECTIVE).first()

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        _township_only(self.jurisdiction if self.jurisdiction_id else None, errors, "jurisdiction")
        if errors:
            raise ValidationError(errors)


class PlanVersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    EFFECTIVE = "effective", _("In force")
    SUPERSEDED = "superseded", _("Superseded")


class PlanVersion(models.Model):
    """One numbered version of an emergency plan. A draft may be changed; adopting it puts it
    in force and supersedes the version in force before; from then on it is never edited.

    A revision names the drill findings it addresses: they become addressed when it is adopted.
    """

    scope_path = "plan__jurisdiction__path"

    plan = models.ForeignKey(
        EmergencyPlan,
        verbose_name=_("emergency plan"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("version"), editable=False)
    content = models.TextField(_("content"))
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    change_summary = models.TextField(_("change summary"), blank=True)
    approved_by = models.CharField(
        _("approved by"),
        max_length=120,
        blank=True,
        help_text=_("Who approved it, e.g. the township Party committee meeting."),
    )
    addresses = models.ManyToManyField(
        "governance.DrillFinding",
        verbose_name=_("findings addressed"),
        blank=True,
        related_name="revisions",
        help_text=_("The open drill findings this version addresses."),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PlanVersionStatus.choices,
        default=PlanVersionStatus.DRAFT,
        editable=False,
    )
    superseded_on = models.DateField(_("superseded on"), null=True, blank=True, editable=False)
    file = models.FileField(_("file"), upload_to=plan_file_path, blank=True, editable=False)
    file_type = models.CharField(max_length=40, blank=True, editable=False)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("emergency plan version")
        verbose_name_plural = _("emergency plan versions")
        ordering = ["plan", "-number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"], name="governance_plan_version_unique_number"
            ),
            models.UniqueConstraint(
                fields=["plan"],
                condition=models.Q(status="effective"),
                name="governance_plan_one_effective_version",
                violation_error_message=_("This plan already has a version in force."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"

    @property
    def has_file(self) -> bool:
        return bool(self.file)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.status != PlanVersionStatus.DRAFT:
            if self.effective_from is None:
                errors.setdefault("effective_from", []).append(
                    str(_("Give the day it takes effect."))
                )
            if not self.approved_by.strip():
                errors.setdefault("approved_by", []).append(str(_("Name who approved it.")))
        if errors:
            raise ValidationError(errors)


class DrillReview(models.Model):
    """The review meeting (复盘会 / 讲评会) after a held drill: who took part and its findings."""

    scope_path = "drill__jurisdiction__path"

    drill = models.ForeignKey(
        Training, verbose_name=_("drill"), on_delete=models.PROTECT, related_name="reviews"
    )
    held_on = models.DateField(pgettext_lazy("review meeting", "held on"))
    participants = models.TextField(_("participants"))
    summary = models.TextField(_("summary"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("drill review")
        verbose_name_plural = _("drill reviews")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.drill} · {pgettext('drill review', 'Review')} {self.held_on:%Y-%m-%d}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        drill = self.drill if self.drill_id else None
        if drill is not None:
            if drill.kind != SessionKind.DRILL:
                errors.setdefault("drill", []).append(str(_("Choose a drill, not a training.")))
            elif drill.status != TrainingStatus.HELD:
                errors.setdefault("drill", []).append(
                    str(_("Only a drill that was held can be reviewed."))
                )
            elif self.held_on and self.held_on < timezone.localdate(drill.starts_at):
                errors.setdefault("held_on", []).append(
                    str(_("The review cannot be before the drill."))
                )
        if self.held_on and self.held_on > timezone.localdate():
            errors.setdefault("held_on", []).append(str(_("This date is in the future.")))
        if errors:
            raise ValidationError(errors)


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ADDRESSED = "addressed", _("Addressed")


class DrillFinding(FollowUpItem):
    """One finding of a drill review: what must improve, who owns it, by when; addressed by the
    plan version that takes it up."""

    scope_path = "review__drill__jurisdiction__path"

    review = models.ForeignKey(
        DrillReview,
        verbose_name=_("drill review"),
        on_delete=models.CASCADE,
        related_name="findings",
    )
    text = models.TextField(_("finding"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=FindingStatus.choices,
        default=FindingStatus.OPEN,
        editable=False,
    )
    addressed_by = models.ForeignKey(
        PlanVersion,
        verbose_name=_("addressed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="addressed_findings",
        editable=False,
    )
    addressed_on = models.DateField(_("addressed on"), null=True, blank=True, editable=False)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("drill finding")
        verbose_name_plural = _("drill findings")
        ordering = ["deadline", "pk"]

    def __str__(self) -> str:
        return self.text[:60]

    def is_overdue(self, today: dt.date | None = None) -> bool:
        day = today or timezone.localdate()
        return self.status == FindingStatus.OPEN and self.deadline < day

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if not self.owner_unit_id and not self.owner_person_id:
            errors.setdefault("owner_unit", []).append(
                str(_("Name the responsible unit or person."))
            )
        if errors:
            raise ValidationError(errors)
