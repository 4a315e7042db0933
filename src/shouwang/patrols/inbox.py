"""What field work puts in the "my tasks" inbox: patrol logs handed in and waiting for the
team leader's confirmation — one task per team, linking to that team's list of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import roles as core_roles
from shouwang.core.cases import InboxTask
from shouwang.forces.models import Team
from shouwang.patrols.attendance import LEADER_ROLE
from shouwang.patrols.models import LogStatus, PatrolLog

#: Days a handed-in log may wait for its confirmation before the task shows as overdue.
CONFIRM_WITHIN_DAYS = 2


def tasks_for(user: Any, today: dt.date) -> Iterable[InboxTask]:
    if user is None or not user.is_authenticated:
        return []
    waiting = (
        PatrolLog.objects.visible_to(user, "change")
        .filter(status=LogStatus.SUBMITTED)
        .values("team")
        .annotate(n=Count("pk"), oldest=Min("started_at"))
        .order_by()
    )
    counts = {row["team"]: row for row in waiting}
    if not counts:
        return []
    tasks = []
    for team in Team.objects.filter(pk__in=counts).select_related("jurisdiction"):
        # The team's leader confirms (the office may, but its list is the logs page itself).
        if not core_roles.leads_team(user, team, (LEADER_ROLE,)):
            continue
        row = counts[team.pk]
        due = timezone.localdate(row["oldest"]) + dt.timedelta(days=CONFIRM_WITHIN_DAYS)
        query = urlencode({"status": LogStatus.SUBMITTED, "team": team.pk})
        tasks.append(
            InboxTask(
                kind="confirm",
                title=_("Patrol logs to confirm: %(n)d (%(team)s)")
                % {"n": row["n"], "team": team.name},
                url=f"{reverse('patrol-log-list')}?{query}",
                record_type="forces.team",
                record_id=team.pk,
                due=due,
                overdue=due < today,
                place=team.jurisdiction.name,
            )
        )
    return tasks
