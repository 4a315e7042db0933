"""Gaps closed in the hazard workflow: Open311 reports say so, team leaders act only on hazards
of the team concerned, the escalation step is a setting read at call time, and an extension is
approved only while it is still pending and the hazard still open."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import error_fields, send
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from shouwang.core.models import CodeItem, Role, RoleGrant
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import forget_grants
from shouwang.forces.models import Member, Team
from shouwang.hazards import workflow
from shouwang.hazards.models import (
    ExtensionStatus,
    Hazard,
    HazardExtension,
    HazardSource,
    HazardStatus,
)
from shouwang.patrols.models import PatrolLog
from tests.hazards.helpers import new_hazard, office

S = HazardStatus
TZ = dt.timezone(dt.timedelta(hours=8))


def leader(world: Any) -> Any:
    return world.users["team_leader"]


def assign(world: Any, hazard: Hazard, person: Member | None = None) -> Hazard:
    return workflow.assign_hazard(
        hazard,
        actor=office(world),
        responsible_unit=world.a.organisation,
        responsible_person=person,
    )


def other_team_member(world: Any) -> Member:
    """A member of the side's second team only (not of the team the leader's grant names)."""
    member = Member.objects.create(
        name="乙队队员",
        jurisdiction=world.a.village,
        employer=world.a.organisation,
        phone="13900002222",
    )
    member.teams.set([world.a.policy_team])
    return member


def log_of(world: Any, team: Team) -> PatrolLog:
    return PatrolLog.objects.create(
        team=team,
        jurisdiction=world.a.township,
        post=world.a.post,
        started_at=timezone.now() - dt.timedelta(hours=1),
        author=world.admin,
    )


# -- (a) Open311 -------------------------------------------------------------------------------


def test_open311_source_is_a_choice_and_the_phone_api_cannot_claim_it(
    world: Any, login: Any
) -> None:
    assert HazardSource.OPEN311 == "open311"
    assert "open311" in dict(Hazard._meta.get_field("source").choices)  # type: ignore[arg-type]
    before = Hazard.objects.count()
    r = send(
        login("patrol_member"),
        "post",
        "/api/v1/hazard-reports/",
        {
            "category": world.a.hazard.category.code,
            "description": "冒充 Open311",
            "jurisdiction": world.a.village.pk,
            "source": "open311",
        },
    )
    assert r.status_code == 422
    assert "source" in error_fields(r)
    assert Hazard.objects.count() == before


# -- (b) team leaders and the team concerned -----------------------------------------------------


def test_leader_acts_on_hazards_of_own_team_log_only(world: Any) -> None:
    own = assign(world, new_hazard(world, log=log_of(world, world.a.team)))
    other = assign(world, new_hazard(world, log=log_of(world, world.a.policy_team)))
    assert workflow.may_rectify(leader(world), own)
    assert not workflow.may_rectify(leader(world), other)
    assert "start" in workflow.allowed_actions(leader(world), own)
    assert "start" not in workflow.allowed_actions(leader(world), other)
    with pytest.raises(PermissionDenied):
        workflow.start_rectification(other, actor=leader(world))
    other.refresh_from_db()
    assert other.status == S.ASSIGNED
    # The office still may, and the other team's leader may not verify either.
    other = workflow.report_rectified(other, actor=office(world), note="已修复")
    with pytest.raises(PermissionDenied):
        workflow.verify_hazard(other, actor=leader(world), passed=True)
    other.refresh_from_db()
    assert other.status == S.AWAITING_VERIFICATION
    workflow.start_rectification(own, actor=leader(world))


def test_leader_and_responsible_person_of_another_team(world: Any) -> None:
    h = assign(world, new_hazard(world), person=other_team_member(world))
    assert not workflow.may_rectify(leader(world), h)
    with pytest.raises(PermissionDenied):
        workflow.start_rectification(h, actor=leader(world))
    mine = assign(world, new_hazard(world), person=world.a.member)
    assert workflow.may_rectify(leader(world), mine)


def test_without_log_or_team_member_the_teams_home_jurisdiction_decides(world: Any) -> None:
    # The world's team A belongs to township A: a hazard in village A is its concern.
    h = assign(world, new_hazard(world))
    assert workflow.may_rectify(leader(world), h)
    # A leader of a village team is not concerned by a hazard at the township level.
    village_team = Team.objects.create(
        name="村巡防队",
        kind=CodeItem.objects.get(pk=world.a.team.kind_id),
        jurisdiction=world.a.village,
    )
    user = get_user_model().objects.create_user(username="village-leader", password="x-Pass-123!")
    RoleGrant.objects.create(
        user=user,
        role=Role.objects.get(key="team_leader"),
        jurisdiction=world.a.township,
        team=village_team,
    )
    forget_grants(user)
    in_village = assign(world, new_hazard(world, jurisdiction=world.a.village))
    at_township = assign(world, new_hazard(world, jurisdiction=world.a.township))
    assert workflow.may_rectify(user, in_village)
    assert not workflow.may_rectify(user, at_township)


def test_team_filter_agrees_with_the_single_hazard_rule(world: Any) -> None:
    hazards = [
        assign(world, new_hazard(world, log=log_of(world, world.a.team))),
        assign(world, new_hazard(world, log=log_of(world, world.a.policy_team))),
        assign(world, new_hazard(world), person=other_team_member(world)),
        assign(world, new_hazard(world), person=world.a.member),
        assign(world, new_hazard(world)),
    ]
    q = workflow.role_q(leader(world), workflow.LEADER_ROLE)
    assert q is not None
    matched = set(
        Hazard.objects.filter(q).filter(pk__in=[h.pk for h in hazards]).values_list("pk", flat=True)
    )
    expected = {
        h.pk for h in hazards if workflow.holds_role(leader(world), h, workflow.LEADER_ROLE)
    }
    assert matched == expected
    assert matched == {hazards[0].pk, hazards[3].pk, hazards[4].pk}


# -- (c) the escalation step setting ------------------------------------------------------------


def overdue_hazard(world: Any) -> Hazard:
    h = assign(world, new_hazard(world, found_at=dt.datetime(2026, 9, 29, 9, tzinfo=TZ)))
    Hazard.objects.filter(pk=h.pk).update(deadline=dt.date(2026, 10, 9))
    h.refresh_from_db()
    return h


def test_escalation_step_setting_is_read_at_call_time(world: Any, settings: Any) -> None:
    h = overdue_hazard(world)
    # Tue 13 Oct 2026: 3 working days after Fri 9 Oct (Sat 10 Oct is a make-up workday).
    now = dt.datetime(2026, 10, 13, 9, tzinfo=TZ)
    settings.SHOUWANG_HAZARD_ESCALATION_STEP_DAYS = 5
    assert workflow.escalation_step_days() == 5
    result = workflow.sweep_hazard_deadlines(now=now, dry_run=True)
    assert not [e for e in result.escalated if e[0] == h.pk]
    settings.SHOUWANG_HAZARD_ESCALATION_STEP_DAYS = 1
    result = workflow.sweep_hazard_deadlines(now=now, dry_run=True)
    assert (h.pk, 3) in result.escalated  # 3 days overdue ÷ 1 → county
    del settings.SHOUWANG_HAZARD_ESCALATION_STEP_DAYS
    assert workflow.escalation_step_days() == workflow.ESCALATION_STEP_WORKING_DAYS == 3
    result = workflow.sweep_hazard_deadlines(now=now)
    assert (h.pk, 1) in result.escalated
    h.refresh_from_db()
    assert h.escalation_level == 1


def test_default_step_setting() -> None:
    from django.conf import settings

    assert settings.SHOUWANG_HAZARD_ESCALATION_STEP_DAYS == 3


# -- (d) deciding an extension re-checks under the lock -----------------------------------------


def requested(world: Any) -> tuple[Hazard, HazardExtension]:
    h = assign(world, new_hazard(world))
    assert h.deadline is not None
    ext = workflow.request_extension(
        h, actor=leader(world), reason="雨季", new_deadline=h.deadline + dt.timedelta(days=10)
    )
    return h, ext


def test_extension_of_a_closed_hazard_cannot_be_approved(world: Any) -> None:
    h, ext = requested(world)
    deadline = h.deadline
    # The hazard was rejected meanwhile (e.g. by another office worker).
    workflow.reject_hazard(h, actor=office(world), reason="重复上报")
    with pytest.raises(RecordInvalid) as exc:
        workflow.decide_extension(ext, actor=office(world), approve=True)
    assert "status" in exc.value.errors
    h.refresh_from_db()
    ext.refresh_from_db()
    assert h.deadline == deadline
    assert ext.status == ExtensionStatus.REQUESTED
    # Refusing the stale request is still possible.
    ext = workflow.decide_extension(ext, actor=office(world), approve=False, reason="已驳回")
    assert ext.status == ExtensionStatus.REJECTED


def test_extension_decided_by_someone_else_meanwhile(world: Any) -> None:
    h, ext = requested(world)
    stale = HazardExtension.objects.get(pk=ext.pk)  # the page was shown with this copy
    workflow.decide_extension(ext, actor=office(world), approve=False, reason="不同意")
    with pytest.raises(RecordInvalid) as exc:
        workflow.decide_extension(stale, actor=office(world), approve=True)
    assert "status" in exc.value.errors
    h.refresh_from_db()
    assert h.deadline != stale.new_deadline


def test_only_leaders_of_the_team_concerned_are_told(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from shouwang.notify.models import Notification

    other_leader = get_user_model().objects.create_user(
        username="other-leader", password="x-Pass-123!"
    )
    RoleGrant.objects.create(
        user=other_leader,
        role=Role.objects.get(key="team_leader"),
        jurisdiction=world.a.township,
        team=world.a.policy_team,
    )
    h = new_hazard(world, log=log_of(world, world.a.team))
    assert leader(world) in workflow.leaders_for(h)
    assert other_leader not in workflow.leaders_for(h)
    with django_capture_on_commit_callbacks(execute=True):
        assign(world, h)
    told = set(
        Notification.objects.filter(kind="hazards.assigned").values_list("recipient", flat=True)
    )
    assert leader(world).pk in told
    assert other_leader.pk not in told
