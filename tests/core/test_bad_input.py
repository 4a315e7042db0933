"""Invalid input answers 422 with an error naming the field, and writes nothing.

Every case goes through the API as the township office (who may create every record type
involved) and checks the documented error shape
{"detail": ..., "errors": [{"field", "label", "message"}]}, that the named field is the one
at fault, and that neither the record table nor the audit trail changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from conftest import (
    api_url,
    as_form_data,
    citizen_id_for,
    error_fields,
    make_payload,
    page_url,
    send,
)

from shouwang.core.models import AuditEvent
from shouwang.core.registry import REGISTRY, get

CJK = re.compile(r"[\u4e00-\u9fff]")

UNCLOSED_RING = {
    "type": "Polygon",
    "coordinates": [[[107.7, 29.8], [107.8, 29.8], [107.8, 29.9], [107.7, 29.9]]],
}
UNCLOSED_RING_5 = {
    "type": "Polygon",
    "coordinates": [[[107.7, 29.8], [107.8, 29.8], [107.8, 29.9], [107.7, 29.9], [107.71, 29.81]]],
}


def township(world: Any, code: str) -> dict[str, Any]:
    return {
        "name": "新街道",
        "level": "township",
        "stat_division_code": code,
        "parent": world.a.county.pk,
    }


def _bad_citizen_id(world: Any) -> str:
    good = citizen_id_for("A", 321)
    wrong = "0" if good[-1] != "0" else "1"
    return good[:-1] + wrong


# (case id, slug, payload builder(world) -> data, field expected to be named)
Case = tuple[str, str, Callable[[Any], dict[str, Any]], str]

CASES: list[Case] = [
    (
        "division-code-too-short",
        "jurisdictions",
        lambda w: township(w, "50023020900"),
        "stat_division_code",
    ),
    (
        "division-code-too-long",
        "jurisdictions",
        lambda w: township(w, "5002302090001"),
        "stat_division_code",
    ),
    (
        "division-code-letters",
        "jurisdictions",
        lambda w: township(w, "50023020900A"),
        "stat_division_code",
    ),
    (
        "division-code-not-in-parent",
        "jurisdictions",
        # a township whose first 6 digits are not its county's (500230)
        lambda w: township(w, "500232209000"),
        "stat_division_code",
    ),
    (
        "division-code-duplicate",
        "jurisdictions",
        lambda w: {
            **make_payload("jurisdictions", w, "A"),
            "stat_division_code": w.a.grid.stat_division_code,
        },
        "stat_division_code",
    ),
    (
        "citizen-id-check-digit",
        "members",
        lambda w: {**make_payload("members", w, "A"), "citizen_id_number": _bad_citizen_id(w)},
        "citizen_id_number",
    ),
    (
        "citizen-id-duplicate",
        "members",
        lambda w: {**make_payload("members", w, "A"), "citizen_id_number": w.a.citizen_id},
        "citizen_id_number",
    ),
    (
        "geojson-unclosed-ring",
        "zones",
        lambda w: {**make_payload("zones", w, "A"), "geometry": UNCLOSED_RING_5},
        "geometry",
    ),
    (
        "geojson-too-few-positions",
        "zones",
        lambda w: {**make_payload("zones", w, "A"), "geometry": UNCLOSED_RING},
        "geometry",
    ),
    (
        "geojson-boundary-unclosed",
        "jurisdictions",
        lambda w: {**make_payload("jurisdictions", w, "A"), "boundary": UNCLOSED_RING_5},
        "boundary",
    ),
    (
        "geojson-not-an-object",
        "zones",
        lambda w: {**make_payload("zones", w, "A"), "geometry": [107.7, 29.8]},
        "geometry",
    ),
    (
        "geojson-not-json",
        "zones",
        lambda w: {**make_payload("zones", w, "A"), "geometry": "{not json"},
        "geometry",
    ),
    (
        "geojson-line-not-object",
        "routes",
        lambda w: {**make_payload("routes", w, "A"), "geometry": ["LineString"]},
        "geometry",
    ),
    (
        "unknown-role",
        "role-grants",
        lambda w: {**make_payload("role-grants", w, "A"), "role": "sheriff"},
        "role",
    ),
    (
        "duplicate-code-item",
        "code-items",
        lambda w: {
            **make_payload("code-items", w, "A"),
            "code_list": w.a.codeitem.code_list_id,
            "code": w.a.codeitem.code,
        },
        "code",
    ),
    (
        "bad-chainage",
        "segments",
        lambda w: {**make_payload("segments", w, "A"), "start_m": "K12+34"},
        "start_m",
    ),
    (
        "end-chainage-before-start",
        "segments",
        lambda w: {**make_payload("segments", w, "A"), "start_m": "K20+000", "end_m": "K12+340"},
        "end_m",
    ),
    (
        "wrong-type-number",
        "zones",
        lambda w: {**make_payload("zones", w, "A"), "frequency_count": "many"},
        "frequency_count",
    ),
    (
        "missing-required-field",
        "organisations",
        lambda w: {k: v for k, v in make_payload("organisations", w, "A").items() if k != "name"},
        "name",
    ),
    (
        "bad-phone",
        "organisations",
        lambda w: {**make_payload("organisations", w, "A"), "contact_phone": "12345"},
        "contact_phone",
    ),
    (
        "coordinates-outside-china",
        "key-places",
        lambda w: {**make_payload("key-places", w, "A"), "longitude": 2.35, "latitude": 48.85},
        "longitude",
    ),
]


def counts(slug: str) -> tuple[int, int]:
    return get(slug).model.objects.count(), AuditEvent.objects.count()


def assert_field_error(response: Any, field: str) -> None:
    assert response.status_code == 422, response.content
    body = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert isinstance(body.get("errors"), list) and body["errors"], body
    for err in body["errors"]:
        assert set(err) >= {"field", "label", "message"}, err
    fields = error_fields(response)
    assert field in fields, body
    assert all(isinstance(m, str) and m.strip() for m in fields[field]), body
    named = [e for e in body["errors"] if e["field"] == field]
    assert named[0]["label"], body


@pytest.mark.parametrize(
    ("slug", "build", "field"), [pytest.param(c[1], c[2], c[3], id=c[0]) for c in CASES]
)
def test_api_create_refuses_and_writes_nothing(
    world: Any, login: Any, slug: str, build: Callable[[Any], dict[str, Any]], field: str
) -> None:
    # Townships are added by the county office; everything else by the township office.
    payload = build(world)
    actor = "county_supervisor" if payload.get("level") == "township" else "township_staff"
    client = login(actor)
    before = counts(slug)
    response = send(client, "post", api_url(slug), payload)
    assert_field_error(response, field)
    assert counts(slug) == before


def test_same_code_item_twice_second_is_refused(world: Any, login: Any) -> None:
    client = login("township_staff")
    payload = make_payload("code-items", world, "A", n=11)
    assert send(client, "post", api_url("code-items"), payload).status_code == 201
    before = counts("code-items")
    response = send(client, "post", api_url("code-items"), payload)
    assert_field_error(response, "code")
    assert counts("code-items") == before


def test_same_division_code_twice_second_is_refused(world: Any, login: Any) -> None:
    client = login("township_staff")
    payload = make_payload("jurisdictions", world, "A", n=12)
    assert send(client, "post", api_url("jurisdictions"), payload).status_code == 201
    before = counts("jurisdictions")
    response = send(client, "post", api_url("jurisdictions"), {**payload, "name": "另一个网格"})
    assert_field_error(response, "stat_division_code")
    assert counts("jurisdictions") == before


@pytest.mark.parametrize(
    ("slug", "attr", "body", "field"),
    [
        pytest.param("segments", "segment", {"end_m": "K1+000"}, "end_m", id="chainage-order"),
        pytest.param("segments", "segment", {"start_m": "K12+34"}, "start_m", id="chainage"),
        pytest.param(
            "jurisdictions",
            "grid",
            {"stat_division_code": "500231100200001"},
            "stat_division_code",
            id="code-outside-parent",
        ),
        pytest.param(
            "zones", "zone", {"geometry": UNCLOSED_RING_5}, "geometry", id="unclosed-ring"
        ),
        pytest.param(
            "members",
            "member",
            {"citizen_id_number": "50023019850517123"},
            "citizen_id_number",
            id="citizen-id-length",
        ),
    ],
)
def test_api_update_refuses_and_writes_nothing(
    world: Any, login: Any, slug: str, attr: str, body: dict[str, Any], field: str
) -> None:
    client = login("township_staff")
    obj = getattr(world.a, attr)
    model = type(obj)
    row_before = model.objects.filter(pk=obj.pk).values().get()
    audit_before = AuditEvent.objects.count()
    response = send(client, "patch", api_url(slug, obj.pk), body)
    assert_field_error(response, field)
    assert model.objects.filter(pk=obj.pk).values().get() == row_before
    assert AuditEvent.objects.count() == audit_before


def test_page_form_refuses_bad_division_code_and_writes_nothing(world: Any, login: Any) -> None:
    client = login("county_supervisor")
    before = counts("jurisdictions")
    data = as_form_data("jurisdictions", township(world, "50023020900A"))
    response = client.post(page_url("jurisdictions", action="new"), data)
    assert response.status_code == 200  # the form again, with its errors
    form = response.context["form"]
    assert "stat_division_code" in form.errors
    assert all(str(m).strip() for m in form.errors["stat_division_code"])
    assert "field-error" in response.content.decode()
    assert counts("jurisdictions") == before


def test_page_form_refuses_bad_chainage_and_writes_nothing(world: Any, login: Any) -> None:
    client = login("township_staff")
    before = counts("segments")
    data = as_form_data(
        "segments",
        {**make_payload("segments", world, "A"), "start_m": "K20+000", "end_m": "K12+340"},
    )
    response = client.post(page_url("segments", action="new"), data)
    assert response.status_code == 200
    assert "end_m" in response.context["form"].errors
    assert counts("segments") == before


def test_page_form_refuses_malformed_geojson(world: Any, login: Any) -> None:
    client = login("township_staff")
    before = counts("zones")
    data = {**as_form_data("zones", make_payload("zones", world, "A")), "geometry": "{oops"}
    response = client.post(page_url("zones", action="new"), data)
    assert response.status_code == 200
    assert "geometry" in response.context["form"].errors
    assert counts("zones") == before


def test_every_record_type_answers_422_for_empty_input(world: Any, login: Any) -> None:
    """An empty body names at least one required field for every registered record type."""
    client = login("system_admin")
    checked = 0
    for rt in REGISTRY.values():
        required = [n for n, f in rt.form.base_fields.items() if f.required]
        if not required:
            continue
        before = counts(rt.slug)
        response = send(client, "post", api_url(rt.slug), {})
        assert response.status_code == 422, (rt.slug, response.content)
        assert set(error_fields(response)) & set(required), (rt.slug, response.content)
        assert counts(rt.slug) == before
        checked += 1
    assert checked >= len(REGISTRY) - 1


@pytest.mark.xfail(strict=False, reason="Chinese messages need the zh-hans translations")
def test_error_messages_are_chinese_by_default(world: Any, login: Any) -> None:
    client = login("township_staff")
    checked = 0
    for _id, slug, build, field in CASES:
        if slug != "segments":
            continue
        response = send(client, "post", api_url(slug), build(world), HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 422
        assert CJK.search(response.json()["detail"])
        for message in error_fields(response)[field]:
            assert CJK.search(message), message
        checked += 1
    assert checked == 2
