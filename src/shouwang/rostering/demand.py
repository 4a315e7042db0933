"""Trigger-driven demand: the dated windows of duty rules that follow the calendar records.

For the recurrences ``weekly``, ``rrule``, ``school_days``, ``key_periods``, ``weather`` and
``train_passages`` (the five mandatory patrol triggers, 五必巡逻, plus two plain calendars),
:func:`windows` answers on which dates a :class:`~shouwang.rostering.models.DutyRule` needs
members, from when until when, and why. The date arithmetic lives in the pure package
:mod:`shouwang.calendars`; this module only reads the office's records and hands them over.

Rules of the game:

* **One duty per rule and date** (a roster's Duty is unique per rule and date). When a date
  has several windows (a school's arrival and dismissal, two trains hours apart) the duty
  **spans** them: from the earliest start to the latest end, with all reasons joined. An
  office that wants separate duties writes separate rules (e.g. ``school_event`` = arrival
  and another rule for dismissal).
* A window starts ``lead`` minutes before the event (bell, train, the rule's start time) and
  ends ``duration`` minutes after it, as for the other recurrences.
* **weekly**: ``times_per_week`` days of each ISO week, spread evenly, never on a market day
  (the rule's own pattern if set, else those of the market-day rules of the post's zone);
  the rule's usual window.
* **rrule**: the dates of an RFC 5545 RRULE (anchored on Monday 2000-01-03 unless it gives a
  DTSTART, so ``INTERVAL=2`` weeks is the same every month); the rule's usual window.
* **school_days**: the bell events of the post's school (its key place's SchoolCalendar),
  filtered by ``school_event``; none in vacations or on statutory holidays. A school without
  a calendar gives no duties and a warning (:func:`warnings_of`).
* **key_periods**: statutory holidays and the office's KeyPeriods that cover the post; the
  rule's usual window.
* **weather**: each day a warning of ``min_warning_level`` or higher covers the post; the
  rule's window clipped to the warning; if they do not overlap that day, from the warning's
  start (on that day) for the rule's duration.
* **train_passages**: the passages on the post's segment, from ``lead`` before each train to
  ``duration`` after it; trains less than :data:`TRAIN_MERGE_GAP_MINUTES` apart are merged.

Results are cached on the rule instance for the planning run (the service passes the same
rule objects to every step), so a month costs a few queries per rule, not one per day.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shouwang.calendars.holidays import HolidayProvider, date_range

#: Recurrences handled here (the others stay in adapter.rule_dates).
TRIGGER_RECURRENCES = frozenset(
    {"weekly", "rrule", "school_days", "key_periods", "weather", "train_passages"}
)
#: Trains closer than this are one spell on the segment.
TRAIN_MERGE_GAP_MINUTES = 30
#: Where RRULEs without a DTSTART are anchored (a Monday), so intervals stay stable.
RRULE_ANCHOR = dt.date(2000, 1, 3)
ALLOWED_FREQ = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})

_CACHE_ATTR = "_demand_cache"


@dataclass(frozen=True)
class DutyWindow:
    """One dated duty of a rule: naive local start and end, and why (Chinese)."""

    date: dt.date
    start: dt.datetime
    end: dt.datetime
    reason: str


@dataclass
class _Run:
    """What one rule's planning run computed: windows by date, and warnings."""

    start: dt.date
    end: dt.date
    by_date: dict[dt.date, DutyWindow]
    warnings: list[dict[str, Any]]


# -- public interface --------------------------------------------------------------------------


def windows(rule: Any, start: dt.date, end: dt.date) -> list[DutyWindow]:
    """The windows of `rule` from `start` to `end` (both included), one per date at most."""
    run = _run(rule, start, end)
    return [run.by_date[d] for d in sorted(run.by_date) if start <= d <= end]


def rule_dates(rule: Any, start: dt.date, end: dt.date) -> list[dt.date]:
    """The dates on which a trigger-driven rule needs members."""
    return [w.date for w in windows(rule, start, end)]


