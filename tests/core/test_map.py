"""The map's GeoJSON comes from the viewer's scope only."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_map_data_is_scoped_geojson(world: Any, login: Any) -> None:
    response = login("township_staff").get("/map/data.json")
    assert response.status_code == 200
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    names = {f["properties"]["name"] for f in collection["features"]}
    layers = {f["properties"]["layer"] for f in collection["features"]}
    assert str(world.a.keyplace) in names
    assert str(world.b.keyplace) not in names
    assert str(world.b.organisation) not in names
    assert "key_place" in layers
    for feature in collection["features"]:
        assert feature["properties"]["url"].startswith("/r/")
        assert feature["geometry"]["type"] in {
            "Point",
            "Polygon",
            "MultiPolygon",
            "LineString",
            "MultiLineString",
        }


def test_map_page_serves_leaflet_from_the_project(world: Any, login: Any) -> None:
    html = login("patrol_member").get("/map/").content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "http://" not in html.split("<body", 1)[1].split("data-tile-url", 1)[0]
