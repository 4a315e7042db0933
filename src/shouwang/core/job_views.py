"""Pages of a background job: its progress, polled with htmx until it is done."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from shouwang.core import jobs


def _context(request: HttpRequest, pk: int) -> dict[str, object]:
    job = jobs.get_job_for(request.user, pk)
    return {"job": job, "state": jobs.as_dict(job, request.user)}


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A job's page; missing and forbidden jobs answer the same 404."""
    response = render(request, "core/job.html", _context(request, pk))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel alone (what the page polls)."""
    response = render(request, "core/job_progress.html", _context(request, pk))
    response["Cache-Control"] = "no-store"
    return response
