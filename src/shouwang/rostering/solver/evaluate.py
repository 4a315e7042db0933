"""Rule-by-rule evaluation of a roster against a problem, without any solver.

The CP-SAT model states the rules as constraints; this module states the same rules as plain
Python over a finished roster.  The solver uses it to report the penalty of every soft rule by
name, the explanations use it to say which hard rule blocks a member, and the app can use it
to re-check a roster an office edited by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from shouwang.rostering.solver import model as m
from shouwang.rostering.solver.model import Member, MemberLoad, Problem

#: Member id → duty kind per day (None = off).
Roster = Mapping[str, Sequence[str | None]]


@dataclass(frozen=True)
class Violation:
    """A hard rule a roster breaks."""

    rule: str
    member: str
    day: int | None
    message: str


def runs(values: Sequence[bool]) -> list[tuple[bool, int, int]]:
    """Maximal runs of equal values as (value, first index, length)."""
    result: list[tuple[bool, int, int]] = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            result.append((values[start], start, i - start))
            start = i
    return result


def member_violations(
    problem: Problem, member: Member, row: Sequence[str | None]
) -> list[Violation]:
    """Every hard rule the member's row breaks (demand maxima are checked separately)."""
    out: list[Violation] = []
    kinds = {k.id: k for k in problem.duty_kinds}
    horizon = problem.horizon_days

    def add(rule: str, day: int | None, detail: str) -> None:
        out.append(Violation(rule, member.id, day, f"{member.label()}: {detail}"))

    if len(row) != horizon:
        add(m.ONE_DUTY_PER_DAY, None, f"row has {len(row)} days, expected {horizon}")
        return out
    pins = problem.pins_of(member.id)
    per_kind: dict[str, int] = {}
    minutes = 0
    for day, kind_id in enumerate(row):
        if day in pins and pins[day] != kind_id:
            add(m.PINNED, day, f"day {day} is fixed to {pins[day] or 'off'}")
        if kind_id is None:
            continue
        kind = kinds.get(kind_id)
        if kind is None:
            add(m.NOT_QUALIFIED, day, f"unknown duty kind {kind_id!r} on day {day}")
            continue
        if day in member.days_off:
            add(m.DAY_OFF, day, f"works {kind_id} on day {day}, a day off")
        if not problem.may_work(member, kind):
            add(m.NOT_QUALIFIED, day, f"may not work {kind_id} (day {day})")
        per_kind[kind_id] = per_kind.get(kind_id, 0) + 1
        minutes += kind.duration_minutes
    for kind_id, count in per_kind.items():
        cap = member.max_per_kind.get(kind_id)
        if cap is not None and count > cap:
            add(m.KIND_CAP, None, f"{count} × {kind_id}, cap {cap}")
    worked = [k is not None for k in row]
    total = sum(worked)
    cap_total = problem.max_duties_of(member)
    if cap_total is not None and total > cap_total:
        add(m.MAX_DUTIES, None, f"{total} duties, cap {cap_total}")
    cap_week = problem.max_duties_per_week_of(member)
    if cap_week is not None:
        for week in problem.weeks():
            count = sum(worked[d] for d in week)
            if count > cap_week:
                add(m.MAX_DUTIES_PER_WEEK, week[0], f"{count} duties in week from day {week[0]}")
    if minutes < member.min_minutes:
        add(m.MIN_MINUTES, None, f"{minutes} min on duty, minimum {member.min_minutes}")
    if member.max_minutes is not None and minutes > member.max_minutes:
        add(m.MAX_MINUTES, None, f"{minutes} min on duty, maximum {member.max_minutes}")
    if member.max_weekends is not None:
        count = sum(any(worked[d] for d in wk) for wk in problem.weekends())
        if count > member.max_weekends:
            add(m.MAX_WEEKENDS, None, f"{count} weekends worked, maximum {member.max_weekends}")
    tail = tuple(problem.history.get(member.id, ()))
    out.extend(_sequence_violations(problem, member, tail, row))
    return out


