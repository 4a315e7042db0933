"""Railway protection (护路联防): incidents on or beside the line, and the railway joint-household
representatives (爱路护路联户代表) of each village with what they did.

An incident is recorded once, in the village where it happened; the 九无 status of a village,
the 四杜绝 / 四下降 indicators and the one-vote veto of an assessment are all derived from these
records (see :data:`NINE_NO`, :data:`FOUR_NEVER`, :data:`FOUR_DECLINE`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shouwang.areas.models import Segment
from shouwang.core import validators
from shouwang.core.models import Jurisdiction
from shouwang.core.scoping import ScopedManager
from shouwang.forces.models import Member


class IncidentKind(models.TextChoices):
    # The nine "no"s of a safe railway village (九无).
    FENCE_DAMAGE = "fence_damage", _("Damage to the protective fence")
    DISMANTLING_THEFT = "dismantling_theft", _("Theft by dismantling railway equipment")
    CABLE_THEFT = "cable_theft", _("Theft by cutting cables")
    OBSTACLE = "obstacle", _("Obstacle placed on the line")
    STONE_THROWING = "stone_throwing", _("Stone thrown at a train")
    LIVESTOCK = "livestock", _("Livestock on the line causing an accident")
    VEHICLE_INTRUSION = "vehicle_intrusion", _("Motor vehicle on the line causing an accident")
    CASUALTY = "casualty", _("Casualty beside the line")
    ILLEGAL_FARMING = "illegal_farming", _("Illegal farming or planting by the line")
    # The four "never"s (四杜绝).
    TERROR = "terror", _("Explosion, sabotage or other violent terrorist incident")
    MAJOR_CRIME = "major_crime", _("Major criminal case affecting the railway")
    MASS_BLOCKING = "mass_blocking", _("Mass blocking of trains or the line")
    TRAIN_ACCIDENT = "train_accident", _("Major train accident from negligence or public order")
    MASS_CASUALTY = "mass_casualty", _("Mass casualties beside the line")
    # Other cases that count in the four "decline"s (四下降).
    CRIMINAL_CASE = "criminal_case", _("Other criminal case affecting the railway")
    PUBLIC_ORDER_CASE = "public_order_case", _("Public-order case affecting the railway")
    OTHER = "other", _("Other")


#: 九无: each village's nine targets, the incident kinds that break each (in the seed's order).
NINE_NO: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("fence", "无破坏防护栅栏(护网)案件", frozenset({IncidentKind.FENCE_DAMAGE})),
    ("dismantling", "无拆盗案件", frozenset({IncidentKind.DISMANTLING_THEFT})),
    ("cable", "无割盗案件", frozenset({IncidentKind.CABLE_THEFT})),
    ("obstacle", "无摆放路障事件", frozenset({IncidentKind.OBSTACLE})),
    ("stone", "无石击列车事件", frozenset({IncidentKind.STONE_THROWING})),
    ("livestock", "无大牲畜上道肇事事件", frozenset({IncidentKind.LIVESTOCK})),
    ("vehicle", "无机动车上道肇事事件", frozenset({IncidentKind.VEHICLE_INTRUSION})),
    (
        "casualty",
        "无路外伤亡事故",
        frozenset({IncidentKind.CASUALTY, IncidentKind.MASS_CASUALTY}),
    ),
    ("farming", "无乱耕滥种现象", frozenset({IncidentKind.ILLEGAL_FARMING})),
)

#: 四杜绝: incidents that must never happen (any one breaks the target).
FOUR_NEVER: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("terror", "杜绝爆炸、破坏等暴力恐怖事件", frozenset({IncidentKind.TERROR})),
    (
        "major_crime",
        "杜绝涉路重大刑事案件和群体性拦车断道事件",
        frozenset({IncidentKind.MAJOR_CRIME, IncidentKind.MASS_BLOCKING}),
    ),
    (
        "train_accident",
        "杜绝因责任、治安问题造成列车重大事故",
        frozenset({IncidentKind.TRAIN_ACCIDENT}),
    ),
    ("mass_casualty", "杜绝路外群死群伤事故", frozenset({IncidentKind.MASS_CASUALTY})),
)

#: 四下降: counts that should fall against the previous period.
FOUR_DECLINE: tuple[tuple[str, str, frozenset[str]], ...] = (
    (
        "casualties",
        "路外伤亡",
        frozenset({IncidentKind.CASUALTY, IncidentKind.MASS_CASUALTY}),
    ),
    (
        "cases",
        "刑事(治安)案事件",
        frozenset(
            {
                IncidentKind.FENCE_DAMAGE,
                IncidentKind.DISMANTLING_THEFT,
                IncidentKind.CABLE_THEFT,
                IncidentKind.OBSTACLE,
                IncidentKind.STONE_THROWING,
                IncidentKind.TERROR,
                IncidentKind.MAJOR_CRIME,
                IncidentKind.MASS_BLOCKING,
                IncidentKind.CRIMINAL_CASE,
                IncidentKind.PUBLIC_ORDER_CASE,
            }
        ),
    ),
    ("livestock", "耕牛挡道", frozenset({IncidentKind.LIVESTOCK})),
    ("vehicle", "车辆肇事", frozenset({IncidentKind.VEHICLE_INTRUSION})),
)


#: Kinds that are casualties: they need at least one person dead or injured.
CASUALTY_KINDS = frozenset({IncidentKind.CASUALTY, IncidentKind.MASS_CASUALTY})


def township_path(place: Jurisdiction) -> str:
    """The path of the township `place` lies in (its own path for a county)."""
    parts = [p for p in place.path.split("/") if p]
    return "/" + "/".join(parts[:2]) + "/" if len(parts) >= 2 else place.path


def _segment_error(segment: Segment | None, place: Jurisdiction) -> str:
    """Why `segment` cannot go with a record of `place` ("" when it can): it must be a
    railway segment of the same township (segments are kept at township or village level)."""
    if segment is None:
        return ""
    if segment.line_kind != "railway":
        return str(_("Choose a railway segment, not a road."))
    if not segment.jurisdiction.path.startswith(township_path(place)):
        return str(_("Choose a segment of this township."))
    return ""


class RailwayIncident(models.Model):
    """An incident on or beside the railway (涉路案事件), recorded where it happened."""

    scope_path = "jurisdiction__path"

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="railway_incidents",
        help_text=_("The village (or township) where it happened."),
    )
    segment = models.ForeignKey(
        Segment,
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    chainage = models.CharField(
        _("chainage"), max_length=20, blank=True, help_text=_("For example K301+200.")
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    kind = models.CharField(_("kind"), max_length=20, choices=IncidentKind.choices)
    deaths = models.PositiveSmallIntegerField(_("deaths"), default=0)
    injuries = models.PositiveSmallIntegerField(_("injuries"), default=0)
    description = models.TextField(_("what happened"))
    handling = models.TextField(_("how it was handled"), blank=True)
    police_case_number = models.CharField(_("police case number"), max_length=50, blank=True)
    reported_by = models.ForeignKey(
        Member,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("railway incident")
        verbose_name_plural = _("railway incidents")
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["kind", "occurred_at"])]

    def __str__(self) -> str:
        day = timezone.localtime(self.occurred_at)
        return f"{self.get_kind_display()} {day:%Y-%m-%d}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.jurisdiction_id and self.jurisdiction.level not in ("township", "village"):
            errors["jurisdiction"] = [str(_("Choose the village or township where it happened."))]
        if self.chainage:
            try:
                validators.parse_chainage(self.chainage)
            except ValidationError as exc:
                errors["chainage"] = list(exc.messages)
        if self.occurred_at and self.occurred_at > timezone.now():
            errors["occurred_at"] = [str(_("The time cannot be in the future."))]
        if self.segment_id and self.jurisdiction_id:
            segment_error = _segment_error(self.segment, self.jurisdiction)
            if segment_error:
                errors["segment"] = [segment_error]
        if self.kind in CASUALTY_KINDS and not (self.deaths or self.injuries):
            errors["deaths"] = [
                str(_("A casualty needs at least one person dead or injured (deaths, injuries)."))
            ]
        if errors:
            raise ValidationError(errors)


class RepresentativeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    LEFT = "left", _("Left")


class HouseholdRepresentative(models.Model):
    """A railway joint-household representative (爱路护路联户代表) of a village."""

    scope_path = "jurisdiction__path"

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="household_representatives",
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    phone = models.CharField(
        _("phone"), max_length=30, blank=True, validators=[validators.validate_phone]
    )
    villager_group = models.CharField(_("villager group"), max_length=50, blank=True)
    households = models.PositiveSmallIntegerField(
        _("households linked"), default=10, help_text=_("How many households this person links.")
    )
    segment = models.ForeignKey(
        Segment,
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="household_representatives",
    )
    appointed_on = models.DateField(_("appointed on"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=RepresentativeStatus.choices,
        default=RepresentativeStatus.ACTIVE,
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("joint-household representative")
        verbose_name_plural = _("joint-household representatives")
        ordering = ["jurisdiction__name", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.jurisdiction_id and self.jurisdiction.level != "village":
            errors["jurisdiction"] = [str(_("Choose a village or community."))]
        elif self.segment_id and self.jurisdiction_id:
            segment_error = _segment_error(self.segment, self.jurisdiction)
            if segment_error:
                errors["segment"] = [segment_error]
        if self.households is not None and self.households < 1:
            errors["households"] = [str(_("A representative links at least one household."))]
        if self.appointed_on and self.appointed_on > timezone.localdate():
            errors["appointed_on"] = [str(_("The date cannot be in the future."))]
        if errors:
            raise ValidationError(errors)


class ActivityKind(models.TextChoices):
    PUBLICITY = "publicity", _("Publicity on railway safety")
    DISSUASION = "dissuasion", _("Dissuaded someone from an unsafe act")
    HAZARD_REPORT = "hazard_report", _("Reported a hazard")
    PATROL = "patrol", _("Patrol along the line")
    HELP = "help", _("Help for left-behind or vulnerable villagers")
    OTHER = "other", _("Other")


class RepresentativeActivity(models.Model):
    """What a representative did (工作开展动态), one line of the ledger."""

    scope_path = "representative__jurisdiction__path"

    representative = models.ForeignKey(
        HouseholdRepresentative,
        verbose_name=_("representative"),
        on_delete=models.CASCADE,
        related_name="activities",
    )
    done_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    description = models.TextField(_("what was done"))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("representative's activity")
        verbose_name_plural = _("representatives' activities")
        ordering = ["-done_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.representative} {self.done_on:%Y-%m-%d} {self.get_kind_display()}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.done_on and self.done_on > timezone.localdate():
            errors["done_on"] = [str(_("The date cannot be in the future."))]
        elif self.done_on and self.representative_id:
            appointed = self.representative.appointed_on
            if appointed and self.done_on < appointed:
                errors["done_on"] = [
                    str(_("The date is before the representative was appointed (%(date)s)."))
                    % {"date": f"{appointed:%Y-%m-%d}"}
                ]
        if errors:
            raise ValidationError(errors)
