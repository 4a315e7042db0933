"""Disputes (矛盾纠纷): weekly screening in every village, one file per dispute (一案一档).

A village screens for disputes every week and records it, also when nothing was found (a zero
report). Each dispute found becomes a file: parties, category, risk, source, the 五定 plan
(unit, person, plan, deadline, expected result) and 两包 (road segment, key point); then
mediation sessions in rounds up an escalation ladder, an agreement, a result, follow-up visits
and closing after the case-file completeness check. The workflow lives in workflow.py.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shouwang.areas.models import KeyPlace, Segment
from shouwang.core import crypto, validators
from shouwang.core.geo import position_errors
from shouwang.core.models import CaseTransition, CodeItem, Jurisdiction, code_list_choices
from shouwang.core.scoping import ScopedManager, ScopedQuerySet
from shouwang.forces.models import Member, Organisation

#: Defaults when no policy covers a jurisdiction (see DisputePolicy).
DEFAULT_RESOLVE_DAYS = 30
DEFAULT_VILLAGE_ROUNDS = 2
DEFAULT_TOWNSHIP_ROUNDS = 2
DEFAULT_FOLLOW_UP_DAYS = "7,30"


def week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week of `day`."""
    return day - dt.timedelta(days=day.weekday())


def _village_only(place: Jurisdiction | None, errors: dict[str, list[str]], name: str) -> None:
    if place is not None and place.level != "village":
        errors.setdefault(name, []).append(str(_("Choose a village or community.")))


