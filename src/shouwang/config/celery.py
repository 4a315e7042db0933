"""The Celery app: `celery -A shouwang.config.celery worker` runs Shouwang's background jobs.

The broker comes from the settings (SHOUWANG_BROKER_URL or CELERY_BROKER_URL, e.g.
redis://127.0.0.1:6379/0 or amqp://guest:guest@127.0.0.1:5672//); tasks are found in each
installed app's `tasks.py`. Without a broker the web process runs jobs itself
(shouwang.core.jobs), so nothing here is needed for the embedded setup.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.config.settings")

app = Celery("shouwang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work (`celery -A shouwang.config.celery beat`). Without a broker, run the same
# sweep from cron or a systemd timer: `shouwang sweep-missed` (docs/field-work.md).
app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    "patrols-sweep-missed": {"task": "patrols.sweep_missed", "schedule": 15 * 60.0},
    "hazards-sweep-deadlines": {"task": "hazards.sweep_deadlines", "schedule": 24 * 60 * 60.0},
}

__all__ = ["app"]
