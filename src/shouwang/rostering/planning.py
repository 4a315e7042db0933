"""Planning a team's month in three steps, so the solver never runs inside a transaction.

1. :func:`prepare` (one short transaction): lock the roster (creating the draft if needed),
   check it is a draft the actor may change, read rules, members and manual assignments,
   build the solver's :class:`~shouwang.rostering.solver.Problem`, and take a fingerprint of
   everything the plan depends on. Nothing of the roster is changed yet.
2. :func:`solve_prepared` (no transaction): the pure solver, reporting progress; this is the
   long part (seconds to minutes), and holding row locks that long would block the office.
3. :func:`save` (one transaction): lock the roster again, refuse if it is no longer a draft
   or changed since step 1 (a hand assignment, another plan, edited rules), else sync the
   duties, replace the solver's assignments, store findings and summary, one audit record.

A failure anywhere before `save` commits leaves the roster exactly as it was: all writes of a
plan happen in step 3. `services.generate_draft_roster` is the business entry composed of
these steps; the background job (`rostering.tasks`) and the CLI call it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import jobs
from shouwang.core.audit import record_event, snapshot
from shouwang.core.models import BackgroundJob
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.forces.models import Member, MemberStatus, Team
from shouwang.patrols import tallies
from shouwang.rostering import adapter, demand, policy, replan
from shouwang.rostering.models import Duty, DutyAssignment, DutyRule, Roster, RosterStatus
from shouwang.rostering.solver import Problem, Progress, Solution, solve

ProgressCallback = Callable[[Progress], None]

#: CP-SAT workers of one planning run (the server's other requests need the other cores).
SOLVER_WORKERS = 2


@dataclass
class Prepared:
    """Everything the solve and save steps need, read in the prepare step."""

    roster_pk: int
    team: Team
    month: dt.date
    rules: list[DutyRule]
    members: list[Member]
    pins: list[tuple[int, dt.date, int]]
    problem: Problem
    holidays: Any
    fingerprint: str


def _not_draft(roster: Roster) -> RecordInvalid:
    return RecordInvalid(
        {
            NON_FIELD: [
                _("Only a draft roster can be planned again; this one is “%(s)s”.")
                % {"s": roster.get_status_display()}
            ]
        }
    )


def _member_relations() -> list[str]:
    """Related sets the adapter reads per member (those the Member model has)."""
    names = {f.name for f in Member._meta.get_fields()}
    return ["roles"] + [n for n in ("absences", "post_caps") if n in names]


def roster_state(roster: Roster, rules: list[DutyRule], members: list[Member]) -> str:
    """A fingerprint of what a plan of the roster depends on and what saving it replaces."""
    duties = sorted(
        (d.pk, d.rule_id, d.date.isoformat(), d.post_id, d.required_count)
        for d in Duty.objects.filter(roster=roster)
    )
    assignments = sorted(
        DutyAssignment.objects.filter(duty__roster=roster).values_list(
            "duty_id", "member_id", "is_manual"
        )
    )
    state = {
        "status": roster.status,
        "duties": duties,
        "assignments": assignments,
        "rules": [snapshot(r) for r in rules],
        "members": [m.pk for m in members],
    }
    blob = json.dumps(state, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def active_rules(team: Team) -> list[DutyRule]:
    return list(
        DutyRule.objects.filter(post__team=team, active=True)
        .select_related("post")
        .order_by("-priority", "pk")
    )


def active_members(team: Team) -> list[Member]:
    return list(
        team.members.filter(status=MemberStatus.ACTIVE)
        .prefetch_related(*_member_relations())
        .order_by("pk")
    )


def prepare(*, actor: Any, team: Team, month: dt.date) -> Prepared:
    """Step 1: check and read everything under the roster's lock; build the solver's problem.

    Creates the draft roster if the team has none for the month (its own audit record).
    """
    from shouwang.rostering import services  # services composes this module

    month = month.replace(day=1)
    team = get_for(Team, actor, team.pk, "view")
    with transaction.atomic():
        roster = Roster.objects.select_for_update().filter(team=team, month=month).first()
        if roster is None:
            if not can(actor, Roster, "add"):
                raise PermissionDenied
            roster = services.create_roster(
                actor=actor, data={"team": team.pk, "month": month, "note": ""}
            )
        roster = get_for(Roster, actor, roster.pk, "change")
        if roster.status != RosterStatus.DRAFT:
            raise _not_draft(roster)
        rules = active_rules(team)
        members = active_members(team)
        member_pks = {m.pk for m in members}
        manual = list(
            DutyAssignment.objects.filter(duty__roster=roster, is_manual=True).select_related(
                "duty"
            )
        )
        # Manual assignments are kept: the solver gets them as pins.
        pins = [
            (a.member_id, a.duty.date, a.duty.rule_id)
            for a in manual
            if a.duty.rule_id is not None and a.member_id in member_pks
        ]
        holidays = services.holidays_for_team(team)
        problem = adapter.build_problem(
            month=month,
            rules=rules,
            members=members,
            home_zones=services._home_zones(members, rules),
            pins=pins,
            name=str(roster),
            holidays=holidays,
            # Rest rules run across the month boundary: the previous month's last days.
            history=replan.previous_tail(team, month),
            # The members' side: leave, limits, post caps, weights (the team's policy).
            **policy.planning_inputs(team, month),
        )
        return Prepared(
            roster_pk=roster.pk,
            team=team,
            month=month,
            rules=rules,
            members=members,
            pins=pins,
            problem=problem,
            holidays=holidays,
            fingerprint=roster_state(roster, rules, members),
        )


def solve_prepared(
    prepared: Prepared,
    *,
    time_limit_s: float = 10,
    seed: int = 0,
    deterministic_time: float | None = None,
    progress: ProgressCallback | None = None,
) -> Solution:
    """Step 2: run the solver (outside any transaction of ours; it touches no database)."""
    # A deterministic-time budget (tests, reproducible planning) gives the same roster for
    # the same input and seed however busy the machine is.
    return solve(
        prepared.problem,
        time_limit_s=time_limit_s,
        seed=seed,
        workers=SOLVER_WORKERS,
        deterministic_time=deterministic_time,
        progress=progress,
    )


def save(prepared: Prepared, solution: Solution, *, actor: Any, seed: int = 0) -> Roster:
    """Step 3: write the plan, unless the roster changed since `prepare` (then refuse)."""
    month = prepared.month
    with transaction.atomic():
        roster = get_for(Roster, actor, prepared.roster_pk, "change")
        roster = Roster.objects.select_for_update().get(pk=roster.pk)
        if roster.status != RosterStatus.DRAFT:
            raise _not_draft(roster)
        rules = active_rules(prepared.team)
        members = active_members(prepared.team)
        if roster_state(roster, rules, members) != prepared.fingerprint:
            raise RecordInvalid(
                {
                    NON_FIELD: [
                        _(
                            "The roster, its duty rules or its team changed while it was being "
                            "planned, so this plan was not saved. Plan the draft again."
                        )
                    ]
                }
            )
        first, last = adapter.month_bounds(month)

        # Drop what the solver set last time; manual assignments stay (they were pins).
        DutyAssignment.objects.filter(duty__roster=roster, is_manual=False).delete()
        manual = list(DutyAssignment.objects.filter(duty__roster=roster, is_manual=True))

        # Duties: one per rule and date; stale duties go unless a manual assignment holds them.
        wanted = adapter.wanted_duties(prepared.rules, first, last)
        existing = {(d.rule_id, d.date): d for d in roster.duties.all()}
        held = {a.duty_id for a in manual}
        for key, duty in existing.items():
            if key not in wanted and duty.pk not in held:
                duty.delete()
        duties: dict[tuple[int, dt.date], Duty] = {}
        for (rule_pk, day), rule in wanted.items():
            values = adapter.duty_values(rule, day)
            found = existing.get((rule_pk, day))
            if found is None:
                found = Duty.objects.create(roster=roster, rule=rule, date=day, **values)
            else:
                for name, value in values.items():
                    setattr(found, name, value)
                found.save()
            duties[(rule_pk, day)] = found

        pinned = set(prepared.pins)
        new_rows = [
            DutyAssignment(duty=duties[(rule_pk, day)], member_id=member_pk, is_manual=False)
            for member_pk, day, rule_pk in adapter.assignments_of(solution, month)
            if (member_pk, day, rule_pk) not in pinned and (rule_pk, day) in duties
        ]
        DutyAssignment.objects.bulk_create(new_rows)
        tallies.refresh_roster_duties(roster.pk)

        before = snapshot(roster)
        names = {k.id: k.label() for k in prepared.problem.duty_kinds}
        roster.findings = adapter.findings_json(solution.findings)
        # What the calendars cannot know (a year not yet announced, a school without a
        # calendar) is shown on the roster rather than silently planned around.
        roster.calendar_warnings = adapter.calendar_warnings_json(
            prepared.holidays.warnings_for(first, last)
        ) + demand.warnings_of(prepared.rules, first, last)
        roster.uncovered = adapter.uncovered_json(solution.uncovered, month, names)
        roster.solver_summary = {
            "status": solution.status,
            "objective": solution.objective,
            "proven_optimal": solution.proven_optimal,
            "penalties": dict(solution.penalties),
            "wall_time_s": round(solution.wall_time_s, 2),
            "seed": seed,
            "duties": len(duties),
            "assignments": len(new_rows) + len(manual),
            "members": len(prepared.members),
        }
        roster.generated_at = timezone.now()
        roster.save()
        record_event(
            "rostering.roster.generated",
            actor=actor,
            target=roster,
            before=before,
            after=snapshot(roster),
        )
        return roster


def plan(
    *,
    actor: Any,
    team: Team,
    month: dt.date,
    time_limit_s: float = 10,
    seed: int = 0,
    deterministic_time: float | None = None,
    progress: ProgressCallback | None = None,
) -> Roster:
    """Prepare, solve and save one month's draft (see the module docstring)."""
    prepared = prepare(actor=actor, team=team, month=month)
    solution = solve_prepared(
        prepared,
        time_limit_s=time_limit_s,
        seed=seed,
        deterministic_time=deterministic_time,
        progress=progress,
    )
    return save(prepared, solution, actor=actor, seed=seed)


