"""The office's calendar records behind the five mandatory patrol triggers (五必巡逻).

Key periods, weather warnings, school calendars, train passages and the "holiday arrangement
complete" marker of a year. The pure modules next to this one (holidays, market, school,
triggers) do the date arithmetic; these models only store what the office enters and turn it
into the pure dataclasses (`to_pure()` / `school_calendar()`), which is also how they are
validated.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.areas.models import KeyPlace, Segment, Zone
from shouwang.core import validators
from shouwang.core.models import Jurisdiction
from shouwang.core.scoping import ScopedManager

#: Warning levels from lowest to highest (the same values as the duty rules' threshold).
LEVEL_ORDER = ("blue", "yellow", "orange", "red")


def _inside(child_path: str, own_path: str) -> bool:
    """Whether two jurisdictions lie on one branch (one contains the other)."""
    return child_path.startswith(own_path) or own_path.startswith(child_path)


# -- key periods -------------------------------------------------------------------------------


class KeyPeriod(models.Model):
    """A key period or sensitive date (重点时段/敏感节点) entered by the office.

    Posts in its zones (or anywhere in the jurisdiction when no zone is given) are called out
    by duty rules "on holidays and key periods".
    """

    scope_path = "jurisdiction__path"

    name = models.CharField(_("name"), max_length=120)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    daily_start = models.TimeField(
        _("daily from"), null=True, blank=True, help_text=_("Empty: from the start of each day.")
    )
    daily_end = models.TimeField(
        _("daily until"), null=True, blank=True, help_text=_("Empty: until the end of each day.")
    )
    zones = models.ManyToManyField(
        Zone,
        verbose_name=_("zones"),
        blank=True,
        related_name="+",
        help_text=_("Empty: the whole jurisdiction."),
    )
    level = models.CharField(
        _("security level"), max_length=30, blank=True, help_text=_("e.g. 一级 (as notified).")
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("key period")
        verbose_name_plural = _("key periods")
        ordering = ["-start_date", "name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} {self.start_date}–{self.end_date}"

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = [_("The last day is before the first day.")]
        if (
            self.daily_start is not None
            and self.daily_end is not None
            and self.daily_end == self.daily_start
        ):
            errors["daily_end"] = [_("The daily window must not start and end at the same time.")]
        if errors:
            raise ValidationError(errors)


# -- weather warnings --------------------------------------------------------------------------


class WeatherKind(models.TextChoices):
    RAINSTORM = "rainstorm", _("Rainstorm")
    FLOOD = "flood", _("Flood")
    SNOW_ICE = "snow_ice", _("Snow and ice")
    FOG = "fog", _("Fog")
    HIGH_WIND = "high_wind", _("High wind")
    THUNDERSTORM = "thunderstorm", _("Thunderstorm")
    HEAT = "heat", _("Heat")
    COLD_WAVE = "cold_wave", _("Cold wave")
    OTHER = "other", _("Other")


#: Chinese names of the warning kinds for reasons stored with duties (language-independent).
WEATHER_KIND_ZH = {
    "rainstorm": "暴雨",
    "flood": "洪水",
    "snow_ice": "暴雪冰冻",
    "fog": "大雾",
    "high_wind": "大风",
    "thunderstorm": "雷电",
    "heat": "高温",
    "cold_wave": "寒潮",
    "other": "",
}


LEVEL_ZH = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}


class WarningLevel(models.TextChoices):
    BLUE = "blue", _("Blue")
    YELLOW = "yellow", _("Yellow")
    ORANGE = "orange", _("Orange")
    RED = "red", _("Red")


class WeatherWarning(models.Model):
    """A weather warning signal (气象预警) in force over some zones (or the whole jurisdiction)."""

    scope_path = "jurisdiction__path"

    kind = models.CharField(_("warning kind"), max_length=16, choices=WeatherKind.choices)
    level = models.CharField(_("level"), max_length=8, choices=WarningLevel.choices)
    starts_at = models.DateTimeField(_("in force from"))
    ends_at = models.DateTimeField(
        _("lifted at"), null=True, blank=True, help_text=_("Empty: not lifted yet.")
    )
    zones = models.ManyToManyField(
        Zone,
        verbose_name=_("zones"),
        blank=True,
        related_name="+",
        help_text=_("Empty: the whole jurisdiction."),
    )
    issuer = models.CharField(
        _("issued by"), max_length=120, blank=True, help_text=_("e.g. 县气象台.")
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("weather warning")
        verbose_name_plural = _("weather warnings")
        ordering = ["-starts_at", "pk"]

    def __str__(self) -> str:
        # Local time and fixed Chinese names: the same text on every page and in every log.
        when = (
            timezone.localtime(self.starts_at).strftime("%Y-%m-%d %H:%M") if self.starts_at else "?"
        )
        kind = WEATHER_KIND_ZH.get(self.kind) or "气象"
        return f"{kind}{LEVEL_ZH.get(self.level, '')}预警 {when}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": [_("The warning must be lifted after it starts.")]})

    def level_at_least(self, minimum: str) -> bool:
        """Whether this warning's level is `minimum` or higher (empty minimum: any level)."""
        if not minimum:
            return True
        return LEVEL_ORDER.index(self.level) >= LEVEL_ORDER.index(minimum)


