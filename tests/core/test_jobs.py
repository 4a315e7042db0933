"""Background jobs (core.jobs): planning a draft as a job, its page and API, who may see it,
failures, throttled progress; and for real: a thread of the process without a broker, and a
Celery worker on the real Redis with one."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import page_url, send

from shouwang.core import jobs
from shouwang.core.models import BackgroundJob, JobStatus
from shouwang.rostering import planning, services
from shouwang.rostering.models import DutyAssignment, Roster, RosterStatus

DECEMBER = dt.date(2026, 12, 1)
REDIS = ("127.0.0.1", 6379)
HERE = Path(__file__).resolve().parent
SRC = HERE.parent.parent / "src"


@pytest.fixture
def eager(settings: Any) -> None:
    """Jobs run at once in the test's thread (and transaction)."""
    settings.SHOUWANG_JOBS_EAGER = True


def _plan(client: Any, team: Any, month: str = "2026-12", **extra: Any) -> Any:
    return send(client, "post", "/api/v1/rosters/plan", {"team": team.pk, "month": month, **extra})


def test_api_plans_in_the_background_and_reports_the_result(
    world: Any, login: Any, eager: None
) -> None:
    client = login("township_staff")
    response = _plan(client, world.a.team, time_limit_s=5)
    assert response.status_code == 202, response.content
    body = response.json()
    state = client.get(body["url"]).json()
    roster = Roster.objects.get(team=world.a.team, month=DECEMBER)
    assert state["status"] == JobStatus.SUCCEEDED and state["done"] and state["progress"] == 100
    assert state["result"]["roster"] == roster.pk
    assert state["link"] == page_url("rosters", roster.pk)
    assert roster.generated_at is not None
    assert DutyAssignment.objects.filter(duty__roster=roster).count() == 31
    job = BackgroundJob.objects.get(pk=body["job"])
    assert job.created_by == world.users["township_staff"]
    assert job.jurisdiction == world.a.team.jurisdiction
    assert job.started is not None and job.finished is not None and job.error == ""


def test_plan_page_submits_a_job_and_its_page_links_the_roster(
    world: Any, login: Any, eager: None
) -> None:
    client = login("township_staff")
    response = client.post("/rostering/generate/", {"team": world.a.team.pk, "month": "2026-12"})
    job = BackgroundJob.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    page = client.get(response["Location"])
    roster = Roster.objects.get(team=world.a.team, month=DECEMBER)
    assert page.status_code == 200
    assert page_url("rosters", roster.pk) in page.content.decode()
    assert 'value="100"' in page.content.decode()
    assert "hx-trigger" not in page.content.decode()  # done: no more polling


def test_a_queued_job_page_polls_until_the_job_is_done(world: Any, login: Any) -> None:
    client = login("township_staff")
    # No eager mode: inside the test's transaction the job is recorded but not started.
    job = planning.submit_plan(
        actor=world.users["township_staff"], team=world.a.team, month=DECEMBER, time_limit_s=5
    )
    assert job.status == JobStatus.QUEUED
    panel = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert f'hx-get="/jobs/{job.pk}/progress/"' in panel and "every 1s" in panel
    jobs.run_job(job.pk)  # what the worker does
    panel = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "hx-get" not in panel
    assert 'data-status="succeeded"' in panel
    jobs.run_job(job.pk)  # delivered twice: the second delivery changes nothing
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_job_is_seen_only_by_who_may_see_the_roster(world: Any, login: Any, eager: None) -> None:
    job_id = _plan(login("township_staff"), world.a.team, time_limit_s=5).json()["job"]
    allowed = {"township_staff": True, "team_leader": True, "patrol_member": True}
    for who, may in allowed.items():
        client = login(who)
        assert client.get(f"/jobs/{job_id}/").status_code == (200 if may else 404)
        assert client.get(f"/api/v1/jobs/{job_id}").status_code == (200 if may else 404)
    outsider = login(world.b.spare_user)  # a grid worker in side B
    for url in (f"/jobs/{job_id}/", f"/jobs/{job_id}/progress/", f"/api/v1/jobs/{job_id}"):
        assert outsider.get(url).status_code == 404
    # Missing answers exactly like forbidden.
    assert login("township_staff").get("/api/v1/jobs/987654321").status_code == 404
    anonymous = login("township_staff")
    anonymous.logout()
    assert anonymous.get(f"/jobs/{job_id}/").status_code == 302  # to the login page
    assert anonymous.get(f"/api/v1/jobs/{job_id}").status_code == 401


def test_plan_api_refusals_create_no_job(world: Any, login: Any, eager: None) -> None:
    staff = login("township_staff")
    jobs_before = BackgroundJob.objects.count()
    assert _plan(staff, world.b.team).status_code == 404  # outside the actor's scope
    assert not Roster.objects.filter(team=world.b.team, month=DECEMBER).exists()
    bad_month = _plan(staff, world.a.team, month="2026-13")
    assert bad_month.status_code == 422
    assert {e["field"] for e in bad_month.json()["errors"]} == {"month"}
    assert _plan(login("patrol_member"), world.a.team).status_code == 403  # may only view
    services.transition_roster(world.a.roster, RosterStatus.REVIEWED, actor=world.admin)
    published = _plan(staff, world.a.team, month="2026-01")
    assert published.status_code == 422
    assert BackgroundJob.objects.count() == jobs_before


