"""Scheduled work of the people-of-concern register.

`concerns.daily_sweep` (overdue-visit reminders, then the retention job) is also what
`shouwang sweep-cases` runs through core.cases; `concerns.anonymise_expired` runs the retention
job alone. Both are idempotent.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from shouwang.concerns import workflow

SWEEP_TASK = "concerns.daily_sweep"
RETENTION_TASK = "concerns.anonymise_expired"


@shared_task(name=SWEEP_TASK, ignore_result=True)
def daily_sweep() -> dict[str, Any]:
    """Overdue reminders and retention, as the system (no user)."""
    return workflow.daily_sweep()


@shared_task(name=RETENTION_TASK, ignore_result=True)
def anonymise_expired() -> dict[str, Any]:
    """Anonymise people taken off the register longer than the retention period."""
    return workflow.anonymise_expired().counts()
