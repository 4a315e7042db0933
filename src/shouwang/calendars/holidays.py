"""Statutory holidays and adjusted working days (法定节假日 / 调休), with a local override table.

The State Council publishes each year's holiday arrangement in a notice, usually in November or
December of the year before.  ``chinese_calendar`` ships the arrangements it knows (2004–2026 in
1.11.0) and raises ``NotImplementedError`` for any other year.  :class:`HolidayProvider` wraps it
so that the rest of Shouwang never sees that exception:

* an office may enter or import a year's arrangement as :class:`HolidayOverride` rows (for a year
  the library does not know yet, or to correct or add a local rest day in a known year);
  overrides always win over the library;
* for a year that neither the library nor the overrides cover, dates fall back to "Monday to
  Friday are working days" and :meth:`HolidayProvider.warnings_for` returns a plain-language
  :class:`CalendarWarning` (Chinese and English) for the UI.

Vocabulary used throughout (see GLOSSARY.md, ``statutory_holiday`` / ``adjusted_workday``):

* ``is_workday``: people work that day (Mon–Fri, or a 调休 working weekend day);
* ``is_holiday``: the day belongs to a statutory holiday period (法定节假日, including the bridged
  rest days 调休休息 and the weekend days inside the period).  A plain weekend is **not** a
  holiday: it is neither a workday nor a holiday;
* ``is_adjusted_workday``: a Saturday or Sunday that is a working day (调休上班).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, Protocol

import chinese_calendar

OverrideKind = Literal["holiday", "workday"]
DaySource = Literal["library", "override", "weekday-fallback"]

#: Code of the warning for a year without a known holiday arrangement.
YEAR_UNKNOWN = "holiday_year_unknown"


@dataclass(frozen=True)
class HolidayOverride:
    """One office-entered day: a rest day (``holiday``) or a working day (``workday``).

    ``name`` is the holiday the day belongs to (for a ``workday``: the holiday it makes up for,
    e.g. ``国庆节``), as the office writes it; ``name_en`` is optional.
    """

    date: date
    kind: OverrideKind
    name: str = ""
    name_en: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("holiday", "workday"):
            raise ValueError(f"override kind must be 'holiday' or 'workday', not {self.kind!r}")


@dataclass(frozen=True)
class DayInfo:
    """What one date is: a working day, a statutory holiday, a 调休 working day.

    ``source`` says who decided: ``library`` (chinese_calendar knows the year), ``override``
    (an office entry for this date, or a year the overrides cover) or ``weekday-fallback``
    (nobody knows the year's arrangement; Monday–Friday are taken as working days).  A
    ``weekday-fallback`` answer should be shown with :meth:`HolidayProvider.warnings_for`.

    ``holiday_name`` is the Chinese name of the holiday (``国庆节``); for an adjusted working day
    it names the holiday the day makes up for.  ``holiday_name_en`` is the English name where
    known.
    """

    date: date
    is_workday: bool
    is_holiday: bool
    is_adjusted_workday: bool
    holiday_name: str | None
    source: DaySource
    holiday_name_en: str | None = None

    @property
    def is_rest_day(self) -> bool:
        """Whether people are off: a weekend that is not made up, or a holiday."""
        return not self.is_workday


@dataclass(frozen=True)
class CalendarWarning:
    """A plain-language warning for the UI, in Chinese and English.

    ``str()`` gives the Chinese text (the users' language); the app may also translate by
    ``code``.
    """

    code: str
    message_zh: str
    message_en: str
    year: int | None = None

    def __str__(self) -> str:
        return self.message_zh


class DayInfoSource(Protocol):
    """Anything that can say what a date is (a :class:`HolidayProvider`, or a test double)."""

    def day_info(self, d: date) -> DayInfo:
        """What ``d`` is."""
        ...


def _library_years() -> range:
    """The years chinese_calendar supports (it checks the span of its holiday table)."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


LIBRARY_YEARS: range = _library_years()


def _library_day(d: date) -> DayInfo | None:
    """The library's answer for ``d``, or ``None`` when it does not know the year."""
    try:
        is_rest, name_en = chinese_calendar.get_holiday_detail(d)
    except NotImplementedError:
        return None
    weekend = d.weekday() >= 5
    name_zh: str | None = None
    if name_en is not None:
        try:
            name_zh = str(chinese_calendar.Holiday(name_en).chinese)
        except (ValueError, AttributeError):  # an unknown name in a future release
            name_zh = str(name_en)
    if name_en is None:
        return DayInfo(d, not weekend, False, False, None, "library")
    if is_rest:
        return DayInfo(d, False, True, False, name_zh, "library", str(name_en))
    return DayInfo(d, True, False, weekend, name_zh, "library", str(name_en))


def _weekday_day(d: date, source: DaySource) -> DayInfo:
    return DayInfo(d, d.weekday() < 5, False, False, None, source)


class HolidayProvider:
    """Statutory holidays and 调休 from chinese_calendar plus the office's override table.

    ``complete_years`` lists the years whose whole arrangement the overrides hold (the office
    imported the year's notice).  When it is ``None`` (the default), any year with at least one
    override counts as covered.  Pass an explicit set when offices may also enter single local
    rest days for a year whose national arrangement is not yet published, so that the
    "arrangement unknown" warning stays until the notice is entered.
    """

    def __init__(
        self,
        overrides: Iterable[HolidayOverride] = (),
        *,
        complete_years: Iterable[int] | None = None,
    ) -> None:
        table: dict[date, HolidayOverride] = {}
        for override in overrides:
            known = table.get(override.date)
            if known is not None and known.kind != override.kind:
                raise ValueError(
                    f"conflicting overrides for {override.date.isoformat()}: "
                    f"{known.kind} and {override.kind}"
                )
            table[override.date] = override
        self._overrides = table
        self._override_years = (
            frozenset(d.year for d in table)
            if complete_years is None
            else frozenset(complete_years)
        )
        self._cache: dict[date, DayInfo] = {}

    @property
    def overrides(self) -> tuple[HolidayOverride, ...]:
        """The override table, by date."""
        return tuple(self._overrides[d] for d in sorted(self._overrides))

    def library_knows(self, year: int) -> bool:
        """Whether chinese_calendar has the arrangement of ``year``."""
        return year in LIBRARY_YEARS

    def year_known(self, year: int) -> bool:
        """Whether the library or the overrides cover ``year`` (no fallback needed)."""
        return self.library_knows(year) or year in self._override_years

    def day_info(self, d: date) -> DayInfo:
        """What ``d`` is; never raises for an unknown year (falls back to Monday–Friday)."""
        if isinstance(d, datetime):
            d = d.date()
        cached = self._cache.get(d)
        if cached is not None:
            return cached
        info = self._day_info(d)
        self._cache[d] = info
        return info

    def _day_info(self, d: date) -> DayInfo:
        override = self._overrides.get(d)
        if override is not None:
            name = override.name or None
            name_en = override.name_en or None
            if override.kind == "holiday":
                return DayInfo(d, False, True, False, name, "override", name_en)
            return DayInfo(d, True, False, d.weekday() >= 5, name, "override", name_en)
        library = _library_day(d) if self.library_knows(d.year) else None
        if library is not None:
            return library
        if d.year in self._override_years:
            return _weekday_day(d, "override")
        return _weekday_day(d, "weekday-fallback")

    def is_workday(self, d: date) -> bool:
        """Whether people work on ``d``."""
        return self.day_info(d).is_workday

    def days(self, start: date, end: date) -> list[DayInfo]:
        """:meth:`day_info` for every date from ``start`` to ``end`` (both included)."""
        return [self.day_info(d) for d in date_range(start, end)]

    def holidays_between(self, start: date, end: date) -> list[DayInfo]:
        """The statutory holiday dates from ``start`` to ``end`` (both included)."""
        return [info for info in self.days(start, end) if info.is_holiday]

    def warnings_for(self, start: date, end: date) -> list[CalendarWarning]:
        """One warning per year from ``start`` to ``end`` whose arrangement nobody knows."""
        warnings: list[CalendarWarning] = []
        for year in range(min(start, end).year, max(start, end).year + 1):
            if not self.year_known(year):
                warnings.append(unknown_year_warning(year))
        return warnings

    def working_days_between(self, start: date, n: int) -> date:
        """The date ``n`` working days after ``start`` (before it when ``n`` is negative).

        ``start`` itself never counts: with ``n = 1`` the answer is the next working day after
        ``start``, with ``n = 0`` it is ``start``.  Used for deadlines such as "rectify within 5
        working days" (整改时限).  Unknown years count Monday–Friday.
        """
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        current = start
        while remaining:
            current += timedelta(days=step)
            if self.day_info(current).is_workday:
                remaining -= 1
        return current


def unknown_year_warning(year: int) -> CalendarWarning:
    """The warning for a year whose holiday arrangement nobody knows."""
    return CalendarWarning(
        code=YEAR_UNKNOWN,
        message_zh=(
            f"{year}年的法定节假日和调休安排尚未收录，本地也没有录入；"
            "暂按周一至周五上班、周六周日休息计算。"
            "国务院办公厅发布当年放假通知后，请录入或导入当年安排。"
        ),
        message_en=(
            f"The {year} statutory holiday and make-up working day arrangement is not known yet "
            "and has not been entered locally; Monday to Friday are counted as working days "
            "and weekends as rest days. Enter or import the arrangement once the State "
            "Council notice is published."
        ),
        year=year,
    )


def date_range(start: date, end: date) -> Iterator[date]:
    """Every date from ``start`` to ``end``, both included (nothing when ``end < start``)."""
    current = start
    while current <= end:
        yield current
        current += timedelta(days=1)


_KIND_WORDS: dict[str, OverrideKind] = {
    "holiday": "holiday",
    "rest": "holiday",
    "休": "holiday",
    "放假": "holiday",
    "休息": "holiday",
    "workday": "workday",
    "work": "workday",
    "班": "workday",
    "上班": "workday",
    "调休上班": "workday",
}


def parse_overrides(text: str) -> list[HolidayOverride]:
    """Read overrides from CSV text, one ``date,kind,name`` per line (name optional).

    ``kind`` is ``holiday``/``休``/``放假`` or ``workday``/``班``/``上班``; blank lines, lines
    starting with ``#`` and a header line starting with ``date`` or ``日期`` are skipped.  Raises
    :class:`ValueError` naming the line for anything else it cannot read.
    """
    rows: list[HolidayOverride] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if cells[0].lower() in ("date", "日期"):
            continue
        if len(cells) < 2:
            raise ValueError(f"line {number}: expected date,kind[,name]")
        try:
            day = date.fromisoformat(cells[0])
        except ValueError as exc:
            raise ValueError(f"line {number}: not a date (YYYY-MM-DD): {cells[0]!r}") from exc
        kind = _KIND_WORDS.get(cells[1].lower())
        if kind is None:
            raise ValueError(f"line {number}: kind must be holiday or workday: {cells[1]!r}")
        name = cells[2] if len(cells) > 2 else ""
        rows.append(HolidayOverride(day, kind, name))
    return rows
