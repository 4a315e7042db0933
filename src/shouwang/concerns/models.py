"""People of concern (重点人员) under red/yellow/blue tiered management (红黄蓝三色管理).

Privacy first (seed 000 三(三); docs/people-of-concern.md):
* the app is *explicit-only* (apps.ConcernsConfig.explicit_grants_only): only roles that name
  "concerns.*" or the exact record type see these records at all — not "*", not a global role,
  not a superuser's flag alone;
* identity and phone numbers are stored as ciphertext + blind index + masked form only;
* the audit trail never holds the name, numbers, address, guardian or free-text notes (audit
  rows are append-only, so what they hold could never be anonymised later);
* helpers holding a helper-only role (grid workers) see only the people they help.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shouwang.core import crypto, validators
from shouwang.core.models import CodeItem, Jurisdiction, code_list_choices
from shouwang.core.scoping import ScopedManager, ScopedQuerySet
from shouwang.forces.models import Gender, Member

CATEGORY_LIST = "concern_category"

#: Roles whose grants reach only the people the user helps (an assigned helper's login).
HELPER_ONLY_ROLES = frozenset({"grid_worker"})

#: Stored in place of the name once a record is anonymised.
ANONYMISED_NAME = "***"


class AttentionLevel(models.TextChoices):
    RED = "red", _("Red — special attention")
    YELLOW = "yellow", _("Yellow — key attention")
    BLUE = "blue", _("Blue — general attention")


#: Days between two visits per level when no policy covers the jurisdiction.
DEFAULT_CADENCE_DAYS: dict[str, int] = {
    AttentionLevel.RED: 7,
    AttentionLevel.YELLOW: 30,
    AttentionLevel.BLUE: 91,
}


class RegisterStatus(models.TextChoices):
    ON = "on_register", _("On the register")
    OFF = "off_register", _("Taken off the register")


class VisitForm(models.TextChoices):
    FACE_TO_FACE = "face_to_face", _("Face to face")
    HOME = "home", _("Home visit")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video call")
    OTHER = "other", _("Other")


class LevelChangeStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


def _helped_by(user: Any, person_lookup: str) -> Q:
    """People the user is an assigned helper of (a subquery: no duplicate rows)."""
    through = PersonOfConcern.helpers.through
    ids = through.objects.filter(member__user=user).values("personofconcern_id")
    return Q(**{f"{person_lookup}__in": ids})


def _narrow(person_lookup: str) -> Any:
    def narrow(grant: Any, user: Any, action: str) -> Q | None:
        if grant.role.key in HELPER_ONLY_ROLES:
            return _helped_by(user, person_lookup)
        return Q()

    return staticmethod(narrow)


class VisitPolicy(models.Model):
    """Visit cadence per attention level for a township (or county): days between visits."""

    scope_path = "jurisdiction__path"

    jurisdiction = models.OneToOneField(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="concern_visit_policy",
    )
    red_days = models.PositiveSmallIntegerField(
        _("red: days between visits"),
        default=DEFAULT_CADENCE_DAYS[AttentionLevel.RED],
        validators=[MinValueValidator(1), MaxValueValidator(366)],
    )
    yellow_days = models.PositiveSmallIntegerField(
        _("yellow: days between visits"),
        default=DEFAULT_CADENCE_DAYS[AttentionLevel.YELLOW],
        validators=[MinValueValidator(1), MaxValueValidator(366)],
    )
    blue_days = models.PositiveSmallIntegerField(
        _("blue: days between visits"),
        default=DEFAULT_CADENCE_DAYS[AttentionLevel.BLUE],
        validators=[MinValueValidator(1), MaxValueValidator(366)],
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("visit cadence policy")
        verbose_name_plural = _("visit cadence policies")
        ordering = ["jurisdiction__path"]

    def __str__(self) -> str:
        return f"{self.jurisdiction}: {self.red_days}/{self.yellow_days}/{self.blue_days}"

    def clean(self) -> None:
        if self.jurisdiction_id and self.jurisdiction.level not in ("county", "township"):
            raise ValidationError({"jurisdiction": [_("Choose a township or a county.")]})

    def days_for(self, level: str) -> int:
        return int(getattr(self, f"{level}_days"))

    @classmethod
    def cadence_days(cls, jurisdiction: Jurisdiction, level: str) -> int:
        """Days between visits for `level` under the nearest policy (else the defaults)."""
        ids = [int(p) for p in jurisdiction.path.strip("/").split("/") if p] or [jurisdiction.pk]
        policies = {p.jurisdiction_id: p for p in cls.objects.filter(jurisdiction_id__in=ids)}
        for jid in reversed(ids):
            if jid in policies:
                return policies[jid].days_for(level)
        return DEFAULT_CADENCE_DAYS[level]


class PersonQuerySet(ScopedQuerySet["PersonOfConcern"]):
    def on_register(self) -> PersonQuerySet:
        return self.filter(status=RegisterStatus.ON)

    def overdue(self, today: dt.date | None = None) -> PersonQuerySet:
        """On the register and the next visit's due date has passed."""
        today = today or timezone.localdate()
        return self.on_register().filter(next_visit_due__lt=today)


