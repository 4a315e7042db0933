"""The members' side of planning: a team's PlanningPolicy and its members' absences and post
caps, read once and turned into the keyword arguments of `adapter.build_problem`.

A team without a policy is planned with the defaults of an unsaved `PlanningPolicy`: no caps
by employment type, no early duty the day after a night duty, the planner's own minimum rest
and soft-rule weights. Only approved absences keep a member off the roster.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from shouwang.forces.models import (
    EMPLOYMENT_CAP_FIELDS,
    MEMBER_LIMIT_DEFAULTS,
    AbsenceStatus,
    MemberAbsence,
    MemberPostCap,
    PlanningPolicy,
    Team,
)
from shouwang.rostering import adapter
from shouwang.rostering.solver import model as sm


def policy_of(team: Team) -> PlanningPolicy:
    """The team's policy, or an unsaved one holding the defaults."""
    found = PlanningPolicy.objects.filter(team_id=team.pk).first()
    return found if found is not None else PlanningPolicy(team=team)


def weights_of(policy: PlanningPolicy) -> sm.Weights:
    """The solver's weights: the policy's where set, the solver's defaults elsewhere.

    Reads the solver's rule names at run time, so a soft rule the policy has no field for
    keeps its default weight.
    """
    return sm.Weights().with_weights(**policy.weight_overrides(sm.SOFT_RULES))


def employment_caps_of(policy: PlanningPolicy) -> dict[str, sm.EmploymentCaps]:
    """Employment type → caps per week and month (types without any cap are left out)."""
    caps = {}
    for kind, (week_field, month_field) in EMPLOYMENT_CAP_FIELDS.items():
        week, month = getattr(policy, week_field), getattr(policy, month_field)
        if week is not None or month is not None:
            caps[str(kind)] = sm.EmploymentCaps(max_duties_per_week=week, max_duties=month)
    return caps


def member_defaults_of(policy: PlanningPolicy) -> dict[str, int | None]:
    """Member limit field → the team's default for members who leave it empty."""
    return {member: getattr(policy, field) for member, field in MEMBER_LIMIT_DEFAULTS.items()}


def absences_of(team: Team, month: dt.date | None = None) -> list[tuple[int, dt.date, dt.date]]:
    """(member pk, from, to) of the approved absences of the team's members (in the month)."""
    rows = MemberAbsence.objects.filter(member__teams=team, status=AbsenceStatus.APPROVED)
    if month is not None:
        first, last = adapter.month_bounds(month)
        rows = rows.filter(start_date__lte=last, end_date__gte=first)
    return sorted(set(rows.values_list("member_id", "start_date", "end_date")))


def post_caps_of(team: Team) -> list[tuple[int, int, int]]:
    """(member pk, post pk, cap per month) of the caps on the team's posts."""
    rows = MemberPostCap.objects.filter(post__team=team, member__teams=team)
    return sorted(set(rows.values_list("member_id", "post_id", "max_per_month")))


def planning_inputs(team: Team, month: dt.date | None = None) -> dict[str, Any]:
    """Keyword arguments for `adapter.build_problem` from the team's policy and records.

    `min_rest_minutes` is given only when the policy sets it (else the adapter's default).
    """
    policy = policy_of(team)
    inputs: dict[str, Any] = {
        "weights": weights_of(policy),
        "employment_caps": employment_caps_of(policy),
        "member_defaults": member_defaults_of(policy),
        "forbid_night_then_early": policy.forbid_night_then_early,
        "absences": absences_of(team, month),
        "post_caps": post_caps_of(team),
    }
    if policy.min_rest_hours is not None:
        inputs["min_rest_minutes"] = policy.min_rest_hours * 60
    return inputs
