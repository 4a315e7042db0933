"""Plane-free geometry for field work: distances on the WGS-84 sphere, GeoJSON lines and
polygons, and the WGS-84 ⇄ GCJ-02 conversion used by Chinese map tiles.

Everything is pure Python (no GIS library): the distances involved (a check-in against its
post, a few kilometres at most) are small enough for a local equirectangular projection around
the point, which is accurate to well under a metre at that scale. GeoJSON positions are
[longitude, latitude]; the functions here take (latitude, longitude) like the phone's
Geolocation API, and say so in their names.

Stored coordinates are always WGS-84; GCJ-02 is for display on GCJ-02 tiles and for exports to
systems that expect it (the same transform as `core/static/shouwang/map.js`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, Final

from django.utils.translation import gettext as _

EARTH_RADIUS_M: Final = 6_371_008.8  # mean radius (IUGG)

# Plausible WGS-84 range for records in China (same bounds as core.validators).
CHINA_LON: Final = (73.0, 136.0)
CHINA_LAT: Final = (3.0, 54.0)


# ---- distances --------------------------------------------------------------------------------


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _project(lat0: float, lon0: float, lat: float, lon: float) -> tuple[float, float]:
    """(x, y) in metres of a point in a local equirectangular plane centred on (lat0, lon0)."""
    k = math.radians(1) * EARTH_RADIUS_M
    return (lon - lon0) * k * math.cos(math.radians(lat0)), (lat - lat0) * k


def _segment_distance_m(lat: float, lon: float, a: Sequence[float], b: Sequence[float]) -> float:
    """Distance from a point to the segment a–b (GeoJSON [lon, lat] positions)."""
    ax, ay = _project(lat, lon, float(a[1]), float(a[0]))
    bx, by = _project(lat, lon, float(b[1]), float(b[0]))
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return haversine_m(lat, lon, float(a[1]), float(a[0]))
    # The point is the origin of the local plane.
    t = max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
    px, py = ax + t * dx, ay + t * dy
    if t in (0.0, 1.0):
        end = a if t == 0.0 else b
        return haversine_m(lat, lon, float(end[1]), float(end[0]))
    return math.hypot(px, py)


def distance_to_path_m(lat: float, lon: float, positions: Sequence[Sequence[float]]) -> float:
    """Distance from a point to a path of GeoJSON positions (one position: to that point)."""
    if not positions:
        return math.inf
    if len(positions) == 1:
        return haversine_m(lat, lon, float(positions[0][1]), float(positions[0][0]))
    return min(
        _segment_distance_m(lat, lon, positions[i], positions[i + 1])
        for i in range(len(positions) - 1)
    )


def _lines(geometry: dict[str, Any]) -> list[Sequence[Sequence[float]]]:
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "LineString":
        return [coords]
    if kind == "MultiLineString":
        return list(coords)
    return []


def distance_to_line_m(lat: float, lon: float, geometry: dict[str, Any]) -> float:
    """Distance in metres from a point to a GeoJSON LineString or MultiLineString."""
    return min((distance_to_path_m(lat, lon, line) for line in _lines(geometry)), default=math.inf)


def _ring_contains(lat: float, lon: float, ring: Sequence[Sequence[float]]) -> bool:
    """Even-odd ray casting (GeoJSON [lon, lat] ring)."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = float(ring[i][0]), float(ring[i][1])
        xj, yj = float(ring[j][0]), float(ring[j][1])
        if (yi > lat) != (yj > lat):
            x_cross = xi + (lat - yi) * (xj - xi) / (yj - yi)
            if lon < x_cross:
                inside = not inside
        j = i
    return inside


def _polygons(geometry: dict[str, Any]) -> list[Sequence[Sequence[Sequence[float]]]]:
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return [coords]
    if kind == "MultiPolygon":
        return list(coords)
    return []


def point_in_polygon(lat: float, lon: float, geometry: dict[str, Any]) -> bool:
    """Whether a point lies inside a GeoJSON Polygon/MultiPolygon (holes excluded)."""
    for rings in _polygons(geometry):
        if not rings:
            continue
        if _ring_contains(lat, lon, rings[0]) and not any(
            _ring_contains(lat, lon, hole) for hole in rings[1:]
        ):
            return True
    return False


def distance_to_polygon_m(lat: float, lon: float, geometry: dict[str, Any]) -> float:
    """0 inside a Polygon/MultiPolygon, else the distance in metres to its nearest edge."""
    if point_in_polygon(lat, lon, geometry):
        return 0.0
    return min(
        (distance_to_path_m(lat, lon, ring) for rings in _polygons(geometry) for ring in rings),
        default=math.inf,
    )


