"""Duty swaps: a member asks, the other member accepts, the team leader decides.

Happy paths (a named swap, an exchange of duties, a give-away to anyone available) and the
refusals: not one's own duty, a same-day clash, too little rest, a missing qualification,
the wrong member accepting, a non-leader or out-of-scope leader deciding, illegal moves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import send
from django.core.exceptions import PermissionDenied
from django.http import Http404
from lifecycle_helpers import (
    FUTURE,
    duty,
    link_user,
    members_with_logins,
    published_roster,
    put,
    team_a_member,
)
from rostering_helpers import role_pk

from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.notify.models import Notification
from shouwang.rostering import services
from shouwang.rostering.models import DutyAssignment, Roster, RosterStatus, SwapStatus

D1 = FUTURE + dt.timedelta(days=2)
D2 = FUTURE + dt.timedelta(days=4)


@pytest.fixture
def crew(world: Any) -> dict[str, Any]:
    """Team A's published roster of a future month and three members with logins."""
    roster = published_roster(world)
    rule = world.a.dutyrule
    (alice, a_user), (bob, b_user), (carol, c_user) = members_with_logins(
        world, "swap", ["换班甲", "换班乙", "换班丙"]
    )
    users = {"alice": a_user, "bob": b_user, "carol": c_user}
    d1, d2 = duty(roster, rule, D1), duty(roster, rule, D2)
    put(d1, alice)
    put(d2, bob)
    return {
        "roster": roster,
        "alice": alice,
        "bob": bob,
        "carol": carol,
        "users": users,
        "d1": d1,
        "d2": d2,
        "leader": world.users["team_leader"],
    }


def _on(duty_obj: Any) -> set[int]:
    return set(DutyAssignment.objects.filter(duty=duty_obj).values_list("member_id", flat=True))


def _codes(swap: Any) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type="rostering.swaprequest", target_id=str(swap.pk))
        .order_by("pk")
        .values_list("code", flat=True)
    )


def test_named_swap_happy_path(crew: dict[str, Any]) -> None:
    c = crew
    swap = services.request_swap(
        actor=c["users"]["alice"], duty=c["d1"], counterpart=c["bob"], note="家里有事"
    )
    assert swap.status == SwapStatus.REQUESTED
    # Bob is told he is asked; nobody else is.
    assert Notification.objects.filter(recipient=c["users"]["bob"]).count() == 1
    assert not Notification.objects.filter(recipient=c["users"]["carol"]).exists()
    swap = services.accept_swap(swap, actor=c["users"]["bob"])
    assert swap.status == SwapStatus.ACCEPTED
    assert _on(c["d1"]) == {c["alice"].pk}  # nothing moves before the leader approves
    swap = services.decide_swap(swap, actor=c["leader"], approve=True, reason="同意")
    assert swap.status == SwapStatus.APPROVED
    assert swap.decided_by == c["leader"]
    assert _on(c["d1"]) == {c["bob"].pk}
    assert DutyAssignment.objects.get(duty=c["d1"], member=c["bob"]).is_manual
    assert _codes(swap) == [
        "rostering.swap.requested",
        "rostering.swap.accepted",
        "rostering.swap.approved",
    ]
    roster = Roster.objects.get(pk=c["roster"].pk)
    assert roster.status == RosterStatus.AMENDED
    entry = roster.changes[-1]
    assert entry["kind"] == "swap"
    assert [(e["member"], e["duty"]) for e in entry["removed"]] == [(c["alice"].pk, c["d1"].pk)]
    assert [(e["member"], e["duty"]) for e in entry["added"]] == [(c["bob"].pk, c["d1"].pk)]
    # One decision message each for both members (Bob: asked + decided).
    assert Notification.objects.filter(recipient=c["users"]["alice"]).count() == 1
    assert (
        Notification.objects.filter(recipient=c["users"]["bob"], kind="swap.decided").count() == 1
    )


def test_exchange_of_duties_moves_both(crew: dict[str, Any]) -> None:
    c = crew
    swap = services.request_swap(
        actor=c["users"]["alice"], duty=c["d1"], counterpart=c["bob"], counterpart_duty=c["d2"]
    )
    services.accept_swap(swap, actor=c["users"]["bob"])
    services.decide_swap(swap, actor=c["leader"], approve=True)
    assert _on(c["d1"]) == {c["bob"].pk}
    assert _on(c["d2"]) == {c["alice"].pk}


def test_give_away_is_taken_by_whoever_accepts(crew: dict[str, Any]) -> None:
    c = crew
    swap = services.request_swap(actor=c["users"]["alice"], duty=c["d1"])
    assert swap.counterpart is None
    swap = services.accept_swap(swap, actor=c["users"]["carol"])
    assert swap.counterpart == c["carol"]
    services.decide_swap(swap, actor=c["leader"], approve=True)
    assert _on(c["d1"]) == {c["carol"].pk}


