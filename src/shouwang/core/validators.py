"""Pure domain validators and parsers shared by models, forms and the API.

Every validator raises :class:`django.core.exceptions.ValidationError` with a
lazily translated English message and a stable ``code``. Nothing here touches
the database or needs Django settings until a message is rendered.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

__all__ = [
    "DIVISION_LEVELS",
    "citizen_id_birth_date",
    "citizen_id_sex",
    "format_chainage",
    "make_citizen_id",
    "mask_citizen_id",
    "mask_phone",
    "normalize_citizen_id",
    "parse_chainage",
    "validate_chainage_range",
    "validate_citizen_id",
    "validate_division_code",
    "validate_division_code_in_parent",
    "validate_geojson_line",
    "validate_geojson_point",
    "validate_geojson_polygon",
    "validate_phone",
    "validate_uscc",
]

#: China Standard Time; "today" for birth-date checks is the date in Beijing.
_CST: Final = timezone(timedelta(hours=8), "CST")


def _interpolate(template: str | Promise, params: dict[str, Any]) -> str:
    """Render ``template % params`` (used through its lazy wrapper)."""
    return str(template) % params


#: Lazy ``%`` interpolation, so composed messages are translated only when shown.
_lazy_interpolate = lazy(_interpolate, str)


# ---------------------------------------------------------------------------
# 1. Citizen identity number (GB 11643-1999)
# ---------------------------------------------------------------------------

_CITIZEN_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CITIZEN_ID_CHECK_CHARS: Final = "10X98765432"
_CITIZEN_ID_RE: Final = re.compile(r"\d{17}[\dX]", re.ASCII)
_CITIZEN_ID_MIN_BIRTH: Final = date(1900, 1, 1)

#: Valid first two digits: provinces, Taiwan (71), Hong Kong / Macao / Taiwan
#: residence permits (81-83) and foreign permanent resident cards (9x).
_CITIZEN_ID_REGION_PREFIXES: Final = frozenset(
    [f"{n:02d}" for n in range(11, 16)]
    + [f"{n:02d}" for n in range(21, 24)]
    + [f"{n:02d}" for n in range(31, 38)]
    + [f"{n:02d}" for n in range(41, 47)]
    + [f"{n:02d}" for n in range(50, 55)]
    + [f"{n:02d}" for n in range(61, 66)]
    + ["71", "81", "82", "83"]
    + [f"{n:02d}" for n in range(90, 100)]
)


def _citizen_id_check_char(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _CITIZEN_ID_WEIGHTS, strict=True))
    return _CITIZEN_ID_CHECK_CHARS[total % 11]


def normalize_citizen_id(value: str) -> str:
    """Remove all whitespace and upper-case a trailing ``x``."""
    return "".join(value.split()).upper()


def validate_citizen_id(value: str, *, today: date | None = None) -> None:
    """Validate an 18-character citizen ID number (whitespace and case ignored).

    ``today`` overrides the upper bound for the birth date (defaults to the
    current date in China Standard Time).
    """
    _check_citizen_id(value, today)


def _check_citizen_id(value: str, today: date | None = None) -> str:
    """Validate a citizen ID number and return it normalized."""
    if not isinstance(value, str):
        raise ValidationError(
            _("A citizen ID number must be text."),
            code="citizen_id_format",
        )
    number = normalize_citizen_id(value)
    if len(number) != 18:
        raise ValidationError(
            _("A citizen ID number must be 18 characters long; got %(length)d."),
            code="citizen_id_length",
            params={"length": len(number)},
        )
    if not _CITIZEN_ID_RE.fullmatch(number):
        raise ValidationError(
            _("A citizen ID number must be 17 digits followed by a digit or the letter X."),
            code="citizen_id_format",
        )
    if number[:2] not in _CITIZEN_ID_REGION_PREFIXES:
        raise ValidationError(
            _("The region code starts with %(prefix)s, which is not a valid province code."),
            code="citizen_id_region",
            params={"prefix": number[:2]},
        )
    birth_text = number[6:14]
    try:
        birth = date(int(birth_text[:4]), int(birth_text[4:6]), int(birth_text[6:]))
    except ValueError:
        raise ValidationError(
            _("The birth date %(date)s (characters 7–14) is not a real date."),
            code="citizen_id_birth_date",
            params={"date": birth_text},
        ) from None
    upper = today if today is not None else datetime.now(tz=_CST).date()
    if not _CITIZEN_ID_MIN_BIRTH <= birth <= upper:
        raise ValidationError(
            _("The birth date %(date)s must be between 1900-01-01 and today."),
            code="citizen_id_birth_date",
            params={"date": birth.isoformat()},
        )
    expected = _citizen_id_check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _("The check digit is wrong: expected %(expected)s."),
            code="citizen_id_check_digit",
            params={"expected": expected},
        )
    return number


def mask_citizen_id(value: str) -> str:
    """Keep the first 6 and last 4 characters, e.g. ``500230********123X``."""
    number = normalize_citizen_id(value)
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def citizen_id_sex(value: str) -> str:
    """Return ``'male'`` (odd 17th digit) or ``'female'`` (even) for a valid ID."""
    number = _check_citizen_id(value)
    return "male" if int(number[16]) % 2 else "female"


def citizen_id_birth_date(value: str) -> date:
    """Return the birth date encoded in a valid citizen ID number."""
    number = _check_citizen_id(value)
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def make_citizen_id(region6: str, birth: date, seq3: int) -> str:
    """Build a citizen ID number with a correct check digit (synthetic data)."""
    if not (len(region6) == 6 and region6.isascii() and region6.isdigit()):
        raise ValueError(f"region6 must be 6 ASCII digits, got {region6!r}")
    if not 0 <= seq3 <= 999:
        raise ValueError(f"seq3 must be between 0 and 999, got {seq3!r}")
    first17 = f"{region6}{birth:%Y%m%d}{seq3:03d}"
    if len(first17) != 17:
        raise ValueError(f"birth year must have 4 digits, got {birth!r}")
    return first17 + _citizen_id_check_char(first17)


# ---------------------------------------------------------------------------
# 2. Phone numbers
# ---------------------------------------------------------------------------

_MOBILE_RE: Final = re.compile(r"1[3-9]\d{9}", re.ASCII)
_LANDLINE_RE: Final = re.compile(r"0\d{2,3}-?\d{7,8}(?:-\d{1,6})?", re.ASCII)


def validate_phone(value: str) -> None:
    """Validate a mainland mobile or landline number (outer whitespace ignored)."""
    phone = value.strip() if isinstance(value, str) else ""
    if not (_MOBILE_RE.fullmatch(phone) or _LANDLINE_RE.fullmatch(phone)):
        raise ValidationError(
            _(
                "Enter an 11-digit mobile number starting with 13–19, or a landline number "
                "with its area code such as 010-12345678 (optionally -extension)."
            ),
            code="phone_format",
        )


def mask_phone(value: str) -> str:
    """Keep the first 3 and last 4 characters, e.g. ``138****5678``."""
    phone = value.strip()
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


# ---------------------------------------------------------------------------
# 3. Statistical division codes
# ---------------------------------------------------------------------------

DIVISION_LEVELS: Final = ("county", "township", "village", "grid")

_DIVISION_LEVEL_LABELS: Final[dict[str, Promise]] = {
    "county": _("county"),
    "township": _("township"),
    "village": _("village"),
    "grid": _("grid"),
}
_DIVISION_CODE_LENGTHS: Final = {"county": 12, "township": 12, "village": 12, "grid": 15}
#: How many leading digits a child shares with its parent.
_DIVISION_PARENT_PREFIX: Final = {"township": 6, "village": 9, "grid": 12}

_DIVISION_DIGITS_NONZERO = _(
    "Digits %(start)d–%(end)d of a %(level)s code cannot all be zero; got %(code)s."
)
_DIVISION_DIGITS_ZERO = _(
    "Digits %(start)d–%(end)d of a %(level)s code must all be zero; got %(code)s."
)


def _level_label(level: str | None) -> str | Promise:
    """Return the translated label of a division level (or the raw value)."""
    if level is None:
        return "—"
    return _DIVISION_LEVEL_LABELS.get(level, level)


def _division_part_error(code: str, level: str, start: int, end: int, *, zero: bool) -> None:
    """Raise if digits ``start..end`` (1-based) are (not) all zero as required."""
    all_zero = set(code[start - 1 : end]) == {"0"}
    if all_zero != zero:
        raise ValidationError(
            _DIVISION_DIGITS_ZERO if zero else _DIVISION_DIGITS_NONZERO,
            code="division_code_level",
            params={"start": start, "end": end, "level": _level_label(level), "code": code},
        )


def validate_division_code(code: str, level: str) -> None:
    """Validate a statistical division code for ``level`` (outer whitespace ignored).

    County, township and village codes have 12 digits; grid codes have 15 (a
    village code plus a 3-digit sequence 001-999).
    """
    _check_division_code(code, level)


def _check_division_code(code: str, level: str) -> str:
    """Validate a division code and return it stripped."""
    if level not in _DIVISION_CODE_LENGTHS:
        raise ValueError(f"unknown division level {level!r}; expected one of {DIVISION_LEVELS}")
    text = code.strip() if isinstance(code, str) else ""
    if not (text.isascii() and text.isdigit()):
        raise ValidationError(
            _("A division code may contain digits only; got %(code)s."),
            code="division_code_digits",
            params={"code": code},
        )
    expected = _DIVISION_CODE_LENGTHS[level]
    if len(text) != expected:
        raise ValidationError(
            _("A %(level)s code must be %(expected)d digits long; got %(length)d."),
            code="division_code_length",
            params={"level": _level_label(level), "expected": expected, "length": len(text)},
        )
    if text[:2] == "00":
        raise ValidationError(
            _("The province part (digits 1–2) of a division code cannot be 00; got %(code)s."),
            code="division_code_level",
            params={"code": text},
        )
    if level == "county":
        _division_part_error(text, level, 7, 12, zero=True)
    else:
        _division_part_error(text, level, 7, 9, zero=False)
        if level == "township":
            _division_part_error(text, level, 10, 12, zero=True)
        else:
            _division_part_error(text, level, 10, 12, zero=False)
            if level == "grid":
                _division_part_error(text, level, 13, 15, zero=False)
    return text


def validate_division_code_in_parent(
    code: str, level: str, parent_code: str | None, parent_level: str | None
) -> None:
    """Validate ``code`` at ``level`` and that it nests inside its parent.

    The chain is county → township → village → grid; a county has no parent.
    """
    text = _check_division_code(code, level)
    index = DIVISION_LEVELS.index(level)
    if index == 0:
        if parent_code is not None or parent_level is not None:
            raise ValidationError(
                _("A county has no parent division; got a %(actual)s."),
                code="division_parent_level",
                params={"actual": _level_label(parent_level)},
            )
        return
    expected_parent = DIVISION_LEVELS[index - 1]
    if parent_code is None:
        raise ValidationError(
            _("A %(level)s must have a parent %(expected)s."),
            code="division_parent_level",
            params={"level": _level_label(level), "expected": _level_label(expected_parent)},
        )
    if parent_level != expected_parent:
        raise ValidationError(
            _("The parent of a %(level)s must be a %(expected)s, not a %(actual)s."),
            code="division_parent_level",
            params={
                "level": _level_label(level),
                "expected": _level_label(expected_parent),
                "actual": _level_label(parent_level),
            },
        )
    parent = _check_division_code(parent_code, expected_parent)
    digits = _DIVISION_PARENT_PREFIX[level]
    prefix = parent[:digits]
    if text[:digits] != prefix:
        raise ValidationError(
            _(
                "The %(level)s code %(code)s does not belong to the %(parent_level)s "
                "%(parent_code)s: its first %(digits)d digits must be %(prefix)s."
            ),
            code="division_code_parent",
            params={
                "level": _level_label(level),
                "code": text,
                "parent_level": _level_label(expected_parent),
                "parent_code": parent,
                "digits": digits,
                "prefix": prefix,
            },
        )


# ---------------------------------------------------------------------------
# 4. GeoJSON geometries
# ---------------------------------------------------------------------------

_CHINA_LON: Final = (73.0, 136.0)
_CHINA_LAT: Final = (3.0, 54.0)

Position = list[float]


def _geojson_geometry(value: Any, allowed: tuple[str, ...]) -> tuple[str, Any]:
    """Parse ``value`` (dict or JSON text), unwrap a Feature, check the type."""
    if isinstance(value, str | bytes | bytearray):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ValidationError(
                _("The value is not valid JSON: %(error)s."),
                code="geojson_invalid",
                params={"error": str(exc)},
            ) from None
    if not isinstance(value, dict):
        raise ValidationError(
            _("A GeoJSON geometry must be a JSON object."),
            code="geojson_invalid",
        )
    if value.get("type") == "Feature":
        value = value.get("geometry")
        if not isinstance(value, dict):
            raise ValidationError(
                _("The Feature has no geometry object."),
                code="geojson_invalid",
            )
    geometry_type = value.get("type")
    if geometry_type not in allowed:
        raise ValidationError(
            _("The geometry type must be %(expected)s; got %(type)s."),
            code="geojson_type",
            params={"expected": " / ".join(allowed), "type": geometry_type},
        )
    coordinates = value.get("coordinates")
    if not isinstance(coordinates, list | tuple):
        raise ValidationError(
            _('The geometry has no "coordinates" array.'),
            code="geojson_invalid",
        )
    if not coordinates:
        raise ValidationError(
            _('The "coordinates" array of the geometry is empty.'),
            code="geojson_coordinates",
        )
    return geometry_type, coordinates


def _is_number(value: Any) -> bool:
    """True for finite ints, floats and Decimals (not booleans)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    return math.isfinite(value)


