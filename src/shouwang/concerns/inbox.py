"""The "my tasks" entries of the people-of-concern register (core.cases inbox provider).

* "visit": people on the register the user is an assigned helper of, due by their cadence;
* "approve": level-change requests waiting for a decision the user may take.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from shouwang.concerns.models import LevelChange, LevelChangeStatus, PersonOfConcern
from shouwang.concerns.workflow import may_decide
from shouwang.core.cases import InboxTask

RECORD_TYPE = "concerns.personofconcern"


def tasks_for(user: Any, today: dt.date) -> list[InboxTask]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    tasks: list[InboxTask] = []
    people = (
        PersonOfConcern.objects.visible_to(user)
        .on_register()
        .filter(helpers__user=user)
        .select_related("jurisdiction")
        .distinct()
    )
    for person in people:
        due = person.next_visit_due
        tasks.append(
            InboxTask(
                kind="visit",
                title=_("Visit: %(person)s (%(level)s)")
                % {"person": person.name, "level": person.get_attention_level_display()},
                url=reverse("concern-detail", args=[person.pk]),
                record_type=RECORD_TYPE,
                record_id=person.pk,
                due=due,
                overdue=due is not None and due < today,
                place=person.jurisdiction.name,
            )
        )
    changes = (
        LevelChange.objects.visible_to(user, "change")
        .filter(status=LevelChangeStatus.REQUESTED)
        .select_related("person__jurisdiction")
    )
    for change in changes:
        if not may_decide(user, change):
            continue
        person = change.person
        tasks.append(
            InboxTask(
                kind="approve",
                title=_("Approve level change: %(person)s, %(from)s → %(to)s")
                % {
                    "person": person.name,
                    "from": change.get_from_level_display(),
                    "to": change.get_to_level_display(),
                },
                url=reverse("concern-detail", args=[person.pk]) + "#level-changes",
                record_type=RECORD_TYPE,
                record_id=person.pk,
                place=person.jurisdiction.name,
            )
        )
    return tasks
