"""The five mandatory patrol triggers (五必巡逻) as dated time windows.

Seed 000 names them: key festivals and sensitive periods (重大节日敏感节点), market days
(赶场天), severe weather (恶劣天气), school arrival and dismissal (学生上学放学时) and train
passages (列车经过时段).  Each function below turns the office's data into :class:`Trigger`
rows that the roster engine turns into demand.

Times are local (China Standard Time, UTC+8, no daylight saving).  In a :class:`Trigger`,
``start = None`` means from the beginning of the day and ``end = None`` until its end (both
``None``: all day); an ``end`` earlier than ``start`` means the window runs past midnight into
the next day.  Nothing here checks whether a year's holiday arrangement is known: show
``HolidayProvider.warnings_for(start, end)`` next to the triggers.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Literal

from shouwang.calendars.holidays import DayInfoSource, date_range
from shouwang.calendars.lunar import lunar_to_solar
from shouwang.calendars.market import MarketPattern, describe_pattern, market_days
from shouwang.calendars.school import EVENT_LABELS, SchoolCalendar, post_window_on, school_events

TriggerKind = Literal["key_period", "market_day", "weather", "school", "train"]
WarningLevel = Literal["blue", "yellow", "orange", "red"]
DaysKeyword = Literal["daily", "weekdays", "weekends", "odd_dates", "even_dates"]
DaysRule = DaysKeyword | frozenset[int]

#: China Standard Time; aware datetimes are converted to it, naive ones are taken as local.
CHINA_TZ = timezone(timedelta(hours=8), "CST")

#: Warning levels from lowest to highest (Ⅳ 蓝, Ⅲ 黄, Ⅱ 橙, Ⅰ 红).
LEVELS: tuple[WarningLevel, ...] = ("blue", "yellow", "orange", "red")
LEVEL_NAMES_ZH: dict[WarningLevel, str] = {
    "blue": "蓝色",
    "yellow": "黄色",
    "orange": "橙色",
    "red": "红色",
}
_LEVEL_WORDS: dict[str, WarningLevel] = {
    "蓝": "blue",
    "黄": "yellow",
    "橙": "orange",
    "红": "red",
    "iv": "blue",
    "iii": "yellow",
    "ii": "orange",
    "i": "red",
    "4": "blue",
    "3": "yellow",
    "2": "orange",
    "1": "red",
}


@dataclass(frozen=True)
class Trigger:
    """A reason to patrol: a date, a time window, the kind, the reason and the zones.

    ``source_id`` names the office's entry that produced it (a market, a school, a warning…);
    ``segment_id`` is set for train passages.
    """

    date: date
    start: time | None
    end: time | None
    kind: TriggerKind
    reason_zh: str
    reason_en: str
    zone_ids: tuple[str, ...] = ()
    source_id: str | None = None
    segment_id: str | None = None

    @property
    def crosses_midnight(self) -> bool:
        """Whether the window ends on the next day."""
        return self.start is not None and self.end is not None and self.end < self.start


def _minutes(t: time | None, default: int) -> int:
    return default if t is None else t.hour * 60 + t.minute


def _sort_key(t: Trigger) -> tuple[date, int, str, tuple[str, ...], str]:
    return (t.date, _minutes(t.start, 0), t.kind, t.zone_ids, t.reason_en)


def sort_triggers(triggers: Iterable[Trigger]) -> list[Trigger]:
    """Triggers by date, start time, kind and zones."""
    return sorted(triggers, key=_sort_key)


def _window(start: datetime, end: datetime, d: date) -> tuple[time | None, time | None] | None:
    """The part of ``[start, end)`` that falls on ``d`` as trigger times, or ``None``."""
    day_start = datetime.combine(d, time())
    day_end = day_start + timedelta(days=1)
    first, last = max(start, day_start), min(end, day_end)
    if first >= last:
        return None
    return (
        None if first == day_start else first.time(),
        None if last == day_end else last.time(),
    )


def _local(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(CHINA_TZ).replace(tzinfo=None)


# -- 1. key periods and festivals ------------------------------------------------------------


@dataclass(frozen=True)
class KeyPeriod:
    """An office-entered key period or sensitive date (敏感节点), both ends included.

    ``level`` is the security level (安保等级) from the office's code table.  ``start_time`` and
    ``end_time`` narrow every day of the period (``None`` = all day).
    """

    name: str
    start: date
    end: date
    zone_ids: tuple[str, ...] = ()
    level: str = ""
    name_en: str = ""
    start_time: time | None = None
    end_time: time | None = None
    source_id: str | None = None


@dataclass(frozen=True)
class LunarObservance:
    """A yearly lunar-calendar day relevant locally (元宵 1-15, 中元 7-15, 除夕 12-30 …).

    A day 30 in a 29-day month falls on the 29th (so 12-30 is always 除夕).  Leap months are
    not used.  ``days_before`` and ``days_after`` widen the period around the day.
    """

    month: int
    day: int
    name: str
    name_en: str = ""
    days_before: int = 0
    days_after: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1 <= self.day <= 30:
            raise ValueError(f"not a lunar month-day: {self.month}-{self.day}")

    def dates(self, start: date, end: date) -> list[date]:
        """The dates of the observance (with its margins) from ``start`` to ``end``."""
        found: set[date] = set()
        # Lunar year Y runs from late January/February of Y into early next year.
        for lunar_year in range(start.year - 1, end.year + 1):
            center = lunar_to_solar(lunar_year, self.month, self.day)
            for offset in range(-self.days_before, self.days_after + 1):
                d = center + timedelta(days=offset)
                if start <= d <= end:
                    found.add(d)
        return sorted(found)


def key_period_triggers(
    periods: Iterable[KeyPeriod],
    start: date,
    end: date,
    *,
    holiday_provider: DayInfoSource | None = None,
    holiday_zone_ids: tuple[str, ...] = (),
    observances: Iterable[LunarObservance] = (),
    observance_zone_ids: tuple[str, ...] = (),
) -> list[Trigger]:
    """Triggers for office key periods, statutory holidays and lunar observances.

    Statutory holidays come from ``holiday_provider`` (every day of each holiday period, all
    day, in ``holiday_zone_ids``); observances are all day in ``observance_zone_ids``.
    """
    triggers: list[Trigger] = []
    for period in periods:
        level_zh = f"（{period.level}）" if period.level else ""
        level_en = f" (level {period.level})" if period.level else ""
        for d in date_range(max(start, period.start), min(end, period.end)):
            triggers.append(
                Trigger(
                    d,
                    period.start_time,
                    period.end_time,
                    "key_period",
                    f"重点时段：{period.name}{level_zh}",
                    f"key period: {period.name_en or period.name}{level_en}",
                    period.zone_ids,
                    period.source_id,
                )
            )
    if holiday_provider is not None:
        for d in date_range(start, end):
            info = holiday_provider.day_info(d)
            if info.is_holiday:
                name = info.holiday_name or "节假日"
                triggers.append(
                    Trigger(
                        d,
                        None,
                        None,
                        "key_period",
                        f"法定节假日：{name}",
                        f"statutory holiday: {info.holiday_name_en or name}",
                        holiday_zone_ids,
                    )
                )
    for observance in observances:
        for d in observance.dates(start, end):
            triggers.append(
                Trigger(
                    d,
                    None,
                    None,
                    "key_period",
                    f"传统节日：{observance.name}",
                    f"traditional festival: {observance.name_en or observance.name}",
                    observance_zone_ids,
                )
            )
    return sort_triggers(triggers)


# -- 2. market days --------------------------------------------------------------------------


def market_day_triggers(
    pattern: MarketPattern,
    start: date,
    end: date,
    *,
    zone_ids: tuple[str, ...] = (),
    hours: tuple[time, time] | None = None,
    name: str = "",
    source_id: str | None = None,
) -> list[Trigger]:
    """One trigger per market day, in ``hours`` (e.g. the 10:00 street post) or all day."""
    zh, en = describe_pattern(pattern)
    label_zh = f"{name}（{zh}）" if name else zh
    label_en = f"{name} ({en})" if name else en
    start_time, end_time = hours if hours is not None else (None, None)
    return [
        Trigger(
            d,
            start_time,
            end_time,
            "market_day",
            f"逢场天：{label_zh}",
            f"market day: {label_en}",
            zone_ids,
            source_id,
        )
        for d in market_days(pattern, start, end)
    ]


# -- 3. severe weather -----------------------------------------------------------------------


def parse_level(text: str) -> WarningLevel:
    """A warning level from ``orange``, ``橙色``, ``橙``, ``Ⅱ级`` or ``II``; ``ValueError`` else."""
    s = unicodedata.normalize("NFKC", text).strip().lower()
    s = s.removesuffix("预警").removesuffix("色").removesuffix("级")
    for level in LEVELS:
        if s == level:
            return level
    if s in _LEVEL_WORDS:
        return _LEVEL_WORDS[s]
    raise ValueError(f"not a warning level: {text!r}")


@dataclass(frozen=True)
class WeatherWarning:
    """A weather warning signal (气象预警) for some zones, from ``start`` until ``end``.

    ``type`` is the signal type as the office's code table writes it (暴雨, 大风 …); ``end`` is
    ``None`` while the warning is not lifted.  Naive datetimes are local time.
    """

    type: str
    level: WarningLevel
    zone_ids: tuple[str, ...]
    start: datetime
    end: datetime | None = None
    source_id: str | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"unknown warning level {self.level!r}")


@dataclass(frozen=True)
class WeatherRule:
    """A patrol rule "``type`` ∈ ``types`` and ``level`` ≥ ``min_level``" (大风≥黄 …).

    ``zone_ids``, when given, limits the rule to those zones (the railway zones for a 轻飘物
    sweep); ``action_zh``/``action_en`` say what to do and are added to the reason.
    """

    types: frozenset[str]
    min_level: WarningLevel
    action_zh: str = ""
    action_en: str = ""
    zone_ids: frozenset[str] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "types", frozenset(self.types))
        if self.zone_ids is not None:
            object.__setattr__(self, "zone_ids", frozenset(self.zone_ids))
        if self.min_level not in LEVELS:
            raise ValueError(f"unknown warning level {self.min_level!r}")

    def matches(self, warning: WeatherWarning) -> bool:
        """Whether the warning's type is in the rule and its level is high enough."""
        return warning.type in self.types and LEVELS.index(warning.level) >= LEVELS.index(
            self.min_level
        )

    def zones(self, warning: WeatherWarning) -> tuple[str, ...]:
        """The warning's zones this rule covers."""
        if self.zone_ids is None:
            return warning.zone_ids
        return tuple(z for z in warning.zone_ids if z in self.zone_ids)


