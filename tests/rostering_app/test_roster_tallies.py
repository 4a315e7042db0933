"""Planning, hand assignments, re-planning and swaps keep the duties' tallies
(patrols.tallies: members rostered per duty) equal to their assignments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lifecycle_helpers import (
    duty,
    members_with_logins,
    published_roster,
    put,
)
from rostering_helpers import post, rule, small_team

from shouwang.forces.models import Member
from shouwang.patrols import tallies
from shouwang.rostering import services
from shouwang.rostering.models import Duty, DutyAssignment, RosterStatus

MONTH = dt.date(2026, 11, 1)
TODAY = MONTH + dt.timedelta(days=9)
FAST = {"time_limit_s": 30, "seed": 0, "deterministic_time": 2.0}


def _counts_match(roster: Any) -> None:
    assert not tallies.stale()
    for d in Duty.objects.filter(roster=roster):
        assert d.assigned_count == DutyAssignment.objects.filter(duty=d).count()


def test_planning_assigning_and_replanning(world: Any) -> None:
    team, members = small_team(world, [["volunteer"]] * 4, name="统计队")
    rule(world, post(world, team, "白班巡逻", start="08:00", minutes=120))
    roster = services.generate_draft_roster(actor=world.admin, team=team, month=MONTH, **FAST)
    assert DutyAssignment.objects.filter(duty__roster=roster).exists()
    _counts_match(roster)

    # By hand: one more member on the first duty that has room.
    first = Duty.objects.filter(roster=roster).order_by("date").first()
    assert first is not None
    extra = next(m for m in members if not first.assignments.filter(member=m).exists())
    services.assign_member(actor=world.admin, duty=first, member=extra)
    _counts_match(roster)
    first.refresh_from_db()
    assert first.assigned_count == first.assignments.count() >= 2

    services.transition_roster(roster, RosterStatus.REVIEWED, actor=world.admin)
    roster = services.transition_roster(roster, RosterStatus.PUBLISHED, actor=world.admin)
    away = DutyAssignment.objects.filter(
        duty__roster=roster, duty__date__gte=TODAY, is_manual=False
    ).first()
    assert away is not None
    Member.objects.filter(pk=away.member_id).update(status="suspended")  # on leave
    roster = services.replan_roster(
        roster, actor=world.admin, reason="队员请假", today=TODAY, **FAST
    )
    assert roster.status == RosterStatus.AMENDED
    _counts_match(roster)


def test_swap_moves_the_count(world: Any) -> None:
    roster = published_roster(world)
    (alice, a_user), (bob, b_user) = members_with_logins(world, "tally", ["统计甲", "统计乙"])
    users = {"alice": a_user, "bob": b_user}
    d1 = duty(roster, world.a.dutyrule, roster.month + dt.timedelta(days=2))
    d2 = duty(roster, world.a.dutyrule, roster.month + dt.timedelta(days=4))
    put(d1, alice)
    put(d2, bob)
    tallies.rebuild()  # the duties above are test setup written directly
    swap = services.request_swap(
        actor=users["alice"], duty=d1, counterpart=bob, counterpart_duty=d2
    )
    swap = services.accept_swap(swap, actor=users["bob"])
    services.decide_swap(swap, actor=world.users["team_leader"], approve=True)
    _counts_match(roster)
    assert set(d1.assignments.values_list("member_id", flat=True)) == {bob.pk}
    assert Duty.objects.get(pk=d1.pk).assigned_count == 1