def _check_position(position: Any, where: str | Promise) -> Position:
    """Validate one ``[lon, lat(, alt)]`` position; return it as floats."""
    if (
        not isinstance(position, list | tuple)
        or len(position) not in (2, 3)
        or not all(_is_number(v) for v in position)
    ):
        raise ValidationError(
            _(
                "%(where)s: a position must be [longitude, latitude] or "
                "[longitude, latitude, altitude] numbers; got %(value)s."
            ),
            code="geojson_coordinates",
            params={"where": where, "value": repr(position)[:80]},
        )
    lon, lat = float(position[0]), float(position[1])
    if not -180.0 <= lon <= 180.0:
        raise ValidationError(
            _("%(where)s: longitude %(lon)s is outside the range -180 to 180."),
            code="geojson_coordinates",
            params={"where": where, "lon": position[0]},
        )
    if not -90.0 <= lat <= 90.0:
        raise ValidationError(
            _("%(where)s: latitude %(lat)s is outside the range -90 to 90."),
            code="geojson_coordinates",
            params={"where": where, "lat": position[1]},
        )
    if not (_CHINA_LON[0] <= lon <= _CHINA_LON[1] and _CHINA_LAT[0] <= lat <= _CHINA_LAT[1]):
        raise ValidationError(
            _(
                "%(where)s: longitude %(lon)s, latitude %(lat)s lies outside China "
                "(longitude 73–136, latitude 3–54). Are longitude and latitude swapped?"
            ),
            code="geojson_outside_china",
            params={"where": where, "lon": position[0], "lat": position[1]},
        )
    return [float(v) for v in position]


