"""The Celery app: `celery -A shouwang.config.celery worker` runs Shouwang's background jobs.

The broker comes from the settings (SHOUWANG_BROKER_URL or CELERY_BROKER_URL, e.g.
redis://127.0.0.1:6379/0 or amqp://guest:guest@127.0.0.1:5672//); tasks are found in each
installed app's `tasks.py`. Without a broker the web process runs jobs itself
(shouwang.core.jobs), so nothing here is needed for the embedded setup.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.config.settings")

app = Celery("shouwang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The cross-case deadline sweep lives in core/case_tasks.py (core has no tasks.py).
app.autodiscover_tasks(["shouwang.core"], related_name="case_tasks")

# Periodic work (`celery -A shouwang.config.celery beat`). Without a broker, run the same
# sweep from cron or a systemd timer: `shouwang sweep-missed` (docs/field-work.md).
# The daily case sweep ("cases.sweep": hazards, disputes, people of concern …) includes the
# hazard sweep, so "hazards.sweep_deadlines" is no longer scheduled on its own (it would run
# twice a day); it stays available to be sent by hand.
app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    "patrols-sweep-missed": {"task": "patrols.sweep_missed", "schedule": 15 * 60.0},
    # Early in the morning (township time): warnings and reminders are there when work starts.
    "cases-sweep": {"task": "cases.sweep", "schedule": crontab(hour=6, minute=30)},
    # Outbound messages (docs/notifications.md): drain the outbox every minute (retries go
    # out when due), tomorrow's duty reminder at 17:00 and yesterday's summary at 08:00.
    "notify-send": {"task": "notify.send_deliveries", "schedule": 60.0},
    "notify-remind-duties": {
        "task": "notify.remind_duties",
        "schedule": crontab(hour=17, minute=0),
    },
    "notify-daily-summary": {
        "task": "notify.daily_summary",
        "schedule": crontab(hour=8, minute=0),
    },
}

__all__ = ["app"]
