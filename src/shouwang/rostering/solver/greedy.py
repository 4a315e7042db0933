"""A fast greedy roster, used as a solution hint for CP-SAT.

Day by day, each demand takes the members who may work it without breaking a hard rule that
can be judged so far (day off, qualification, caps, minutes, consecutive days, successions,
weekends, minimum rest), preferring members who asked for the duty, who are in the middle of
a run that is still too short, and who are furthest from their minimum hours.  Roles a demand
asks for are filled first by members holding them; then members from the duty's home zone
and those with fewer duties (and fewer nights) so far are preferred, and demands with the
fewest qualified members are served first each day, so scarce members go where only they
can.  The result need not be feasible (minimum hours and runs are only encouraged); CP-SAT
repairs the hint.
"""

from __future__ import annotations

from shouwang.rostering.solver.evaluate import demand_weights
from shouwang.rostering.solver.model import Problem


def roster(problem: Problem) -> dict[str, list[str | None]]:
    """Member id → duty kind per day (None = off)."""
    horizon = problem.horizon_days
    kinds = {k.id: k for k in problem.duty_kinds}
    table: dict[str, list[str | None]] = {mem.id: [None] * horizon for mem in problem.members}
    per_kind: dict[tuple[str, str], int] = {}
    minutes = dict.fromkeys(table, 0)
    duties = dict.fromkeys(table, 0)
    weekend_of = {d: i for i, wk in enumerate(problem.weekends()) for d in wk}
    weekends_worked: dict[str, set[int]] = {mem.id: set() for mem in problem.members}
    week_of = {d: i for i, wk in enumerate(problem.weeks()) for d in wk}
    week_count: dict[tuple[str, int], int] = {}
    wishes: dict[tuple[str, int, str], int] = {}
    for mem in problem.members:
        for req in mem.requests:
            wish = (mem.id, req.day, req.kind)
            wishes[wish] = wishes.get(wish, 0) + (req.weight if req.wanted else -req.weight)
    pins = {(p.member, p.day): p.kind for p in problem.pinned}
    members = {mem.id: mem for mem in problem.members}

    def on_duty(day: int, kind_id: str) -> list[str]:
        return [mid for mid, row in table.items() if row[day] == kind_id]

    def ext(member_id: str, day: int) -> list[bool]:
        tail = [k is not None for k in problem.history.get(member_id, ())]
        return tail + [k is not None for k in table[member_id][:day]]

    def run_before(member_id: str, day: int) -> tuple[bool, int, bool]:
        seq = ext(member_id, day)
        if not seq:
            return False, 0, True
        value, length = seq[-1], 0
        while length < len(seq) and seq[-1 - length] == value:
            length += 1
        return value, length, length == len(seq)

    nights: dict[str, int] = dict.fromkeys(table, 0)

    def place(member_id: str, day: int, kind_id: str) -> None:
        table[member_id][day] = kind_id
        per_kind[member_id, kind_id] = per_kind.get((member_id, kind_id), 0) + 1
        minutes[member_id] += kinds[kind_id].duration_minutes
        duties[member_id] += 1
        nights[member_id] += kinds[kind_id].is_night
        key = (member_id, week_of[day])
        week_count[key] = week_count.get(key, 0) + 1
        if day in weekend_of:
            weekends_worked[member_id].add(weekend_of[day])

    for mem in problem.members:
        for day in range(horizon):
            pinned = pins.get((mem.id, day))
            if pinned is not None:
                place(mem.id, day, pinned)  # pins count towards the caps like any duty

    qualified = {
        k.id: sum(problem.may_work(mem, k) for mem in problem.members) for k in problem.duty_kinds
    }
    # Township-shaped months (roles, home zones) serve scarce kinds first and spread the load;
    # benchmark-shaped ones keep the plain order, which suits their minimum-hours and run rules
    # (measured on the Curtois instances: spreading there makes the hint worse).
    scarce_first = any(d.roles for d in problem.demands)
    spread = scarce_first or any(k.zone is not None for k in problem.duty_kinds)
    by_day: dict[int, list[int]] = {}
    for i, demand in enumerate(problem.demands):
        by_day.setdefault(demand.day, []).append(i)
    for day in range(horizon):
        # Dearest shortfall first; among equals, the kind fewest members may work.
        order = sorted(
            by_day.get(day, []),
            key=lambda i: (
                -demand_weights(problem, problem.demands[i])[0],
                qualified[problem.demands[i].kind] if scarce_first else 0,
                i,
            ),
        )
        for index in order:
            demand = problem.demands[index]
            kind = kinds[demand.kind]
            have = sum(1 for row in table.values() if row[day] == kind.id)
            need = demand.required - have
            if demand.maximum is not None:
                need = min(need, demand.maximum - have)
            scored: list[tuple[float, str]] = []
            for mem in problem.members:
                if need <= 0:
                    break
                row = table[mem.id]
                if row[day] is not None or day in mem.days_off or (mem.id, day) in pins:
                    continue
                if not problem.may_work(mem, kind):
                    continue
                cap = mem.max_per_kind.get(kind.id)
                if cap is not None and per_kind.get((mem.id, kind.id), 0) >= cap:
                    continue
                if (
                    mem.max_minutes is not None
                    and minutes[mem.id] + kind.duration_minutes > mem.max_minutes
                ):
                    continue
                cap_total = problem.max_duties_of(mem)
                if cap_total is not None and duties[mem.id] >= cap_total:
                    continue
                cap_week = problem.max_duties_per_week_of(mem)
                if cap_week is not None and week_count.get((mem.id, week_of[day]), 0) >= cap_week:
                    continue
                worked, length, at_edge = run_before(mem.id, day)
                if (
                    worked
                    and mem.max_consecutive_days is not None
                    and length >= mem.max_consecutive_days
                ):
                    continue
                if not worked and not at_edge and length < mem.min_consecutive_days_off:
                    continue
                prev = (
                    table[mem.id][day - 1]
                    if day > 0
                    else (problem.history.get(mem.id) or (None,))[-1]
                )
                if prev is not None and (prev, kind.id) in problem.forbidden_successions:
                    continue
                wk = weekend_of.get(day)
                if (
                    wk is not None
                    and mem.max_weekends is not None
                    and wk not in weekends_worked[mem.id]
                    and len(weekends_worked[mem.id]) >= mem.max_weekends
                ):
                    continue
                score = 10.0 * wishes.get((mem.id, day, kind.id), 0)
                if worked and length < mem.min_consecutive_days:
                    score += 50
                if mem.min_minutes:
                    score += 20 * (mem.min_minutes - minutes[mem.id]) / mem.min_minutes
                if kind.zone is not None and mem.home_zone is not None:
                    score += 3 if kind.zone == mem.home_zone else -3
                if spread:
                    # Spread the load (and the nights) so that caps bind late and evenly;
                    # members with minimum hours are already steered by the distance to them.
                    if not mem.min_minutes:
                        score -= 0.5 * duties[mem.id]
                    if kind.is_night:
                        score -= 2.0 * nights[mem.id]
                scored.append((-score, mem.id))
            scored.sort()
            # Roles first: each pick prefers a holder of a role still missing on this duty.
            missing = {
                role: n - sum(role in members[mid].qualifications for mid in on_duty(day, kind.id))
                for role, n in demand.roles.items()
            }
            chosen: list[str] = []
            pool = [member_id for _, member_id in scored]
            for _ in range(max(need, 0)):
                if not pool:
                    break
                best = max(
                    range(len(pool)),
                    key=lambda j: (
                        sum(missing.get(r, 0) > 0 for r in members[pool[j]].qualifications),
                        -j,
                    ),
                )
                member_id = pool.pop(best)
                chosen.append(member_id)
                for role in members[member_id].qualifications:
                    if role in missing:
                        missing[role] -= 1
            for member_id in chosen:
                place(member_id, day, kind.id)
    return table