def _check_ring(ring: Any, polygon: int, ring_no: int) -> list[Position]:
    """Validate one closed linear ring (1-based ``polygon``/``ring_no``)."""
    where_ring = _lazy_interpolate(
        _("Polygon %(polygon)d, ring %(ring)d"), {"polygon": polygon, "ring": ring_no}
    )
    if not isinstance(ring, list | tuple):
        raise ValidationError(
            _("%(where)s: a linear ring must be an array of positions."),
            code="geojson_ring",
            params={"where": where_ring},
        )
    if len(ring) < 4:
        raise ValidationError(
            _("%(where)s: a linear ring needs at least 4 positions; got %(count)d."),
            code="geojson_ring",
            params={"where": where_ring, "count": len(ring)},
        )
    positions = [
        _check_position(
            position,
            _lazy_interpolate(
                _("Polygon %(polygon)d, ring %(ring)d, position %(position)d"),
                {"polygon": polygon, "ring": ring_no, "position": i},
            ),
        )
        for i, position in enumerate(ring, start=1)
    ]
    if positions[0] != positions[-1]:
        raise ValidationError(
            _(
                "%(where)s: the ring is not closed; its last position must equal "
                "its first position."
            ),
            code="geojson_ring",
            params={"where": where_ring},
        )
    return positions


