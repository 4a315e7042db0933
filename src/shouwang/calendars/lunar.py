"""Lunar dates and day branches (农历 / 地支) from lunar_python, in the shapes the rest uses.

lunar_python numbers a leap month with a **negative** month (闰二月 = ``-2``).  Walking a date
range converts only the first date of every lunar month (a conversion costs about a millisecond),
so a year of dates takes a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from lunar_python import Lunar, LunarMonth, Solar

#: The twelve earthly branches in cycle order.
BRANCHES: tuple[str, ...] = ("子", "丑", "寅", "卯", "辰", "巳", "午", "未", "申", "酉", "戌", "亥")

#: The zodiac animal of each branch (生肖), as markets are sometimes named (赶牛场 = 丑日).
ANIMALS: dict[str, str] = {
    "鼠": "子",
    "牛": "丑",
    "虎": "寅",
    "兔": "卯",
    "龙": "辰",
    "蛇": "巳",
    "马": "午",
    "羊": "未",
    "猴": "申",
    "鸡": "酉",
    "狗": "戌",
    "猪": "亥",
}

BRANCH_ANIMALS_EN: dict[str, str] = {
    "子": "Rat",
    "丑": "Ox",
    "寅": "Tiger",
    "卯": "Rabbit",
    "辰": "Dragon",
    "巳": "Snake",
    "午": "Horse",
    "未": "Goat",
    "申": "Monkey",
    "酉": "Rooster",
    "戌": "Dog",
    "亥": "Pig",
}


@dataclass(frozen=True)
class LunarDay:
    """One Gregorian date with its lunar date.

    ``month`` is negative in a leap month (lunar_python's convention); ``month_days`` is the
    length of that lunar month (29 = 小月, 30 = 大月).
    """

    date: date
    year: int
    month: int
    day: int
    month_days: int

    @property
    def is_leap_month(self) -> bool:
        """Whether the date lies in a leap month (闰月)."""
        return self.month < 0


def _lunar_of(d: date) -> tuple[int, int, int]:
    lunar = Solar.fromYmd(d.year, d.month, d.day).getLunar()
    return int(lunar.getYear()), int(lunar.getMonth()), int(lunar.getDay())


def month_length(lunar_year: int, lunar_month: int) -> int:
    """Days in a lunar month (29 or 30); ``lunar_month`` negative for a leap month."""
    return int(LunarMonth.fromYm(lunar_year, lunar_month).getDayCount())


def lunar_day(d: date) -> LunarDay:
    """The lunar date of ``d``."""
    year, month, day = _lunar_of(d)
    return LunarDay(d, year, month, day, month_length(year, month))


def lunar_days(start: date, end: date) -> Iterator[LunarDay]:
    """The lunar date of every date from ``start`` to ``end`` (both included)."""
    current = start
    while current <= end:
        first = lunar_day(current)
        for day in range(first.day, first.month_days + 1):
            if current > end:
                return
            yield LunarDay(current, first.year, first.month, day, first.month_days)
            current += timedelta(days=1)


def day_branch(d: date) -> str:
    """The earthly branch (地支) of the day ``d`` (the day changes at midnight)."""
    return str(Solar.fromYmd(d.year, d.month, d.day).getLunar().getDayZhi())


def branch_days(start: date, end: date) -> Iterator[tuple[date, str]]:
    """``(date, branch)`` for every date from ``start`` to ``end``: one lookup, then the cycle."""
    if end < start:
        return
    first = BRANCHES.index(day_branch(start))
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset), BRANCHES[(first + offset) % 12]


def lunar_to_solar(lunar_year: int, lunar_month: int, day: int) -> date:
    """The Gregorian date of a lunar date; a day past the month's end falls on its last day."""
    day = min(day, month_length(lunar_year, lunar_month))
    solar = Lunar.fromYmd(lunar_year, lunar_month, day).getSolar()
    return date(int(solar.getYear()), int(solar.getMonth()), int(solar.getDay()))
