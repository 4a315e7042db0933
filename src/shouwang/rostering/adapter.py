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

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from shouwang.calendars.holidays import CalendarWarning, HolidayOverride, HolidayProvider
from shouwang.core.periods import month_bounds
from shouwang.rostering.solver import model as sm

NIGHT_FROM = dt.time(20, 0)
NIGHT_UNTIL = dt.time(5, 0)
EARLY_BEFORE = dt.time(7, 0)
#: Extra weight per priority step on a missing member, so high-priority posts are staffed first.
PRIORITY_STEP = 100
#: Minimum rest between the end of a duty and the start of the next day's duty (8 hours).
MIN_REST_MINUTES = 8 * 60
#: Days of the previous month's roster the rest rules look back on.
HISTORY_DAYS = 7
#: Duty kind standing for a previous-month duty whose rule is not planned this month: it
#: counts as a duty day for the run rules; nobody may be given it.
HISTORY_OTHER = "history-other"


# -- calendar interface ------------------------------------------------------------------------


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
    """The dates between `start` and `end` on which `rule` (a DutyRule) needs members, within
    the rule's validity (`valid_from` … `valid_until`, when set)."""
    valid_from = getattr(rule, "valid_from", None)
    valid_until = getattr(rule, "valid_until", None)
    dates = _recurrence_dates(rule, start, end)
    if valid_from is None and valid_until is None:
        return dates
    # Filtered after the recurrence (not by narrowing start/end), so that rules spread over a
    # week (weekly) keep the days they would have had.
    return [
        d
        for d in dates
        if (valid_from is None or d >= valid_from) and (valid_until is None or d <= valid_until)
    ]


def _recurrence_dates(rule: Any, start: dt.date, end: dt.date) -> list[dt.date]:
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
    from shouwang.rostering import demand  # reads the calendar records (五必巡逻)

    if kind in demand.TRIGGER_RECURRENCES:
        return demand.rule_dates(rule, start, end)
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
    from shouwang.rostering import demand

    if rule.recurrence in demand.TRIGGER_RECURRENCES:
        # The window follows the day's trigger (bell, train, warning), cached per run.
        found = demand.window_on(rule, day)
        if found is not None:
            return Window(found.start, found.end)
    begin = dt.datetime.combine(day, rule.effective_start())
    start = begin - dt.timedelta(minutes=rule.effective_lead())
    return Window(start, begin + dt.timedelta(minutes=rule.effective_duration()))


def aware(value: dt.datetime) -> dt.datetime:
    """A naive local time (China Standard Time) as an aware datetime for storing."""
    from django.utils import timezone

    return timezone.make_aware(value, timezone.get_default_timezone())


def wanted_duties(
    rules: Sequence[Any], start: dt.date, end: dt.date
) -> dict[tuple[int, dt.date], Any]:
    """(rule pk, date) → rule for every duty the rules ask for between two dates."""
    wanted: dict[tuple[int, dt.date], Any] = {}
    for rule in rules:
        for day in rule_dates(rule, start, end):
            wanted[(rule.pk, day)] = rule
    return wanted


def duty_values(rule: Any, day: dt.date) -> dict[str, Any]:
    """The stored values of `rule`'s duty on `day` (post, aware start/end, head count, roles)."""
    span = window(rule, day)
    return {
        "post": rule.post,
        "start": aware(span.start),
        "end": aware(span.end),
        "required_count": rule.head_count,
        "roles": dict(rule.role_minimums or {}),
    }


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