def test_only_ones_own_duty_can_be_offered(crew: dict[str, Any]) -> None:
    c = crew
    with pytest.raises(RecordInvalid) as exc:
        services.request_swap(actor=c["users"]["alice"], duty=c["d2"], counterpart=c["carol"])
    assert "duty" in exc.value.errors


def test_a_login_without_member_cannot_ask(crew: dict[str, Any]) -> None:
    with pytest.raises(RecordInvalid):
        services.request_swap(actor=crew["leader"], duty=crew["d1"])


def test_same_day_clash_is_refused(world: Any, crew: dict[str, Any]) -> None:
    c = crew
    other = duty(c["roster"], world.a.dutyrule, D1, start="18:00")
    put(other, c["carol"])
    with pytest.raises(RecordInvalid) as exc:
        services.request_swap(actor=c["users"]["alice"], duty=c["d1"], counterpart=c["carol"])
    assert "counterpart" in exc.value.errors
    # An open request may be taken by anyone, but not by someone on duty that day.
    swap = services.request_swap(actor=c["users"]["alice"], duty=c["d1"])
    with pytest.raises(RecordInvalid):
        services.accept_swap(swap, actor=c["users"]["carol"])


def test_too_little_rest_is_refused(world: Any, crew: dict[str, Any]) -> None:
    c = crew
    # Carol works a night until 06:00 on D1; the 08:00 duty would leave her two hours' rest.
    night = duty(c["roster"], world.a.dutyrule, D1 - dt.timedelta(days=1), start="22:00", hours=8)
    put(night, c["carol"])
    with pytest.raises(RecordInvalid) as exc:
        services.request_swap(actor=c["users"]["alice"], duty=c["d1"], counterpart=c["carol"])
    assert "counterpart" in exc.value.errors


def test_missing_qualification_is_refused(world: Any, crew: dict[str, Any]) -> None:
    from rostering_helpers import rule

    c = crew
    police_rule = rule(world, world.a.post, head_count=1, role_minimums={"police_officer": 1})
    police_duty = duty(c["roster"], police_rule, D1 + dt.timedelta(days=1))
    officer = team_a_member(world, 4, "换班民警", roles=[role_pk("police_officer")])
    officer_user = link_user(world, officer, "swap_officer")
    put(police_duty, officer)
    with pytest.raises(RecordInvalid) as exc:
        services.request_swap(actor=officer_user, duty=police_duty, counterpart=c["carol"])
    assert "counterpart" in exc.value.errors


def test_wrong_member_cannot_accept_and_requester_cannot_accept(crew: dict[str, Any]) -> None:
    c = crew
    swap = services.request_swap(actor=c["users"]["alice"], duty=c["d1"], counterpart=c["bob"])
    with pytest.raises(PermissionDenied):
        services.accept_swap(swap, actor=c["users"]["carol"])
    with pytest.raises(PermissionDenied):
        services.accept_swap(swap, actor=c["users"]["alice"])


def test_only_a_leader_in_scope_decides(world: Any, crew: dict[str, Any]) -> None:
    c = crew
    swap = services.request_swap(actor=c["users"]["alice"], duty=c["d1"], counterpart=c["bob"])
    services.accept_swap(swap, actor=c["users"]["bob"])
    with pytest.raises(PermissionDenied):
        services.decide_swap(swap, actor=c["users"]["bob"], approve=True)
    with pytest.raises(PermissionDenied):
        services.decide_swap(swap, actor=world.users["patrol_member"], approve=True)
    # A leader of side B cannot even see it.
    from shouwang.core import services as core

    outsider = core.create_user(actor=world.admin, username="leader_b", password="x-Pass-12345!")
    core.create_role_grant(
        actor=world.admin,
        data={"user": "leader_b", "role": "team_leader", "jurisdiction": world.b.township.pk},
    )
    with pytest.raises(Http404):
        services.decide_swap(swap, actor=outsider, approve=True)
    assert _on(c["d1"]) == {c["alice"].pk}


def test_illegal_moves_and_reasons(crew: dict[str, Any]) -> None:
    c = crew
    swap = services.request_swap(actor=c["users"]["alice"], duty=c["d1"], counterpart=c["bob"])
    with pytest.raises(RecordInvalid):  # not accepted yet
        services.decide_swap(swap, actor=c["leader"], approve=True)
    with pytest.raises(RecordInvalid) as exc:  # a rejection needs a reason
        services.decide_swap(swap, actor=c["leader"], approve=False)
    assert "reason" in exc.value.errors
    with pytest.raises(RecordInvalid):  # the same duty twice
        services.request_swap(actor=c["users"]["alice"], duty=c["d1"], counterpart=c["carol"])
    with pytest.raises(PermissionDenied):
        services.withdraw_swap(swap, actor=c["users"]["bob"])
    swap = services.withdraw_swap(swap, actor=c["users"]["alice"])
    assert swap.status == SwapStatus.WITHDRAWN
    with pytest.raises(RecordInvalid) as exc:
        services.accept_swap(swap, actor=c["users"]["bob"])
    assert "status" in exc.value.errors


