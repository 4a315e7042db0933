"""The daily dispute sweep with a moved clock: overdue files flagged once, follow-ups reminded
once, last week's missing screenings reported to the township office once; dry run writes
nothing; registered with core.cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shouwang.core import cases
from shouwang.core.models import AuditEvent
from shouwang.disputes import services
from shouwang.disputes.models import Dispute, FollowUp, ScreeningGapNotice
from shouwang.notify.models import Notification

from .conftest import new_dispute, resolved

TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: int, month: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, 9, 0, tzinfo=TZ)


def test_overdue_files_are_flagged_once(world: Any, office: Any) -> None:
    member = world.a.member
    member.user = world.users["grid_worker"]
    member.save(update_fields=["user"])
    d = new_dispute(world, resolve_by="2026-12-01")
    early = services.sweep_disputes(now=at(1))
    assert d.pk not in early.overdue
    result = services.sweep_disputes(now=at(2))
    assert d.pk in result.overdue
    d.refresh_from_db()
    assert d.overdue_flagged_at == at(2)
    assert Notification.objects.filter(
        recipient=world.users["grid_worker"], kind="disputes.overdue"
    ).exists()
    assert Notification.objects.filter(recipient=office, kind="disputes.overdue").exists()
    events = AuditEvent.objects.filter(code="disputes.dispute.overdue", target_id=str(d.pk))
    assert events.count() == 1
    # Idempotent: a second run (same day or later) flags nothing again.
    assert d.pk not in services.sweep_disputes(now=at(2)).overdue
    assert d.pk not in services.sweep_disputes(now=at(5)).overdue
    assert events.count() == 1
    assert Dispute.objects.overdue(dt.date(2026, 12, 2)).filter(pk=d.pk).exists()


def test_follow_ups_reminded_once_when_due(world: Any, office: Any) -> None:
    d = resolved(world, office)
    first, second = list(d.follow_ups.order_by("due_on"))
    assert first.due_on == dt.date(2026, 11, 19)
    before = services.sweep_disputes(now=at(18, 11))
    assert first.pk not in before.follow_ups
    result = services.sweep_disputes(now=at(20, 11))
    assert result.follow_ups == [first.pk]
    first.refresh_from_db()
    assert first.reminded_at == at(20, 11)
    assert (
        Notification.objects.filter(recipient=office, kind="disputes.follow_up_reminded").count()
        == 1
    )
    again = services.sweep_disputes(now=at(21, 11))
    assert first.pk not in again.follow_ups
    later = services.sweep_disputes(now=at(13))
    assert later.follow_ups == [second.pk]
    assert FollowUp.objects.filter(pk=second.pk, reminded_at__isnull=False).exists()


def test_recorded_visits_are_never_reminded(world: Any, office: Any) -> None:
    from shouwang.disputes import workflow

    d = resolved(world, office)
    workflow.record_follow_up(d, actor=office, finding="stable", visited_on="2026-11-19")
    result = services.sweep_disputes(now=at(20, 11))
    assert not set(result.follow_ups) & set(d.follow_ups.values_list("pk", flat=True))


def test_dry_run_writes_nothing(world: Any, office: Any) -> None:
    d = new_dispute(world, resolve_by="2026-11-20")
    resolved(world, office, title="已化解")
    audit = AuditEvent.objects.count()
    notes = Notification.objects.count()
    result = services.sweep_disputes(now=at(14), dry_run=True)
    assert d.pk in result.overdue
    assert result.follow_ups and result.screening_gaps
    assert AuditEvent.objects.count() == audit
    assert Notification.objects.count() == notes
    assert ScreeningGapNotice.objects.count() == 0
    d.refresh_from_db()
    assert d.overdue_flagged_at is None
    assert not FollowUp.objects.filter(reminded_at__isnull=False).exists()
    # The real run then does what the dry run announced.
    real = services.sweep_disputes(now=at(14))
    assert real.counts() == result.counts()


def test_missing_screenings_of_last_week_told_once(world: Any, office: Any) -> None:
    from world_extensions.disputes import _service_data

    now = at(9)  # Wednesday 9 Dec 2026: last week is Mon 30 Nov
    result = services.sweep_disputes(now=now)
    gaps = {t: villages for t, week, villages in result.screening_gaps if week == "2026-11-30"}
    assert gaps[world.a.township.pk] == [world.a.village.pk]
    notice = ScreeningGapNotice.objects.get(township=world.a.township, week=dt.date(2026, 11, 30))
    assert notice.villages == [world.a.village.pk]
    told = Notification.objects.filter(recipient=office, kind="disputes.screening_missing")
    assert told.count() == 1
    assert world.a.village.name in told.get().body
    # Once per township and week.
    assert not services.sweep_disputes(now=at(10)).screening_gaps
    assert told.count() == 1
    # A village that screened (even a zero report) is not missing: the week of 23 Nov.
    services.create_screening(
        actor=world.users["grid_worker"],
        data=_service_data(
            {
                "village": world.a.village.pk,
                "week": "2026-11-25",
                "screened_on": "2026-11-27",
                "disputes_found": 0,
                "note": "",
            }
        ),
    )
    nxt = services.sweep_disputes(now=at(2))
    assert world.a.township.pk not in {t for t, _w, _v in nxt.screening_gaps}


def test_registered_with_the_case_registries(world: Any, office: Any) -> None:
    assert "disputes" in cases.SWEEPS
    assert "disputes" in cases.INBOX_PROVIDERS
    assert "disputes" in cases.MAP_LAYERS
    new_dispute(world, resolve_by="2026-11-20")
    counts = cases.run_sweeps(now=at(14), dry_run=True)["disputes"]
    assert counts["overdue_marked"] >= 1
    assert set(counts) == {"overdue_marked", "follow_up_reminders", "screening_gap_notices"}
