"""A large ledger is imported by a background job with progress: the page never waits for it.

Runs of more than `services.BACKGROUND_ROWS` rows are handed to the job kind
`services.EXECUTE_JOB` by the mapping and execute pages; the job page links back to the run's
result. Small ledgers stay in the request (tests/imports/test_hazard_ledger.py).
"""

from __future__ import annotations

from typing import Any

from conftest import PASSWORD

from shouwang.core import jobs
from shouwang.core import services as core
from shouwang.core.models import BackgroundJob, JobStatus
from shouwang.hazards.models import Hazard
from shouwang.imports import services
from shouwang.imports.models import ImportRun, RunStatus

from .ledger_helpers import post_mapping
from .test_hazard_ledger import ledger, row, upload

ROWS = services.BACKGROUND_ROWS + 5


def large_ledger(bad_row: bool = False) -> bytes:
    rows = [
        row(n, "2026-03-05", "甲社区", f"甲场镇{n}号门前", "消防", f"楼道堆放杂物{n}")
        for n in range(1, ROWS + 1)
    ]
    if bad_row:
        rows[-1] = row(ROWS, "2026-13-45", "甲社区", "甲桥头", "治安", "夜间聚集")
    return ledger(rows)


def latest_job() -> BackgroundJob:
    return BackgroundJob.objects.filter(kind=services.EXECUTE_JOB).latest("pk")


def test_large_ledger_trial_run_and_import_run_as_jobs(
    world: Any, login: Any, settings: Any
) -> None:
    settings.SHOUWANG_JOBS_EAGER = True  # the job runs at once, as a worker would
    client = login("township_staff")
    before = Hazard.objects.count()
    upload(client, large_ledger())
    run = ImportRun.objects.latest("pk")
    assert run.row_count == ROWS and services.runs_in_background(run)

    response = post_mapping(client, run, run.mapping, dry_run="1")
    job = latest_job()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED and job.progress == 100
    assert job.result == {
        "run": run.pk,
        "status": RunStatus.CHECKED,
        "created": 0,
        "skipped": 0,
        "error_rows": 0,
    }
    run.refresh_from_db()
    assert run.status == RunStatus.CHECKED and services.would_create(run) == ROWS
    assert Hazard.objects.count() == before
    # The job page shows the outcome and links to the run's result.
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f"/imports/runs/{run.pk}/" in page

    response = client.post(f"/imports/runs/{run.pk}/execute/")
    job = latest_job()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED and job.result["created"] == ROWS
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED and run.created_count == ROWS
    assert Hazard.objects.count() == before + ROWS
    # Executing the finished run again is refused before any job is queued.
    jobs_before = BackgroundJob.objects.count()
    client.post(f"/imports/runs/{run.pk}/execute/")
    assert BackgroundJob.objects.count() == jobs_before
    assert Hazard.objects.count() == before + ROWS


def test_a_bad_row_in_a_large_ledger_imports_nothing(world: Any, login: Any, settings: Any) -> None:
    settings.SHOUWANG_JOBS_EAGER = True
    client = login("township_staff")
    before = Hazard.objects.count()
    upload(client, large_ledger(bad_row=True))
    run = ImportRun.objects.latest("pk")
    post_mapping(client, run, run.mapping)
    job = latest_job()
    assert job.status == JobStatus.SUCCEEDED and job.result["error_rows"] == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and Hazard.objects.count() == before
    assert {e["row"] for e in run.errors} == {ROWS + 4}  # title, blank, office line, header


def test_the_job_is_seen_only_by_who_may_see_the_run(world: Any) -> None:
    staff = world.users["township_staff"]
    run = services.start_run(
        actor=staff,
        kind=services.KINDS["hazards"],
        file_name="台账.xlsx",
        raw=large_ledger(),
    )
    job = services.submit_run(run, actor=staff)
    jobs.wait(job.pk, timeout=60)
    kind = jobs.KINDS[services.EXECUTE_JOB]
    assert kind.may_view(staff, job)
    other = core.create_user(
        actor=world.admin, username="b_office", password=PASSWORD, full_name="乙办"
    )
    core.create_role_grant(
        actor=world.admin,
        data={
            "user": other.username,
            "role": "township_staff",
            "jurisdiction": world.b.township.pk,
        },
    )
    assert not kind.may_view(other, job)
