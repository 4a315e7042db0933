"""The "my tasks" inbox: the hazards' provider (who gets which task), overdue first, one query
per provider, the page with its empty state and header badge, and GET /api/v1/tasks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shouwang.core import cases
from shouwang.forces.models import Member
from shouwang.hazards import workflow
from shouwang.hazards.cases import hazard_tasks
from shouwang.hazards.models import Hazard

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def only_hazards(monkeypatch: Any) -> None:
    """Only the hazards' provider: the other case apps' tasks have their own tests."""
    monkeypatch.setattr(cases, "INBOX_PROVIDERS", {"hazards": cases.INBOX_PROVIDERS["hazards"]})


def new_hazard(world: Any, side: str = "A", **fields: Any) -> Hazard:
    base = world.sides[side].hazard
    return Hazard.objects.create(
        category=base.category,
        jurisdiction=base.jurisdiction,
        description="道口护栏破损",
        place=fields.pop("place", "3 号道口"),
        found_by=world.admin,
        found_at=timezone.now(),
        **fields,
    )


def office(world: Any) -> Any:
    return world.users["township_staff"]


def leader(world: Any) -> Any:
    return world.users["team_leader"]


def patrol(world: Any) -> Any:
    return world.users["patrol_member"]


def link_patrol_login(world: Any) -> Member:
    """The world's member A becomes the patrol member's own person."""
    Member.objects.filter(pk=world.a.member.pk).update(user=patrol(world))
    world.a.member.refresh_from_db()
    return world.a.member  # type: ignore[no-any-return]


def hazard_kinds(user: Any, hazard: Hazard, today: dt.date | None = None) -> set[str]:
    today = today or timezone.localdate()
    return {
        t.kind
        for t in cases.tasks_for(user, today)
        if t.record_type == "hazards.hazard" and t.record_id == hazard.pk
    }


def test_registry_has_the_hazard_provider_layer_and_sweep() -> None:
    assert cases.INBOX_PROVIDERS["hazards"] is hazard_tasks
    assert "hazards" in cases.MAP_LAYERS
    assert "hazards" in cases.SWEEPS


def test_who_gets_which_hazard_task(world: Any) -> None:
    person = link_patrol_login(world)
    h = new_hazard(world)
    # Reported: the office assigns; nobody else has a task.
    assert hazard_kinds(office(world), h) == {"assign"}
    assert hazard_kinds(leader(world), h) == set()
    assert hazard_kinds(patrol(world), h) == set()
    # Assigned to the patrol member's person: they, their team leader and the office rectify.
    h = workflow.assign_hazard(
        h, actor=office(world), responsible_unit=world.a.organisation, responsible_person=person
    )
    for user in (patrol(world), leader(world), office(world)):
        assert hazard_kinds(user, h) == {"rectify"}, user
    task = next(
        t for t in cases.tasks_for(patrol(world), timezone.localdate()) if t.record_id == h.pk
    )
    assert task.due == h.deadline
    assert task.url == f"/r/hazards/{h.pk}/#workflow"
    assert task.place == h.jurisdiction.name
    assert "3 号道口" in task.title
    # An extension asked for: the office decides it.
    assert h.deadline is not None
    workflow.request_extension(
        h, actor=patrol(world), reason="雨季", new_deadline=h.deadline + dt.timedelta(days=5)
    )
    assert hazard_kinds(office(world), h) == {"rectify", "approve"}
    assert hazard_kinds(patrol(world), h) == {"rectify"}
    # Rectified by the patrol member: verification by the office or the leader, never by them.
    h = workflow.report_rectified(h, actor=patrol(world), note="已修复")
    assert hazard_kinds(patrol(world), h) == set()
    assert "verify" in hazard_kinds(leader(world), h)
    assert "verify" in hazard_kinds(office(world), h)
    # Closed: no task left for anyone.
    workflow.verify_hazard(h, actor=leader(world), passed=True)
    for user in (patrol(world), leader(world), office(world)):
        assert hazard_kinds(user, h) == set()


def test_rectifier_who_is_also_office_gets_no_verify_task(world: Any) -> None:
    h = workflow.assign_hazard(
        new_hazard(world), actor=office(world), responsible_unit=world.a.organisation
    )
    h = workflow.report_rectified(h, actor=office(world), note="办公室自行整改")
    assert hazard_kinds(office(world), h) == set()
    assert hazard_kinds(leader(world), h) == {"verify"}


def test_leader_of_another_team_gets_no_task(world: Any) -> None:
    other = Member.objects.create(
        name="别队队员",
        jurisdiction=world.a.village,
        employer=world.a.organisation,
        phone="13900003333",
    )
    other.teams.set([world.a.policy_team])
    h = workflow.assign_hazard(
        new_hazard(world),
        actor=office(world),
        responsible_unit=world.a.organisation,
        responsible_person=other,
    )
    assert hazard_kinds(leader(world), h) == set()
    assert hazard_kinds(office(world), h) == {"rectify"}


def test_out_of_scope_hazards_give_no_tasks(world: Any) -> None:
    h = new_hazard(world, side="B")
    assert hazard_kinds(office(world), h) == set()
    assert hazard_kinds(world.admin, h) == {"assign"}  # the system administrator sees all


def test_system_administrator_gets_every_kind(world: Any) -> None:
    """Covering everything must not vanish when combined with "own" (Q() | x is x)."""
    h = workflow.assign_hazard(
        new_hazard(world, side="B"), actor=world.admin, responsible_unit=world.b.organisation
    )
    assert hazard_kinds(world.admin, h) == {"rectify"}
    h = workflow.report_rectified(h, actor=world.users["system_admin"])
    assert hazard_kinds(world.admin, h) == {"verify"}


def test_overdue_first_then_by_due_date(world: Any) -> None:
    today = timezone.localdate()
    late = workflow.assign_hazard(
        new_hazard(world, place="逾期道口"),
        actor=office(world),
        responsible_unit=world.a.organisation,
        deadline=today - dt.timedelta(days=2),
    )
    soon = workflow.assign_hazard(
        new_hazard(world, place="将到期道口"),
        actor=office(world),
        responsible_unit=world.a.organisation,
        deadline=today + dt.timedelta(days=1),
    )
    tasks = [t for t in cases.tasks_for(leader(world), today) if t.record_type == "hazards.hazard"]
    ids = [t.record_id for t in tasks]
    assert ids.index(late.pk) < ids.index(soon.pk)
    assert tasks[0].overdue and tasks[0].record_id == late.pk
    assert not next(t for t in tasks if t.record_id == soon.pk).overdue
    # Everything overdue comes before everything not overdue.
    flags = [t.overdue for t in cases.tasks_for(leader(world), today)]
    assert flags == sorted(flags, reverse=True)


def test_one_query_per_provider_whatever_the_number_of_hazards(world: Any) -> None:
    user = leader(world)
    today = timezone.localdate()
    for _ in range(2):
        workflow.assign_hazard(
            new_hazard(world), actor=office(world), responsible_unit=world.a.organisation
        )
    hazard_tasks(user, today)  # the grants are cached on the user from here on
    with CaptureQueriesContext(connection) as few:
        small = hazard_tasks(user, today)
    for _ in range(6):
        workflow.assign_hazard(
            new_hazard(world), actor=office(world), responsible_unit=world.a.organisation
        )
    with CaptureQueriesContext(connection) as many:
        large = hazard_tasks(user, today)
    assert len(large) >= len(small) + 6
    assert len(many.captured_queries) == len(few.captured_queries)
    # The grants' team and its home jurisdiction at most, then the one list query.
    assert len(many.captured_queries) <= 2


def test_page_lists_tasks_with_links_and_badge(world: Any, login: Any) -> None:
    h = workflow.assign_hazard(
        new_hazard(world, place="逾期护网"),
        actor=office(world),
        responsible_unit=world.a.organisation,
        deadline=timezone.localdate() - dt.timedelta(days=1),
    )
    html = login("team_leader").get("/tasks/").content.decode()
    assert f'href="/r/hazards/{h.pk}/#workflow"' in html
    assert 'class="overdue-tasks"' in html
    assert "逾期护网" in html
    assert 'data-kind="rectify"' in html
    # Every page's header fetches the badge once shown; it counts the same tasks.
    home = login("team_leader").get("/").content.decode()
    assert 'id="task-badge" data-src="/tasks/badge/"' in home
    count = len(cases.tasks_for(leader(world), timezone.localdate()))
    badge = login("team_leader").get("/tasks/badge/").content.decode()
    assert badge.strip() == f'<span class="badge" id="task-count">{count}</span>'
    # Narrowed to one kind.
    narrowed = login("township_staff").get("/tasks/?kind=assign").content.decode()
    assert f'href="/r/hazards/{world.a.hazard.pk}/#workflow"' in narrowed
    assert f'href="/r/hazards/{h.pk}/#workflow"' not in narrowed


def test_empty_state(world: Any, login: Any) -> None:
    user = get_user_model().objects.create_user(username="no-grants", password="x-Pass-123!")
    response = login(user).get("/tasks/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="no-tasks"' in html
    assert login(user).get("/tasks/badge/").content == b""
    assert login(user).get("/api/v1/tasks").json() == {"count": 0, "overdue": 0, "items": []}


def test_anonymous_is_sent_to_login(client: Any) -> None:
    assert client.get("/tasks/").status_code == 302
    assert client.get("/tasks/badge/").content == b""
    assert client.get("/api/v1/tasks").status_code == 401


def test_api_lists_the_same_tasks(world: Any, login: Any) -> None:
    h = workflow.assign_hazard(
        new_hazard(world),
        actor=office(world),
        responsible_unit=world.a.organisation,
        deadline=timezone.localdate() - dt.timedelta(days=1),
    )
    body = login("team_leader").get("/api/v1/tasks").json()
    expected = cases.tasks_for(leader(world), timezone.localdate())
    assert body["count"] == len(expected) == len(body["items"])
    assert body["overdue"] == sum(1 for t in expected if t.overdue)
    first = body["items"][0]
    assert first["overdue"] is True
    mine = next(i for i in body["items"] if i["record_id"] == h.pk)
    assert mine["kind"] == "rectify"
    assert mine["kind_label"]
    assert mine["record_type"] == "hazards.hazard"
    assert mine["due"] == h.deadline.isoformat()  # type: ignore[union-attr]
    assert mine["url"] == f"/r/hazards/{h.pk}/#workflow"
    only = login("team_leader").get("/api/v1/tasks?kind=verify").json()
    assert all(i["kind"] == "verify" for i in only["items"])
