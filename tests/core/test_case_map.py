"""The map of open cases: registered case layers' markers in map_data (scoped, overdue flagged),
toggleable layers with a legend on the map page; the list filter for overdue hazards."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from shouwang.core import cases
from shouwang.core.views import OVERDUE_COLOR
from shouwang.hazards import workflow
from shouwang.hazards.models import Hazard, HazardStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def only_hazards(monkeypatch: Any) -> None:
    """Only the hazards' layer: the other case apps' layers have their own tests."""
    monkeypatch.setattr(cases, "MAP_LAYERS", {"hazards": cases.MAP_LAYERS["hazards"]})


def new_hazard(world: Any, side: str = "A", **fields: Any) -> Hazard:
    base = world.sides[side].hazard
    values = {
        "category": base.category,
        "jurisdiction": base.jurisdiction,
        "description": "护网破损",
        "place": "K261+800",
        "latitude": base.latitude,
        "longitude": base.longitude,
        "found_by": world.admin,
        "found_at": timezone.now(),
        **fields,
    }
    return Hazard.objects.create(**values)


def case_features(client: Any) -> dict[str, dict[str, Any]]:
    collection = client.get("/map/data.json").json()
    return {
        f["properties"]["url"]: f
        for f in collection["features"]
        if f["properties"]["layer"].startswith("case:")
    }


def test_open_hazards_in_scope_on_the_map(world: Any, login: Any) -> None:
    office = world.users["township_staff"]
    late = workflow.assign_hazard(
        new_hazard(world, place="逾期护网"),
        actor=office,
        responsible_unit=world.a.organisation,
        deadline=timezone.localdate() - dt.timedelta(days=1),
    )
    closed = new_hazard(world, status=HazardStatus.CLOSED)
    nowhere = new_hazard(world, latitude=None, longitude=None)
    other_side = new_hazard(world, side="B")
    features = case_features(login("township_staff"))
    url = f"/r/hazards/{late.pk}/"
    assert url in features
    assert f"/r/hazards/{world.a.hazard.pk}/" in features
    for hidden in (closed, nowhere, other_side):
        assert f"/r/hazards/{hidden.pk}/" not in features
    feature = features[url]
    assert feature["geometry"] == {
        "type": "Point",
        "coordinates": [late.longitude, late.latitude],
    }
    props = feature["properties"]
    assert props["layer"] == "case:hazards"
    assert props["overdue"] is True
    assert props["color"] == OVERDUE_COLOR
    assert "逾期护网" in props["name"]
    fresh = features[f"/r/hazards/{world.a.hazard.pk}/"]["properties"]
    assert fresh["overdue"] is False and fresh["color"] != OVERDUE_COLOR
    # Side B's office sees side B's hazard only (the system administrator sees both).
    admin = case_features(login(world.admin))
    assert f"/r/hazards/{other_side.pk}/" in admin and url in admin


def test_a_registered_layer_shows_up_without_the_map_knowing_it(
    world: Any, login: Any, monkeypatch: Any
) -> None:
    def layer(user: Any) -> list[cases.CaseMarker]:
        return [cases.CaseMarker("demo", "调解中的纠纷", "/r/demo/1/", 29.9, 107.7, "调解中")]

    monkeypatch.setitem(cases.MAP_LAYERS, "demo", ("示例案件", layer))
    features = case_features(login("township_staff"))
    assert features["/r/demo/1/"]["properties"]["layer"] == "case:demo"
    html = login("township_staff").get("/map/").content.decode()
    assert 'data-layer="case:demo"' in html and "示例案件" in html


def test_map_page_has_case_layers_and_legend(world: Any, login: Any) -> None:
    html = login("township_staff").get("/map/").content.decode()
    assert 'id="case-legend"' in html
    assert 'data-layer="case:hazards"' in html
    assert 'data-layer="overdue"' in html
    # The layer control names the case layer (labels handed to map.js).
    assert '"case:hazards"' in html


def test_overdue_filter_control_and_results(world: Any, login: Any) -> None:
    office = world.users["township_staff"]
    late = workflow.assign_hazard(
        new_hazard(world),
        actor=office,
        responsible_unit=world.a.organisation,
        deadline=timezone.localdate() - dt.timedelta(days=1),
    )
    page = login("township_staff").get("/r/hazards/")
    assert '<select name="overdue"' in page.content.decode()
    filtered = login("township_staff").get("/r/hazards/?overdue=1")
    rows = [obj.pk for obj, _cells in filtered.context["rows"]]
    assert rows == [late.pk]
    # Combined with the field filters (status, category, jurisdiction) on the API.
    api = login("township_staff").get(
        f"/api/v1/hazards/?overdue=1&status=assigned&category={late.category_id}"
        f"&jurisdiction={world.a.township.pk}"
    )
    assert [r["id"] for r in api.json()["results"]] == [late.pk]
    none = login("township_staff").get("/api/v1/hazards/?overdue=1&status=reported")
    assert none.json()["results"] == []


def test_computed_filter_hook_is_generic() -> None:
    from shouwang.core.registry import ComputedFilter, flag_filter

    calls: list[str] = []

    def narrow(qs: Any) -> Any:
        calls.append("narrowed")
        return qs

    computed = flag_filter("x", narrow)
    assert isinstance(computed, ComputedFilter)
    computed.apply(Hazard.objects.none(), "0")
    assert calls == []
    computed.apply(Hazard.objects.none(), "true")
    assert calls == ["narrowed"]
