"""Run by tests/core/test_jobs.py in a subprocess on its own SQLite database (SHOUWANG_DATA_DIR
holds a migrated database with the demo township): submit a planning job for the demo team
the way the page does, follow it until it is done, and print what was seen as JSON.

Without SHOUWANG_BROKER_URL the job runs in a thread of this process; with it, on the Celery
worker the test started against the same database.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.config.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from shouwang.core import jobs  # noqa: E402
from shouwang.core.models import BackgroundJob  # noqa: E402
from shouwang.forces.models import Team  # noqa: E402
from shouwang.rostering import planning  # noqa: E402
from shouwang.rostering.models import DutyAssignment  # noqa: E402

TEAM = "栗子乡专（兼）职巡防队"


def main() -> int:
    admin = get_user_model().objects.get(username="admin")
    team = Team.objects.get(name=TEAM)
    job = planning.submit_plan(
        actor=admin, team=team, month=dt.date(2026, 10, 1), time_limit_s=float(sys.argv[1])
    )
    seen: list[tuple[str, int]] = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        job = BackgroundJob.objects.get(pk=job.pk)
        if not seen or seen[-1] != (job.status, job.progress):
            seen.append((job.status, job.progress))
        if job.done:
            break
        time.sleep(0.1)
    state = jobs.as_dict(job, admin)
    roster_pk = (job.result or {}).get("roster")
    print(
        json.dumps(
            {
                "state": {k: v for k, v in state.items() if isinstance(v, str | int | dict)},
                "seen": seen,
                "assignments": DutyAssignment.objects.filter(duty__roster_id=roster_pk).count(),
                "broker": jobs.broker_url(),
            },
            default=str,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
