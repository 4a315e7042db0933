"""core.geo: distances, lines, polygons, GCJ-02 and position checks (pure functions)."""

from __future__ import annotations

import math

import pytest

from shouwang.core import geo


def test_haversine_known_distances() -> None:
    # One degree of latitude ≈ 111.2 km; Beijing Tiananmen → Shanghai People's Square ≈ 1,067 km.
    assert geo.haversine_m(30.0, 114.0, 31.0, 114.0) == pytest.approx(111_195, rel=1e-3)
    assert geo.haversine_m(39.9087, 116.3975, 31.2304, 121.4737) == pytest.approx(
        1_067_000, rel=5e-3
    )
    assert geo.haversine_m(29.88, 107.73, 29.88, 107.73) == 0


def test_distance_to_line() -> None:
    line = {"type": "LineString", "coordinates": [[107.73, 29.88], [107.75, 29.88]]}
    # 0.001° north of the middle of an east-west line ≈ 111 m.
    assert geo.distance_to_line_m(29.881, 107.74, line) == pytest.approx(111.2, abs=0.5)
    # Beyond the east end: the distance to the end point.
    end = geo.haversine_m(29.88, 107.76, 29.88, 107.75)
    assert geo.distance_to_line_m(29.88, 107.76, line) == pytest.approx(end, abs=0.5)
    multi = {
        "type": "MultiLineString",
        "coordinates": [line["coordinates"], [[107.73, 29.90], [107.75, 29.90]]],
    }
    assert geo.distance_to_line_m(29.899, 107.74, multi) == pytest.approx(111.2, abs=0.5)


def test_point_in_polygon_with_a_hole_and_distance_outside() -> None:
    outer = [[107.0, 29.0], [108.0, 29.0], [108.0, 30.0], [107.0, 30.0], [107.0, 29.0]]
    hole = [[107.4, 29.4], [107.6, 29.4], [107.6, 29.6], [107.4, 29.6], [107.4, 29.4]]
    polygon = {"type": "Polygon", "coordinates": [outer, hole]}
    assert geo.point_in_polygon(29.2, 107.2, polygon)
    assert not geo.point_in_polygon(29.5, 107.5, polygon)  # in the hole
    assert not geo.point_in_polygon(30.5, 107.5, polygon)
    assert geo.distance_to_polygon_m(29.2, 107.2, polygon) == 0
    assert geo.distance_to_polygon_m(30.01, 107.5, polygon) == pytest.approx(1112, abs=2)
    multi = {
        "type": "MultiPolygon",
        "coordinates": [[outer], [[[110, 29], [111, 29], [111, 30], [110, 29]]]],
    }
    assert geo.point_in_polygon(29.2, 107.2, multi)


def test_distance_to_any_geometry() -> None:
    point = geo.point(29.88, 107.73)
    assert point == {"type": "Point", "coordinates": [107.73, 29.88]}
    assert geo.distance_to_geometry_m(29.881, 107.73, point) == pytest.approx(111.2, abs=0.5)
    feature = {"type": "Feature", "geometry": point, "properties": {}}
    assert geo.distance_to_geometry_m(29.881, 107.73, feature) == pytest.approx(111.2, abs=0.5)
    assert geo.distance_to_geometry_m(29.88, 107.73, None) is None
    assert geo.distance_to_geometry_m(29.88, 107.73, {"type": "Point"}) is None
    assert geo.distance_to_geometry_m(29.88, 107.73, {"type": "GeometryCollection"}) is None
    line = {"type": "LineString", "coordinates": [[107.73, 29.90], [107.74, 29.90]]}
    assert geo.nearest_distance_m(29.881, 107.73, [line, point, None]) == pytest.approx(
        111.2, abs=0.5
    )
    assert geo.nearest_distance_m(29.881, 107.73, []) is None


def test_gcj02_matches_the_javascript_transform_and_inverts() -> None:
    # Reference values of the public-domain transform (as in core/static/shouwang/map.js).
    lat, lon = geo.wgs84_to_gcj02(39.915, 116.404)
    assert lat == pytest.approx(39.91640428, abs=1e-6)
    assert lon == pytest.approx(116.41024449, abs=1e-6)
    # The shift is a few hundred metres in China …
    shift = geo.haversine_m(29.88, 107.73, *geo.wgs84_to_gcj02(29.88, 107.73))
    assert 100 < shift < 1000
    # … and nothing outside it.
    assert geo.wgs84_to_gcj02(51.5, -0.12) == (51.5, -0.12)
    back = geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(29.88, 107.73))
    assert geo.haversine_m(29.88, 107.73, *back) < 0.01


@pytest.mark.parametrize(
    ("lat", "lon", "fields"),
    [
        (29.88, 107.73, []),
        (None, None, []),
        (91, 107.73, ["latitude"]),
        (29.88, -181, ["longitude"]),
        ("29.88", 107.73, ["latitude"]),
        (29.88, True, ["longitude"]),
        (math.nan, 107.73, ["latitude"]),
        (29.88, math.inf, ["longitude"]),
        (None, 107.73, ["latitude"]),
        (29.88, None, ["longitude"]),
        (51.5, -0.12, ["longitude"]),
    ],
)
def test_position_errors(lat: object, lon: object, fields: list[str]) -> None:
    assert sorted(geo.position_errors(lat, lon)) == fields


def test_position_required() -> None:
    assert sorted(geo.position_errors(None, None, required=True)) == ["latitude", "longitude"]
    assert geo.position_errors(None, None, lat_field="a", lon_field="b", required=True).keys() == {
        "a",
        "b",
    }