class PersonManager(models.Manager.from_queryset(PersonQuerySet)):  # type: ignore[misc]
    """Scoped manager (`visible_to`) with `on_register()` and `overdue()`."""


class PersonOfConcern(models.Model):
    """A person of concern (重点人员) on a village's or grid's register."""

    scope_path = "jurisdiction__path"
    scope_narrow_grant = _narrow("pk")
    # Nothing that identifies the person reaches the (append-only) audit trail.
    audit_exclude = (
        "name",
        "birth_date",
        "address",
        "guardian",
        "risk_notes",
        "off_register_reason",
    )
    audit_extra = ("name_masked", "citizen_id_masked", "phone_masked")

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    citizen_id_encrypted = models.TextField(editable=False, blank=True)
    citizen_id_digest = models.CharField(max_length=64, editable=False, blank=True, db_index=True)
    citizen_id_masked = models.CharField(
        _("citizen ID number"), max_length=18, editable=False, blank=True
    )
    phone_encrypted = models.TextField(editable=False, blank=True)
    phone_digest = models.CharField(max_length=64, editable=False, blank=True, db_index=True)
    phone_masked = models.CharField(_("phone"), max_length=30, editable=False, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The village, community or grid whose register holds the person."),
    )
    category = models.ForeignKey(
        CodeItem,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        limit_choices_to=code_list_choices(CATEGORY_LIST),
        related_name="+",
    )
    category_note = models.CharField(
        _("category note"),
        max_length=200,
        blank=True,
        help_text=_("Further categories or details (one main category is chosen above)."),
    )
    attention_level = models.CharField(
        _("attention level"),
        max_length=8,
        choices=AttentionLevel.choices,
        default=AttentionLevel.BLUE,
    )
    helpers = models.ManyToManyField(
        Member, verbose_name=_("helpers"), blank=True, related_name="concern_people"
    )
    guardian = models.CharField(_("guardian"), max_length=100, blank=True)
    risk_notes = models.TextField(_("risk notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=RegisterStatus.choices, default=RegisterStatus.ON
    )
    registered_on = models.DateField(_("registered on"), default=timezone.localdate)
    off_register_on = models.DateField(_("taken off on"), null=True, blank=True)
    off_register_reason = models.TextField(_("reason for taking off"), blank=True)
    last_visit_on = models.DateField(_("last visit"), null=True, blank=True, editable=False)
    next_visit_due = models.DateField(_("next visit due"), null=True, blank=True, editable=False)
    # The due date whose lapse the helpers were told about: one reminder per overdue period.
    overdue_notified_for = models.DateField(null=True, blank=True, editable=False)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = PersonManager()

    class Meta:
        verbose_name = _("person of concern")
        verbose_name_plural = _("people of concern")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["citizen_id_digest"],
                condition=~models.Q(citizen_id_digest=""),
                name="concerns_person_unique_citizen_id",
                violation_error_message=_(
                    "A person of concern with this identity number is already registered."
                ),
            )
        ]

    def __str__(self) -> str:
        # Masked on purpose: str() reaches audit rows, notifications and logs.
        return self.name_masked

    @property
    def name_masked(self) -> str:
        name = self.name or ""
        if self.anonymised_at is not None or len(name) <= 1:
            return name and ANONYMISED_NAME
        return name[0] + "*" * (len(name) - 1)

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == RegisterStatus.ON
            and self.next_visit_due is not None
            and self.next_visit_due < timezone.localdate()
        )

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    def set_citizen_id(self, raw: str) -> None:
        """Validate, then keep only the ciphertext, a blind index and the masked form."""
        value = validators.normalize_citizen_id(raw or "")
        if not value:
            return
        validators.validate_citizen_id(value)
        self.citizen_id_encrypted = crypto.encrypt(value)
        self.citizen_id_digest = crypto.blind_index(value)
        self.citizen_id_masked = validators.mask_citizen_id(value)

    def set_phone(self, raw: str) -> None:
        value = (raw or "").strip()
        if not value:
            return
        validators.validate_phone(value)
        self.phone_encrypted = crypto.encrypt(value)
        self.phone_digest = crypto.blind_index(value)
        self.phone_masked = validators.mask_phone(value)

    def citizen_id_full(self) -> str:
        return crypto.decrypt(self.citizen_id_encrypted) if self.citizen_id_encrypted else ""

    def phone_full(self) -> str:
        return crypto.decrypt(self.phone_encrypted) if self.phone_encrypted else ""

    def cadence_days(self) -> int:
        return VisitPolicy.cadence_days(self.jurisdiction, self.attention_level)

    def compute_next_visit_due(self) -> dt.date | None:
        """Last visit (else the registration day) plus the level's cadence; None off register."""
        if self.status != RegisterStatus.ON:
            return None
        start = self.last_visit_on or self.registered_on
        return start + dt.timedelta(days=self.cadence_days())

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        if self.jurisdiction_id and self.jurisdiction.level not in ("village", "grid"):
            errors["jurisdiction"] = [_("Choose a village, community or grid.")]
        if self.birth_date and self.birth_date > timezone.localdate():
            errors["birth_date"] = [_("The birth date cannot be in the future.")]
        if self.status == RegisterStatus.OFF and not self.off_register_on:
            errors["off_register_on"] = [_("Enter the day the person was taken off.")]
        if errors:
            raise ValidationError(errors)


