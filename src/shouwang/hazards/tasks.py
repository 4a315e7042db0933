"""Scheduled work of the hazard register: the daily deadline sweep (``hazards.sweep_deadlines``).

Celery beat runs it once a day as part of the case sweep ``cases.sweep``
(shouwang.core.case_tasks, scheduled in shouwang.config.celery), so this task is not scheduled
on its own; it can still be sent by hand. Without a broker, cron or a systemd timer runs
``shouwang sweep-cases`` (or ``shouwang sweep-hazards``). The sweep is idempotent: each
warning, supervision notice and escalation level is sent once.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from shouwang.hazards.workflow import sweep_hazard_deadlines

SWEEP_TASK = "hazards.sweep_deadlines"
#: Seconds between two sweeps under Celery beat.
SWEEP_INTERVAL_S = 24 * 60 * 60


@shared_task(name=SWEEP_TASK, ignore_result=True)
def sweep_deadlines() -> dict[str, Any]:
    """Run the hazard deadline sweep as the system (no user)."""
    return sweep_hazard_deadlines().as_dict()