def window_on(rule: Any, day: dt.date) -> DutyWindow | None:
    """The window of `rule` on `day` (from the run's cache when the month was computed)."""
    for run in getattr(rule, _CACHE_ATTR, {}).values():
        if run.start <= day <= run.end:
            return run.by_date.get(day)
    return _run(rule, day, day).by_date.get(day)


def warnings_of(rules: Iterable[Any], start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Warnings (calendar_warnings shape: code, message_zh, message_en) of the rules' runs,
    e.g. a school-gate rule whose school has no calendar. Store them on the roster."""
    out: list[dict[str, Any]] = []
    for rule in rules:
        if getattr(rule, "recurrence", None) in TRIGGER_RECURRENCES:
            for warning in _run(rule, start, end).warnings:
                if warning not in out:
                    out.append(warning)
    return out


def forget(rule: Any) -> None:
    """Drop the cached run of a rule (after its records changed)."""
    if hasattr(rule, _CACHE_ATTR):
        delattr(rule, _CACHE_ATTR)


# -- the run -----------------------------------------------------------------------------------


def _run(rule: Any, start: dt.date, end: dt.date) -> _Run:
    cache: dict[tuple[dt.date, dt.date], _Run] = getattr(rule, _CACHE_ATTR, None) or {}
    for (first, last), run in cache.items():
        if first <= start and end <= last:
            return run
    warnings: list[dict[str, Any]] = []
    found = _COMPUTE[rule.recurrence](rule, start, end, warnings)
    run = _Run(start, end, _span_by_date(found), warnings)
    cache[(start, end)] = run
    setattr(rule, _CACHE_ATTR, cache)
    return run


def _span_by_date(found: Iterable[DutyWindow]) -> dict[dt.date, DutyWindow]:
    """One window per date: several are spanned (earliest start → latest end, reasons joined)."""
    by_date: dict[dt.date, DutyWindow] = {}
    for w in sorted(found, key=lambda w: (w.date, w.start, w.end)):
        known = by_date.get(w.date)
        if known is None:
            by_date[w.date] = w
            continue
        reasons = known.reason.split("；")
        reason = known.reason if w.reason in reasons else f"{known.reason}；{w.reason}"
        by_date[w.date] = DutyWindow(
            w.date, min(known.start, w.start), max(known.end, w.end), reason
        )
    return by_date


def _usual(rule: Any, day: dt.date, reason: str) -> DutyWindow:
    """The rule's usual window on `day` (its start time, lead and duration)."""
    begin = dt.datetime.combine(day, rule.effective_start())
    return DutyWindow(
        day,
        begin - dt.timedelta(minutes=rule.effective_lead()),
        begin + dt.timedelta(minutes=rule.effective_duration()),
        reason,
    )


def _warning(code: str, zh: str, en: str) -> dict[str, Any]:
    return {"code": code, "message_zh": zh, "message_en": en, "year": None}


def holidays_for_rule(rule: Any) -> HolidayProvider:
    """The holiday calendar that applies to the rule's post (its team's, else its own)."""
    from shouwang.rostering import services

    cached = getattr(rule, "_demand_holidays", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    team = rule.post.team if rule.post.team_id else None
    if team is not None:
        provider = services.holidays_for_team(team)
    else:
        from shouwang.rostering import adapter
        from shouwang.rostering.models import HolidayArrangement

        paths = services.jurisdiction_prefixes(rule.post.jurisdiction.path)
        provider = adapter.holiday_provider(
            HolidayArrangement.objects.filter(jurisdiction__path__in=paths).select_related(
                "jurisdiction"
            )
        )
    rule._demand_holidays = provider
    return provider


def _post_zone_id(post: Any) -> int | None:
    if post.zone_id:
        return int(post.zone_id)
    if post.key_place_id and post.key_place.zone_id:
        return int(post.key_place.zone_id)
    return None


def _covering(queryset: Any, post: Any) -> list[Any]:
    """Records (with ``zones`` and ``jurisdiction``) that cover the post: its zone is listed,
    or no zone is listed and the post lies in the record's jurisdiction."""
    from django.db.models import Q

    from shouwang.rostering.services import jurisdiction_prefixes

    zone_id = _post_zone_id(post)
    prefixes = jurisdiction_prefixes(post.jurisdiction.path)
    where = Q(jurisdiction__path__in=prefixes)
    if zone_id is not None:
        where |= Q(zones=zone_id)
    candidates = (
        queryset.filter(where).select_related("jurisdiction").prefetch_related("zones").distinct()
    )
    out = []
    for record in candidates:
        zone_ids = {z.pk for z in record.zones.all()}
        if zone_ids:
            if zone_id is not None and zone_id in zone_ids:
                out.append(record)
        elif record.jurisdiction.path in prefixes:
            out.append(record)
    return out


# -- weekly ------------------------------------------------------------------------------------


def _market_patterns(rule: Any) -> list[Any]:
    """The market-day patterns a weekly rule avoids: its own, else its zone's market rules."""
    from shouwang.rostering import adapter
    from shouwang.rostering.models import DutyRule

    if (rule.market_pattern or "").strip():
        return [adapter.parse_market_pattern(rule.market_pattern, rule.market_calendar)]
    zone_id = _post_zone_id(rule.post)
    if zone_id is None:
        return []
    patterns = []
    seen: set[tuple[str, str]] = set()
    for text, calendar in DutyRule.objects.filter(
        recurrence="market_days", active=True, post__zone_id=zone_id
    ).values_list("market_pattern", "market_calendar"):
        if (text, calendar) in seen:
            continue
        seen.add((text, calendar))
        try:
            patterns.append(adapter.parse_market_pattern(text, calendar))
        except ValueError:
            continue  # a broken market rule is reported on its own page
    return patterns


def spread(candidates: list[dt.date], n: int) -> list[dt.date]:
    """`n` of a week's candidate days, as evenly spread as possible (deterministic)."""
    if n >= len(candidates):
        return list(candidates)
    chosen: list[dt.date] = []
    monday = candidates[0] - dt.timedelta(days=candidates[0].weekday())
    for i in range(n):
        # The ideal spot of the i-th of n days in a 7-day week (n=3 → Tue, Thu, Sat).
        target = monday + dt.timedelta(days=round((i + 0.5) * 7 / n - 0.5))
        free = [d for d in candidates if d not in chosen]
        chosen.append(min(free, key=lambda d: (abs((d - target).days), d)))
    return sorted(chosen)


def _weekly(
    rule: Any, start: dt.date, end: dt.date, warnings: list[dict[str, Any]]
) -> list[DutyWindow]:
    from shouwang.rostering import adapter

    n = int(rule.times_per_week or 0)
    if n <= 0:
        return []
    monday = start - dt.timedelta(days=start.weekday())
    sunday = end + dt.timedelta(days=6 - end.weekday())
    market: set[dt.date] = set()
    for pattern in _market_patterns(rule):
        market.update(adapter.market_dates(pattern, monday, sunday))
    reason = f"每周{n}次（避开赶集日）" if market else f"每周{n}次"
    out = []
    week = monday
    while week <= sunday:
        # Whole weeks, so a week split across two months gets the same days in both.
        days = [week + dt.timedelta(days=k) for k in range(7)]
        free = [d for d in days if d not in market]
        for day in spread(free, n) if free else []:
            if start <= day <= end:
                out.append(_usual(rule, day, reason))
        week += dt.timedelta(days=7)
    return out


# -- rrule -------------------------------------------------------------------------------------


def parse_rrule(text: str, anchor: dt.date = RRULE_ANCHOR) -> Any:
    """An RFC 5545 RRULE (with or without "RRULE:"), as a dateutil rule; ValueError if bad."""
    from dateutil.rrule import rrulestr

    value = (text or "").strip()
    if not value:
        raise ValueError("empty rule")
    freq = re.search(r"FREQ=([A-Z]+)", value.upper())
    if freq is None or freq.group(1) not in ALLOWED_FREQ:
        # Duties are per day: finer rules (HOURLY, SECONDLY …) would only cost time.
        raise ValueError("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")
    if "\n" not in value and not value.upper().startswith(("RRULE:", "DTSTART")):
        value = f"RRULE:{value}"
    return rrulestr(value, dtstart=dt.datetime.combine(anchor, dt.time()), forceset=True)


def _rrule(
    rule: Any, start: dt.date, end: dt.date, warnings: list[dict[str, Any]]
) -> list[DutyWindow]:
    try:
        recurrence = parse_rrule(rule.rrule)
    except (ValueError, TypeError, KeyError, IndexError):
        return []  # refused by DutyRule.clean; an old bad value plans nothing
    first = dt.datetime.combine(start, dt.time())
    last = dt.datetime.combine(end, dt.time(23, 59, 59))
    days = sorted({moment.date() for moment in recurrence.between(first, last, inc=True)})
    reason = f"按规则 {rule.rrule}"
    return [_usual(rule, d, reason) for d in days]


# -- school days -------------------------------------------------------------------------------


def _school_days(
    rule: Any, start: dt.date, end: dt.date, warnings: list[dict[str, Any]]
) -> list[DutyWindow]:
    from shouwang.calendars.models import SchoolCalendar
    from shouwang.calendars.school import EVENT_LABELS, school_events

    post = rule.post
    records = []
    if post.key_place_id:
        records = list(
            SchoolCalendar.objects.filter(school_id=post.key_place_id)
            .select_related("school")
            .order_by("pk")
        )
    if not records:
        school = post.key_place.name if post.key_place_id else post.name
        warnings.append(
            _warning(
                "school_calendar_missing",
                f"“{post.name}”的学校“{school}”还没有录入校历和作息时间，本月未安排该护学岗勤务；"
                "请先录入校历。",
                f"The school “{school}” of post “{post.name}” has no school calendar yet; no "
                "duties were planned for it this month. Enter the school calendar first.",
            )
        )
        return []
    calendars = [r.school_calendar() for r in records]
    lead, duration = rule.effective_lead(), rule.effective_duration()
    holidays = holidays_for_rule(rule)
    events = []
    owned: set[dt.date] = set()
    # One calendar per school year: a date belongs to the first calendar whose terms or
    # overrides hold it. An early bell with a long lead may start on the day before, so
    # look one day further.
    for calendar in calendars:
        for day, event in school_events(calendar, start, end + dt.timedelta(days=1), holidays):
            if day not in owned:
                events.append((calendar, day, event))
        owned.update(
            d
            for d in date_range(start, end + dt.timedelta(days=1))
            if d in calendar.overrides or any(d in t for t in calendar.terms)
        )
    out = []
    for calendar, day, event in events:
        if rule.school_event and event.kind != rule.school_event:
            continue
        bell = dt.datetime.combine(day, event.time)
        first = bell - dt.timedelta(minutes=lead)
        if not start <= first.date() <= end:
            continue
        label = f"（{event.label}）" if event.label else ""
        out.append(
            DutyWindow(
                first.date(),
                first,
                bell + dt.timedelta(minutes=duration),
                f"护学岗：{calendar.name} {event.time:%H:%M} {EVENT_LABELS[event.kind][0]}{label}",
            )
        )
    return out


# -- key periods -------------------------------------------------------------------------------


def _key_periods(
    rule: Any, start: dt.date, end: dt.date, warnings: list[dict[str, Any]]
) -> list[DutyWindow]:
    from shouwang.calendars import triggers
    from shouwang.calendars.models import KeyPeriod

    records = _covering(
        KeyPeriod.objects.filter(start_date__lte=end, end_date__gte=start), rule.post
    )
    periods = [
        triggers.KeyPeriod(
            r.name, r.start_date, r.end_date, level=r.level, source_id=f"key-period-{r.pk}"
        )
        for r in records
    ]
    found = triggers.key_period_triggers(
        periods, start, end, holiday_provider=holidays_for_rule(rule)
    )
    return [_usual(rule, t.date, t.reason_zh) for t in found]


# -- weather -----------------------------------------------------------------------------------


def _weather(
    rule: Any, start: dt.date, end: dt.date, warnings: list[dict[str, Any]]
) -> list[DutyWindow]:
    from django.db.models import Q

    from shouwang.calendars import triggers
    from shouwang.calendars.models import WEATHER_KIND_ZH, WeatherWarning

    first_moment = _aware(dt.datetime.combine(start, dt.time()))
    last_moment = _aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    queryset = WeatherWarning.objects.filter(starts_at__lt=last_moment).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=first_moment)
    )
    records = [
        w for w in _covering(queryset, rule.post) if w.level_at_least(rule.min_warning_level)
    ]
    out = []
    for record in records:
        active_from = triggers._local(record.starts_at)
        active_to = (
            triggers._local(record.ends_at)
            if record.ends_at is not None
            else dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
        )
        level = triggers.LEVEL_NAMES_ZH[record.level]  # type: ignore[index]
        reason = f"{WEATHER_KIND_ZH.get(record.kind, '')}{level}预警"
        for day in date_range(max(start, active_from.date()), min(end, active_to.date())):
            day_from = max(active_from, dt.datetime.combine(day, dt.time()))
            day_to = min(active_to, dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
            if day_from >= day_to:
                continue
            usual = _usual(rule, day, reason)
            lo, hi = max(usual.start, day_from), min(usual.end, active_to)
            if lo >= hi:
                # The warning misses the usual window: call the post out when it starts.
                lo = day_from
                hi = min(day_from + dt.timedelta(minutes=rule.effective_duration()), active_to)
            out.append(DutyWindow(day, lo, hi, reason))
    return out


def _aware(value: dt.datetime) -> dt.datetime:
    from shouwang.rostering import adapter

    return adapter.aware(value)


# -- train passages ----------------------------------------------------------------------------


def _train_passages(
    rule: Any, start: dt.date, end: dt.date, warnings: list[dict[str, Any]]
) -> list[DutyWindow]:
    from django.db.models import Q

    from shouwang.calendars import triggers
    from shouwang.calendars.models import TrainPassage

    post = rule.post
    if not post.segment_id:
        warnings.append(
            _warning(
                "post_without_segment",
                f"“{post.name}”没有指定铁路区段，无法按列车通过时段安排勤务。",
                f"Post “{post.name}” has no railway segment; no train-passage duties.",
            )
        )
        return []
    records = TrainPassage.objects.filter(segment_id=post.segment_id).filter(
        (Q(valid_from__isnull=True) | Q(valid_from__lte=end + dt.timedelta(days=1)))
        & (Q(valid_to__isnull=True) | Q(valid_to__gte=start - dt.timedelta(days=1)))
    )
    passages = [r.to_pure() for r in records]
    found = triggers.train_triggers(
        passages,
        start,
        end,
        lead_minutes=rule.effective_lead(),
        lag_minutes=rule.effective_duration(),
    )
    merged = triggers.merge_triggers(found, gap_minutes=TRAIN_MERGE_GAP_MINUTES)
    out = []
    for t in merged:
        assert t.start is not None  # train triggers are always timed
        first = dt.datetime.combine(t.date, t.start)
        if t.end is None:
            last = dt.datetime.combine(t.date + dt.timedelta(days=1), dt.time())
        else:
            last = dt.datetime.combine(t.date, t.end)
            if last <= first:
                last += dt.timedelta(days=1)  # runs past midnight
        out.append(DutyWindow(t.date, first, last, t.reason_zh))
    return out


_COMPUTE = {
    "weekly": _weekly,
    "rrule": _rrule,
    "school_days": _school_days,
    "key_periods": _key_periods,
    "weather": _weather,
    "train_passages": _train_passages,
}
