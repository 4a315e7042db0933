"""Checks before solving: inputs that cannot work, said in plain words.

Findings have a severity: ``error`` means part of the month cannot be covered or the hard
rules cannot all hold (the solver still runs and returns the best partial roster, or reports
infeasibility); ``warning`` means a demand will probably stay short; ``info`` is advice.
Messages are English sentences; each finding also carries its ``code`` and ``params`` (labels,
dates, counts as plain values), from which the app renders it in the user's language.
Dates in params are ISO strings when the problem has a start date, else 1-based day numbers.
"""

from __future__ import annotations

import datetime as dt

from shouwang.rostering.solver.model import DutyKind, Finding, Member, ParamValue, Problem

#: How many dates a finding names before "and n more".
DATES_SHOWN = 5


def _day(problem: Problem, day: int) -> str:
    """A day as the office reads it: the date if known, else the day number."""
    if problem.start_date is not None:
        return (problem.start_date + dt.timedelta(days=day)).isoformat()
    return f"day {day + 1}"


def _days(problem: Problem, days: list[int], limit: int = DATES_SHOWN) -> str:
    shown = ", ".join(_day(problem, d) for d in days[:limit])
    return shown + (f" and {len(days) - limit} more" if len(days) > limit else "")


def day_param(problem: Problem, day: int) -> str | int:
    """A day for ``params``: the ISO date if known, else the 1-based day number."""
    if problem.start_date is not None:
        return (problem.start_date + dt.timedelta(days=day)).isoformat()
    return day + 1


def _days_params(problem: Problem, days: list[int]) -> dict[str, ParamValue]:
    """``dates`` (the first few) and ``more`` (how many are left out) for ``params``."""
    return {
        "dates": tuple(day_param(problem, d) for d in days[:DATES_SHOWN]),
        "more": max(0, len(days) - DATES_SHOWN),
    }


def _available(problem: Problem, member: Member, kind: DutyKind, day: int) -> bool:
    """Whether the member could work the kind on the day, judging that day alone."""
    if day in member.days_off or not problem.may_work(member, kind):
        return False
    pins = problem.pins_of(member.id)
    return day not in pins or pins[day] == kind.id


def check(problem: Problem) -> tuple[Finding, ...]:
    """All findings for a problem, most severe first."""
    findings: list[Finding] = []
    findings += _demand_findings(problem)
    findings += _member_findings(problem)
    order = {"error": 0, "warning": 1, "info": 2}
    return tuple(sorted(findings, key=lambda f: order[f.severity]))


def _demand_findings(problem: Problem) -> list[Finding]:
    out: list[Finding] = []
    kinds = {k.id: k for k in problem.duty_kinds}
    members = problem.members
    qualified = {
        k.id: [mem for mem in members if problem.may_work(mem, k)] for k in problem.duty_kinds
    }
    nobody: dict[str, list[int]] = {}
    too_big: dict[str, list[int]] = {}
    role_short: dict[tuple[str, str], list[int]] = {}
    all_off: dict[str, list[int]] = {}
    short: dict[str, list[int]] = {}
    for demand in sorted(problem.demands, key=lambda d: (d.kind, d.day)):
        if demand.required <= 0 and not demand.roles:
            continue
        kind = kinds[demand.kind]
        team = qualified[kind.id]
        if demand.maximum is not None and demand.required > demand.maximum:
            out.append(
                Finding(
                    "error",
                    "demand_above_maximum",
                    f"{kind.label()} on {_day(problem, demand.day)} asks for {demand.required} "
                    f"members but allows at most {demand.maximum}.",
                    kind.id,
                    {
                        "kind": kind.label(),
                        "date": day_param(problem, demand.day),
                        "required": demand.required,
                        "maximum": demand.maximum,
                    },
                )
            )
        if not team:
            nobody.setdefault(kind.id, []).append(demand.day)
            continue
        if demand.required > len(team):
            too_big.setdefault(kind.id, []).append(demand.day)
        for role, needed in demand.roles.items():
            holders = [mem for mem in team if role in mem.qualifications]
            if needed > len(holders):
                role_short.setdefault((kind.id, role), []).append(demand.day)
        free = [mem for mem in team if _available(problem, mem, kind, demand.day)]
        if not free:
            all_off.setdefault(kind.id, []).append(demand.day)
        elif len(free) < demand.required <= len(team):
            short.setdefault(kind.id, []).append(demand.day)
    for kind_id, days in nobody.items():
        kind = kinds[kind_id]
        quals = ", ".join(sorted(kind.required_qualifications))
        why = f" (it requires {quals})" if quals else ""
        out.append(
            Finding(
                "error",
                "kind_without_members",
                f"Nobody may work {kind.label()}{why}: no member is qualified or every "
                f"member's cap for it is 0. It is needed on {_days(problem, days)} and cannot "
                "be covered.",
                kind_id,
                {
                    "kind": kind.label(),
                    "qualifications": tuple(sorted(kind.required_qualifications)),
                    **_days_params(problem, days),
                },
            )
        )
    for kind_id, days in too_big.items():
        kind = kinds[kind_id]
        need = max(d.required for d in problem.demands if d.kind == kind_id and d.day in days)
        out.append(
            Finding(
                "error",
                "composition_larger_than_team",
                f"{kind.label()} needs up to {need} members on {_days(problem, days)}, but "
                f"only {len(qualified[kind_id])} members may work it at all.",
                kind_id,
                {
                    "kind": kind.label(),
                    "need": need,
                    "team": len(qualified[kind_id]),
                    **_days_params(problem, days),
                },
            )
        )
    for (kind_id, role), days in role_short.items():
        kind = kinds[kind_id]
        out.append(
            Finding(
                "error",
                "role_larger_than_team",
                f"{kind.label()} needs more members with {role} than the team has who may work "
                f"it ({_days(problem, days)}).",
                kind_id,
                {"kind": kind.label(), "role": role, **_days_params(problem, days)},
            )
        )
    for kind_id, days in all_off.items():
        out.append(
            Finding(
                "warning",
                "everyone_off",
                f"Every member qualified for {kinds[kind_id].label()} is off on "
                f"{_days(problem, days)}; it cannot be covered then.",
                kind_id,
                {"kind": kinds[kind_id].label(), **_days_params(problem, days)},
            )
        )
    for kind_id, days in short.items():
        out.append(
            Finding(
                "warning",
                "too_few_available",
                f"Fewer members qualified for {kinds[kind_id].label()} are available than "
                f"needed on {_days(problem, days)}.",
                kind_id,
                {"kind": kinds[kind_id].label(), **_days_params(problem, days)},
            )
        )
    return out


