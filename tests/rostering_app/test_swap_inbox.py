"""Swap requests in the inbox: the member asked to take a duty over, then the team leader
who decides once it is accepted; nothing is left once decided."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from lifecycle_helpers import (
    FUTURE,
    duty,
    link_user,
    members_with_logins,
    published_roster,
    put,
    team_a_member,
)

from shouwang.core import cases
from shouwang.rostering import services


def _swaps(user: Any) -> list[Any]:
    return [t for t in cases.tasks_for(user, timezone.localdate()) if t.kind == "swap"]


def test_swap_tasks_follow_the_request(world: Any) -> None:
    roster = published_roster(world)
    (alice, a_user), (bob, b_user) = members_with_logins(world, "inbox", ["待办甲", "待办乙"])
    users = {"alice": a_user, "bob": b_user}
    day = FUTURE + dt.timedelta(days=2)
    d1 = duty(roster, world.a.dutyrule, day)
    put(d1, alice)
    leader = world.users["team_leader"]

    swap = services.request_swap(actor=users["alice"], duty=d1, counterpart=bob)
    (asked,) = _swaps(users["bob"])
    assert asked.title == f"换班请求：待办甲 请你顶替 {day:%m-%d} {d1.post.name}"
    assert asked.url == "/rostering/my-duties/" and asked.due == day
    assert _swaps(users["alice"]) == [] and _swaps(leader) == []

    swap = services.accept_swap(swap, actor=users["bob"])
    assert _swaps(users["bob"]) == []
    (decide,) = _swaps(leader)
    assert decide.title == f"待审批换班：待办甲 → 待办乙，{day:%m-%d} {d1.post.name}"
    assert decide.url == "/rostering/swaps/"

    services.decide_swap(swap, actor=leader, approve=True)
    assert _swaps(leader) == [] and _swaps(users["bob"]) == []


def test_swap_partners_are_only_members_free_that_day(world: Any) -> None:
    """The swap form offers only teammates with no duty that day and not on leave; a member
    already on the duty is refused with the reason; a duty that has begun is not swapped."""
    import pytest
    from django.utils import translation

    from shouwang.core.records import RecordInvalid
    from shouwang.rostering.replan import swap_candidates, upcoming_duties

    roster = published_roster(world)
    alice = team_a_member(world, 1, "空闲甲")
    bob = team_a_member(world, 2, "空闲乙")
    carol = team_a_member(world, 3, "空闲丙")
    alice_user = link_user(world, alice, "free_alice")
    day = FUTURE + dt.timedelta(days=2)
    d1 = duty(roster, world.a.dutyrule, day)
    put(d1, alice)
    put(d1, bob)  # bob is on the same duty
    offered = swap_candidates(alice, upcoming_duties(alice, today=FUTURE))[d1.pk]
    assert carol in offered and bob not in offered and alice not in offered
    with translation.override("zh-hans"), pytest.raises(RecordInvalid) as refused:
        services.request_swap(actor=alice_user, duty=d1, counterpart=bob)
    assert "空闲乙已在该勤务上" in str(refused.value.errors)

    now = timezone.now()
    begun = duty(roster, world.a.dutyrule, timezone.localdate())
    begun.start, begun.end = now - dt.timedelta(hours=1), now + dt.timedelta(hours=1)
    begun.save()
    put(begun, alice)
    with translation.override("zh-hans"), pytest.raises(RecordInvalid) as late:
        services.request_swap(actor=alice_user, duty=begun, counterpart=carol)
    assert "已经开始" in str(late.value.errors)
