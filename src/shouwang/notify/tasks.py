"""Scheduled work of the notification app (Celery; the CLI runs the same functions).

- `notify.send_deliveries`: drain the delivery outbox (kicked after each commit that wrote
  deliveries, and every minute by beat so that retries go out when they are due);
- `notify.remind_duties`: tomorrow's duty reminder (daily, in the afternoon);
- `notify.daily_summary`: yesterday's figures to the work groups (daily, in the morning).

All three are idempotent.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from shouwang.notify import delivery, digests

SEND_TASK = delivery.SEND_TASK
REMIND_TASK = "notify.remind_duties"
SUMMARY_TASK = "notify.daily_summary"


@shared_task(name=SEND_TASK, ignore_result=True)
def send_deliveries() -> dict[str, int]:
    """Send the pending deliveries that are due."""
    return delivery.send_due_deliveries().counts()


@shared_task(name=REMIND_TASK, ignore_result=True)
def remind_duties() -> dict[str, Any]:
    """Tell members about their duties tomorrow."""
    return digests.remind_tomorrows_duties().counts()


@shared_task(name=SUMMARY_TASK, ignore_result=True)
def daily_summary() -> dict[str, Any]:
    """Yesterday's figures to the work groups."""
    return digests.send_daily_summary().counts()
