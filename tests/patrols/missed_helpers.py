"""Builders for the missed-duty, check-in review and attendance tests (test setup only).

Duties come from `patrols.field_helpers.make_duty` (a published roster of team A, members
assigned); logs, attendance and check-ins are made directly here, as the sync would leave
them. All times are fixed: NOW is 2026-10-15 12:00 in Shanghai.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from shouwang.patrols.models import CheckIn, LogAttendance, PatrolLog

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 10, 15, 12, 0, tzinfo=SHANGHAI)
MONTH = dt.date(2026, 10, 1)


def at(day: int, hour: int, minute: int = 0, month: int = 10) -> dt.datetime:
    """A fixed local time in 2026."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def make_log(world: Any, duty: Any, status: str = "submitted", **fields: Any) -> PatrolLog:
    """A patrol log of the duty (as the sync would have stored it)."""
    team = duty.roster.team
    return PatrolLog.objects.create(
        duty=duty,
        team=team,
        jurisdiction=team.jurisdiction,
        post=duty.post,
        started_at=fields.pop("started_at", duty.start),
        ended_at=fields.pop("ended_at", duty.end),
        status=status,
        author=world.admin,
        **fields,
    )


def unplanned_log(world: Any, team: Any, started_at: dt.datetime, status: str = "submitted") -> Any:
    return PatrolLog.objects.create(
        duty=None,
        team=team,
        jurisdiction=team.jurisdiction,
        started_at=started_at,
        status=status,
        author=world.admin,
    )


def attend(log: PatrolLog, member: Any, status: str = "present", **fields: Any) -> LogAttendance:
    return LogAttendance.objects.create(log=log, member=member, status=status, **fields)


def check_in(
    log: PatrolLog, member: Any, flag: str = "", kind: str = "start", **fields: Any
) -> CheckIn:
    return CheckIn.objects.create(
        log=log,
        member=member,
        kind=kind,
        phone_time=fields.pop("phone_time", log.started_at),
        latitude=fields.pop("latitude", 29.881),
        longitude=fields.pop("longitude", 107.731),
        flag=flag,
        flag_detail=fields.pop("flag_detail", "1,250 m" if flag else ""),
        **fields,
    )
