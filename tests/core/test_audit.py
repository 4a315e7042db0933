"""The audit trail: one event per write, with actor, request id and diff; append-only;
identity numbers never enter it; read-only in the API; visible on detail pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import REQUEST_ID, api_url, change_payload, make_payload, page_url, send
from django.db import transaction

from shouwang.core.audit import ACTIONS, label_for, record_event
from shouwang.core.models import AuditEvent
from shouwang.core.registry import REGISTRY
from shouwang.forces.models import Member

HEADERS = {"HTTP_X_REQUEST_ID": REQUEST_ID}


def new_events(since_id: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=since_id).order_by("pk"))


def last_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.mark.parametrize("key", list(REGISTRY))
def test_create_change_delete_each_write_one_event(world: Any, login: Any, key: str) -> None:
    rt = REGISTRY[key]
    label = rt.model._meta.label_lower
    user = world.admin
    client = login(user)

    mark = last_id()
    response = send(
        client, "post", api_url(rt.slug), make_payload(rt.slug, world, "A", n=5), **HEADERS
    )
    assert response.status_code == 201, response.content
    assert response["X-Request-ID"] == REQUEST_ID
    pk = response.json()["id"]
    events = [e for e in new_events(mark) if e.target_type == label]
    assert len(events) == 1
    created = events[0]
    assert created.code == f"{label}.created"
    assert created.actor_id == user.pk and created.actor_name == user.username
    assert created.request_id == REQUEST_ID
    assert created.target_id == str(pk)
    assert created.before is None and created.after
    assert created.code in ACTIONS and label_for(created.code) != created.code

    mark = last_id()
    body, attr, _value = change_payload(key)
    response = send(client, "patch", api_url(rt.slug, pk), body, **HEADERS)
    assert response.status_code == 200, response.content
    events = new_events(mark)
    assert [e.code for e in events] == [f"{label}.changed"]
    changed = events[0]
    assert changed.request_id == REQUEST_ID and changed.actor_id == user.pk
    diff = {name: (old, new) for name, old, new in changed.changes()}
    field = attr.split(".")[0]
    assert field in diff, diff
    assert diff[field][0] != diff[field][1]
    # Only what changed differs between before and after.
    assert len(diff) <= 2, diff

    mark = last_id()
    response = send(client, "delete", api_url(rt.slug, pk), **HEADERS)
    assert response.status_code == 204, response.content
    events = new_events(mark)
    assert [e.code for e in events] == [f"{label}.deleted"]
    deleted = events[0]
    assert deleted.request_id == REQUEST_ID and deleted.actor_id == user.pk
    assert deleted.before and deleted.after is None
    assert deleted.target_id == str(pk)


def test_unchanged_patch_writes_no_event(world: Any, login: Any) -> None:
    client = login("township_staff")
    org = world.a.organisation
    mark = last_id()
    response = send(client, "patch", api_url("organisations", org.pk), {"name": org.name})
    assert response.status_code == 200
    assert new_events(mark) == []


def test_request_id_is_generated_when_missing_or_malformed(world: Any, login: Any) -> None:
    client = login("township_staff")
    mark = last_id()
    response = send(
        client,
        "post",
        api_url("organisations"),
        make_payload("organisations", world, "A"),
        HTTP_X_REQUEST_ID="bad id; drop table",
    )
    assert response.status_code == 201
    event = new_events(mark)[0]
    assert event.request_id and event.request_id != "bad id; drop table"
    assert event.request_id == response["X-Request-ID"]


def test_identity_number_never_enters_the_audit_trail(world: Any, login: Any) -> None:
    client = login("township_staff")
    mark = last_id()
    payload = make_payload("members", world, "A", n=9)
    raw = payload["citizen_id_number"]
    response = send(client, "post", api_url("members"), payload)
    assert response.status_code == 201
    member = Member.objects.get(pk=response.json()["id"])
    assert member.citizen_id_full() == raw
    # change it, change something else, reveal it, delete the member
    other = make_payload("members", world, "A", n=10)["citizen_id_number"]
    assert (
        send(
            client, "patch", api_url("members", member.pk), {"citizen_id_number": other}
        ).status_code
        == 200
    )
    member.refresh_from_db()
    secrets = {raw, other, member.citizen_id_encrypted, member.citizen_id_digest}
    assert send(client, "patch", api_url("members", member.pk), {"name": "改名"}).status_code == 200
    assert (
        client.post(f"/members/{member.pk}/reveal-id/", {"reason": "核实身份"}).status_code == 200
    )
    assert client.delete(api_url("members", member.pk)).status_code == 204
    events = new_events(mark)
    assert {e.code for e in events} >= {
        "forces.member.created",
        "forces.member.changed",
        "forces.member.citizen_id_revealed",
        "forces.member.deleted",
    }
    for event in events:
        text = json.dumps([event.before, event.after, event.reason, event.target_repr])
        for secret in secrets:
            assert secret not in text, event.code
        for part in (event.before or {}, event.after or {}):
            assert "citizen_id_encrypted" not in part and "citizen_id_digest" not in part
    # The masked form may be kept, so a change of number is still visible as a change.
    changed = next(e for e in events if e.code == "forces.member.changed")
    assert "citizen_id_masked" in dict((n, 1) for n, _b, _a in changed.changes())
    # Nor anywhere else in the audit table.
    dump = json.dumps(list(AuditEvent.objects.values("before", "after", "reason")))
    for secret in secrets | {world.a.citizen_id, world.b.citizen_id}:
        assert secret not in dump


def test_audit_rows_cannot_be_updated_or_deleted(world: Any) -> None:
    event = record_event("core.user.login", actor=world.admin, target=world.admin)
    event.reason = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="tampered")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["reason"])
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.reason == ""
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_unregistered_audit_codes_are_refused(world: Any) -> None:
    count = AuditEvent.objects.count()
    with pytest.raises(KeyError):
        record_event("core.user.teleported", actor=world.admin, target=world.admin)
    assert AuditEvent.objects.count() == count


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize(
    "path", ["/api/v1/audit-events", "/api/v1/audit-events/1", "/api/v1/audit-events/"]
)
def test_api_has_no_write_endpoint_for_audit_events(
    world: Any, login: Any, method: str, path: str
) -> None:
    client = login(world.admin)
    event = AuditEvent.objects.order_by("pk").first()
    assert event is not None
    before = list(AuditEvent.objects.values())
    url = path.replace("/1", f"/{event.pk}")
    response = send(client, method, url, {"code": "x", "reason": "tampered"})
    assert response.status_code in (404, 405), (method, url, response.status_code)
    assert list(AuditEvent.objects.values()) == before


def test_audit_events_api_is_read_only_and_scoped(world: Any, login: Any) -> None:
    staff = login("township_staff")
    response = staff.get("/api/v1/audit-events", {"limit": 1000})
    assert response.status_code == 200
    paths = set(
        AuditEvent.objects.filter(pk__in=[e["id"] for e in response.json()]).values_list(
            "jurisdiction_path", flat=True
        )
    )
    assert paths and all(p.startswith(world.a.township.path) for p in paths)
    # A role without core.auditevent view gets 403.
    assert login("patrol_member").get("/api/v1/audit-events").status_code == 403


def test_detail_page_shows_the_history(world: Any, login: Any) -> None:
    client = login("township_staff")
    org = world.a.organisation
    response = send(
        client, "patch", api_url("organisations", org.pk), {"address": "新地址999号"}, **HEADERS
    )
    assert response.status_code == 200
    page = client.get(page_url("organisations", org.pk))
    assert page.status_code == 200
    html = page.content.decode()
    history = page.context["history"]
    codes = [h["event"].code for h in history]
    assert codes[0] == "forces.organisation.changed"
    assert "forces.organisation.created" in codes
    assert "u_township_staff" in html
    assert "新地址999号" in html
    assert str(label_for("forces.organisation.changed")) in html
