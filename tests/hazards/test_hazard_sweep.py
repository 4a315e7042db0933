"""The daily hazard deadline sweep with a moved clock: yellow warning once, red supervision
notice once, escalation one level per three overdue working days, dry run writes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from shouwang.core.models import AuditEvent
from shouwang.hazards import workflow
from shouwang.hazards.models import Hazard, HazardStatus
from shouwang.notify.models import Notification

TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: int, month: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, 9, 0, tzinfo=TZ)


def due_hazard(world: Any, deadline: dt.date = dt.date(2026, 10, 9)) -> Hazard:
    base = world.a.hazard
    hazard = Hazard.objects.create(
        category=base.category,
        jurisdiction=base.jurisdiction,
        description="护网破损",
        found_by=world.admin,
        found_at=at(29, 9),
    )
    hazard = workflow.assign_hazard(
        hazard,
        actor=world.users["township_staff"],
        responsible_unit=world.a.organisation,
        deadline=deadline,
    )
    return hazard


def events(hazard: Hazard, verb: str) -> int:
    return AuditEvent.objects.filter(
        code=f"hazards.hazard.{verb}", target_id=str(hazard.pk)
    ).count()


def test_yellow_warning_once(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    h = due_hazard(world)
    # 1–7 Oct is the National Day holiday: on Tue 29 Sep the deadline (Fri 9 Oct) is three
    # working days away (30 Sep, 8 Oct, 9 Oct); on Wed 30 Sep only two → the yellow warning.
    assert h.pk not in workflow.sweep_hazard_deadlines(now=at(29, 9)).warned
    with django_capture_on_commit_callbacks(execute=True):
        result = workflow.sweep_hazard_deadlines(now=at(30, 9))
    assert h.pk in result.warned
    h.refresh_from_db()
    assert h.warned_at == at(30, 9)
    assert Notification.objects.filter(
        recipient=world.users["township_staff"], kind="hazards.warned"
    ).exists()
    assert h.pk not in workflow.sweep_hazard_deadlines(now=at(8)).warned
    assert events(h, "warned") == 1


def test_red_notice_once_and_escalation_levels(world: Any) -> None:
    h = due_hazard(world)
    # Saturday 10 Oct is a make-up workday: 1 working day overdue; Monday 12th: 2.
    result = workflow.sweep_hazard_deadlines(now=at(12))
    assert h.pk in result.supervised and not result.escalated
    h.refresh_from_db()
    assert h.supervised_at == at(12) and h.escalation_level == 0
    assert h.is_overdue
    # 13th: 3 working days overdue → team leader.
    result = workflow.sweep_hazard_deadlines(now=at(13))
    assert h.pk not in result.supervised
    assert (h.pk, 1) in result.escalated
    h.refresh_from_db()
    assert h.escalation_level == 1
    assert (h.pk, 1) not in workflow.sweep_hazard_deadlines(now=at(13)).escalated
    # 16th: 6 working days → office; 21st: 9 → county; later stays at county.
    workflow.sweep_hazard_deadlines(now=at(16))
    h.refresh_from_db()
    assert h.escalation_level == 2
    workflow.sweep_hazard_deadlines(now=at(21))
    h.refresh_from_db()
    assert h.escalation_level == 3
    assert not [e for e in workflow.sweep_hazard_deadlines(now=at(30)).escalated if e[0] == h.pk]
    assert events(h, "supervised") == 1
    assert events(h, "escalated") == 3


def test_escalation_tells_each_level(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    h = due_hazard(world)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.sweep_hazard_deadlines(now=at(21))  # jumps straight to the county
    h.refresh_from_db()
    assert h.escalation_level == 3
    for role in ("team_leader", "township_staff", "county_supervisor"):
        assert Notification.objects.filter(
            recipient=world.users[role], kind="hazards.escalated"
        ).exists(), role


def test_dry_run_writes_nothing(world: Any) -> None:
    h = due_hazard(world)
    before = AuditEvent.objects.count()
    notes = Notification.objects.count()
    result = workflow.sweep_hazard_deadlines(now=at(21), dry_run=True)
    assert result.dry_run and h.pk in result.supervised and (h.pk, 3) in result.escalated
    h.refresh_from_db()
    assert h.supervised_at is None and h.escalation_level == 0
    assert AuditEvent.objects.count() == before
    assert Notification.objects.count() == notes


def test_finished_hazards_are_not_swept(world: Any) -> None:
    h = due_hazard(world)
    Hazard.objects.filter(pk=h.pk).update(status=HazardStatus.CLOSED)
    result = workflow.sweep_hazard_deadlines(now=at(21))
    assert h.pk not in result.supervised
    assert h.pk not in [pk for pk, _level in result.escalated]


def test_approved_extension_starts_warnings_over(world: Any) -> None:
    h = due_hazard(world)
    workflow.sweep_hazard_deadlines(now=at(13))
    h.refresh_from_db()
    assert h.escalation_level == 1
    ext = workflow.request_extension(
        h, actor=world.users["team_leader"], reason="雨季", new_deadline=dt.date(2026, 11, 30)
    )
    workflow.decide_extension(ext, actor=world.users["township_staff"], approve=True)
    h.refresh_from_db()
    assert h.escalation_level == 0 and h.supervised_at is None and h.warned_at is None
    assert h.deadline == dt.date(2026, 11, 30)
    assert timezone.is_aware(at(1))


def test_cli_dry_run(world: Any, capsys: Any) -> None:
    from shouwang import cli

    due_hazard(world, deadline=timezone.localdate() - dt.timedelta(days=30))
    before = AuditEvent.objects.count()
    assert cli.cmd_sweep_hazards(type("NS", (), {"dry_run": True})()) == 0  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert "dry run" in out and "1 supervision notices" in out
    assert AuditEvent.objects.count() == before
