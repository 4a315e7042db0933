"""Patrol logs handed in wait in the team leader's inbox until confirmed (one task per team)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from patrols.field_helpers import log_payload, make_duty, new_uuid, patrol_user
from shouwang.core import cases
from shouwang.patrols import review, services


def _confirm_tasks(user: Any, today: dt.date | None = None) -> list[Any]:
    today = today or timezone.localdate()
    return [t for t in cases.tasks_for(user, today) if t.kind == "confirm"]


def test_handed_in_logs_wait_for_the_leader(world: Any, login: Any) -> None:
    leader = world.users["team_leader"]
    assert _confirm_tasks(leader) == []
    duty = make_duty(world)
    outcome = services.save_patrol_log(
        actor=patrol_user(world),
        uuid=new_uuid(),
        data=log_payload(duty, submit=True),
        base_version=None,
    )
    assert outcome.status == services.SAVED

    (task,) = _confirm_tasks(leader)
    assert task.title == f"待确认巡查日志：1 篇（{world.a.team.name}）"
    assert task.url == f"/patrols/logs/?status=submitted&team={world.a.team.pk}"
    assert not task.overdue
    # Overdue once it has waited more than two days.
    later = timezone.localdate() + dt.timedelta(days=3)
    assert _confirm_tasks(leader, later)[0].overdue
    # The member who wrote it and the office have no such task (the office's list is the
    # logs page); the other side's leader neither.
    assert _confirm_tasks(patrol_user(world)) == []
    assert _confirm_tasks(world.users["township_staff"]) == []
    # The task's link lists exactly that log, and the page shows the task.
    client = login("team_leader")
    page = client.get("/tasks/")
    assert "待确认巡查日志：1 篇" in page.content.decode()

    review.confirm_log(outcome.record, actor=leader)
    assert _confirm_tasks(leader) == []
