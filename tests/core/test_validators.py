"""Tests for shouwang.core.validators.

Run standalone with::

    .venv/bin/python -m pytest -p no:django tests/core/test_validators.py -q
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from shouwang.core.validators import (
    DIVISION_LEVELS,
    citizen_id_birth_date,
    citizen_id_sex,
    format_chainage,
    make_citizen_id,
    mask_citizen_id,
    mask_phone,
    normalize_citizen_id,
    parse_chainage,
    validate_chainage_range,
    validate_citizen_id,
    validate_division_code,
    validate_division_code_in_parent,
    validate_geojson_line,
    validate_geojson_point,
    validate_geojson_polygon,
    validate_phone,
    validate_uscc,
)

if "DJANGO_SETTINGS_MODULE" not in os.environ and not settings.configured:
    settings.configure(USE_I18N=False)

SAMPLE_ID = "11010519491231002X"  # the GB 11643-1999 sample
FIXED_TODAY = date(2025, 6, 1)


def raises(func: Callable[..., Any], *args: Any, **kwargs: Any) -> ValidationError:
    """Call ``func`` expecting a ValidationError and return it."""
    with pytest.raises(ValidationError) as info:
        func(*args, **kwargs)
    return info.value


def english(error: ValidationError) -> str:
    """Render the (single) message of ``error`` in English."""
    with translation.override("en"):
        (message,) = error.messages
    return message


# --- citizen ID --------------------------------------------------------------


def test_standard_sample_is_valid() -> None:
    assert validate_citizen_id(SAMPLE_ID) is None
    validate_citizen_id("11010519491231002x")
    validate_citizen_id(" 110105 19491231 002x ")


def test_normalize_citizen_id() -> None:
    assert normalize_citizen_id(" 110105 19491231\u3000002x\n") == SAMPLE_ID


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "citizen_id_length"),
        ("11010519491231002", "citizen_id_length"),
        ("11010519491231002XX", "citizen_id_length"),
        ("110105194912310021X", "citizen_id_length"),
        ("1101051949123100XX", "citizen_id_format"),
        ("X10105194912310020", "citizen_id_format"),
        ("11010519491231002Y", "citizen_id_format"),
        ("１１0105194912310020", "citizen_id_format"),  # full-width digits
        ("00010519491231002X", "citizen_id_region"),
        ("16010519491231002X", "citizen_id_region"),
        ("72010519491231002X", "citizen_id_region"),
        ("11010519490231002X", "citizen_id_birth_date"),  # 31 Feb
        ("11010519000229002X", "citizen_id_birth_date"),  # 1900 is not a leap year
        ("11010519491331002X", "citizen_id_birth_date"),
        ("11010518991231002X", "citizen_id_birth_date"),  # before 1900
        ("110105194912310021", "citizen_id_check_digit"),
        ("110105194912310020", "citizen_id_check_digit"),
    ],
)
def test_invalid_citizen_ids(value: str, code: str) -> None:
    error = raises(validate_citizen_id, value, today=FIXED_TODAY)
    assert error.code == code


def test_non_string_citizen_id() -> None:
    assert raises(validate_citizen_id, 110105194912310020).code == "citizen_id_format"


def test_check_digit_message_names_expected_digit() -> None:
    error = raises(validate_citizen_id, "110105194912310021")
    assert error.params == {"expected": "X"}
    assert english(error) == "The check digit is wrong: expected X."


def test_length_message() -> None:
    assert english(raises(validate_citizen_id, "12345")) == (
        "A citizen ID number must be 18 characters long; got 5."
    )


def test_future_birth_date_rejected_with_explicit_today() -> None:
    number = make_citizen_id("110105", date(2025, 6, 2), 1)
    error = raises(validate_citizen_id, number, today=FIXED_TODAY)
    assert error.code == "citizen_id_birth_date"
    assert "2025-06-02" in english(error)
    validate_citizen_id(make_citizen_id("110105", FIXED_TODAY, 1), today=FIXED_TODAY)


def test_future_birth_date_rejected_with_default_today() -> None:
    tomorrow = datetime.now(tz=timezone(timedelta(hours=8))).date() + timedelta(days=2)
    number = make_citizen_id("110105", tomorrow, 1)
    assert raises(validate_citizen_id, number).code == "citizen_id_birth_date"


def test_earliest_birth_date_accepted() -> None:
    number = make_citizen_id("110105", date(1900, 1, 1), 0)
    validate_citizen_id(number)


@pytest.mark.parametrize(
    "prefix", ["11", "15", "21", "37", "46", "54", "65", "71", "81", "83", "93"]
)
def test_region_prefixes_accepted(prefix: str) -> None:
    number = make_citizen_id(prefix + "0101", date(1990, 1, 1), 123)
    validate_citizen_id(number, today=FIXED_TODAY)


@pytest.mark.parametrize(
    ("region", "birth", "seq"),
    [
        ("500230", date(1990, 1, 1), 123),
        ("110105", date(1949, 12, 31), 2),
        ("440300", date(2000, 2, 29), 999),
        ("650102", date(1900, 1, 1), 0),
        ("820000", date(2024, 12, 31), 501),
    ],
)
def test_make_citizen_id_round_trip(region: str, birth: date, seq: int) -> None:
    number = make_citizen_id(region, birth, seq)
    assert len(number) == 18
    assert number.startswith(f"{region}{birth:%Y%m%d}{seq:03d}")
    validate_citizen_id(number, today=FIXED_TODAY)
    assert citizen_id_birth_date(number) == birth
    assert citizen_id_sex(number) == ("male" if seq % 2 else "female")


def test_make_citizen_id_reproduces_standard_sample() -> None:
    assert make_citizen_id("110105", date(1949, 12, 31), 2) == SAMPLE_ID


def test_make_citizen_id_round_trip_many() -> None:
    birth = date(1950, 1, 1)
    for seq in range(0, 1000, 7):
        number = make_citizen_id("500230", birth + timedelta(days=seq * 20), seq)
        validate_citizen_id(number, today=FIXED_TODAY)


@pytest.mark.parametrize(
    ("region", "seq"),
    [("11010", 1), ("1101051", 1), ("11010a", 1), ("110105", -1), ("110105", 1000)],
)
def test_make_citizen_id_rejects_bad_arguments(region: str, seq: int) -> None:
    with pytest.raises(ValueError):
        make_citizen_id(region, date(1990, 1, 1), seq)


def test_citizen_id_sex_and_birth_date() -> None:
    assert citizen_id_sex(SAMPLE_ID) == "female"  # 17th digit 2
    assert citizen_id_sex(make_citizen_id("110105", date(1980, 5, 6), 11)) == "male"
    assert citizen_id_birth_date(SAMPLE_ID) == date(1949, 12, 31)


def test_citizen_id_helpers_reject_invalid_ids() -> None:
    assert raises(citizen_id_sex, "110105194912310021").code == "citizen_id_check_digit"
    assert raises(citizen_id_birth_date, "abc").code == "citizen_id_length"


def test_mask_citizen_id() -> None:
    assert mask_citizen_id("50023019900101123x") == "500230********123X"
    assert mask_citizen_id(SAMPLE_ID) == "110105********002X"
    assert mask_citizen_id("1234567890") == "**********"
    assert mask_citizen_id("") == ""


# --- phone ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        "19912345678",
        " 15000000000 ",
        "010-12345678",
        "01012345678",
        "0755-1234567",
        "0755-12345678-123",
        "021-87654321-123456",
    ],
)
def test_valid_phones(value: str) -> None:
    assert validate_phone(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12812345678",
        "1381234567",
        "138123456789",
        "+8613812345678",
        "010-123456",
        "010-123456789",
        "10-12345678",
        "010-12345678-",
        "010-12345678-1234567",
        "１３８12345678",
        "13812345678\n1",
    ],
)
def test_invalid_phones(value: str) -> None:
    assert raises(validate_phone, value).code == "phone_format"


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("010-12345678") == "010*****5678"
    assert mask_phone("1234567") == "*******"


# --- division codes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("500230000000", "county"),
        ("441900000000", "county"),
        ("500230101000", "township"),
        ("500230101001", "village"),
        ("500230101001001", "grid"),
        ("500230101001999", "grid"),
    ],
)
def test_valid_division_codes(code: str, level: str) -> None:
    assert validate_division_code(code, level) is None
    validate_division_code(f" {code} ", level)


@pytest.mark.parametrize(
    ("code", "level", "error_code"),
    [
        ("50023000000", "county", "division_code_length"),
        ("500230000000000", "county", "division_code_length"),
        ("500230101001", "grid", "division_code_length"),
        ("5002301010010", "village", "division_code_length"),
        ("", "county", "division_code_digits"),
        ("50023a000000", "county", "division_code_digits"),
        ("500230-10100", "township", "division_code_digits"),
        ("５00230000000", "county", "division_code_digits"),
        ("000230000000", "county", "division_code_level"),
        ("500230101000", "county", "division_code_level"),
        ("500230000001", "county", "division_code_level"),
        ("500230000000", "township", "division_code_level"),
        ("500230101001", "township", "division_code_level"),
        ("500230101000", "village", "division_code_level"),
        ("500230000001", "village", "division_code_level"),
        ("500230101001000", "grid", "division_code_level"),
        ("500230101000001", "grid", "division_code_level"),
        ("500230000001001", "grid", "division_code_level"),
    ],
)
def test_invalid_division_codes(code: str, level: str, error_code: str) -> None:
    assert raises(validate_division_code, code, level).code == error_code


def test_division_code_messages() -> None:
    assert english(raises(validate_division_code, "5002301", "township")) == (
        "A township code must be 12 digits long; got 7."
    )
    assert english(raises(validate_division_code, "500230101001", "township")) == (
        "Digits 10–12 of a township code must all be zero; got 500230101001."
    )
    assert english(raises(validate_division_code, "500230101001000", "grid")) == (
        "Digits 13–15 of a grid code cannot all be zero; got 500230101001000."
    )


def test_unknown_division_level_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        validate_division_code("500230000000", "province")


def test_division_levels_order() -> None:
    assert DIVISION_LEVELS == ("county", "township", "village", "grid")


@pytest.mark.parametrize(
    ("code", "level", "parent_code", "parent_level"),
    [
        ("500230000000", "county", None, None),
        ("500230101000", "township", "500230000000", "county"),
        ("500230101001", "village", "500230101000", "township"),
        ("500230101001001", "grid", "500230101001", "village"),
    ],
)
def test_division_in_parent_ok(
    code: str, level: str, parent_code: str | None, parent_level: str | None
) -> None:
    validate_division_code_in_parent(code, level, parent_code, parent_level)


@pytest.mark.parametrize(
    ("code", "level", "parent_code", "parent_level", "error_code"),
    [
        ("500230101000", "township", "500231000000", "county", "division_code_parent"),
        ("500230101001", "village", "500230102000", "township", "division_code_parent"),
        ("500230101001001", "grid", "500230101002", "village", "division_code_parent"),
        ("500230101001", "village", "500230000000", "county", "division_parent_level"),
        ("500230101001001", "grid", "500230101000", "township", "division_parent_level"),
        ("500230101000", "township", "500230000000", None, "division_parent_level"),
        ("500230101000", "township", None, None, "division_parent_level"),
        ("500230000000", "county", "500000000000", "county", "division_parent_level"),
        # the parent code itself is malformed for its level
        ("500230101001", "village", "500230000000", "township", "division_code_level"),
        # the child code itself is malformed
        ("500230101000", "village", "500230101000", "township", "division_code_level"),
    ],
)
def test_division_in_parent_errors(
    code: str, level: str, parent_code: str | None, parent_level: str | None, error_code: str
) -> None:
    error = raises(validate_division_code_in_parent, code, level, parent_code, parent_level)
    assert error.code == error_code


def test_division_parent_messages() -> None:
    error = raises(
        validate_division_code_in_parent, "500230101001", "village", "500230102000", "township"
    )
    assert english(error) == (
        "The village code 500230101001 does not belong to the township 500230102000: "
        "its first 9 digits must be 500230102."
    )
    error = raises(
        validate_division_code_in_parent, "500230101001", "village", "500230000000", "county"
    )
    assert english(error) == "The parent of a village must be a township, not a county."


# --- GeoJSON ---------------------------------------------------------------------

RING = [[106.5, 29.5], [106.6, 29.5], [106.6, 29.6], [106.5, 29.6], [106.5, 29.5]]
POLYGON = {"type": "Polygon", "coordinates": [RING]}


def test_polygon_ok_and_normalized() -> None:
    result = validate_geojson_polygon({**POLYGON, "bbox": [0, 0, 1, 1]})
    assert result == POLYGON
    assert all(isinstance(v, float) for pos in result["coordinates"][0] for v in pos)


def test_polygon_from_json_string_feature_and_tuples() -> None:
    feature = {"type": "Feature", "properties": {"name": "x"}, "geometry": POLYGON}
    assert validate_geojson_polygon(json.dumps(feature)) == POLYGON
    as_tuples = {"type": "Polygon", "coordinates": (tuple(tuple(p) for p in RING),)}
    assert validate_geojson_polygon(as_tuples) == POLYGON
    int_ring = [[106, 29], [107, 29], [107, 30], [106, 29]]
    assert validate_geojson_polygon({"type": "Polygon", "coordinates": [int_ring]}) == {
        "type": "Polygon",
        "coordinates": [[[106.0, 29.0], [107.0, 29.0], [107.0, 30.0], [106.0, 29.0]]],
    }


def test_polygon_with_hole_altitude_and_multipolygon() -> None:
    hole = [[106.52, 29.52], [106.55, 29.52], [106.55, 29.55], [106.52, 29.52]]
    with_alt = [[*p, 250.0] for p in RING]
    poly = {"type": "Polygon", "coordinates": [with_alt, hole]}
    assert validate_geojson_polygon(poly)["coordinates"][0][0] == [106.5, 29.5, 250.0]
    multi = {"type": "MultiPolygon", "coordinates": [[RING], [RING, hole]]}
    assert validate_geojson_polygon(multi) == multi


def bad_ring(index: int, position: Any) -> list[Any]:
    ring: list[Any] = [list(p) for p in RING]
    ring[index] = position
    return ring


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("{not json", "geojson_invalid"),
        ("[1, 2]", "geojson_invalid"),
        (42, "geojson_invalid"),
        ({"type": "Feature", "geometry": None}, "geojson_invalid"),
        ({"type": "Polygon"}, "geojson_invalid"),
        ({"type": "Polygon", "coordinates": "x"}, "geojson_invalid"),
        ({"type": "Point", "coordinates": [106.5, 29.5]}, "geojson_type"),
        ({"type": "LineString", "coordinates": RING}, "geojson_type"),
        ({"coordinates": [RING]}, "geojson_type"),
        ({"type": "FeatureCollection", "features": []}, "geojson_type"),
        ({"type": "Polygon", "coordinates": []}, "geojson_coordinates"),
        ({"type": "MultiPolygon", "coordinates": []}, "geojson_coordinates"),
        ({"type": "MultiPolygon", "coordinates": [[]]}, "geojson_ring"),
        ({"type": "Polygon", "coordinates": [RING[:3]]}, "geojson_ring"),
        ({"type": "Polygon", "coordinates": [RING[:4]]}, "geojson_ring"),  # not closed
        ({"type": "Polygon", "coordinates": [106.5]}, "geojson_ring"),
        ({"type": "Polygon", "coordinates": [bad_ring(1, [106.6])]}, "geojson_coordinates"),
        ({"type": "Polygon", "coordinates": [bad_ring(1, [1, 2, 3, 4])]}, "geojson_coordinates"),
        ({"type": "Polygon", "coordinates": [bad_ring(1, ["106", 29])]}, "geojson_coordinates"),
        ({"type": "Polygon", "coordinates": [bad_ring(1, [True, 29])]}, "geojson_coordinates"),
        ({"type": "Polygon", "coordinates": [bad_ring(1, 106.6)]}, "geojson_coordinates"),
        (
            {"type": "Polygon", "coordinates": [bad_ring(1, [float("nan"), 29.5])]},
            "geojson_coordinates",
        ),
        ({"type": "Polygon", "coordinates": [bad_ring(1, [190, 29.5])]}, "geojson_coordinates"),
        ({"type": "Polygon", "coordinates": [bad_ring(1, [106.6, -91])]}, "geojson_coordinates"),
        ({"type": "Polygon", "coordinates": [bad_ring(1, [29.5, 106.6])]}, "geojson_coordinates"),
        ({"type": "Polygon", "coordinates": [bad_ring(1, [-0.1, 51.5])]}, "geojson_outside_china"),
        ({"type": "Polygon", "coordinates": [bad_ring(1, [106.6, 60])]}, "geojson_outside_china"),
        ({"type": "Polygon", "coordinates": [bad_ring(1, [140, 35])]}, "geojson_outside_china"),
    ],
)
def test_polygon_errors(value: Any, code: str) -> None:
    assert raises(validate_geojson_polygon, value).code == code


def test_polygon_errors_say_where() -> None:
    error = raises(validate_geojson_polygon, {"type": "Polygon", "coordinates": [RING[:4]]})
    assert english(error).startswith("Polygon 1, ring 1: the ring is not closed")

    short = {"type": "Polygon", "coordinates": [RING, RING[:3]]}
    assert english(raises(validate_geojson_polygon, short)) == (
        "Polygon 1, ring 2: a linear ring needs at least 4 positions; got 3."
    )

    multi = {"type": "MultiPolygon", "coordinates": [[RING], [RING, bad_ring(2, [190, 29])]]}
    assert english(raises(validate_geojson_polygon, multi)) == (
        "Polygon 2, ring 2, position 3: longitude 190 is outside the range -180 to 180."
    )

    outside = {"type": "Polygon", "coordinates": [bad_ring(3, [2.35, 48.85])]}
    message = english(raises(validate_geojson_polygon, outside))
    assert message.startswith("Polygon 1, ring 1, position 4: longitude 2.35, latitude 48.85")


def test_line_ok() -> None:
    line = {"type": "LineString", "coordinates": [[106.5, 29.5], [106.6, 29.6]]}
    assert validate_geojson_line(line) == line
    multi = {"type": "MultiLineString", "coordinates": [RING, [[106.5, 29.5, 3], [106.6, 29.6, 4]]]}
    assert validate_geojson_line(json.dumps({"type": "Feature", "geometry": multi})) == multi


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "geojson_invalid"),
        (POLYGON, "geojson_type"),
        ({"type": "LineString", "coordinates": []}, "geojson_coordinates"),
        ({"type": "LineString", "coordinates": [[106.5, 29.5]]}, "geojson_coordinates"),
        ({"type": "MultiLineString", "coordinates": [[[106.5, 29.5]]]}, "geojson_coordinates"),
        ({"type": "LineString", "coordinates": [[106.5, 29.5], [106.6]]}, "geojson_coordinates"),
        ({"type": "LineString", "coordinates": [[106.5, 29.5], [0, 0]]}, "geojson_outside_china"),
    ],
)
def test_line_errors(value: Any, code: str) -> None:
    assert raises(validate_geojson_line, value).code == code


def test_line_error_says_where() -> None:
    multi = {"type": "MultiLineString", "coordinates": [RING, [[106.5, 29.5], [106.6, 95]]]}
    assert english(raises(validate_geojson_line, multi)) == (
        "Line 2, position 2: latitude 95 is outside the range -90 to 90."
    )


def test_point() -> None:
    assert validate_geojson_point(106.55, 29.56) == {
        "type": "Point",
        "coordinates": [106.55, 29.56],
    }
    assert validate_geojson_point(Decimal("106.55"), Decimal("29.56"))["coordinates"] == [
        106.55,
        29.56,
    ]
    assert raises(validate_geojson_point, 181, 29).code == "geojson_coordinates"
    assert raises(validate_geojson_point, 106, 91).code == "geojson_coordinates"
    assert raises(validate_geojson_point, 0, 0).code == "geojson_outside_china"
    error = raises(validate_geojson_point, 29.56, 106.55)  # swapped
    assert error.code == "geojson_coordinates"
    assert english(error) == "Point: latitude 106.55 is outside the range -90 to 90."


# --- chainage ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "metres"),
    [
        ("K261+160", 261160),
        ("k261+160", 261160),
        (" K261+160 ", 261160),
        ("K261+160.5", 261161),
        ("K261+160.49", 261160),
        ("K261+999.5", 262000),
        ("261+160", 261160),
        ("K0+000", 0),
        ("K0+007", 7),
        ("K1234+005", 1234005),
        ("K261＋160", 261160),
    ],
)
def test_parse_chainage(text: str, metres: int) -> None:
    assert parse_chainage(text) == metres


@pytest.mark.parametrize(
    "text",
    [
        "",
        "K",
        "K261",
        "K261+16",
        "K261+1600",
        "K261-160",
        "KK261+160",
        "K+160",
        "K261+160.",
        "DK261+160",
        "K 261+160",
        "K-1+000",
    ],
)
def test_parse_chainage_errors(text: str) -> None:
    error = raises(parse_chainage, text)
    assert error.code == "chainage_format"
    assert text in english(error)


@pytest.mark.parametrize(
    ("metres", "text"), [(261160, "K261+160"), (0, "K0+000"), (7, "K0+007"), (1000, "K1+000")]
)
def test_format_chainage(metres: int, text: str) -> None:
    assert format_chainage(metres) == text
    assert parse_chainage(format_chainage(metres)) == metres


def test_format_chainage_rejects_negative() -> None:
    with pytest.raises(ValueError):
        format_chainage(-1)


def test_chainage_range() -> None:
    validate_chainage_range(0, 1)
    validate_chainage_range(261160, 262000)
    error = raises(validate_chainage_range, 262000, 261160)
    assert error.code == "chainage_order"
    assert english(error) == (
        "The end chainage K261+160 must be greater than the start chainage K262+000."
    )
    assert raises(validate_chainage_range, 5, 5).code == "chainage_order"
    assert raises(validate_chainage_range, -5, 5).code == "chainage_format"


# --- USCC ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["91350100M000100Y43", "91110000600037341L", " 91350100m000100y43 "]
)
def test_valid_uscc(value: str) -> None:
    assert validate_uscc(value) is None


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "uscc_format"),
        ("91350100M000100Y4", "uscc_format"),
        ("91350100M000100Y433", "uscc_format"),
        ("91350100I000100Y43", "uscc_format"),
        ("91350100M000100Y4Z", "uscc_format"),
        ("91350100M000100Y44", "uscc_check_digit"),
        ("91350100M000100Y4A", "uscc_check_digit"),
    ],
)
def test_invalid_uscc(value: str, code: str) -> None:
    assert raises(validate_uscc, value).code == code


def test_uscc_messages() -> None:
    assert english(raises(validate_uscc, "91350100M000100Y44")) == (
        "The check character is wrong: expected 3."
    )
    assert "found IO" in english(raises(validate_uscc, "91350100O000100I43"))
