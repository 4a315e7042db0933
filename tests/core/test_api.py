"""The REST API: schema and docs, lists, masking of identity numbers, the reveal page, and
bearer tokens."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from conftest import api_url, create_record, make_payload, page_url, send
from django.test import Client

from shouwang.core import services
from shouwang.core.models import AuditEvent, Role
from shouwang.core.registry import REGISTRY
from shouwang.core.validators import mask_citizen_id
from shouwang.forces.models import Member


def test_openapi_lists_every_registered_record_type(world: Any, login: Any) -> None:
    response = login(world.admin).get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for rt in REGISTRY.values():
        collection = f"/api/v1/{rt.slug}/"
        item = f"/api/v1/{rt.slug}/{{record_id}}"
        assert collection in paths, rt.slug
        assert item in paths, rt.slug
        assert {"get", "post"} <= set(paths[collection]), rt.slug
        assert {"get", "patch", "put", "delete"} <= set(paths[item]), rt.slug
        assert "422" in paths[collection]["post"]["responses"], rt.slug
    # No write operation on the audit trail.
    audit = paths.get("/api/v1/audit-events", {})
    assert set(audit) <= {"get"}


def test_openapi_is_served_without_login(client: Client, world: Any) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"]


def test_docs_render(world: Any, login: Any) -> None:
    response = login(world.admin).get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "openapi.json" in html
    # Served from our own static files, never a CDN (closed networks).
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


def test_list_pagination(world: Any, login: Any) -> None:
    for n in range(5):
        create_record("organisations", world, "A", n=20 + n)
    client = login("township_staff")
    first = client.get(api_url("organisations"), {"page_size": 2}).json()
    assert first["count"] >= 6
    assert first["page"] == 1 and first["page_size"] == 2 and len(first["results"]) == 2
    second = client.get(api_url("organisations"), {"page_size": 2, "page": 2}).json()
    assert len(second["results"]) == 2
    ids = [r["id"] for r in first["results"]] + [r["id"] for r in second["results"]]
    assert len(set(ids)) == 4
    everything = client.get(api_url("organisations"), {"page_size": 500}).json()
    assert len(everything["results"]) == everything["count"] == first["count"]
    beyond = client.get(api_url("organisations"), {"page_size": 2, "page": 999}).json()
    assert beyond["results"] == []
    # Oversized pages are capped, not refused.
    capped = client.get(api_url("organisations"), {"page_size": 100000}).json()
    assert capped["page_size"] == 500


def test_jurisdiction_filter_includes_the_subtree(world: Any, login: Any) -> None:
    client = login(world.admin)
    a, b = world.a, world.b
    by_county = client.get(api_url("members"), {"jurisdiction": a.county.pk}).json()
    ids = {r["id"] for r in by_county["results"]}
    assert a.member.pk in ids  # the member is registered at the village, two levels down
    assert b.member.pk not in ids
    by_grid = client.get(api_url("members"), {"jurisdiction": a.grid.pk}).json()
    assert by_grid["count"] == 0
    unknown = client.get(api_url("members"), {"jurisdiction": 987654321}).json()
    assert unknown["count"] == 0


def test_other_filters_and_search(world: Any, login: Any) -> None:
    client = login(world.admin)
    a = world.a
    found = client.get(api_url("members"), {"q": a.member.name}).json()
    assert [r["id"] for r in found["results"]] == [a.member.pk]
    assert client.get(api_url("members"), {"q": "没有这个人"}).json()["count"] == 0
    by_team = client.get(api_url("members"), {"teams": a.team.pk}).json()
    assert {r["id"] for r in by_team["results"]} == {a.member.pk}
    by_status = client.get(api_url("members"), {"status": "left"}).json()
    assert by_status["count"] == 0
    by_flag = client.get(api_url("key-places"), {"is_checkpoint": "true"}).json()
    assert {r["id"] for r in by_flag["results"]} == {a.keyplace.pk, world.b.keyplace.pk}
    levels = client.get(api_url("jurisdictions"), {"level": "village"}).json()
    assert {r["id"] for r in levels["results"]} == {a.village.pk, world.b.village.pk}
    # Search and filter combine; scope still applies underneath.
    staff = login("township_staff")
    scoped = staff.get(api_url("jurisdictions"), {"level": "village"}).json()
    assert {r["id"] for r in scoped["results"]} == {a.village.pk}


def test_identity_numbers_are_masked_in_api_output(world: Any, login: Any) -> None:
    client = login("township_staff")
    member = world.a.member
    raw = world.a.citizen_id
    detail = client.get(api_url("members", member.pk))
    listing = client.get(api_url("members"))
    assert detail.status_code == listing.status_code == 200
    masked = detail.json()["citizen_id_masked"]
    assert masked == mask_citizen_id(raw)
    assert re.fullmatch(r"500230\*{8}\d{3}[\dX]", masked), masked
    assert masked.endswith(raw[-4:])
    member.refresh_from_db()
    for response in (detail, listing):
        text = response.content.decode()
        assert raw not in text
        assert member.citizen_id_encrypted not in text
        assert member.citizen_id_digest not in text
        assert "citizen_id_encrypted" not in text and "citizen_id_digest" not in text
    # Nor in the answer to a create or an update that sent the full number.
    payload = make_payload("members", world, "A", n=4)
    created = send(client, "post", api_url("members"), payload)
    assert created.status_code == 201
    assert payload["citizen_id_number"] not in created.content.decode()
    assert created.json()["citizen_id_masked"] == mask_citizen_id(payload["citizen_id_number"])
    # The write-only field is documented as input, never output.
    schema = json.dumps(
        client.get("/api/v1/openapi.json").json()["components"]["schemas"]["MemberOut"]
    )
    assert "citizen_id_number" not in schema


def test_reveal_shows_full_number_only_to_sensitive_roles(world: Any, login: Any) -> None:
    member = world.a.member
    raw = world.a.citizen_id
    url = f"/members/{member.pk}/reveal-id/"
    for role_key in (
        "township_staff",
        "county_supervisor",
        "auditor",
        "patrol_member",
        "team_leader",
        "grid_worker",
        "system_admin",
    ):
        role = Role.objects.get(key=role_key)
        client = login(role_key)
        mark = AuditEvent.objects.count()
        response = client.post(url, {"reason": "核实身份信息"})
        events = AuditEvent.objects.filter(code="forces.member.citizen_id_revealed")
        if role.sees_sensitive:
            assert response.status_code == 200, role_key
            assert raw in response.content.decode()
            assert response["Cache-Control"] == "no-store"
            event = events.latest("pk")
            assert event.actor_id == world.users[role_key].pk
            assert event.reason == "核实身份信息"
            assert event.target_id == str(member.pk)
            assert AuditEvent.objects.count() == mark + 1
        else:
            assert response.status_code in (403, 404), role_key
            assert raw not in response.content.decode()
            assert AuditEvent.objects.count() == mark


def test_reveal_needs_a_reason_post_and_scope(world: Any, login: Any) -> None:
    client = login("township_staff")
    member = world.a.member
    mark = AuditEvent.objects.count()
    no_reason = client.post(f"/members/{member.pk}/reveal-id/", {"reason": "  "}, follow=True)
    # Without a reason the office is sent back to the record with a message, not shown the number.
    assert no_reason.redirect_chain[-1][0] == page_url("members", member.pk)
    assert "理由" in no_reason.content.decode() or "reason" in no_reason.content.decode()
    assert world.a.citizen_id not in no_reason.content.decode()
    by_get = client.get(f"/members/{member.pk}/reveal-id/")
    assert by_get.status_code == 405
    outside = client.post(f"/members/{world.b.member.pk}/reveal-id/", {"reason": "x"})
    assert outside.status_code == 404
    assert world.b.citizen_id not in outside.content.decode()
    assert AuditEvent.objects.count() == mark


def test_detail_page_shows_masked_number_and_reveal_form(world: Any, login: Any) -> None:
    client = login("township_staff")
    page = client.get(page_url("members", world.a.member.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert mask_citizen_id(world.a.citizen_id) in html
    assert world.a.citizen_id not in html
    assert f"/members/{world.a.member.pk}/reveal-id/" in html


def test_bearer_token_works_and_revoked_token_gets_401(world: Any) -> None:
    user = world.users["township_staff"]
    token, raw = services.issue_api_token(actor=user, name="phone")
    assert raw.startswith("sw_") and raw not in (token.digest, token.prefix)
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    listing = client.get(api_url("members"), **auth)
    assert listing.status_code == 200
    ids = {r["id"] for r in listing.json()["results"]}
    assert world.a.member.pk in ids and world.b.member.pk not in ids
    me = client.get("/api/v1/me", **auth)
    assert me.status_code == 200 and me.json()["username"] == user.username
    # Writes work with a token too, and need no CSRF token.
    created = send(
        client, "post", api_url("organisations"), make_payload("organisations", world, "A"), **auth
    )
    assert created.status_code == 201
    event = AuditEvent.objects.filter(code="forces.organisation.created").latest("pk")
    assert event.actor_id == user.pk
    token.refresh_from_db()
    assert token.last_used_at is not None

    services.revoke_api_token(token, actor=user)
    assert client.get(api_url("members"), **auth).status_code == 401
    before = Member.objects.count()
    refused = send(client, "post", api_url("members"), make_payload("members", world, "A"), **auth)
    assert refused.status_code == 401
    assert Member.objects.count() == before


@pytest.mark.parametrize(
    "header", ["Bearer sw_not-a-real-token", "Bearer ", "Basic abc", "Token sw_x"]
)
def test_bad_tokens_get_401(world: Any, header: str) -> None:
    response = Client().get(api_url("members"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_token_of_inactive_user_gets_401(world: Any) -> None:
    user = world.users["patrol_member"]
    _token, raw = services.issue_api_token(actor=user, name="phone")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert Client().get(api_url("teams"), **auth).status_code == 200
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert Client().get(api_url("teams"), **auth).status_code == 401


def test_session_writes_need_csrf(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["township_staff"])
    before = Member.objects.count()
    response = send(client, "post", api_url("members"), make_payload("members", world, "A"))
    assert response.status_code in (401, 403)
    assert Member.objects.count() == before


def test_me_lists_roles(world: Any, login: Any) -> None:
    me = login("county_supervisor").get("/api/v1/me").json()
    assert me["roles"] == [f"county_supervisor@{world.a.county.stat_division_code}"]


def test_divisions_lookup_is_public(client: Client, world: Any) -> None:
    response = client.get("/api/v1/divisions", {"parent": "500200000000"})
    assert response.status_code == 200
    codes = {d["code"] for d in response.json()}
    assert "500230000000" in codes
