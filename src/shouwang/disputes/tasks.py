"""Scheduled work of the dispute register: the daily sweep (``disputes.sweep``).

With a broker, Celery beat sends the task once a day; without one, `shouwang sweep-cases` runs
every registered case sweep (this one included). The sweep is idempotent.
"""

from __future__ import annotations

from celery import shared_task

from shouwang.disputes.services import sweep_disputes

SWEEP_TASK = "disputes.sweep"
#: Seconds between two sweeps under Celery beat.
SWEEP_INTERVAL_S = 24 * 60 * 60


@shared_task(name=SWEEP_TASK, ignore_result=True)
def sweep() -> dict[str, int]:
    """Run the dispute sweep as the system (no user)."""
    return sweep_disputes().counts()
