"""Forces: member organisations of joint defence, teams and their members (群防群治队伍)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shouwang.core import crypto, validators
from shouwang.core.models import CodeItem, Jurisdiction, code_list_choices
from shouwang.core.scoping import ScopedManager


def validate_coordinates(longitude: Any, latitude: Any) -> dict[str, list[Any]]:
    """Both or neither; inside plausible WGS-84 ranges for China."""
    if longitude is None and latitude is None:
        return {}
    if longitude is None or latitude is None:
        field = "latitude" if latitude is None else "longitude"
        return {field: [_("Give both longitude and latitude, or neither.")]}
    try:
        validators.validate_geojson_point(float(longitude), float(latitude))
    except ValidationError as exc:
        return {"longitude": list(exc.messages)}
    return {}


class Organisation(models.Model):
    """A member unit of joint defence: police station, school, bank outlet, enterprise, …"""

    scope_path = "jurisdiction__path"

    name = models.CharField(_("name"), max_length=120)
    kind = models.ForeignKey(
        CodeItem,
        verbose_name=_("kind"),
        on_delete=models.PROTECT,
        limit_choices_to=code_list_choices("organisation_kind"),
        related_name="+",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=30, blank=True, validators=[validators.validate_phone]
    )
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validators.validate_uscc],
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"],
                name="organisation_unique_name",
                violation_error_message=_("An organisation with this name already exists here."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = validate_coordinates(self.longitude, self.latitude)
        if errors:
            raise ValidationError(errors)


class EmploymentType(models.TextChoices):
    FULL_TIME = "full_time", _("Full-time")
    PART_TIME = "part_time", _("Part-time")
    VOLUNTEER = "volunteer", _("Volunteer")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    LEFT = "left", _("Left")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Team(models.Model):
    """A patrol force (巡防队, 保安联防队, 护路队 …) with its composition rule."""

    scope_path = "jurisdiction__path"
    scope_team = "pk"

    name = models.CharField(_("name"), max_length=120)
    kind = models.ForeignKey(
        CodeItem,
        verbose_name=_("team kind"),
        on_delete=models.PROTECT,
        limit_choices_to=code_list_choices("team_kind"),
        related_name="+",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("home jurisdiction"), on_delete=models.PROTECT
    )
    leader = models.ForeignKey(
        "Member",
        verbose_name=_("leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    composition_rule = models.JSONField(
        _("composition rule"),
        default=list,
        blank=True,
        help_text=_(
            'Required count per role, e.g. [{"roles": ["police_officer"], "min": 1}, '
            '{"roles": ["grid_worker", "mediator"], "min": 1, "max": null}].'
        ),
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"],
                name="team_unique_name",
                violation_error_message=_("A team with this name already exists here."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: list[str] = []
        rule = self.composition_rule
        if rule in (None, ""):
            self.composition_rule = []
            rule = []
        if not isinstance(rule, list):
            raise ValidationError({"composition_rule": _("The composition rule must be a list.")})
        known = set(
            CodeItem.objects.filter(code_list__key="member_role").values_list("code", flat=True)
        )
        for index, part in enumerate(rule, start=1):
            if not isinstance(part, dict) or not isinstance(part.get("roles"), list):
                errors.append(str(_("Part %(n)s needs a list of roles.") % {"n": index}))
                continue
            unknown = [r for r in part["roles"] if r not in known]
            if unknown or not part["roles"]:
                errors.append(
                    str(
                        _("Part %(n)s names unknown roles: %(roles)s.")
                        % {"n": index, "roles": ", ".join(map(str, unknown)) or "—"}
                    )
                )
            low, high = part.get("min", 0), part.get("max")
            if not isinstance(low, int) or low < 0:
                errors.append(str(_("Part %(n)s: min must be a whole number ≥ 0.") % {"n": index}))
            elif high is not None and (not isinstance(high, int) or high < low):
                errors.append(str(_("Part %(n)s: max must be empty or ≥ min.") % {"n": index}))
        if errors:
            raise ValidationError({"composition_rule": errors})
        if self.leader_id and self.pk and not self.members.filter(pk=self.leader_id).exists():
            raise ValidationError({"leader": _("The leader must be a member of the team.")})

    def composition_display(self) -> str:
        """The rule in the office's shorthand, e.g. "1 民警 + 1 辅警 + 2 值班人员 + X 网格员"."""
        labels = dict(
            CodeItem.objects.filter(code_list__key="member_role").values_list("code", "label")
        )
        parts = []
        for part in self.composition_rule or []:
            names = "/".join(labels.get(r, r) for r in part.get("roles", []))
            low, high = part.get("min", 0), part.get("max")
            count = str(low) if high == low else f"{low}+" if high is None else f"{low}–{high}"
            parts.append(f"{count} {names}")
        return " + ".join(parts)

    def composition_shortfalls(self) -> list[str]:
        """Parts of the rule that today's active members cannot fill."""
        shortfalls = []
        members = self.members.filter(status=MemberStatus.ACTIVE).prefetch_related("roles")
        role_sets = [{r.code for r in m.roles.all()} for m in members]
        for part in self.composition_rule or []:
            wanted = set(part.get("roles", []))
            have = sum(1 for roles in role_sets if roles & wanted)
            if have < part.get("min", 0):
                shortfalls.append(f"{'/'.join(sorted(wanted))}: {have} < {part.get('min', 0)}")
        return shortfalls