# -- school calendars --------------------------------------------------------------------------

EVENT_WORDS = {
    "arrival": "arrival",
    "上学": "arrival",
    "到校": "arrival",
    "dismissal": "dismissal",
    "放学": "dismissal",
    "return": "return",
    "返校": "return",
    "leave": "leave",
    "离校": "leave",
}
WEEKDAY_NAMES = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五", 6: "周六", 7: "周日"}


def _month_day(value: str, field: str) -> tuple[int, int]:
    try:
        month, day = (int(x) for x in str(value).strip().split("-"))
        dt.date(2000, month, day)  # a leap year: 02-29 is allowed
    except (ValueError, TypeError) as exc:
        raise ValidationError(
            {field: [_("Give a month and day as MM-DD, e.g. 05-01; got %(v)s.") % {"v": value}]}
        ) from exc
    return month, day


def _date(value: Any, field: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationError(
            {
                field: [
                    _("%(where)s: not a date (YYYY-MM-DD): %(v)s.") % {"where": where, "v": value}
                ]
            }
        ) from exc


def _time(value: Any, field: str, where: str) -> dt.time:
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationError(
            {field: [_("%(where)s: not a time (HH:MM): %(v)s.") % {"where": where, "v": value}]}
        ) from exc


def _periods(value: Any, field: str, label: str) -> list[tuple[dt.date, dt.date, str]]:
    """[{"name", "start", "end"}] → (start, end, name), checked."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError(
            {field: [_('Give a list like [{"name": "…", "start": "2026-09-01", "end": "…"}].')]}
        )
    out = []
    for n, item in enumerate(value, start=1):
        where = f"{label} {n}"
        if not isinstance(item, dict) or "start" not in item or "end" not in item:
            raise ValidationError(
                {field: [_("%(where)s needs a start and an end.") % {"where": where}]}
            )
        start = _date(item["start"], field, where)
        end = _date(item["end"], field, where)
        if end < start:
            raise ValidationError(
                {field: [_("%(where)s ends before it starts.") % {"where": where}]}
            )
        out.append((start, end, str(item.get("name") or "")))
    return out


def _events(value: Any, field: str, where: str) -> list[Any]:
    from shouwang.calendars.school import BellEvent

    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(
            {
                field: [
                    _('%(where)s: give a list like [{"kind": "dismissal", "time": "16:30"}].')
                    % {"where": where}
                ]
            }
        )
    events = []
    for item in value:
        if not isinstance(item, dict):
            raise ValidationError(
                {
                    field: [
                        _('%(where)s: each bell event is {"kind": …, "time": "HH:MM"}.')
                        % {"where": where}
                    ]
                }
            )
        kind = EVENT_WORDS.get(str(item.get("kind", "")).strip())
        if kind is None:
            raise ValidationError(
                {
                    field: [
                        _(
                            "%(where)s: unknown bell event %(v)s; use arrival, dismissal, "
                            "return or leave (上学/放学/返校/离校)."
                        )
                        % {"where": where, "v": item.get("kind")}
                    ]
                }
            )
        events.append(
            BellEvent(kind, _time(item.get("time"), field, where), str(item.get("label") or ""))  # type: ignore[arg-type]
        )
    return events


def _timetable(value: Any, field: str, label: str) -> dict[int, list[Any]]:
    """{"1": [events], … "7": [...]} → weekday → BellEvents."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError(
            {
                field: [
                    _(
                        "Give weekdays 1 (Monday) … 7 (Sunday) with their bell events, "
                        'e.g. {"1": [{"kind": "dismissal", "time": "16:30"}]}.'
                    )
                ]
            }
        )
    out: dict[int, list[Any]] = {}
    for key, events in value.items():
        try:
            weekday = int(key)
        except (TypeError, ValueError):
            weekday = 0
        if not 1 <= weekday <= 7:
            raise ValidationError(
                {
                    field: [
                        _("%(label)s: %(v)s is not a weekday (1 = Monday … 7 = Sunday).")
                        % {"label": label, "v": key}
                    ]
                }
            )
        out[weekday] = _events(events, field, f"{label} {WEEKDAY_NAMES[weekday]}")
    return out