def weather_triggers(
    warnings: Iterable[WeatherWarning],
    rules: Sequence[WeatherRule],
    start: date,
    end: date,
) -> list[Trigger]:
    """Triggers for each day a warning is in force and each rule it matches."""
    triggers: list[Trigger] = []
    range_end = datetime.combine(end + timedelta(days=1), time())
    for warning in warnings:
        active_from = _local(warning.start)
        active_to = range_end if warning.end is None else _local(warning.end)
        level_zh = LEVEL_NAMES_ZH[warning.level]
        for rule in rules:
            if not rule.matches(warning):
                continue
            zones = rule.zones(warning)
            if not zones:
                continue
            action_zh = f"，{rule.action_zh}" if rule.action_zh else ""
            action_en = f"; {rule.action_en}" if rule.action_en else ""
            first = max(start, active_from.date())
            last = min(end, active_to.date())
            for d in date_range(first, last):
                window = _window(active_from, active_to, d)
                if window is None:
                    continue
                triggers.append(
                    Trigger(
                        d,
                        window[0],
                        window[1],
                        "weather",
                        f"{warning.type}{level_zh}预警{action_zh}",
                        f"{warning.level} {warning.type} warning{action_en}",
                        zones,
                        warning.source_id,
                    )
                )
    return sort_triggers(triggers)


