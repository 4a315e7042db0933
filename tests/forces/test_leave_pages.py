"""Leave pages and API (请假): a member asks with their own login, the team leader decides.

Pages: /forces/my-leave/ and /forces/leave-requests/; API: /api/v1/me/absences and
/api/v1/absences/{id}/decision. Out of scope answers 404 like a missing id; every decision
is audited; a rejection needs a reason; a login without a member gets a plain explanation.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import PASSWORD, error_fields, send
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shouwang.core import services as core
from shouwang.core.models import AuditEvent
from shouwang.forces import services as forces
from shouwang.forces.models import AbsenceStatus, MemberAbsence

MY_LEAVE = "/forces/my-leave/"
REQUESTS = "/forces/leave-requests/"
ME_API = "/api/v1/me/absences"
MISSING_ID = 987_654_321
CJK = re.compile(r"[\u4e00-\u9fff]")


def decide_url(pk: Any) -> str:
    return f"/forces/leave-requests/{pk}/decide/"


def decision_api(pk: Any) -> str:
    return f"/api/v1/absences/{pk}/decision"


def ask(start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {"kind": "leave", "start_date": start, "end_date": end, "reason": "探亲", **extra}


@pytest.fixture
def member_client(world: Any) -> Client:
    """A client signed in as team A's member through the member's own login."""
    user = core.create_user(actor=world.admin, username="leave_member", password=PASSWORD)
    forces.link_member_login(world.a.member, actor=world.admin, user=user)
    client = Client()
    client.force_login(user)
    return client


def member_of_another_team(world: Any, side: str = "A") -> Any:
    """A member of a second team in the same township (outside a team-A leader's grant)."""
    s = world.sides[side]
    team = forces.create_team(
        actor=world.admin,
        data={
            "name": f"另一巡防队{side}",
            "kind": s.team.kind_id,
            "jurisdiction": s.township.pk,
            "composition_rule": [],
        },
    )
    return forces.create_member(
        actor=world.admin,
        data={
            "name": f"另队队员{side}",
            "jurisdiction": s.village.pk,
            "teams": [team.pk],
            "employment_type": "volunteer",
            "status": "active",
        },
    )


def requested_absence(world: Any, member: Any, start: str, end: str) -> MemberAbsence:
    return forces.create_absence(  # type: ignore[no-any-return]
        actor=world.admin,
        data={
            "member": member.pk,
            "kind": "leave",
            "start_date": start,
            "end_date": end,
            "reason": "家中有事",
            "status": "requested",
        },
    )


# -- pages ------------------------------------------------------------------------------------


def test_member_asks_and_the_leader_approves_on_the_pages(
    world: Any, login: Any, member_client: Client
) -> None:
    page = member_client.get(MY_LEAVE)
    assert page.status_code == 200
    assert 'name="start_date"' in page.content.decode()

    response = member_client.post(MY_LEAVE, ask("2031-05-04", "2031-05-06"))
    assert response.status_code == 302 and response["Location"] == MY_LEAVE
    absence = MemberAbsence.objects.filter(member=world.a.member).latest("pk")
    assert (absence.status, absence.days()) == (AbsenceStatus.REQUESTED, 3)
    asked = AuditEvent.objects.filter(code="forces.memberabsence.requested").latest("pk")
    assert asked.target_id == str(absence.pk)
    assert asked.actor.username == "leave_member"
    listing = member_client.get(MY_LEAVE).content.decode()
    assert "2031-05-04" in listing and "absence-requested" in listing

    leader = login("team_leader")
    inbox = leader.get(REQUESTS)
    assert inbox.status_code == 200
    assert decide_url(absence.pk) in inbox.content.decode()
    decided = leader.post(decide_url(absence.pk), {"approve": "1", "reason": ""})
    assert decided.status_code == 302 and decided["Location"] == REQUESTS

    absence.refresh_from_db()
    assert absence.status == AbsenceStatus.APPROVED
    event = AuditEvent.objects.filter(code="forces.memberabsence.decided").latest("pk")
    assert event.target_id == str(absence.pk)
    assert event.actor == world.users["team_leader"]
    assert event.before["status"] == "requested" and event.after["status"] == "approved"
    # Decided requests leave the inbox; the member sees the new status.
    assert decide_url(absence.pk) not in leader.get(REQUESTS).content.decode()
    assert "absence-approved" in member_client.get(MY_LEAVE).content.decode()


def test_rejection_needs_a_reason_on_the_page(world: Any, login: Any) -> None:
    absence = requested_absence(world, world.a.member, "2031-06-01", "2031-06-02")
    leader = login("team_leader")
    events = AuditEvent.objects.filter(code="forces.memberabsence.decided").count()

    refused = leader.post(decide_url(absence.pk), {"reject": "1", "reason": "  "}, follow=True)
    absence.refresh_from_db()
    assert absence.status == AbsenceStatus.REQUESTED
    assert AuditEvent.objects.filter(code="forces.memberabsence.decided").count() == events
    messages = [str(m) for m in refused.context["messages"]]
    assert any(world.a.member.name in m for m in messages), messages

    leader.post(decide_url(absence.pk), {"reject": "1", "reason": "汛期人手不足"})
    absence.refresh_from_db()
    assert absence.status == AbsenceStatus.REJECTED
    event = AuditEvent.objects.filter(code="forces.memberabsence.decided").latest("pk")
    assert event.reason == "汛期人手不足" and event.after["status"] == "rejected"


def test_field_errors_are_shown_next_to_the_fields_in_the_users_language(
    world: Any, member_client: Client
) -> None:
    before = MemberAbsence.objects.count()
    english = member_client.post(
        MY_LEAVE, ask("2031-07-10", "2031-07-08"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.status_code == 200
    form = english.context["form"]
    assert list(form.errors) == ["end_date"]
    assert "The last day must not be before the first." in english.content.decode()

    chinese = member_client.post(MY_LEAVE, ask("", "2031-07-08"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 200
    required = chinese.context["form"].errors["start_date"]
    assert required and all(CJK.search(str(m)) for m in required), required
    assert str(required[0]) in chinese.content.decode()
    # The entered values stay in the form, and nothing was written.
    assert 'value="2031-07-08"' in chinese.content.decode()
    assert MemberAbsence.objects.count() == before


def test_overlapping_request_is_refused_on_the_page(world: Any, member_client: Client) -> None:
    requested_absence(world, world.a.member, "2031-08-01", "2031-08-05")
    before = MemberAbsence.objects.count()
    response = member_client.post(
        MY_LEAVE, ask("2031-08-04", "2031-08-06"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "start_date" in response.context["form"].errors
    assert "2031-08-01" in response.content.decode()
    assert MemberAbsence.objects.count() == before


def test_leader_cannot_decide_outside_the_team_or_the_county(world: Any, login: Any) -> None:
    other_team = requested_absence(world, member_of_another_team(world), "2031-09-01", "2031-09-02")
    other_county = requested_absence(world, world.b.member, "2031-09-01", "2031-09-02")
    leader = login("team_leader")
    inbox = leader.get(REQUESTS).content.decode()
    missing = leader.post(decide_url(MISSING_ID), {"approve": "1"})
    assert missing.status_code == 404
    for absence in (other_team, other_county):
        assert decide_url(absence.pk) not in inbox
        response = leader.post(decide_url(absence.pk), {"approve": "1"})
        assert response.status_code == 404
        assert response.content == missing.content
        absence.refresh_from_db()
        assert absence.status == AbsenceStatus.REQUESTED


def test_office_decides_any_team_in_its_township_but_not_another_county(
    world: Any, login: Any
) -> None:
    other_team = requested_absence(world, member_of_another_team(world), "2031-10-01", "2031-10-02")
    other_county = requested_absence(world, world.b.member, "2031-10-01", "2031-10-02")
    office = login("township_staff")
    assert office.post(decide_url(other_county.pk), {"approve": "1"}).status_code == 404
    assert office.post(decide_url(other_team.pk), {"approve": "1"}).status_code == 302
    other_team.refresh_from_db()
    other_county.refresh_from_db()
    assert other_team.status == AbsenceStatus.APPROVED
    assert other_county.status == AbsenceStatus.REQUESTED


def test_roles_without_the_right_to_decide_are_refused(
    world: Any, login: Any, member_client: Client
) -> None:
    absence = requested_absence(world, world.a.member, "2031-11-01", "2031-11-02")
    patrol = login("patrol_member")
    assert patrol.get(REQUESTS).status_code == 403
    assert patrol.post(decide_url(absence.pk), {"approve": "1"}).status_code == 404
    # The member cannot approve their own request either.
    assert member_client.post(decide_url(absence.pk), {"approve": "1"}).status_code == 404
    absence.refresh_from_db()
    assert absence.status == AbsenceStatus.REQUESTED


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_leave_pages_use_the_same_queries_for_one_or_many_rows(
    world: Any, login: Any, member_client: Client
) -> None:
    """No query per row: the inbox and the member's list cost the same for 1 or 6 rows."""
    # A request out of the leader's scope sits in the table too.
    requested_absence(world, member_of_another_team(world), "2033-01-01", "2033-01-01")
    requested_absence(world, world.a.member, "2033-01-01", "2033-01-01")
    leader = login("team_leader")
    inbox_one, mine_one = _queries(leader, REQUESTS), _queries(member_client, MY_LEAVE)
    for day in range(2, 7):
        requested_absence(world, world.a.member, f"2033-01-{day:02d}", f"2033-01-{day:02d}")
    assert _queries(leader, REQUESTS) == inbox_one
    assert _queries(member_client, MY_LEAVE) == mine_one


def test_login_without_a_member_gets_an_explanation(world: Any, login: Any) -> None:
    client = login("patrol_member")  # a role, but no member record linked to the login
    before = MemberAbsence.objects.count()
    for response in (
        client.get(MY_LEAVE, HTTP_ACCEPT_LANGUAGE="en"),
        client.post(MY_LEAVE, ask("2031-12-01", "2031-12-02"), HTTP_ACCEPT_LANGUAGE="en"),
    ):
        assert response.status_code == 200
        html = response.content.decode()
        assert "not linked to a team member" in html
        assert 'name="start_date"' not in html
    assert MemberAbsence.objects.count() == before


def test_anonymous_is_sent_to_sign_in(world: Any, client: Client) -> None:
    for url in (MY_LEAVE, REQUESTS):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_navigation_and_home_link_the_leave_pages(world: Any, login: Any) -> None:
    leader_home = login("team_leader").get("/").content.decode()
    assert REQUESTS in leader_home and MY_LEAVE in leader_home
    patrol_home = login("patrol_member").get("/").content.decode()
    assert MY_LEAVE in patrol_home
    assert REQUESTS not in patrol_home


# -- API --------------------------------------------------------------------------------------


def test_member_asks_and_leader_decides_through_the_api(
    world: Any, login: Any, member_client: Client
) -> None:
    created = send(member_client, "post", ME_API, ask("2032-01-05", "2032-01-07", kind="sick"))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "requested" and body["kind"] == "sick"
    assert body["member"] == world.a.member.pk and body["days"] == 3
    mine = member_client.get(ME_API)
    assert mine.status_code == 200
    assert body["id"] in [row["id"] for row in mine.json()]
    assert {row["member"] for row in mine.json()} == {world.a.member.pk}

    leader = login("team_leader")
    decided = send(leader, "post", decision_api(body["id"]), {"approve": True})
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "approved"
    assert MemberAbsence.objects.get(pk=body["id"]).status == AbsenceStatus.APPROVED
    event = AuditEvent.objects.filter(code="forces.memberabsence.decided").latest("pk")
    assert event.target_id == str(body["id"]) and event.actor == world.users["team_leader"]


def test_api_rejection_without_reason_answers_422(world: Any, login: Any) -> None:
    absence = requested_absence(world, world.a.member, "2032-02-01", "2032-02-02")
    leader = login("team_leader")
    response = send(leader, "post", decision_api(absence.pk), {"approve": False, "reason": ""})
    assert response.status_code == 422
    assert response.json()["detail"]
    assert list(error_fields(response)) == ["reason"]
    absence.refresh_from_db()
    assert absence.status == AbsenceStatus.REQUESTED
    ok = send(leader, "post", decision_api(absence.pk), {"approve": False, "reason": "人手不足"})
    assert ok.status_code == 200 and ok.json()["status"] == "rejected"


def test_api_bad_request_answers_422_with_field_errors(world: Any, member_client: Client) -> None:
    before = MemberAbsence.objects.count()
    backwards = send(member_client, "post", ME_API, ask("2032-03-10", "2032-03-08"))
    assert backwards.status_code == 422
    errors = backwards.json()["errors"]
    assert [e["field"] for e in errors] == ["end_date"]
    assert errors[0]["label"]  # the field's label, for the phone app to show
    missing = send(member_client, "post", ME_API, {"kind": "leave", "end_date": "2032-03-08"})
    assert missing.status_code == 422
    assert "start_date" in error_fields(missing)
    wrong_kind = send(member_client, "post", ME_API, ask("2032-03-01", "2032-03-02", kind="x"))
    assert wrong_kind.status_code == 422
    assert "kind" in error_fields(wrong_kind)
    not_a_date = send(member_client, "post", ME_API, ask("soon", "2032-03-02"))
    assert not_a_date.status_code == 422
    assert "start_date" in error_fields(not_a_date)
    assert MemberAbsence.objects.count() == before


def test_api_without_a_member_link_answers_403(world: Any, login: Any) -> None:
    client = login("patrol_member")
    before = MemberAbsence.objects.count()
    asked = send(client, "post", ME_API, ask("2032-04-01", "2032-04-02"))
    assert asked.status_code == 403
    assert asked.json()["detail"]
    assert client.get(ME_API).status_code == 403
    assert MemberAbsence.objects.count() == before


def test_api_decision_outside_scope_is_404_like_missing(
    world: Any, login: Any, member_client: Client
) -> None:
    other_team = requested_absence(world, member_of_another_team(world), "2032-05-01", "2032-05-02")
    other_county = requested_absence(world, world.b.member, "2032-05-01", "2032-05-02")
    own = requested_absence(world, world.a.member, "2032-05-01", "2032-05-02")
    leader = login("team_leader")
    missing = send(leader, "post", decision_api(MISSING_ID), {"approve": True})
    assert missing.status_code == 404
    for absence in (other_team, other_county):
        response = send(leader, "post", decision_api(absence.pk), {"approve": True})
        assert response.status_code == 404
        assert response.content == missing.content
    # A member may not decide their own request.
    assert send(member_client, "post", decision_api(own.pk), {"approve": True}).status_code == 404
    for absence in (other_team, other_county, own):
        absence.refresh_from_db()
        assert absence.status == AbsenceStatus.REQUESTED


def test_api_anonymous_answers_401(world: Any, client: Client) -> None:
    absence = requested_absence(world, world.a.member, "2032-06-01", "2032-06-02")
    assert client.get(ME_API).status_code == 401
    assert send(client, "post", ME_API, ask("2032-06-03", "2032-06-04")).status_code == 401
    assert send(client, "post", decision_api(absence.pk), {"approve": True}).status_code == 401


# -- admin ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "attr"),
    [
        ("memberabsence", "memberabsence"),
        ("memberpostcap", "memberpostcap"),
        ("planningpolicy", "planningpolicy"),
    ],
)
def test_admin_lists_and_opens_the_members_side_models(
    world: Any, login: Any, model: str, attr: str
) -> None:
    client = login(world.admin)
    record = getattr(world.a, attr)
    listing = client.get(f"/admin/forces/{model}/")
    assert listing.status_code == 200
    assert f"/admin/forces/{model}/{record.pk}/change/" in listing.content.decode()
    assert client.get(f"/admin/forces/{model}/{record.pk}/change/").status_code == 200


def test_admin_edit_of_an_absence_is_validated_and_audited(world: Any, login: Any) -> None:
    absence = requested_absence(world, world.a.member, "2032-07-01", "2032-07-03")
    client = login(world.admin)
    url = f"/admin/forces/memberabsence/{absence.pk}/change/"
    form = {
        "member": absence.member_id,
        "kind": "leave",
        "start_date": "2032-07-01",
        "end_date": "2032-07-02",
        "reason": "改短",
        "status": "approved",
    }
    backwards = client.post(url, {**form, "end_date": "2032-06-30"})
    assert backwards.status_code == 200  # the form again, with the model's error
    absence.refresh_from_db()
    assert absence.end_date.isoformat() == "2032-07-03"

    saved = client.post(url, form)
    assert saved.status_code == 302
    absence.refresh_from_db()
    assert (absence.end_date.isoformat(), absence.status) == ("2032-07-02", "approved")
    event = AuditEvent.objects.filter(code="forces.memberabsence.changed").latest("pk")
    assert event.target_id == str(absence.pk) and event.reason == "admin"
    assert event.before["status"] == "requested" and event.after["status"] == "approved"
