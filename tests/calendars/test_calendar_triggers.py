"""The five mandatory patrol triggers (五必巡逻): key periods, markets, weather, schools, trains.

Plain pytest: the calendars package is pure, nothing here touches Django or the database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from shouwang.calendars.holidays import HolidayProvider
from shouwang.calendars.market import parse_pattern
from shouwang.calendars.school import BellEvent, SchoolCalendar, Term, Timetable
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
    parse_level,
    school_triggers,
    train_triggers,
    weather_triggers,
)

PROVIDER = HolidayProvider()


def test_seed_369_street_post_at_ten() -> None:
    triggers = market_day_triggers(
        parse_pattern("逢“369”赶集日"),
        date(2025, 8, 23),
        date(2025, 9, 21),
        zone_ids=("town_centre",),
        hours=(time(10, 0), time(12, 0)),
        name="栗子场",
        source_id="m1",
    )
    assert len(triggers) == 9
    first = triggers[0]
    assert first.kind == "market_day" and first.start == time(10, 0) and first.end == time(12)
    assert first.zone_ids == ("town_centre",) and first.source_id == "m1"
    assert "栗子场" in first.reason_zh and "农历逢三、六、九" in first.reason_zh
    assert "market day" in first.reason_en


def test_key_periods_statutory_holidays_and_lunar_days() -> None:
    period = KeyPeriod("县两会", date(2026, 9, 29), date(2026, 10, 2), ("z1",), level="二级")
    triggers = key_period_triggers(
        [period],
        date(2026, 9, 28),
        date(2026, 10, 8),
        holiday_provider=PROVIDER,
        holiday_zone_ids=("all",),
    )
    office = [t for t in triggers if t.zone_ids == ("z1",)]
    holidays = [t for t in triggers if t.zone_ids == ("all",)]
    assert [t.date.day for t in office] == [29, 30, 1, 2]
    assert "二级" in office[0].reason_zh
    assert [t.date.day for t in holidays] == [1, 2, 3, 4, 5, 6, 7]
    assert holidays[0].reason_zh == "法定节假日：国庆节"
    assert holidays[0].reason_en == "statutory holiday: National Day"
    assert all(t.kind == "key_period" and t.start is None and t.end is None for t in triggers)

    chuxi = LunarObservance(12, 30, "除夕", "New Year's Eve")
    zhongyuan = LunarObservance(7, 15, "中元节", days_before=1)
    lunar = key_period_triggers(
        [], date(2026, 1, 1), date(2026, 12, 31), observances=[chuxi, zhongyuan]
    )
    # 2025 腊月 has 29 days, so 除夕 is 腊月廿九 = 2026-02-16; 中元 2026 is 08-27.
    assert [t.date for t in lunar] == [date(2026, 2, 16), date(2026, 8, 26), date(2026, 8, 27)]


def test_weather_rule_matches_type_and_minimum_level() -> None:
    rule = WeatherRule(frozenset({"大风"}), "yellow", "清理铁路沿线轻飘物")
    start = datetime(2026, 3, 1, 8, 0)  # noqa: DTZ001 - local wall time

    def warning(kind: str, level: str) -> WeatherWarning:
        return WeatherWarning(kind, level, ("rail",), start)  # type: ignore[arg-type]

    assert rule.matches(warning("大风", "yellow"))
    assert rule.matches(warning("大风", "red"))
    assert not rule.matches(warning("大风", "blue"))
    assert not rule.matches(warning("暴雨", "red"))
    limited = WeatherRule(frozenset({"大风"}), "blue", zone_ids=frozenset({"rail"}))
    other_zone = WeatherWarning("大风", "red", ("hill",), start)
    assert weather_triggers([other_zone], [limited], date(2026, 3, 1), date(2026, 3, 1)) == []


def test_weather_triggers_split_a_warning_by_day() -> None:
    warning = WeatherWarning(
        "暴雨",
        "orange",
        ("v1", "v2"),
        datetime(2026, 7, 10, 10, 0, tzinfo=UTC),  # 18:00 in China
        datetime(2026, 7, 12, 6, 0),  # noqa: DTZ001 - naive = local
        source_id="w1",
    )
    rules = [
        WeatherRule(frozenset({"暴雨"}), "orange", "排查地质灾害点", "check landslide spots"),
        WeatherRule(frozenset({"暴雨"}), "red", "转移群众"),
    ]
    triggers = weather_triggers([warning], rules, date(2026, 7, 1), date(2026, 7, 31))
    assert [(t.date.day, t.start, t.end) for t in triggers] == [
        (10, time(18, 0), None),
        (11, None, None),
        (12, None, time(6, 0)),
    ]
    assert triggers[0].reason_zh == "暴雨橙色预警，排查地质灾害点"
    assert triggers[0].reason_en == "orange 暴雨 warning; check landslide spots"
    assert triggers[0].zone_ids == ("v1", "v2") and triggers[0].source_id == "w1"


def test_open_weather_warning_runs_to_the_end_of_the_range() -> None:
    warning = WeatherWarning("大雾", "yellow", ("z",), datetime(2026, 1, 5, 6, 0))  # noqa: DTZ001
    rule = WeatherRule(frozenset({"大雾"}), "yellow")
    triggers = weather_triggers([warning], [rule], date(2026, 1, 1), date(2026, 1, 7))
    assert [t.date.day for t in triggers] == [5, 6, 7]
    assert triggers[-1].end is None


def test_parse_level() -> None:
    assert parse_level("橙色") == "orange"
    assert parse_level("Ⅱ级") == "orange"
    assert parse_level("red") == "red"
    assert parse_level("蓝色预警") == "blue"
    with pytest.raises(ValueError):
        parse_level("紫")


def test_school_triggers_around_bell_events() -> None:
    week = {d: [BellEvent("dismissal", time(16, 0))] for d in (1, 2, 3, 4)}
    week[5] = [BellEvent("leave", time(13, 25))]
    week[7] = [BellEvent("return", time(14, 0))]
    school = SchoolCalendar(
        terms=[Term(date(2026, 9, 1), date(2027, 1, 22))],
        timetables=[Timetable("作息", week)],
        school_id="zx",
        name="栗子乡中学",
    )
    triggers = school_triggers(
        school,
        date(2026, 9, 10),
        date(2026, 9, 13),
        PROVIDER,
        zone_ids=("z",),
        rules_by_kind={"return": PostRule(30, 60)},
    )
    assert [(t.date.day, t.start, t.end) for t in triggers] == [
        (10, time(15, 40), time(16, 20)),
        (11, time(13, 5), time(13, 45)),
        (13, time(13, 30), time(14, 30)),
    ]
    assert all(t.kind == "school" and t.source_id == "zx" for t in triggers)
    assert "返校" in triggers[-1].reason_zh and "return" in triggers[-1].reason_en


def test_train_window_and_days_rule() -> None:
    passage = TrainPassage(
        "seg1",
        12300,
        "下行",
        time(14, 0),
        time(14, 30),
        days_rule="weekdays",
        valid_from=date(2026, 3, 2),
        train_no="K123",
        zone_ids=("rail",),
    )
    triggers = train_triggers([passage], date(2026, 2, 27), date(2026, 3, 8))
    assert [t.date.day for t in triggers] == [2, 3, 4, 5, 6]  # Mon–Fri from valid_from
    assert (triggers[0].start, triggers[0].end) == (time(13, 45), time(14, 35))
    assert triggers[0].segment_id == "seg1" and triggers[0].kind == "train"
    assert "K12+300" in triggers[0].reason_zh and "K123" in triggers[0].reason_zh


def test_train_after_midnight_starts_the_day_before() -> None:
    passage = TrainPassage("seg1", 500, "上行", time(0, 5), time(0, 5), days_rule=frozenset({6}))
    # Saturday 2026-03-07 00:05: the post runs Friday 23:50 → Saturday 00:10.
    triggers = train_triggers([passage], date(2026, 3, 6), date(2026, 3, 6))
    assert len(triggers) == 1
    t = triggers[0]
    assert (t.date, t.start, t.end) == (date(2026, 3, 6), time(23, 50), time(0, 10))
    assert t.crosses_midnight
    assert train_triggers([passage], date(2026, 3, 7), date(2026, 3, 7)) == []


def test_train_odd_dates_rule() -> None:
    passage = TrainPassage("s", 0, "下行", time(9), time(9), days_rule="odd_dates")
    triggers = train_triggers([passage], date(2026, 3, 30), date(2026, 4, 2))
    assert [t.date.day for t in triggers] == [31, 1]


def test_merge_triggers_joins_close_trains() -> None:
    passages = [
        TrainPassage("s", 100, "下行", time(10, 0), time(10, 0), train_no="K1"),
        TrainPassage("s", 100, "下行", time(10, 10), time(10, 10), train_no="K2"),
        TrainPassage("s", 100, "下行", time(15, 0), time(15, 0), train_no="K3"),
    ]
    day = date(2026, 3, 2)
    merged = merge_triggers(train_triggers(passages, day, day))
    assert [(t.start, t.end) for t in merged] == [
        (time(9, 45), time(10, 15)),
        (time(14, 45), time(15, 5)),
    ]
    assert "K1" in merged[0].reason_zh and "K2" in merged[0].reason_zh
    all_day = Trigger(day, None, None, "train", "全天", "all day", (), None, "s")
    assert len(merge_triggers([*train_triggers(passages, day, day), all_day])) == 1
