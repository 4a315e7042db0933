"""HolidayProvider: chinese_calendar data, office overrides, unknown-year fallback, deadlines.

Plain pytest: the calendars package is pure, nothing here touches Django or the database.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from shouwang.calendars.holidays import (
    LIBRARY_YEARS,
    YEAR_UNKNOWN,
    HolidayOverride,
    HolidayProvider,
    _library_day,
    parse_overrides,
)


def test_2026_national_day_is_a_library_holiday() -> None:
    info = HolidayProvider().day_info(date(2026, 10, 1))
    assert info.is_holiday and not info.is_workday and not info.is_adjusted_workday
    assert info.holiday_name == "国庆节"
    assert info.holiday_name_en == "National Day"
    assert info.source == "library"


def test_weekend_inside_a_holiday_period_is_a_holiday() -> None:
    info = HolidayProvider().day_info(date(2026, 10, 3))  # Saturday of 国庆
    assert info.is_holiday and not info.is_workday


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 9, 20), "国庆节"),  # Sunday
        (date(2026, 10, 10), "国庆节"),  # Saturday
        (date(2026, 2, 14), "春节"),  # Saturday
        (date(2026, 1, 4), "元旦"),  # Sunday
    ],
)
def test_2026_make_up_weekend_days_are_adjusted_workdays(day: date, name: str) -> None:
    assert day.weekday() >= 5
    info = HolidayProvider().day_info(day)
    assert info.is_workday and info.is_adjusted_workday and not info.is_holiday
    assert info.holiday_name == name
    assert info.source == "library"


def test_plain_weekend_is_neither_workday_nor_holiday() -> None:
    info = HolidayProvider().day_info(date(2026, 3, 7))  # an ordinary Saturday
    assert not info.is_workday and not info.is_holiday and info.is_rest_day
    assert info.holiday_name is None


def test_unknown_year_falls_back_to_weekdays_and_warns() -> None:
    provider = HolidayProvider()
    assert not provider.year_known(2031)
    national_day = provider.day_info(date(2031, 10, 1))  # a Wednesday; no exception
    assert national_day.is_workday and not national_day.is_holiday
    assert national_day.source == "weekday-fallback"
    saturday = provider.day_info(date(2031, 10, 4))
    assert not saturday.is_workday and saturday.source == "weekday-fallback"

    warnings = provider.warnings_for(date(2030, 12, 20), date(2031, 1, 10))
    assert [w.year for w in warnings] == [2030, 2031]
    assert {w.code for w in warnings} == {YEAR_UNKNOWN}
    assert "2031" in warnings[1].message_zh and "2031" in warnings[1].message_en
    assert str(warnings[1]) == warnings[1].message_zh
    assert provider.warnings_for(date(2026, 1, 1), date(2026, 12, 31)) == []


def test_override_makes_a_date_in_an_unknown_year_a_holiday() -> None:
    provider = HolidayProvider(
        [
            HolidayOverride(date(2031, 10, 1), "holiday", "国庆节"),
            HolidayOverride(date(2031, 9, 28), "workday", "国庆节"),  # a Sunday
        ]
    )
    info = provider.day_info(date(2031, 10, 1))
    assert info.is_holiday and not info.is_workday
    assert info.holiday_name == "国庆节" and info.source == "override"
    make_up = provider.day_info(date(2031, 9, 28))
    assert make_up.is_workday and make_up.is_adjusted_workday and make_up.source == "override"
    # The year now counts as entered: plain days follow the office's arrangement, no warning.
    assert provider.year_known(2031)
    assert provider.day_info(date(2031, 10, 8)).source == "override"
    assert provider.warnings_for(date(2031, 1, 1), date(2031, 12, 31)) == []


def test_single_local_override_can_leave_the_year_unknown() -> None:
    provider = HolidayProvider(
        [HolidayOverride(date(2031, 3, 5), "holiday", "乡里放假")], complete_years=()
    )
    assert provider.day_info(date(2031, 3, 5)).is_holiday
    assert provider.day_info(date(2031, 3, 6)).source == "weekday-fallback"
    assert [w.year for w in provider.warnings_for(date(2031, 3, 1), date(2031, 3, 31))] == [2031]


def test_override_wins_over_the_library() -> None:
    provider = HolidayProvider(
        [
            HolidayOverride(date(2026, 10, 10), "holiday", "本地调整"),
            HolidayOverride(date(2026, 10, 8), "holiday", "本地调整"),
        ]
    )
    assert provider.day_info(date(2026, 10, 10)).is_holiday
    assert not provider.day_info(date(2026, 10, 10)).is_adjusted_workday
    assert provider.day_info(date(2026, 10, 8)).source == "override"


def test_conflicting_overrides_are_refused() -> None:
    with pytest.raises(ValueError, match="conflicting"):
        HolidayProvider(
            [
                HolidayOverride(date(2031, 1, 1), "holiday"),
                HolidayOverride(date(2031, 1, 1), "workday"),
            ]
        )


def test_working_days_between_skips_the_national_day_holiday() -> None:
    provider = HolidayProvider()
    start = date(2026, 9, 30)  # Wednesday, the last working day before 国庆
    assert provider.working_days_between(start, 0) == start
    assert provider.working_days_between(start, 1) == date(2026, 10, 8)
    # 10-08 Thu, 10-09 Fri, 10-10 Sat (调休上班)
    assert provider.working_days_between(start, 3) == date(2026, 10, 10)
    assert provider.working_days_between(date(2026, 10, 8), -1) == start


def test_working_days_between_in_an_unknown_year_counts_weekdays() -> None:
    provider = HolidayProvider()
    assert provider.working_days_between(date(2031, 1, 3), 1) == date(2031, 1, 6)  # Fri → Mon
    assert provider.working_days_between(date(2031, 1, 3), 5) == date(2031, 1, 10)


def test_holidays_between_lists_the_holiday_period() -> None:
    days = HolidayProvider().holidays_between(date(2026, 9, 28), date(2026, 10, 12))
    assert [d.date.day for d in days] == [1, 2, 3, 4, 5, 6, 7]


def test_parse_overrides_reads_an_import() -> None:
    rows = parse_overrides(
        "date,kind,name\n# 2031 arrangement\n2031-10-01,休,国庆节\n2031-09-28,班,国庆节\n\n"
    )
    assert rows == [
        HolidayOverride(date(2031, 10, 1), "holiday", "国庆节"),
        HolidayOverride(date(2031, 9, 28), "workday", "国庆节"),
    ]
    with pytest.raises(ValueError, match="line 1"):
        parse_overrides("2031-13-01,holiday")
    with pytest.raises(ValueError, match="line 2"):
        parse_overrides("2031-10-01,holiday\n2031-10-02,maybe")


def test_library_exception_for_unknown_years_is_caught() -> None:
    # chinese_calendar raises NotImplementedError outside its table; the wrapper returns None.
    assert 2031 not in LIBRARY_YEARS and 2026 in LIBRARY_YEARS
    assert _library_day(date(2031, 10, 1)) is None
    assert _library_day(date(2003, 10, 1)) is None


def test_day_info_accepts_a_datetime() -> None:
    info = HolidayProvider().day_info(datetime(2026, 10, 1, 9, 30))  # noqa: DTZ001
    assert info.date == date(2026, 10, 1) and info.is_holiday