def test_failed_job_keeps_its_error_and_leaves_the_roster_alone(
    world: Any, login: Any, eager: None, monkeypatch: Any
) -> None:
    client = login("township_staff")
    first = client.get(_plan(client, world.a.team, time_limit_s=5).json()["url"]).json()
    roster = Roster.objects.get(pk=first["result"]["roster"])
    rows = sorted(
        DutyAssignment.objects.filter(duty__roster=roster).values_list("duty_id", "member_id")
    )

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the solver ran out of memory")

    monkeypatch.setattr(planning, "solve", broken)
    state = client.get(_plan(client, world.a.team, time_limit_s=5).json()["url"]).json()
    assert state["status"] == JobStatus.FAILED and state["done"]
    assert "the solver ran out of memory" in state["error"]
    page = client.get(f"/jobs/{state['id']}/").content.decode()
    assert "the solver ran out of memory" in page
    after = sorted(
        DutyAssignment.objects.filter(duty__roster=roster).values_list("duty_id", "member_id")
    )
    assert after == rows
    assert Roster.objects.get(pk=roster.pk).generated_at == roster.generated_at


def test_progress_is_written_at_most_once_per_interval(world: Any) -> None:
    job = BackgroundJob.objects.create(kind=planning.PLAN_JOB, status=JobStatus.RUNNING)
    reporter = jobs.ProgressReporter(job.pk, interval_s=3600)
    for step in range(50):
        reporter(step, f"step {step}")
    job.refresh_from_db()
    assert reporter.writes == 1 and (job.progress, job.message) == (0, "step 0")
    reporter.close()  # the latest report held back is written at the end
    job.refresh_from_db()
    assert reporter.writes == 2 and (job.progress, job.message) == (49, "step 49")
    reporter(150, "past the end", force=True)
    job.refresh_from_db()
    assert job.progress == 100


# -- for real: a thread of the process, and a Celery worker on Redis ---------------------------


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    for name in ("DATABASE_URL", "SHOUWANG_BROKER_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    env["SHOUWANG_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: Any) -> Path:
    """A migrated SQLite database holding the demo township (built once, copied per test)."""
    site = tmp_path_factory.mktemp("demo-site")
    result = subprocess.run(
        [sys.executable, "-m", "shouwang.cli", "demo", "--no-serve"],
        env=_env(site),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return site


@pytest.fixture
def site(demo_site: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(demo_site, copy)
    return copy


def _follow_job(site: Path, time_limit: float, **env: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(HERE / "jobs_script.py"), str(time_limit)],
        env=_env(site, **env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _check_planned(seen: dict[str, Any]) -> None:
    state = seen["state"]
    assert state["status"] == "succeeded", state
    assert state["progress"] == 100 and state["error"] == ""
    assert seen["assignments"] > 0 and state["result"]["assignments"] == seen["assignments"]
    statuses = [status for status, _progress in seen["seen"]]
    assert statuses[-1] == "succeeded" and "queued" not in statuses[1:]
    progress = [p for _status, p in seen["seen"]]
    assert progress == sorted(progress)  # the bar only moves forward


@pytest.mark.slow
def test_without_a_broker_a_thread_of_the_process_runs_the_job(site: Path) -> None:
    seen = _follow_job(site, 3)
    assert seen["broker"] == ""
    _check_planned(seen)
    # The bar moved while the solver ran (written at most once a second).
    assert any(0 < p < 100 for _s, p in seen["seen"])


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def celery_worker(site: Path) -> Iterator[dict[str, str]]:
    """A real `celery worker` process on the real Redis, on a queue of its own."""
    if not _redis_reachable():
        message = f"Redis is not reachable at {REDIS[0]}:{REDIS[1]}"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    queue = f"test-jobs-{uuid.uuid4().hex[:8]}"
    env = {"SHOUWANG_BROKER_URL": "redis://127.0.0.1:6379/14", "SHOUWANG_QUEUE": queue}
    celery = Path(sys.executable).with_name("celery")
    worker = subprocess.Popen(
        [
            *(str(celery), "-A", "shouwang.config.celery", "worker", "-c", "1"),
            *("-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--loglevel", "INFO"),
        ],
        env=_env(site, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        yield env
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            output, _ = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            output, _ = worker.communicate()
        print(output[-3000:])


@pytest.mark.slow
def test_with_a_broker_a_celery_worker_runs_the_job(site: Path, celery_worker: Any) -> None:
    seen = _follow_job(site, 3, **celery_worker)
    assert seen["broker"].startswith("redis://")
    _check_planned(seen)
