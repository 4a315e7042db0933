"""THE scope matrix: every role × every registered record type × inside/outside × action.

Expectations are computed from data, never hand-listed: a role may perform an action on a
record iff `Role.allows(record type, action)` and the record lies inside the role's scope.
Side A holds every test user's grants; side B is outside every non-global grant. A new
record type registered in `REGISTRY` is covered automatically (the world in conftest must
provide one record of it, or the test fails saying so).

Refusals: reading or writing a record outside scope answers 404 exactly like a missing id;
creating without the permission answers 403; creating outside scope answers 422 (the
related choices are narrowed to the actor's scope). In every refused case nothing is
written, and nothing on side B ever changes.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import (
    ROLE_KEYS,
    ROLES,
    TEAM_ROLES,
    api_url,
    change_payload,
    create_record,
    make_payload,
    page_url,
    send,
)

from shouwang.core import registry
from shouwang.core.models import AuditEvent, Role
from shouwang.core.registry import REGISTRY
from shouwang.core.scoping import record_type_key

ACTIONS = ("read", "create", "change", "delete")
ROLE_ACTION = {"read": "view", "create": "add", "change": "change", "delete": "delete"}
SIDES = ("inside", "outside")
MISSING_ID = 987_654_321


def _cases() -> list[Any]:
    cases = []
    for role in ROLE_KEYS:
        for key in REGISTRY:
            for side in SIDES:
                for action in ACTIONS:
                    cases.append(
                        pytest.param(role, key, side, action, id=f"{role}-{key}-{side}-{action}")
                    )
    return cases


def jurisdictional(model: Any) -> bool:
    return getattr(model, "scope_path", None) is not None


def in_scope(role: Role, model: Any, side: str, key: str) -> bool:
    """Whether side's record lies inside the role's scope (ignoring its permissions)."""
    if side == "inside":
        return True
    # Global roles and non-jurisdictional record types (code items) have no "outside".
    return role.is_global or not jurisdictional(model)


def _value(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def snapshot_side(world: Any, side: str) -> dict[str, Any]:
    """Every row (and many-to-many link) of every jurisdictional record type on one side,
    plus the audit events recorded there."""
    county = world.sides[side].county
    snap: dict[str, Any] = {}
    for key, rt in REGISTRY.items():
        model = rt.model
        if not jurisdictional(model):
            continue
        qs = model.objects.filter(**{f"{model.scope_path}__startswith": county.path}).order_by("pk")
        snap[key] = list(qs.values())
        for m2m in model._meta.many_to_many:
            snap[f"{key}.{m2m.name}"] = sorted(qs.values_list("pk", f"{m2m.name}__pk"), key=repr)
    snap["audit"] = AuditEvent.objects.filter(jurisdiction_path__startswith=county.path).count()
    return snap


@pytest.mark.parametrize(("role_key", "key", "side", "action"), _cases())
def test_matrix(world: Any, login: Any, role_key: str, key: str, side: str, action: str) -> None:
    rt = REGISTRY[key]
    model = rt.model
    role = Role.objects.get(key=role_key)
    allowed = role.allows(record_type_key(model), ROLE_ACTION[action])
    scoped_in = in_scope(role, model, side, key)
    expect_ok = allowed and scoped_in
    letter = "A" if side == "inside" else "B"
    client = login(role_key)
    guard_b = not scoped_in  # the record is outside: side B must not change at all

    if action in ("delete",):
        # A fresh record nothing refers to, so a permitted delete can succeed.
        target = create_record(rt.slug, world, letter, n=7)
    else:
        target = world.sides[letter].record(key)
    before_b = snapshot_side(world, "B") if guard_b else None
    count = model.objects.count()

    if action == "read":
        detail = client.get(api_url(rt.slug, target.pk))
        listing = client.get(api_url(rt.slug), {"page_size": 500})
        assert listing.status_code in (200, 403, 404)
        ids = (
            {r["id"] for r in listing.json().get("results", [])}
            if listing.status_code == 200
            else set()
        )
        if expect_ok:
            assert detail.status_code == 200, detail.content
            assert detail.json()["id"] == target.pk
            assert target.pk in ids
        else:
            assert detail.status_code in (403, 404), detail.content
            assert target.pk not in ids
        if not scoped_in:
            missing = client.get(api_url(rt.slug, MISSING_ID))
            assert detail.status_code == missing.status_code == 404
            assert detail.content == missing.content

    elif action == "create":
        response = send(client, "post", api_url(rt.slug), make_payload(rt.slug, world, letter))
        if expect_ok:
            assert response.status_code == 201, response.content
            assert model.objects.count() == count + 1
            created = model.objects.get(pk=response.json()["id"])
            assert created.pk is not None
        else:
            assert response.status_code in (403, 404, 422), response.content
            assert model.objects.count() == count

    elif action == "change":
        body, attr, value = change_payload(key)
        old = _value(model.objects.get(pk=target.pk), attr)
        response = send(client, "patch", api_url(rt.slug, target.pk), body)
        fresh = model.objects.get(pk=target.pk)
        if expect_ok:
            assert response.status_code == 200, response.content
            assert _value(fresh, attr) == value
        else:
            assert response.status_code in (403, 404), response.content
            assert _value(fresh, attr) == old
        if not scoped_in:
            missing = send(client, "patch", api_url(rt.slug, MISSING_ID), body)
            assert response.status_code == missing.status_code == 404
            assert response.content == missing.content

    else:  # delete
        response = client.delete(api_url(rt.slug, target.pk))
        exists = model.objects.filter(pk=target.pk).exists()
        if expect_ok:
            assert response.status_code == 204, response.content
            assert not exists
            assert model.objects.count() == count - 1
        else:
            assert response.status_code in (403, 404), response.content
            assert exists
            assert model.objects.count() == count
        if not scoped_in:
            missing = client.delete(api_url(rt.slug, MISSING_ID))
            assert response.status_code == missing.status_code == 404
            assert response.content == missing.content

    if guard_b:
        assert snapshot_side(world, "B") == before_b


def test_matrix_covers_every_registered_type_and_role() -> None:
    """The matrix iterates the live registry and roles.json, so nothing can be left out."""
    ids = {p.id for p in _cases()}
    assert len(ids) == len(ROLE_KEYS) * len(REGISTRY) * len(SIDES) * len(ACTIONS)
    for key in REGISTRY:
        for role in ROLE_KEYS:
            assert f"{role}-{key}-outside-read" in ids
    assert set(ROLE_KEYS) == set(ROLES)


def test_world_grants_match_the_design(world: Any) -> None:
    """Every role has a user granted inside side A (team roles also at team A)."""
    from shouwang.core.models import RoleGrant

    for role_key in ROLE_KEYS:
        grant = RoleGrant.objects.get(user=world.users[role_key])
        assert grant.role.key == role_key
        assert grant.jurisdiction.path.startswith(world.a.county.path)
        assert (grant.team_id == world.a.team.pk) == (role_key in TEAM_ROLES)


JURISDICTIONAL_KEYS = [key for key, rt in REGISTRY.items() if jurisdictional(rt.model)]


@pytest.mark.parametrize("key", JURISDICTIONAL_KEYS)
def test_pages_of_outside_records_answer_404(world: Any, login: Any, key: str) -> None:
    """Detail, edit and delete pages of a side-B record answer 404 for every non-global role,
    exactly as for a missing id; side-A pages open for roles that may view."""
    rt = REGISTRY[key]
    b_record = world.b.record(key)
    a_record = world.a.record(key)
    checked = 0
    for role_key in ROLE_KEYS:
        role = Role.objects.get(key=role_key)
        if role.is_global:
            continue
        client = login(role_key)
        for action in ("", "edit", "delete"):
            response = client.get(page_url(rt.slug, b_record.pk, action))
            missing = client.get(page_url(rt.slug, MISSING_ID, action))
            assert response.status_code == missing.status_code == 404, (role_key, action)
        inside = client.get(page_url(rt.slug, a_record.pk))
        may_view = role.allows(record_type_key(rt.model), "view")
        assert inside.status_code == (200 if may_view else 404), role_key
        checked += 1
    assert checked >= 1


@pytest.mark.parametrize("key", JURISDICTIONAL_KEYS)
def test_outside_list_page_never_shows_side_b(world: Any, login: Any, key: str) -> None:
    rt = REGISTRY[key]
    client = login("county_supervisor")  # may view everything, but only in county A
    response = client.get(page_url(rt.slug))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"/r/{rt.slug}/{world.a.record(key).pk}/" in html
    assert f"/r/{rt.slug}/{world.b.record(key).pk}/" not in html


def test_missing_and_forbidden_are_identical_in_the_api(world: Any, login: Any) -> None:
    client = login("township_staff")
    member_b = world.b.member
    for method in ("get", "patch", "put", "delete"):
        data = {"name": "x"} if method in ("patch", "put") else None
        forbidden = send(client, method, api_url("members", member_b.pk), data)
        missing = send(client, method, api_url("members", MISSING_ID), data)
        assert forbidden.status_code == missing.status_code, method
        assert forbidden.content == missing.content, method
    assert forbidden.status_code == 404


def test_anonymous_gets_401_everywhere(world: Any, client: Any) -> None:
    for rt in REGISTRY.values():
        record = world.a.record(rt.key)
        assert client.get(api_url(rt.slug)).status_code == 401
        assert client.get(api_url(rt.slug, record.pk)).status_code == 401
        before = rt.model.objects.count()
        response = send(client, "post", api_url(rt.slug), make_payload(rt.slug, world, "A"))
        assert response.status_code == 401
        assert rt.model.objects.count() == before
        assert client.delete(api_url(rt.slug, record.pk)).status_code == 401
        assert rt.model.objects.filter(pk=record.pk).exists()
        page = client.get(page_url(rt.slug, record.pk))
        assert page.status_code == 302 and "/login/" in page["Location"]


def test_record_moved_outside_scope_is_refused(world: Any, login: Any) -> None:
    """After a write the record must still be inside the actor's scope (rule 3)."""
    client = login("township_staff")
    org = world.a.organisation
    response = send(
        client, "patch", api_url("organisations", org.pk), {"jurisdiction": world.b.township.pk}
    )
    assert response.status_code == 422
    org.refresh_from_db()
    assert org.jurisdiction_id == world.a.township.pk


