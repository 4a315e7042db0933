"""Quality targets of the roster engine on township-sized months.

Two targets, each measured against a baseline solved in the same run with the same time
limit, workers and seed: plain CP-SAT with default parameters on the engine's own model (no
greedy hint, no neighbourhood search), so the ratio shows what the engine's search adds.

(a) the demo township's month (``demo_month.py``, built through the app on a temporary
    SQLite database): time until the roster is proven optimal or within 1 % of the bound,
    target < 10 s;
(b) generated 120-member townships (``township.py``, several seeds): the gap to the bound
    after the time limit (60 s) and the time until within 2 %, target < 60 s.

The gap is measured against the best lower bound known in the run (the larger of the two
solvers' bounds), so both solvers are judged by the same yardstick::

    gap = (objective - bound) / max(objective, 1)

"Time to within x %" is the time of the first roster whose gap to that final bound is at
most x %, ``-`` if none was.  Timings depend on the machine and its load; targets are
printed, never enforced.

    python bench/roster/targets.py                         # demo month + seeds 1-3 at 60 s
    python bench/roster/targets.py --seeds 1 --time-limit 20 --no-demo   # a quick look
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ortools.sat.python import cp_model

from shouwang.rostering.solver.cpsat import build_model, solve
from shouwang.rostering.solver.model import Problem, Progress

sys.path.insert(0, str(Path(__file__).resolve().parent))
from township import generate_township


@dataclass
class Run:
    """One solver's run: improving rosters over time, final objective and bound."""

    trace: list[tuple[float, float]] = field(default_factory=list)
    objective: float | None = None
    bound: float | None = None
    proven: bool = False
    wall: float = 0.0
    note: str = ""

    def time_within(self, bound: float, share: float) -> float | None:
        """Time of the first roster within ``share`` of ``bound`` (None if never)."""
        for elapsed, objective in self.trace:
            if gap(objective, bound) <= share + 1e-9:
                return elapsed
        return None


def gap(objective: float | None, bound: float | None) -> float:
    """Relative gap of a roster to a lower bound (inf without either)."""
    if objective is None or bound is None or not math.isfinite(bound):
        return math.inf
    return max(0.0, objective - bound) / max(abs(objective), 1.0)


class _Trace(cp_model.CpSolverSolutionCallback):
    def __init__(self, start: float, run: Run) -> None:
        super().__init__()
        self.start = start
        self.run = run

    def on_solution_callback(self) -> None:
        self.run.trace.append((time.perf_counter() - self.start, self.objective_value))


def run_engine(
    problem: Problem,
    *,
    time_limit: float,
    seed: int,
    workers: int,
    deterministic_time: float | None = None,
    **options: Any,
) -> Run:
    """The engine as the app calls it (``options`` go to ``solve`` for experiments)."""
    run = Run()
    start = time.perf_counter()

    def progress(p: Progress) -> None:
        run.trace.append((time.perf_counter() - start, p.objective))

    solution = solve(
        problem,
        time_limit_s=time_limit,
        seed=seed,
        workers=workers,
        progress=progress,
        deterministic_time=deterministic_time,
        **options,
    )
    run.wall = time.perf_counter() - start
    run.objective = solution.objective
    run.bound = solution.best_bound
    run.proven = solution.proven_optimal
    run.note = solution.status
    if solution.objective is not None:
        # The engine's final objective is the rule evaluation (never above the last report).
        run.trace.append((solution.time_to_best_s or run.wall, float(solution.objective)))
        run.trace.sort()
    return run


def run_baseline(
    problem: Problem,
    *,
    time_limit: float,
    seed: int,
    workers: int,
    deterministic_time: float | None = None,
) -> Run:
    """Plain CP-SAT, default parameters, on the engine's own model (no hint, no LNS)."""
    run = Run()
    start = time.perf_counter()
    built = build_model(problem)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit - (time.perf_counter() - start), 0.1)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    if deterministic_time is not None:
        # Reproducible whatever the machine's load, like the engine's deterministic mode.
        solver.parameters.max_deterministic_time = deterministic_time
        solver.parameters.interleave_search = True
    code = solver.solve(built.model, _Trace(start, run))
    run.wall = time.perf_counter() - start
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        run.objective = solver.objective_value
        run.bound = solver.best_objective_bound
        run.proven = code == cp_model.OPTIMAL
    run.note = solver.status_name(code).lower()
    return run


