"""Planning limits of members, caps per post and a team's planning policy: validation through
the API, and what the planner is given (`rostering.policy.planning_inputs`, the adapter)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import api_url, code_item, error_fields, make_payload, send

from shouwang.areas import services as areas
from shouwang.forces import services as forces
from shouwang.forces.models import MemberPostCap, PlanningPolicy
from shouwang.rostering import adapter, policy
from shouwang.rostering import services as rostering
from shouwang.rostering.models import DutyRule
from shouwang.rostering.solver import model as sm

MONTH = dt.date(2026, 11, 1)


# Small builders (the duty-planning tests have fuller ones in tests/rostering_app).
def small_team(world: Any, roles: list[list[str]], name: str) -> tuple[Any, list[Any]]:
    team = forces.create_team(
        actor=world.admin,
        data={
            "name": name,
            "kind": code_item("team_kind").pk,
            "jurisdiction": world.a.township.pk,
            "composition_rule": [],
        },
    )
    members = []
    for n, _codes in enumerate(roles):
        payload = make_payload("members", world, "A", n=80 + n)
        payload.update({"name": f"{name}{n}", "teams": [team.pk], "citizen_id_number": ""})
        data = {k: ("" if v is None else v) for k, v in payload.items()}
        members.append(forces.create_member(actor=world.admin, data=data))
    return team, members


def post(world: Any, team: Any, name: str, start: str = "16:00", minutes: int = 60) -> Any:
    return areas.create_post(
        actor=world.admin,
        data={
            "name": name,
            "kind": code_item("post_kind").pk,
            "jurisdiction": world.a.township.pk,
            "team": team.pk,
            "zone": world.a.zone.pk,
            "start_time": start,
            "duration_minutes": minutes,
            "lead_minutes": 0,
        },
    )


def rule(world: Any, post_obj: Any, **values: Any) -> Any:
    data: dict[str, Any] = {
        "post": post_obj.pk,
        "jurisdiction": world.a.township.pk,
        "recurrence": "daily",
        "head_count": 1,
        "role_minimums": {},
        "priority": 0,
        "active": True,
        **values,
    }
    return rostering.create_duty_rule(actor=world.admin, data=data)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"max_duties_per_week": 8}, "max_duties_per_week"),
        ({"max_duties_per_week": 5, "max_duties_per_month": 4}, "max_duties_per_week"),
        (
            {"min_duty_hours_per_month": 50, "max_duty_hours_per_month": 40},
            "min_duty_hours_per_month",
        ),
        (
            {"min_consecutive_duty_days": 5, "max_consecutive_duty_days": 3},
            "min_consecutive_duty_days",
        ),
        ({"min_consecutive_days_off": 0}, "min_consecutive_days_off"),
        ({"max_weekends_per_month": -1}, "max_weekends_per_month"),
    ],
)
def test_bad_member_limits_are_refused(
    world: Any, login: Any, body: dict[str, Any], field: str
) -> None:
    client = login("township_staff")
    member = world.a.member
    response = send(client, "patch", api_url("members", member.pk), body)
    assert response.status_code == 422, response.content
    assert field in error_fields(response)
    member.refresh_from_db()
    assert member.max_duties_per_week is None and member.min_duty_hours_per_month is None


def test_member_limits_are_stored_and_reach_the_planner(world: Any, login: Any) -> None:
    client = login("township_staff")
    member = world.a.member
    body = {
        "max_duties_per_week": 4,
        "max_duties_per_month": 15,
        "min_duty_hours_per_month": 10,
        "max_duty_hours_per_month": 60,
        "max_consecutive_duty_days": 5,
        "min_consecutive_days_off": 2,
    }
    response = send(client, "patch", api_url("members", member.pk), body)
    assert response.status_code == 200, response.content
    member.refresh_from_db()
    defaults = {"max_consecutive_duty_days": 3, "max_weekends_per_month": 2}
    solver = adapter.solver_member(member, None, defaults=defaults)
    assert solver.max_duties_per_week == 4 and solver.max_duties == 15
    assert (solver.min_minutes, solver.max_minutes) == (600, 3600)
    assert solver.max_consecutive_days == 5  # the member's own value wins
    assert solver.max_weekends == 2  # the team's default fills the gap
    assert (solver.min_consecutive_days, solver.min_consecutive_days_off) == (1, 2)


def test_post_cap_must_be_on_a_post_of_the_members_team(world: Any, login: Any) -> None:
    other_team, _members = small_team(world, [["volunteer"]], name="别队")
    foreign = post(world, other_team, "别队岗")
    client = login("township_staff")
    before = MemberPostCap.objects.count()
    body = {"member": world.a.member.pk, "post": foreign.pk, "max_per_month": 0}
    response = send(client, "post", api_url("member-post-caps"), body)
    assert response.status_code == 422
    assert list(error_fields(response)) == ["post"]
    # The world already caps this member on its night post: a second cap is refused.
    twice = {"member": world.a.member.pk, "post": world.a.cap_post.pk, "max_per_month": 2}
    response = send(client, "post", api_url("member-post-caps"), twice)
    assert response.status_code == 422
    assert list(error_fields(response)) == ["post"]
    assert MemberPostCap.objects.count() == before


def test_post_caps_become_caps_per_duty_kind(world: Any) -> None:
    team, (member,) = small_team(world, [["volunteer"]], name="限岗队")
    gate = post(world, team, "护学岗")
    rules = [rule(world, gate), rule(world, gate, start_time="07:30")]
    forces.create_member_post_cap(
        actor=world.admin, data={"member": member.pk, "post": gate.pk, "max_per_month": 0}
    )
    inputs = policy.planning_inputs(team, MONTH)
    assert inputs["post_caps"] == [(member.pk, gate.pk, 0)]
    rows = list(DutyRule.objects.filter(pk__in=[r.pk for r in rules]).select_related("post"))
    problem = adapter.build_problem(month=MONTH, rules=rows, members=[member], **inputs)
    solver = problem.member(adapter.member_id(member.pk))
    assert dict(solver.max_per_kind) == {adapter.kind_id(r.pk): 0 for r in rules}
    assert not any(problem.may_work(solver, kind) for kind in problem.duty_kinds)


def test_one_policy_per_team(world: Any, login: Any) -> None:
    client = login("township_staff")
    before = PlanningPolicy.objects.count()
    response = send(client, "post", api_url("planning-policies"), {"team": world.a.team.pk})
    assert response.status_code == 422
    assert list(error_fields(response)) == ["team"]
    assert PlanningPolicy.objects.count() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"full_time_max_per_week": 8}, "full_time_max_per_week"),
        ({"part_time_max_per_week": 5, "part_time_max_per_month": 4}, "part_time_max_per_week"),
        (
            {"min_consecutive_duty_days": 4, "max_consecutive_duty_days": 2},
            "min_consecutive_duty_days",
        ),
        ({"weight_fair_nights": -3}, "weight_fair_nights"),
    ],
)
def test_bad_policy_is_refused(world: Any, login: Any, body: dict[str, Any], field: str) -> None:
    client = login("township_staff")
    response = send(
        client, "post", api_url("planning-policies"), {"team": world.a.policy_team.pk, **body}
    )
    assert response.status_code == 422, response.content
    assert field in error_fields(response)
    assert not PlanningPolicy.objects.filter(team=world.a.policy_team).exists()


def test_a_team_without_policy_gets_the_defaults(world: Any) -> None:
    inputs = policy.planning_inputs(world.a.policy_team)
    assert inputs["weights"] == sm.Weights()
    assert inputs["employment_caps"] == {}
    assert inputs["forbid_night_then_early"] is True
    assert "min_rest_minutes" not in inputs  # the adapter's own default applies
    assert set(inputs["member_defaults"].values()) == {None}


def test_the_policy_reaches_the_planner(world: Any, login: Any) -> None:
    client = login("township_staff")
    body = {
        "team": world.a.policy_team.pk,
        "full_time_max_per_week": 5,
        "full_time_max_per_month": 22,
        "volunteer_max_per_month": 8,
        "min_rest_hours": 10,
        "forbid_night_then_early": False,
        "max_weekends_per_month": 2,
        "weight_fair_nights": 70,
        "weight_cover_under": 3000,
    }
    response = send(client, "post", api_url("planning-policies"), body)
    assert response.status_code == 201, response.content
    inputs = policy.planning_inputs(world.a.policy_team)
    assert inputs["weights"] == sm.Weights(fair_nights=70, cover_under=3000)
    assert inputs["employment_caps"] == {
        "full_time": sm.EmploymentCaps(max_duties_per_week=5, max_duties=22),
        "volunteer": sm.EmploymentCaps(max_duties_per_week=None, max_duties=8),
    }
    assert inputs["min_rest_minutes"] == 600
    assert inputs["forbid_night_then_early"] is False
    assert inputs["member_defaults"]["max_weekends_per_month"] == 2


def test_night_then_early_switch_sets_the_forbidden_successions(world: Any) -> None:
    team, members = small_team(world, [["volunteer"]], name="夜早开关队")
    night = rule(world, post(world, team, "夜巡岗", start="20:00", minutes=120))
    early = rule(world, post(world, team, "早岗", start="06:00", minutes=60))
    rows = list(DutyRule.objects.filter(pk__in=[night.pk, early.pk]).select_related("post"))
    pair = (adapter.kind_id(night.pk), adapter.kind_id(early.pk))
    on = adapter.build_problem(
        month=MONTH, rules=rows, members=members, **policy.planning_inputs(team)
    )
    assert pair in on.forbidden_successions
    forces.create_planning_policy(
        actor=world.admin, data={"team": team.pk, "forbid_night_then_early": False}
    )
    off = adapter.build_problem(
        month=MONTH, rules=rows, members=members, **policy.planning_inputs(team)
    )
    assert pair not in off.forbidden_successions


def test_policy_weights_name_the_solvers_soft_rules() -> None:
    """Each weight field is a soft rule of the solver and carries the solver's label."""
    fields = {
        f.name.removeprefix("weight_"): f
        for f in PlanningPolicy._meta.fields
        if f.name.startswith("weight_")
    }
    assert fields and set(fields) <= set(sm.SOFT_RULES)
    for name, field in fields.items():
        assert str(field.verbose_name) in (sm.SOFT_RULE_LABELS[name], _zh(name))


def _zh(name: str) -> str:
    # The label in the active language (the catalogue may translate the solver's English).
    from django.utils.translation import gettext

    return gettext(sm.SOFT_RULE_LABELS[name])
