"""Privacy of the people-of-concern register: explicit grants only, masked by default, the
full record behind a reason (audited), no plaintext at rest or in the audit trail, exports
masked unless the grant says otherwise."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from conftest import PASSWORD, error_fields, send
from django.db import connection
from openpyxl import load_workbook

from concerns.concern_helpers import PHONE_A, PHONE_B, make_cast, officer
from shouwang.concerns import services
from shouwang.concerns.models import PersonOfConcern
from shouwang.core import services as core_services
from shouwang.core.models import AuditEvent, Role
from shouwang.core.scoping import can, forget_grants

API = "/api/v1/concerns"
NO_ACCESS = ("county_supervisor", "auditor", "system_admin")


def test_roles_reach_concerns_only_by_explicit_grant(world: Any) -> None:
    roles = {r.key: r for r in Role.objects.all()}
    key = "concerns.personofconcern"
    for role in NO_ACCESS:
        assert not roles[role].allows(key, "view"), role
        # "*" keeps covering every other app.
        assert roles[role].allows("hazards.hazard", "view"), role
    assert roles["concern_officer"].allows(key, "change")
    assert roles["township_staff"].allows(key, "add")
    assert roles["grid_worker"].allows(key, "view")
    assert not roles["grid_worker"].allows(key, "add")
    assert roles["grid_worker"].allows("concerns.visit", "add")
    for role in ("patrol_member", "team_leader"):
        assert not roles[role].allows(key, "view")


@pytest.fixture
def cast(world: Any) -> Any:
    return make_cast(world)


def _superuser(world: Any) -> Any:
    return core_services.create_user(actor=world.admin, username="root2", password=PASSWORD)


@pytest.mark.parametrize("role", NO_ACCESS)
def test_roles_without_grant_see_nothing(world: Any, login: Any, cast: Any, role: str) -> None:
    client = login(role)
    _assert_sees_nothing(client, cast)


def test_superuser_without_explicit_role_sees_nothing(world: Any, login: Any, cast: Any) -> None:
    root = _superuser(world)
    root.is_superuser = True
    root.save()
    assert not can(root, PersonOfConcern, "view")
    _assert_sees_nothing(login(root), cast)
    # He may grant himself the role; the grant is audited, and then he sees side A.
    mark = AuditEvent.objects.count()
    core_services.create_role_grant(
        actor=root,
        data={"user": "root2", "role": "concern_officer", "jurisdiction": world.a.township.pk},
    )
    assert AuditEvent.objects.filter(code="core.rolegrant.created").count() >= 1
    assert AuditEvent.objects.count() > mark
    forget_grants(root)
    client = login(root)
    assert client.get(f"{API}/people/{cast.a.pk}").status_code == 200
    assert client.get(f"{API}/people/{cast.b.pk}").status_code == 404


def _assert_sees_nothing(client: Any, cast: Any) -> None:
    listing = client.get(f"{API}/people")
    assert listing.status_code == 200
    assert listing.json() == {"count": 0, "results": []}
    for person in (cast.a, cast.b):
        assert client.get(f"{API}/people/{person.pk}").status_code == 404
        assert client.get(f"/concerns/{person.pk}/").status_code == 404
        response = send(client, "post", f"{API}/people/{person.pk}/reveal", {"reason": "查看"})
        assert response.status_code == 404
    assert client.get("/concerns/").status_code == 404
    assert client.get("/concerns/export.xlsx").status_code == 404
    assert client.get(f"{API}/people/export").status_code == 403
    assert "/concerns/" not in client.get("/").content.decode()


def test_officer_sees_own_side_masked(world: Any, login: Any, cast: Any) -> None:
    client = login("concern_officer")
    ids = {r["id"] for r in client.get(f"{API}/people").json()["results"]}
    assert ids == {cast.a.pk, cast.a2.pk}
    detail = client.get(f"{API}/people/{cast.a.pk}").json()
    assert detail["citizen_id_masked"] == cast.a.citizen_id_masked
    assert "*" in detail["citizen_id_masked"]
    assert cast.id_a not in json.dumps(detail)
    assert PHONE_A not in json.dumps(detail)
    for url in ("/concerns/", f"/concerns/{cast.a.pk}/", f"/concerns/{cast.a.pk}/edit/"):
        html = client.get(url).content.decode()
        assert cast.id_a not in html and PHONE_A not in html, url
        assert cast.a.citizen_id_masked in html, url
    # Side B answers 404 exactly like a missing id.
    forbidden = client.get(f"{API}/people/{cast.b.pk}")
    missing = client.get(f"{API}/people/987654321")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.content == missing.content
    assert client.get(f"/concerns/{cast.b.pk}/").status_code == 404


def test_grid_worker_sees_only_people_they_help(world: Any, login: Any, cast: Any) -> None:
    client = login("grid_worker")
    ids = {r["id"] for r in client.get(f"{API}/people").json()["results"]}
    assert ids == {cast.a.pk}
    assert client.get(f"{API}/people/{cast.a2.pk}").status_code == 404
    visit = send(
        client,
        "post",
        f"{API}/people/{cast.a.pk}/visits",
        {"visited_on": str(cast.a.registered_on), "form": "phone", "situation": "电话联系"},
    )
    assert visit.status_code == 201, visit.content
    assert visit.json()["visitor"] == cast.helper.pk
    refused = send(client, "post", f"{API}/people/{cast.a2.pk}/visits", {"form": "phone"})
    assert refused.status_code == 404
    # Helpers may not open the full record, correct details or take people off.
    assert (
        send(client, "post", f"{API}/people/{cast.a.pk}/reveal", {"reason": "x"}).status_code == 403
    )
    assert send(client, "patch", f"{API}/people/{cast.a.pk}", {"name": "改"}).status_code == 404
    off = send(client, "post", f"{API}/people/{cast.a.pk}/take-off", {"reason": "x"})
    assert off.status_code == 404


def test_reveal_needs_reason_and_is_audited(world: Any, login: Any, cast: Any) -> None:
    client = login("concern_officer")
    url = f"{API}/people/{cast.a.pk}/reveal"
    mark = AuditEvent.objects.filter(code="concerns.person.revealed").count()
    empty = send(client, "post", url, {"reason": "  "})
    assert empty.status_code == 422
    assert "reason" in error_fields(empty)
    page = client.post(f"/concerns/{cast.a.pk}/reveal/", {"reason": ""})
    assert page.status_code == 302
    assert AuditEvent.objects.filter(code="concerns.person.revealed").count() == mark
    ok = send(client, "post", url, {"reason": "核对身份，准备帮教衔接"})
    assert ok.status_code == 200
    assert ok.json() == {"citizen_id": cast.id_a, "phone": PHONE_A}
    page = client.post(f"/concerns/{cast.a.pk}/reveal/", {"reason": "入户前核对"})
    assert page.status_code == 200 and cast.id_a in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    events = AuditEvent.objects.filter(code="concerns.person.revealed", target_id=str(cast.a.pk))
    assert events.count() == mark + 2
    event = events.order_by("-pk").first()
    assert event.actor == officer(world) and event.reason == "入户前核对"
    assert cast.a.name not in event.target_repr


def test_no_plaintext_at_rest_or_in_the_audit_trail(world: Any, cast: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM concerns_personofconcern WHERE id = %s", [cast.a.pk])
        row = " ".join(str(v) for v in cursor.fetchone())
    assert cast.id_a not in row and PHONE_A not in row
    assert cast.a.citizen_id_masked in row
    audit = AuditEvent.objects.filter(target_type="concerns.personofconcern")
    assert audit.exists()
    for event in audit:
        text = json.dumps([event.before, event.after, event.target_repr], ensure_ascii=False)
        for secret in (cast.id_a, PHONE_A, PHONE_B, cast.a.name, cast.b.name, "情绪易激动"):
            assert secret not in text, (event.code, secret)
        assert "citizen_id_encrypted" not in text and "phone_digest" not in text


def _sheet(response: Any) -> list[list[str]]:
    book = load_workbook(
        io.BytesIO(
            b"".join(response.streaming_content if response.streaming else [response.content])
        )
    )
    return [
        ["" if v is None else str(v) for v in row]
        for row in book.active.iter_rows(values_only=True)
    ]


@pytest.mark.parametrize(
    ("role", "unmasked"), [("township_staff", False), ("concern_officer", True)]
)
def test_exports_masked_unless_the_grant_allows(
    world: Any, login: Any, cast: Any, role: str, unmasked: bool
) -> None:
    client = login(role)
    mark = AuditEvent.objects.filter(code="concerns.person.exported").count()
    response = client.get("/concerns/export.xlsx")
    assert response.status_code == 200
    rows = _sheet(response)
    cells = " ".join(" ".join(r) for r in rows)
    assert len(rows) == 3  # header + the two side-A people
    assert (cast.id_a in cells) is unmasked
    assert (PHONE_A in cells) is unmasked
    assert (cast.a.citizen_id_masked in cells) is not unmasked
    assert cast.b.name not in cells
    events = AuditEvent.objects.filter(code="concerns.person.exported").order_by("-pk")
    assert events.count() == mark + 1
    event = events.first()
    assert event.actor == world.users[role]
    assert event.after["rows"] == 2 and event.after["unmasked"] is unmasked
    api = client.get(f"{API}/people/export", {"attention_level": "yellow"})
    assert api.status_code == 200
    assert AuditEvent.objects.filter(code="concerns.person.exported").count() == mark + 2


def test_search_by_full_number_uses_the_blind_index(world: Any, login: Any, cast: Any) -> None:
    client = login("concern_officer")
    found = client.get(f"{API}/people", {"q": cast.id_a}).json()
    assert [r["id"] for r in found["results"]] == [cast.a.pk]
    assert client.get(f"{API}/people", {"q": PHONE_A}).json()["count"] == 1
    assert client.get(f"{API}/people", {"q": cast.id_a[:8]}).json()["count"] == 0


def test_duplicate_identity_number_refused(world: Any, login: Any, cast: Any) -> None:
    from concerns.concern_helpers import person_data

    before = PersonOfConcern.objects.count()
    response = send(
        login("concern_officer"),
        "post",
        f"{API}/people",
        person_data(world, "A", n=9, citizen_id_number=cast.id_a),
    )
    assert response.status_code == 422
    assert "citizen_id_number" in error_fields(response)
    assert PersonOfConcern.objects.count() == before
    bad = send(
        login("concern_officer"),
        "post",
        f"{API}/people",
        person_data(world, "A", n=8, citizen_id_number="500230198505171230"),
    )
    assert bad.status_code == 422 and "citizen_id_number" in error_fields(bad)
    assert services.PERSON_KEY == "concerns.personofconcern"