@dataclass
class Row:
    name: str
    target_share: float
    target_s: float
    engine: Run
    baseline: Run

    @property
    def bound(self) -> float | None:
        bounds = [
            b
            for b in (self.engine.bound, self.baseline.bound)
            if b is not None and math.isfinite(b)
        ]
        for r in (self.engine, self.baseline):
            if r.proven and r.objective is not None:
                bounds.append(r.objective)
        return max(bounds) if bounds else None


def _fmt_time(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _fmt_gap(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{100 * value:.2f}%"


def _fmt_obj(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def print_table(rows: list[Row]) -> None:
    header = (
        "| case | bound | engine obj | gap | time to target gap | baseline obj | gap "
        "| time to target gap | obj ratio engine/baseline | target met |"
    )
    print(header)
    print("|---" * 10 + "|")
    for row in rows:
        bound = row.bound
        e, b = row.engine, row.baseline
        te = e.time_within(bound, row.target_share) if bound is not None else None
        tb = b.time_within(bound, row.target_share) if bound is not None else None
        ratio = (
            f"{e.objective / b.objective:.3f}" if e.objective is not None and b.objective else "-"
        )
        met = "yes" if te is not None and te <= row.target_s else "no"
        print(
            f"| {row.name} (≤{100 * row.target_share:g}% in {row.target_s:g} s) "
            f"| {_fmt_obj(bound)} | {_fmt_obj(e.objective)}{' (opt)' if e.proven else ''} "
            f"| {_fmt_gap(gap(e.objective, bound))} | {_fmt_time(te)} "
            f"| {_fmt_obj(b.objective)}{' (opt)' if b.proven else ''} "
            f"| {_fmt_gap(gap(b.objective, bound))} | {_fmt_time(tb)} | {ratio} | {met} |"
        )


def parse_seeds(text: str) -> list[int]:
    seeds: list[int] = []
    for part in text.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            seeds.extend(range(int(lo), int(hi) + 1))
        elif part:
            seeds.append(int(part))
    return seeds


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", default="1-3", help='township seeds, e.g. "1-3" or "1,4"')
    parser.add_argument("--members", type=int, default=120)
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--time-limit", type=float, default=60.0, help="per township and solver")
    parser.add_argument("--demo-time-limit", type=float, default=10.0)
    parser.add_argument("--solver-seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-demo", action="store_true", help="skip the demo month")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--deterministic-time",
        type=float,
        default=None,
        help="budget in CP-SAT deterministic time instead of wall time (load-independent; "
        "the wall limit then only guards); times in the table stay wall seconds",
    )
    ns = parser.parse_args()

    def both(problem: Problem, limit: float) -> tuple[Run, Run]:
        kwargs = {
            "time_limit": limit if ns.deterministic_time is None else 20 * limit,
            "seed": ns.solver_seed,
            "workers": ns.workers,
            "deterministic_time": ns.deterministic_time,
        }
        engine = run_engine(problem, **kwargs)  # type: ignore[arg-type]
        baseline = Run(note="skipped") if ns.no_baseline else run_baseline(problem, **kwargs)  # type: ignore[arg-type]
        return engine, baseline

    rows: list[Row] = []
    if not ns.no_demo:
        try:
            from demo_month import demo_problem

            demo = demo_problem()
        except Exception as exc:  # the app may be mid-migration on a shared tree
            print(f"demo month not available: {type(exc).__name__}: {exc}", file=sys.stderr)
        else:
            engine, baseline = both(demo, ns.demo_time_limit)
            rows.append(
                Row(f"demo month ({len(demo.members)} members)", 0.01, 10.0, engine, baseline)
            )
    for seed in parse_seeds(ns.seeds):
        problem = generate_township(seed, members=ns.members, posts=ns.posts)
        engine, baseline = both(problem, ns.time_limit)
        rows.append(Row(f"township seed {seed}", 0.02, 60.0, engine, baseline))
        print(
            f"{problem.name}: engine {engine.objective} [{engine.bound}] {engine.note}, "
            f"baseline {baseline.objective} [{baseline.bound}] {baseline.note}",
            file=sys.stderr,
            flush=True,
        )
    print(
        f"time limit {ns.time_limit:g} s per township ({ns.demo_time_limit:g} s demo), "
        f"{ns.workers} workers, solver seed {ns.solver_seed}; baseline: plain CP-SAT on the "
        "engine's model"
    )
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
