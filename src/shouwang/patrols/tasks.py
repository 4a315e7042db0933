"""Scheduled work of field work: the missed-duty sweep (``patrols.sweep_missed``).

With a broker, Celery beat sends the task every 15 minutes (shouwang.config.celery); in the
embedded setup without a broker, cron or a systemd timer runs ``shouwang sweep-missed``
instead (docs/field-work.md). Either way the sweep is idempotent: running it twice, or two at
once, opens each missed duty and tells its leader and office exactly once.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from shouwang.patrols.attendance import sweep_missed_duties

_log = logging.getLogger(__name__)

SWEEP_TASK = "patrols.sweep_missed"
#: Seconds between two sweeps under Celery beat.
SWEEP_INTERVAL_S = 15 * 60


@shared_task(name=SWEEP_TASK, ignore_result=True)
def sweep_missed() -> dict[str, Any]:
    """Run the missed-duty sweep as the system (no user)."""
    result = sweep_missed_duties()
    for finding in result.opened:
        _log.info("missed duty opened: %s", finding.line())
    return {"checked": result.checked, "opened": len(result.opened), "deferred": result.deferred}
