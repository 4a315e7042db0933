"""Open311 GeoReport v2: public hazards read and filed by civic tools."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shouwang.core.models import CodeItem
from shouwang.core.services import issue_api_token
from shouwang.hazards.models import Hazard, HazardCategoryPolicy, HazardStatus
from shouwang.hazards.services import report_hazard
from tests.conftest import BASE_LAT, BASE_LON, VILLAGE_CODES, World

BASE = "/open311/v2/"


def category(code: str) -> CodeItem:
    return CodeItem.objects.get(code_list__key="hazard_category", code=code)


def report(world: World, code: str, *, text: str, place: Any = None, **extra: Any) -> Hazard:
    hazard, created = report_hazard(
        actor=world.users["grid_worker"],
        data={
            "category": code,
            "description": text,
            "place": "K261+600",
            "latitude": BASE_LAT["A"] + 0.003,
            "longitude": BASE_LON["A"] + 0.003,
            "jurisdiction": (place or world.a.village).pk,
            **extra,
        },
        source="phone",
    )
    assert created
    return hazard


def hide(world: World, code: str, place: Any = None) -> None:
    HazardCategoryPolicy.objects.create(
        jurisdiction=place or world.a.township, category=category(code), public=False
    )


@pytest.fixture
def hazards(world: World) -> dict[str, Hazard]:
    """A public hazard, one about a person and one of a category hidden in township A."""
    public = report(world, "rail_fence_damage", text="防护网破损一处")
    person = report(world, "public_order", text="某人多次翻越护网")
    Hazard.objects.filter(pk=person.pk).update(about_person=True)
    hide(world, "fire")
    hidden = report(world, "fire", text="仓库堆放易燃物")
    return {"public": public, "person": person, "hidden": hidden}


def test_public_rule_agrees_with_the_model(world: World, hazards: dict[str, Hazard]) -> None:
    from shouwang.hazards.open311 import PublicRule

    rule = PublicRule()
    for hazard in [*hazards.values(), world.a.hazard, world.b.hazard]:
        fresh = Hazard.objects.get(pk=hazard.pk)
        assert rule.hazard(fresh) == fresh.is_public
    fresh_ones = [Hazard.objects.get(pk=h.pk) for h in hazards.values()]
    assert [rule.hazard(h) for h in fresh_ones] == [True, False, False]


def ids(response: Any) -> set[str]:
    return {r["service_request_id"] for r in response.json()}


def test_discovery(world: World) -> None:
    response = Client().get(BASE + "discovery.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["changeset"] and body["contact"]
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["application/json"]
    assert endpoint["url"].endswith("/open311/v2/")


def test_services_follow_the_category_policies(world: World) -> None:
    client = Client()
    response = client.get(BASE + "services.json", {"locale": "en"})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    services = {s["service_code"]: s for s in response.json()}
    active = set(
        CodeItem.objects.filter(code_list__key="hazard_category", active=True).values_list(
            "code", flat=True
        )
    )
    assert set(services) == active
    fence = services["rail_fence_damage"]
    assert fence["service_name"] == "Damaged fence"
    assert fence["metadata"] is False
    assert fence["type"] == "realtime"
    assert fence["group"] == "Railway"
    assert "防护网破损" in fence["keywords"]
    assert services["fire"]["group"] != "Railway"

    # Chinese by default (the request's language).
    zh = {s["service_code"]: s for s in client.get(BASE + "services.json").json()}
    assert zh["rail_fence_damage"]["service_name"] == "防护网破损"

    # Fire is hidden in township A: not offered there, still offered elsewhere.
    hide(world, "fire")
    in_a = client.get(BASE + "services.json", {"jurisdiction_id": VILLAGE_CODES["A"]}).json()
    assert "fire" not in {s["service_code"] for s in in_a}
    in_b = client.get(BASE + "services.json", {"jurisdiction_id": VILLAGE_CODES["B"]}).json()
    assert "fire" in {s["service_code"] for s in in_b}

    unknown = client.get(BASE + "services.json", {"jurisdiction_id": "999999999999"})
    assert unknown.status_code == 404
    assert unknown.json()[0]["code"] == 404


def test_requests_show_public_hazards_only(world: World, hazards: dict[str, Hazard]) -> None:
    response = Client().get(BASE + "requests.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    found = ids(response)
    assert str(hazards["public"].uuid) in found
    assert str(hazards["person"].uuid) not in found
    assert str(hazards["hidden"].uuid) not in found

    (row,) = [r for r in response.json() if r["service_request_id"] == str(hazards["public"].uuid)]
    assert row["status"] == "open"
    assert row["status_notes"] == str(HazardStatus.REPORTED.label)
    assert row["service_code"] == "rail_fence_damage"
    assert row["description"] == "防护网破损一处"
    assert row["address"] == "K261+600"
    assert row["lat"] == pytest.approx(BASE_LAT["A"] + 0.003)
    assert row["long"] == pytest.approx(BASE_LON["A"] + 0.003)
    assert row["agency_responsible"] is None
    assert row["expected_datetime"] is None
    assert row["media_url"] is None
    requested = dt.datetime.fromisoformat(row["requested_datetime"])
    assert requested.tzinfo is not None
    # Nothing that identifies the finder.
    text = response.content.decode()
    finder = world.users["grid_worker"]
    assert finder.username not in text
    assert "found_by" not in text


def test_request_filters(world: World, hazards: dict[str, Hazard]) -> None:
    client = Client()
    public = str(hazards["public"].uuid)
    second = report(world, "rail_livestock", text="牛上道", place=world.a.township)

    def get(**args: str) -> set[str]:
        response = client.get(BASE + "requests.json", args)
        assert response.status_code == 200, response.content
        return ids(response)

    assert get(service_code="rail_fence_damage") == {public}
    assert get(service_request_id=f"{public},{second.uuid},not-a-uuid") == {
        public,
        str(second.uuid),
    }
    # Only the person hazard's id: still nothing.
    assert get(service_request_id=str(hazards["person"].uuid)) == set()

    in_village = get(jurisdiction_id=VILLAGE_CODES["A"])
    assert public in in_village and str(second.uuid) not in in_village
    assert get(jurisdiction_id=VILLAGE_CODES["B"]).isdisjoint({public, str(second.uuid)})

    assert public in get(status="open")
    assert public not in get(status="closed")
    Hazard.objects.filter(pk=hazards["public"].pk).update(status="closed")
    assert public in get(status="closed")
    assert public not in get(status="open")

    now = timezone.now()
    assert public in get(start_date=(now - dt.timedelta(hours=1)).isoformat())
    assert public not in get(end_date=(now - dt.timedelta(days=1)).isoformat())
    assert public not in get(start_date=(now + dt.timedelta(hours=1)).isoformat())

    bad = client.get(BASE + "requests.json", {"status": "pending", "start_date": "yesterday"})
    assert bad.status_code == 400
    descriptions = " ".join(e["description"] for e in bad.json())
    assert "start_date" in descriptions and "status" in descriptions
    assert all(e["code"] == 400 for e in bad.json())


def test_one_request_and_404_for_private(world: World, hazards: dict[str, Hazard]) -> None:
    client = Client()
    response = client.get(f"{BASE}requests/{hazards['public'].uuid}.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    (row,) = response.json()
    assert row["service_request_id"] == str(hazards["public"].uuid)
    for hidden in (
        str(hazards["person"].uuid),
        str(hazards["hidden"].uuid),
        str(uuid.uuid4()),
        "x",
    ):
        missing = client.get(f"{BASE}requests/{hidden}.json")
        assert missing.status_code == 404
        (error,) = missing.json()
        assert error["code"] == 404 and error["description"]


def token_for(world: World, role: str = "grid_worker") -> str:
    _token, raw = issue_api_token(actor=world.users[role], name="civic tool")
    return raw


def filing(**extra: Any) -> dict[str, Any]:
    return {
        "service_code": "rail_fence_damage",
        "lat": str(BASE_LAT["A"] + 0.004),
        "long": str(BASE_LON["A"] + 0.004),
        "address_string": "K262+100 护网",
        "description": "护网被剪开一个口子",
        "jurisdiction_id": VILLAGE_CODES["A"],
        **extra,
    }


def test_post_files_a_hazard_once(world: World) -> None:
    raw = token_for(world)
    key = str(uuid.uuid4())
    client = Client(enforce_csrf_checks=True)
    response = client.post(BASE + "requests.json", filing(api_key=raw, **{"attribute[uuid]": key}))
    assert response.status_code == 200, response.content
    (answer,) = response.json()
    assert answer["service_request_id"] == key
    assert answer["service_notice"]
    hazard = Hazard.objects.get(uuid=key)
    assert hazard.found_by == world.users["grid_worker"]
    assert hazard.jurisdiction == world.a.village
    assert hazard.category.code == "rail_fence_damage"
    assert hazard.place == "K262+100 护网"
    assert hazard.source == "open311"

    # The same filing again (Bearer this time): the same hazard, no duplicate.
    again = client.post(
        BASE + "requests.json",
        filing(**{"attribute[uuid]": key}),
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert again.status_code == 200, again.content
    assert again.json()[0]["service_request_id"] == key
    assert Hazard.objects.filter(uuid=key).count() == 1

    # And it is readable at once.
    assert Client().get(f"{BASE}requests/{key}.json").status_code == 200


def test_post_json_without_key_makes_a_fresh_id(world: World) -> None:
    raw = token_for(world)
    response = Client().post(
        BASE + "requests.json",
        {**filing(), "api_key": raw},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    new_id = response.json()[0]["service_request_id"]
    assert Hazard.objects.filter(uuid=new_id).exists()


def test_post_needs_a_token(world: World, login: Any) -> None:
    before = Hazard.objects.count()
    for client in (Client(), login("grid_worker")):
        response = client.post(BASE + "requests.json", filing())
        assert response.status_code == 403
        (error,) = response.json()
        assert error["code"] == 403 and "api_key" in error["description"]
    wrong = Client().post(BASE + "requests.json", filing(api_key="sw_not-a-token"))
    assert wrong.status_code == 403
    assert Hazard.objects.count() == before


def test_post_errors_name_the_field(world: World) -> None:
    raw = token_for(world)
    client = Client()

    def errors(**extra: Any) -> str:
        response = client.post(BASE + "requests.json", filing(api_key=raw, **extra))
        assert response.status_code == 400, response.content
        assert all(e["code"] == 400 for e in response.json())
        return " ".join(e["description"] for e in response.json())

    assert errors(lat="north").startswith("lat")
    assert "lat" in errors(lat="95")
    assert "long" in errors(long="")
    assert "service_code" in errors(service_code="no_such_thing")
    assert "description" in errors(description="")
    # Out of the token holder's jurisdiction.
    assert "jurisdiction_id" in errors(jurisdiction_id=VILLAGE_CODES["B"])
    assert "jurisdiction_id" in errors(jurisdiction_id="123")
    # A category hidden where the hazard lies is not offered there.
    hide(world, "fire")
    assert "service_code" in errors(service_code="fire")
    assert not Hazard.objects.filter(description="护网被剪开一个口子").exists()


def test_workflow_fields_without_persons(world: World, hazards: dict[str, Hazard]) -> None:
    public = hazards["public"]
    Hazard.objects.filter(pk=public.pk).update(
        status="assigned",
        responsible_unit=world.a.organisation,
        responsible_person=world.a.member,
        deadline=dt.date(2026, 12, 1),
        assigned_at=timezone.now(),
        assigned_by=world.users["township_staff"],
    )
    response = Client().get(f"{BASE}requests/{public.uuid}.json", {"locale": "en"})
    (row,) = response.json()
    assert row["status"] == "open"
    assert row["status_notes"] == "Assigned"
    assert row["agency_responsible"] == world.a.organisation.name
    assert row["expected_datetime"].startswith("2026-12-01T23:59:59")
    assert row["updated_datetime"] >= row["requested_datetime"]
    text = response.content.decode()
    for secret in (world.a.member.name, world.a.member.phone, "township_staff", "grid_worker"):
        assert secret not in text


def test_default_window_is_90_days(world: World) -> None:
    old = report(
        world,
        "rail_well",
        text="旧的打井隐患",
        found_at=(timezone.now() - dt.timedelta(days=100)).isoformat(),
    )
    client = Client()
    assert str(old.uuid) not in ids(client.get(BASE + "requests.json"))
    since = (timezone.now() - dt.timedelta(days=120)).date().isoformat()
    assert str(old.uuid) in ids(client.get(BASE + "requests.json", {"start_date": since}))
