"""Builders for the office-side tests (review, ledger, pages): submitted patrol logs made
through the sync helper's service, as the phone would send them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from patrols.field_helpers import log_payload, make_checklist, make_duty, new_uuid, patrol_user

TZ = dt.timezone(dt.timedelta(hours=8))


def phone_log(
    world: Any,
    *,
    side: str = "A",
    start: dt.datetime | None = None,
    submit: bool = True,
    unplanned: bool = False,
    **overrides: Any,
) -> Any:
    """A patrol log of the side's team written by its patrol member through the sync service
    (submitted by default), for a duty starting at `start` (default: an hour ago)."""
    from shouwang.patrols import services

    user = patrol_user(world, side)
    if unplanned:
        data = log_payload(team=world.sides[side].team, submit=submit, **overrides)
        if start is not None:
            data["started_at"] = start.isoformat()
    else:
        duty = make_duty(world, side=side, start=start)
        data = log_payload(duty=duty, submit=submit, **overrides)
    outcome = services.save_patrol_log(actor=user, uuid=new_uuid(), data=data, base_version=None)
    assert outcome.status == "saved", outcome.errors
    return outcome.record


def rich_log(world: Any, *, start: dt.datetime, checklist: Any = None) -> Any:
    """A submitted log with a checklist (one failed item), findings, publicity and notes."""
    from shouwang.patrols.models import Checklist

    if checklist is None:
        township = world.sides["A"].township
        checklist = Checklist.objects.filter(name="治安巡查", jurisdiction=township).first()
        checklist = checklist or make_checklist(world)
    return phone_log(
        world,
        start=start,
        ended_at=(start + dt.timedelta(hours=2)).isoformat(),
        checklists=[
            {
                "checklist": checklist.pk,
                "items": [
                    {"code": "po-01", "result": "pass", "note": ""},
                    {"code": "po-02", "result": "fail", "note": "未登记两人"},
                ],
            }
        ],
        findings=[
            {"kind": "hazard", "text": "桥下护栏缺失"},
            {"kind": "dispute", "text": "邻里争执"},
        ],
        publicity="发放反诈传单 30 份",
        notes="天气晴",
    )


def at(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=TZ)


def now() -> dt.datetime:
    return timezone.now()
