"""School calendars: terms, vacations, summer/winter timetables, boarding schools, overrides.

Plain pytest: the calendars package is pure, nothing here touches Django or the database.
"""

from __future__ import annotations

from datetime import date, time

import pytest

from shouwang.calendars.holidays import HolidayProvider
from shouwang.calendars.school import (
    BellEvent,
    SchoolCalendar,
    Term,
    Timetable,
    Vacation,
    post_window,
    school_days_without_timetable,
    school_events,
)

ARRIVE = BellEvent("arrival", time(7, 50))
SUMMER_DISMISS = BellEvent("dismissal", time(17, 0))
WINTER_DISMISS = BellEvent("dismissal", time(16, 30))
WEEKDAYS = (1, 2, 3, 4, 5)

SUMMER = Timetable("夏季作息", {d: [ARRIVE, SUMMER_DISMISS] for d in WEEKDAYS}, (5, 1), (9, 30))
WINTER = Timetable("冬季作息", {d: [ARRIVE, WINTER_DISMISS] for d in WEEKDAYS}, (10, 1), (4, 30))

SPRING_2026 = Term(date(2026, 3, 2), date(2026, 7, 10), "2025-2026学年第二学期")
AUTUMN_2026 = Term(date(2026, 9, 1), date(2027, 1, 22), "2026-2027学年第一学期")
SUMMER_BREAK = Vacation(date(2026, 7, 11), date(2026, 8, 31), "暑假")
AUTUMN_BREAK = Vacation(date(2026, 11, 9), date(2026, 11, 11), "秋假")

PROVIDER = HolidayProvider()


def day_school(**changes: object) -> SchoolCalendar:
    fields: dict[str, object] = {
        "terms": [SPRING_2026, AUTUMN_2026],
        "vacations": [SUMMER_BREAK, AUTUMN_BREAK],
        "timetables": [SUMMER, WINTER],
        "school_id": "zxx",
        "name": "栗子乡中心校",
    }
    fields.update(changes)
    return SchoolCalendar(**fields)  # type: ignore[arg-type]


def boarding_school() -> SchoolCalendar:
    """Seed 001's 中学: leave on Friday 13:25, return on Sunday 14:00."""
    week = {d: [ARRIVE, WINTER_DISMISS] for d in (1, 2, 3, 4)}
    week[5] = [ARRIVE, BellEvent("leave", time(13, 25))]
    week[7] = [BellEvent("return", time(14, 0))]
    return SchoolCalendar(
        terms=[AUTUMN_2026],
        timetables=[Timetable("寄宿作息", week)],
        school_id="zx",
        name="栗子乡中学",
    )


def on(calendar: SchoolCalendar, d: date) -> list[BellEvent]:
    return [event for day, event in school_events(calendar, d, d, PROVIDER)]


def test_no_events_in_vacations_or_outside_terms() -> None:
    school = day_school()
    assert school_events(school, date(2026, 7, 11), date(2026, 8, 31), PROVIDER) == []
    assert school_events(school, date(2026, 11, 9), date(2026, 11, 11), PROVIDER) == []
    assert on(school, date(2026, 11, 12)) == [ARRIVE, WINTER_DISMISS]
    assert on(school, date(2026, 7, 10)) == [ARRIVE, SUMMER_DISMISS]  # last day of term


def test_no_events_on_statutory_holidays_or_plain_weekends() -> None:
    school = day_school()
    assert school_events(school, date(2026, 10, 1), date(2026, 10, 7), PROVIDER) == []
    assert on(school, date(2026, 9, 12)) == []  # ordinary Saturday


def test_summer_and_winter_timetables_switch_on_october_first() -> None:
    school = day_school()
    assert on(school, date(2026, 9, 30)) == [ARRIVE, SUMMER_DISMISS]
    assert on(school, date(2026, 10, 8)) == [ARRIVE, WINTER_DISMISS]
    assert on(school, date(2026, 4, 30)) == [ARRIVE, WINTER_DISMISS]
    assert on(school, date(2026, 5, 6)) == [ARRIVE, SUMMER_DISMISS]


def test_make_up_workday_uses_the_monday_timetable() -> None:
    school = day_school()
    # 2026-10-10 is a Saturday working day (调休上班); 2026-09-20 a Sunday one.
    assert on(school, date(2026, 10, 10)) == [ARRIVE, WINTER_DISMISS]
    assert on(school, date(2026, 9, 20)) == [ARRIVE, SUMMER_DISMISS]


def test_boarding_school_leaves_friday_and_returns_sunday() -> None:
    school = boarding_school()
    events = school_events(school, date(2026, 9, 7), date(2026, 9, 13), PROVIDER)
    assert (date(2026, 9, 11), BellEvent("leave", time(13, 25))) in events
    assert (date(2026, 9, 13), BellEvent("return", time(14, 0))) in events
    assert [e for d, e in events if d == date(2026, 9, 12)] == []  # Saturday
    assert {e.kind for _, e in events} == {"arrival", "dismissal", "leave", "return"}


def test_boarding_sunday_that_is_a_make_up_workday_follows_monday() -> None:
    # 2026-09-20 is a Sunday working day: classes as on Monday, no Sunday return.
    assert [e.kind for e in on(boarding_school(), date(2026, 9, 20))] == [
        "arrival",
        "dismissal",
    ]


def test_overrides_replace_cancel_and_add_days() -> None:
    storm_day = date(2026, 9, 15)
    early = BellEvent("dismissal", time(14, 0), "暴雨提前放学")
    sunday_before_term = date(2026, 8, 30)
    back = BellEvent("return", time(15, 0), "开学返校")
    school = day_school(
        overrides={
            storm_day: [early, ARRIVE],
            date(2026, 9, 16): None,
            sunday_before_term: [back],
        }
    )
    assert on(school, storm_day) == [ARRIVE, early]
    assert on(school, date(2026, 9, 16)) == []
    assert on(school, sunday_before_term) == [back]  # outside the term, the override wins


def test_dated_timetable_beats_the_season() -> None:
    exam = Timetable(
        "期末考试",
        {d: [BellEvent("dismissal", time(11, 30))] for d in WEEKDAYS},
        date_ranges=((date(2027, 1, 18), date(2027, 1, 22)),),
    )
    school = day_school(timetables=[SUMMER, WINTER, exam])
    assert on(school, date(2027, 1, 19)) == [BellEvent("dismissal", time(11, 30))]
    assert on(school, date(2027, 1, 15)) == [ARRIVE, WINTER_DISMISS]


def test_gaps_in_the_timetables_are_reported() -> None:
    school = day_school(timetables=[SUMMER])
    gaps = school_days_without_timetable(school, date(2026, 9, 28), date(2026, 10, 12), PROVIDER)
    assert gaps == [date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10), date(2026, 10, 12)]


def test_post_window() -> None:
    assert post_window(time(16, 0), 20, 40) == (time(15, 40), time(16, 20))
    assert post_window(time(7, 50), 30, 45) == (time(7, 20), time(8, 5))
    start, end = post_window(time(23, 50), 10, 30)
    assert (start, end) == (time(23, 40), time(0, 10)) and end < start
    with pytest.raises(ValueError):
        post_window(time(8, 0), 10, 0)


def test_invalid_school_data_is_refused() -> None:
    with pytest.raises(ValueError):
        Term(date(2026, 9, 1), date(2026, 8, 1))
    with pytest.raises(ValueError):
        Timetable("x", {8: []})
    with pytest.raises(ValueError):
        Timetable("x", {}, (2, 30), (3, 1))
    with pytest.raises(ValueError):
        BellEvent("lunch", time(12))  # type: ignore[arg-type]