def solver_member(
    member: Any,
    home_zone: str | None,
    *,
    days_off: frozenset[int] = frozenset(),
    max_per_kind: Mapping[str, int] | None = None,
    defaults: Mapping[str, int | None] | None = None,
) -> sm.Member:
    """A Member record as the solver sees it: roles, home zone, days off and limits.

    `defaults` are the team's values (PlanningPolicy) for the limits the member leaves empty;
    the caps per week and month fall back to the employment type's in the problem instead.
    """
    limits = member_limits(member, defaults or {})
    return sm.Member(
        id=member_id(member.pk),
        name=member.name,
        qualifications=frozenset(r.code for r in member.roles.all()),
        home_zone=home_zone,
        employment_type=member.employment_type,
        days_off=days_off,
        max_per_kind=dict(max_per_kind or {}),
        **limits,
    )


def member_limits(member: Any, defaults: Mapping[str, int | None]) -> dict[str, Any]:
    """The solver Member's limit fields from a member's own values, else the team defaults."""

    def own(name: str) -> int | None:
        value = getattr(member, name, None)
        return int(value) if value is not None else defaults.get(name)

    def hours(name: str) -> int | None:
        value = getattr(member, name, None)
        return int(value) * 60 if value is not None else None

    return {
        "max_duties_per_week": getattr(member, "max_duties_per_week", None),
        "max_duties": getattr(member, "max_duties_per_month", None),
        "min_minutes": hours("min_duty_hours_per_month") or 0,
        "max_minutes": hours("max_duty_hours_per_month"),
        "max_consecutive_days": own("max_consecutive_duty_days"),
        "min_consecutive_days": own("min_consecutive_duty_days") or 1,
        "min_consecutive_days_off": own("min_consecutive_days_off") or 1,
        "max_weekends": own("max_weekends_per_month"),
    }


def absence_days(
    absences: Iterable[tuple[int, dt.date, dt.date]], first: dt.date, last: dt.date
) -> dict[int, frozenset[int]]:
    """Member pk → day indexes of the month that (member pk, from, to) absences cover."""
    out: dict[int, set[int]] = {}
    for member_pk, start, end in absences:
        lo, hi = max(start, first), min(end, last)
        if lo <= hi:
            out.setdefault(member_pk, set()).update(range((lo - first).days, (hi - first).days + 1))
    return {pk: frozenset(days) for pk, days in out.items()}


def post_caps_per_kind(
    caps: Iterable[tuple[int, int, int]], rules: Sequence[Any]
) -> dict[int, dict[str, int]]:
    """Member pk → duty kind → cap, from (member pk, post pk, cap per month) triples.

    The solver caps duty kinds (rules); a post with several rules gives each of them the
    post's cap, so 0 ("never on this post") is exact and a positive cap is per rule.
    """
    kinds_of_post: dict[int, list[str]] = {}
    for rule in rules:
        kinds_of_post.setdefault(rule.post_id, []).append(kind_id(rule.pk))
    out: dict[int, dict[str, int]] = {}
    for member_pk, post_pk, cap in caps:
        for kind in kinds_of_post.get(post_pk, ()):
            per_kind = out.setdefault(member_pk, {})
            per_kind[kind] = min(cap, per_kind.get(kind, cap))
    return out


