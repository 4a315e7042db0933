"""Forces: member organisations of joint defence, teams and their members (群防群治队伍)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
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
    # Planning limits (排班限制): empty = the team's planning policy, else no limit.
    max_duties_per_week = models.PositiveSmallIntegerField(
        _("maximum duties per week"),
        null=True,
        blank=True,
        help_text=_("Empty: the team's default for the employment type."),
    )
    max_duties_per_month = models.PositiveSmallIntegerField(
        _("maximum duties per month"),
        null=True,
        blank=True,
        help_text=_("Empty: the team's default for the employment type."),
    )
    min_duty_hours_per_month = models.PositiveSmallIntegerField(
        _("minimum duty hours per month"), null=True, blank=True
    )
    max_duty_hours_per_month = models.PositiveSmallIntegerField(
        _("maximum duty hours per month"), null=True, blank=True
    )
    max_consecutive_duty_days = models.PositiveSmallIntegerField(
        _("maximum consecutive duty days"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: the team's default."),
    )
    min_consecutive_duty_days = models.PositiveSmallIntegerField(
        _("minimum consecutive duty days"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: the team's default."),
    )
    min_consecutive_days_off = models.PositiveSmallIntegerField(
        _("minimum consecutive days off"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: the team's default."),
    )
    max_weekends_per_month = models.PositiveSmallIntegerField(
        _("maximum weekends worked per month"),
        null=True,
        blank=True,
        help_text=_("Empty: the team's default."),
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
        errors: dict[str, list[Any]] = {}
        if self.home_village is not None and self.home_village.level not in ("village", "grid"):
            errors["home_village"] = [_("Choose a village, community or grid.")]
        pairs = (
            (
                "min_duty_hours_per_month",
                "max_duty_hours_per_month",
                _("The minimum duty hours must not exceed the maximum."),
            ),
            (
                "min_consecutive_duty_days",
                "max_consecutive_duty_days",
                _("The minimum run of duty days must not exceed the maximum."),
            ),
            (
                "max_duties_per_week",
                "max_duties_per_month",
                _("The weekly maximum must not exceed the monthly maximum."),
            ),
        )
        for low_name, high_name, message in pairs:
            low, high = getattr(self, low_name), getattr(self, high_name)
            if low is not None and high is not None and low > high:
                errors.setdefault(low_name, []).append(message)
        if self.max_duties_per_week is not None and self.max_duties_per_week > 7:
            errors.setdefault("max_duties_per_week", []).append(
                _("A week has seven days: at most 7 duties a week.")
            )
        if errors:
            raise ValidationError(errors)


# -- the members' side of duty planning ----------------------------------------------------


class AbsenceKind(models.TextChoices):
    LEAVE = "leave", _("Leave")
    SICK = "sick", _("Sick leave")
    TRAINING = "training", _("Training")
    UNAVAILABLE = "unavailable", _("Unavailable")
    OTHER = "other", _("Other")


class AbsenceStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class MemberAbsence(models.Model):
    """Leave or unavailable dates of a member (请假/不可排班); approved ones are days off when
    a roster is planned. The office or team leader enters them (approved at once), or the
    member asks for them with their own login and the team leader decides."""

    scope_path = "member__jurisdiction__path"
    scope_team = "member__teams"
    scope_team_is_multi = True

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="absences"
    )
    kind = models.CharField(
        _("kind of absence"), max_length=16, choices=AbsenceKind.choices, default=AbsenceKind.LEAVE
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to (inclusive)"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AbsenceStatus.choices,
        default=AbsenceStatus.APPROVED,
        help_text=_("Only approved absences keep the member off the roster."),
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-start_date", "pk"]

    def __str__(self) -> str:
        name = self.member.name if self.member_id else "?"
        return f"{name} · {self.get_kind_display()} {self.start_date}–{self.end_date}"

    def days(self) -> int:
        """How many calendar days the absence covers."""
        return (self.end_date - self.start_date).days + 1

    def clean(self) -> None:
        if self.start_date is None or self.end_date is None:
            return
        if self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The last day must not be before the first.")})
        if not self.member_id or self.status == AbsenceStatus.REJECTED:
            return
        # Two live absences of one member must not overlap: the office would not know which
        # one to cancel, and a double entry usually is a typing mistake.
        clash = (
            MemberAbsence.objects.filter(
                member_id=self.member_id,
                start_date__lte=self.end_date,
                end_date__gte=self.start_date,
            )
            .exclude(status=AbsenceStatus.REJECTED)
            .exclude(pk=self.pk)
            .order_by("start_date")
            .first()
        )
        if clash is not None:
            raise ValidationError(
                {
                    "start_date": _("This member is already absent from %(start)s to %(end)s.")
                    % {"start": clash.start_date, "end": clash.end_date}
                }
            )


class MemberPostCap(models.Model):
    """At most so many duties a month on one post for one member (0 = never on this post)."""

    scope_path = "member__jurisdiction__path"
    scope_team = "member__teams"
    scope_team_is_multi = True

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="post_caps"
    )
    post = models.ForeignKey(
        "areas.Post", verbose_name=_("post"), on_delete=models.CASCADE, related_name="+"
    )
    max_per_month = models.PositiveSmallIntegerField(
        _("maximum duties per month"),
        default=0,
        help_text=_("0 = never on this post (e.g. not fit for night patrols)."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("post cap of a member")
        verbose_name_plural = _("post caps of members")
        ordering = ["member__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "post"],
                name="memberpostcap_unique_post",
                violation_error_message=_("This member already has a cap for this post."),
            )
        ]

    def __str__(self) -> str:
        member = self.member.name if self.member_id else "?"
        post = self.post.name if self.post_id else "?"
        return f"{member} · {post} ≤ {self.max_per_month}"

    def clean(self) -> None:
        if not self.member_id or not self.post_id:
            return
        team_id = self.post.team_id
        if team_id is None or not self.member.teams.filter(pk=team_id).exists():
            raise ValidationError({"post": _("The post belongs to no team of this member.")})


#: Employment type → the policy's (per week, per month) cap fields.
EMPLOYMENT_CAP_FIELDS: dict[str, tuple[str, str]] = {
    EmploymentType.FULL_TIME: ("full_time_max_per_week", "full_time_max_per_month"),
    EmploymentType.PART_TIME: ("part_time_max_per_week", "part_time_max_per_month"),
    EmploymentType.VOLUNTEER: ("volunteer_max_per_week", "volunteer_max_per_month"),
}

#: Member limit field → the policy's team default for it.
MEMBER_LIMIT_DEFAULTS: dict[str, str] = {
    "max_consecutive_duty_days": "max_consecutive_duty_days",
    "min_consecutive_duty_days": "min_consecutive_duty_days",
    "min_consecutive_days_off": "min_consecutive_days_off",
    "max_weekends_per_month": "max_weekends_per_month",
}


def _cap_field(label: Any) -> Any:
    return models.PositiveSmallIntegerField(label, null=True, blank=True)


def _weight_field(label: Any) -> Any:
    return models.PositiveIntegerField(
        label, null=True, blank=True, help_text=_("Empty: the planner's default weight.")
    )


class PlanningPolicy(models.Model):
    """A team's planning policy (排班规则设置): caps by employment type, rest rules and the
    weights of the planner's soft rules. A team without one is planned with the defaults:
    no caps, no early duty after a night duty, and the planner's default weights."""

    scope_path = "team__jurisdiction__path"
    scope_team = "team"

    team = models.OneToOneField(
        Team,
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        related_name="planning_policy",
        error_messages={"unique": _("This team already has a planning policy.")},
    )
    full_time_max_per_week = _cap_field(_("full-time: maximum duties per week"))
    full_time_max_per_month = _cap_field(_("full-time: maximum duties per month"))
    part_time_max_per_week = _cap_field(_("part-time: maximum duties per week"))
    part_time_max_per_month = _cap_field(_("part-time: maximum duties per month"))
    volunteer_max_per_week = _cap_field(_("volunteer: maximum duties per week"))
    volunteer_max_per_month = _cap_field(_("volunteer: maximum duties per month"))
    min_rest_hours = models.PositiveSmallIntegerField(
        _("minimum rest between duties (hours)"),
        null=True,
        blank=True,
        help_text=_("Empty: the planner's default (8 hours)."),
    )
    forbid_night_then_early = models.BooleanField(
        _("no early duty the day after a night duty"), default=True
    )
    max_consecutive_duty_days = models.PositiveSmallIntegerField(
        _("maximum consecutive duty days"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("For members without their own value; empty: no limit."),
    )
    min_consecutive_duty_days = models.PositiveSmallIntegerField(
        _("minimum consecutive duty days"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("For members without their own value; empty: 1."),
    )
    min_consecutive_days_off = models.PositiveSmallIntegerField(
        _("minimum consecutive days off"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("For members without their own value; empty: 1."),
    )
    max_weekends_per_month = models.PositiveSmallIntegerField(
        _("maximum weekends worked per month"),
        null=True,
        blank=True,
        help_text=_("For members without their own value; empty: no limit."),
    )
    # One weight per soft rule of the planner (solver.model.SOFT_RULES, "weight_" + name).
    weight_cover_under = _weight_field(_("fewer members on a duty than required"))
    weight_cover_over = _weight_field(_("more members on a duty than required"))
    weight_role_missing = _weight_field(_("a role a duty needs is missing"))
    weight_shift_on_request = _weight_field(_("a member's wish to work a duty not granted"))
    weight_shift_off_request = _weight_field(_("a member's wish to be off a duty not granted"))
    weight_away_from_home_zone = _weight_field(_("a member on duty outside the home zone"))
    weight_fair_nights = _weight_field(_("night duties spread unevenly"))
    weight_fair_weekends = _weight_field(_("weekend duties spread unevenly"))
    weight_fair_holidays = _weight_field(_("holiday duties spread unevenly"))
    missed_duty_grace_minutes = models.PositiveIntegerField(
        _("grace before a duty counts as missed (minutes)"),
        default=120,
        help_text=_(
            "A duty with no check-in or no patrol log this long after its end is a missed duty."
        ),
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("planning policy")
        verbose_name_plural = _("planning policies")
        ordering = ["team__name", "pk"]

    def __str__(self) -> str:
        return str(
            _("Planning policy of %(team)s") % {"team": self.team.name if self.team_id else "?"}
        )

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        for week_name, month_name in EMPLOYMENT_CAP_FIELDS.values():
            week, month = getattr(self, week_name), getattr(self, month_name)
            if week is not None and week > 7:
                errors[week_name] = [_("A week has seven days: at most 7 duties a week.")]
            elif week is not None and month is not None and week > month:
                errors[week_name] = [_("The weekly maximum must not exceed the monthly maximum.")]
        low, high = self.min_consecutive_duty_days, self.max_consecutive_duty_days
        if low is not None and high is not None and low > high:
            errors["min_consecutive_duty_days"] = [
                _("The minimum run of duty days must not exceed the maximum.")
            ]
        if errors:
            raise ValidationError(errors)

    def weight_overrides(self, rule_names: Any) -> dict[str, int]:
        """Soft rule name → the weight set here, for the names the planner knows today."""
        out: dict[str, int] = {}
        for name in rule_names:
            value = getattr(self, f"weight_{name}", None)
            if value is not None:
                out[name] = int(value)
        return out
