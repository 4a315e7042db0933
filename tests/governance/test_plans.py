"""Emergency plans (应急预案) and the drill–review–improve cycle: numbered versions with exactly
one in force, versions never edited once in force, the plan version a drill exercised (drills
only), reviews of held drills, findings addressed by a plan revision, overdue findings in the
inbox, the plan page showing the cycle, the version steps and the API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from conftest import api_url, error_fields, send
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shouwang.core import cases
from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.governance import inbox, services
from shouwang.governance.models import DrillFinding, PlanVersion, Training

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def office(world: Any) -> Any:
    return world.users["township_staff"]


def new_version(world: Any, side: str = "A", **over: Any) -> PlanVersion:
    from world_extensions.governance import _service_data, _version

    s = world.sides[side]
    data = _service_data({**_version(world, s, side, 0), **over})
    return services.create_plan_version(actor=world.admin, data=data)


def new_drill(world: Any, side: str = "A", **over: Any) -> Training:
    from world_extensions.governance import _service_data, _training

    s = world.sides[side]
    data = {**_training(world, s, side, 0), "kind": "drill", "topic": "safety", **over}
    return services.create_training(actor=world.admin, data=_service_data(data))


def new_finding(world: Any, side: str = "A", **over: Any) -> DrillFinding:
    from world_extensions.governance import _finding, _service_data

    s = world.sides[side]
    data = _service_data({**_finding(world, s, side, 0), **over})
    return services.create_finding(actor=world.admin, data=data)


def statuses(plan: Any) -> list[tuple[int, str]]:
    return list(plan.versions.order_by("number").values_list("number", "status"))


# -- versions ------------------------------------------------------------------------------------


def test_world_plan_has_one_version_in_force_and_a_draft(world: Any) -> None:
    plan = world.a.extra["emergencyplan"]
    assert statuses(plan) == [(1, "effective"), (2, "draft")]
    assert plan.current_version == world.a.extra["planversion_v1"]


def test_adopting_a_version_supersedes_the_one_in_force(world: Any, office: Any) -> None:
    plan = world.a.extra["emergencyplan"]
    v1, v2 = world.a.extra["planversion_v1"], world.a.extra["planversion"]
    services.adopt_plan_version(v2, actor=office, effective_from="2026-03-01")
    assert statuses(plan) == [(1, "superseded"), (2, "effective")]
    v1.refresh_from_db()
    assert v1.superseded_on == dt.date(2026, 3, 1)
    assert plan.current_version == v2
    event = AuditEvent.objects.get(code="governance.planversion.adopted", target_id=str(v2.pk))
    assert (event.after["number"], event.after["superseded"]) == (2, 1)
    # A new draft is numbered next; it may not take effect before the one it replaces.
    v3 = new_version(world)
    assert (v3.number, v3.status) == (3, "draft")
    with pytest.raises(RecordInvalid) as exc:
        services.adopt_plan_version(v3, actor=office, effective_from="2026-02-01")
    assert list(exc.value.errors) == ["effective_from"]
    assert statuses(plan) == [(1, "superseded"), (2, "effective"), (3, "draft")]
    # Adopting twice is refused.
    with pytest.raises(RecordInvalid) as exc:
        services.adopt_plan_version(v2, actor=office)
    assert "status" in exc.value.errors


def test_adopting_needs_the_approval_and_changes_nothing_when_refused(
    world: Any, office: Any
) -> None:
    plan = world.a.extra["emergencyplan"]
    draft = new_version(world, approved_by="")
    with pytest.raises(RecordInvalid) as exc:
        services.adopt_plan_version(draft, actor=office, effective_from="2026-03-01")
    assert list(exc.value.errors) == ["approved_by"]
    assert statuses(plan) == [(1, "effective"), (2, "draft"), (3, "draft")]


def test_only_one_version_in_force_is_a_constraint(world: Any) -> None:
    plan = world.a.extra["emergencyplan"]
    second = PlanVersion(
        plan=plan,
        number=9,
        content="x",
        status="effective",
        effective_from=dt.date(2026, 1, 1),
        approved_by="党工委",
    )
    with pytest.raises(ValidationError):
        second.full_clean()


def test_a_version_in_force_is_never_edited(world: Any, office: Any, media: Path) -> None:
    v1, v2 = world.a.extra["planversion_v1"], world.a.extra["planversion"]
    with pytest.raises(RecordInvalid) as exc:
        services.update_plan_version(v1, actor=office, data={"content": "改写"})
    assert "status" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        services.delete_plan_version(v1, actor=office)
    assert "status" in exc.value.errors
    pdf = SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")
    with pytest.raises(RecordInvalid) as exc:
        services.attach_plan_file(v1, actor=office, upload=pdf)
    assert list(exc.value.errors) == ["file"]
    v1.refresh_from_db()
    assert v1.content.startswith("一、总则") and not v1.file
    # A draft may be corrected, but not moved to another plan.
    services.update_plan_version(v2, actor=office, data={"content": "二、组织体系"})
    v2.refresh_from_db()
    assert v2.content == "二、组织体系"
    other = services.create_plan(
        actor=office,
        data={"jurisdiction": world.a.township.pk, "name": "防汛应急预案", "scenario": "flood"},
    )
    with pytest.raises(RecordInvalid) as exc:
        services.update_plan_version(v2, actor=office, data={"plan": other.pk})
    assert "plan" in exc.value.errors


def test_plan_file_type_is_checked_and_stored(world: Any, office: Any, media: Path) -> None:
    v2 = world.a.extra["planversion"]
    bad = SimpleUploadedFile("plan.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    with pytest.raises(RecordInvalid) as exc:
        services.attach_plan_file(v2, actor=office, upload=bad)
    assert list(exc.value.errors) == ["file"]
    pdf = SimpleUploadedFile("预案.pdf", PDF, content_type="application/pdf")
    services.attach_plan_file(v2, actor=office, upload=pdf)
    v2.refresh_from_db()
    assert v2.file_type == "application/pdf"
    assert v2.file.name.startswith(f"governance/plans/{v2.plan_id}/")
    assert v2.file.read() == PDF


# -- drills, reviews and findings ---------------------------------------------------------------


def test_only_a_drill_names_the_plan_version(world: Any) -> None:
    v1, v2 = world.a.extra["planversion_v1"], world.a.extra["planversion"]
    with pytest.raises(RecordInvalid) as exc:
        new_drill(world, kind="training", topic="first_aid", plan_version=v1.pk)
    assert list(exc.value.errors) == ["plan_version"]
    # A draft is not offered (and refused).
    with pytest.raises(RecordInvalid) as exc:
        new_drill(world, plan_version=v2.pk)
    assert list(exc.value.errors) == ["plan_version"]
    # Another township's plan (the administrator sees both).
    with pytest.raises(RecordInvalid) as exc:
        new_drill(world, plan_version=world.b.extra["planversion_v1"].pk)
    assert list(exc.value.errors) == ["plan_version"]
    drill = new_drill(world, plan_version=v1.pk)
    assert drill.plan_version == v1
    # A drill that names a version cannot become a training.
    with pytest.raises(RecordInvalid) as exc:
        services.update_training(drill, actor=world.admin, data={"kind": "training"})
    assert "plan_version" in exc.value.errors


def test_reviews_only_of_held_drills(world: Any) -> None:
    from world_extensions.governance import _review, _service_data

    s = world.a

    def review(**over: Any) -> Any:
        data = _service_data({**_review(world, s, "A", 0), **over})
        return services.create_review(actor=world.admin, data=data)

    with pytest.raises(RecordInvalid) as exc:
        review(drill=s.extra["training"].pk)  # a training
    assert list(exc.value.errors) == ["drill"]
    planned = new_drill(world, starts_at="2026-11-20T09:00:00+08:00")
    with pytest.raises(RecordInvalid) as exc:
        review(drill=planned.pk)
    assert list(exc.value.errors) == ["drill"]
    with pytest.raises(RecordInvalid) as exc:
        review(held_on="2024-10-14")  # before the drill
    assert list(exc.value.errors) == ["held_on"]
    with pytest.raises(RecordInvalid) as exc:
        review(held_on="2099-01-01")
    assert list(exc.value.errors) == ["held_on"]
    assert review(held_on="2024-10-15").drill == s.extra["drill"]


def test_finding_needs_an_owner(world: Any) -> None:
    with pytest.raises(RecordInvalid) as exc:
        new_finding(world, owner_unit="", owner_person="")
    assert list(exc.value.errors) == ["owner_unit"]


def test_revision_marks_the_findings_addressed(world: Any, office: Any) -> None:
    s = world.a
    finding = s.extra["drillfinding"]
    second = new_finding(world, text="通讯联络不畅")
    revision = new_version(world, change_summary="补充疏散指示", addresses=[finding.pk])
    finding.refresh_from_db()
    assert finding.status == "open"  # a draft addresses nothing yet
    services.adopt_plan_version(revision, actor=office, effective_from="2026-06-01")
    finding.refresh_from_db()
    second.refresh_from_db()
    assert (finding.status, finding.addressed_by, finding.addressed_on) == (
        "addressed",
        revision,
        timezone.localdate(),
    )
    assert second.status == "open"
    event = AuditEvent.objects.get(
        code="governance.planversion.adopted", target_id=str(revision.pk)
    )
    assert event.after["addressed_findings"] == [finding.pk]
    # An addressed finding is history: no changes, no deletion, no second revision.
    with pytest.raises(RecordInvalid) as exc:
        services.update_finding(finding, actor=office, data={"text": "改"})
    assert "status" in exc.value.errors
    with pytest.raises(RecordInvalid):
        services.delete_finding(finding, actor=office)
    with pytest.raises(RecordInvalid):
        services.delete_review(finding.review, actor=office)
    assert DrillFinding.objects.filter(pk=finding.pk).exists()
    with pytest.raises(RecordInvalid) as exc:
        new_version(world, addresses=[finding.pk])
    assert list(exc.value.errors) == ["addresses"]


def test_a_revision_addresses_only_findings_of_its_plan(world: Any) -> None:
    other = services.create_plan(
        actor=world.admin,
        data={"jurisdiction": world.a.township.pk, "name": "火灾应急预案", "scenario": "fire"},
    )
    with pytest.raises(RecordInvalid) as exc:
        new_version(world, plan=other.pk, addresses=[world.a.extra["drillfinding"].pk])
    assert list(exc.value.errors) == ["addresses"]


def test_overdue_open_findings_are_inbox_tasks_of_the_office(world: Any, office: Any) -> None:
    late = new_finding(world, text="应急物资储备不足", deadline="2026-01-31")
    today = dt.date(2026, 12, 6)
    tasks = [
        t for t in inbox.tasks_for(office, today) if t.record_type == inbox.FINDING_RECORD_TYPE
    ]
    assert [(t.record_id, t.kind, t.overdue, t.due) for t in tasks] == [
        (late.pk, "follow_up", True, dt.date(2026, 1, 31))
    ]
    assert tasks[0].url == f"/r/drill-findings/{late.pk}/"
    assert tasks[0].place == world.a.township.name
    # The shared inbox has it; a viewer (no change right) does not.
    assert any(t.record_id == late.pk for t in cases.tasks_for(office, today))
    assert not [
        t
        for t in inbox.tasks_for(world.users["grid_worker"], today)
        if t.record_type == inbox.FINDING_RECORD_TYPE
    ]
    assert list(services.overdue_findings(office, today)) == [late]
    # Addressed by a revision: the task is gone.
    revision = new_version(world, addresses=[late.pk])
    services.adopt_plan_version(revision, actor=office)
    assert not [
        t for t in inbox.tasks_for(office, today) if t.record_type == inbox.FINDING_RECORD_TYPE
    ]


# -- pages and API -------------------------------------------------------------------------------


def test_plan_page_shows_the_cycle(world: Any, login: Any, office: Any) -> None:
    s = world.a
    plan, finding = s.extra["emergencyplan"], s.extra["drillfinding"]
    revision = new_version(world, addresses=[finding.pk])
    services.adopt_plan_version(revision, actor=office)
    client = login("township_staff")
    page = client.get(f"/r/emergency-plans/{plan.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    for url in (
        f"/r/plan-versions/{s.extra['planversion_v1'].pk}/",
        f"/r/trainings/{s.extra['drill'].pk}/",
        f"/r/drill-reviews/{s.extra['drillreview'].pk}/",
        f"/r/drill-findings/{finding.pk}/",
        f"/r/plan-versions/{revision.pk}/",
    ):
        assert url in text
    assert finding.text in text
    assert f"v{revision.number}</a>" in text
    # The drill and review pages link on along the cycle.
    drill_page = client.get(f"/r/trainings/{s.extra['drill'].pk}/").content.decode()
    assert f"/r/drill-reviews/{s.extra['drillreview'].pk}/" in drill_page
    review_page = client.get(f"/r/drill-reviews/{s.extra['drillreview'].pk}/").content.decode()
    assert finding.text in review_page
    assert client.get(f"/r/emergency-plans/{world.b.extra['emergencyplan'].pk}/").status_code == 404


def test_version_page_steps(world: Any, login: Any, media: Path) -> None:
    v2 = world.a.extra["planversion"]
    client = login("township_staff")
    text = client.get(f"/r/plan-versions/{v2.pk}/").content.decode()
    assert f"/governance/plan-versions/{v2.pk}/adopt/" in text
    pdf = SimpleUploadedFile("预案.pdf", PDF, content_type="application/pdf")
    r = client.post(f"/governance/plan-versions/{v2.pk}/upload/", {"file": pdf})
    assert r.status_code == 302
    got = client.get(f"/governance/plan-versions/{v2.pk}/file")
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    r = client.post(f"/governance/plan-versions/{v2.pk}/adopt/", {"effective_from": "2026-05-01"})
    assert r.status_code == 302
    v2.refresh_from_db()
    assert (v2.status, v2.effective_from) == ("effective", dt.date(2026, 5, 1))
    text = client.get(f"/r/plan-versions/{v2.pk}/").content.decode()
    assert f"/governance/plan-versions/{v2.pk}/adopt/" not in text
    viewer = login("grid_worker")
    assert viewer.get(f"/governance/plan-versions/{v2.pk}/file").status_code == 200
    b_version = world.b.extra["planversion"]
    assert client.get(f"/governance/plan-versions/{b_version.pk}/file").status_code == 404


def test_plan_api(world: Any, login: Any, media: Path) -> None:
    s = world.a
    v2 = s.extra["planversion"]
    client = login("township_staff")
    viewer = login("grid_worker")
    r = send(viewer, "post", f"/api/v1/governance/plan-versions/{v2.pk}/adopt", {})
    assert r.status_code == 403
    r = client.post(
        f"/api/v1/governance/plan-versions/{v2.pk}/file",
        {"file": SimpleUploadedFile("a.pdf", b"PK\x03\x04 zip", content_type="application/pdf")},
    )
    assert r.status_code == 422 and list(error_fields(r)) == ["file"]
    pdf = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    r = client.post(f"/api/v1/governance/plan-versions/{v2.pk}/file", {"file": pdf})
    assert r.status_code == 200 and r.json()["file"] is True
    r = send(
        client,
        "post",
        f"/api/v1/governance/plan-versions/{v2.pk}/adopt",
        {"effective_from": "2026-04-01"},
    )
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["effective_from"]) == ("effective", "2026-04-01")
    r = send(client, "post", f"/api/v1/governance/plan-versions/{v2.pk}/adopt", {})
    assert r.status_code == 422 and "status" in error_fields(r)
    # Record API: a version in force is not changed.
    r = send(client, "patch", api_url("plan-versions", v2.pk), {"content": "改"})
    assert r.status_code == 422 and "status" in error_fields(r)
    r = client.get(f"/api/v1/governance/plans/{s.extra['emergencyplan'].pk}/cycle")
    assert r.status_code == 200
    body = r.json()
    assert [(v["number"], v["status"]) for v in body["versions"]] == [
        (2, "effective"),
        (1, "superseded"),
    ]
    drills = body["versions"][1]["drills"]
    assert [d["id"] for d in drills] == [s.extra["drill"].pk]
    findings = drills[0]["reviews"][0]["findings"]
    assert [(f["id"], f["status"]) for f in findings] == [(s.extra["drillfinding"].pk, "open")]
    r = client.get(f"/api/v1/governance/plans/{world.b.extra['emergencyplan'].pk}/cycle")
    assert r.status_code == 404


# -- demo data -----------------------------------------------------------------------------------


def test_demo_governance_is_complete_and_idempotent(world: Any, media: Path) -> None:
    from shouwang.governance.demo import PLAN_NAME, load_demo_governance
    from shouwang.governance.models import DrillReview, EmergencyPlan, ResponsibilityPledge

    township = world.a.township
    made = load_demo_governance(world.admin, township)
    training, version, drill, review = made
    assert (training.kind, training.status) == ("training", "held")
    assert (drill.kind, drill.status, drill.plan_version) == ("drill", "held", version)
    assert version.status == "effective" and version.plan.name == PLAN_NAME
    assert review.drill == drill
    assert [f.status for f in review.findings.all()] == ["open"]
    year = timezone.localdate().year
    pledges = ResponsibilityPledge.objects.filter(jurisdiction=township, year=year)
    # The world township has one village: the village's pledge is signed, the unit's drafted.
    assert sorted((p.village_id is not None, p.status) for p in pledges) == [
        (False, "drafted"),
        (True, "signed"),
    ]
    assert all(p.signed_copy for p in pledges if p.status == "signed")
    counts = (
        Training.objects.count(),
        EmergencyPlan.objects.count(),
        PlanVersion.objects.count(),
        DrillReview.objects.count(),
        DrillFinding.objects.count(),
        ResponsibilityPledge.objects.count(),
        AuditEvent.objects.count(),
    )
    again = load_demo_governance(world.admin, township)
    assert [o.pk for o in again] == [o.pk for o in made]
    assert (
        Training.objects.count(),
        EmergencyPlan.objects.count(),
        PlanVersion.objects.count(),
        DrillReview.objects.count(),
        DrillFinding.objects.count(),
        ResponsibilityPledge.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
