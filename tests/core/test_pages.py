"""Pages of every registered record type: list (with a filter and a search), detail, create
and edit render for the administrator; forms save through the services; list pages make a
bounded number of queries however many rows they show."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import (
    GRANT_COMBOS,
    as_form_data,
    change_payload,
    create_record,
    make_payload,
    page_url,
)
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shouwang.core.models import AuditEvent
from shouwang.core.registry import REGISTRY, RecordType

MAX_LIST_QUERIES = 15
ROWS = 20


def _resolve(obj: Any, lookup: str) -> Any:
    for part in lookup.split("__"):
        obj = getattr(obj, part)
    return obj


def filter_param(rt: RecordType, record: Any) -> tuple[str, str]:
    """The first declared filter, with the value that matches `record`."""
    name = rt.filters[0]
    field = rt.model._meta.get_field(name)
    if field.many_to_many:
        value: Any = getattr(record, name).values_list("pk", flat=True).first()
    elif field.is_relation:
        value = getattr(record, field.attname)
    else:
        value = getattr(record, name)
    if isinstance(value, bool):
        value = "true" if value else "false"
    return name, str(value)


def search_param(rt: RecordType, record: Any) -> str:
    value = str(_resolve(record, rt.search[0]))
    return value[:4] if len(value) > 4 else value


KEYS = list(REGISTRY)


@pytest.mark.parametrize("key", KEYS)
def test_list_page_with_filter_and_search(world: Any, login: Any, key: str) -> None:
    rt = REGISTRY[key]
    record = world.a.record(key)
    client = login(world.admin)
    plain = client.get(page_url(rt.slug))
    assert plain.status_code == 200
    assert plain.context["rows"], "the list shows rows"

    assert rt.filters and rt.search, f"{key} declares no filters or search"
    name, value = filter_param(rt, record)
    q = search_param(rt, record)
    response = client.get(page_url(rt.slug), {name: value, "q": q})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"/r/{rt.slug}/{record.pk}/" in html, (name, value, q)
    shown = {obj.pk for obj, _cells in response.context["rows"]}
    assert record.pk in shown
    # The filter and the search narrow the list: every row shown matches both.
    expected = set(
        rt.filter_queryset(rt.model.objects.all(), {name: value, "q": q}).values_list(
            "pk", flat=True
        )
    )
    assert shown <= expected
    nothing = client.get(page_url(rt.slug), {"q": "绝对没有的内容zzz"})
    assert nothing.status_code == 200
    assert nothing.context["rows"] == []


@pytest.mark.parametrize("key", KEYS)
def test_detail_create_and_edit_pages_render(world: Any, login: Any, key: str) -> None:
    rt = REGISTRY[key]
    record = world.a.record(key)
    client = login(world.admin)
    detail = client.get(page_url(rt.slug, record.pk))
    assert detail.status_code == 200
    assert str(record) in detail.content.decode()
    assert detail.context["obj"].pk == record.pk
    assert detail.context["history"], "the record was created through a service"
    new = client.get(page_url(rt.slug, action="new"))
    assert new.status_code == 200
    assert set(rt.form.base_fields) <= set(new.context["form"].fields)
    edit = client.get(page_url(rt.slug, record.pk, "edit"))
    assert edit.status_code == 200
    assert edit.context["form"].instance.pk == record.pk
    delete = client.get(page_url(rt.slug, record.pk, "delete"))
    assert delete.status_code == 200


@pytest.mark.parametrize("key", KEYS)
def test_page_forms_create_edit_and_delete(world: Any, login: Any, key: str) -> None:
    rt = REGISTRY[key]
    model = rt.model
    client = login("system_admin")
    before = model.objects.count()
    audit = AuditEvent.objects.count()
    data = as_form_data(rt.slug, make_payload(rt.slug, world, "A", n=8))
    response = client.post(page_url(rt.slug, action="new"), data)
    assert response.status_code == 302, (
        response.context["form"].errors if response.context else response
    )
    assert model.objects.count() == before + 1
    created = model.objects.order_by("-pk").first()
    assert response["Location"] == page_url(rt.slug, created.pk)
    assert AuditEvent.objects.count() == audit + 1

    # The edit form saves a change through the update service (one more event).
    edit = client.get(page_url(rt.slug, created.pk, "edit"))
    assert edit.status_code == 200
    body, attr, value = change_payload(key)
    changed = {**data, **body}
    response = client.post(page_url(rt.slug, created.pk, "edit"), changed)
    assert response.status_code == 302, (
        response.context["form"].errors if response.context else response
    )
    fresh = model.objects.get(pk=created.pk)
    assert _resolve(fresh, attr.replace(".", "__")) == value
    assert AuditEvent.objects.count() == audit + 2

    response = client.post(page_url(rt.slug, created.pk, "delete"))
    assert response.status_code == 302
    assert not model.objects.filter(pk=created.pk).exists()
    assert AuditEvent.objects.count() == audit + 3


def _fill(rt: RecordType, world: Any, rows: int) -> None:
    limit = len(GRANT_COMBOS) if rt.key == "rolegrant" else rows
    for n in range(min(rows, limit)):
        create_record(rt.slug, world, "A", n=30 + n if rt.key != "rolegrant" else n)


def _list_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["admin", "township_staff"])
@pytest.mark.parametrize("key", KEYS)
def test_list_page_query_count_is_bounded(
    world: Any, login: Any, django_assert_max_num_queries: Any, key: str, role: str
) -> None:
    rt = REGISTRY[key]
    client = login(world.admin if role == "admin" else role)
    url = page_url(rt.slug)
    few = _list_queries(client, url)
    _fill(rt, world, ROWS)
    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    shown = len(response.context["rows"])
    if role == "admin":
        assert shown >= ROWS
    many = _list_queries(client, url)
    # No query per row (N+1): the count does not grow with the rows shown.
    assert many == few, f"{key}: {few} queries for a few rows, {many} for {shown}"


def test_page_edit_can_untick_a_box_and_empty_a_multi_select(world: Any, login: Any) -> None:
    """A page form is complete: what is not posted is cleared, not kept."""
    client = login("township_staff")
    place = create_record("key-places", world, "A", n=2)
    zone = create_record("zones", world, "A", n=2)
    assert place.is_checkpoint and zone.villages.exists()
    data = as_form_data("key-places", make_payload("key-places", world, "A", n=2))
    data.pop("is_checkpoint")
    response = client.post(page_url("key-places", place.pk, "edit"), data)
    assert response.status_code == 302
    place.refresh_from_db()
    assert place.is_checkpoint is False
    data = as_form_data("zones", make_payload("zones", world, "A", n=2))
    data.pop("villages")
    response = client.post(page_url("zones", zone.pk, "edit"), data)
    assert response.status_code == 302
    assert not zone.villages.exists()


def test_api_patch_keeps_what_it_does_not_send(world: Any, login: Any) -> None:
    """An API PATCH is partial: booleans and many-to-many links not sent are kept."""
    from conftest import api_url, send

    client = login("township_staff")
    place = create_record("key-places", world, "A", n=3)
    member = create_record("members", world, "A", n=3)
    assert send(client, "patch", api_url("key-places", place.pk), {"note": "改"}).status_code == 200
    assert (
        send(client, "patch", api_url("members", member.pk), {"phone": "13700001111"}).status_code
        == 200
    )
    place.refresh_from_db()
    assert place.is_checkpoint is True and place.note == "改"
    assert list(member.teams.values_list("pk", flat=True)) == [world.a.team.pk]
    assert member.citizen_id_masked
