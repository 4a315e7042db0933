"""Screenings (zero reports, one per village and week, missing ones found), figures on a small
hand-checked set, the ledger export, the agreement PDF, party phones encrypted and masked,
the pages, the inbox and the map."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from conftest import api_url, error_fields, send

from shouwang.core import cases
from shouwang.core.records import RecordInvalid
from shouwang.disputes import services, workflow
from shouwang.disputes.inbox import centroid
from shouwang.disputes.models import Dispute, DisputeParty, Screening

from .conftest import new_dispute, resolved, session


def screening_data(world: Any, week: str, found: int = 0, screened_on: str = "") -> dict[str, Any]:
    monday = dt.date.fromisoformat(week)
    return {
        "village": world.a.village.pk,
        "week": week,
        "screened_on": screened_on or (monday + dt.timedelta(days=1)).isoformat(),
        "disputes_found": found,
        "note": "",
    }


# -- screenings ---------------------------------------------------------------------------------


def test_zero_report_is_recorded_and_the_week_kept_as_monday(world: Any, login: Any) -> None:
    client = login("grid_worker")
    r = send(client, "post", api_url("dispute-screenings"), screening_data(world, "2026-11-19"))
    assert r.status_code == 201, r.content
    s = Screening.objects.get(pk=r.json()["id"])
    assert s.week == dt.date(2026, 11, 16)  # a Thursday given: stored as its Monday
    assert s.is_zero_report and s.screened_by == world.users["grid_worker"]
    # One per village and week.
    again = send(client, "post", api_url("dispute-screenings"), screening_data(world, "2026-11-16"))
    assert again.status_code == 422
    assert "week" in error_fields(again)
    assert (
        Screening.objects.filter(village=world.a.village, week=dt.date(2026, 11, 16)).count() == 1
    )


def test_screening_must_be_a_village_and_not_before_its_week(world: Any, login: Any) -> None:
    client = login("township_staff")
    data = {**screening_data(world, "2026-11-09"), "village": world.a.township.pk}
    r = send(client, "post", api_url("dispute-screenings"), data)
    assert r.status_code == 422 and "village" in error_fields(r)
    data = screening_data(world, "2026-11-09", screened_on="2026-11-01")
    r = send(client, "post", api_url("dispute-screenings"), data)
    assert r.status_code == 422 and "screened_on" in error_fields(r)


def test_missing_screenings_and_zero_reports(world: Any, login: Any) -> None:
    from shouwang.core import services as core

    admin = world.admin
    second = core.create_jurisdiction(
        actor=admin,
        data={
            "name": "甲二村",
            "level": "village",
            "stat_division_code": "500230209201",
            "parent": world.a.township.pk,
        },
    )
    staff = world.users["township_staff"]
    services.create_screening(actor=staff, data=screening_data(world, "2026-11-09", found=2))
    services.create_screening(actor=staff, data=screening_data(world, "2026-11-16"))
    services.create_screening(
        actor=staff,
        data={**screening_data(world, "2026-11-16", found=1), "village": second.pk},
    )
    gaps = services.screening_gaps(
        world.a.township, dt.date(2026, 11, 9), dt.date(2026, 11, 22), user=staff
    )
    missing = {(r.village.pk, r.week) for r in gaps["missing"]}
    zero = {(r.village.pk, r.week) for r in gaps["zero"]}
    assert missing == {(second.pk, dt.date(2026, 11, 9))}
    assert zero == {(world.a.village.pk, dt.date(2026, 11, 16))}
    # The same through the API and the page.
    client = login("township_staff")
    r = client.get(
        "/api/v1/disputes/screening/gaps",
        {"jurisdiction": world.a.township.pk, "week_from": "2026-11-09", "week_to": "2026-11-22"},
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert [(m["village"], m["week"]) for m in body["missing"]] == [(second.pk, "2026-11-09")]
    assert [(z["village"], z["week"]) for z in body["zero_reports"]] == [
        (world.a.village.pk, "2026-11-16")
    ]
    page = client.get(
        "/disputes/screening-gaps/",
        {"jurisdiction": world.a.township.pk, "week_from": "2026-11-09", "week_to": "2026-11-22"},
    )
    assert page.status_code == 200
    assert len(page.context["gaps"]["missing"]) == 1
    # Side B is not the office's: 404 like a missing place.
    other = client.get("/api/v1/disputes/screening/gaps", {"jurisdiction": world.b.township.pk})
    assert other.status_code == 404


# -- figures and the ledger ---------------------------------------------------------------------


def _small_set(world: Any, office: Any) -> dict[str, Dispute]:
    """Five files registered in Nov 2026 on side A: two resolved (one closed), one partly
    resolved, one referred, one still mediating; plus one in October (outside the period)."""
    screening = world.a.extra["screening"]
    day = "2026-11-05"  # the world's own file is registered on 2 Nov, outside the period
    out = {
        "resolved": resolved(world, office, title="化解一", registered_on=day),
        "closed": resolved(
            world,
            office,
            title="化解二",
            source="screening",
            screening=screening.pk,
            registered_on=day,
        ),
    }
    workflow.record_follow_up(
        out["closed"], actor=office, finding="stable", visited_on="2026-11-19"
    )
    workflow.close_dispute(out["closed"], actor=office)
    partly = new_dispute(
        world,
        title="部分化解",
        civil_to_criminal=True,
        civil_to_criminal_note="扬言报复",
        registered_on=day,
    )
    session(partly, office)
    out["partly"] = workflow.resolve_dispute(partly, actor=office, partly=True)
    referred = new_dispute(world, title="转诉讼", registered_on=day)
    session(referred, office)
    out["referred"] = workflow.refer_dispute(referred, actor=office, target="court")
    mediating = new_dispute(world, title="调解中", resolve_by="2026-11-10", registered_on=day)
    session(mediating, office)
    out["mediating"] = mediating
    out["october"] = new_dispute(world, title="上月的", registered_on="2026-10-20")
    return out


def test_figures_on_a_hand_checked_set(world: Any, login: Any, office: Any) -> None:
    _small_set(world, office)
    f = services.figures(
        world.a.township,
        dt.date(2026, 11, 3),
        dt.date(2026, 11, 30),
        user=office,
        today=dt.date(2026, 12, 6),
    )
    assert f.screened == 5
    assert f.resolved == 2
    assert f.partly_resolved == 1
    assert f.referred == 1
    assert f.in_progress == 1
    assert f.overdue == 1
    assert f.from_screenings == 1
    assert f.civil_to_criminal == 1
    assert f.mediation_rate == 40.0
    # The same through the API; a jurisdiction with no files has no rate.
    r = login("township_staff").get(
        "/api/v1/disputes/reports/figures",
        {"jurisdiction": world.a.township.pk, "start": "2026-11-03", "end": "2026-11-30"},
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["screened"], body["resolved"], body["mediation_rate"]) == (5, 2, 40.0)
    empty = services.figures(world.a.grid, dt.date(2026, 11, 1), dt.date(2026, 11, 30), user=office)
    assert empty.screened == 0 and empty.mediation_rate is None
    page = login("township_staff").get(
        "/disputes/figures/",
        {"jurisdiction": world.a.township.pk, "start": "2026-11-03", "end": "2026-11-30"},
    )
    assert page.status_code == 200 and page.context["figures"].screened == 5
    bad = login("township_staff").get("/api/v1/disputes/reports/figures", {"start": "x"})
    assert bad.status_code == 422 and "start" in error_fields(bad)


def test_ledger_export_opens_back(world: Any, login: Any, office: Any) -> None:
    from openpyxl import load_workbook

    made = _small_set(world, office)
    DisputeParty.objects.create(dispute=made["resolved"], name="王大明", role="applicant")
    r = login("township_staff").get(
        "/api/v1/disputes/reports/ledger.xlsx",
        {"jurisdiction": world.a.township.pk, "start": "2026-11-03", "end": "2026-11-30"},
    )
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    titles = [row[3] for row in rows]
    assert sorted(titles) == sorted(["化解一", "化解二", "部分化解", "转诉讼", "调解中"])
    by_title = {row[3]: row for row in rows}
    assert "王大明" in by_title["化解一"][5]
    assert by_title["化解一"][16] == 1  # one mediation session
    assert by_title["调解中"][15]  # overdue flagged
    assert not by_title["化解一"][15]
    # The page link gives the same file.
    page = login("township_staff").get(
        "/disputes/ledger.xlsx",
        {"jurisdiction": world.a.township.pk, "start": "2026-11-03", "end": "2026-11-30"},
    )
    assert page.status_code == 200
    again = load_workbook(io.BytesIO(page.content)).active
    assert [row[3] for row in again.iter_rows(min_row=3, values_only=True)] == titles


# -- the agreement PDF ---------------------------------------------------------------------------


def test_agreement_pdf_has_the_terms_and_signature_lines(
    world: Any, login: Any, office: Any
) -> None:
    from pypdf import PdfReader

    d = resolved(world, office)
    DisputeParty.objects.create(dispute=d, name="赵一", role="applicant")
    DisputeParty.objects.create(dispute=d, name="钱二", role="respondent")
    agreement = d.agreements.get()
    client = login("grid_worker")
    for path in (
        f"/disputes/{d.pk}/agreements/{agreement.pk}/pdf/",
        f"/api/v1/disputes/{d.pk}/agreements/{agreement.pk}/pdf",
    ):
        r = client.get(path)
        assert r.status_code == 200, path
        assert r["Content-Type"] == "application/pdf"
        assert r.content.startswith(b"%PDF")
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
        assert "赵一" in text and "钱二" in text
        assert "以原界桩为界" in text
        assert d.title in text
    # An agreement of another file is not served under this one.
    other = resolved(world, office, title="另一件")
    r = client.get(f"/disputes/{d.pk}/agreements/{other.agreements.get().pk}/pdf/")
    assert r.status_code == 404


# -- parties: phone encrypted, masked ------------------------------------------------------------


def test_party_phone_is_encrypted_at_rest_and_masked(world: Any, login: Any) -> None:
    from django.db import connection

    d = world.a.extra["dispute"]
    client = login("grid_worker")
    raw = "13912345678"
    r = send(
        client,
        "post",
        api_url("dispute-parties"),
        {"dispute": d.pk, "name": "孙三", "role": "applicant", "phone_number": raw},
    )
    assert r.status_code == 201, r.content
    assert raw not in r.content.decode()
    assert r.json()["phone_masked"] == "139****5678"
    party = DisputeParty.objects.get(pk=r.json()["id"])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone_encrypted, phone_masked FROM disputes_disputeparty WHERE id = %s",
            [party.pk],
        )
        stored, masked = cursor.fetchone()
    assert stored and stored != raw and raw not in stored
    assert masked == "139****5678"
    assert party.phone_full() == raw
    for page in (f"/r/dispute-parties/{party.pk}/", f"/r/disputes/{d.pk}/", "/r/dispute-parties/"):
        html = client.get(page).content.decode()
        assert "139****5678" in html, page
        assert raw not in html, page
    # Nor in the audit trail.
    from shouwang.core.models import AuditEvent

    trail = AuditEvent.objects.filter(target_type="disputes.disputeparty", target_id=str(party.pk))
    assert trail.exists()
    for event in trail:
        assert raw not in str(event.after) and stored not in str(event.after)
    # An update without a number keeps it; a bad number is refused on the field.
    kept = send(client, "patch", api_url("dispute-parties", party.pk), {"note": "改"})
    assert kept.status_code == 200
    party.refresh_from_db()
    assert party.phone_full() == raw
    bad = send(client, "patch", api_url("dispute-parties", party.pk), {"phone_number": "abc"})
    assert bad.status_code == 422 and "phone_number" in error_fields(bad)


def test_side_b_records_are_invisible(world: Any, login: Any) -> None:
    client = login("grid_worker")
    for slug, key in (
        ("disputes", "dispute"),
        ("dispute-screenings", "screening"),
        ("dispute-parties", "disputeparty"),
    ):
        b = world.b.extra[key]
        assert client.get(api_url(slug, b.pk)).status_code == 404
        ids = {row["id"] for row in client.get(api_url(slug), {"page_size": 500}).json()["results"]}
        assert b.pk not in ids and world.a.extra[key].pk in ids


# -- the detail page ------------------------------------------------------------------------------


def test_detail_page_shows_the_workflow_and_steps_post(world: Any, login: Any) -> None:
    d = new_dispute(world)
    client = login("township_staff")
    page = client.get(f"/r/disputes/{d.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/disputes/{d.pk}/session/" in html
    r = client.post(
        f"/disputes/{d.pk}/session/",
        {
            "held_on": "2026-11-10",
            "level": "village",
            "participants": "双方",
            "summary": "初次调解",
            "outcome": "no_agreement",
        },
    )
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == "mediating" and d.sessions.count() == 1
    # An illegal step comes back as a message, nothing changes.
    r = client.post(f"/disputes/{d.pk}/close/", follow=True)
    assert r.status_code == 200
    assert any(m.level_tag == "error" for m in r.context["messages"])
    assert Dispute.objects.get(pk=d.pk).status == "mediating"


# -- inbox and map --------------------------------------------------------------------------------


def test_inbox_tasks(world: Any, office: Any) -> None:
    today = dt.date(2026, 12, 6)
    late = new_dispute(world, resolve_by="2026-12-01", title="超期的")
    done = resolved(world, office, title="待回访")
    tasks = cases.tasks_for(office, today)
    mine = [t for t in tasks if t.record_type == "disputes.dispute"]
    mediate = {t.record_id: t for t in mine if t.kind == "mediate"}
    assert mediate[late.pk].overdue
    assert done.pk not in mediate
    follow = [t for t in mine if t.kind == "follow_up"]
    assert [t.record_id for t in follow] == [done.pk]  # the +7 visit is due, the +30 not yet
    assert tasks[0].overdue  # overdue first
    # The grid worker screens the villages without this week's screening; no mediate task
    # unless responsible.
    worker = world.users["grid_worker"]
    worker_tasks = cases.tasks_for(worker, today)
    screen = [t for t in worker_tasks if t.kind == "screen"]
    assert [t.record_id for t in screen] == [world.a.village.pk]
    assert not [t for t in worker_tasks if t.kind == "mediate"]
    member = world.a.member
    member.user = worker
    member.save(update_fields=["user"])
    assert late.pk in {t.record_id for t in cases.tasks_for(worker, today) if t.kind == "mediate"}
    # The team leader (read only) has nothing to do here.
    assert not [
        t for t in cases.tasks_for(world.users["team_leader"], today) if "disput" in t.record_type
    ]


def test_map_markers(world: Any, office: Any) -> None:
    placed = new_dispute(world, latitude=29.9, longitude=107.75, title="有坐标")
    d = new_dispute(world, title="无坐标")
    markers = {m.title: m for m in cases.markers_for(office, ["disputes"])}
    assert (markers["有坐标"].latitude, markers["有坐标"].longitude) == (29.9, 107.75)
    expected = centroid(world.a.village.boundary)
    if expected is None:
        assert "无坐标" not in markers
    else:
        assert (markers["无坐标"].latitude, markers["无坐标"].longitude) == pytest.approx(expected)
    assert centroid(
        {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]}
    ) == (1.0, 1.0)
    # Side B's files are not on side A's map.
    assert world.b.extra["dispute"].title not in {m.title for m in cases.markers_for(office)}
    assert d.pk and placed.pk


def test_bad_policy_follow_up_days_refused(world: Any, login: Any) -> None:
    r = send(
        login("township_staff"),
        "patch",
        api_url("dispute-policies", world.a.extra["disputepolicy"].pk),
        {"follow_up_days": "7, abc"},
    )
    assert r.status_code == 422 and "follow_up_days" in error_fields(r)
    with pytest.raises(RecordInvalid):
        services.update_policy(
            world.a.extra["disputepolicy"], actor=world.admin, data={"follow_up_days": ""}
        )


def test_demo_is_idempotent(world: Any) -> None:
    from shouwang.disputes.demo import load_demo_disputes

    files = load_demo_disputes(world.admin, world.a.township)
    assert [f.status for f in files] == ["mediating", "resolved", "failed_referred"]
    resolved_file = files[1]
    assert resolved_file.agreements.count() == 1
    assert resolved_file.follow_ups.filter(visited_on__isnull=False).count() == 1
    assert Screening.objects.filter(village=world.a.village, disputes_found=0).exists()
    counts = (Dispute.objects.count(), Screening.objects.count(), DisputeParty.objects.count())
    again = load_demo_disputes(world.admin, world.a.township)
    assert [f.pk for f in again] == [f.pk for f in files]
    assert (
        Dispute.objects.count(),
        Screening.objects.count(),
        DisputeParty.objects.count(),
    ) == counts


def test_reports_need_a_dispute_grant(world: Any, login: Any) -> None:
    client = login("patrol_member")
    for path in (
        "/api/v1/disputes/screening/gaps",
        "/api/v1/disputes/reports/figures",
        "/api/v1/disputes/reports/ledger.xlsx",
    ):
        assert client.get(path).status_code == 403, path
    for path in ("/disputes/figures/", "/disputes/screening-gaps/", "/disputes/ledger.xlsx"):
        assert client.get(path).status_code == 403, path


def test_detail_page_of_a_resolved_file(world: Any, login: Any, office: Any) -> None:
    d = resolved(world, office)
    agreement = d.agreements.get()
    html = login("township_staff").get(f"/r/disputes/{d.pk}/").content.decode()
    assert f"/disputes/{d.pk}/agreements/{agreement.pk}/pdf/" in html
    assert f"/disputes/{d.pk}/follow_up/" in html
    assert f"/disputes/{d.pk}/close/" in html
    assert "2026-11-19" in html and "2026-12-12" in html
    # Read-only roles see the file, not the forms.
    leader = login("team_leader").get(f"/r/disputes/{d.pk}/").content.decode()
    assert d.title in leader
    assert f"/disputes/{d.pk}/follow_up/" not in leader


def test_overdue_filter_on_the_register(world: Any, login: Any) -> None:
    late = new_dispute(world, resolve_by="2026-11-20", title="超期")
    future = new_dispute(world, resolve_by="2099-01-01", title="未到期")
    client = login("township_staff")
    ids = {r["id"] for r in client.get(api_url("disputes"), {"overdue": "1"}).json()["results"]}
    assert late.pk in ids and future.pk not in ids
    row = client.get(api_url("disputes", late.pk)).json()
    assert row["is_overdue"] is True
    page = client.get("/r/disputes/", {"overdue": "1"})
    shown = {obj.pk for obj, _cells in page.context["rows"]}
    assert late.pk in shown and future.pk not in shown