class DisputePolicy(models.Model):
    """How a township (or any jurisdiction, nearest one wins) handles disputes: the target time
    to resolve, the mediation rounds allowed at village and township level before the next
    session must be one level up, and the days after resolution when follow-ups are due."""

    scope_path = "jurisdiction__path"

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT
    )
    resolve_days = models.PositiveSmallIntegerField(
        _("days to resolve"),
        default=DEFAULT_RESOLVE_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("Default deadline: registration date plus this many days."),
    )
    village_rounds = models.PositiveSmallIntegerField(
        _("mediation rounds at village level"),
        default=DEFAULT_VILLAGE_ROUNDS,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    township_rounds = models.PositiveSmallIntegerField(
        _("mediation rounds at township level"),
        default=DEFAULT_TOWNSHIP_ROUNDS,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    follow_up_days = models.CharField(
        _("follow-up days"),
        max_length=60,
        default=DEFAULT_FOLLOW_UP_DAYS,
        help_text=_("Days after resolution when follow-up visits are due, e.g. 7,30."),
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("dispute policy")
        verbose_name_plural = _("dispute policies")
        ordering = ["jurisdiction__path", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction"],
                name="disputes_policy_unique_jurisdiction",
                violation_error_message=_("This jurisdiction already has a dispute policy."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction}"

    def follow_up_offsets(self) -> list[int]:
        return parse_days(self.follow_up_days)

    def clean(self) -> None:
        try:
            days = parse_days(self.follow_up_days, strict=True)
        except ValueError:
            raise ValidationError(
                {"follow_up_days": [_("Enter days as whole numbers separated by commas.")]}
            ) from None
        if not days:
            raise ValidationError({"follow_up_days": [_("Enter at least one day.")]})
        self.follow_up_days = ",".join(str(d) for d in days)

    @classmethod
    def for_jurisdiction(cls, jurisdiction: Jurisdiction) -> DisputePolicy | None:
        """The policy of the jurisdiction or its nearest ancestor that has one."""
        ids = [int(p) for p in jurisdiction.path.strip("/").split("/") if p] or [jurisdiction.pk]
        policies = {p.jurisdiction_id: p for p in cls.objects.filter(jurisdiction_id__in=ids)}
        for jid in reversed(ids):
            if jid in policies:
                return policies[jid]
        return None


def parse_days(text: str, *, strict: bool = False) -> list[int]:
    """ "7, 30" → [7, 30] (sorted, unique, 1–366)."""
    out: set[int] = set()
    for part in str(text or "").replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= 366:
            if strict:
                raise ValueError(part)
            continue
        out.add(int(part))
    return sorted(out)


class Screening(models.Model):
    """A village's weekly dispute screening (排查记录), also when nothing was found."""

    scope_path = "village__path"

    village = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("village / community"),
        on_delete=models.PROTECT,
        related_name="dispute_screenings",
    )
    week = models.DateField(_("week (Monday)"), help_text=_("Any day of the week; kept as Monday."))
    screened_on = models.DateField(_("screened on"))
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("screened by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    disputes_found = models.PositiveSmallIntegerField(_("disputes found"), default=0)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("dispute screening")
        verbose_name_plural = _("dispute screenings")
        ordering = ["-week", "village__path", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "week"],
                name="disputes_screening_unique_village_week",
                violation_error_message=_("This village already has a screening for this week."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.week:%Y-%m-%d}"

    @property
    def is_zero_report(self) -> bool:
        return self.disputes_found == 0

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.week:
            self.week = week_start(self.week)
        _village_only(self.village if self.village_id else None, errors, "village")
        if self.screened_on and self.week and self.screened_on < self.week:
            errors.setdefault("screened_on", []).append(
                str(_("The screening cannot be before its week."))
            )
        if self.screened_on and self.screened_on > timezone.localdate():
            errors.setdefault("screened_on", []).append(str(_("This date is in the future.")))
        if errors:
            raise ValidationError(errors)


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class DisputeSource(models.TextChoices):
    SCREENING = "screening", _("Weekly screening")
    PATROL_LOG = "patrol_log", _("Patrol log")
    PHONE = "phone", _("Phone report")
    VISIT = "visit", _("Visit")
    WALK_IN = "walk_in", _("Walk-in")
    REFERRAL = "referral", _("Referral")
    OTHER = "other", _("Other")


class DisputeStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    MEDIATING = "mediating", _("Mediating")
    RESOLVED = "resolved", _("Resolved")
    PARTLY_RESOLVED = "partly_resolved", _("Partly resolved")
    FAILED_REFERRED = "failed_referred", _("Failed and referred")
    CLOSED = "closed", _("Closed")


#: Files being worked on: they have a deadline and can be overdue.
OPEN_STATUSES = (DisputeStatus.REGISTERED, DisputeStatus.MEDIATING)


class ReferralTarget(models.TextChoices):
    COURT = "court", _("Court")
    PETITION_OFFICE = "petition_office", _("Petition office")
    POLICE = "police", _("Police")
    OTHER = "other", _("Other")


class DisputeQuerySet(ScopedQuerySet["Dispute"]):
    def overdue(self, today: dt.date | None = None) -> DisputeQuerySet:
        """Past the deadline and still registered or being mediated."""
        today = today or timezone.localdate()
        return self.filter(resolve_by__lt=today, status__in=OPEN_STATUSES)


class DisputeManager(models.Manager.from_queryset(DisputeQuerySet)):  # type: ignore[misc]
    """Scoped manager (`visible_to`) with `overdue()`."""


class Dispute(models.Model):
    """One dispute, one file (一案一档)."""

    scope_path = "jurisdiction__path"

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("village / community"),
        on_delete=models.PROTECT,
        related_name="disputes",
    )
    title = models.CharField(_("title"), max_length=200)
    category = models.ForeignKey(
        CodeItem,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        limit_choices_to=code_list_choices("dispute_category"),
        related_name="+",
    )
    description = models.TextField(_("description"), blank=True)
    people_involved = models.PositiveIntegerField(
        _("people involved"), default=2, validators=[MinValueValidator(1)]
    )
    risk_level = models.CharField(
        _("risk level"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.LOW
    )
    source = models.CharField(
        _("source"), max_length=12, choices=DisputeSource.choices, default=DisputeSource.SCREENING
    )
    screening = models.ForeignKey(
        Screening,
        verbose_name=_("found in screening"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="disputes",
    )
    source_record = models.CharField(
        _("application or source record"),
        max_length=200,
        blank=True,
        help_text=_("The written application, phone-report number or referral letter."),
    )
    registered_on = models.DateField(_("registered on"), default=timezone.localdate)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    civil_to_criminal = models.BooleanField(
        _("civil-to-criminal risk"),
        default=False,
        help_text=_("Risk that the dispute turns into a criminal case (民转刑)."),
    )
    civil_to_criminal_note = models.TextField(_("civil-to-criminal note"), blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    # 五定: responsibility, person, plan, time limit, expected result.
    responsible_unit = models.ForeignKey(
        Organisation,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disputes",
    )
    responsible_person = models.ForeignKey(
        Member,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disputes",
    )
    plan = models.TextField(_("resolution plan"), blank=True)
    resolve_by = models.DateField(
        _("resolve by"),
        null=True,
        blank=True,
        help_text=_("Empty: registration date plus the policy's days to resolve (30)."),
    )
    expected_result = models.TextField(_("expected result"), blank=True)
    # 两包: road segment and key point.
    segment = models.ForeignKey(
        Segment,
        verbose_name=_("road segment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    key_place = models.ForeignKey(
        KeyPlace,
        verbose_name=_("key place"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    key_point = models.CharField(_("key point"), max_length=200, blank=True)
    # Workflow.
    status = models.CharField(
        _("status"), max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.REGISTERED
    )
    outcome = models.CharField(
        _("result"),
        max_length=16,
        blank=True,
        choices=[
            (DisputeStatus.RESOLVED, DisputeStatus.RESOLVED.label),
            (DisputeStatus.PARTLY_RESOLVED, DisputeStatus.PARTLY_RESOLVED.label),
            (DisputeStatus.FAILED_REFERRED, DisputeStatus.FAILED_REFERRED.label),
        ],
    )
    result_note = models.TextField(_("result note"), blank=True)
    referral_target = models.CharField(
        _("referred to"), max_length=16, blank=True, choices=ReferralTarget.choices
    )
    investigation = models.TextField(_("investigation record"), blank=True)
    investigated_on = models.DateField(_("investigated on"), null=True, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    overdue_flagged_at = models.DateTimeField(_("overdue flagged at"), null=True, blank=True)

    objects = DisputeManager()

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-registered_on", "-pk"]
        indexes = [
            # The dashboard and the monthly report count a period's files by registered_on.
            models.Index(fields=["registered_on"], name="dispute_registered_on"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for name, messages in position_errors(self.latitude, self.longitude).items():
            errors.setdefault(name, []).extend(str(m) for m in messages)
        place = self.jurisdiction if self.jurisdiction_id else None
        _village_only(place, errors, "jurisdiction")
        if (
            self.screening_id
            and self.screening
            and place is not None
            and self.screening.village_id != place.pk
        ):
            errors.setdefault("screening", []).append(
                str(_("Choose a screening of the same village."))
            )
        if self.source == DisputeSource.SCREENING and not self.screening_id:
            errors.setdefault("screening", []).append(
                str(_("Name the screening the dispute was found in."))
            )
        if self.civil_to_criminal and not self.civil_to_criminal_note.strip():
            errors.setdefault("civil_to_criminal_note", []).append(
                str(_("Say what the civil-to-criminal risk is."))
            )
        if self.resolve_by and self.registered_on and self.resolve_by < self.registered_on:
            errors.setdefault("resolve_by", []).append(
                str(_("The deadline cannot be before the registration."))
            )
        if errors:
            raise ValidationError(errors)

    @property
    def is_overdue(self) -> bool:
        return (
            self.resolve_by is not None
            and self.status in OPEN_STATUSES
            and self.resolve_by < timezone.localdate()
        )

    @property
    def parties_text(self) -> str:
        return "、".join(p.name for p in self.parties.all())


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")
    OTHER = "other", _("Other party")


class DisputeParty(models.Model):
    """A party (当事人) to a dispute. The phone number is stored encrypted, shown masked."""

    scope_path = "dispute__jurisdiction__path"
    # The phone number never enters the audit trail, not even encrypted.
    audit_exclude = ("phone_encrypted",)

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="parties"
    )
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(
        _("role"), max_length=12, choices=PartyRole.choices, default=PartyRole.APPLICANT
    )
    phone_encrypted = models.TextField(editable=False, blank=True)
    phone_masked = models.CharField(_("phone"), max_length=30, editable=False, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("dispute party")
        verbose_name_plural = _("dispute parties")
        ordering = ["dispute", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"

    def set_phone(self, raw: str) -> None:
        """Keep only the ciphertext and the masked form."""
        raw = (raw or "").strip()
        if not raw:
            self.phone_encrypted = self.phone_masked = ""
            return
        validators.validate_phone(raw)
        self.phone_encrypted = crypto.encrypt(raw)
        self.phone_masked = validators.mask_phone(raw)

    def phone_full(self) -> str:
        return crypto.decrypt(self.phone_encrypted) if self.phone_encrypted else ""


class DisputeTransition(CaseTransition):
    """One step of a dispute's history: from which status to which, who, when and why."""

    scope_path = "dispute__jurisdiction__path"
    case_field = "dispute"

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(
        _("from status"), max_length=16, choices=DisputeStatus.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=16, choices=DisputeStatus.choices)

    class Meta(CaseTransition.Meta):
        verbose_name = _("dispute transition")
        verbose_name_plural = _("dispute transitions")


class MediationLevel(models.TextChoices):
    VILLAGE = "village", _("Village")
    TOWNSHIP = "township", _("Township")
    COUNTY = "county", _("County or court")


#: The escalation ladder, bottom up.
LADDER = [MediationLevel.VILLAGE, MediationLevel.TOWNSHIP, MediationLevel.COUNTY]


class MediationOutcome(models.TextChoices):
    AGREEMENT = "agreement", _("Agreement reached")
    PARTIAL = "partial", _("Partial agreement")
    NO_AGREEMENT = "no_agreement", _("No agreement")


class MediationSession(models.Model):
    """One mediation session (调解记录): a round at a level of the ladder."""

    scope_path = "dispute__jurisdiction__path"

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="sessions"
    )
    held_on = models.DateField(_("held on"))
    level = models.CharField(_("level"), max_length=10, choices=MediationLevel.choices)
    round_no = models.PositiveSmallIntegerField(_("round"))
    #: The file's reopen count when the session was held: rounds count per cycle.
    cycle = models.PositiveSmallIntegerField(default=0, editable=False)
    participants = models.TextField(_("participants"))
    summary = models.TextField(_("summary"))
    outcome = models.CharField(_("outcome"), max_length=14, choices=MediationOutcome.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.get_level_display()} {self.round_no}"


class AgreementForm(models.TextChoices):
    WRITTEN = "written", _("Written")
    ORAL = "oral", _("Oral")


class MediationAgreement(models.Model):
    """The mediation agreement (调解协议书 or an oral agreement recorded)."""

    scope_path = "dispute__jurisdiction__path"

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="agreements"
    )
    session = models.ForeignKey(
        MediationSession,
        verbose_name=_("mediation session"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    terms = models.TextField(pgettext_lazy("mediation agreement", "terms"))
    form = models.CharField(
        _("form"), max_length=8, choices=AgreementForm.choices, default=AgreementForm.WRITTEN
    )
    signed_on = models.DateField(_("signed on"))
    cycle = models.PositiveSmallIntegerField(default=0, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("mediation agreement")
        verbose_name_plural = _("mediation agreements")
        ordering = ["signed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.dispute} {self.signed_on:%Y-%m-%d}"


class FollowUpFinding(models.TextChoices):
    STABLE = "stable", _("Stable")
    RELAPSE = "relapse", _("Relapse")


class FollowUp(models.Model):
    """A follow-up visit (回访): scheduled on resolution, recorded when made."""

    scope_path = "dispute__jurisdiction__path"

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    due_on = models.DateField(_("due on"))
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visitor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    finding = models.CharField(
        _("finding"), max_length=8, blank=True, choices=FollowUpFinding.choices
    )
    note = models.TextField(_("note"), blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.dispute} {self.due_on:%Y-%m-%d}"

    @property
    def is_pending(self) -> bool:
        return self.visited_on is None and not self.cancelled


class ScreeningGapNotice(models.Model):
    """That the office of a township was told of last week's missing screenings (once)."""

    scope_path = "township__path"

    township = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    villages = models.JSONField(default=list)
    sent_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["township", "week"], name="disputes_gap_notice_unique_township_week"
            )
        ]

    def __str__(self) -> str:
        return f"{self.township} {self.week:%Y-%m-%d}"