def _member_findings(problem: Problem) -> list[Finding]:
    out: list[Finding] = []
    kinds = {k.id: k for k in problem.duty_kinds}
    for mem in problem.members:
        workable = [k for k in problem.duty_kinds if problem.may_work(mem, k)]
        pins = problem.pins_of(mem.id)
        for day, kind_id in sorted(pins.items()):
            if kind_id is None:
                continue
            if day in mem.days_off:
                out.append(
                    Finding(
                        "error",
                        "pinned_on_day_off",
                        f"{mem.label()} is fixed to {kinds[kind_id].label()} on "
                        f"{_day(problem, day)}, which is a day off.",
                        mem.id,
                        {
                            "member": mem.label(),
                            "kind": kinds[kind_id].label(),
                            "date": day_param(problem, day),
                        },
                    )
                )
            elif not problem.may_work(mem, kinds[kind_id]):
                out.append(
                    Finding(
                        "error",
                        "pinned_not_qualified",
                        f"{mem.label()} is fixed to {kinds[kind_id].label()} on "
                        f"{_day(problem, day)} but may not work it.",
                        mem.id,
                        {
                            "member": mem.label(),
                            "kind": kinds[kind_id].label(),
                            "date": day_param(problem, day),
                        },
                    )
                )
        if mem.max_minutes is not None and mem.min_minutes > mem.max_minutes:
            out.append(
                Finding(
                    "error",
                    "min_hours_above_max",
                    f"{mem.label()} must work at least {mem.min_minutes / 60:g} h but at most "
                    f"{mem.max_minutes / 60:g} h.",
                    mem.id,
                    {
                        "member": mem.label(),
                        "min_hours": mem.min_minutes / 60,
                        "max_hours": mem.max_minutes / 60,
                    },
                )
            )
        if mem.min_minutes > 0:
            free_days = [
                d
                for d in range(problem.horizon_days)
                if d not in mem.days_off and pins.get(d, "") is not None
            ]
            longest = max((k.duration_minutes for k in workable), default=0)
            reachable = len(free_days) * longest
            cap_total = problem.max_duties_of(mem)
            if cap_total is not None:
                reachable = min(reachable, cap_total * longest)
            if mem.max_consecutive_days is not None and mem.max_consecutive_days >= 0:
                # At most cap duty days in every cap + 1 consecutive days.
                blocks = -(-problem.horizon_days // (mem.max_consecutive_days + 1))
                reachable = min(reachable, blocks * mem.max_consecutive_days * longest)
            if reachable < mem.min_minutes:
                out.append(
                    Finding(
                        "error",
                        "min_hours_unreachable",
                        f"{mem.label()} must work at least {mem.min_minutes / 60:g} h, but with "
                        f"the days off, qualifications and caps at most {reachable / 60:g} h "
                        "are possible.",
                        mem.id,
                        {
                            "member": mem.label(),
                            "min_hours": mem.min_minutes / 60,
                            "reachable_hours": reachable / 60,
                        },
                    )
                )
        if (
            mem.max_consecutive_days is not None
            and mem.min_consecutive_days > mem.max_consecutive_days > 0
        ):
            out.append(
                Finding(
                    "warning",
                    "min_run_above_max_run",
                    f"{mem.label()}'s minimum run of duty days ({mem.min_consecutive_days}) is "
                    f"longer than the maximum ({mem.max_consecutive_days}); only runs at the "
                    "start or end of the month are possible.",
                    mem.id,
                    {
                        "member": mem.label(),
                        "min_run": mem.min_consecutive_days,
                        "max_run": mem.max_consecutive_days,
                    },
                )
            )
        for req in mem.requests:
            if req.wanted and not problem.may_work(mem, kinds[req.kind]):
                out.append(
                    Finding(
                        "info",
                        "request_not_possible",
                        f"{mem.label()} asked to work {kinds[req.kind].label()} on "
                        f"{_day(problem, req.day)} but may not work it; the wish cannot be "
                        "granted.",
                        mem.id,
                        {
                            "member": mem.label(),
                            "kind": kinds[req.kind].label(),
                            "date": day_param(problem, req.day),
                        },
                    )
                )
    return out