class SchoolCalendar(models.Model):
    """A school's calendar (校历) and bell times (作息时间) for its school-gate posts (护学岗).

    Stored as JSON and validated by building the pure
    :class:`shouwang.calendars.school.SchoolCalendar` (see :meth:`school_calendar`):

    * ``terms`` / ``vacations``: ``[{"name": "秋季学期", "start": "2026-09-01", "end": …}]``;
    * ``summer_timetable`` / ``winter_timetable``: ISO weekday → bell events,
      ``{"1": [{"kind": "arrival", "time": "07:50"}, {"kind": "dismissal", "time": "16:30"}]}``
      (kinds arrival, dismissal, return, leave); the summer table applies from
      ``summer_from`` until the day before ``winter_from``, the winter one the rest of the year;
    * ``overrides``: date → the day's events instead (``null`` or ``[]``: none that day).

    A school may have one calendar per school year: a date belongs to the first calendar
    (oldest entry) whose terms or overrides hold it.
    """

    scope_path = "jurisdiction__path"

    school = models.ForeignKey(
        KeyPlace, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT, related_name="+"
    )
    terms = models.JSONField(
        _("terms"),
        default=list,
        help_text=_('e.g. [{"name": "2026秋季学期", "start": "2026-09-01", "end": "2027-01-22"}]'),
    )
    vacations = models.JSONField(
        _("vacations"),
        default=list,
        blank=True,
        help_text=_('e.g. [{"name": "寒假", "start": "2027-01-23", "end": "2027-02-28"}]'),
    )
    summer_timetable = models.JSONField(
        _("summer timetable"),
        default=dict,
        blank=True,
        help_text=_(
            "Weekday (1 = Monday) → bell events, "
            'e.g. {"1": [{"kind": "dismissal", "time": "16:30"}]}'
        ),
    )
    winter_timetable = models.JSONField(
        _("winter timetable"),
        default=dict,
        blank=True,
        help_text=_("As the summer timetable; applies from the winter switch date."),
    )
    summer_from = models.CharField(
        _("summer timetable from"), max_length=5, default="05-01", help_text=_("MM-DD")
    )
    winter_from = models.CharField(
        _("winter timetable from"), max_length=5, default="10-01", help_text=_("MM-DD")
    )
    overrides = models.JSONField(
        _("date overrides"),
        default=dict,
        blank=True,
        help_text=_(
            "Date → that day's bell events instead; null: none. e.g. "
            '{"2026-11-20": [{"kind": "dismissal", "time": "15:00", "label": "暴雨提前放学"}]}'
        ),
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("school calendar")
        verbose_name_plural = _("school calendars")
        ordering = ["school__name", "pk"]

    def __str__(self) -> str:
        return self.school.name if self.school_id else "?"

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        try:
            self.school_calendar()
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if not self.terms and "terms" not in errors:
            errors["terms"] = [_("Give at least one term.")]
        if (
            self.school_id
            and self.jurisdiction_id
            and not _inside(self.school.jurisdiction.path, self.jurisdiction.path)
        ):
            errors["school"] = [_("The school belongs to another jurisdiction.")]
        if errors:
            raise ValidationError(errors)

    def school_calendar(self) -> Any:
        """The pure calendar; ValidationError naming the field at fault if it cannot be built."""
        from shouwang.calendars import school as pure

        terms = [pure.Term(s, e, n) for s, e, n in _periods(self.terms, "terms", "学期")]
        vacations = [
            pure.Vacation(s, e, n) for s, e, n in _periods(self.vacations, "vacations", "假期")
        ]
        summer_from = _month_day(self.summer_from, "summer_from")
        winter_from = _month_day(self.winter_from, "winter_from")
        if summer_from == winter_from:
            raise ValidationError(
                {
                    "winter_from": [
                        _("The summer and winter timetables cannot start on the same day.")
                    ]
                }
            )
        summer = _timetable(self.summer_timetable, "summer_timetable", "夏季作息")
        winter = _timetable(self.winter_timetable, "winter_timetable", "冬季作息")
        if not summer and not winter:
            raise ValidationError(
                {"summer_timetable": [_("Give the bell times of a summer or a winter timetable.")]}
            )
        timetables = []
        if summer:
            timetables.append(
                pure.Timetable("summer", summer, summer_from, _day_before(winter_from))
            )
        if winter:
            timetables.append(
                pure.Timetable("winter", winter, winter_from, _day_before(summer_from))
            )
        overrides: dict[dt.date, Any] = {}
        if self.overrides not in (None, ""):
            if not isinstance(self.overrides, dict):
                raise ValidationError(
                    {"overrides": [_("Give dates with their bell events, or null for none.")]}
                )
            for key, events in self.overrides.items():
                day = _date(key, "overrides", "调整")
                overrides[day] = _events(events, "overrides", key) or None
        return pure.SchoolCalendar(
            terms=terms,
            vacations=vacations,
            timetables=timetables,
            overrides=overrides,
            school_id=str(self.school_id or ""),
            name=self.school.name if self.school_id else "",
        )

    # -- readable display on the detail page -------------------------------------------------

    def display_periods(self) -> list[dict[str, str]]:
        rows = []
        for label, value in ((_("term"), self.terms), (_("vacation"), self.vacations)):
            for item in value or []:
                if isinstance(item, dict):
                    rows.append(
                        {
                            "kind": str(label),
                            "name": str(item.get("name") or ""),
                            "start": str(item.get("start")),
                            "end": str(item.get("end")),
                        }
                    )
        return rows

    def display_timetables(self) -> list[dict[str, Any]]:
        """One table per season: weekday name → "07:50 上学、16:30 放学"."""

        out = []
        for label, valid, table in (
            (_("summer timetable"), f"{self.summer_from} →", self.summer_timetable),
            (_("winter timetable"), f"{self.winter_from} →", self.winter_timetable),
        ):
            if not isinstance(table, dict) or not table:
                continue
            days = []
            for key in sorted(table, key=lambda k: int(k) if str(k).isdigit() else 9):
                text = _events_text(table[key])
                days.append({"day": WEEKDAY_NAMES.get(int(key), str(key)), "events": text})
            out.append({"label": str(label), "valid": valid, "days": days})
        return out

    def display_overrides(self) -> list[dict[str, str]]:

        rows = []
        for key in sorted(self.overrides or {}):
            text = _events_text((self.overrides or {})[key])
            rows.append({"date": str(key), "events": text or "—"})
        return rows


def _events_text(events: Any) -> str:
    """Bell events as "07:50 上学、16:30 放学（label）" for the detail page."""
    from shouwang.calendars.school import EVENT_LABELS

    parts = []
    for e in events or []:
        if not isinstance(e, dict):
            continue
        kind = EVENT_WORDS.get(str(e.get("kind")), "")
        name = EVENT_LABELS[kind][0] if kind else str(e.get("kind"))
        label = f"（{e['label']}）" if e.get("label") else ""
        parts.append(f"{e.get('time')} {name}{label}")
    return "、".join(parts)


def _day_before(md: tuple[int, int]) -> tuple[int, int]:
    day = dt.date(2000, *md) - dt.timedelta(days=1)
    return day.month, day.day


# -- train passages ----------------------------------------------------------------------------


class Direction(models.TextChoices):
    UP = "up", _("Up line")
    DOWN = "down", _("Down line")


class PassageDays(models.TextChoices):
    DAILY = "daily", _("Every day")
    WEEKDAYS = "weekdays", _("Monday to Friday")
    WEEKENDS = "weekends", _("Saturday and Sunday")
    ODD_DATES = "odd_dates", _("Odd dates")
    EVEN_DATES = "even_dates", _("Even dates")


class TrainPassage(models.Model):
    """A train passing a point of a railway segment (列车通过时段), from the timetable."""

    scope_path = "jurisdiction__path"

    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), on_delete=models.CASCADE, related_name="+"
    )
    chainage_m = models.PositiveIntegerField(_("kilometre post (m)"))
    train_no = models.CharField(_("train number"), max_length=20, blank=True)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    passes_at = models.TimeField(_("passes at"))
    days = models.CharField(
        _("runs on"), max_length=16, choices=PassageDays.choices, default=PassageDays.DAILY
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("train passage")
        verbose_name_plural = _("train passages")
        ordering = ["segment", "passes_at", "pk"]

    def __str__(self) -> str:
        at = self.passes_at.strftime("%H:%M") if self.passes_at else "?"
        return f"{self.train_no or '—'} {self.chainage_display} {at}"

    @property
    def chainage_display(self) -> str:
        return validators.format_chainage(self.chainage_m) if self.chainage_m is not None else ""

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        if self.segment_id and self.chainage_m is not None:
            seg = self.segment
            if not seg.start_m <= self.chainage_m <= seg.end_m:
                errors["chainage_m"] = [
                    _("%(k)s lies outside the segment %(range)s.")
                    % {"k": self.chainage_display, "range": seg.chainage_display}
                ]
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors["valid_to"] = [_("The end of validity is before its start.")]
        if (
            self.segment_id
            and self.jurisdiction_id
            and not _inside(self.segment.jurisdiction.path, self.jurisdiction.path)
        ):
            errors["segment"] = [_("The segment belongs to another jurisdiction.")]
        if errors:
            raise ValidationError(errors)

    def to_pure(self, zone_ids: tuple[str, ...] = ()) -> Any:
        from shouwang.calendars.triggers import TrainPassage as PurePassage

        return PurePassage(
            segment_id=str(self.segment_id),
            chainage_m=self.chainage_m,
            direction=self.get_direction_display(),
            window_start=self.passes_at,
            window_end=self.passes_at,
            days_rule=self.days,  # type: ignore[arg-type]
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            train_no=self.train_no,
            zone_ids=zone_ids,
            source_id=f"train-{self.pk}",
        )


# -- holiday years -----------------------------------------------------------------------------


class HolidayYear(models.Model):
    """The office's mark that a year's holiday arrangement is entered completely.

    Rosters of a marked year no longer carry the "arrangement unknown" warning, even when the
    year has no entry at all (a year whose notice changed nothing locally).
    """

    scope_path = "jurisdiction__path"

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    complete = models.BooleanField(
        _("arrangement complete"),
        default=True,
        help_text=_("The year's holiday notice is entered completely."),
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("holiday year")
        verbose_name_plural = _("holiday years")
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year"],
                name="holiday_year_unique_jurisdiction_year",
                violation_error_message=_("This jurisdiction already has an entry for this year."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}"

    def clean(self) -> None:
        if self.year is not None and not 2000 <= self.year <= 2100:
            raise ValidationError({"year": [_("Give a year between 2000 and 2100.")]})
