"""What duty planning puts in the "my tasks" inbox: swap requests of coming duties — for the
member asked to take a duty over, and, once accepted, for the team leader who decides."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from shouwang.core import roles as core_roles
from shouwang.core.cases import InboxTask
from shouwang.patrols.attendance import LEADER_ROLE
from shouwang.rostering.models import SwapRequest, SwapStatus
from shouwang.rostering.replan import member_for_user

RECORD_TYPE = "rostering.swaprequest"


def _task(swap: SwapRequest, title: str, url: str) -> InboxTask:
    return InboxTask(
        kind="swap",
        title=title,
        url=url,
        record_type=RECORD_TYPE,
        record_id=swap.pk,
        due=swap.duty.date,
        place=swap.roster.team.jurisdiction.name,
    )


def tasks_for(user: Any, today: dt.date) -> Iterable[InboxTask]:
    if user is None or not user.is_authenticated:
        return []
    coming = SwapRequest.objects.filter(duty__date__gte=today).select_related(
        "duty__post", "requester", "counterpart", "roster__team__jurisdiction"
    )
    tasks: list[InboxTask] = []
    member = member_for_user(user)
    if member is not None:
        for swap in coming.filter(status=SwapStatus.REQUESTED, counterpart=member):
            tasks.append(
                _task(
                    swap,
                    _("Swap asked of you: %(who)s, %(day)s %(post)s")
                    % {
                        "who": swap.requester.name,
                        "day": f"{swap.duty.date:%m-%d}",
                        "post": swap.duty.post.name,
                    },
                    reverse("rostering-my-duties"),
                )
            )
    accepted = coming.visible_to(user, "change").filter(status=SwapStatus.ACCEPTED)
    for swap in accepted:
        team = swap.roster.team
        if not core_roles.leads_team(user, team, (LEADER_ROLE,)):
            continue
        tasks.append(
            _task(
                swap,
                _("Swap to decide: %(who)s → %(other)s, %(day)s %(post)s")
                % {
                    "who": swap.requester.name,
                    "other": swap.counterpart.name if swap.counterpart else "—",
                    "day": f"{swap.duty.date:%m-%d}",
                    "post": swap.duty.post.name,
                },
                reverse("rostering-swap-inbox"),
            )
        )
    return tasks