class Member(models.Model):
    """A person in a patrol force (队员, 保安员, 网格员, 志愿者 …)."""

    scope_path = "jurisdiction__path"
    scope_team = "teams"
    scope_team_is_multi = True
    # The identity number never enters the audit trail, not even encrypted.
    audit_exclude = ("citizen_id_encrypted", "citizen_id_digest")
    audit_extra = ("citizen_id_masked",)

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    phone = models.CharField(
        _("phone"), max_length=30, blank=True, validators=[validators.validate_phone]
    )
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    roles = models.ManyToManyField(
        CodeItem,
        verbose_name=_("roles and qualifications"),
        limit_choices_to=code_list_choices("member_role"),
        related_name="+",
        blank=True,
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="members",
        help_text=_("The township or village whose register holds this member."),
    )
    home_village = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("home village"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resident_members",
    )
    employer = models.ForeignKey(
        Organisation,
        verbose_name=_("employer organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    teams = models.ManyToManyField(
        Team, verbose_name=_("teams"), related_name="members", blank=True
    )
    employment_type = models.CharField(
        _("employment type"),
        max_length=16,
        choices=EmploymentType.choices,
        default=EmploymentType.PART_TIME,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    admission_date = models.DateField(_("admission date"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
        help_text=_("The login this member signs in with (to see own duties, ask for swaps)."),
    )
    citizen_id_encrypted = models.TextField(editable=False, blank=True)
    citizen_id_digest = models.CharField(max_length=64, editable=False, blank=True, db_index=True)
    citizen_id_masked = models.CharField(
        _("citizen ID number"), max_length=18, editable=False, blank=True
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["citizen_id_digest"],
                condition=~models.Q(citizen_id_digest=""),
                name="member_unique_citizen_id",
                violation_error_message=_("A member with this identity number already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def set_citizen_id(self, raw: str) -> None:
        """Validate, then keep only the ciphertext, a blind index and the masked form."""
        if not raw:
            self.citizen_id_encrypted = self.citizen_id_digest = self.citizen_id_masked = ""
            return
        value = validators.normalize_citizen_id(raw)
        validators.validate_citizen_id(value)
        self.citizen_id_encrypted = crypto.encrypt(value)
        self.citizen_id_digest = crypto.blind_index(value)
        self.citizen_id_masked = validators.mask_citizen_id(value)

    def citizen_id_full(self) -> str:
        return crypto.decrypt(self.citizen_id_encrypted) if self.citizen_id_encrypted else ""

    def clean(self) -> None:
        if self.home_village is not None and self.home_village.level not in ("village", "grid"):
            raise ValidationError({"home_village": _("Choose a village, community or grid.")})
