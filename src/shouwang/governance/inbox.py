"""What governance puts in the "my tasks" inbox: meeting decisions and drill findings past
their deadline ("follow_up"), for the township office and the responsible person's login."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from shouwang.core import roles as core_roles
from shouwang.core.cases import InboxTask
from shouwang.governance.models import (
    Decision,
    DecisionStatus,
    DrillFinding,
    FindingStatus,
    FollowUpItem,
)
from shouwang.governance.services import OFFICE_ROLE

RECORD_TYPE = "governance.decision"
FINDING_RECORD_TYPE = "governance.drillfinding"


def tasks_for(user: Any, today: dt.date) -> Iterable[InboxTask]:
    if user is None or not user.is_authenticated:
        return []
    decisions = (
        Decision.objects.visible_to(user, "change")
        .filter(status=DecisionStatus.OPEN, deadline__lt=today)
        .select_related("meeting__jurisdiction", "owner_person")
    )
    findings = (
        DrillFinding.objects.visible_to(user, "change")
        .filter(status=FindingStatus.OPEN, deadline__lt=today)
        .select_related("review__drill__jurisdiction", "owner_person")
    )
    return _overdue_tasks(
        user,
        decisions,
        lambda d: d.meeting.jurisdiction,
        _("Meeting decision overdue: %(text)s"),
        "meeting-decisions",
        RECORD_TYPE,
    ) + _overdue_tasks(
        user,
        findings,
        lambda f: f.review.drill.jurisdiction,
        _("Drill finding overdue: %(text)s"),
        "drill-findings",
        FINDING_RECORD_TYPE,
    )


def _overdue_tasks(
    user: Any,
    overdue: Iterable[FollowUpItem],
    place_of: Callable[[Any], Any],
    title: str,
    slug: str,
    record_type: str,
) -> list[InboxTask]:
    """Overdue follow-up items (decisions, drill findings) for the responsible person's login
    and the township office."""
    tasks = []
    for item in overdue:
        place = place_of(item)
        mine = item.owner_person is not None and item.owner_person.user_id == user.pk
        if not (mine or core_roles.holds_role(user, place.path, (OFFICE_ROLE,))):
            continue
        tasks.append(
            InboxTask(
                kind="follow_up",
                title=title % {"text": str(item)},
                url=reverse("record-detail", args=[slug, item.pk]),
                record_type=record_type,
                record_id=item.pk,
                due=item.deadline,
                overdue=True,
                place=place.name,
            )
        )
    return tasks
