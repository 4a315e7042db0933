"""The edge between the app's records and the pure solver (STYLE rule 7).

* Demand: on which dates a duty rule asks for members (`rule_dates`), through a small
  calendar interface (`parse_market_pattern`, `market_dates`) backed by
  :mod:`shouwang.calendars` when it is importable.
* Holidays: `holiday_provider` turns the office-entered holiday arrangements into a
  :class:`~shouwang.calendars.holidays.HolidayProvider` (the nearest office wins a date);
  `calendar_days` marks a month's statutory holidays and weekend days from it, and
  `calendar_warnings_json` stores what it cannot know (a year nobody has entered yet).
* `build_problem`: a team's active members and its posts' active rules for one month →
  a solver :class:`~shouwang.rostering.solver.model.Problem`.
* `assignments_of`: the solver's :class:`Solution` → (member pk, date, rule pk) triples.

Nothing here writes; the service in `services.py` does.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from shouwang.calendars.holidays import CalendarWarning, HolidayOverride, HolidayProvider
from shouwang.rostering.solver import model as sm

NIGHT_FROM = dt.time(20, 0)
NIGHT_UNTIL = dt.time(5, 0)
EARLY_BEFORE = dt.time(7, 0)
#: Extra weight per priority step on a missing member, so high-priority posts are staffed first.
PRIORITY_STEP = 100


# -- calendar interface ------------------------------------------------------------------------


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the month of `month`."""
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first, last


