"""API of planning in the background: POST /api/v1/rosters/plan → the job to follow."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import get_for
from shouwang.forces.models import Team
from shouwang.rostering import planning

router = Router(tags=["rosters"])


class PlanIn(Schema):
    team: int
    month: str = Field(description="The month to plan: 2026-12 (or 2026-12-01).")
    time_limit_s: float = Field(10, ge=1, le=600, description="Solver time limit, seconds.")
    seed: int = Field(0, ge=0, description="Solver seed (same input and seed, same roster).")


class PlanOut(Schema):
    job: int
    status: str
    url: str
    page: str


class PlanError(Schema):
    detail: str
    errors: list[dict[str, str]] = []


def parse_month(value: str) -> dt.date:
    """ "2026-12" or "2026-12-01" → 2026-12-01; anything else is refused on `month`."""
    text = (value or "").strip()
    for fmt in ("%Y-%m", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date().replace(day=1)  # noqa: DTZ007
        except ValueError:
            continue
    raise RecordInvalid({"month": [_("Enter a month as YYYY-MM, e.g. 2026-12.")]})


@router.post(
    "/rosters/plan",
    response={202: PlanOut, 403: PlanError, 404: PlanError, 422: PlanError},
    operation_id="rosters_plan",
)
def plan_roster(request: HttpRequest, payload: PlanIn) -> Any:
    """Plan a team's month as a draft in the background; follow GET /api/v1/jobs/{job}."""
    team = get_for(Team, request.user, payload.team, "view")
    job = planning.submit_plan(
        actor=request.user,
        team=team,
        month=parse_month(payload.month),
        time_limit_s=payload.time_limit_s,
        seed=payload.seed,
    )
    return Status(
        202,
        {
            "job": job.pk,
            "status": job.status,
            "url": f"/api/v1/jobs/{job.pk}",
            "page": reverse("job-detail", args=[job.pk]),
        },
    )
