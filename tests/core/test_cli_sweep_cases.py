"""`shouwang sweep-cases [--dry-run] [--now ISO]`: every registered case sweep, one line per
case kind; the Celery task and the beat schedule (the hazard sweep runs once a day, not twice)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from shouwang import cli
from shouwang.core import cases
from shouwang.hazards import workflow
from shouwang.hazards.models import Hazard

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def seen(monkeypatch: Any) -> list[tuple[dt.datetime | None, bool]]:
    """Only the hazards' sweep and a recording one (the other case apps test their own)."""
    calls: list[tuple[dt.datetime | None, bool]] = []

    def other(now: dt.datetime | None, dry_run: bool) -> dict[str, int]:
        calls.append((now, dry_run))
        return {"reminders": 2}

    monkeypatch.setattr(
        cases,
        "SWEEPS",
        {"hazards": cases.SWEEPS["hazards"], "other": ("其他案件", other)},
    )
    return calls


def overdue_hazard(world: Any) -> Hazard:
    base = world.a.hazard
    hazard = Hazard.objects.create(
        category=base.category,
        jurisdiction=base.jurisdiction,
        description="护网破损",
        found_by=world.admin,
        found_at=dt.datetime(2026, 9, 29, 9, tzinfo=TZ),
    )
    return workflow.assign_hazard(
        hazard,
        actor=world.users["township_staff"],
        responsible_unit=world.a.organisation,
        deadline=dt.date(2026, 10, 9),
    )


def test_dry_run_with_a_moved_clock_writes_nothing(world: Any, seen: Any, capsys: Any) -> None:
    h = overdue_hazard(world)
    assert cli.main(["sweep-cases", "--dry-run", "--now", "2026-10-13T09:00"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    hazards_line = next(line for line in lines if line.startswith("hazards "))
    assert "dry run" in hazards_line
    assert "supervised" in hazards_line and "escalated" in hazards_line
    assert next(line for line in lines if line.startswith("other ")).endswith("reminders 2")
    # The township's time zone applies to a time without an offset.
    assert seen == [(dt.datetime(2026, 10, 13, 9, tzinfo=TZ), True)]
    h.refresh_from_db()
    assert h.supervised_at is None and h.escalation_level == 0


def test_sweep_writes_once_and_is_idempotent(world: Any, seen: Any, capsys: Any) -> None:
    h = overdue_hazard(world)
    assert cli.main(["sweep-cases", "--now", "2026-10-13T09:00+08:00"]) == 0
    first = capsys.readouterr().out
    h.refresh_from_db()
    assert h.supervised_at == dt.datetime(2026, 10, 13, 9, tzinfo=TZ)
    assert h.escalation_level == 1
    assert "dry run" not in first
    assert cli.main(["sweep-cases", "--now", "2026-10-13T09:00+08:00"]) == 0
    second = capsys.readouterr().out
    hazards_line = next(line for line in second.splitlines() if line.startswith("hazards "))
    assert "warned 0, supervised 0, escalated 0" in hazards_line
    assert seen[-1][1] is False


def test_bad_now_is_refused(seen: Any, capsys: Any) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["sweep-cases", "--now", "next tuesday"])
    assert exc.value.code == 2
    assert "ISO" in capsys.readouterr().err
    assert seen == []


def test_sweep_hazards_is_kept(world: Any, capsys: Any) -> None:
    assert cli.main(["sweep-hazards", "--dry-run"]) == 0
    assert "Hazard deadline sweep (dry run" in capsys.readouterr().out


def test_celery_task_and_daily_schedule(world: Any, seen: Any) -> None:
    from shouwang.config.celery import app
    from shouwang.core.case_tasks import SWEEP_TASK, sweep_cases

    overdue_hazard(world)
    result = sweep_cases()
    assert set(result) == {"hazards", "other"}
    assert result["hazards"]["supervised"] >= 1
    assert seen and seen[0][1] is False
    tasks = [entry["task"] for entry in app.conf.beat_schedule.values()]
    assert tasks.count(SWEEP_TASK) == 1
    assert "hazards.sweep_deadlines" not in tasks  # the case sweep runs the hazard sweep
    schedule = next(e for e in app.conf.beat_schedule.values() if e["task"] == SWEEP_TASK)
    # Once a day, early in the morning township time (warnings are there when work starts).
    crontab = schedule["schedule"]
    assert (crontab.hour, crontab.minute) == ({6}, {30})
    assert len(crontab.day_of_week) == 7
    app.loader.import_default_modules()
    assert SWEEP_TASK in app.tasks
    assert timezone.now()  # (the task ran as the system, with the real clock)