def test_registry_get_by_slug_and_key() -> None:
    for key, rt in REGISTRY.items():
        assert registry.get(key) is rt
        assert registry.get(rt.slug) is rt


@pytest.mark.parametrize("role_key", TEAM_ROLES)
def test_team_roles_see_only_their_own_team(world: Any, login: Any, role_key: str) -> None:
    """A grant narrowed to team A does not reach another team in the same township, nor
    that team's members and posts."""
    other_team = create_record("teams", world, "A", n=3)
    other_member = create_record("members", world, "A", n=3)
    other_member = REGISTRY["member"].update(
        other_member, actor=world.admin, data={"teams": [other_team.pk]}
    )
    other_post = create_record("posts", world, "A", n=3)
    other_post = REGISTRY["post"].update(
        other_post, actor=world.admin, data={"team": other_team.pk}
    )
    client = login(role_key)
    for slug, obj, own in (
        ("teams", other_team, world.a.team),
        ("members", other_member, world.a.member),
        ("posts", other_post, world.a.post),
    ):
        assert client.get(api_url(slug, obj.pk)).status_code == 404, slug
        assert client.get(api_url(slug, own.pk)).status_code == 200, slug
        ids = {r["id"] for r in client.get(api_url(slug), {"page_size": 500}).json()["results"]}
        assert obj.pk not in ids and own.pk in ids
