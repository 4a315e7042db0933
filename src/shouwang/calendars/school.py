"""School bell times (作息时间) for school-gate posts (护学岗): terms, timetables, overrides.

Each school sets its own times ("一校一策"), usually with a summer and a winter timetable that
switch around 5-01 and 10-01 (data here, not code), and a term calendar (校历) from the
education department.  Rural boarding schools (寄宿制) add a Friday-afternoon ``leave`` and a
Sunday-afternoon ``return`` (seed 001: 中学 posts on Friday 13:25 and Sunday 14:00).

:func:`school_events` decides, for every date, which bell events happen.  The rules, in order:

1. a per-date override (``SchoolCalendar.overrides``) wins over everything: a list replaces
   the day's events (a dismissal moved for a storm, a return on the Sunday before term starts,
   leave on the day before a holiday), ``None`` means no events at all;
2. no events outside the terms, inside a vacation, or on a statutory holiday (法定节假日);
3. a make-up working day (调休上班, a Saturday or Sunday) counts as a school day with the
   **Monday** timetable.  Schools usually follow the weekday the make-up day replaces, but the
   notice does not always say which one; Monday is the simple, predictable default and an
   override says otherwise where it matters;
4. otherwise the timetable valid on that date gives the events of the date's weekday (Saturday
   and Sunday entries included, for boarding schools).

Holiday travel of boarding pupils (leave on the last school day before a holiday, return on the
last holiday afternoon) is not derived automatically; enter it as overrides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Literal

from shouwang.calendars.holidays import DayInfoSource, date_range

EventKind = Literal["arrival", "dismissal", "return", "leave"]
MonthDay = tuple[int, int]

_EVENT_KINDS = ("arrival", "dismissal", "return", "leave")
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

#: Plain-language names of the event kinds (Chinese, English).
EVENT_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "arrival": ("上学", "arrival"),
        "dismissal": ("放学", "dismissal"),
        "return": ("返校", "boarders' return"),
        "leave": ("离校", "boarders' leave"),
    }
)


@dataclass(frozen=True)
class BellEvent:
    """A moment at the school gate: pupils arrive, are dismissed, boarders leave or return."""

    kind: EventKind
    time: time
    label: str = ""

    def __post_init__(self) -> None:
        if self.kind not in _EVENT_KINDS:
            raise ValueError(f"unknown bell event kind {self.kind!r}")


@dataclass(frozen=True)
class Term:
    """A school term (学期), both ends included."""

    start: date
    end: date
    name: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"term {self.name!r} ends before it starts")

    def __contains__(self, d: object) -> bool:
        return isinstance(d, date) and self.start <= d <= self.end


@dataclass(frozen=True)
class Vacation:
    """A break without classes (寒假, 暑假, 春假/秋假, a local break), both ends included."""

    start: date
    end: date
    name: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"vacation {self.name!r} ends before it starts")

    def __contains__(self, d: object) -> bool:
        return isinstance(d, date) and self.start <= d <= self.end


def _check_month_day(value: MonthDay) -> None:
    month, day = value
    if not 1 <= month <= 12 or not 1 <= day <= _DAYS_IN_MONTH[month - 1]:
        raise ValueError(f"not a valid month-day: {value!r}")


@dataclass(frozen=True)
class Timetable:
    """A timetable (作息表): ISO weekday (1 = Monday … 7 = Sunday) → the day's bell events.

    When it applies: within one of ``date_ranges`` if any are given; otherwise each year from
    ``valid_from`` to ``valid_to`` (month, day), which may wrap the year end (a winter table
    from (10, 1) to (4, 30)); with neither, all year.
    """

    name: str
    by_weekday: Mapping[int, Sequence[BellEvent]]
    valid_from: MonthDay | None = None
    valid_to: MonthDay | None = None
    date_ranges: tuple[tuple[date, date], ...] = ()

    def __post_init__(self) -> None:
        frozen: dict[int, tuple[BellEvent, ...]] = {}
        for weekday, events in self.by_weekday.items():
            if not 1 <= weekday <= 7:
                raise ValueError(f"timetable {self.name!r}: weekday must be 1 … 7, not {weekday}")
            frozen[weekday] = tuple(sorted(events, key=lambda e: e.time))
        object.__setattr__(self, "by_weekday", MappingProxyType(frozen))
        if (self.valid_from is None) != (self.valid_to is None):
            raise ValueError(f"timetable {self.name!r}: give both valid_from and valid_to")
        for value in (self.valid_from, self.valid_to):
            if value is not None:
                _check_month_day(value)
        object.__setattr__(self, "date_ranges", tuple(self.date_ranges))
        for first, last in self.date_ranges:
            if last < first:
                raise ValueError(f"timetable {self.name!r}: a date range ends before it starts")

    @property
    def is_dated(self) -> bool:
        """Whether the timetable applies on explicit date ranges."""
        return bool(self.date_ranges)

    @property
    def is_seasonal(self) -> bool:
        """Whether the timetable applies on a yearly month-day range."""
        return not self.date_ranges and self.valid_from is not None

    def applies_on(self, d: date) -> bool:
        """Whether this timetable is valid on ``d``."""
        if self.date_ranges:
            return any(first <= d <= last for first, last in self.date_ranges)
        if self.valid_from is None or self.valid_to is None:
            return True
        md = (d.month, d.day)
        if self.valid_from <= self.valid_to:
            return self.valid_from <= md <= self.valid_to
        return md >= self.valid_from or md <= self.valid_to

    def events_on(self, weekday: int) -> tuple[BellEvent, ...]:
        """The events of an ISO weekday."""
        return tuple(self.by_weekday.get(weekday, ()))


@dataclass(frozen=True)
class SchoolCalendar:
    """One school's terms, vacations, timetables and per-date overrides.

    Timetable choice for a date: the first dated timetable that covers it, else the first
    seasonal one, else the first all-year one (so an exam-week table with dates beats the
    summer table, which beats a default).
    """

    terms: Sequence[Term]
    vacations: Sequence[Vacation] = ()
    timetables: Sequence[Timetable] = ()
    overrides: Mapping[date, Sequence[BellEvent] | None] = field(default_factory=dict)
    school_id: str = ""
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "terms", tuple(self.terms))
        object.__setattr__(self, "vacations", tuple(self.vacations))
        object.__setattr__(self, "timetables", tuple(self.timetables))
        frozen: dict[date, tuple[BellEvent, ...] | None] = {
            d: None if events is None else tuple(sorted(events, key=lambda e: e.time))
            for d, events in self.overrides.items()
        }
        object.__setattr__(self, "overrides", MappingProxyType(frozen))

    def in_term(self, d: date) -> bool:
        """Whether ``d`` is inside a term and not in a vacation."""
        return any(d in t for t in self.terms) and not any(d in v for v in self.vacations)

    def timetable_for(self, d: date) -> Timetable | None:
        """The timetable valid on ``d``, or ``None`` if none is."""
        for wanted in ("dated", "seasonal", "all-year"):
            for timetable in self.timetables:
                kind = (
                    "dated"
                    if timetable.is_dated
                    else "seasonal"
                    if timetable.is_seasonal
                    else "all-year"
                )
                if kind == wanted and timetable.applies_on(d):
                    return timetable
        return None


def school_events_on(
    calendar: SchoolCalendar, d: date, holiday_provider: DayInfoSource
) -> tuple[BellEvent, ...]:
    """The bell events of one date (see the module documentation for the rules)."""
    if d in calendar.overrides:
        return tuple(calendar.overrides[d] or ())
    if not calendar.in_term(d):
        return ()
    info = holiday_provider.day_info(d)
    if info.is_holiday:
        return ()
    timetable = calendar.timetable_for(d)
    if timetable is None:
        return ()
    weekday = 1 if info.is_adjusted_workday else d.isoweekday()
    return timetable.events_on(weekday)


def school_events(
    calendar: SchoolCalendar, start: date, end: date, holiday_provider: DayInfoSource
) -> list[tuple[date, BellEvent]]:
    """Every bell event from ``start`` to ``end`` (both included), by date and time."""
    return [
        (d, event)
        for d in date_range(start, end)
        for event in school_events_on(calendar, d, holiday_provider)
    ]


def school_days_without_timetable(
    calendar: SchoolCalendar, start: date, end: date, holiday_provider: DayInfoSource
) -> list[date]:
    """Term working days with no valid timetable: gaps in the data the office should fill."""
    return [
        d
        for d in date_range(start, end)
        if d not in calendar.overrides
        and calendar.in_term(d)
        and holiday_provider.day_info(d).is_workday
        and calendar.timetable_for(d) is None
    ]


def post_window(event_time: time, lead_minutes: int, duration: int) -> tuple[time, time]:
    """The post for an event: from ``lead_minutes`` before it, lasting ``duration`` minutes.

    "Arrive 20 minutes before 放学 and stay 40 minutes" is ``post_window(t, 20, 40)``; "from 30
    minutes before school starts to 15 minutes after" is ``post_window(t, 30, 45)``.  A window
    that runs past midnight has an end earlier than its start.
    """
    start, end = post_window_on(date(2000, 1, 3), event_time, lead_minutes, duration)
    return start.time(), end.time()


def post_window_on(
    d: date, event_time: time, lead_minutes: int, duration: int
) -> tuple[datetime, datetime]:
    """:func:`post_window` as (naive, local) datetimes for an event on ``d``."""
    if duration <= 0 or duration >= 24 * 60:
        raise ValueError("a post lasts more than 0 minutes and less than a day")
    event = datetime.combine(d, event_time)
    start = event - timedelta(minutes=lead_minutes)
    return start, start + timedelta(minutes=duration)
