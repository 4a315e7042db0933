"""Special operations (安保任务 / 专项行动): a named period over some zones of a township (or of
several townships of a county) with a raised security level, and the daily figures the
townships report while it runs.

* The raised level (安保等级) adds duties to the rosters for the operation's period: the
  operation's own extra posts (`OperationPost`, e.g. a temporary checkpoint) at every level,
  and extra rounds a day on every post of its zones at level II and I (`LEVEL_EXTRA_ROUNDS`).
  They become ordinary duty rules of rostering, valid for the period only, linked here by
  `OperationRule` (services.sync_rules keeps them in step with the operation).
* The status moves planned → active → ended, or planned/active → cancelled (services.py).
* `DailyFigure`: one row per operation, day and reporting township; entering a day again
  replaces it (audited).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.areas.models import Post, Zone
from shouwang.core.models import CaseTransition, Jurisdiction
from shouwang.core.scoping import ScopedManager
from shouwang.rostering.models import DutyRule


class OperationKind(models.TextChoices):
    SECURITY_TASK = "security_task", _("Security task")
    CAMPAIGN = "campaign", _("Special campaign")


class SecurityLevel(models.TextChoices):
    """The raised level (安保等级) of an operation; I is the highest."""

    LEVEL_3 = "level_3", _("Level III")
    LEVEL_2 = "level_2", _("Level II")
    LEVEL_1 = "level_1", _("Level I")


#: What each level adds to the posts of the operation's zones: extra rounds a day, spread
#: evenly over the day after the post's own start time (II: +12 h; I: +8 h and +16 h). The
#: operation's own extra posts are added at every level.
LEVEL_EXTRA_ROUNDS: dict[str, int] = {
    SecurityLevel.LEVEL_3: 0,
    SecurityLevel.LEVEL_2: 1,
    SecurityLevel.LEVEL_1: 2,
}

#: Priority of the duty rules an operation adds (staffed before the usual ones when short).
RULE_PRIORITY = 10


class OperationStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Under way")
    ENDED = "ended", _("Ended")
    CANCELLED = "cancelled", _("Cancelled")


def township_of(place: Jurisdiction) -> Jurisdiction | None:
    """The township a jurisdiction lies in (itself for a township; None above townships)."""
    node: Jurisdiction | None = place
    while node is not None and node.level != "township":
        node = node.parent
    return node


class SpecialOperation(models.Model):
    """One security task (安保任务) or special campaign (专项行动)."""

    # Seen by everyone whose jurisdiction holds one of its townships (a county's operation is
    # also the townships' business: they staff it and report its figures).
    scope_path = "townships__path"
    scope_team_is_multi = True

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(
        _("kind"), max_length=16, choices=OperationKind.choices, default=OperationKind.SECURITY_TASK
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="special_operations",
        help_text=_("A township, or a county for an operation over several townships."),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    zones = models.ManyToManyField(Zone, verbose_name=_("zones"), related_name="special_operations")
    level = models.CharField(
        _("security level"),
        max_length=8,
        choices=SecurityLevel.choices,
        default=SecurityLevel.LEVEL_3,
        help_text=_(
            "Level III: the operation's extra posts only; level II: also one extra round a day "
            "on every post of its zones; level I: two extra rounds a day."
        ),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OperationStatus.choices,
        default=OperationStatus.PLANNED,
        editable=False,
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True, editable=False)
    summary = models.TextField(
        _("summary"), blank=True, help_text=_("The written summary (总结) of the operation.")
    )
    note = models.TextField(_("note"), blank=True)
    #: The townships of its zones (and itself, for a township's operation); set on save.
    townships = models.ManyToManyField(
        Jurisdiction, verbose_name=_("townships"), related_name="+", editable=False
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("special operation")
        verbose_name_plural = _("special operations")
        ordering = ["-start_date", "-pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        place = self.jurisdiction if self.jurisdiction_id else None
        if place is not None and place.level not in ("township", "county"):
            errors.setdefault("jurisdiction", []).append(
                str(_("Choose a township, or a county for an operation over several townships."))
            )
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors.setdefault("end_date", []).append(str(_("The end date is before the start.")))
        if self.status == OperationStatus.CANCELLED and not self.cancel_reason.strip():
            errors.setdefault("cancel_reason", []).append(str(_("Give the reason.")))
        if errors:
            raise ValidationError(errors)

    def after_save(self) -> None:
        """Keep `townships` (the scope of the record) in step with its zones."""
        wanted: dict[int, Jurisdiction] = {}
        if self.jurisdiction.level == "township":
            wanted[self.jurisdiction.pk] = self.jurisdiction
        for zone in self.zones.select_related("jurisdiction"):
            township = township_of(zone.jurisdiction)
            if township is not None:
                wanted[township.pk] = township
        self.townships.set(list(wanted.values()))

    def days(self) -> list[dt.date]:
        count = (self.end_date - self.start_date).days + 1
        return [self.start_date + dt.timedelta(days=n) for n in range(count)]

    def reported_days(self, today: dt.date | None = None) -> list[dt.date]:
        """The days of the period up to today (those that may have figures)."""
        today = today or timezone.localdate()
        return [d for d in self.days() if d <= today]

    @property
    def extra_rounds(self) -> int:
        return LEVEL_EXTRA_ROUNDS.get(self.level, 0)


class OperationTransition(CaseTransition):
    """One step of an operation's status history."""

    case_field = "operation"
    scope_path = "operation__townships__path"
    scope_team_is_multi = True

    operation = models.ForeignKey(
        SpecialOperation,
        verbose_name=_("special operation"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    from_status = models.CharField(
        _("from status"), max_length=10, choices=OperationStatus.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=10, choices=OperationStatus.choices)

    class Meta(CaseTransition.Meta):
        verbose_name = _("special operation transition")
        verbose_name_plural = _("special operation transitions")


class OperationPost(models.Model):
    """An extra post the operation staffs every day of its period (e.g. a temporary
    checkpoint 临时检查站): its window, head count and role minimums."""

    scope_path = "post__jurisdiction__path"

    operation = models.ForeignKey(
        SpecialOperation,
        verbose_name=_("special operation"),
        on_delete=models.CASCADE,
        related_name="extra_posts",
    )
    post = models.ForeignKey(
        Post,
        verbose_name=_("post"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("A post of the operation's area with a team (the team staffs it)."),
    )
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), null=True, blank=True, help_text=_("Empty: the post's default.")
    )
    head_count = models.PositiveIntegerField(_("required head count"), default=1)
    role_minimums = models.JSONField(
        _("minimum per role"),
        default=dict,
        blank=True,
        help_text=_('Member role code → count, e.g. {"police_officer": 1}.'),
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("operation post")
        verbose_name_plural = _("operation posts")
        ordering = ["operation", "start_time", "pk"]

    def __str__(self) -> str:
        post = self.post.name if self.post_id else "?"
        return f"{self.operation} · {post}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.operation_id and self.post_id:
            own = self.operation.jurisdiction.path
            if not self.post.jurisdiction.path.startswith(own):
                errors["post"] = [str(_("The post lies outside the operation's jurisdiction."))]
            elif not self.post.team_id:
                errors["post"] = [str(_("The post has no team to staff it."))]
        if self.head_count == 0:
            errors["head_count"] = [str(_("At least one member is required."))]
        if self.duration_minutes is not None and not 1 <= self.duration_minutes <= 24 * 60:
            errors["duration_minutes"] = [str(_("Between 1 minute and 24 hours."))]
        if errors:
            raise ValidationError(errors)


class OperationRule(models.Model):
    """A duty rule the operation added to rostering, and why (`key`): "post-<id>" for an extra
    post, "round-<post id>-<n>" for the n-th extra round of a zone post."""

    scope_path = "rule__jurisdiction__path"

    operation = models.ForeignKey(
        SpecialOperation, on_delete=models.CASCADE, related_name="rule_links"
    )
    rule = models.OneToOneField(DutyRule, on_delete=models.CASCADE, related_name="operation_link")
    key = models.CharField(max_length=40)

    objects = ScopedManager()

    class Meta:
        ordering = ["operation", "key"]
        constraints = [
            models.UniqueConstraint(fields=["operation", "key"], name="specialops_rule_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.operation} · {self.key}"


class DailyFigure(models.Model):
    """One township's figures of one day of an operation (每日战果)."""

    scope_path = "township__path"

    operation = models.ForeignKey(
        SpecialOperation,
        verbose_name=_("special operation"),
        on_delete=models.CASCADE,
        related_name="figures",
    )
    date = models.DateField(_("date"))
    township = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("reporting township"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    person_turnouts = models.PositiveIntegerField(_("personnel deployed (person-times)"), default=0)
    vehicle_turnouts = models.PositiveIntegerField(_("vehicles deployed"), default=0)
    checks = models.PositiveIntegerField(_("checks performed"), default=0)
    people_verified = models.PositiveIntegerField(_("people verified"), default=0)
    vehicles_checked = models.PositiveIntegerField(_("vehicles checked"), default=0)
    items_seized = models.PositiveIntegerField(_("items seized"), default=0)
    incidents_handled = models.PositiveIntegerField(_("incidents handled"), default=0)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("daily figures")
        verbose_name_plural = _("daily figures")
        ordering = ["operation", "date", "township__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "date", "township"],
                name="specialops_figure_unique_day",
                violation_error_message=_("This township already reported this day."),
            )
        ]

    def __str__(self) -> str:
        day = self.date.isoformat() if self.date else "?"
        return f"{self.operation} {day}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        op = self.operation if self.operation_id else None
        if self.date and self.date > timezone.localdate():
            errors.setdefault("date", []).append(str(_("This date is in the future.")))
        elif op is not None and self.date and not op.start_date <= self.date <= op.end_date:
            errors.setdefault("date", []).append(
                str(
                    _("The day lies outside the operation (%(start)s – %(end)s).")
                    % {"start": op.start_date.isoformat(), "end": op.end_date.isoformat()}
                )
            )
        if op is not None and op.status == OperationStatus.CANCELLED:
            errors.setdefault("operation", []).append(
                str(_("A cancelled operation has no figures."))
            )
        if (
            op is not None
            and self.township_id
            and not op.townships.filter(pk=self.township_id).exists()
        ):
            errors.setdefault("township", []).append(str(_("Choose a township of the operation.")))
        if errors:
            raise ValidationError(errors)


#: The figure fields, in the order of the tables and the export.
FIGURE_FIELDS: tuple[str, ...] = (
    "person_turnouts",
    "vehicle_turnouts",
    "checks",
    "people_verified",
    "vehicles_checked",
    "items_seized",
    "incidents_handled",
)


def figure_labels() -> list[tuple[str, Any]]:
    """(field name, label) of the figure fields."""
    return [
        (name, getattr(DailyFigure._meta.get_field(name), "verbose_name", name))
        for name in FIGURE_FIELDS
    ]