def _check_polygon(rings: Any, polygon: int) -> list[list[Position]]:
    """Validate the rings of one polygon (exterior ring first)."""
    if not isinstance(rings, list | tuple) or not rings:
        raise ValidationError(
            _("Polygon %(polygon)d must be a non-empty array of linear rings."),
            code="geojson_ring",
            params={"polygon": polygon},
        )
    return [_check_ring(ring, polygon, i) for i, ring in enumerate(rings, start=1)]


def validate_geojson_polygon(value: Any) -> dict[str, Any]:
    """Validate a Polygon/MultiPolygon (or a Feature of one); return the geometry.

    ``value`` may be a dict or JSON text. The result holds only ``type`` and
    ``coordinates`` (positions as lists of floats).
    """
    geometry_type, coordinates = _geojson_geometry(value, ("Polygon", "MultiPolygon"))
    if geometry_type == "Polygon":
        normalized: list[Any] = _check_polygon(coordinates, 1)
    else:
        normalized = [_check_polygon(p, i) for i, p in enumerate(coordinates, start=1)]
    return {"type": geometry_type, "coordinates": normalized}


def _check_line(line: Any, line_no: int) -> list[Position]:
    """Validate one line string of at least 2 positions (1-based ``line_no``)."""
    where_line = _lazy_interpolate(_("Line %(line)d"), {"line": line_no})
    if not isinstance(line, list | tuple) or len(line) < 2:
        raise ValidationError(
            _("%(where)s: a line needs an array of at least 2 positions."),
            code="geojson_coordinates",
            params={"where": where_line},
        )
    return [
        _check_position(
            position,
            _lazy_interpolate(
                _("Line %(line)d, position %(position)d"),
                {"line": line_no, "position": i},
            ),
        )
        for i, position in enumerate(line, start=1)
    ]


