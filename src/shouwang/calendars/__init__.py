"""Calendars for patrol planning: holidays and 调休, market days, school times, patrol triggers.

A pure package (standard library, ``chinese_calendar`` and ``lunar_python`` only; no Django):
the app stores the office's entries and calls these functions; the roster engine consumes the
:class:`~shouwang.calendars.triggers.Trigger` rows they produce.

* :mod:`~shouwang.calendars.holidays`: :class:`HolidayProvider` (statutory holidays, make-up
  working days, office overrides, the "year not published yet" warning, working-day deadlines);
* :mod:`~shouwang.calendars.market`: market-day patterns (逢三六九, 每周二、六, 五天一场, 丑巳酉 …);
* :mod:`~shouwang.calendars.school`: terms, summer/winter timetables, boarding schools;
* :mod:`~shouwang.calendars.triggers`: the five mandatory patrol triggers (五必巡逻);
* :mod:`~shouwang.calendars.lunar`: lunar dates and day branches.
"""

from shouwang.calendars.holidays import (
    CalendarWarning,
    DayInfo,
    DayInfoSource,
    HolidayOverride,
    HolidayProvider,
    parse_overrides,
)
from shouwang.calendars.market import (
    MarketPattern,
    PatternError,
    describe_pattern,
    is_market_day,
    market_days,
    parse_pattern,
)
from shouwang.calendars.school import (
    BellEvent,
    SchoolCalendar,
    Term,
    Timetable,
    Vacation,
    post_window,
    school_events,
)
from shouwang.calendars.triggers import (
    KeyPeriod,
    LunarObservance,
    PostRule,
    TrainPassage,
    Trigger,
    WeatherRule,
    WeatherWarning,
    key_period_triggers,
    market_day_triggers,
    merge_triggers,
    school_triggers,
    train_triggers,
    weather_triggers,
)

__all__ = [
    "BellEvent",
    "CalendarWarning",
    "DayInfo",
    "DayInfoSource",
    "HolidayOverride",
    "HolidayProvider",
    "KeyPeriod",
    "LunarObservance",
    "MarketPattern",
    "PatternError",
    "PostRule",
    "SchoolCalendar",
    "Term",
    "Timetable",
    "TrainPassage",
    "Trigger",
    "Vacation",
    "WeatherRule",
    "WeatherWarning",
    "describe_pattern",
    "is_market_day",
    "key_period_triggers",
    "market_day_triggers",
    "market_days",
    "merge_triggers",
    "parse_overrides",
    "parse_pattern",
    "post_window",
    "school_events",
    "school_triggers",
    "train_triggers",
    "weather_triggers",
]