# -- 4. school times -------------------------------------------------------------------------


@dataclass(frozen=True)
class PostRule:
    """When the school-gate post runs around an event: ``lead_minutes`` before, ``duration``."""

    lead_minutes: int = 20
    duration: int = 40


def school_triggers(
    calendar: SchoolCalendar,
    start: date,
    end: date,
    holiday_provider: DayInfoSource,
    *,
    zone_ids: tuple[str, ...] = (),
    rule: PostRule | None = None,
    rules_by_kind: Mapping[str, PostRule] | None = None,
) -> list[Trigger]:
    """One school-gate post per bell event; ``rules_by_kind`` overrides ``rule`` per kind."""
    default = rule or PostRule()
    by_kind = rules_by_kind or {}
    school = calendar.name or calendar.school_id
    triggers: list[Trigger] = []
    # A day's early event may put its post on the day before, so look one day further.
    for d, event in school_events(calendar, start, end + timedelta(days=1), holiday_provider):
        post = by_kind.get(event.kind, default)
        first, last = post_window_on(d, event.time, post.lead_minutes, post.duration)
        if not start <= first.date() <= end:
            continue
        kind_zh, kind_en = EVENT_LABELS[event.kind]
        at = event.time.strftime("%H:%M")
        label = f"（{event.label}）" if event.label else ""
        label_en = f" ({event.label})" if event.label else ""
        triggers.append(
            Trigger(
                first.date(),
                first.time(),
                last.time(),
                "school",
                f"护学岗：{school} {at} {kind_zh}{label}",
                f"school-gate post: {school} {at} {kind_en}{label_en}",
                zone_ids,
                calendar.school_id or None,
            )
        )
    return sort_triggers(triggers)


