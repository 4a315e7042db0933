"""Background jobs: submit work, run it elsewhere, follow its progress (core.BackgroundJob).

A job kind is one function registered with :func:`register`; it receives the job and a
:class:`ProgressReporter` and returns a small JSON result (e.g. the roster's pk). `submit`
records the job and, once the caller's transaction commits, hands it to Celery when a broker
is configured (settings.SHOUWANG_BROKER_URL) or else to a thread of this process — the
embedded setup needs nothing else. Either way :func:`run_job` does the work, so both paths
behave alike: the job moves queued → running → succeeded/failed, a failure keeps a readable
error, and progress is written at most once a second.

Who may see a job is decided by its kind (a planning job is visible to whoever may see the
roster): job rows carry no role permissions of their own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from shouwang.core.models import BackgroundJob, JobStatus, Jurisdiction
from shouwang.core.records import RecordInvalid

_log = logging.getLogger(__name__)

#: Seconds between two progress writes of one job (the last word is always written).
PROGRESS_INTERVAL_S = 1.0

JobResult = Mapping[str, Any] | None
JobFunction = Callable[[BackgroundJob, "ProgressReporter"], JobResult]
MayView = Callable[[Any, BackgroundJob], bool]
#: (address, label) of what a job produced, for the user: e.g. the planned roster.
Link = Callable[[Any, BackgroundJob], tuple[str, str] | None]


@dataclass(frozen=True)
class JobKind:
    """A registered kind of job: the function that does the work and who may see the job."""

    name: str
    run: JobFunction
    may_view: MayView | None = None
    link: Link | None = None


KINDS: dict[str, JobKind] = {}
_discovered = False


def register(
    kind: str, *, may_view: MayView | None = None, link: Link | None = None
) -> Callable[[JobFunction], JobFunction]:
    """Register a job kind; also registers the Celery task of the same name that runs it."""

    def decorator(func: JobFunction) -> JobFunction:
        KINDS[kind] = JobKind(name=kind, run=func, may_view=may_view, link=link)
        from celery import shared_task

        # The task only carries the job's pk: parameters, progress and result live in the row.
        shared_task(name=kind, ignore_result=True)(_celery_entry)
        return func

    return decorator


def _celery_entry(job_pk: int) -> None:
    run_job(job_pk)


def discover() -> None:
    """Import every app's `tasks` module so that all job kinds are registered."""
    global _discovered
    if not _discovered:
        autodiscover_modules("tasks")
        _discovered = True


def broker_url() -> str:
    """The Celery broker, or "" when jobs run in this process."""
    return str(getattr(settings, "SHOUWANG_BROKER_URL", "") or "")


def submit(
    kind: str,
    params: Mapping[str, Any],
    actor: Any,
    *,
    jurisdiction: Jurisdiction | None = None,
) -> BackgroundJob:
    """Record a job and start it once the surrounding transaction commits."""
    discover()
    if kind not in KINDS:
        raise ValueError(f"unknown job kind: {kind}")
    job = BackgroundJob.objects.create(
        kind=kind,
        params=dict(params),
        created_by=actor if getattr(actor, "pk", None) else None,
        jurisdiction=jurisdiction,
        message=_("Waiting to start…"),
    )
    if getattr(settings, "SHOUWANG_JOBS_EAGER", False):
        # Tests and scripts: do the work now, in the caller's thread and transaction.
        run_job(job.pk)
        job.refresh_from_db()
        return job
    # Started after commit: a worker must find the row (and whatever the caller wrote).
    transaction.on_commit(partial(dispatch, job.pk, kind))
    return job


def dispatch(job_pk: int, kind: str) -> None:
    """Hand a recorded job to Celery, or to a background thread without a broker."""
    if broker_url():
        from shouwang.config.celery import app

        app.send_task(kind, args=[job_pk])
        return
    thread = threading.Thread(
        target=_run_in_thread, args=(job_pk,), name=f"job-{job_pk}", daemon=True
    )
    _threads[job_pk] = thread
    thread.start()


#: In-process job threads by job pk (the CLI and tests wait on them).
_threads: dict[int, threading.Thread] = {}


def _run_in_thread(job_pk: int) -> None:
    try:
        run_job(job_pk)
    finally:
        # A thread's database connection is its own; close it rather than leak it.
        connection.close()
        _threads.pop(job_pk, None)


def wait(job_pk: int, timeout: float | None = None) -> None:
    """Wait for an in-process job thread to end (returns at once for Celery jobs)."""
    thread = _threads.get(job_pk)
    if thread is not None:
        thread.join(timeout)