# -- in the background ------------------------------------------------------------------------

#: The job kind of planning a draft (rostering/tasks.py does the work).
PLAN_JOB = "rostering.plan"


def submit_plan(
    *,
    actor: Any,
    team: Team,
    month: dt.date,
    time_limit_s: float = 10,
    seed: int = 0,
    deterministic_time: float | None = None,
) -> BackgroundJob:
    """Plan a draft in the background; returns the job to follow.

    The checks that need no solver run now, so an impossible request is refused at once
    rather than as a failed job; `prepare` repeats them when the job starts.
    """
    month = month.replace(day=1)
    team = get_for(Team, actor, team.pk, "view")
    if not can(actor, Roster, "change"):
        raise PermissionDenied
    roster = Roster.objects.filter(team=team, month=month).first()
    if roster is None:
        if not can(actor, Roster, "add"):
            raise PermissionDenied
    else:
        roster = get_for(Roster, actor, roster.pk, "change")
        if roster.status != RosterStatus.DRAFT:
            raise _not_draft(roster)
    params: dict[str, Any] = {
        "team": team.pk,
        "month": month.isoformat(),
        "time_limit_s": float(time_limit_s),
        "seed": int(seed),
    }
    if deterministic_time is not None:
        params["deterministic_time"] = float(deterministic_time)
    return jobs.submit(PLAN_JOB, params, actor, jurisdiction=team.jurisdiction)


def plan_job_roster(user: Any, job: BackgroundJob) -> Roster | None:
    """The roster a planning job is about, if the user may see it."""
    try:
        month = dt.date.fromisoformat(str(job.params.get("month")))
        team_pk = int(job.params["team"])
    except (KeyError, TypeError, ValueError):
        return None
    return Roster.objects.visible_to(user).filter(team_id=team_pk, month=month).first()


def may_view_plan_job(user: Any, job: BackgroundJob) -> bool:
    """Who may see the roster may follow its planning; before the roster exists (the job
    is queued or failed early), only the submitter."""
    if plan_job_roster(user, job) is not None:
        return True
    try:
        exists = Roster.objects.filter(
            team_id=int(job.params["team"]), month=dt.date.fromisoformat(job.params["month"])
        ).exists()
    except (KeyError, TypeError, ValueError):
        exists = False
    return not exists and job.created_by_id is not None and job.created_by_id == user.pk
