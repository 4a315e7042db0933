"""The dispute workflow through the API: every transition, the illegal ones (clear error, state
unchanged), the escalation ladder, the case-file completeness check, follow-ups and relapse."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import error_fields, send

from shouwang.core.models import AuditEvent
from shouwang.disputes import services, workflow
from shouwang.disputes.models import (
    Dispute,
    DisputePolicy,
    DisputeStatus,
    DisputeTransition,
    FollowUp,
)

from .conftest import new_dispute, resolved, session

S = DisputeStatus


def url(d: Dispute, step: str) -> str:
    return f"/api/v1/disputes/{d.pk}/{step}"


def events(d: Dispute, verb: str) -> int:
    return AuditEvent.objects.filter(code=f"disputes.dispute.{verb}", target_id=str(d.pk)).count()


SESSION = {
    "held_on": "2026-11-10",
    "level": "village",
    "participants": "张三、李四、村调解员",
    "summary": "双方陈述意见",
    "outcome": "no_agreement",
}


def test_registration_sets_the_default_deadline_and_history(world: Any, office: Any) -> None:
    d = new_dispute(world)
    assert d.status == S.REGISTERED
    assert d.resolve_by == dt.date(2026, 11, 2) + dt.timedelta(days=30)
    assert d.registered_by == office
    assert list(d.transitions.values_list("from_status", "to_status")) == [("", "registered")]
    # A township policy changes the default (the world's policy is at the township).
    DisputePolicy.objects.filter(jurisdiction=world.a.township).update(resolve_days=10)
    d2 = new_dispute(world, title="第二件")
    assert d2.resolve_by == dt.date(2026, 11, 12)
    # An explicit deadline is kept.
    d3 = new_dispute(world, title="第三件", resolve_by="2026-11-20")
    assert d3.resolve_by == dt.date(2026, 11, 20)


def test_whole_way_to_closed_through_the_api(world: Any, login: Any, office: Any) -> None:
    d = new_dispute(world)
    client = login("township_staff")
    r = send(client, "post", url(d, "start"))
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "mediating"
    r = send(client, "post", url(d, "mediations"), {**SESSION, "outcome": "agreement"})
    assert r.status_code == 200, r.content
    assert r.json()["sessions"][0]["round"] == 1
    r = send(
        client,
        "post",
        url(d, "investigation"),
        {"text": "核实边界", "investigated_on": "2026-11-09"},
    )
    assert r.status_code == 200, r.content
    r = send(
        client,
        "post",
        url(d, "agreements"),
        {"terms": "以原界桩为界", "form": "written", "signed_on": "2026-11-12"},
    )
    assert r.status_code == 200, r.content
    r = send(client, "post", url(d, "resolve"), {"note": "达成协议", "resolved_on": "2026-11-12"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "resolved"
    # Follow-ups scheduled at +7 and +30 days (the defaults).
    assert [v["due_on"] for v in body["follow_ups"]] == ["2026-11-19", "2026-12-12"]
    assert [i["key"] for i in body["checklist"] if i["required"] and not i["present"]] == [
        "follow_up"
    ]
    first = body["follow_ups"][0]["id"]
    r = send(
        client,
        "post",
        url(d, "follow-ups"),
        {"finding": "stable", "visited_on": "2026-11-19", "follow_up": first},
    )
    assert r.status_code == 200, r.content
    assert r.json()["missing"] == []
    r = send(client, "post", url(d, "close"), {"note": "卷宗齐全"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "closed"
    d.refresh_from_db()
    assert d.closed_at is not None and d.outcome == "resolved"
    steps = list(d.transitions.values_list("from_status", "to_status"))
    assert steps == [
        ("", "registered"),
        ("registered", "mediating"),
        ("mediating", "resolved"),
        ("resolved", "closed"),
    ]
    for verb in (
        "mediation_started",
        "session_recorded",
        "investigation_recorded",
        "agreement_recorded",
        "resolved",
        "follow_up_recorded",
        "closed",
    ):
        assert events(d, verb) == 1, verb


def _at(world: Any, office: Any, state: str) -> Dispute:
    d = new_dispute(world)
    if state == "registered":
        return d
    if state == "mediating":
        session(d, office)
        return d
    if state == "resolved":
        return resolved(world, office)
    if state == "failed_referred":
        session(d, office)
        return workflow.refer_dispute(d, actor=office, target="court", note="起诉")
    if state == "closed":
        d = resolved(world, office)
        workflow.record_follow_up(d, actor=office, finding="stable", visited_on="2026-11-19")
        return workflow.close_dispute(d, actor=office)
    raise AssertionError(state)


ILLEGAL = [
    ("registered", "resolve", {}, "status"),
    ("registered", "close", {}, "status"),
    ("registered", "reopen", {"reason": "再议"}, "status"),
    ("registered", "follow-ups", {"finding": "stable", "visited_on": "2026-11-20"}, "status"),
    ("registered", "agreements", {"terms": "x", "signed_on": "2026-11-10"}, "status"),
    ("mediating", "start", {}, "status"),
    ("mediating", "close", {}, "status"),
    ("mediating", "follow-ups", {"finding": "stable", "visited_on": "2026-11-20"}, "status"),
    ("resolved", "mediations", SESSION, "status"),
    ("resolved", "refer", {"target": "court"}, "status"),
    ("resolved", "resolve", {}, "status"),
    ("failed_referred", "resolve", {}, "status"),
    ("failed_referred", "reopen", {"reason": "再议"}, "status"),
    ("failed_referred", "mediations", SESSION, "status"),
    ("closed", "close", {}, "status"),
    ("closed", "start", {}, "status"),
    ("closed", "mediations", SESSION, "status"),
    ("closed", "investigation", {"text": "补充"}, "status"),
]


@pytest.mark.parametrize(("state", "step", "body", "field"), ILLEGAL)
def test_illegal_steps_are_refused_and_change_nothing(
    world: Any, login: Any, office: Any, state: str, step: str, body: dict[str, Any], field: str
) -> None:
    d = _at(world, office, state)
    client = login("township_staff")
    before = Dispute.objects.filter(pk=d.pk).values().get()
    transitions = DisputeTransition.objects.filter(dispute=d).count()
    audit = AuditEvent.objects.count()
    r = send(client, "post", url(d, step), body)
    assert r.status_code == 422, r.content
    assert field in error_fields(r), r.content
    assert error_fields(r)[field][0]
    assert Dispute.objects.filter(pk=d.pk).values().get() == before
    assert DisputeTransition.objects.filter(dispute=d).count() == transitions
    assert AuditEvent.objects.count() == audit


def test_resolved_needs_an_agreement_partly_does_not(world: Any, login: Any, office: Any) -> None:
    d = new_dispute(world)
    client = login("township_staff")
    r = send(client, "post", url(d, "resolve"), {})
    assert r.status_code == 422 and "status" in error_fields(r)
    session(d, office)
    r = send(client, "post", url(d, "resolve"), {})
    assert r.status_code == 422
    assert "agreement" in error_fields(r)
    assert Dispute.objects.get(pk=d.pk).status == S.MEDIATING
    r = send(client, "post", url(d, "resolve"), {"partly": True, "resolved_on": "2026-11-15"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "partly_resolved"
    assert len(r.json()["follow_ups"]) == 2


def test_referral_needs_a_target(world: Any, login: Any, office: Any) -> None:
    d = new_dispute(world)
    session(d, office)
    client = login("township_staff")
    r = send(client, "post", url(d, "refer"), {"target": "nowhere"})
    assert r.status_code == 422 and "referral_target" in error_fields(r)
    r = send(client, "post", url(d, "refer"), {"target": "other"})
    assert r.status_code == 422 and "result_note" in error_fields(r)
    r = send(client, "post", url(d, "refer"), {"target": "police", "note": "有殴打苗头"})
    assert r.status_code == 200, r.content
    d.refresh_from_db()
    assert (d.status, d.outcome, d.referral_target) == (
        "failed_referred",
        "failed_referred",
        "police",
    )
    # A referred file needs no agreement nor follow-up: the investigation is what is missing.
    assert [
        i["key"] for i in workflow.case_file_items(d) if i["required"] and not i["present"]
    ] == ["investigation"]


def test_session_input_is_checked(world: Any, login: Any) -> None:
    d = new_dispute(world)
    r = send(
        login("township_staff"),
        "post",
        url(d, "mediations"),
        {"held_on": "", "level": "village", "participants": "", "summary": "", "outcome": "x"},
    )
    assert r.status_code == 422
    assert {"held_on", "participants", "summary", "outcome"} <= set(error_fields(r))
    assert Dispute.objects.get(pk=d.pk).status == S.REGISTERED


def test_escalation_ladder(world: Any, login: Any, office: Any) -> None:
    d = new_dispute(world)
    client = login("township_staff")
    for _ in range(2):
        assert send(client, "post", url(d, "mediations"), SESSION).status_code == 200
    # Village rounds (2) used up without agreement: a third village session is refused.
    r = send(client, "post", url(d, "mediations"), SESSION)
    assert r.status_code == 422
    message = error_fields(r)["level"][0]
    assert "2" in message
    assert d.sessions.count() == 2
    assert workflow.ladder_state(d)["levels"] == ["township", "county"]
    r = send(client, "post", url(d, "mediations"), {**SESSION, "level": "township"})
    assert r.status_code == 200
    assert r.json()["sessions"][-1]["round"] == 1
    # Never back down the ladder.
    r = send(client, "post", url(d, "mediations"), SESSION)
    assert r.status_code == 422 and "level" in error_fields(r)
    assert (
        send(client, "post", url(d, "mediations"), {**SESSION, "level": "township"}).status_code
        == 200
    )
    r = send(client, "post", url(d, "mediations"), {**SESSION, "level": "township"})
    assert r.status_code == 422 and "level" in error_fields(r)
    # The top of the ladder has no limit.
    for _ in range(3):
        r = send(client, "post", url(d, "mediations"), {**SESSION, "level": "county"})
        assert r.status_code == 200
    assert r.json()["ladder"]["used"] == {"village": 2, "township": 2, "county": 3}


def test_ladder_rounds_follow_the_policy(world: Any, login: Any, office: Any) -> None:
    DisputePolicy.objects.filter(jurisdiction=world.a.township).update(village_rounds=1)
    d = new_dispute(world)
    session(d, office)
    with pytest.raises(Exception) as exc:
        session(d, office)
    assert "level" in exc.value.errors  # type: ignore[attr-defined]
    # An agreement reached does not use up a round.
    d2 = new_dispute(world, title="另一件")
    session(d2, office, outcome="agreement")
    session(d2, office)
    assert d2.sessions.count() == 2


def test_close_refused_with_the_missing_items(world: Any, login: Any, office: Any) -> None:
    d = new_dispute(world, source_record="")
    session(d, office, outcome="agreement")
    workflow.record_agreement(d, actor=office, terms="赔偿 500 元", signed_on="2026-11-12")
    workflow.resolve_dispute(d, actor=office, resolved_on="2026-11-12")
    r = send(login("township_staff"), "post", url(d, "close"), {})
    assert r.status_code == 422
    message = error_fields(r)["case_file"][0]
    d.refresh_from_db()
    missing = workflow.missing_documents(d)
    assert len(missing) == 3  # source record, investigation, follow-up
    for label in missing:
        assert label in message
    assert Dispute.objects.get(pk=d.pk).status == S.RESOLVED


def test_only_the_office_closes_and_leaders_only_read(world: Any, login: Any, office: Any) -> None:
    d = resolved(world, office)
    workflow.record_follow_up(d, actor=office, finding="stable", visited_on="2026-11-19")
    r = send(login("grid_worker"), "post", url(d, "close"), {})
    assert r.status_code == 403
    r = send(login("team_leader"), "post", url(d, "reopen"), {"reason": "x"})
    assert r.status_code == 403
    leader = login("team_leader").get(url(d, "case-file"))
    assert leader.status_code == 200 and leader.json()["actions"] == []
    assert Dispute.objects.get(pk=d.pk).status == S.RESOLVED
    # A grid worker (mediator) records sessions and visits.
    assert "follow_up" in login("grid_worker").get(url(d, "case-file")).json()["actions"]


def test_follow_up_relapse_reopens_the_file(world: Any, login: Any, office: Any) -> None:
    d = resolved(world, office)
    assert list(d.follow_ups.values_list("due_on", flat=True)) == [
        dt.date(2026, 11, 19),
        dt.date(2026, 12, 12),
    ]
    client = login("grid_worker")
    r = send(
        client, "post", url(d, "follow-ups"), {"finding": "relapse", "visited_on": "2026-11-19"}
    )
    assert r.status_code == 422 and "note" in error_fields(r)
    r = send(
        client,
        "post",
        url(d, "follow-ups"),
        {"finding": "relapse", "visited_on": "2026-11-19", "note": "围墙又被推倒"},
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "mediating"
    assert body["reopen_count"] == 1
    d.refresh_from_db()
    assert d.outcome == "" and d.resolved_on is None
    visits = list(d.follow_ups.order_by("due_on"))
    assert visits[0].finding == "relapse" and visits[0].visited_on == dt.date(2026, 11, 19)
    assert visits[1].cancelled
    # A new cycle: the ladder starts over, the old agreement no longer counts.
    assert workflow.ladder_state(d)["used"]["village"] == 0
    assert not d.agreements.filter(cycle=d.reopen_count).exists()
    assert ("resolved", "mediating") in list(d.transitions.values_list("from_status", "to_status"))
    assert events(d, "reopened") == 1


def test_office_reopens_a_closed_file_with_a_reason(world: Any, login: Any, office: Any) -> None:
    d = _at(world, office, "closed")
    client = login("township_staff")
    r = send(client, "post", url(d, "reopen"), {"reason": ""})
    assert r.status_code == 422 and "reason" in error_fields(r)
    r = send(client, "post", url(d, "reopen"), {"reason": "当事人再次反映"})
    assert r.status_code == 200 and r.json()["status"] == "mediating"
    d.refresh_from_db()
    assert d.closed_at is None and d.resolve_by is not None
    # Scheduled visits of the closed cycle that were still pending are cancelled.
    assert not FollowUp.objects.filter(dispute=d, visited_on=None, cancelled=False).exists()


def test_out_of_scope_files_answer_404(world: Any, login: Any) -> None:
    b = world.b.extra["dispute"]
    client = login("township_staff")
    before = Dispute.objects.filter(pk=b.pk).values().get()
    for step in ("case-file",):
        assert client.get(url(b, step)).status_code == 404
    for step, body in (("start", {}), ("mediations", SESSION), ("close", {})):
        missing = send(client, "post", f"/api/v1/disputes/987654321/{step}", body)
        r = send(client, "post", url(b, step), body)
        assert r.status_code == missing.status_code == 404
        assert r.content == missing.content
    assert Dispute.objects.filter(pk=b.pk).values().get() == before
    assert client.get(f"/r/disputes/{b.pk}/").status_code == 404
    pdf = client.get(f"/disputes/{b.pk}/agreements/1/pdf/")
    assert pdf.status_code == 404


def test_screening_source_needs_the_screening_of_the_village(world: Any, office: Any) -> None:
    from shouwang.core.records import RecordInvalid

    with pytest.raises(RecordInvalid) as exc:
        new_dispute(world, source="screening", screening=None)
    assert "screening" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        new_dispute(world, civil_to_criminal=True, civil_to_criminal_note="")
    assert "civil_to_criminal_note" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        new_dispute(world, jurisdiction=world.a.township.pk)
    assert "jurisdiction" in exc.value.errors
    ok = new_dispute(world, source="screening", screening=world.a.extra["screening"].pk)
    assert ok.screening_id == world.a.extra["screening"].pk
    assert services.Dispute.objects.filter(pk=ok.pk).exists()
