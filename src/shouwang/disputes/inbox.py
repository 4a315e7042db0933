"""What the dispute register puts in the "my tasks" inbox and on the map of open cases.

Tasks:
* "mediate" — open files (registered, mediating) where the user is the responsible person's
  login or the office of the village; overdue when past the deadline;
* "follow_up" — follow-up visits due (today or earlier) on files the user may change, for the
  responsible person, the office and the village's grid workers / mediators;
* "screen" — this week's screening not yet recorded, for the grid workers / mediators of
  the village.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from shouwang.core.cases import CaseMarker, InboxTask
from shouwang.core.models import Jurisdiction
from shouwang.core.scoping import user_grants
from shouwang.disputes import workflow
from shouwang.disputes.models import OPEN_STATUSES, Dispute, FollowUp, Screening, week_start

RECORD_TYPE = "disputes.dispute"


def _places(user: Any, role: str) -> list[str]:
    """Paths where the user holds `role` ("/" for superusers and global roles)."""
    if getattr(user, "is_superuser", False):
        return ["/"]
    out = []
    for grant in user_grants(user):
        if grant.role.key == role:
            out.append("/" if grant.role.is_global else grant.jurisdiction.path)
    return out


def _under(path: str, places: list[str]) -> bool:
    return any(path.startswith(p) for p in places)


def _url(dispute_id: int) -> str:
    return reverse("record-detail", args=["disputes", dispute_id])


def tasks_for(user: Any, today: dt.date) -> Iterable[InboxTask]:
    if user is None or not user.is_authenticated:
        return []
    tasks: list[InboxTask] = []
    office = _places(user, workflow.OFFICE_ROLE)
    mediators = _places(user, workflow.MEDIATOR_ROLE)
    changeable = Dispute.objects.visible_to(user, "change").select_related(
        "jurisdiction", "responsible_person"
    )
    for d in changeable.filter(status__in=OPEN_STATUSES):
        mine = d.responsible_person is not None and d.responsible_person.user_id == user.pk
        if not (mine or _under(d.jurisdiction.path, office)):
            continue
        tasks.append(
            InboxTask(
                kind="mediate",
                title=_("Mediate: %(title)s") % {"title": d.title},
                url=_url(d.pk),
                record_type=RECORD_TYPE,
                record_id=d.pk,
                due=d.resolve_by,
                overdue=d.resolve_by is not None and d.resolve_by < today,
                place=d.jurisdiction.name,
            )
        )
    visits = (
        FollowUp.objects.filter(
            dispute__in=changeable, visited_on__isnull=True, cancelled=False, due_on__lte=today
        )
        .select_related("dispute__jurisdiction", "dispute__responsible_person")
        .order_by("due_on", "pk")
    )
    for visit in visits:
        d = visit.dispute
        mine = d.responsible_person is not None and d.responsible_person.user_id == user.pk
        if not (mine or _under(d.jurisdiction.path, office + mediators)):
            continue
        tasks.append(
            InboxTask(
                kind="follow_up",
                title=_("Follow-up visit: %(title)s") % {"title": d.title},
                url=_url(d.pk) + "#follow-ups",
                record_type=RECORD_TYPE,
                record_id=d.pk,
                due=visit.due_on,
                overdue=visit.due_on < today,
                place=d.jurisdiction.name,
            )
        )
    if mediators and not getattr(user, "is_superuser", False):
        monday = week_start(today)
        under = Q()
        for path in mediators:
            under |= Q(path__startswith=path)
        villages = list(Jurisdiction.objects.filter(under, level="village").order_by("path"))
        done = set(
            Screening.objects.filter(village__in=villages, week=monday).values_list(
                "village_id", flat=True
            )
        )
        add_url = reverse("record-create", args=["dispute-screenings"])
        for village in villages:
            if village.pk in done:
                continue
            tasks.append(
                InboxTask(
                    kind="screen",
                    title=_("Weekly dispute screening: %(village)s") % {"village": village.name},
                    url=f"{add_url}?village={village.pk}&week={monday.isoformat()}",
                    record_type="core.jurisdiction",
                    record_id=village.pk,
                    due=monday + dt.timedelta(days=6),
                    overdue=False,
                    place=village.name,
                )
            )
    return tasks


def centroid(boundary: Any) -> tuple[float, float] | None:
    """(lat, lon) of a GeoJSON Polygon/MultiPolygon: the mean of its outer rings' vertices
    (good enough to place a marker inside a village)."""
    if not isinstance(boundary, dict):
        return None
    kind = boundary.get("type")
    coords = boundary.get("coordinates") or []
    rings = []
    if kind == "Polygon" and coords:
        rings = [coords[0]]
    elif kind == "MultiPolygon":
        rings = [poly[0] for poly in coords if poly]
    points = [p for ring in rings for p in (ring[:-1] if len(ring) > 1 else ring)]
    if not points:
        return None
    lon = sum(float(p[0]) for p in points) / len(points)
    lat = sum(float(p[1]) for p in points) / len(points)
    return lat, lon


def markers_for(user: Any) -> Iterable[CaseMarker]:
    """Files not closed, at their own coordinates or else their village's centroid."""
    out: list[CaseMarker] = []
    qs = (
        Dispute.objects.visible_to(user)
        .exclude(status=workflow.S.CLOSED)
        .select_related("jurisdiction")
    )
    for d in qs:
        if d.latitude is not None and d.longitude is not None:
            position: tuple[float, float] | None = (d.latitude, d.longitude)
        else:
            position = centroid(d.jurisdiction.boundary)
        if position is None:
            continue
        out.append(
            CaseMarker(
                layer="disputes",
                title=d.title,
                url=_url(d.pk),
                latitude=position[0],
                longitude=position[1],
                status=str(d.get_status_display()),
                overdue=d.is_overdue,
            )
        )
    return out