def _sequence_violations(
    problem: Problem, member: Member, tail: tuple[str | None, ...], row: Sequence[str | None]
) -> list[Violation]:
    """Consecutive-day rules and successions over history + period (edge rules apply)."""
    out: list[Violation] = []
    offset = len(tail)
    ext = list(tail) + list(row)
    worked = [k is not None for k in ext]
    last = len(ext)
    for value, start, length in runs(worked):
        if start + length <= offset:
            continue  # entirely in the previous period: not ours to judge
        day = max(start - offset, 0)
        touches_edge = start == 0 or start + length == last
        if value:
            cap = member.max_consecutive_days
            if cap is not None and length > cap:
                out.append(
                    Violation(
                        m.MAX_CONSECUTIVE_DAYS,
                        member.id,
                        day,
                        f"{member.label()}: {length} consecutive duty days from day "
                        f"{start - offset}, maximum {cap}",
                    )
                )
            if not touches_edge and length < member.min_consecutive_days:
                out.append(
                    Violation(
                        m.MIN_CONSECUTIVE_DAYS,
                        member.id,
                        day,
                        f"{member.label()}: only {length} consecutive duty days from day "
                        f"{start - offset}, minimum {member.min_consecutive_days}",
                    )
                )
        elif not touches_edge and length < member.min_consecutive_days_off:
            out.append(
                Violation(
                    m.MIN_CONSECUTIVE_DAYS_OFF,
                    member.id,
                    day,
                    f"{member.label()}: only {length} consecutive days off from day "
                    f"{start - offset}, minimum {member.min_consecutive_days_off}",
                )
            )
    forbidden = problem.forbidden_successions
    for i in range(max(offset - 1, 0), last - 1):
        a, b = ext[i], ext[i + 1]
        if a is not None and b is not None and (a, b) in forbidden:
            out.append(
                Violation(
                    m.FORBIDDEN_SUCCESSION,
                    member.id,
                    i + 1 - offset,
                    f"{member.label()}: {b} on day {i + 1 - offset} after {a} the day before",
                )
            )
    return out


def assigned_to(roster: Roster, day: int, kind: str) -> list[str]:
    """Members on a duty kind on a day."""
    return [member for member, row in roster.items() if row[day] == kind]


def demand_violations(problem: Problem, roster: Roster) -> list[Violation]:
    """Demands whose hard maximum is exceeded."""
    out: list[Violation] = []
    for demand in problem.demands:
        if demand.maximum is None:
            continue
        count = len(assigned_to(roster, demand.day, demand.kind))
        if count > demand.maximum:
            out.append(
                Violation(
                    m.DEMAND_MAXIMUM,
                    "",
                    demand.day,
                    f"{count} members on {demand.kind} on day {demand.day}, "
                    f"maximum {demand.maximum}",
                )
            )
    return out


def hard_violations(problem: Problem, roster: Roster) -> list[Violation]:
    """Every hard rule the roster breaks; empty means the roster is feasible."""
    out: list[Violation] = []
    for member in problem.members:
        row = roster.get(member.id, [None] * problem.horizon_days)
        out.extend(member_violations(problem, member, row))
    out.extend(demand_violations(problem, roster))
    return out


def fairness_groups(problem: Problem, kinds: Iterable[str]) -> list[list[Member]]:
    """Members who may work one of ``kinds``, grouped by employment type (fair within a group)."""
    kind_set = set(kinds)
    groups: dict[str | None, list[Member]] = {}
    for member in problem.members:
        if any(problem.may_work(member, k) for k in problem.duty_kinds if k.id in kind_set):
            groups.setdefault(member.employment_type, []).append(member)
    return [g for _, g in sorted(groups.items(), key=lambda kv: kv[0] or "") if len(g) > 1]


def demand_weights(problem: Problem, demand: m.Demand) -> tuple[int, int, int]:
    """The (under, over, role) weights that apply to a demand."""
    w = problem.weights
    under = w.cover_under if demand.under_weight is None else demand.under_weight
    over = w.cover_over if demand.over_weight is None else demand.over_weight
    role = w.role_missing if demand.role_weight is None else demand.role_weight
    return under, over, role


