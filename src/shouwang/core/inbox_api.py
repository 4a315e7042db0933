"""GET /api/v1/tasks: the caller's open tasks on cases (shouwang.core.cases), overdue first.

`?kind=rectify` narrows to one kind. Each item names the record (`record_type`, `record_id`)
and the page where the task is done (`url`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from shouwang.core.cases import kind_label, tasks_for

router = Router(tags=["tasks"])


class TaskOut(Schema):
    kind: str
    kind_label: str
    title: str
    url: str
    record_type: str
    record_id: int
    due: dt.date | None
    overdue: bool
    place: str


class TasksOut(Schema):
    count: int
    overdue: int
    items: list[TaskOut]


@router.get("", response=TasksOut, url_name="tasks")
def my_tasks(request: HttpRequest, kind: str = "") -> Any:
    """The caller's open tasks, overdue first, then by due date."""
    tasks = tasks_for(request.user, timezone.localdate())
    if kind:
        tasks = [t for t in tasks if t.kind == kind]
    return {
        "count": len(tasks),
        "overdue": sum(1 for t in tasks if t.overdue),
        "items": [
            {
                "kind": t.kind,
                "kind_label": kind_label(t.kind),
                "title": t.title,
                "url": t.url,
                "record_type": t.record_type,
                "record_id": t.record_id,
                "due": t.due,
                "overdue": t.overdue,
                "place": t.place,
            }
            for t in tasks
        ],
    }
