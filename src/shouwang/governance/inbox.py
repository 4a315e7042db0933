"""What governance puts in the "my tasks" inbox: meeting decisions and drill findings past
their deadline ("follow_up"), for the township office and the responsible person's login."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from shouwang.core import roles as core_roles
from shouwang.core.cases import InboxTask
from shouwang.governance.models import Decision, DecisionStatus, DrillFinding, FindingStatus
from shouwang.governance.services import OFFICE_ROLE

RECORD_TYPE = "governance.decision"
FINDING_RECORD_TYPE = "governance.drillfinding"


def tasks_for(user: Any, today: dt.date) -> Iterable[InboxTask]:
    if user is None or not user.is_authenticated:
        return []
    overdue = (
        Decision.objects.visible_to(user, "change")
        .filter(status=DecisionStatus.OPEN, deadline__lt=today)
        .select_related("meeting__jurisdiction", "owner_person")
    )
    tasks = []
    for d in overdue:
        place = d.meeting.jurisdiction
        mine = d.owner_person is not None and d.owner_person.user_id == user.pk
        if not (mine or core_roles.holds_role(user, place.path, (OFFICE_ROLE,))):
            continue
        tasks.append(
            InboxTask(
                kind="follow_up",
                title=_("Meeting decision overdue: %(text)s") % {"text": str(d)},
                url=reverse("record-detail", args=["meeting-decisions", d.pk]),
                record_type=RECORD_TYPE,
                record_id=d.pk,
                due=d.deadline,
                overdue=True,
                place=place.name,
            )
        )
    return tasks + finding_tasks(user, today)


def finding_tasks(user: Any, today: dt.date) -> list[InboxTask]:
    """Open drill findings past their deadline: to improve (or to take up in a plan revision)."""
    overdue = (
        DrillFinding.objects.visible_to(user, "change")
        .filter(status=FindingStatus.OPEN, deadline__lt=today)
        .select_related("review__drill__jurisdiction", "owner_person")
    )
    tasks = []
    for f in overdue:
        place = f.review.drill.jurisdiction
        mine = f.owner_person is not None and f.owner_person.user_id == user.pk
        if not (mine or core_roles.holds_role(user, place.path, (OFFICE_ROLE,))):
            continue
        tasks.append(
            InboxTask(
                kind="follow_up",
                title=_("Drill finding overdue: %(text)s") % {"text": str(f)},
                url=reverse("record-detail", args=["drill-findings", f.pk]),
                record_type=FINDING_RECORD_TYPE,
                record_id=f.pk,
                due=f.deadline,
                overdue=True,
                place=place.name,
            )
        )
    return tasks