def distance_to_geometry_m(lat: float, lon: float, geometry: Any) -> float | None:
    """Distance in metres from a point to any GeoJSON geometry (or Feature); None if unusable."""
    if not isinstance(geometry, dict):
        return None
    if geometry.get("type") == "Feature":
        return distance_to_geometry_m(lat, lon, geometry.get("geometry"))
    kind = geometry.get("type")
    try:
        if kind == "Point":
            coords = geometry["coordinates"]
            value = haversine_m(lat, lon, float(coords[1]), float(coords[0]))
        elif kind in ("LineString", "MultiLineString"):
            value = distance_to_line_m(lat, lon, geometry)
        elif kind in ("Polygon", "MultiPolygon"):
            value = distance_to_polygon_m(lat, lon, geometry)
        else:
            return None
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return None if math.isinf(value) else value


def nearest_distance_m(lat: float, lon: float, geometries: Iterable[Any]) -> float | None:
    """The smallest distance to any of the geometries (None if none is usable)."""
    found = [d for g in geometries if (d := distance_to_geometry_m(lat, lon, g)) is not None]
    return min(found) if found else None


def point(lat: float, lon: float) -> dict[str, Any]:
    """A GeoJSON Point from (latitude, longitude)."""
    return {"type": "Point", "coordinates": [lon, lat]}


# ---- WGS-84 ⇄ GCJ-02 --------------------------------------------------------------------------

_A: Final = 6378245.0
_EE: Final = 0.00669342162296594323


def out_of_china(lat: float, lon: float) -> bool:
    """GCJ-02 only shifts points inside China's rough bounding box."""
    return lon < 72.004 or lon > 137.8347 or lat < 0.8293 or lat > 55.8271


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """(lat, lon) in GCJ-02 for a WGS-84 point; points outside China are unchanged."""
    if out_of_china(lat, lon):
        return lat, lon
    d_lat = _transform_lat(lon - 105.0, lat - 35.0)
    d_lon = _transform_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lat + d_lat, lon + d_lon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Inverse of `wgs84_to_gcj02` by fixed-point iteration (error well below 1 mm)."""
    if out_of_china(lat, lon):
        return lat, lon
    w_lat, w_lon = lat, lon
    for _step in range(30):
        g_lat, g_lon = wgs84_to_gcj02(w_lat, w_lon)
        d_lat, d_lon = g_lat - lat, g_lon - lon
        w_lat, w_lon = w_lat - d_lat, w_lon - d_lon
        if abs(d_lat) < 1e-10 and abs(d_lon) < 1e-10:
            break
    return w_lat, w_lon


# ---- validating a position sent by a phone ----------------------------------------------------


def _is_number(value: Any) -> bool:
    return (
        not isinstance(value, bool)
        and isinstance(value, int | float)
        and math.isfinite(float(value))
    )


def position_errors(
    latitude: Any,
    longitude: Any,
    *,
    lat_field: str = "latitude",
    lon_field: str = "longitude",
    required: bool = False,
) -> dict[str, list[str]]:
    """Field errors for a (latitude, longitude) pair as JSON gave it: {} when acceptable.

    Both or neither (unless `required`); JSON numbers only (text such as "30.1", booleans, NaN
    and infinities are refused); WGS-84 ranges; inside China's bounds (a swapped pair is the
    usual cause of a point outside them).
    """
    errors: dict[str, list[str]] = {}
    if latitude is None and longitude is None:
        if required:
            errors[lat_field] = [_("This field is required.")]
            errors[lon_field] = [_("This field is required.")]
        return errors
    if latitude is None or longitude is None:
        missing = lat_field if latitude is None else lon_field
        return {missing: [_("Give both longitude and latitude, or neither.")]}
    for value, name, low, high in (
        (latitude, lat_field, -90.0, 90.0),
        (longitude, lon_field, -180.0, 180.0),
    ):
        if not _is_number(value):
            errors[name] = [
                _("Give a number in decimal degrees (WGS-84); got %(value)s.")
                % {"value": repr(value)[:40]}
            ]
        elif not low <= float(value) <= high:
            errors[name] = [
                _("%(value)s is outside the range %(low)s to %(high)s.")
                % {"value": value, "low": int(low), "high": int(high)}
            ]
    if errors:
        return errors
    lat, lon = float(latitude), float(longitude)
    if not (CHINA_LAT[0] <= lat <= CHINA_LAT[1] and CHINA_LON[0] <= lon <= CHINA_LON[1]):
        errors[lon_field] = [
            _(
                "Longitude %(lon)s, latitude %(lat)s lies outside China (longitude 73–136, "
                "latitude 3–54). Are longitude and latitude swapped?"
            )
            % {"lon": longitude, "lat": latitude}
        ]
    return errors
