"""A plain CP-SAT model of a Shift Scheduling Benchmark instance: the textbook formulation.

This is the yardstick for the engine's own modelling.  It is built directly from the parsed
instance file (not from the engine's ``Problem``) with the formulation found in textbooks and
tutorials: one Boolean per employee, day and shift; linear constraints for every rule; the
minimum-run rules as "a block that starts here lasts at least n days"; cover under/over as
slack variables.  No hints, no redundant constraints, default search, and the same time
limit, workers and seed as the engine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from shouwang.rostering.solver.curtois import CurtoisInstance


@dataclass(frozen=True)
class BaselineResult:
    """The baseline's roster and statistics."""

    roster: dict[str, list[str | None]] | None
    objective: int | None
    bound: float | None
    proven_optimal: bool
    time_to_best_s: float | None
    wall_time_s: float
    status: str


class _Tracker(cp_model.CpSolverSolutionCallback):
    """Remembers when the last improving solution arrived."""

    def __init__(self, start: float) -> None:
        super().__init__()
        self.start = start
        self.last: float | None = None

    def on_solution_callback(self) -> None:
        self.last = time.perf_counter() - self.start


def solve_baseline(
    inst: CurtoisInstance, *, time_limit_s: float, seed: int, workers: int
) -> BaselineResult:
    """Build and solve the textbook model."""
    start = time.perf_counter()
    model = cp_model.CpModel()
    days = range(inst.horizon)
    shifts = [s.id for s in inst.shifts]
    x = {
        (e.id, d, s): model.new_bool_var(f"x_{e.id}_{d}_{s}")
        for e in inst.staff
        for d in days
        for s in shifts
    }
    minutes = {s.id: s.minutes for s in inst.shifts}

    def works(e: str, d: int) -> cp_model.LinearExpr:
        return sum(x[e, d, s] for s in shifts)  # type: ignore[return-value]

    for e in inst.staff:
        for d in days:
            model.add(works(e.id, d) <= 1)
        for d in inst.days_off.get(e.id, ()):
            model.add(works(e.id, d) == 0)
        for s, cap in e.max_shifts.items():
            model.add(sum(x[e.id, d, s] for d in days) <= cap)
        total = sum(minutes[s] * x[e.id, d, s] for d in days for s in shifts)
        model.add(total <= e.max_minutes)
        model.add(total >= e.min_minutes)
        for d in range(inst.horizon - e.max_consecutive):
            model.add(
                sum(works(e.id, d + j) for j in range(e.max_consecutive + 1)) <= e.max_consecutive
            )
        for d in range(1, inst.horizon):
            for j in range(1, e.min_consecutive):
                if d + j < inst.horizon:
                    model.add(works(e.id, d) - works(e.id, d - 1) <= works(e.id, d + j))
            for j in range(1, e.min_consecutive_off):
                if d + j < inst.horizon:
                    model.add(works(e.id, d - 1) - works(e.id, d) <= 1 - works(e.id, d + j))
        weekend_vars = []
        for w in range(inst.horizon // 7):
            wk = model.new_bool_var(f"wk_{e.id}_{w}")
            for d in (7 * w + 5, 7 * w + 6):
                if d < inst.horizon:
                    model.add(wk >= works(e.id, d))
            weekend_vars.append(wk)
        model.add(sum(weekend_vars) <= e.max_weekends)
        for shift in inst.shifts:
            for nxt in shift.not_followed_by:
                for d in range(inst.horizon - 1):
                    model.add(x[e.id, d, shift.id] + x[e.id, d + 1, nxt] <= 1)

    objective = []
    for r in inst.on_requests:
        objective.append(r.weight * (1 - x[r.staff, r.day, r.shift]))
    for r in inst.off_requests:
        objective.append(r.weight * x[r.staff, r.day, r.shift])
    for c in inst.cover:
        on = sum(x[e.id, c.day, c.shift] for e in inst.staff)
        under = model.new_int_var(0, len(inst.staff) + c.requirement, f"u_{c.day}_{c.shift}")
        over = model.new_int_var(0, len(inst.staff) + c.requirement, f"o_{c.day}_{c.shift}")
        model.add(on + under - over == c.requirement)
        objective.append(c.under_weight * under + c.over_weight * over)
    model.minimize(sum(objective))

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit_s - (time.perf_counter() - start), 0.1)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    tracker = _Tracker(start)
    status = solver.solve(model, tracker)
    wall = time.perf_counter() - start
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return BaselineResult(None, None, None, False, None, wall, solver.status_name(status))
    roster: dict[str, list[str | None]] = {}
    for e in inst.staff:
        row: list[str | None] = []
        for d in days:
            row.append(next((s for s in shifts if solver.boolean_value(x[e.id, d, s])), None))
        roster[e.id] = row
    return BaselineResult(
        roster=roster,
        objective=round(solver.objective_value),
        bound=solver.best_objective_bound,
        proven_optimal=status == cp_model.OPTIMAL,
        time_to_best_s=tracker.last,
        wall_time_s=wall,
        status=solver.status_name(status),
    )