def build_problem(
    *,
    month: dt.date,
    rules: Sequence[Any],
    members: Sequence[Any],
    home_zones: dict[int, str | None] | None = None,
    pins: Iterable[tuple[int, dt.date, int]] = (),
    name: str = "",
    holidays: HolidayProvider | None = None,
    history: Iterable[tuple[int, dt.date, int]] = (),
    reference: Iterable[tuple[int, dt.date, int]] = (),
    min_rest_minutes: int = MIN_REST_MINUTES,
    weights: sm.Weights | None = None,
    employment_caps: Mapping[str, sm.EmploymentCaps] | None = None,
    member_defaults: Mapping[str, int | None] | None = None,
    forbid_night_then_early: bool = False,
    absences: Iterable[tuple[int, dt.date, dt.date]] = (),
    post_caps: Iterable[tuple[int, int, int]] = (),
) -> sm.Problem:
    """The solver's problem for one month.

    `rules` are active DutyRules (post selected), `members` active team members (roles
    prefetched), `home_zones` member pk → zone id, `pins` (member pk, date, rule pk) of the
    manual assignments that re-planning must keep, `holidays` the calendar that marks
    statutory holidays and 调休 (without it: no holidays, Saturday and Sunday are weekends).
    `history` (member pk, date, rule pk) of the previous month's last days (rest rules run
    across the month boundary), `reference` the same triples of the published roster that
    re-planning should change as little as possible, `min_rest_minutes` the rest between the
    end of one duty and the start of the next day's (shorter rest: a forbidden succession).
    The members' side (see `rostering.policy.planning_inputs`): `weights` of the soft rules,
    `employment_caps` by employment type, `member_defaults` the team's values of the limits a
    member leaves empty, `forbid_night_then_early`, `absences` (member pk, from, to) of
    approved leave and `post_caps` (member pk, post pk, cap per month; 0 = never).
    """
    weights = weights or sm.Weights()
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
                    under_weight=weights.cover_under + PRIORITY_STEP * max(rule.priority, 0),
                )
            )
    zones = home_zones or {}
    known_kinds = {k.id for k in kinds}
    days_off = absence_days(absences, first, last)
    kind_caps = post_caps_per_kind(post_caps, rules)
    solver_members = tuple(
        solver_member(
            m,
            zones.get(m.pk),
            days_off=days_off.get(m.pk, frozenset()),
            max_per_kind=kind_caps.get(m.pk),
            defaults=member_defaults,
        )
        for m in members
    )
    known_members = {m.id for m in solver_members}
    pinned = tuple(
        sm.Pin(member=member_id(m), day=(d - first).days, kind=kind_id(r))
        for m, d, r in pins
        if member_id(m) in known_members and kind_id(r) in known_kinds and first <= d <= last
    )
    days = calendar_days(holidays, first) if holidays is not None else None
    tails = history_tails(history, first, {k.id for k in kinds})
    if any(HISTORY_OTHER in tail for tail in tails.values()):
        kinds, solver_members = _with_history_kind(kinds, solver_members)
    tails = {m: t for m, t in tails.items() if m in known_members}
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
        forbidden_successions=rest_successions(rules, min_rest_minutes)
        | (sm.night_then_early_successions(kinds) if forbid_night_then_early else frozenset()),
        history=tails,
        reference=reference_assignments(reference, first, known_members, known_kinds),
        weights=weights,
        employment_caps=dict(employment_caps or {}),
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


# -- rest, history and the reference roster ---------------------------------------------------


def duty_span_minutes(rule: Any) -> tuple[int, int]:
    """(start, end) of a rule's duty in minutes from midnight of its date, lead included.

    The end may pass 24 h (an overnight duty) and the start may be negative (a lead time
    that begins the evening before).
    """
    start = rule.effective_start()
    begin = start.hour * 60 + start.minute
    return begin - rule.effective_lead(), begin + rule.effective_duration()


def rest_successions(rules: Sequence[Any], min_rest_minutes: int) -> frozenset[tuple[str, str]]:
    """Pairs (a, b): rule a's duty on day d leaves less than the minimum rest (or overlaps)
    before rule b's duty on day d + 1 — forbidden successions for the solver."""
    spans = {kind_id(rule.pk): duty_span_minutes(rule) for rule in rules}
    return frozenset(
        (a, b)
        for a, (_a_start, a_end) in spans.items()
        for b, (b_start, _b_end) in spans.items()
        if 24 * 60 + b_start - a_end < min_rest_minutes
    )


