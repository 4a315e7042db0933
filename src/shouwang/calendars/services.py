"""Business actions of the calendar records: create/update/delete, and the all-or-nothing
imports of holiday arrangements, weather warnings and train timetables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.areas.models import Segment, Zone
from shouwang.calendars.forms import (
    HolidayYearForm,
    KeyPeriodForm,
    SchoolCalendarForm,
    TrainPassageForm,
    WeatherWarningForm,
)
from shouwang.calendars.models import (
    HolidayYear,
    KeyPeriod,
    SchoolCalendar,
    TrainPassage,
    WeatherWarning,
)
from shouwang.core import records, validators
from shouwang.core.models import Jurisdiction
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import can, get_for

# -- plain create / update / delete ------------------------------------------------------------


def create_key_period(*, actor: Any, data: Mapping[str, Any]) -> KeyPeriod:
    """Enter a key period or sensitive date (重点时段)."""
    return records.create_record(KeyPeriodForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_key_period(period: KeyPeriod, *, actor: Any, data: Mapping[str, Any]) -> KeyPeriod:
    """Change a key period (takes effect the next time a draft is planned)."""
    return records.update_record(KeyPeriodForm, period, actor=actor, data=data)


def delete_key_period(period: KeyPeriod, *, actor: Any) -> None:
    """Remove a key period."""
    records.delete_record(period, actor=actor)


def create_weather_warning(*, actor: Any, data: Mapping[str, Any]) -> WeatherWarning:
    """Enter a weather warning signal (气象预警)."""
    return records.create_record(WeatherWarningForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_weather_warning(
    warning: WeatherWarning, *, actor: Any, data: Mapping[str, Any]
) -> WeatherWarning:
    """Change a weather warning (e.g. enter when it was lifted)."""
    return records.update_record(WeatherWarningForm, warning, actor=actor, data=data)


def delete_weather_warning(warning: WeatherWarning, *, actor: Any) -> None:
    """Remove a weather warning entered by mistake."""
    records.delete_record(warning, actor=actor)


def create_school_calendar(*, actor: Any, data: Mapping[str, Any]) -> SchoolCalendar:
    """Enter a school's calendar and bell times (校历/作息时间)."""
    return records.create_record(SchoolCalendarForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_school_calendar(
    calendar: SchoolCalendar, *, actor: Any, data: Mapping[str, Any]
) -> SchoolCalendar:
    """Change a school calendar (a new term, a moved dismissal …)."""
    return records.update_record(SchoolCalendarForm, calendar, actor=actor, data=data)


def delete_school_calendar(calendar: SchoolCalendar, *, actor: Any) -> None:
    """Remove a school calendar."""
    records.delete_record(calendar, actor=actor)


def create_train_passage(*, actor: Any, data: Mapping[str, Any]) -> TrainPassage:
    """Enter a train passage at a kilometre post (列车通过时段)."""
    return records.create_record(TrainPassageForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_train_passage(
    passage: TrainPassage, *, actor: Any, data: Mapping[str, Any]
) -> TrainPassage:
    """Change a train passage (调图)."""
    return records.update_record(TrainPassageForm, passage, actor=actor, data=data)


def delete_train_passage(passage: TrainPassage, *, actor: Any) -> None:
    """Remove a train passage."""
    records.delete_record(passage, actor=actor)


def create_holiday_year(*, actor: Any, data: Mapping[str, Any]) -> HolidayYear:
    """Mark (or unmark) a year's holiday arrangement as entered completely."""
    return records.create_record(HolidayYearForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_holiday_year(year: HolidayYear, *, actor: Any, data: Mapping[str, Any]) -> HolidayYear:
    """Change a holiday-year mark."""
    return records.update_record(HolidayYearForm, year, actor=actor, data=data)


def delete_holiday_year(year: HolidayYear, *, actor: Any) -> None:
    """Remove a holiday-year mark (the year counts as unknown again unless it has entries)."""
    records.delete_record(year, actor=actor)


def complete_years_for(jurisdiction_paths: list[str]) -> set[int]:
    """The years marked complete by the offices at these jurisdiction paths."""
    return set(
        HolidayYear.objects.filter(
            jurisdiction__path__in=jurisdiction_paths, complete=True
        ).values_list("year", flat=True)
    )


# -- imports -----------------------------------------------------------------------------------

#: Column names accepted for each import (first = the documented English name).
HOLIDAY_COLUMNS = {"date": ("date", "日期"), "kind": ("kind", "类型"), "name": ("name", "名称")}
WEATHER_COLUMNS = {
    "kind": ("kind", "类型", "预警类型"),
    "level": ("level", "级别", "等级"),
    "starts_at": ("starts_at", "start", "开始时间", "发布时间"),
    "ends_at": ("ends_at", "end", "结束时间", "解除时间"),
    "zones": ("zones", "区域"),
    "issuer": ("issuer", "发布单位"),
    "note": ("note", "备注"),
}
TRAIN_COLUMNS = {
    "train": ("train", "车次"),
    "direction": ("direction", "方向"),
    "time": ("time", "通过时间", "时间"),
    "chainage": ("chainage", "公里标"),
    "days": ("days", "开行日", "开行"),
    "valid_from": ("valid_from", "起始日期", "有效期起"),
    "valid_to": ("valid_to", "截止日期", "有效期止"),
    "segment": ("segment", "区段"),
}

_HOLIDAY_KINDS = {
    "holiday": "holiday",
    "休": "holiday",
    "放假": "holiday",
    "休息": "holiday",
    "假": "holiday",
    "workday": "workday",
    "班": "workday",
    "上班": "workday",
    "调休上班": "workday",
}
_WEATHER_KINDS = {
    "暴雨": "rainstorm",
    "洪水": "flood",
    "洪涝": "flood",
    "道路结冰": "snow_ice",
    "暴雪": "snow_ice",
    "冰冻": "snow_ice",
    "雨雪冰冻": "snow_ice",
    "大雾": "fog",
    "雾": "fog",
    "大风": "high_wind",
    "雷电": "thunderstorm",
    "雷暴": "thunderstorm",
    "雷雨大风": "thunderstorm",
    "高温": "heat",
    "寒潮": "cold_wave",
    "其他": "other",
}
_DIRECTIONS = {"up": "up", "上行": "up", "上": "up", "down": "down", "下行": "down", "下": "down"}
_DAYS = {
    "daily": "daily",
    "每日": "daily",
    "每天": "daily",
    "weekdays": "weekdays",
    "工作日": "weekdays",
    "周一至周五": "weekdays",
    "weekends": "weekends",
    "周末": "weekends",
    "odd_dates": "odd_dates",
    "单日": "odd_dates",
    "even_dates": "even_dates",
    "双日": "even_dates",
}


class _RowError(Exception):
    """One row's problem: the column (as the file names it) and the reason."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def _cell(row: Mapping[str, Any], names: tuple[str, ...]) -> tuple[str, str]:
    """(column header used, stripped value) of the first of `names` present in the row."""
    for name in names:
        if name in row:
            return name, str(row.get(name) or "").strip()
    return names[0], ""


def _required(row: Mapping[str, Any], names: tuple[str, ...]) -> tuple[str, str]:
    column, value = _cell(row, names)
    if not value:
        raise _RowError(column, _("This column is empty."))
    return column, value


def _parse_date(column: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value[:10].replace("/", "-"))
    except ValueError as exc:
        raise _RowError(column, _("Not a date (YYYY-MM-DD): %(v)s.") % {"v": value}) from exc


def _parse_datetime(column: str, value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.replace("/", "-"))
    except ValueError as exc:
        raise _RowError(
            column, _("Not a date and time (YYYY-MM-DD HH:MM): %(v)s.") % {"v": value}
        ) from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _parse_time(column: str, value: str) -> dt.time:
    try:
        return dt.time.fromisoformat(value if len(value) != 4 else f"0{value}")
    except ValueError as exc:
        raise _RowError(column, _("Not a time (HH:MM): %(v)s.") % {"v": value}) from exc


def _column_of(field: str, columns: Mapping[str, tuple[str, ...]], row: Mapping[str, Any]) -> str:
    names = columns.get(field)
    if names is None:
        return field
    return _cell(row, names)[0]


def _run_import(
    rows: list[dict[str, Any]],
    one_row: Callable[[dict[str, Any]], str],
    columns: Mapping[str, tuple[str, ...]],
    field_columns: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Call `one_row` per row inside one transaction; any failing row rolls everything back.

    `one_row` returns "created" or "skipped", raises `_RowError` or `RecordInvalid`. Errors are
    keyed "row N" (row 1 is the header) and say the column and the reason.
    """
    counts = {"created": 0, "skipped": 0}
    errors: dict[str, list[str]] = {}
    field_columns = field_columns or {}
    with transaction.atomic():
        for number, row in enumerate(rows, start=2):
            key = _("row %(n)s") % {"n": number}
            try:
                with transaction.atomic():
                    counts[one_row(row)] += 1
            except _RowError as exc:
                errors[key] = [_("column %(c)s: %(r)s") % {"c": exc.column, "r": exc.reason}]
            except RecordInvalid as exc:
                messages = []
                for field, texts in exc.errors.items():
                    for text in texts:
                        if field == NON_FIELD:
                            messages.append(text)
                        else:
                            column = _column_of(field_columns.get(field, field), columns, row)
                            messages.append(_("column %(c)s: %(r)s") % {"c": column, "r": text})
                errors[key] = messages
        if errors:
            transaction.set_rollback(True)
            raise RecordInvalid(errors)
    return counts


def _office(actor: Any, jurisdiction: Any) -> Jurisdiction:
    """The jurisdiction an import is for (must be one the actor may see)."""
    if isinstance(jurisdiction, Jurisdiction):
        jurisdiction = jurisdiction.pk
    try:
        return get_for(Jurisdiction, actor, int(jurisdiction), "view")  # type: ignore[no-any-return]
    except Exception as exc:
        raise RecordInvalid({"jurisdiction": [_("Choose a jurisdiction you work in.")]}) from exc


def import_holiday_arrangements(
    *, actor: Any, jurisdiction: Any, rows: list[dict[str, Any]], mark_complete: bool = False
) -> dict[str, int]:
    """Import a year's holiday arrangement (date, kind holiday/workday, name): all or nothing.

    Each row becomes a rostering HolidayArrangement of `jurisdiction` (an identical existing
    entry is skipped). With `mark_complete`, every year in the file is marked complete, so its
    rosters lose the "arrangement unknown" warning.
    """
    from shouwang.rostering.models import HolidayArrangement
    from shouwang.rostering.services import create_holiday_arrangement

    if not can(actor, HolidayArrangement, "add"):
        raise PermissionDenied
    office = _office(actor, jurisdiction)
    years: set[int] = set()

    def one_row(row: dict[str, Any]) -> str:
        day = _parse_date(*_required(row, HOLIDAY_COLUMNS["date"]))
        kind_column, kind_text = _required(row, HOLIDAY_COLUMNS["kind"])
        kind = _HOLIDAY_KINDS.get(kind_text.lower())
        if kind is None:
            raise _RowError(
                kind_column, _("Use holiday or workday (休/班), not %(v)s.") % {"v": kind_text}
            )
        name = _cell(row, HOLIDAY_COLUMNS["name"])[1]
        years.add(day.year)
        existing = HolidayArrangement.objects.filter(jurisdiction=office, date=day).first()
        if existing is not None and existing.kind == kind and existing.name == name:
            return "skipped"
        create_holiday_arrangement(
            actor=actor,
            data={"jurisdiction": office.pk, "date": day, "kind": kind, "name": name, "note": ""},
        )
        return "created"

    with transaction.atomic():
        counts = _run_import(rows, one_row, HOLIDAY_COLUMNS)
        if mark_complete:
            for year in sorted(years):
                mark = HolidayYear.objects.filter(jurisdiction=office, year=year).first()
                if mark is None:
                    create_holiday_year(
                        actor=actor,
                        data={"jurisdiction": office.pk, "year": year, "complete": True},
                    )
                elif not mark.complete:
                    update_holiday_year(mark, actor=actor, data={"complete": True})
    return counts


def _zones(actor: Any, office: Jurisdiction, column: str, text: str) -> list[int]:
    names = [n.strip() for n in text.replace("，", ",").replace("、", ",").split(",") if n.strip()]
    found = []
    for name in names:
        zone = (
            Zone.objects.visible_to(actor, "view")
            .filter(name=name, jurisdiction__path__startswith=office.path)
            .first()
        )
        if zone is None:
            raise _RowError(column, _("No zone called %(v)s here.") % {"v": name})
        found.append(zone.pk)
    return found


def import_weather_warnings(
    *, actor: Any, jurisdiction: Any, rows: list[dict[str, Any]]
) -> dict[str, int]:
    """Import weather warnings (kind, level, starts_at, ends_at, zones, issuer): all or nothing.

    Kinds and levels may be written in Chinese (暴雨, 橙色); zones by name, separated by 、 or
    commas (empty: the whole jurisdiction). An identical warning already entered is skipped.
    """
    from shouwang.calendars.triggers import parse_level

    if not can(actor, WeatherWarning, "add"):
        raise PermissionDenied
    office = _office(actor, jurisdiction)

    def one_row(row: dict[str, Any]) -> str:
        _column, kind_text = _required(row, WEATHER_COLUMNS["kind"])
        kind = _WEATHER_KINDS.get(kind_text.removesuffix("预警"), kind_text.lower())
        level_column, level_text = _required(row, WEATHER_COLUMNS["level"])
        try:
            level = parse_level(level_text)
        except ValueError as exc:
            raise _RowError(
                level_column, _("Use blue, yellow, orange or red (蓝/黄/橙/红).")
            ) from exc
        starts_at = _parse_datetime(*_required(row, WEATHER_COLUMNS["starts_at"]))
        ends_column, ends_text = _cell(row, WEATHER_COLUMNS["ends_at"])
        ends_at = _parse_datetime(ends_column, ends_text) if ends_text else None
        zones = _zones(actor, office, *_cell(row, WEATHER_COLUMNS["zones"]))
        if WeatherWarning.objects.filter(
            jurisdiction=office, kind=kind, level=level, starts_at=starts_at
        ).exists():
            return "skipped"
        create_weather_warning(
            actor=actor,
            data={
                "kind": kind,
                "level": level,
                "starts_at": starts_at,
                "ends_at": ends_at or "",
                "zones": zones,
                "issuer": _cell(row, WEATHER_COLUMNS["issuer"])[1],
                "jurisdiction": office.pk,
                "note": _cell(row, WEATHER_COLUMNS["note"])[1],
            },
        )
        return "created"

    return _run_import(rows, one_row, WEATHER_COLUMNS)


def import_train_timetable(
    *, actor: Any, jurisdiction: Any, rows: list[dict[str, Any]], segment: Any = None
) -> dict[str, int]:
    """Import train passages (train, direction, time, chainage, days, valid_from, valid_to).

    The segment is the one chosen for the import, or the row's "segment" column (by name),
    or else the one railway segment of the jurisdiction whose range holds the chainage.
    An identical passage already entered is skipped.
    """
    if not can(actor, TrainPassage, "add"):
        raise PermissionDenied
    office = _office(actor, jurisdiction)
    segments = Segment.objects.visible_to(actor, "view").filter(
        jurisdiction__path__startswith=office.path
    )
    chosen = None
    if segment not in (None, ""):
        chosen = segments.filter(pk=getattr(segment, "pk", segment)).first()
        if chosen is None:
            raise RecordInvalid({"segment": [_("Choose a segment of this jurisdiction.")]})

    def one_row(row: dict[str, Any]) -> str:
        train = _cell(row, TRAIN_COLUMNS["train"])[1]
        direction_column, direction_text = _required(row, TRAIN_COLUMNS["direction"])
        direction = _DIRECTIONS.get(direction_text.lower())
        if direction is None:
            raise _RowError(direction_column, _("Use up or down (上行/下行)."))
        passes_at = _parse_time(*_required(row, TRAIN_COLUMNS["time"]))
        chainage_column, chainage_text = _required(row, TRAIN_COLUMNS["chainage"])
        try:
            chainage = validators.parse_chainage(chainage_text)
        except ValidationError as exc:
            raise _RowError(chainage_column, " ".join(exc.messages)) from exc
        days_column, days_text = _cell(row, TRAIN_COLUMNS["days"])
        days = _DAYS.get(days_text.lower() or "daily")
        if days is None:
            raise _RowError(
                days_column,
                _(
                    "Use daily, weekdays, weekends, odd_dates or even_dates "
                    "(每日/工作日/周末/单日/双日)."
                ),
            )
        valid_from_column, valid_from_text = _cell(row, TRAIN_COLUMNS["valid_from"])
        valid_to_column, valid_to_text = _cell(row, TRAIN_COLUMNS["valid_to"])
        valid_from = _parse_date(valid_from_column, valid_from_text) if valid_from_text else None
        valid_to = _parse_date(valid_to_column, valid_to_text) if valid_to_text else None
        segment_column, segment_name = _cell(row, TRAIN_COLUMNS["segment"])
        seg = chosen
        if seg is None and segment_name:
            seg = segments.filter(name=segment_name).first()
            if seg is None:
                raise _RowError(
                    segment_column, _("No segment called %(v)s here.") % {"v": segment_name}
                )
        if seg is None:
            covering = [s for s in segments if s.start_m <= chainage <= s.end_m]
            if len(covering) != 1:
                raise _RowError(
                    chainage_column,
                    _("No single segment of this jurisdiction holds %(k)s; choose the segment.")
                    % {"k": chainage_text},
                )
            seg = covering[0]
        if TrainPassage.objects.filter(
            segment=seg,
            chainage_m=chainage,
            train_no=train,
            direction=direction,
            passes_at=passes_at,
            days=days,
            valid_from=valid_from,
            valid_to=valid_to,
        ).exists():
            return "skipped"
        create_train_passage(
            actor=actor,
            data={
                "segment": seg.pk,
                "chainage_m": str(chainage),
                "train_no": train,
                "direction": direction,
                "passes_at": passes_at,
                "days": days,
                "valid_from": valid_from or "",
                "valid_to": valid_to or "",
                "jurisdiction": office.pk,
                "note": "",
            },
        )
        return "created"

    return _run_import(
        rows,
        one_row,
        TRAIN_COLUMNS,
        {"chainage_m": "chainage", "passes_at": "time", "train_no": "train"},
    )