def validate_geojson_line(value: Any) -> dict[str, Any]:
    """Validate a LineString/MultiLineString (or a Feature of one); return the geometry."""
    geometry_type, coordinates = _geojson_geometry(value, ("LineString", "MultiLineString"))
    if geometry_type == "LineString":
        normalized: list[Any] = _check_line(coordinates, 1)
    else:
        normalized = [_check_line(line, i) for i, line in enumerate(coordinates, start=1)]
    return {"type": geometry_type, "coordinates": normalized}


def validate_geojson_point(lon: float | Decimal, lat: float | Decimal) -> dict[str, Any]:
    """Validate a longitude/latitude pair; return a GeoJSON Point."""
    position = _check_position([lon, lat], _("Point"))
    return {"type": "Point", "coordinates": position}


# ---------------------------------------------------------------------------
# 5. Railway chainage (公里标)
# ---------------------------------------------------------------------------

_CHAINAGE_RE: Final = re.compile(r"[Kk]?(\d+)\+(\d{3}(?:\.\d+)?)", re.ASCII)


def parse_chainage(text: str) -> int:
    """Parse ``K261+160`` (``K`` optional, decimals rounded) into metres."""
    cleaned = text.strip().replace("＋", "+") if isinstance(text, str) else ""
    match = _CHAINAGE_RE.fullmatch(cleaned)
    if match is None:
        raise ValidationError(
            _(
                "Enter a chainage such as K261+160: kilometres, a plus sign, then exactly "
                "three digits of metres; got %(value)s."
            ),
            code="chainage_format",
            params={"value": text},
        )
    metres = Decimal(match.group(1)) * 1000 + Decimal(match.group(2))
    return int(metres.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_chainage(metres: int) -> str:
    """Format metres as a chainage, e.g. ``261160`` → ``K261+160``."""
    if metres < 0:
        raise ValueError(f"chainage cannot be negative, got {metres!r}")
    km, m = divmod(int(metres), 1000)
    return f"K{km}+{m:03d}"


def validate_chainage_range(start_m: int, end_m: int) -> None:
    """Require ``0 <= start_m < end_m`` (both in metres)."""
    for value in (start_m, end_m):
        if value < 0:
            raise ValidationError(
                _("A chainage cannot be negative; got %(value)s metres."),
                code="chainage_format",
                params={"value": value},
            )
    if end_m <= start_m:
        raise ValidationError(
            _("The end chainage %(end)s must be greater than the start chainage %(start)s."),
            code="chainage_order",
            params={"start": format_chainage(start_m), "end": format_chainage(end_m)},
        )


# ---------------------------------------------------------------------------
# 6. Unified social credit code (GB 32100-2015)
# ---------------------------------------------------------------------------

_USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def validate_uscc(value: str) -> None:
    """Validate a unified social credit code (whitespace and case ignored)."""
    code = "".join(value.split()).upper() if isinstance(value, str) else ""
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code must be 18 characters long; got %(length)d."),
            code="uscc_format",
            params={"length": len(code)},
        )
    bad = sorted({c for c in code if c not in _USCC_ALPHABET})
    if bad:
        raise ValidationError(
            _(
                "A unified social credit code may only use digits and the letters "
                "A–Y except I, O, S, V and Z; found %(chars)s."
            ),
            code="uscc_format",
            params={"chars": "".join(bad)},
        )
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(code[:17], _USCC_WEIGHTS, strict=True))
    expected = _USCC_ALPHABET[(31 - total % 31) % 31]
    if code[17] != expected:
        raise ValidationError(
            _("The check character is wrong: expected %(expected)s."),
            code="uscc_check_digit",
            params={"expected": expected},
        )
