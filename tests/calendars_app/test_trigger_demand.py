"""Trigger-driven duty rules (rostering/demand.py): the dated windows of each new recurrence."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from typing import Any

import pytest
from calendar_helpers import key_place, post, rule, school_calendar, timetable, zone

from shouwang.calendars import services as calendars
from shouwang.calendars.market import market_days, parse_pattern
from shouwang.core.records import RecordInvalid
from shouwang.rostering import adapter, demand
from shouwang.rostering.models import DutyRule

NOV = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
OCT = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
JUL = (dt.date(2026, 7, 1), dt.date(2026, 7, 31))


def fresh(rule_obj: DutyRule) -> DutyRule:
    """The rule re-read (no cached run), as a new planning run would see it."""
    return DutyRule.objects.select_related("post").get(pk=rule_obj.pk)


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm))


# -- weekly ------------------------------------------------------------------------------------


def test_weekly_spreads_days_and_avoids_market_days(world: Any) -> None:
    r = rule(world, recurrence="weekly", times_per_week=2, market_pattern="逢三六九")
    dates = adapter.rule_dates(r, *NOV)
    market = set(market_days(parse_pattern("逢三六九"), dt.date(2026, 10, 26), NOV[1]))
    assert dates and not set(dates) & market
    weeks: dict[int, list[dt.date]] = defaultdict(list)
    for d in dates:
        weeks[d.isocalendar()[1]].append(d)
    # Full ISO weeks inside November (Mon 2 … Sun 29) have exactly two days each.
    for week in range(45, 49):
        assert len(weeks[week]) == 2, weeks
    # Deterministic: a new run gives the same days.
    assert adapter.rule_dates(fresh(r), *NOV) == dates
    # The duty window is the rule's usual one (post: 07:30, 60 minutes, 20 minutes ahead).
    span = adapter.window(r, dates[0])
    assert (span.start, span.end) == (at(dates[0], "07:10"), at(dates[0], "08:30"))


def test_weekly_without_markets_spreads_evenly(world: Any) -> None:
    other = zone(world, "无集区域")
    p = post(world, "企业区巡逻", zone=other.pk)
    r = rule(world, p, recurrence="weekly", times_per_week=2)
    dates = adapter.rule_dates(r, dt.date(2026, 11, 2), dt.date(2026, 11, 8))
    assert len(dates) == 2 and (dates[1] - dates[0]).days >= 3


def test_weekly_avoids_the_zones_market_rules(world: Any) -> None:
    market_post = post(world, "街面岗")
    rule(world, market_post, recurrence="market_days", market_pattern="逢三六九")
    r = rule(world, recurrence="weekly", times_per_week=3)
    market = set(adapter.rule_dates(fresh(DutyRule.objects.get(post=market_post)), *NOV))
    dates = adapter.rule_dates(r, *NOV)
    assert dates and not set(dates) & market


def test_weekly_needs_a_day_count(world: Any) -> None:
    with pytest.raises(RecordInvalid) as exc:
        rule(world, recurrence="weekly", times_per_week=9)
    assert "times_per_week" in exc.value.errors


# -- rrule -------------------------------------------------------------------------------------


def test_rrule_dates(world: Any) -> None:
    r = rule(world, recurrence="rrule", rrule="FREQ=WEEKLY;BYDAY=TU,TH")
    dates = adapter.rule_dates(r, *NOV)
    assert dates and {d.isoweekday() for d in dates} == {2, 4}
    assert len(dates) == 8


def test_rrule_interval_is_stable_across_months(world: Any) -> None:
    r = rule(world, recurrence="rrule", rrule="RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO")
    nov = adapter.rule_dates(r, *NOV)
    dec = adapter.rule_dates(fresh(r), dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    both = nov + dec
    assert all((b - a).days == 14 for a, b in itertools.pairwise(both))


@pytest.mark.parametrize("text", ["FREQ=SOMETIMES", "BYDAY=XX", "", "FREQ=SECONDLY"])
def test_bad_rrule_is_refused_naming_the_field(world: Any, text: str) -> None:
    with pytest.raises(RecordInvalid) as exc:
        rule(world, recurrence="rrule", rrule=text)
    assert "rrule" in exc.value.errors
    assert not DutyRule.objects.filter(recurrence="rrule").exists()


# -- school days -------------------------------------------------------------------------------


def test_school_days_follow_the_bell_vacations_and_holidays(world: Any) -> None:
    school_calendar(
        world,
        vacations=[{"name": "秋假", "start": "2026-11-09", "end": "2026-11-10"}],
        overrides={"2026-11-20": [{"kind": "dismissal", "time": "15:00", "label": "暴雨"}]},
    )
    r = rule(
        world,
        recurrence="school_days",
        school_event="dismissal",
        lead_minutes=20,
        duration_minutes=40,
    )
    oct_dates = adapter.rule_dates(r, *OCT)
    # National Day (1–7 October 2026) has no school; Saturday 10 October is a make-up
    # working day (Monday timetable), Sunday 11 October is not.
    assert not any(dt.date(2026, 10, d) in oct_dates for d in range(1, 8))
    assert dt.date(2026, 10, 10) in oct_dates and dt.date(2026, 10, 11) not in oct_dates
    monday = dt.date(2026, 10, 12)
    span = adapter.window(r, monday)  # winter timetable from 10-01: dismissal 16:00
    assert (span.start, span.end) == (at(monday, "15:40"), at(monday, "16:40"))

    nov = adapter.rule_dates(fresh(r), *NOV)
    assert dt.date(2026, 11, 9) not in nov and dt.date(2026, 11, 10) not in nov
    assert dt.date(2026, 11, 11) in nov
    again = fresh(r)
    override = demand.window_on(again, dt.date(2026, 11, 20))
    assert override is not None and override.start == at(dt.date(2026, 11, 20), "14:40")
    assert "暴雨" in override.reason


def test_summer_timetable_until_the_switch(world: Any) -> None:
    school_calendar(world)
    r = rule(world, recurrence="school_days", school_event="dismissal", lead_minutes=20)
    day = dt.date(2026, 9, 30)
    span = adapter.window(r, day) if day in adapter.rule_dates(r, day, day) else None
    assert span is not None and span.start == at(day, "16:10")


def test_several_bells_in_a_day_are_spanned(world: Any) -> None:
    school_calendar(world)
    r = rule(world, recurrence="school_days", lead_minutes=20, duration_minutes=40)
    (window,) = demand.windows(r, dt.date(2026, 11, 2), dt.date(2026, 11, 2))
    assert (window.start, window.end) == (
        at(window.date, "07:40"),
        at(window.date, "16:40"),
    )
    assert "上学" in window.reason and "放学" in window.reason


def test_boarding_school_leave_and_return(world: Any) -> None:
    school = key_place(world, "乡中学")
    table = timetable(("leave", "13:25"), days=[5]) | timetable(("return", "14:00"), days=[7])
    school_calendar(world, school=school, summer_timetable=table, winter_timetable=table)
    p = post(world, "中学护学岗", key_place=school.pk)
    leave = rule(world, p, recurrence="school_days", school_event="leave", lead_minutes=20)
    back = rule(world, p, recurrence="school_days", school_event="return", lead_minutes=20)
    assert {d.isoweekday() for d in adapter.rule_dates(leave, *NOV)} == {5}
    assert {d.isoweekday() for d in adapter.rule_dates(back, *NOV)} == {7}
    friday = dt.date(2026, 11, 6)
    assert adapter.window(leave, friday).start == at(friday, "13:05")


def test_school_without_calendar_gives_no_duties_and_a_warning(world: Any) -> None:
    school = key_place(world, "无校历小学")
    p = post(world, "无校历护学岗", key_place=school.pk)
    r = rule(world, p, recurrence="school_days")
    assert adapter.rule_dates(r, *NOV) == []
    (warning,) = demand.warnings_of([r], *NOV)
    assert warning["code"] == "school_calendar_missing"
    assert "无校历小学" in warning["message_zh"]


def test_school_day_rule_needs_a_school(world: Any) -> None:
    p = post(world, "路口岗", key_place="")
    with pytest.raises(RecordInvalid) as exc:
        rule(world, p, recurrence="school_days")
    assert "post" in exc.value.errors


# -- key periods -------------------------------------------------------------------------------


def test_key_periods_and_statutory_holidays(world: Any) -> None:
    a = world.a
    elsewhere = zone(world, "别的区域")

    def period(name: str, first: str, last: str, **values: Any) -> None:
        data = {
            "name": name,
            "jurisdiction": a.township.pk,
            "start_date": first,
            "end_date": last,
            "zones": [a.zone.pk],
            "level": "",
            "note": "",
        }
        data.update(values)
        calendars.create_key_period(actor=world.admin, data=data)

    period("进博会安保", "2026-10-20", "2026-10-22")
    period("别处活动", "2026-10-25", "2026-10-25", zones=[elsewhere.pk])
    period("全县敏感节点", "2026-10-28", "2026-10-28", zones=[], jurisdiction=a.county.pk)
    period("乙县活动", "2026-10-29", "2026-10-29", zones=[], jurisdiction=world.b.township.pk)
    r = rule(world, recurrence="key_periods", start_time="19:00", duration_minutes=180)
    dates = set(adapter.rule_dates(r, *OCT))
    holidays = {
        d for d in adapter.days_of(*OCT) if demand.holidays_for_rule(r).day_info(d).is_holiday
    }
    assert dt.date(2026, 10, 1) in holidays
    expected = holidays | {dt.date(2026, 10, d) for d in (20, 21, 22, 28)}
    assert dates == expected
    w = demand.window_on(r, dt.date(2026, 10, 21))
    assert (
        w is not None and "进博会安保" in w.reason and w.start == at(w.date, "18:40")
    )  # 20 minutes ahead


# -- weather -----------------------------------------------------------------------------------


def _warning(world: Any, level: str, start: str, end: str | None, zones: Any = None) -> Any:
    a = world.a
    return calendars.create_weather_warning(
        actor=world.admin,
        data={
            "kind": "rainstorm",
            "level": level,
            "starts_at": start,
            "ends_at": end or "",
            "zones": [a.zone.pk] if zones is None else zones,
            "issuer": "县气象台",
            "jurisdiction": a.township.pk,
            "note": "",
        },
    )


def test_weather_threshold_and_clipping(world: Any) -> None:
    _warning(world, "yellow", "2026-07-05T08:00+08:00", "2026-07-05T20:00+08:00")
    _warning(world, "orange", "2026-07-10T18:00+08:00", "2026-07-11T21:00+08:00")
    _warning(world, "red", "2026-07-15T08:00+08:00", "2026-07-15T12:00+08:00")
    _warning(world, "red", "2026-07-20T00:00+08:00", "2026-07-21T00:00+08:00", zones=[])
    _warning(world, "red", "2026-07-25T00:00+08:00", None, zones=[zone(world, "他处").pk])
    r = rule(
        world,
        recurrence="weather",
        min_warning_level="orange",
        start_time="20:00",
        duration_minutes=120,
        lead_minutes=0,
    )
    found = {w.date: w for w in demand.windows(r, *JUL)}
    day = dt.date
    assert set(found) == {day(2026, 7, 10), day(2026, 7, 11), day(2026, 7, 15), day(2026, 7, 20)}
    assert (found[day(2026, 7, 10)].start, found[day(2026, 7, 10)].end) == (
        at(day(2026, 7, 10), "20:00"),
        at(day(2026, 7, 10), "22:00"),
    )
    # Lifted at 21:00: the duty ends with the warning.
    assert found[day(2026, 7, 11)].end == at(day(2026, 7, 11), "21:00")
    # 08:00–12:00 misses the 20:00 window: called out when the warning starts.
    assert (found[day(2026, 7, 15)].start, found[day(2026, 7, 15)].end) == (
        at(day(2026, 7, 15), "08:00"),
        at(day(2026, 7, 15), "10:00"),
    )
    assert "暴雨" in found[day(2026, 7, 15)].reason and "红色" in found[day(2026, 7, 15)].reason


def test_weather_rule_needs_a_level(world: Any) -> None:
    with pytest.raises(RecordInvalid) as exc:
        rule(world, recurrence="weather")
    assert "min_warning_level" in exc.value.errors


def test_lower_threshold_takes_more_warnings(world: Any) -> None:
    _warning(world, "blue", "2026-07-05T08:00+08:00", "2026-07-05T20:00+08:00")
    strict = rule(world, recurrence="weather", min_warning_level="yellow")
    loose = rule(world, recurrence="weather", min_warning_level="blue")
    assert adapter.rule_dates(strict, *JUL) == []
    assert adapter.rule_dates(loose, *JUL) == [dt.date(2026, 7, 5)]


# -- train passages ----------------------------------------------------------------------------


def _passage(world: Any, time: str, **values: Any) -> Any:
    a = world.a
    data = {
        "segment": a.segment.pk,
        "chainage_m": "K261+500",
        "train_no": "",
        "direction": "up",
        "passes_at": time,
        "days": "daily",
        "valid_from": "",
        "valid_to": "",
        "jurisdiction": a.township.pk,
        "note": "",
    }
    data.update(values)
    return calendars.create_train_passage(actor=world.admin, data=data)


def test_train_passages_close_together_are_merged(world: Any) -> None:
    _passage(world, "21:00", train_no="K101")
    _passage(world, "21:40", train_no="K103", direction="down")
    r = rule(
        world,
        post(world, "护路岗"),
        recurrence="train_passages",
        lead_minutes=15,
        duration_minutes=10,
    )
    found = demand.windows(r, *NOV)
    assert len(found) == 30
    first = found[0]
    assert (first.start, first.end) == (at(first.date, "20:45"), at(first.date, "21:50"))
    assert "K101" in first.reason and "K103" in first.reason


def test_train_passages_validity_days_and_midnight(world: Any) -> None:
    _passage(world, "23:55", days="weekdays", valid_from="2026-11-10", valid_to="2026-11-20")
    r = rule(
        world,
        post(world, "护路岗"),
        recurrence="train_passages",
        lead_minutes=15,
        duration_minutes=10,
    )
    found = {w.date: w for w in demand.windows(r, *NOV)}
    expected = {
        d
        for d in adapter.days_of(dt.date(2026, 11, 10), dt.date(2026, 11, 20))
        if d.isoweekday() <= 5
    }
    assert set(found) == expected
    monday = dt.date(2026, 11, 16)
    assert (found[monday].start, found[monday].end) == (
        at(monday, "23:40"),
        at(monday + dt.timedelta(days=1), "00:05"),
    )


def test_train_rule_needs_a_segment(world: Any) -> None:
    p = post(world, "无区段岗", segment="")
    with pytest.raises(RecordInvalid) as exc:
        rule(world, p, recurrence="train_passages")
    assert "post" in exc.value.errors


def test_a_month_is_computed_with_few_queries(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    _passage(world, "21:00")
    r = fresh(rule(world, post(world, "护路岗"), recurrence="train_passages"))
    with django_assert_max_num_queries(5):
        days = adapter.rule_dates(r, *NOV)
        for d in days:
            adapter.window(r, d)
    assert len(days) == 30