def penalties(problem: Problem, roster: Roster) -> dict[str, int]:
    """The penalty of every soft rule, by name (the objective is their sum)."""
    result = dict.fromkeys(m.SOFT_RULES, 0)
    w = problem.weights
    members = {mem.id: mem for mem in problem.members}
    kinds = {k.id: k for k in problem.duty_kinds}
    for demand in problem.demands:
        on_duty = assigned_to(roster, demand.day, demand.kind)
        under, over, role_weight = demand_weights(problem, demand)
        count = len(on_duty)
        result[m.COVER_UNDER] += under * max(0, demand.required - count)
        result[m.COVER_OVER] += over * max(0, count - demand.required)
        for role, needed in demand.roles.items():
            have = sum(role in members[mid].qualifications for mid in on_duty)
            result[m.ROLE_MISSING] += role_weight * max(0, needed - have)
    for member in problem.members:
        row = roster.get(member.id, [None] * problem.horizon_days)
        for req in member.requests:
            granted = row[req.day] == req.kind
            if req.wanted and not granted:
                result[m.SHIFT_ON_REQUEST] += w.shift_on_request * req.weight
            if not req.wanted and granted:
                result[m.SHIFT_OFF_REQUEST] += w.shift_off_request * req.weight
        if member.home_zone is not None:
            for kind_id in row:
                zone = kinds[kind_id].zone if kind_id is not None else None
                if zone is not None and zone != member.home_zone:
                    result[m.AWAY_FROM_HOME_ZONE] += w.away_from_home_zone
    result[m.CHANGED_ASSIGNMENT] += w.changed_assignment * changed_count(problem, roster)
    for rule, counter in fairness_counters(problem).items():
        weight = w.of(rule)
        if weight == 0:
            continue
        days, kind_ids = counter
        for group in fairness_groups(problem, kind_ids):
            counts = [
                sum(
                    1
                    for d in days
                    if roster.get(mem.id, [None] * problem.horizon_days)[d] in kind_ids
                )
                for mem in group
            ]
            result[rule] += weight * (max(counts) - min(counts))
    return result


def changed_count(problem: Problem, roster: Roster) -> int:
    """Reference assignments the roster dropped plus assignments it added (0 without one)."""
    if not problem.reference:
        return 0
    reference = problem.reference_set()
    now = {
        (member, day, kind)
        for member, row in roster.items()
        for day, kind in enumerate(row)
        if kind is not None
    }
    return len(reference - now) + len(now - reference)


def fairness_counters(problem: Problem) -> dict[str, tuple[list[int], set[str]]]:
    """For each fairness rule that applies: the days and the duty kinds it counts."""
    all_days = list(range(problem.horizon_days))
    all_kinds = {k.id for k in problem.duty_kinds}
    nights = {k.id for k in problem.duty_kinds if k.is_night}
    weekend_days = [d for d in all_days if problem.is_weekend(d)]
    holidays = sorted(d for d in problem.holidays if 0 <= d < problem.horizon_days)
    counters: dict[str, tuple[list[int], set[str]]] = {}
    if nights:
        counters[m.FAIR_NIGHTS] = (all_days, nights)
    if weekend_days:
        counters[m.FAIR_WEEKENDS] = (weekend_days, all_kinds)
    if holidays:
        counters[m.FAIR_HOLIDAYS] = (holidays, all_kinds)
    return counters


def loads(problem: Problem, roster: Roster) -> tuple[MemberLoad, ...]:
    """Each member's load in the roster."""
    kinds = {k.id: k for k in problem.duty_kinds}
    weekends = problem.weekends()
    result = []
    for member in problem.members:
        row = roster.get(member.id, [None] * problem.horizon_days)
        per_kind: dict[str, int] = {}
        for kind_id in row:
            if kind_id is not None:
                per_kind[kind_id] = per_kind.get(kind_id, 0) + 1
        worked_days = [d for d, k in enumerate(row) if k is not None]
        result.append(
            MemberLoad(
                member=member.id,
                duties=len(worked_days),
                minutes=sum(kinds[k].duration_minutes for k in row if k is not None),
                nights=sum(1 for k in row if k is not None and kinds[k].is_night),
                weekend_days=sum(1 for d in worked_days if problem.is_weekend(d)),
                weekends=sum(1 for wk in weekends if any(row[d] is not None for d in wk)),
                holidays=sum(1 for d in worked_days if d in problem.holidays),
                per_kind=per_kind,
            )
        )
    return tuple(result)
