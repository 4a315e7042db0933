"""Scheduled work of all case workflows: the daily deadline sweep (``cases.sweep``).

Runs every sweep registered with shouwang.core.cases.register_sweep (hazards, disputes, people
of concern …) once a day under Celery beat (shouwang.config.celery). Without a broker, cron or
a systemd timer runs ``shouwang sweep-cases`` instead. Each sweep is idempotent.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from shouwang.core.cases import run_sweeps

SWEEP_TASK = "cases.sweep"
#: Seconds between two sweeps under Celery beat.
SWEEP_INTERVAL_S = 24 * 60 * 60


@shared_task(name=SWEEP_TASK, ignore_result=True)
def sweep_cases() -> dict[str, Any]:
    """Run every registered case sweep as the system (no user); counts by case kind."""
    return {name: dict(counts) for name, counts in run_sweeps().items()}