def run_job(job_pk: int) -> None:
    """Do a queued job: mark it running, call its kind's function, keep the result or error.

    A job that is not queued any more (delivered twice) is left alone.
    """
    discover()
    claimed = BackgroundJob.objects.filter(pk=job_pk, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started=timezone.now(), message=_("Started")
    )
    if not claimed:
        _log.warning("job %s is not queued; not run again", job_pk)
        return
    job = BackgroundJob.objects.select_related("created_by").get(pk=job_pk)
    reporter = ProgressReporter(job_pk)
    kind = KINDS.get(job.kind)
    try:
        if kind is None:
            raise RuntimeError(f"unknown job kind: {job.kind}")
        result = kind.run(job, reporter)
    except Exception as exc:
        _log.exception("job %s (%s) failed", job_pk, job.kind)
        reporter.close()
        BackgroundJob.objects.filter(pk=job_pk).update(
            status=JobStatus.FAILED,
            finished=timezone.now(),
            error=error_text(exc),
            message=_("Failed"),
        )
        return
    reporter.close()
    BackgroundJob.objects.filter(pk=job_pk).update(
        status=JobStatus.SUCCEEDED,
        finished=timezone.now(),
        progress=100,
        result=dict(result or {}),
        message=_("Done"),
    )


def error_text(exc: BaseException) -> str:
    """What a person reading the job page should learn from a failure."""
    if isinstance(exc, RecordInvalid):
        return " ".join(str(m) for messages in exc.errors.values() for m in messages)
    if isinstance(exc, Http404 | PermissionDenied):
        return _("The submitter may not do this (any more).")
    return f"{type(exc).__name__}: {exc}"


class ProgressReporter:
    """Writes a job's progress, at most once per PROGRESS_INTERVAL_S (callable from any thread).

    Reports in between are kept and the latest one is written with the next write (or by
    `close`), so the page never lags by more than the interval.
    """

    def __init__(self, job_pk: int, interval_s: float = PROGRESS_INTERVAL_S) -> None:
        self.job_pk = job_pk
        self.interval_s = interval_s
        self.writes = 0
        self._lock = threading.Lock()
        self._last_write: float | None = None
        self._pending: tuple[int, str] | None = None
        self._owner = threading.get_ident()

    def __call__(self, percent: float, message: str = "", *, force: bool = False) -> None:
        """Report `percent` done (0–100) with a short message."""
        value = (max(0, min(100, int(percent))), str(message)[:255])
        with self._lock:
            now = time.monotonic()
            due = self._last_write is None or now - self._last_write >= self.interval_s
            if not (due or force):
                self._pending = value
                return
            self._pending = None
            self._last_write = now
            self._write(*value)

    def close(self) -> None:
        """Write the latest report held back by the throttle."""
        with self._lock:
            if self._pending is not None:
                self._write(*self._pending)
                self._pending = None

    def _write(self, percent: int, message: str) -> None:
        try:
            BackgroundJob.objects.filter(pk=self.job_pk, status=JobStatus.RUNNING).update(
                progress=percent, message=message
            )
            self.writes += 1
        except Exception:
            # Progress is a courtesy: a failed write must not stop the work.
            _log.warning("progress of job %s not written", self.job_pk, exc_info=True)
        finally:
            if threading.get_ident() != self._owner:
                # Solver callbacks arrive on the solver's threads; do not leak connections.
                connection.close()


def get_job_for(user: Any, pk: Any) -> BackgroundJob:
    """A job the user may see; missing and forbidden both answer 404."""
    discover()
    try:
        job = BackgroundJob.objects.select_related("created_by").get(pk=int(pk))
    except (BackgroundJob.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("not found") from exc
    if not may_view(user, job):
        raise Http404("not found")
    return job


def may_view(user: Any, job: BackgroundJob) -> bool:
    """Whether the user may follow the job (its kind decides; else only its submitter)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    kind = KINDS.get(job.kind)
    if kind is not None and kind.may_view is not None:
        return kind.may_view(user, job)
    return job.created_by_id is not None and job.created_by_id == user.pk


def link_for(user: Any, job: BackgroundJob) -> tuple[str, str] | None:
    """(address, label) of what the job is about, if its kind says and the user may see it."""
    kind = KINDS.get(job.kind)
    return kind.link(user, job) if kind is not None and kind.link is not None else None


def as_dict(job: BackgroundJob, user: Any = None) -> dict[str, Any]:
    """The job's public state (pages and API)."""
    link = link_for(user, job) if user is not None else None
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "progress": job.progress,
        "message": job.message,
        "result": job.result,
        "error": job.error,
        "done": job.done,
        "created": job.created,
        "started": job.started,
        "finished": job.finished,
        "link": link[0] if link else None,
        "link_label": link[1] if link else None,
    }
