"""The background job that executes a large ledger import (see services.submit_run)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from shouwang.core import jobs
from shouwang.core.models import BackgroundJob
from shouwang.core.scoping import get_for
from shouwang.imports import services
from shouwang.imports.models import ImportRun


def _run_of(user: Any, job: BackgroundJob) -> ImportRun | None:
    try:
        return get_for(ImportRun, user, int(job.params.get("run", 0)))
    except (Http404, TypeError, ValueError):
        return None


def may_view_import_job(user: Any, job: BackgroundJob) -> bool:
    """Whoever may see the run may follow its job."""
    return _run_of(user, job) is not None


def run_link(user: Any, job: BackgroundJob) -> tuple[str, str] | None:
    run = _run_of(user, job)
    if run is None:
        return None
    return reverse("imports-run", args=[run.pk]), _("Import result: %(file)s") % {
        "file": run.file_name
    }


@jobs.register(services.EXECUTE_JOB, may_view=may_view_import_job, link=run_link)
def execute_import(job: BackgroundJob, progress: jobs.ProgressReporter) -> Mapping[str, Any]:
    """Execute the run named by the job, as the user who submitted it."""
    if job.created_by is None:
        raise RuntimeError("the submitter's account no longer exists")
    run = ImportRun.objects.filter(pk=job.params.get("run")).first()
    if run is None:
        raise RuntimeError("the import no longer exists")
    progress(0, _("Reading the ledger…"), force=True)
    run = services.execute_run(
        run, actor=job.created_by, dry_run=bool(job.params.get("dry_run")), progress=progress
    )
    return {
        "run": run.pk,
        "status": run.status,
        "created": run.created_count,
        "skipped": run.skipped_count,
        "error_rows": len({e.get("row") for e in run.errors or []}),
    }