def days_of(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def parse_market_pattern(text: str, calendar_name: str = "lunar") -> Any:
    """Read a market-day pattern (逢三六九 …); raises ValueError with a readable message."""
    if not (text or "").strip():
        raise ValueError("请填写赶集日规律，例如“逢三六九”。")
    from shouwang.calendars.market import parse_pattern

    return parse_pattern(text, calendar="gregorian" if calendar_name == "gregorian" else "lunar")


def market_dates(pattern: Any, start: dt.date, end: dt.date) -> list[dt.date]:
    """The market days of a parsed pattern between two dates (both included)."""
    from shouwang.calendars.market import market_days

    return list(market_days(pattern, start, end))


def rule_dates(rule: Any, start: dt.date, end: dt.date) -> list[dt.date]:
    """The dates between `start` and `end` on which `rule` (a DutyRule) needs members."""
    days = days_of(start, end)
    kind = rule.recurrence
    if kind == "daily":
        return days
    if kind == "weekdays":
        wanted = set(rule.weekdays or [])
        return [d for d in days if d.isoweekday() in wanted]
    if kind == "monthly":
        return [d for d in days if d.day == rule.month_day]
    if kind == "market_days":
        return market_dates(
            parse_market_pattern(rule.market_pattern, rule.market_calendar), start, end
        )
    raise ValueError(f"unknown recurrence {kind!r}")


# -- holidays ----------------------------------------------------------------------------------


def holiday_provider(arrangements: Iterable[Any]) -> HolidayProvider:
    """A provider from HolidayArrangements (jurisdiction selected) that apply to one team.

    When offices at several levels enter the same date, the nearest one (the deepest
    jurisdiction) wins, so a township may correct its county's entry.
    """
    chosen: dict[dt.date, tuple[int, Any]] = {}
    for arrangement in arrangements:
        depth = len(arrangement.jurisdiction.path.strip("/").split("/"))
        known = chosen.get(arrangement.date)
        if known is None or depth > known[0]:
            chosen[arrangement.date] = (depth, arrangement)
    return HolidayProvider(
        HolidayOverride(day, "holiday" if a.kind == "holiday" else "workday", a.name or "")
        for day, (_depth, a) in sorted(chosen.items())
    )


@dataclass(frozen=True)
class CalendarDays:
    """The day indexes of a month that are statutory holidays and weekend (rest) days."""

    holidays: frozenset[int]
    weekend_days: frozenset[int]


def calendar_days(provider: HolidayProvider, month: dt.date) -> CalendarDays:
    """Statutory holidays, and weekends minus adjusted working days, of the month of `month`."""
    first, last = month_bounds(month)
    holidays: set[int] = set()
    weekend: set[int] = set()
    for index, day in enumerate(days_of(first, last)):
        info = provider.day_info(day)
        if info.is_holiday:
            holidays.add(index)
        if day.weekday() >= 5 and not info.is_workday:
            weekend.add(index)
    return CalendarDays(frozenset(holidays), frozenset(weekend))


def calendar_warnings_json(warnings: Iterable[CalendarWarning]) -> list[dict[str, Any]]:
    return [
        {"code": w.code, "message_zh": w.message_zh, "message_en": w.message_en, "year": w.year}
        for w in warnings
    ]


# -- records → problem -------------------------------------------------------------------------


def kind_id(rule_pk: int) -> str:
    return f"rule-{rule_pk}"


def member_id(member_pk: int) -> str:
    return f"member-{member_pk}"


def _pk(ident: str) -> int:
    return int(ident.rsplit("-", 1)[1])


@dataclass(frozen=True)
class Window:
    """When a duty of a rule starts and ends on a date (the lead time included)."""

    start: dt.datetime
    end: dt.datetime


def window(rule: Any, day: dt.date) -> Window:
    """The naive local start and end of `rule`'s duty on `day` (arrive `lead` minutes early)."""
    begin = dt.datetime.combine(day, rule.effective_start())
    start = begin - dt.timedelta(minutes=rule.effective_lead())
    return Window(start, begin + dt.timedelta(minutes=rule.effective_duration()))


def duty_kind(rule: Any) -> sm.DutyKind:
    start = rule.effective_start()
    minutes = rule.effective_duration() + rule.effective_lead()
    return sm.DutyKind(
        id=kind_id(rule.pk),
        name=rule.post.name,
        duration_minutes=minutes,
        start_minute=start.hour * 60 + start.minute,
        is_night=start >= NIGHT_FROM or start < NIGHT_UNTIL,
        is_early=NIGHT_UNTIL <= start < EARLY_BEFORE,
        required_qualifications=required_roles(rule),
        zone=f"zone-{rule.post.zone_id}" if rule.post.zone_id else None,
    )


def required_roles(rule: Any) -> frozenset[str]:
    """Roles every member on the duty must hold: those whose minimum is the whole head count.

    Other minimums are soft (the solver's role_missing penalty): the duty needs that many
    holders among its members, and a shortfall is explained rather than refused.
    """
    minimums = rule.role_minimums or {}
    return frozenset(code for code, n in minimums.items() if n >= rule.head_count)


def solver_member(member: Any, home_zone: str | None) -> sm.Member:
    return sm.Member(
        id=member_id(member.pk),
        name=member.name,
        qualifications=frozenset(r.code for r in member.roles.all()),
        home_zone=home_zone,
        employment_type=member.employment_type,
    )


def build_problem(
    *,
    month: dt.date,
    rules: Sequence[Any],
    members: Sequence[Any],
    home_zones: dict[int, str | None] | None = None,
    pins: Iterable[tuple[int, dt.date, int]] = (),
    name: str = "",
    holidays: HolidayProvider | None = None,
) -> sm.Problem:
    """The solver's problem for one month.

    `rules` are active DutyRules (post selected), `members` active team members (roles
    prefetched), `home_zones` member pk → zone id, `pins` (member pk, date, rule pk) of the
    manual assignments that re-planning must keep, `holidays` the calendar that marks
    statutory holidays and 调休 (without it: no holidays, Saturday and Sunday are weekends).
    """
    first, last = month_bounds(month)
    horizon = (last - first).days + 1
    kinds = tuple(duty_kind(rule) for rule in rules)
    demands = []
    for rule in rules:
        for day in rule_dates(rule, first, last):
            demands.append(
                sm.Demand(
                    day=(day - first).days,
                    kind=kind_id(rule.pk),
                    required=rule.head_count,
                    roles=dict(rule.role_minimums or {}),
                    under_weight=sm.Weights().cover_under + PRIORITY_STEP * max(rule.priority, 0),
                )
            )
    zones = home_zones or {}
    known_kinds = {k.id for k in kinds}
    solver_members = tuple(solver_member(m, zones.get(m.pk)) for m in members)
    known_members = {m.id for m in solver_members}
    pinned = tuple(
        sm.Pin(member=member_id(m), day=(d - first).days, kind=kind_id(r))
        for m, d, r in pins
        if member_id(m) in known_members and kind_id(r) in known_kinds and first <= d <= last
    )
    days = calendar_days(holidays, first) if holidays is not None else None
    return sm.Problem(
        horizon_days=horizon,
        duty_kinds=kinds,
        members=solver_members,
        demands=tuple(demands),
        start_weekday=first.weekday(),
        start_date=first,
        pinned=_one_pin_per_day(pinned),
        name=name,
        weekend_days=days.weekend_days if days is not None else None,
        holidays=days.holidays if days is not None else frozenset(),
    )


def _one_pin_per_day(pins: tuple[sm.Pin, ...]) -> tuple[sm.Pin, ...]:
    """Keep the first pin of a member on a day: the solver allows one duty per day."""
    seen: set[tuple[str, int]] = set()
    out = []
    for pin in pins:
        if (pin.member, pin.day) not in seen:
            seen.add((pin.member, pin.day))
            out.append(pin)
    return tuple(out)


# -- solution → records ------------------------------------------------------------------------


def assignments_of(solution: sm.Solution, month: dt.date) -> list[tuple[int, dt.date, int]]:
    """(member pk, date, rule pk) of every assignment in the solution."""
    first = month.replace(day=1)
    return [
        (_pk(a.member), first + dt.timedelta(days=a.day), _pk(a.kind)) for a in solution.assignments
    ]


def findings_json(findings: Iterable[sm.Finding]) -> list[dict[str, str]]:
    return [
        {"severity": f.severity, "code": f.code, "message": f.message, "subject": f.subject}
        for f in findings
    ]


def uncovered_json(
    needs: Iterable[sm.UncoveredNeed], month: dt.date, kind_names: dict[str, str]
) -> list[dict[str, Any]]:
    first = month.replace(day=1)
    return [
        {
            "date": (first + dt.timedelta(days=n.day)).isoformat(),
            "rule": _pk(n.kind),
            "post": kind_names.get(n.kind, n.kind),
            "role": n.role,
            "missing": n.missing,
            "summary": n.summary,
            "reasons": [
                {"member": c.member, "rules": list(c.rules), "text": c.text} for c in n.candidates
            ],
        }
        for n in needs
    ]
