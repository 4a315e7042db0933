"""The roster workflow (every transition, including illegal ones) and roster scope."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import api_url, page_url, send

from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.rostering import services
from shouwang.rostering.models import ROSTER_TRANSITIONS, Roster, RosterStatus

S = RosterStatus
LEGAL = [(a, b) for a, targets in ROSTER_TRANSITIONS.items() for b in targets]
ILLEGAL = [(a, b) for a in S.values for b in S.values if (a, b) not in LEGAL]


def _roster_in(world: Any, status: str) -> Roster:
    roster = world.a.roster
    Roster.objects.filter(pk=roster.pk).update(status=status)  # test setup only
    roster.refresh_from_db()
    return roster


def test_transition_table_is_declared_for_every_status() -> None:
    assert set(ROSTER_TRANSITIONS) == set(S.values)
    assert (S.DRAFT, S.REVIEWED) in LEGAL and (S.PUBLISHED, S.AMENDED) in LEGAL
    assert (S.DRAFT, S.PUBLISHED) in ILLEGAL


@pytest.mark.parametrize(("start", "to"), LEGAL)
def test_legal_transitions_move_and_are_audited(world: Any, start: str, to: str) -> None:
    roster = _roster_in(world, start)
    moved = services.transition_roster(roster, to, actor=world.admin, reason="调整人员")
    assert moved.status == to
    assert Roster.objects.get(pk=roster.pk).status == to
    event = AuditEvent.objects.filter(code="rostering.roster.transitioned").latest("pk")
    assert event.target_id == str(roster.pk)
    assert event.before["status"] == start and event.after["status"] == to
    assert event.reason == "调整人员"


@pytest.mark.parametrize(("start", "to"), ILLEGAL)
def test_illegal_transitions_are_refused_clearly(world: Any, start: str, to: str) -> None:
    roster = _roster_in(world, start)
    events = AuditEvent.objects.count()
    with pytest.raises(RecordInvalid) as exc:
        services.transition_roster(roster, to, actor=world.admin, reason="x")
    assert "status" in exc.value.errors and exc.value.errors["status"][0]
    assert Roster.objects.get(pk=roster.pk).status == start
    assert AuditEvent.objects.count() == events


def test_unknown_status_and_amend_without_reason_are_refused(world: Any) -> None:
    roster = _roster_in(world, S.DRAFT)
    with pytest.raises(RecordInvalid) as exc:
        services.transition_roster(roster, "archived", actor=world.admin)
    assert "status" in exc.value.errors
    roster = _roster_in(world, S.PUBLISHED)
    with pytest.raises(RecordInvalid) as exc:
        services.transition_roster(roster, S.AMENDED, actor=world.admin, reason=" ")
    assert "reason" in exc.value.errors
    assert Roster.objects.get(pk=roster.pk).status == S.PUBLISHED


def test_status_cannot_be_set_through_the_api(world: Any, login: Any) -> None:
    client = login("township_staff")
    roster = world.a.roster
    response = send(client, "patch", api_url("rosters", roster.pk), {"status": "published"})
    assert Roster.objects.get(pk=roster.pk).status == S.DRAFT
    assert response.status_code in (200, 422)


def test_transition_page_moves_and_shows_refusals(world: Any, login: Any) -> None:
    client = login("team_leader")  # view + change on rostering, team A
    roster = world.a.roster
    url = f"/rostering/rosters/{roster.pk}/transition/"
    response = client.post(url, {"to": "reviewed"})
    assert response.status_code == 302 and response["Location"] == page_url("rosters", roster.pk)
    assert Roster.objects.get(pk=roster.pk).status == S.REVIEWED
    response = client.post(url, {"to": "amended"}, follow=True)
    assert Roster.objects.get(pk=roster.pk).status == S.REVIEWED
    assert [str(m) for m in response.context["messages"]]


def test_viewers_cannot_move_a_roster(world: Any, login: Any) -> None:
    roster = world.a.roster
    for role in ("patrol_member", "grid_worker", "auditor", "county_supervisor"):
        response = login(role).post(
            f"/rostering/rosters/{roster.pk}/transition/", {"to": "reviewed"}
        )
        assert response.status_code == 404, role
    assert Roster.objects.get(pk=roster.pk).status == S.DRAFT


def test_roster_of_team_b_is_invisible_to_township_a(world: Any, login: Any) -> None:
    client = login("township_staff")
    b_roster = world.b.roster
    response = client.get(api_url("rosters", b_roster.pk))
    missing = client.get(api_url("rosters", 987_654_321))
    assert response.status_code == missing.status_code == 404
    assert response.content == missing.content
    ids = {r["id"] for r in client.get(api_url("rosters"), {"page_size": 500}).json()["results"]}
    assert world.a.roster.pk in ids and b_roster.pk not in ids
    assert (
        client.post(f"/rostering/rosters/{b_roster.pk}/transition/", {"to": "reviewed"}).status_code
        == 404
    )
    assert Roster.objects.get(pk=b_roster.pk).status == S.DRAFT


def test_api_shows_status_label(world: Any, login: Any) -> None:
    body = login("auditor").get(api_url("rosters", world.a.roster.pk)).json()
    assert body["status"] == "draft" and body["labels"]["status"]


def test_team_leader_plans_an_existing_roster_but_cannot_open_one(
    world: Any, login: Any, settings: Any
) -> None:
    settings.SHOUWANG_JOBS_EAGER = True  # the planning job runs at once, in the test
    client = login("team_leader")  # rostering: view + change, no add
    response = client.post("/rostering/generate/", {"team": world.a.team.pk, "month": "2026-01"})
    assert response.status_code == 302
    roster = Roster.objects.get(pk=world.a.roster.pk)
    assert roster.generated_at is not None and roster.duties.count() == 31
    response = client.post("/rostering/generate/", {"team": world.a.team.pk, "month": "2026-02"})
    assert response.status_code == 403
    assert not Roster.objects.filter(team=world.a.team, month="2026-02-01").exists()
