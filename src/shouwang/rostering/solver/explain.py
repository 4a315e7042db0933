"""Explanations for needs a roster leaves uncovered.

For every demand that is short (head count) and every role missing within a demand, each
member of the team gets a reason why they are not on that duty: off that day, not qualified,
already on another duty, or the hard rule that adding them would break (cap reached,
consecutive days, forbidden succession, weekends, hours …).  A member no hard rule blocks is
said so plainly: leaving them out saved more penalty elsewhere, or the search stopped first.

Texts are English; every reason and need also carries a stable ``code`` and ``params`` (plain
values) from which the app renders it in the user's language.  Reason codes: ``role_missing``
(role), ``already_on_duty``, ``day_off``, ``lacks_qualifications`` (qualifications),
``kind_cap_zero`` (kind), ``pinned`` (kind, or None for a fixed day off), ``other_duty``
(kind), ``demand_maximum`` (maximum), ``hard_rules`` (rules), ``not_chosen``,
``search_stopped``.  Need codes: ``head_count_short`` (kind, date, missing, required) and
``role_short`` (kind, date, missing, role).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from shouwang.rostering.solver import evaluate
from shouwang.rostering.solver import model as m
from shouwang.rostering.solver.evaluate import Roster
from shouwang.rostering.solver.model import (
    CandidateReason,
    Demand,
    Member,
    ParamValue,
    Problem,
    UncoveredNeed,
)
from shouwang.rostering.solver.presolve import day_param


def _day(problem: Problem, day: int) -> str:
    if problem.start_date is not None:
        return (problem.start_date + dt.timedelta(days=day)).isoformat()
    return f"day {day + 1}"


def candidate_reason(
    problem: Problem,
    roster: Roster,
    member: Member,
    demand: Demand,
    role: str | None,
    *,
    proven_optimal: bool,
) -> CandidateReason:
    """Why this member does not fill the demand (or its role) in this roster."""
    kind = problem.kind(demand.kind)
    row = list(roster.get(member.id, [None] * problem.horizon_days))
    day = demand.day
    current = row[day]

    def reason(
        blocking: tuple[str, ...], text: str, code: str, **params: ParamValue
    ) -> CandidateReason:
        return CandidateReason(member.id, blocking, text, code, params)

    if role is not None and role not in member.qualifications:
        return reason((m.NOT_QUALIFIED,), f"does not hold {role}", "role_missing", role=role)
    if current == demand.kind:
        return reason((), "already on this duty", "already_on_duty")
    if day in member.days_off:
        return reason((m.DAY_OFF,), "day off, leave or unavailable", "day_off")
    if not problem.may_work(member, kind):
        missing = sorted(kind.required_qualifications - member.qualifications)
        if missing:
            return reason(
                (m.NOT_QUALIFIED,),
                "lacks " + ", ".join(missing),
                "lacks_qualifications",
                qualifications=tuple(missing),
            )
        return reason(
            (m.NOT_QUALIFIED,),
            f"may not work {kind.label()} (cap 0)",
            "kind_cap_zero",
            kind=kind.label(),
        )
    pins = problem.pins_of(member.id)
    if day in pins:
        pinned = problem.kind(pins[day] or "").label() if pins[day] else None
        return reason(
            (m.PINNED,), f"fixed to {pinned or 'a day off'} that day", "pinned", kind=pinned
        )
    if current is not None:
        return reason(
            (m.ONE_DUTY_PER_DAY,),
            f"already on {problem.kind(current).label()} that day",
            "other_duty",
            kind=problem.kind(current).label(),
        )
    before = {(v.rule, v.day, v.message) for v in evaluate.member_violations(problem, member, row)}
    row[day] = demand.kind
    after = evaluate.member_violations(problem, member, row)
    new = [v for v in after if (v.rule, v.day, v.message) not in before]
    if demand.maximum is not None:
        count = len(evaluate.assigned_to(roster, day, demand.kind))
        if count >= demand.maximum:
            return reason(
                (m.DEMAND_MAXIMUM,),
                f"the duty already has its maximum of {demand.maximum}",
                "demand_maximum",
                maximum=demand.maximum,
            )
    if new:
        rules = tuple(dict.fromkeys(v.rule for v in new))
        return reason(
            rules, "; ".join(m.HARD_RULE_LABELS[r] for r in rules), "hard_rules", rules=rules
        )
    if proven_optimal:
        return reason(
            (),
            "no hard rule blocks this member; adding them costs more penalty elsewhere",
            "not_chosen",
        )
    return reason(
        (),
        "no hard rule blocks this member; the search stopped before it could place them",
        "search_stopped",
    )


def uncovered_needs(
    problem: Problem, roster: Roster, *, proven_optimal: bool
) -> tuple[UncoveredNeed, ...]:
    """Every shortfall in the roster with each member's reason."""
    out: list[UncoveredNeed] = []
    members = {mem.id: mem for mem in problem.members}
    for demand in problem.demands:
        kind = problem.kind(demand.kind)
        on_duty = evaluate.assigned_to(roster, demand.day, demand.kind)
        needs: list[tuple[str | None, int]] = []
        if len(on_duty) < demand.required:
            needs.append((None, demand.required - len(on_duty)))
        for role_id, needed in sorted(demand.roles.items()):
            have = sum(role_id in members[mid].qualifications for mid in on_duty)
            if have < needed:
                needs.append((role_id, needed - have))
        for role, missing in needs:
            candidates = tuple(
                candidate_reason(problem, roster, mem, demand, role, proven_optimal=proven_optimal)
                for mem in problem.members
                if mem.id not in on_duty
            )
            tally = Counter(c.text for c in candidates)
            reasons = "; ".join(f"{n} × {text}" for text, n in tally.most_common())
            what = (
                f"{missing} member(s) with {role}"
                if role
                else f"{missing} of {demand.required} member(s)"
            )
            summary = f"{kind.label()} on {_day(problem, demand.day)}: {what} missing."
            if reasons:
                summary += f" Other members: {reasons}."
            else:
                summary += " The whole team is already on it."
            params: dict[str, ParamValue] = {
                "kind": kind.label(),
                "date": day_param(problem, demand.day),
                "missing": missing,
            }
            if role:
                params["role"] = role
            else:
                params["required"] = demand.required
            out.append(
                UncoveredNeed(
                    demand.day,
                    demand.kind,
                    role,
                    missing,
                    summary,
                    candidates,
                    "role_short" if role else "head_count_short",
                    params,
                )
            )
    return tuple(out)
