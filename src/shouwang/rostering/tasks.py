"""Background work of duty planning: planning a month's draft roster (``rostering.plan``)
and planning a published roster again (``rostering.replan``); see shouwang.core.jobs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from shouwang.core import jobs
from shouwang.core.models import BackgroundJob
from shouwang.forces.models import Team
from shouwang.rostering import planning, replan, services
from shouwang.rostering.solver import Progress

#: Share of the progress bar before the solver starts (checks, reading, building the model)
#: and after it ends (saving).
PREPARE_PERCENT = 5
SOLVE_PERCENT = 90


def progress_message(p: Progress) -> str:
    """One line about the best roster so far (job page, CLI)."""
    return _("Best roster so far: penalty %(objective)s (lower bound %(bound)s), %(elapsed)s s") % {
        "objective": f"{p.objective:g}",
        "bound": f"{p.best_bound:g}",
        "elapsed": f"{p.elapsed_s:.1f}",
    }


def roster_link(user: Any, job: BackgroundJob) -> tuple[str, str] | None:
    """The roster page, for whoever may see the roster."""
    roster = planning.plan_job_roster(user, job)
    if roster is None:
        return None
    return reverse("record-detail", args=["rosters", roster.pk]), str(roster)


@jobs.register(planning.PLAN_JOB, may_view=planning.may_view_plan_job, link=roster_link)
def plan_roster(job: BackgroundJob, progress: jobs.ProgressReporter) -> Mapping[str, Any]:
    """Plan the draft named by the job's parameters, as the user who submitted it."""
    if job.created_by is None:
        raise RuntimeError("the submitter's account no longer exists")
    params = job.params
    team = Team.objects.filter(pk=params.get("team")).first()
    if team is None:
        raise RuntimeError("the team no longer exists")
    time_limit_s = float(params.get("time_limit_s", 10))
    deterministic = params.get("deterministic_time")
    progress(PREPARE_PERCENT, _("Checking the duty rules and members…"), force=True)

    def on_solver(p: Progress) -> None:
        share = min(1.0, p.elapsed_s / max(time_limit_s, 0.1))
        progress(PREPARE_PERCENT + SOLVE_PERCENT * share, progress_message(p))

    roster = services.generate_draft_roster(
        actor=job.created_by,
        team=team,
        month=dt.date.fromisoformat(str(params["month"])),
        time_limit_s=time_limit_s,
        seed=int(params.get("seed", 0)),
        deterministic_time=float(deterministic) if deterministic is not None else None,
        progress=on_solver,
    )
    summary = roster.solver_summary
    return {
        "roster": roster.pk,
        "status": summary.get("status"),
        "objective": summary.get("objective"),
        "assignments": summary.get("assignments"),
    }


def _solver_progress(progress: jobs.ProgressReporter, time_limit_s: float) -> Any:
    def on_solver(p: Progress) -> None:
        share = min(1.0, p.elapsed_s / max(time_limit_s, 0.1))
        progress(PREPARE_PERCENT + SOLVE_PERCENT * share, progress_message(p))

    return on_solver


@jobs.register(replan.REPLAN_JOB, may_view=planning.may_view_plan_job, link=roster_link)
def replan_roster(job: BackgroundJob, progress: jobs.ProgressReporter) -> Mapping[str, Any]:
    """Plan a published roster again (minimal changes), as the user who submitted it."""
    if job.created_by is None:
        raise RuntimeError("the submitter's account no longer exists")
    params = job.params
    roster = services.Roster.objects.filter(pk=params.get("roster")).first()
    if roster is None:
        raise RuntimeError("the roster no longer exists")
    time_limit_s = float(params.get("time_limit_s", 10))
    progress(PREPARE_PERCENT, _("Reading the published roster…"), force=True)
    roster = services.replan_roster(
        roster,
        actor=job.created_by,
        reason=str(params.get("reason", "")),
        time_limit_s=time_limit_s,
        seed=int(params.get("seed", 0)),
        progress=_solver_progress(progress, time_limit_s),
    )
    return {"roster": roster.pk, "changed": roster.solver_summary.get("changed")}
