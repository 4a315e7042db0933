"""Areas: patrol zones, key places, railway/road segments, patrol routes and posts."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core import validators
from shouwang.core.models import CodeItem, Jurisdiction, code_list_choices
from shouwang.core.scoping import ScopedManager
from shouwang.forces.models import Member, Organisation, Team, validate_coordinates


class FrequencyPeriod(models.TextChoices):
    DAY = "day", _("per day")
    WEEK = "week", _("per week")
    MONTH = "month", _("per month")


class PatrolMethod(models.TextChoices):
    VEHICLE = "vehicle", _("Vehicle patrol")
    FOOT = "foot", _("Foot patrol")


class LineKind(models.TextChoices):
    RAILWAY = "railway", _("Railway")
    ROAD = "road", _("Road")


def _geometry_errors(value: object, field: str, line: bool = False) -> dict[str, list[str]]:
    if value in (None, "", {}):
        return {}
    try:
        if line:
            validators.validate_geojson_line(value)
        else:
            validators.validate_geojson_polygon(value)
    except ValidationError as exc:
        return {field: list(exc.messages)}
    return {}


class Zone(models.Model):
    """A patrol zone (场镇集中区, 企业生产区, 高山留守区 …) with its required frequency."""

    scope_path = "jurisdiction__path"

    name = models.CharField(_("name"), max_length=120)
    kind = models.ForeignKey(
        CodeItem,
        verbose_name=_("zone kind"),
        on_delete=models.PROTECT,
        limit_choices_to=code_list_choices("zone_kind"),
        related_name="+",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT
    )
    villages = models.ManyToManyField(
        Jurisdiction,
        verbose_name=_("villages and grids covered"),
        related_name="zones",
        blank=True,
    )
    frequency_count = models.PositiveIntegerField(_("required patrols"), default=1)
    frequency_period = models.CharField(
        _("per"), max_length=8, choices=FrequencyPeriod.choices, default=FrequencyPeriod.DAY
    )
    geometry = models.JSONField(_("area (GeoJSON)"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"],
                name="zone_unique_name",
                violation_error_message=_("A zone with this name already exists here."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = _geometry_errors(self.geometry, "geometry")
        if self.frequency_count == 0:
            errors["frequency_count"] = [str(_("At least one patrol is required."))]
        if errors:
            raise ValidationError(errors)
        if self.geometry in ("", {}):
            self.geometry = None


class KeyPlace(models.Model):
    """A key place inside a zone: school, hospital, market, bank, level crossing, bridge …"""

    scope_path = "jurisdiction__path"

    name = models.CharField(_("name"), max_length=120)
    kind = models.ForeignKey(
        CodeItem,
        verbose_name=_("place kind"),
        on_delete=models.PROTECT,
        limit_choices_to=code_list_choices("place_kind"),
        related_name="+",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT
    )
    zone = models.ForeignKey(
        Zone,
        verbose_name=_("zone"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="key_places",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    is_checkpoint = models.BooleanField(
        _("QR checkpoint"),
        default=False,
        help_text=_("A printed QR code is posted here; a scan proves presence."),
    )
    checkpoint_token = models.CharField(max_length=32, editable=False, blank=True, db_index=True)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("key place")
        verbose_name_plural = _("key places")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = validate_coordinates(self.longitude, self.latitude)
        if self.zone is not None and self.jurisdiction_id:
            zone_path, own_path = self.zone.jurisdiction.path, self.jurisdiction.path
            if not (zone_path.startswith(own_path) or own_path.startswith(zone_path)):
                errors["zone"] = [str(_("The zone belongs to another jurisdiction."))]
        if errors:
            raise ValidationError(errors)
        if self.is_checkpoint and not self.checkpoint_token:
            # Unguessable, so a code photographed elsewhere cannot be forged for another place.
            self.checkpoint_token = secrets.token_hex(16)

    def checkpoint_payload(self) -> str:
        return f"shouwang:checkpoint:{self.pk}:{self.checkpoint_token}"


class Segment(models.Model):
    """A railway or road segment between two kilometre posts, with its section chief."""

    scope_path = "jurisdiction__path"

    name = models.CharField(_("name"), max_length=120)
    line_kind = models.CharField(
        _("line kind"), max_length=16, choices=LineKind.choices, default=LineKind.RAILWAY
    )
    line_name = models.CharField(_("line name"), max_length=120)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT
    )
    start_m = models.PositiveIntegerField(_("start chainage (m)"))
    end_m = models.PositiveIntegerField(_("end chainage (m)"))
    section_chief = models.ForeignKey(
        Member,
        verbose_name=_("section chief (local)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rail_section_chief = models.CharField(_("section chief (railway)"), max_length=50, blank=True)
    patrol_method = models.CharField(
        _("patrol method"), max_length=8, choices=PatrolMethod.choices, default=PatrolMethod.FOOT
    )
    geometry = models.JSONField(_("line (GeoJSON)"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["line_name", "start_m"]

    def __str__(self) -> str:
        return f"{self.line_name} {self.chainage_display}"

    @property
    def chainage_display(self) -> str:
        if self.start_m is None or self.end_m is None:
            return ""
        return (
            f"{validators.format_chainage(self.start_m)}–{validators.format_chainage(self.end_m)}"
        )

    @property
    def length_km(self) -> float:
        return round((self.end_m - self.start_m) / 1000, 3)

    def clean(self) -> None:
        errors = _geometry_errors(self.geometry, "geometry", line=True)
        if self.start_m is not None and self.end_m is not None:
            try:
                validators.validate_chainage_range(self.start_m, self.end_m)
            except ValidationError as exc:
                errors["end_m"] = list(exc.messages)
        if errors:
            raise ValidationError(errors)


class Route(models.Model):
    """A patrol route (GeoJSON line) through a zone."""

    scope_path = "jurisdiction__path"

    name = models.CharField(_("name"), max_length=120)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT
    )
    zone = models.ForeignKey(
        Zone,
        verbose_name=_("zone"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="routes",
    )
    patrol_method = models.CharField(
        _("patrol method"), max_length=8, choices=PatrolMethod.choices, default=PatrolMethod.FOOT
    )
    geometry = models.JSONField(_("line (GeoJSON)"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("patrol route")
        verbose_name_plural = _("patrol routes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = _geometry_errors(self.geometry, "geometry", line=True)
        if errors:
            raise ValidationError(errors)


class Post(models.Model):
    """A duty template (岗): where, when by default and for how long; the roster schedules it."""

    scope_path = "jurisdiction__path"
    scope_team = "team"

    name = models.CharField(_("name"), max_length=120)
    kind = models.ForeignKey(
        CodeItem,
        verbose_name=_("post kind"),
        on_delete=models.PROTECT,
        limit_choices_to=code_list_choices("post_kind"),
        related_name="+",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts",
    )
    zone = models.ForeignKey(
        Zone, verbose_name=_("zone"), null=True, blank=True, on_delete=models.SET_NULL
    )
    key_place = models.ForeignKey(
        KeyPlace, verbose_name=_("key place"), null=True, blank=True, on_delete=models.SET_NULL
    )
    route = models.ForeignKey(
        Route, verbose_name=_("route"), null=True, blank=True, on_delete=models.SET_NULL
    )
    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), null=True, blank=True, on_delete=models.SET_NULL
    )
    start_time = models.TimeField(_("default start time"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    lead_minutes = models.PositiveIntegerField(
        _("on post ahead (minutes)"),
        default=0,
        help_text=_("Members arrive this long before the window (school gates: 20)."),
    )
    geofence_radius_m = models.PositiveIntegerField(
        _("check-in radius (m)"),
        default=300,
        help_text=_(
            "Check-ins farther than this from the post's place, route or segment are flagged "
            "for the leader's review (never refused)."
        ),
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["start_time", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if not (self.key_place_id or self.route_id or self.segment_id or self.zone_id):
            errors["key_place"] = [str(_("Give a key place, a route, a segment or a zone."))]
        if self.duration_minutes == 0 or (self.duration_minutes or 0) > 24 * 60:
            errors["duration_minutes"] = [str(_("Between 1 minute and 24 hours."))]
        if errors:
            raise ValidationError(errors)