def test_rejection_tells_both_members(crew: dict[str, Any]) -> None:
    c = crew
    swap = services.request_swap(actor=c["users"]["alice"], duty=c["d1"], counterpart=c["bob"])
    services.accept_swap(swap, actor=c["users"]["bob"])
    swap = services.decide_swap(swap, actor=c["leader"], approve=False, reason="人手不足")
    assert swap.status == SwapStatus.REJECTED
    assert _on(c["d1"]) == {c["alice"].pk}
    for who in ("alice", "bob"):
        decided = Notification.objects.filter(recipient=c["users"][who], kind="swap.decided")
        assert decided.count() == 1 and "人手不足" in decided.get().body


def test_past_duties_and_unpublished_rosters_cannot_be_swapped(
    world: Any, crew: dict[str, Any]
) -> None:
    c = crew
    with pytest.raises(RecordInvalid):
        services.request_swap(
            actor=c["users"]["alice"], duty=c["d1"], today=D1 + dt.timedelta(days=1)
        )
    Roster.objects.filter(pk=c["roster"].pk).update(status=RosterStatus.DRAFT)
    with pytest.raises(RecordInvalid):
        services.request_swap(actor=c["users"]["alice"], duty=c["d1"])


def test_swaps_through_the_api(world: Any, login: Any, crew: dict[str, Any]) -> None:
    c = crew
    alice = login(c["users"]["alice"])
    mine = alice.get("/api/v1/rostering/my-duties").json()
    assert [d["duty"] for d in mine] == [c["d1"].pk]
    response = send(
        alice, "post", "/api/v1/rostering/swaps", {"duty": c["d1"].pk, "counterpart": c["bob"].pk}
    )
    assert response.status_code == 201, response.content
    swap_id = response.json()["id"]
    refused = send(alice, "post", "/api/v1/rostering/swaps", {"duty": c["d2"].pk})
    assert refused.status_code == 422
    bob = login(c["users"]["bob"])
    assert send(bob, "post", f"/api/v1/rostering/swaps/{swap_id}/accept").status_code == 200
    member = login("patrol_member")
    denied = send(member, "post", f"/api/v1/rostering/swaps/{swap_id}/approve", {"reason": ""})
    assert denied.status_code == 403
    leader = login("team_leader")
    listed = leader.get("/api/v1/rostering/swaps?status=accepted").json()
    assert [s["id"] for s in listed] == [swap_id]
    done = send(leader, "post", f"/api/v1/rostering/swaps/{swap_id}/approve", {"reason": "好"})
    assert done.status_code == 200 and done.json()["status"] == "approved"
    assert _on(c["d1"]) == {c["bob"].pk}


def test_my_duties_page_and_leader_inbox(world: Any, login: Any, crew: dict[str, Any]) -> None:
    c = crew
    alice = login(c["users"]["alice"])
    page = alice.get("/rostering/my-duties/")
    assert page.status_code == 200
    assert world.a.post.name in page.content.decode()
    response = alice.post(
        "/rostering/swaps/new/", {"duty": c["d1"].pk, "counterpart": c["bob"].pk, "note": ""}
    )
    assert response.status_code == 302
    swap = c["d1"].swaps_offered.get()
    bob = login(c["users"]["bob"])
    assert bob.post(f"/rostering/swaps/{swap.pk}/accept/").status_code == 302
    assert login("patrol_member").get("/rostering/swaps/").status_code == 403
    leader = login("team_leader")
    inbox = leader.get("/rostering/swaps/")
    assert inbox.status_code == 200 and "换班甲" in inbox.content.decode()
    leader.post(f"/rostering/swaps/{swap.pk}/decide/", {"approve": "1", "reason": ""})
    swap.refresh_from_db()
    assert swap.status == SwapStatus.APPROVED
    roster_page = leader.get(f"/r/rosters/{c['roster'].pk}/")
    assert roster_page.status_code == 200
    assert "换班乙" in roster_page.content.decode()


def test_member_on_leave_cannot_take_the_duty(world: Any, crew: dict[str, Any]) -> None:
    from shouwang.forces import services as forces

    c = crew
    forces.create_absence(
        actor=world.admin,
        data={
            "member": c["carol"].pk,
            "kind": "leave",
            "start_date": D1.isoformat(),
            "end_date": D1.isoformat(),
            "reason": "探亲",
            "status": "approved",
        },
    )
    with pytest.raises(RecordInvalid) as exc:
        services.request_swap(actor=c["users"]["alice"], duty=c["d1"], counterpart=c["carol"])
    assert "counterpart" in exc.value.errors


def test_my_duties_without_a_member_link(login: Any) -> None:
    page = login("team_leader").get("/rostering/my-duties/")
    assert page.status_code == 200
    assert page.context["member"] is None and page.context["duties"] == []
    assert login("team_leader").get("/api/v1/rostering/my-duties").json() == []