# -- 5. train passages -----------------------------------------------------------------------


def format_chainage(chainage_m: int) -> str:
    """A chainage in metres as a kilometre post: ``12300`` → ``K12+300``."""
    km, m = divmod(chainage_m, 1000)
    return f"K{km}+{m:03d}"


@dataclass(frozen=True)
class TrainPassage:
    """Trains pass ``chainage_m`` on a segment between ``window_start`` and ``window_end``.

    A single train is a window with equal ends; a busy spell (列车通过密集时段) a longer one;
    ``window_end`` earlier than ``window_start`` runs past midnight.  ``days_rule`` picks the
    days (of ``window_start``): ``daily``, ``weekdays`` (Mon–Fri), ``weekends``, ``odd_dates``
    / ``even_dates`` (单日/双日开行), or a set of ISO weekdays (1 = Monday); ``valid_from`` /
    ``valid_to`` bound it (调图, 临客).
    """

    segment_id: str
    chainage_m: int
    direction: str
    window_start: time
    window_end: time
    days_rule: DaysRule = "daily"
    valid_from: date | None = None
    valid_to: date | None = None
    train_no: str = ""
    zone_ids: tuple[str, ...] = ()
    source_id: str | None = None

    def __post_init__(self) -> None:
        rule = self.days_rule
        if isinstance(rule, str):
            if rule not in ("daily", "weekdays", "weekends", "odd_dates", "even_dates"):
                raise ValueError(f"unknown days_rule {rule!r}")
        else:
            object.__setattr__(self, "days_rule", frozenset(rule))
            if not rule or any(not 1 <= x <= 7 for x in rule):
                raise ValueError("days_rule weekdays must be 1 (Monday) … 7 (Sunday)")

    def runs_on(self, d: date) -> bool:
        """Whether the passage happens on ``d``."""
        if self.valid_from is not None and d < self.valid_from:
            return False
        if self.valid_to is not None and d > self.valid_to:
            return False
        rule = self.days_rule
        if rule == "daily":
            return True
        if rule == "weekdays":
            return d.isoweekday() <= 5
        if rule == "weekends":
            return d.isoweekday() >= 6
        if rule == "odd_dates":
            return d.day % 2 == 1
        if rule == "even_dates":
            return d.day % 2 == 0
        return not isinstance(rule, str) and d.isoweekday() in rule


