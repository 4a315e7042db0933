"""Planning as prepare → solve (no transaction) → save: a stale save is refused and a failed
plan leaves the roster exactly as it was."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation
from rostering_helpers import post, rule, small_team

from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.rostering import planning, services
from shouwang.rostering.models import Duty, DutyAssignment, Roster, RosterStatus
from shouwang.rostering.solver import Progress

MONTH = dt.date(2026, 11, 1)
FAST: dict[str, Any] = {"time_limit_s": 30, "seed": 0, "deterministic_time": 1.0}


def _team(world: Any) -> tuple[Any, list[Any], Any]:
    team, members = small_team(world, [["police_officer"], ["volunteer"], ["volunteer"]])
    gate = post(world, team, "中心校护学岗", start="16:00", minutes=40)
    rule(world, gate, head_count=1)
    return team, members, gate


def _state(roster_pk: int) -> tuple[Any, ...]:
    roster = Roster.objects.get(pk=roster_pk)
    rows = sorted(
        DutyAssignment.objects.filter(duty__roster=roster).values_list(
            "duty_id", "member_id", "is_manual"
        )
    )
    duties = sorted(Duty.objects.filter(roster=roster).values_list("pk", "date"))
    return roster.status, roster.generated_at, roster.solver_summary, rows, duties


def test_pipeline_plans_like_the_service_and_reports_progress(world: Any) -> None:
    team, members, _gate = _team(world)
    seen: list[Progress] = []
    roster = services.generate_draft_roster(
        actor=world.admin, team=team, month=MONTH, progress=seen.append, **FAST
    )
    assert seen and all(p.objective >= p.best_bound for p in seen)
    assert seen[-1].objective == roster.solver_summary["objective"]
    rows = DutyAssignment.objects.filter(duty__roster=roster)
    assert rows.count() == Duty.objects.filter(roster=roster).count() == 30
    assert {a.member_id for a in rows} <= {m.pk for m in members}


def test_prepare_writes_nothing_but_the_new_draft(world: Any) -> None:
    team, _members, _gate = _team(world)
    events = AuditEvent.objects.count()
    prepared = planning.prepare(actor=world.admin, team=team, month=MONTH)
    roster = Roster.objects.get(pk=prepared.roster_pk)
    assert roster.status == RosterStatus.DRAFT and roster.generated_at is None
    assert not Duty.objects.filter(roster=roster).exists()
    # Only the new draft's own creation is recorded; the plan is recorded when saved.
    assert list(AuditEvent.objects.order_by("pk")[events:].values_list("code", flat=True)) == [
        "rostering.roster.created"
    ]
    assert len(prepared.problem.members) == 3


def test_save_refuses_when_a_hand_assignment_came_in_between(world: Any) -> None:
    team, members, _gate = _team(world)
    first = services.generate_draft_roster(actor=world.admin, team=team, month=MONTH, **FAST)
    prepared = planning.prepare(actor=world.admin, team=team, month=MONTH)
    solution = planning.solve_prepared(prepared, **FAST)
    # Meanwhile the office puts someone on a duty by hand.
    duty = Duty.objects.filter(roster=first).order_by("date").first()
    assert duty is not None
    services.assign_member(actor=world.admin, duty=duty, member=members[2])
    before = _state(first.pk)
    events = AuditEvent.objects.count()
    with pytest.raises(RecordInvalid) as refused, translation.override("en"):
        planning.save(prepared, solution, actor=world.admin)
    assert "changed while it was being planned" in str(refused.value.errors)
    assert _state(first.pk) == before
    assert AuditEvent.objects.count() == events


def test_save_refuses_when_the_roster_moved_on(world: Any) -> None:
    team, _members, _gate = _team(world)
    prepared = planning.prepare(actor=world.admin, team=team, month=MONTH)
    solution = planning.solve_prepared(prepared, **FAST)
    roster = Roster.objects.get(pk=prepared.roster_pk)
    services.transition_roster(roster, RosterStatus.REVIEWED, actor=world.admin)
    before = _state(roster.pk)
    with pytest.raises(RecordInvalid) as refused, translation.override("en"):
        planning.save(prepared, solution, actor=world.admin)
    assert "Only a draft roster" in str(refused.value.errors)
    assert _state(roster.pk) == before


def test_save_refuses_when_a_duty_rule_changed(world: Any) -> None:
    team, _members, gate = _team(world)
    prepared = planning.prepare(actor=world.admin, team=team, month=MONTH)
    solution = planning.solve_prepared(prepared, **FAST)
    rule(world, gate, head_count=2)  # a second rule for the post: the problem is stale
    with pytest.raises(RecordInvalid):
        planning.save(prepared, solution, actor=world.admin)
    assert not Duty.objects.filter(roster_id=prepared.roster_pk).exists()


def test_a_failing_solver_leaves_the_roster_as_it_was(world: Any, monkeypatch: Any) -> None:
    team, _members, _gate = _team(world)
    roster = services.generate_draft_roster(actor=world.admin, team=team, month=MONTH, **FAST)
    before = _state(roster.pk)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(planning, "solve", broken)
    with pytest.raises(RuntimeError):
        services.generate_draft_roster(actor=world.admin, team=team, month=MONTH, **FAST)
    assert _state(roster.pk) == before