def history_tails(
    history: Iterable[tuple[int, dt.date, int]], first: dt.date, known_kinds: set[str]
) -> dict[str, tuple[str | None, ...]]:
    """Member id → duty kinds of the `HISTORY_DAYS` days before `first` (None = off).

    A duty of a rule that is not planned this month becomes `HISTORY_OTHER`; members without
    any duty in those days get no tail (nothing to carry over).
    """
    start = first - dt.timedelta(days=HISTORY_DAYS)
    tails: dict[str, list[str | None]] = {}
    for member_pk, day, rule_pk in sorted(history):
        if not start <= day < first:
            continue
        row = tails.setdefault(member_id(member_pk), [None] * HISTORY_DAYS)
        kind = kind_id(rule_pk)
        row[(day - start).days] = kind if kind in known_kinds else HISTORY_OTHER
    return {member: tuple(row) for member, row in tails.items()}


def _with_history_kind(
    kinds: tuple[sm.DutyKind, ...], members: tuple[sm.Member, ...]
) -> tuple[tuple[sm.DutyKind, ...], tuple[sm.Member, ...]]:
    """Add the `HISTORY_OTHER` kind, with a cap of zero for every member (never planned)."""
    other = sm.DutyKind(id=HISTORY_OTHER, name=HISTORY_OTHER)
    capped = tuple(replace(m, max_per_kind={**m.max_per_kind, HISTORY_OTHER: 0}) for m in members)
    return (*kinds, other), capped


def reference_assignments(
    reference: Iterable[tuple[int, dt.date, int]],
    first: dt.date,
    known_members: set[str],
    known_kinds: set[str],
) -> tuple[sm.Assignment, ...]:
    """The published roster as solver assignments (one per member and day, this month only)."""
    horizon = month_bounds(first)[1]
    seen: set[tuple[str, int]] = set()
    out = []
    for member_pk, day, rule_pk in sorted(reference):
        member, kind = member_id(member_pk), kind_id(rule_pk)
        if member not in known_members or kind not in known_kinds or not first <= day <= horizon:
            continue
        index = (day - first).days
        if (member, index) not in seen:
            seen.add((member, index))
            out.append(sm.Assignment(member=member, day=index, kind=kind))
    return tuple(out)


# -- solution → records ------------------------------------------------------------------------


def assignments_of(solution: sm.Solution, month: dt.date) -> list[tuple[int, dt.date, int]]:
    """(member pk, date, rule pk) of every assignment in the solution."""
    first = month.replace(day=1)
    return [
        (_pk(a.member), first + dt.timedelta(days=a.day), _pk(a.kind)) for a in solution.assignments
    ]


def findings_json(findings: Iterable[sm.Finding]) -> list[dict[str, Any]]:
    """Findings to store on the roster: code + params (rendered again on every page, so old
    rosters follow the reader's language), the solver's English `message` as a fallback and
    `display`, the text in the planner's language for API readers."""
    from shouwang.rostering.findings_text import plain_params as _plain_params
    from shouwang.rostering.findings_text import render_findings

    return render_findings(
        {
            "severity": f.severity,
            "code": f.code,
            "params": _plain_params(f.params),
            "message": f.message,
            "subject": f.subject,
        }
        for f in findings
    )


def uncovered_json(
    needs: Iterable[sm.UncoveredNeed], month: dt.date, kind_names: dict[str, str]
) -> list[dict[str, Any]]:
    """Uncovered needs to store on the roster, stored like `findings_json` (code + params,
    English `summary`/`text` fallbacks, `display` in the planner's language)."""
    from shouwang.rostering.findings_text import plain_params as _plain_params
    from shouwang.rostering.findings_text import render_uncovered

    first = month.replace(day=1)
    return render_uncovered(
        {
            "date": (first + dt.timedelta(days=n.day)).isoformat(),
            "rule": _pk(n.kind),
            "post": kind_names.get(n.kind, n.kind),
            "role": n.role,
            "missing": n.missing,
            "code": n.code,
            "params": _plain_params(n.params),
            "summary": n.summary,
            "reasons": [
                {
                    "member": c.member,
                    "rules": list(c.rules),
                    "code": c.code,
                    "params": _plain_params(c.params),
                    "text": c.text,
                }
                for c in n.candidates
            ],
        }
        for n in needs
    )
