"""Every built-in role × people inside / outside its grant: who sees a person of concern is
computed from roles.json (explicit keys only), never listed by hand."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ROLE_KEYS, send
from django.db import connection
from django.test.utils import CaptureQueriesContext

from concerns.concern_helpers import make_cast, person_data
from shouwang.concerns import services
from shouwang.concerns.models import HELPER_ONLY_ROLES
from shouwang.core.models import Role

API = "/api/v1/concerns"


@pytest.fixture
def cast(world: Any) -> Any:
    return make_cast(world)


@pytest.mark.parametrize("role_key", ROLE_KEYS)
def test_role_sees_exactly_what_its_explicit_grant_allows(
    world: Any, login: Any, cast: Any, role_key: str
) -> None:
    role = Role.objects.get(key=role_key)
    may_view = role.allows("concerns.personofconcern", "view")
    explicit = {"concerns.*", "concerns.personofconcern"} & set(role.permissions)
    if not explicit:
        assert not may_view  # "*" alone never reaches people of concern
    helper_only = role_key in HELPER_ONLY_ROLES
    expected = set()
    if may_view:
        expected = {cast.a.pk} if helper_only else {cast.a.pk, cast.a2.pk}
    client = login(role_key)
    listing = client.get(f"{API}/people")
    assert listing.status_code == 200
    assert {r["id"] for r in listing.json()["results"]} == expected
    for person in (cast.a, cast.a2, cast.b):
        status = client.get(f"{API}/people/{person.pk}").status_code
        assert status == (200 if person.pk in expected else 404), (role_key, person.pk)
        page = client.get(f"/concerns/{person.pk}/").status_code
        assert page == (200 if person.pk in expected else 404), (role_key, person.pk)
    # Registering needs an explicit "add"; nothing is written otherwise.
    before = services.PersonOfConcern.objects.count()
    created = send(client, "post", f"{API}/people", person_data(world, "A", n=20))
    if role.allows("concerns.personofconcern", "add"):
        assert created.status_code == 201, created.content
        assert services.PersonOfConcern.objects.count() == before + 1
    else:
        assert created.status_code in (403, 404, 422)
        assert services.PersonOfConcern.objects.count() == before
    # Side B never changes and never shows.
    outside = send(client, "patch", f"{API}/people/{cast.b.pk}", {"name": "改名"})
    assert outside.status_code == 404
    cast.b.refresh_from_db()
    assert cast.b.name != "改名"


def test_anonymous_is_refused(world: Any, client: Any, cast: Any) -> None:
    assert client.get(f"{API}/people").status_code == 401
    assert client.get(f"{API}/people/{cast.a.pk}").status_code == 401
    page = client.get("/concerns/")
    assert page.status_code == 302 and "/login/" in page["Location"]


def test_list_page_query_count_is_bounded(world: Any, login: Any, cast: Any) -> None:
    for n in range(30, 50):
        services.create_person(
            actor=world.users["concern_officer"],
            data=person_data(world, "A", n=n, helpers=[cast.helper.pk]),
        )
    client = login("concern_officer")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/concerns/")
    assert response.status_code == 200
    assert len(response.context["rows"]) == 22
    assert len(ctx.captured_queries) <= 20, len(ctx.captured_queries)
