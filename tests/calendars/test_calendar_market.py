"""Market-day patterns: parsing the usual wording, and the dates of every pattern kind.

Plain pytest: the calendars package is pure, nothing here touches Django or the database.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from shouwang.calendars.lunar import BRANCHES, lunar_day
from shouwang.calendars.market import (
    MarketPattern,
    PatternError,
    describe_pattern,
    is_market_day,
    market_days,
    parse_pattern,
)


def _days(first: date, *offsets: int) -> list[date]:
    return [first + timedelta(days=o) for o in offsets]


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("逢一四七", (1, 4, 7)),
        ("逢二五八", (2, 5, 8)),
        ("逢三六九", (3, 6, 9)),
        ("逢四七十", (4, 7, 10)),
        ("逢五逢十", (5, 10)),
        ("逢“369”赶集日", (3, 6, 9)),
        ('逢"369"', (3, 6, 9)),
        ("逢1、4、7", (1, 4, 7)),
        ("逢4、7、10日", (4, 7, 10)),
        ("农历三、六、九逢场", (3, 6, 9)),
        ("逢３６９", (3, 6, 9)),
    ],
)
def test_parse_tail_patterns_default_to_lunar(text: str, days: tuple[int, ...]) -> None:
    assert parse_pattern(text) == MarketPattern("lunar", days)


def test_parse_gregorian_and_calendar_argument() -> None:
    assert parse_pattern("公历逢1、4、7") == MarketPattern("gregorian", (1, 4, 7))
    assert parse_pattern("阳历逢三六九") == MarketPattern("gregorian", (3, 6, 9))
    assert parse_pattern("逢三六九", calendar="gregorian").calendar == "gregorian"
    assert parse_pattern("农历逢三六九", calendar="gregorian").calendar == "lunar"


def test_parse_odd_even_weekday_interval_branch() -> None:
    assert parse_pattern("逢单") == MarketPattern("odd_even", ("odd",))
    assert parse_pattern("双日") == MarketPattern("odd_even", ("even",))
    assert parse_pattern("农历逢单") == MarketPattern("lunar", (1, 3, 5, 7, 9))
    assert parse_pattern("每周二、六") == MarketPattern("weekday", (2, 6))
    assert parse_pattern("星期二、星期六赶集") == MarketPattern("weekday", (2, 6))
    assert parse_pattern("周日") == MarketPattern("weekday", (7,))
    anchor = date(2025, 1, 3)
    assert parse_pattern("五天一场", anchor=anchor) == MarketPattern("interval", (), anchor, 5)
    assert parse_pattern("每7天一集", anchor=anchor).every_n == 7
    assert parse_pattern("十天一场", anchor=anchor).every_n == 10
    branch = MarketPattern("branch", ("丑", "巳", "酉"))
    for text in ("丑巳酉", "逢丑、巳、酉日", "空三赶四赶丑巳酉日", "逢牛蛇鸡", "酉巳丑"):
        assert parse_pattern(text) == branch


def test_parse_passes_the_lunar_30_rule() -> None:
    assert parse_pattern("逢五逢十", lunar_30_rule="move_to_29").lunar_30_rule == "move_to_29"


@pytest.mark.parametrize(
    "text", ["", "逢1、15", "逢一、十五", "每月初一", "十天三场", "五天一场", "农历公历逢三", "逢x"]
)
def test_parse_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(PatternError) as caught:
        parse_pattern(text)
    assert caught.value.message_zh and caught.value.message_en


def test_invalid_patterns_are_refused() -> None:
    with pytest.raises(PatternError):
        MarketPattern("lunar", (11,))
    with pytest.raises(PatternError):
        MarketPattern("weekday", (0,))
    with pytest.raises(PatternError):
        MarketPattern("interval", every_n=5)
    with pytest.raises(PatternError):
        MarketPattern("branch", ("甲",))
    with pytest.raises(PatternError):
        MarketPattern("lunar", ())


def test_lunar_369_in_an_ordinary_month() -> None:
    # 2025 lunar 七月 (30 days) starts 2025-08-23.
    first = date(2025, 8, 23)
    assert lunar_day(first).month == 7 and lunar_day(first).day == 1
    got = market_days(parse_pattern("逢三六九"), first, first + timedelta(days=29))
    assert got == _days(first, 2, 5, 8, 12, 15, 18, 22, 25, 28)


def test_lunar_pattern_repeats_in_leap_month_2020_fourth() -> None:
    # 2020 闰四月: 2020-05-23 … 2020-06-20 (29 days).
    first, last = date(2020, 5, 23), date(2020, 6, 20)
    assert lunar_day(first).month == -4 and lunar_day(last).day == 29
    got = market_days(parse_pattern("逢二五八"), first, last)
    assert got == _days(first, 1, 4, 7, 11, 14, 17, 21, 24, 27)


def test_lunar_pattern_repeats_in_leap_month_2023_second() -> None:
    # 2023 闰二月: 2023-03-22 … 2023-04-19 (29 days).
    first, last = date(2023, 3, 22), date(2023, 4, 19)
    assert lunar_day(first).month == -2 and lunar_day(first).is_leap_month
    assert lunar_day(last).month == -2 and lunar_day(last).day == 29
    got = market_days(parse_pattern("逢三六九"), first, last)
    assert got == _days(first, 2, 5, 8, 12, 15, 18, 22, 25, 28)
    assert got[-1] == last  # 闰二月廿九


def test_lunar_pattern_repeats_in_leap_month_2025_sixth() -> None:
    # 2025 闰六月: 2025-07-25 … 2025-08-22 (29 days); the regular 六月 before it has 30 days.
    first, last = date(2025, 7, 25), date(2025, 8, 22)
    assert lunar_day(first).month == -6 and lunar_day(last).day == 29
    assert lunar_day(first - timedelta(days=1)).day == 30
    got = market_days(parse_pattern("逢一四七"), first, last)
    assert got == _days(first, 0, 3, 6, 10, 13, 16, 20, 23, 26)
    # 逢十 on the 30th of the regular 六月 (a 30-day month) under every rule.
    for rule in ("skip", "move_to_29", "move_to_next_1"):
        pattern = parse_pattern("逢五逢十", lunar_30_rule=rule)
        assert is_market_day(pattern, date(2025, 7, 24))
        # The leap month follows a 30-day month, so its 1st is never a moved market.
        assert not is_market_day(pattern, first)


@pytest.mark.parametrize(
    ("rule", "extra"),
    [
        ("skip", []),
        ("move_to_29", [date(2026, 2, 16)]),  # 腊月廿九 (除夕)
        ("move_to_next_1", [date(2026, 2, 17)]),  # 正月初一
    ],
)
def test_lunar_30th_in_a_29_day_month(rule: str, extra: list[date]) -> None:
    # 2025 lunar 腊月 has 29 days: 2026-01-19 … 2026-02-16; 正月初一 is 2026-02-17.
    first = date(2026, 1, 19)
    assert lunar_day(first).month == 12 and lunar_day(first).month_days == 29
    pattern = parse_pattern("逢五逢十", lunar_30_rule=rule)  # type: ignore[arg-type]
    got = market_days(pattern, first, date(2026, 2, 18))
    assert got == [*_days(first, 4, 9, 14, 19, 24), *extra]


def test_move_to_next_1_at_the_start_of_the_range() -> None:
    pattern = parse_pattern("逢四七十", lunar_30_rule="move_to_next_1")
    assert market_days(pattern, date(2026, 2, 17), date(2026, 2, 17)) == [date(2026, 2, 17)]
    assert market_days(parse_pattern("逢四七十"), date(2026, 2, 17), date(2026, 2, 17)) == []


def test_gregorian_147_includes_the_31st() -> None:
    pattern = parse_pattern("公历逢一四七")
    january = market_days(pattern, date(2025, 1, 1), date(2025, 1, 31))
    assert [d.day for d in january] == [1, 4, 7, 11, 14, 17, 21, 24, 27, 31]
    february = market_days(pattern, date(2025, 2, 1), date(2025, 2, 28))
    assert [d.day for d in february] == [1, 4, 7, 11, 14, 17, 21, 24, 27]


def test_gregorian_5_10_has_no_30th_in_february() -> None:
    pattern = parse_pattern("公历逢五逢十")
    assert [d.day for d in market_days(pattern, date(2025, 2, 1), date(2025, 3, 1))] == [
        5,
        10,
        15,
        20,
        25,
    ]


def test_odd_and_even_dates() -> None:
    odd = market_days(parse_pattern("逢单"), date(2025, 1, 1), date(2025, 2, 3))
    assert [d.day for d in odd] == [*range(1, 32, 2), 1, 3]
    assert date(2025, 1, 31) in odd and date(2025, 2, 1) in odd  # back to back
    even = market_days(parse_pattern("逢双"), date(2025, 2, 25), date(2025, 3, 3))
    assert [d.day for d in even] == [26, 28, 2]


def test_weekday_market() -> None:
    got = market_days(parse_pattern("每周二、六"), date(2025, 1, 1), date(2025, 1, 14))
    assert got == [date(2025, 1, 4), date(2025, 1, 7), date(2025, 1, 11), date(2025, 1, 14)]
    assert {d.isoweekday() for d in got} == {2, 6}


def test_interval_runs_across_month_and_year_ends() -> None:
    pattern = parse_pattern("五天一场", anchor=date(2025, 1, 3))
    got = market_days(pattern, date(2024, 12, 25), date(2025, 2, 8))
    assert got[0] == date(2024, 12, 29)  # before the anchor as well
    assert all((b - a).days == 5 for a, b in itertools.pairwise(got))
    assert date(2025, 1, 28) in got and date(2025, 2, 2) in got
    assert date(2025, 1, 3) in got


def test_branch_days_every_four_days_three_per_cycle() -> None:
    pattern = parse_pattern("丑巳酉")
    start = date(2025, 1, 1)
    got = market_days(pattern, start, start + timedelta(days=11))
    assert len(got) == 3
    assert (got[1] - got[0]).days == 4 and (got[2] - got[1]).days == 4
    longer = market_days(pattern, start, start + timedelta(days=119))
    assert len(longer) == 30
    assert all((b - a).days == 4 for a, b in itertools.pairwise(longer))
    # Independent check of the day branch: JDN - 11 ≡ index mod 12 (2000-01-01 was 戊午).
    for d in longer:
        assert BRANCHES[(d.toordinal() + 1721425 - 11) % 12] in pattern.days


def test_describe_pattern_in_both_languages() -> None:
    zh, en = describe_pattern(parse_pattern("逢三六九"))
    assert zh == "农历逢三、六、九" and en == "lunar dates ending in 3, 6, 9"
    assert describe_pattern(parse_pattern("每周二、六"))[0] == "每周二、六"
    zh, en = describe_pattern(parse_pattern("逢五逢十", lunar_30_rule="move_to_29"))
    assert "廿九" in zh and "29th" in en


def test_a_year_of_lunar_markets_is_fast_and_complete() -> None:
    got = market_days(parse_pattern("逢三六九"), date(2025, 1, 1), date(2025, 12, 31))
    # Every lunar month has 9 market days (the 29th exists in every month).
    assert all(lunar_day(d).day % 10 in (3, 6, 9) for d in got)
    assert 9 * 12 <= len(got) <= 9 * 14
