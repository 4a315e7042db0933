"""Responsibility pledges (责任书): one per counterpart and year, exactly one counterpart of the
township, the workflow drafted → signed → fulfilled / breached (incl. illegal steps), the signed
copy (type and size refused on the field, stored, served only in scope), the "without a signed
pledge" page and API, and the page steps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import api_url, error_fields, send
from django.core.files.uploadedfile import SimpleUploadedFile

from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.governance import services
from shouwang.governance.models import PledgeTransition, ResponsibilityPledge

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def office(world: Any) -> Any:
    return world.users["township_staff"]


def pledge_data(world: Any, side: str = "A", **over: Any) -> dict[str, Any]:
    from world_extensions.governance import _pledge, _service_data

    s = world.sides[side]
    return _service_data({**_pledge(world, s, side, 0), **over})


def new_pledge(world: Any, side: str = "A", **over: Any) -> ResponsibilityPledge:
    return services.create_pledge(actor=world.admin, data=pledge_data(world, side, **over))


def upload(content: bytes = PDF, name: str = "责任书.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


# -- one pledge per counterpart and year ---------------------------------------------------------


def test_one_pledge_per_village_and_year(world: Any) -> None:
    first = new_pledge(world)
    assert (first.status, first.year, first.village_id) == ("drafted", 2030, world.a.village.pk)
    assert first.target_lines == ["九无", "杜绝重大刑事案件", "矛盾纠纷不出村"]
    with pytest.raises(RecordInvalid) as exc:
        new_pledge(world)
    assert list(exc.value.errors) == ["village"]
    # Another year is another pledge.
    assert new_pledge(world, year=2031).year == 2031
    assert ResponsibilityPledge.objects.filter(village=world.a.village).count() == 3  # + 2029


def test_one_pledge_per_unit_and_year_through_the_api(world: Any, login: Any) -> None:
    client = login("township_staff")
    body = {**pledge_data(world), "village": None, "unit": world.a.organisation.pk}
    r = send(client, "post", api_url("responsibility-pledges"), body)
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "drafted"
    r = send(client, "post", api_url("responsibility-pledges"), body)
    assert r.status_code == 422
    assert list(error_fields(r)) == ["unit"]
    assert ResponsibilityPledge.objects.filter(unit=world.a.organisation).count() == 1


def test_exactly_one_counterpart_of_the_township(world: Any) -> None:
    with pytest.raises(RecordInvalid) as exc:
        new_pledge(world, village="", unit="")
    assert "village" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        new_pledge(world, unit=world.a.organisation.pk)
    assert "village" in exc.value.errors
    # A village of another township, a township instead of a village.
    with pytest.raises(RecordInvalid) as exc:
        new_pledge(world, village=world.b.village.pk)
    assert "village" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        new_pledge(world, jurisdiction=world.a.county.pk)
    assert "jurisdiction" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        new_pledge(world, targets="  \n ")
    assert "targets" in exc.value.errors


# -- the signed copy -----------------------------------------------------------------------------


def test_sign_refuses_missing_wrong_type_and_too_large_files(
    world: Any, office: Any, media: Path, settings: Any
) -> None:
    pledge = new_pledge(world)
    for bad in (
        None,
        upload(b"", "empty.pdf"),
        upload(b"just text pretending to be a PDF", "fake.pdf"),
        upload(b"MZ\x90\x00 an executable", "scan.png"),
    ):
        with pytest.raises(RecordInvalid) as exc:
            services.sign_pledge(pledge, actor=office, signed_on="2026-01-10", upload=bad)
        assert list(exc.value.errors) == ["signed_copy"]
    settings.SHOUWANG_MAX_UPLOAD_BYTES = 50
    with pytest.raises(RecordInvalid) as exc:
        services.sign_pledge(pledge, actor=office, signed_on="2026-01-10", upload=upload(PDF))
    assert list(exc.value.errors) == ["signed_copy"]
    assert "MB" in exc.value.errors["signed_copy"][0]
    pledge.refresh_from_db()
    assert pledge.status == "drafted" and not pledge.signed_copy
    assert stored_files(media) == []
    # The day is required and not in the future.
    settings.SHOUWANG_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    with pytest.raises(RecordInvalid) as exc:
        services.sign_pledge(pledge, actor=office, signed_on="", upload=upload())
    assert list(exc.value.errors) == ["signed_on"]
    with pytest.raises(RecordInvalid) as exc:
        services.sign_pledge(pledge, actor=office, signed_on="2099-01-01", upload=upload())
    assert list(exc.value.errors) == ["signed_on"]


def test_sign_stores_the_copy_and_records_the_step(world: Any, office: Any, media: Path) -> None:
    pledge = new_pledge(world)
    services.sign_pledge(
        pledge,
        actor=office,
        signed_on="2026-01-10",
        signatories="街道办主任王某；社区书记李某",
        upload=upload(PNG, "photo.jpg"),
    )
    pledge.refresh_from_db()
    assert pledge.status == "signed"
    assert pledge.signed_on.isoformat() == "2026-01-10"
    assert pledge.signatories == "街道办主任王某；社区书记李某"
    # Typed by its content (PNG), not by the name it came with.
    assert pledge.signed_copy_type == "image/png"
    assert pledge.signed_copy.name.startswith("governance/pledges/2030/")
    assert pledge.signed_copy.name.endswith(".png")
    files = stored_files(media)
    assert len(files) == 1 and files[0].read_bytes() == PNG
    assert [(t.from_status, t.to_status) for t in pledge.transitions.all()] == [
        ("", "drafted"),
        ("drafted", "signed"),
    ]
    event = AuditEvent.objects.get(code="governance.pledge.signed", target_id=str(pledge.pk))
    assert event.after["signed_on"] == "2026-01-10"
    assert event.after["size"] == len(PNG)


def test_signing_needs_signatories(world: Any, office: Any, media: Path) -> None:
    pledge = new_pledge(world, signatories="")
    with pytest.raises(RecordInvalid) as exc:
        services.sign_pledge(pledge, actor=office, signed_on="2026-01-10", upload=upload())
    assert "signatories" in exc.value.errors
    pledge.refresh_from_db()
    assert pledge.status == "drafted"
    # The stored file of the refused step is removed again.
    assert stored_files(media) == []


# -- the workflow --------------------------------------------------------------------------------


def test_status_steps_and_illegal_ones(world: Any, office: Any, media: Path) -> None:
    pledge = new_pledge(world)
    with pytest.raises(RecordInvalid) as exc:
        services.fulfil_pledge(pledge, actor=office)
    assert "status" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        services.breach_pledge(pledge, actor=office, reason="发生刑事案件")
    assert "status" in exc.value.errors
    services.sign_pledge(pledge, actor=office, signed_on="2026-01-10", upload=upload())
    with pytest.raises(RecordInvalid) as exc:
        services.sign_pledge(pledge, actor=office, signed_on="2026-01-11", upload=upload())
    assert "status" in exc.value.errors
    # A signed pledge is neither changed nor deleted.
    with pytest.raises(RecordInvalid) as exc:
        services.update_pledge(pledge, actor=office, data={"targets": "改过"})
    assert "status" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        services.delete_pledge(pledge, actor=office)
    assert "status" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        services.breach_pledge(pledge, actor=office, reason=" ")
    assert "reason" in exc.value.errors
    services.breach_pledge(pledge, actor=office, reason="辖区发生命案")
    pledge.refresh_from_db()
    assert (pledge.status, pledge.breach_reason) == ("breached", "辖区发生命案")
    assert pledge.assessed_on is not None
    with pytest.raises(RecordInvalid) as exc:
        services.fulfil_pledge(pledge, actor=office)
    assert "status" in exc.value.errors
    assert PledgeTransition.objects.filter(pledge=pledge).count() == 3


def test_fulfil_through_the_api(world: Any, login: Any, office: Any, media: Path) -> None:
    pledge = new_pledge(world)
    viewer = login("grid_worker")
    client = login("township_staff")
    url = f"/api/v1/governance/pledges/{pledge.pk}"
    r = client.post(f"{url}/sign", {"signed_on": "2026-01-10", "signed_copy": upload(b"GIF89a")})
    assert r.status_code == 422
    assert list(error_fields(r)) == ["signed_copy"]
    r = viewer.post(f"{url}/sign", {"signed_on": "2026-01-10", "signed_copy": upload()})
    assert r.status_code == 403
    r = client.post(f"{url}/sign", {"signed_on": "2026-01-10", "signed_copy": upload()})
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["signed_copy"]) == ("signed", True)
    copy = client.get(f"{url}/signed-copy")
    assert copy.status_code == 200
    assert copy["Content-Type"] == "application/pdf"
    assert b"".join(copy.streaming_content) == PDF
    r = send(client, "post", f"{url}/breach", {"reason": ""})
    assert r.status_code == 422 and "reason" in error_fields(r)
    r = send(client, "post", f"{url}/fulfil")
    assert r.status_code == 200
    assert r.json()["status"] == "fulfilled"
    # The status is not writable through the record API.
    send(client, "patch", api_url("responsibility-pledges", pledge.pk), {"status": "drafted"})
    pledge.refresh_from_db()
    assert pledge.status == "fulfilled"


def test_signed_copy_is_served_only_in_scope(world: Any, login: Any, media: Path) -> None:
    pledge_b = new_pledge(world, "B")
    services.sign_pledge(pledge_b, actor=world.admin, signed_on="2026-01-10", upload=upload())
    client = login("township_staff")
    assert client.get(f"/governance/pledges/{pledge_b.pk}/signed-copy").status_code == 404
    r = client.get(f"/api/v1/governance/pledges/{pledge_b.pk}/signed-copy")
    assert r.status_code == 404
    # A drafted pledge has no copy yet.
    pledge_a = new_pledge(world)
    assert client.get(f"/governance/pledges/{pledge_a.pk}/signed-copy").status_code == 404


# -- villages and units without a signed pledge --------------------------------------------------


def test_missing_pledges_lists_villages_and_units(world: Any, office: Any, media: Path) -> None:
    a = world.a
    rows = services.missing_pledges(a.township, 2029, user=office)
    # The world's drafted pledge of 2029 does not count as signed.
    assert [(r.kind, r.counterpart.pk) for r in rows] == [
        ("village", a.village.pk),
        ("unit", a.organisation.pk),
    ]
    assert rows[0].pledge == a.extra["responsibilitypledge"]
    services.sign_pledge(
        a.extra["responsibilitypledge"], actor=office, signed_on="2026-01-10", upload=upload()
    )
    rows = services.missing_pledges(a.township, 2029, user=office)
    assert [(r.kind, r.counterpart.pk, r.pledge) for r in rows] == [
        ("unit", a.organisation.pk, None)
    ]
    # Another year: both again, without a draft.
    rows = services.missing_pledges(a.township, 2028, user=office)
    assert [(r.kind, r.pledge) for r in rows] == [("village", None), ("unit", None)]


def test_missing_pledges_page_and_api(world: Any, login: Any) -> None:
    client = login("township_staff")
    a = world.a
    r = client.get(f"/api/v1/governance/pledges/missing?jurisdiction={a.township.pk}&year=2029")
    assert r.status_code == 200
    body = r.json()
    assert body["year"] == 2029
    assert [(m["kind"], m["id"], m["pledge_status"]) for m in body["missing"]] == [
        ("village", a.village.pk, "drafted"),
        ("unit", a.organisation.pk, None),
    ]
    r = client.get(f"/api/v1/governance/pledges/missing?jurisdiction={a.village.pk}&year=2029")
    assert r.status_code == 422 and "jurisdiction" in error_fields(r)
    r = client.get(f"/api/v1/governance/pledges/missing?jurisdiction={a.township.pk}&year=x")
    assert r.status_code == 422 and "year" in error_fields(r)
    r = client.get(f"/api/v1/governance/pledges/missing?jurisdiction={world.b.township.pk}")
    assert r.status_code == 404
    page = client.get(f"/governance/pledges/missing/?jurisdiction={a.township.pk}&year=2029")
    assert page.status_code == 200
    text = page.content.decode()
    assert a.village.name in text and a.organisation.name in text
    assert world.b.village.name not in text
    listing = client.get("/r/responsibility-pledges/").content.decode()
    assert "/governance/pledges/missing/" in listing


# -- the page steps ------------------------------------------------------------------------------


def test_pledge_page_steps(world: Any, login: Any, media: Path) -> None:
    pledge = new_pledge(world)
    client = login("township_staff")
    page = client.get(f"/r/responsibility-pledges/{pledge.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "杜绝重大刑事案件" in text
    assert f"/governance/pledges/{pledge.pk}/sign/" in text
    assert 'enctype="multipart/form-data"' in text
    r = client.post(
        f"/governance/pledges/{pledge.pk}/sign/",
        {"signed_on": "2026-01-10", "signatories": "王某；李某", "signed_copy": upload(b"no")},
        follow=True,
    )
    assert r.status_code == 200
    pledge.refresh_from_db()
    assert pledge.status == "drafted"
    assert len(list(r.context["messages"])) == 1
    r = client.post(
        f"/governance/pledges/{pledge.pk}/sign/",
        {"signed_on": "2026-01-10", "signatories": "王某；李某", "signed_copy": upload()},
    )
    assert r.status_code == 302
    pledge.refresh_from_db()
    assert (pledge.status, pledge.signatories) == ("signed", "王某；李某")
    text = client.get(f"/r/responsibility-pledges/{pledge.pk}/").content.decode()
    assert f"/governance/pledges/{pledge.pk}/signed-copy" in text
    assert f"/governance/pledges/{pledge.pk}/fulfil/" in text
    client.post(f"/governance/pledges/{pledge.pk}/breach/", {"reason": "发生重大案件"})
    pledge.refresh_from_db()
    assert pledge.status == "breached"
    # A viewer sees no step forms and may not take a step.
    viewer = login("grid_worker")
    other = new_pledge(world, year=2033)
    text = viewer.get(f"/r/responsibility-pledges/{other.pk}/").content.decode()
    assert f"/governance/pledges/{other.pk}/sign/" not in text
    viewer.post(
        f"/governance/pledges/{other.pk}/sign/",
        {"signed_on": "2026-01-10", "signatories": "王某", "signed_copy": upload()},
    )
    other.refresh_from_db()
    assert other.status == "drafted"