def train_triggers(
    passages: Iterable[TrainPassage],
    start: date,
    end: date,
    *,
    lead_minutes: int = 15,
    lag_minutes: int = 5,
) -> list[Trigger]:
    """Be on the segment from ``lead_minutes`` before the window to ``lag_minutes`` after it.

    A trigger is dated by the day its window starts, so a 00:05 train gives a trigger on the
    day before, from 23:50 to 00:10.
    """
    triggers: list[Trigger] = []
    for passage in passages:
        span = datetime.combine(date(2000, 1, 3), passage.window_end) - datetime.combine(
            date(2000, 1, 3), passage.window_start
        )
        if span < timedelta(0):
            span += timedelta(days=1)
        where = format_chainage(passage.chainage_m)
        train_zh = f"{passage.train_no}次 " if passage.train_no else ""
        train_en = f"train {passage.train_no} " if passage.train_no else "trains "
        window_text = (
            f"{passage.window_start.strftime('%H:%M')}–{passage.window_end.strftime('%H:%M')}"
        )
        for d in date_range(start - timedelta(days=1), end + timedelta(days=1)):
            if not passage.runs_on(d):
                continue
            window_start = datetime.combine(d, passage.window_start)
            first = window_start - timedelta(minutes=lead_minutes)
            last = window_start + span + timedelta(minutes=lag_minutes)
            if not start <= first.date() <= end:
                continue
            triggers.append(
                Trigger(
                    first.date(),
                    first.time(),
                    last.time(),
                    "train",
                    f"列车通过：{train_zh}{passage.direction} {where} {window_text}",
                    f"{train_en}passing {where} ({passage.direction}) {window_text}",
                    passage.zone_ids,
                    passage.source_id,
                    passage.segment_id,
                )
            )
    return sort_triggers(triggers)


def merge_triggers(triggers: Iterable[Trigger], gap_minutes: int = 0) -> list[Trigger]:
    """Join triggers of the same date, kind, zones and segment whose windows overlap.

    Windows closer than ``gap_minutes`` are joined too (several trains in a row become one
    spell); reasons are joined with "；" / "; ".  All-day triggers absorb the timed ones of the
    same group.
    """
    groups: dict[tuple[date, str, tuple[str, ...], str | None], list[Trigger]] = {}
    for t in triggers:
        groups.setdefault((t.date, t.kind, t.zone_ids, t.segment_id), []).append(t)
    merged: list[Trigger] = []
    for group in groups.values():

        def span(t: Trigger) -> tuple[int, int]:
            first = _minutes(t.start, 0)
            last = _minutes(t.end, 24 * 60)
            return first, last + 24 * 60 if last < first else last

        group.sort(key=span)
        current: Trigger | None = None
        current_span = (0, 0)
        for t in group:
            s, e = span(t)
            joinable = (
                current is not None
                and s <= current_span[1] + gap_minutes
                # An all-day start cannot carry a window that runs past midnight.
                and not (current.start is None and max(current_span[1], e) > 24 * 60)
            )
            if current is not None and joinable:
                lo = current_span[0]
                hi = max(current_span[1], e)
                if hi > 24 * 60:  # runs past midnight: keep it shorter than a day
                    hi = min(hi, lo + 24 * 60 - 1)
                current = replace(
                    current,
                    end=_time_of(hi),
                    reason_zh=_join(current.reason_zh, t.reason_zh, "；"),
                    reason_en=_join(current.reason_en, t.reason_en, "; "),
                )
                current_span = (lo, hi)
            else:
                if current is not None:
                    merged.append(current)
                current, current_span = t, (s, e)
        if current is not None:
            merged.append(current)
    return sort_triggers(merged)


def _time_of(minute: int) -> time | None:
    if minute == 24 * 60:
        return None
    minute %= 24 * 60
    return time(minute // 60, minute % 60)


def _join(a: str, b: str, sep: str) -> str:
    return a if b in a.split(sep) else f"{a}{sep}{b}"
