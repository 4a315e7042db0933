"""The county benchmark's Celery task: generate one township's month and solve it.

Loaded into the project's Celery app by the worker (`celery -A shouwang.config.celery worker
-I county_tasks`, with bench/county on PYTHONPATH); run.py starts those workers itself.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "roster"))

# Imported here, before the worker forks its processes, so no task pays for the import.
from township import generate_township

from shouwang.config.celery import app
from shouwang.rostering.solver import solve

TASK = "bench.county.solve_township"


@app.task(name=TASK, ignore_result=False)
def solve_township(
    seed: int,
    members: int,
    posts: int,
    days: int,
    deterministic_time: float,
    time_limit_s: float,
    solver_workers: int,
) -> dict[str, Any]:
    """Solve township `seed`; the timings are taken inside the worker process."""
    started = time.perf_counter()
    problem = generate_township(seed, members=members, posts=posts, days=days)
    solution = solve(
        problem,
        time_limit_s=time_limit_s,
        seed=0,
        workers=solver_workers,
        deterministic_time=deterministic_time,
    )
    return {
        "seed": seed,
        "seconds": time.perf_counter() - started,
        "status": solution.status,
        "objective": solution.objective,
        "uncovered": len(solution.uncovered),
        "pid": os.getpid(),
        "finished_at": time.time(),
    }
