"""API of background jobs: GET /api/v1/jobs/{id} → status and progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from shouwang.core import jobs

router = Router(tags=["jobs"])


class JobOut(Schema):
    id: int
    kind: str
    status: str
    status_label: str
    progress: int
    message: str
    result: dict[str, Any]
    error: str
    done: bool
    created: dt.datetime
    started: dt.datetime | None
    finished: dt.datetime | None
    link: str | None
    link_label: str | None


class JobError(Schema):
    detail: str


@router.get("/jobs/{job_id}", response={200: JobOut, 404: JobError}, operation_id="job_retrieve")
def job_retrieve(request: HttpRequest, job_id: int) -> Any:
    """A job's status and progress (0–100); poll until `done`. Visible to whoever may see
    what the job is about (for planning: the roster)."""
    return jobs.as_dict(jobs.get_job_for(request.user, job_id), request.user)
