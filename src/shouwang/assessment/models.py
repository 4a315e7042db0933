"""Assessment (考核): configurable scoring schemes per period for members, teams and villages.

* `Scheme` — of a township (or of a county assessing its townships' villages): the subject kind
  (member / team / village), the period kind (month / quarter / year), the points in total and
  the railway incident kinds that veto (一票否决);
* `Criterion` — one line of a scheme: an outcome measure of `measures.MEASURES`, its maximum
  points and an optional pass threshold on the rate;
* `Adjustment` — a reward or penalty (一事一奖) for a member, team or village, approved by
  someone other than the person who entered it; only approved ones count;
* `ConductRule` / `Breach` — the conduct rules (五要十不准, an editable list seeded by a data
  migration) and breaches of them by members, with the points deducted;
* `Run` → `Score` → `ScoreLine` — one computation of a scheme for a period: computed (a draft,
  recomputed at will), then published (frozen for good). Every line keeps its numerator,
  denominator, rate and the records behind it.

Scores rest on outcomes only (duties covered, hazards removed, disputes resolved, visits made),
never on app activity (online time, check-in counts, posting quotas): see measures.py.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shouwang.core.models import Jurisdiction
from shouwang.core.scoping import ScopedManager
from shouwang.forces.models import Member, Team
from shouwang.railway.models import IncidentKind

#: The railway incident kinds that veto by default (the four "never"s, 四杜绝).
DEFAULT_VETO_KINDS: tuple[str, ...] = (
    IncidentKind.TERROR,
    IncidentKind.MAJOR_CRIME,
    IncidentKind.MASS_BLOCKING,
    IncidentKind.TRAIN_ACCIDENT,
    IncidentKind.MASS_CASUALTY,
)


def points_text(value: Decimal | int | str | None) -> str:
    """Points without trailing zeros ("3", "2.5"), the same before and after saving."""
    if value is None:
        return ""
    return format(Decimal(str(value)).quantize(Decimal("0.01")).normalize(), "f")


def default_veto_kinds() -> list[str]:
    return [str(k) for k in DEFAULT_VETO_KINDS]


class SubjectKind(models.TextChoices):
    MEMBER = "member", _("Members")
    TEAM = "team", _("Teams")
    VILLAGE = "village", _("Villages")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class Scheme(models.Model):
    """A scoring scheme (考核方案) of a township or county for one kind of subject."""

    scope_path = "jurisdiction__path"

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("township or county"),
        on_delete=models.PROTECT,
        related_name="assessment_schemes",
        help_text=_("A township assesses its members, teams or villages; a county its villages."),
    )
    name = models.CharField(_("name"), max_length=120)
    subject_kind = models.CharField(_("who is assessed"), max_length=8, choices=SubjectKind.choices)
    period_kind = models.CharField(
        _("period"), max_length=8, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    total_points = models.DecimalField(
        _("points in total"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(100),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("The criteria's maximum points must add up to this."),
    )
    veto_kinds = models.JSONField(
        _("railway incidents that veto"),
        default=default_veto_kinds,
        blank=True,
        help_text=_(
            "Kinds of railway incident that fail the assessment whatever the points (一票否决)."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        ordering = ["jurisdiction__path", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"],
                name="assessment_scheme_unique_name",
                violation_error_message=_("A scheme with this name already exists here."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.jurisdiction_id:
            level = self.jurisdiction.level
            if level not in ("township", "county"):
                errors["jurisdiction"] = [str(_("Choose a township or a county."))]
            elif level == "county" and self.subject_kind != SubjectKind.VILLAGE:
                errors["subject_kind"] = [
                    str(
                        _(
                            "A county scheme assesses villages; members and teams are assessed "
                            "by their township."
                        )
                    )
                ]
        kinds = self.veto_kinds
        if kinds in (None, ""):
            self.veto_kinds = kinds = []
        if not isinstance(kinds, list) or any(k not in IncidentKind.values for k in kinds):
            known = ", ".join(IncidentKind.values)
            errors["veto_kinds"] = [
                str(
                    _("Give a list of railway incident kinds out of: %(kinds)s.") % {"kinds": known}
                )
            ]
        else:
            self.veto_kinds = sorted(set(kinds), key=IncidentKind.values.index)
        if errors:
            raise ValidationError(errors)

    def veto_kind_labels(self) -> list[str]:
        return [str(IncidentKind(k).label) for k in self.veto_kinds or []]


class Criterion(models.Model):
    """One line of a scheme: an outcome measure, its maximum points and scoring rule.

    Points = maximum × rate (linear); with a pass threshold, a rate below it scores 0. A line
    with nothing due for a subject in the period (denominator 0) is not applicable to it: the
    subject's criteria score is taken over its applicable lines, scaled to the total.
    """

    scope_path = "scheme__jurisdiction__path"

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="criteria"
    )
    measure = models.CharField(_("measure"), max_length=24)
    max_points = models.DecimalField(
        _("maximum points"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    threshold = models.DecimalField(
        _("pass threshold (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("Optional: a rate below this scores no points."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("assessment criterion")
        verbose_name_plural = _("assessment criteria")
        ordering = ["scheme", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "measure"],
                name="assessment_criterion_unique_measure",
                violation_error_message=_("This scheme already has a line for this measure."),
            )
        ]

    def __str__(self) -> str:
        # The measure's title, not its code: this name shows in lists, links and history.
        return f"{self.scheme} · {self.measure_label} ({points_text(self.max_points)})"

    @property
    def measure_label(self) -> str:
        from shouwang.assessment.measures import MEASURES

        found = MEASURES.get(self.measure)
        return str(found.label) if found else self.measure

    def clean(self) -> None:
        from shouwang.assessment.measures import MEASURES

        errors: dict[str, list[str]] = {}
        measure = MEASURES.get(self.measure)
        if measure is None:
            errors["measure"] = [str(_("Choose one of the listed measures."))]
        elif self.scheme_id and self.scheme.subject_kind not in measure.subjects:
            errors["measure"] = [
                str(
                    _("“%(measure)s” cannot be measured for %(subjects)s.")
                    % {
                        "measure": measure.label,
                        "subjects": SubjectKind(self.scheme.subject_kind).label,
                    }
                )
            ]
        if self.scheme_id and self.max_points is not None and not errors:
            others = Criterion.objects.filter(scheme_id=self.scheme_id).exclude(
                pk=self.pk
            ).aggregate(total=models.Sum("max_points"))["total"] or Decimal(0)
            total = self.scheme.total_points
            if others + self.max_points > total:
                errors["max_points"] = [
                    str(
                        _(
                            "The criteria would add up to %(sum)s points, more than the "
                            "scheme's %(total)s; at most %(left)s are left for this line."
                        )
                        % {
                            "sum": f"{others + self.max_points:g}",
                            "total": f"{total:g}",
                            "left": f"{max(total - others, Decimal(0)):g}",
                        }
                    )
                ]
        if errors:
            raise ValidationError(errors)


class AdjustmentKind(models.TextChoices):
    REWARD = "reward", _("Reward")
    PENALTY = "penalty", _("Penalty")


class AdjustmentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")


class Adjustment(models.Model):
    """A reward (一事一奖: a tip-off, a removed major hazard …) or a penalty for one member,
    team or village, on a day, with the reason and optionally the record behind it. It counts
    once someone other than the person who entered it has approved it."""

    scope_path = "jurisdiction__path"

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    village = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("village"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The subject's jurisdiction (for scope), set from the subject.
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        editable=False,
        related_name="+",
    )
    kind = models.CharField(_("reward or penalty"), max_length=8, choices=AdjustmentKind.choices)
    on_date = models.DateField(_("date"))
    points = models.DecimalField(
        pgettext_lazy("score", "points"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Added for a reward, deducted for a penalty."),
    )
    reason = models.TextField(_("reason"))
    record_type = models.CharField(
        _("record type"),
        max_length=60,
        blank=True,
        help_text=_("Optional: the kind of record behind it, e.g. hazard."),
    )
    record_id = models.PositiveIntegerField(_("record number"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=AdjustmentStatus.choices,
        default=AdjustmentStatus.PENDING,
        editable=False,
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        on_delete=models.SET_NULL,
        editable=False,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        editable=False,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)

    objects = ScopedManager()
    audit_extra = ("status",)

    class Meta:
        verbose_name = _("reward or penalty")
        verbose_name_plural = _("rewards and penalties")
        ordering = ["-on_date", "-pk"]

    def __str__(self) -> str:
        sign = "+" if self.kind == AdjustmentKind.REWARD else "−"
        return f"{self.subject} {sign}{points_text(self.points)} {self.on_date:%Y-%m-%d}"

    @property
    def subject(self) -> object:
        return self.member or self.team or self.village or "—"

    @property
    def signed_points(self) -> Decimal:
        return self.points if self.kind == AdjustmentKind.REWARD else -self.points

    def clean(self) -> None:
        from shouwang.core import registry

        errors: dict[str, list[str]] = {}
        chosen = [n for n in ("member", "team", "village") if getattr(self, f"{n}_id")]
        if len(chosen) != 1:
            errors["member"] = [str(_("Choose exactly one member, team or village."))]
        elif self.village is not None and self.village.level != "village":
            errors["village"] = [str(_("Choose a village or community."))]
        else:
            subject = getattr(self, chosen[0])
            self.jurisdiction = subject if chosen[0] == "village" else subject.jurisdiction
        if self.record_type:
            try:
                registry.get(self.record_type)
            except KeyError:
                errors["record_type"] = [str(_("Unknown record type."))]
            if self.record_id is None:
                errors["record_id"] = [str(_("Give the record's number."))]
        elif self.record_id is not None:
            errors["record_type"] = [str(_("Give the kind of record."))]
        if errors:
            raise ValidationError(errors)


class ConductKind(models.TextChoices):
    MUST = "must", pgettext_lazy("conduct rule", "Must (五要)")
    MUST_NOT = "must_not", pgettext_lazy("conduct rule", "Must not (十不准)")


class ConductRule(models.Model):
    """One of the conduct rules for members (五要十不准): an editable list, seeded with a sample
    by a data migration; a township adapts the wording to its own rules."""

    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        error_messages={"unique": _("A rule with this code already exists.")},
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ConductKind.choices)
    text = models.CharField(_("rule"), max_length=200)
    default_points = models.DecimalField(
        _("points deducted by default"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(2),
        validators=[MinValueValidator(Decimal(0))],
    )
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("conduct rule")
        verbose_name_plural = _("conduct rules")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.text


class Breach(models.Model):
    """A member's breach of a conduct rule, with the points deducted."""

    scope_path = "jurisdiction__path"

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, editable=False, related_name="+"
    )
    on_date = models.DateField(_("date"))
    rule = models.ForeignKey(
        ConductRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="breaches"
    )
    description = models.TextField(_("what happened"))
    points = models.DecimalField(
        _("points deducted"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        on_delete=models.SET_NULL,
        editable=False,
        related_name="+",
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("conduct breach")
        verbose_name_plural = _("conduct breaches")
        ordering = ["-on_date", "-pk"]

    def __str__(self) -> str:
        return f"{self.member} {self.on_date:%Y-%m-%d} −{points_text(self.points)}"

    def clean(self) -> None:
        if self.member_id:
            self.jurisdiction = self.member.jurisdiction


class RunStatus(models.TextChoices):
    COMPUTED = "computed", _("Computed (draft)")
    PUBLISHED = "published", _("Published")


class Run(models.Model):
    """One computation of a scheme for a period: a draft until published, then frozen."""

    scope_path = "scheme__jurisdiction__path"

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="runs"
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    period_label = models.CharField(_("period"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.COMPUTED
    )
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("computed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    #: The scheme as it was computed (criteria, total, veto kinds): the run stands on its own.
    scheme_snapshot = models.JSONField(default=dict)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("assessment run")
        verbose_name_plural = _("assessment runs")
        ordering = ["-period_start", "scheme__name", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "period_start"],
                name="assessment_run_unique_period",
                violation_error_message=_("This scheme already has a run for this period."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.scheme} {self.period_label}"

    @property
    def is_published(self) -> bool:
        return self.status == RunStatus.PUBLISHED


class Score(models.Model):
    """One subject's result in a run: criteria points, adjustments, breaches, total, rank, and
    the veto with the incidents behind it."""

    scope_path = "run__scheme__jurisdiction__path"

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="scores")
    subject_kind = models.CharField(max_length=8, choices=SubjectKind.choices)
    subject_id = models.PositiveIntegerField()
    subject_name = models.CharField(_("assessed"), max_length=200)
    #: Where the subject belongs (village, or township for those registered there).
    area_name = models.CharField(_("place"), max_length=200, blank=True)
    #: total × earned ÷ the applicable lines' maximum; None when no line applied (无应考核事项).
    #: Runs published before not-applicable lines existed summed every line's points.
    criteria_points = models.DecimalField(
        _("criteria points"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    adjustment_points = models.DecimalField(
        _("rewards and penalties"), max_digits=8, decimal_places=2
    )
    breach_points = models.DecimalField(_("conduct breaches"), max_digits=8, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=8, decimal_places=2)
    rank = models.PositiveIntegerField(_("rank"))
    vetoed = models.BooleanField(_("vetoed"), default=False)
    veto_reason = models.TextField(_("veto"), blank=True)
    #: [{"id", "kind", "kind_label", "occurred_at", "place"}] of the vetoing incidents.
    veto_incidents = models.JSONField(default=list, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("assessment score")
        verbose_name_plural = _("assessment scores")
        ordering = ["run", "rank", "subject_name", "pk"]

    def __str__(self) -> str:
        return f"{self.subject_name} {points_text(self.total)}"

    @property
    def has_criteria_score(self) -> bool:
        return self.criteria_points is not None


class LineKind(models.TextChoices):
    MEASURE = "measure", _("Criterion")
    ADJUSTMENT = "adjustment", _("Reward or penalty")
    BREACH = "breach", _("Conduct breach")


class ScoreLine(models.Model):
    """One line behind a score: a measure (numerator, denominator, rate, points) or an
    adjustment or breach, with the records it rests on."""

    scope_path = "score__run__scheme__jurisdiction__path"

    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=10, choices=LineKind.choices)
    measure = models.CharField(max_length=24, blank=True)
    label = models.CharField(max_length=200)
    numerator = models.PositiveIntegerField(null=True, blank=True)
    denominator = models.PositiveIntegerField(null=True, blank=True)
    #: 0–1; None when nothing was due.
    rate = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    max_points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    threshold = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    points = models.DecimalField(max_digits=8, decimal_places=2)
    #: False: nothing was due for the subject (不适用); points 0 and left out of the criteria
    #: score. Lines of runs computed before this existed are all applicable (a line with
    #: nothing due then scored its maximum, as its note says).
    applicable = models.BooleanField(default=True)
    note = models.CharField(max_length=300, blank=True)
    #: The records behind the line: {"type": "<app.model>", "counted": [ids], "due": [ids]}.
    records = models.JSONField(default=dict, blank=True)
    #: An existing page listing the records (generic list with filters, or an app page).
    link = models.CharField(max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    objects = ScopedManager()

    class Meta:
        ordering = ["score", "sort_order", "pk"]

    def __str__(self) -> str:
        return f"{self.label} {points_text(self.points)}"

    @property
    def not_applicable(self) -> bool:
        return self.kind == LineKind.MEASURE and not self.applicable
