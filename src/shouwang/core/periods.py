"""Calendar periods shared by the figures, reports, assessments and railway status: whole
local days, months and quarters, and "the period before"."""

from __future__ import annotations

import calendar
import datetime as dt

from django.utils import timezone


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the month of `day`."""
    first = day.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last day of quarter 1–4 of `year`."""
    first = dt.date(year, 3 * (quarter - 1) + 1, 1)
    return first, month_bounds(first.replace(month=first.month + 2))[1]


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Aware [from, to) datetimes of the whole days start..end, local time."""
    tz = timezone.get_current_timezone()
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz)
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min), tz)
    return lo, hi


def whole_months(start: dt.date, end: dt.date) -> int | None:
    """How many calendar months [start, end] spans exactly, or None if it is not whole months."""
    if start.day != 1 or (end + dt.timedelta(days=1)).day != 1:
        return None
    return (end.year - start.year) * 12 + end.month - start.month + 1


def previous_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The period just before [start, end]: the previous calendar month(s) when the period is
    whole months (a month → the month before, a quarter → the quarter before), otherwise the
    same number of days immediately before."""
    months = whole_months(start, end)
    if months is not None:
        index = start.year * 12 + start.month - 1 - months
        return dt.date(index // 12, index % 12 + 1, 1), start - dt.timedelta(days=1)
    days = (end - start).days + 1
    return start - dt.timedelta(days=days), start - dt.timedelta(days=1)
