"""Builders for the roster-lifecycle tests: team A members with their own logins, and a
published roster of a future month built directly (no solver) so swaps are quick to test."""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import PASSWORD, make_payload
from django.utils import timezone

from shouwang.core import services as core
from shouwang.forces import services as forces
from shouwang.forces.models import Member
from shouwang.rostering import services
from shouwang.rostering.models import Duty, DutyAssignment, Roster, RosterStatus

#: A month safely in the future, so its duties can be swapped.
FUTURE = dt.date(timezone.localdate().year + 2, 3, 1)


def link_user(world: Any, member: Any, username: str, role: str = "patrol_member") -> Any:
    """Give a member their own login with a team-A grant (Member.user)."""
    user = core.create_user(actor=world.admin, username=username, password=PASSWORD)
    core.create_role_grant(
        actor=world.admin,
        data={
            "user": username,
            "role": role,
            "jurisdiction": world.a.township.pk,
            "team": world.a.team.pk,
        },
    )
    Member.objects.filter(pk=member.pk).update(user=user)  # test setup
    member.refresh_from_db()
    return user


def team_a_member(world: Any, n: int, name: str, roles: list[int] | None = None) -> Any:
    payload = make_payload("members", world, "A", n=80 + n)
    payload.update(
        {"name": name, "teams": [world.a.team.pk], "citizen_id_number": "", "roles": roles or []}
    )
    return forces.create_member(
        actor=world.admin, data={k: ("" if v is None else v) for k, v in payload.items()}
    )


def members_with_logins(world: Any, prefix: str, names: list[str]) -> list[tuple[Any, Any]]:
    """Members 1, 2, … of team A named `names`, each with their own login `<prefix>_<n>`:
    [(member, user)]."""
    pairs = []
    for n, name in enumerate(names, start=1):
        member = team_a_member(world, n, name)
        pairs.append((member, link_user(world, member, f"{prefix}_{n}")))
    return pairs


def duty(roster: Roster, rule: Any, day: dt.date, start: str = "08:00", hours: int = 2) -> Duty:
    """A duty of `rule` on `day` (test setup; planning normally creates these)."""
    hour, minute = (int(x) for x in start.split(":"))
    begin = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
    return Duty.objects.create(
        roster=roster,
        post=rule.post,
        rule=rule,
        date=day,
        start=begin,
        end=begin + dt.timedelta(hours=hours),
    )


def put(duty_obj: Duty, member: Any, manual: bool = False) -> DutyAssignment:
    return DutyAssignment.objects.create(duty=duty_obj, member=member, is_manual=manual)


def published_roster(world: Any, month: dt.date = FUTURE) -> Roster:
    """An empty roster of team A for `month`, moved to published (test setup)."""
    roster = services.create_roster(
        actor=world.admin, data={"team": world.a.team.pk, "month": month, "note": ""}
    )
    Roster.objects.filter(pk=roster.pk).update(status=RosterStatus.PUBLISHED)
    roster.refresh_from_db()
    return roster