class Visit(models.Model):
    """A visit or face-to-face contact (走访/见面) with a person of concern."""

    scope_path = "person__jurisdiction__path"
    scope_narrow_grant = _narrow("person_id")
    audit_exclude = ("situation",)

    person = models.ForeignKey(
        PersonOfConcern,
        verbose_name=_("person of concern"),
        on_delete=models.CASCADE,
        related_name="visits",
    )
    visited_on = models.DateField(_("visit date"))
    visitor = models.ForeignKey(
        Member,
        verbose_name=_("visitor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="concern_visits",
    )
    form = models.CharField(
        _("form of contact"), max_length=16, choices=VisitForm.choices, default=VisitForm.HOME
    )
    situation = models.TextField(_("situation"), blank=True)
    found_risk = models.BooleanField(_("risk found"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.person} · {self.visited_on:%Y-%m-%d}"


class LevelChange(models.Model):
    """A request to change a person's attention level, decided by another office holder."""

    scope_path = "person__jurisdiction__path"
    scope_narrow_grant = _narrow("person_id")

    person = models.ForeignKey(
        PersonOfConcern,
        verbose_name=_("person of concern"),
        on_delete=models.CASCADE,
        related_name="level_changes",
    )
    from_level = models.CharField(_("from level"), max_length=8, choices=AttentionLevel.choices)
    to_level = models.CharField(_("to level"), max_length=8, choices=AttentionLevel.choices)
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=LevelChangeStatus.choices,
        default=LevelChangeStatus.REQUESTED,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("attention level change")
        verbose_name_plural = _("attention level changes")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.person}: {self.from_level} → {self.to_level}"
