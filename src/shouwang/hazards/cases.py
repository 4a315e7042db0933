"""What the hazard register plugs into shouwang.core.cases (registered in apps.py):

* the inbox provider — assign (office, reported hazards), rectify (the responsible person's
  login, team leaders of the team concerned, the office), verify (office or team leader of the
  team concerned, never the rectifier) and approve (a pending extension, office); due on the
  rectification deadline, overdue once it has passed;
* the map layer — open hazards with a position, overdue ones flagged;
* the deadline sweep — workflow.sweep_hazard_deadlines.

Each list is one query (the role checks are compiled into the filter by workflow.role_q, the
same rules as workflow.holds_role), so the inbox badge on every page stays cheap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Value
from django.urls import reverse
from django.utils.translation import gettext_lazy

from shouwang.core.cases import CaseMarker, InboxTask, kind_label
from shouwang.hazards import workflow
from shouwang.hazards.models import (
    FINISHED_STATUSES,
    ExtensionStatus,
    Hazard,
    HazardExtension,
    HazardStatus,
)

S = HazardStatus
RECORD_TYPE = "hazards.hazard"
LAYER = "hazards"
LAYER_LABEL = gettext_lazy("Hazards")
SWEEP_LABEL = gettext_lazy("Hazards")

_NOTHING = Q(pk__in=[])
_RECTIFYING = (S.ASSIGNED, S.RECTIFYING)


_EVERYTHING = Q(pk__isnull=False)


def _or_nothing(q: Q | None) -> Q:
    """role_q's answer as a condition that combines safely: an empty Q() ("everything") would
    vanish from an OR (`Q() | x` is `x`), so it becomes an always-true condition."""
    if q is None:
        return _NOTHING
    return q if q else _EVERYTHING


def _flag(q: Q) -> ExpressionWrapper:
    # An empty Q() (the user covers everything) cannot be compiled on its own.
    condition: Any = q if q else Value(True)
    return ExpressionWrapper(condition, output_field=BooleanField())


def hazard_tasks(user: Any, today: dt.date) -> list[InboxTask]:
    """The user's hazard tasks as of `today` (one query)."""
    if not getattr(user, "is_authenticated", False):
        return []
    office = _or_nothing(workflow.role_q(user, workflow.OFFICE_ROLE))
    acting = _or_nothing(workflow.role_q(user, workflow.OFFICE_ROLE, workflow.LEADER_ROLE))
    own = Q(responsible_person__user=user)
    pending = Exists(
        HazardExtension.objects.filter(hazard=OuterRef("pk"), status=ExtensionStatus.REQUESTED)
    )
    wanted = (
        (Q(status=S.REPORTED) & office)
        | (Q(status__in=_RECTIFYING) & (acting | own))
        | (Q(status=S.AWAITING_VERIFICATION) & acting & ~Q(rectified_by=user))
        | (Q(pending_extension=True) & office)
    )
    rows = (
        Hazard.objects.visible_to(user)
        .exclude(status__in=FINISHED_STATUSES)
        .annotate(
            pending_extension=pending,
            as_office=_flag(office),
            as_rectifier=_flag(acting | own),
            as_verifier=_flag(acting & ~Q(rectified_by=user)),
        )
        .filter(wanted)
        .select_related("category", "jurisdiction")
        .order_by("deadline", "pk")
    )
    tasks: list[InboxTask] = []
    for h in rows:
        kinds = []
        if h.status == S.REPORTED and h.as_office:
            kinds.append("assign")
        if h.status in _RECTIFYING and h.as_rectifier:
            kinds.append("rectify")
        if h.status == S.AWAITING_VERIFICATION and h.as_verifier:
            kinds.append("verify")
        if h.pending_extension and h.as_office:
            kinds.append("approve")
        overdue = h.deadline is not None and h.deadline < today
        url = reverse("record-detail", args=["hazards", h.pk]) + "#workflow"
        what = h.place or h.description[:30]
        for kind in kinds:
            tasks.append(
                InboxTask(
                    kind=kind,
                    title=f"{kind_label(kind)}：{h.category}，{what}",
                    url=url,
                    record_type=RECORD_TYPE,
                    record_id=h.pk,
                    due=h.deadline,
                    overdue=overdue,
                    place=h.jurisdiction.name,
                )
            )
    return tasks


def hazard_markers(user: Any) -> list[CaseMarker]:
    """Open hazards with a position that the user may see (one query)."""
    from django.utils import timezone

    today = timezone.localdate()
    rows = (
        Hazard.objects.visible_to(user)
        .exclude(status__in=FINISHED_STATUSES)
        .exclude(latitude=None)
        .exclude(longitude=None)
        .select_related("category")
        .order_by("pk")
    )
    return [
        CaseMarker(
            layer=LAYER,
            title=f"{h.category}：{h.place or h.description[:30]}",
            url=reverse("record-detail", args=["hazards", h.pk]),
            latitude=float(h.latitude),  # type: ignore[arg-type]
            longitude=float(h.longitude),  # type: ignore[arg-type]
            status=str(h.get_status_display()),
            overdue=h.deadline is not None and h.deadline < today,
        )
        for h in rows
    ]


def hazard_sweep(now: dt.datetime | None, dry_run: bool) -> Mapping[str, int]:
    """The daily hazard deadline sweep, counted for `shouwang sweep-cases`."""
    result = workflow.sweep_hazard_deadlines(now=now, dry_run=dry_run)
    return {
        "warned": len(result.warned),
        "supervised": len(result.supervised),
        "escalated": len(result.escalated),
    }
