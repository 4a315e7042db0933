"""API of the roster lifecycle (/api/v1/rostering/): my duties, swap requests, re-planning.

Thin handlers: parse, fetch within scope (404 alike for missing and forbidden), call the
service, shape the answer. Refusals of a rule answer 422, missing rights 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema, Status

from shouwang.core.scoping import can, get_for
from shouwang.forces.models import Member
from shouwang.rostering import replan, services
from shouwang.rostering.models import Duty, Roster, SwapRequest

router = Router(tags=["roster lifecycle"])


class ErrorOut(Schema):
    detail: str


class MyDutyOut(Schema):
    assignment: int
    duty: int
    roster: int
    date: dt.date
    start: dt.datetime
    end: dt.datetime
    post: str
    is_manual: bool


class SwapIn(Schema):
    duty: int
    counterpart: int | None = None
    counterpart_duty: int | None = None
    note: str = ""


class ReasonIn(Schema):
    reason: str = ""


class SwapOut(Schema):
    id: int
    roster: int
    duty: int
    date: dt.date
    post: str
    requester: int
    counterpart: int | None
    counterpart_duty: int | None
    status: str
    note: str
    decision_reason: str


class ChangeOut(Schema):
    id: int
    status: str
    changes: list[dict[str, Any]]


def _swap(swap: SwapRequest) -> dict[str, Any]:
    return {
        "id": swap.pk,
        "roster": swap.roster_id,
        "duty": swap.duty_id,
        "date": swap.duty.date,
        "post": swap.duty.post.name,
        "requester": swap.requester_id,
        "counterpart": swap.counterpart_id,
        "counterpart_duty": swap.counterpart_duty_id,
        "status": swap.status,
        "note": swap.note,
        "decision_reason": swap.decision_reason,
    }


ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: dict[str, Any]}


@router.get("/my-duties", response=list[MyDutyOut])
def my_duties(request: HttpRequest) -> Any:
    """The caller's own upcoming duties in published rosters (empty without a member link)."""
    member = replan.member_for_user(request.user)
    if member is None:
        return []
    return [
        {
            "assignment": a.pk,
            "duty": a.duty_id,
            "roster": a.duty.roster_id,
            "date": a.duty.date,
            "start": a.duty.start,
            "end": a.duty.end,
            "post": a.duty.post.name,
            "is_manual": a.is_manual,
        }
        for a in replan.upcoming_duties(member)
    ]


@router.get("/swaps", response={200: list[SwapOut], 403: ErrorOut})
def list_swaps(request: HttpRequest, status: str = "") -> Any:
    """Swap requests in the caller's scope (a member: their own and their team's open ones)."""
    if can(request.user, SwapRequest, "change"):
        qs = SwapRequest.objects.visible_to(request.user, "change")
    else:
        member = replan.member_for_user(request.user)
        if member is None:
            raise PermissionDenied
        qs = replan.swaps_for_member(member)
    if status:
        qs = qs.filter(status=status)
    return [_swap(s) for s in qs.select_related("duty__post")[:200]]


@router.post("/swaps", response={201: SwapOut, **ERRORS})
def create_swap(request: HttpRequest, payload: SwapIn) -> Any:
    """Ask to swap one of the caller's duties (no counterpart: anyone available)."""
    duty = get_for(Duty, request.user, payload.duty, "view")
    counterpart = (
        get_for(Member, request.user, payload.counterpart, "view") if payload.counterpart else None
    )
    other = (
        get_for(Duty, request.user, payload.counterpart_duty, "view")
        if payload.counterpart_duty
        else None
    )
    swap = services.request_swap(
        actor=request.user,
        duty=duty,
        counterpart=counterpart,
        counterpart_duty=other,
        note=payload.note,
    )
    return Status(201, _swap(swap))


@router.post("/swaps/{swap_id}/accept", response={200: SwapOut, **ERRORS})
def accept_swap(request: HttpRequest, swap_id: int) -> Any:
    swap = get_for(SwapRequest, request.user, swap_id, "view")
    return _swap(services.accept_swap(swap, actor=request.user))


@router.post("/swaps/{swap_id}/withdraw", response={200: SwapOut, **ERRORS})
def withdraw_swap(request: HttpRequest, swap_id: int) -> Any:
    swap = get_for(SwapRequest, request.user, swap_id, "view")
    return _swap(services.withdraw_swap(swap, actor=request.user))


@router.post("/swaps/{swap_id}/approve", response={200: SwapOut, **ERRORS})
def approve_swap(request: HttpRequest, swap_id: int, payload: ReasonIn) -> Any:
    swap = get_for(SwapRequest, request.user, swap_id, "view")
    return _swap(
        services.decide_swap(swap, actor=request.user, approve=True, reason=payload.reason)
    )


@router.post("/swaps/{swap_id}/reject", response={200: SwapOut, **ERRORS})
def reject_swap(request: HttpRequest, swap_id: int, payload: ReasonIn) -> Any:
    swap = get_for(SwapRequest, request.user, swap_id, "view")
    return _swap(
        services.decide_swap(swap, actor=request.user, approve=False, reason=payload.reason)
    )


@router.post("/rosters/{roster_id}/replan", response={200: ChangeOut, **ERRORS})
def replan_roster(request: HttpRequest, roster_id: int, payload: ReasonIn) -> Any:
    """Plan a published roster again; answers the roster's change list."""
    roster = get_for(Roster, request.user, roster_id, "change")
    roster = services.replan_roster(roster, actor=request.user, reason=payload.reason)
    return {"id": roster.pk, "status": roster.status, "changes": roster.changes}
