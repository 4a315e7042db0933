"""Assessment: every measure's arithmetic on a small hand-checked data set (November 2025 in
township A: village A with the world's member, a second village A2 with one more member),
linear scoring and the pass threshold, rewards/penalties (approved by another person only),
conduct breaches, ties in the ranking, the one-vote veto, publishing freezes the scores, the
records behind each line, pages, API and scope."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from conftest import code_item, send
from django.http import Http404

from shouwang.assessment import services
from shouwang.assessment.models import Adjustment, Run, Score, ScoreLine
from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.railway.models import IncidentKind

TZ = dt.timezone(dt.timedelta(hours=8))
PERIOD = "2025-11"
NOW = dt.datetime(2025, 12, 10, 12, 0, tzinfo=TZ)


def at(day: int, hour: int = 9, month: int = 11) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, 0, tzinfo=TZ)


@pytest.fixture
def office(world: Any) -> Any:
    return world.users["township_staff"]


@pytest.fixture
def data(world: Any) -> dict[str, Any]:
    """The hand-checked records of November 2025 (see each measure's test for the figures)."""
    from shouwang.concerns.models import PersonOfConcern, Visit, VisitPolicy
    from shouwang.disputes.models import Dispute
    from shouwang.forces.models import Member
    from shouwang.governance.models import Attendance, Training
    from shouwang.hazards.models import Hazard
    from shouwang.patrols.models import LogAttendance, MissedDuty, PatrolLog
    from shouwang.rostering.models import Duty, DutyAssignment, Roster

    a = world.a
    admin = world.admin
    from shouwang.core import services as core

    a2 = core.create_jurisdiction(
        actor=admin,
        data={
            "name": "甲二村",
            "level": "village",
            "stat_division_code": "500230209201",
            "parent": a.township.pk,
        },
    )
    m_a = a.member
    m2 = Member.objects.create(name="乙二队员", jurisdiction=a2, status="active")
    m2.teams.add(a.team)

    roster = Roster.objects.create(team=a.team, month=dt.date(2025, 11, 1), status="published")
    duties = {}
    for day in (3, 10, 17):
        duties[day] = Duty.objects.create(
            roster=roster,
            post=a.post,
            date=dt.date(2025, 11, day),
            start=at(day, 7),
            end=at(day, 8),
        )
    for day, members in ((3, [m_a, m2]), (10, [m_a]), (17, [m_a, m2])):
        for m in members:
            DutyAssignment.objects.create(duty=duties[day], member=m)
    log1 = PatrolLog.objects.create(
        duty=duties[3],
        team=a.team,
        jurisdiction=a.township,
        started_at=at(3, 7),
        status="submitted",
        author=admin,
    )
    LogAttendance.objects.create(log=log1, member=m_a, status="present", rostered=True)
    LogAttendance.objects.create(log=log1, member=m2, status="absent", rostered=True)
    log2 = PatrolLog.objects.create(
        duty=duties[10],
        team=a.team,
        jurisdiction=a.township,
        started_at=at(10, 7),
        status="confirmed",
        author=admin,
    )
    LogAttendance.objects.create(log=log2, member=m_a, status="late", rostered=True)
    # d10's log came after the grace (a missed-duty item was opened); d17 was never done.
    MissedDuty.objects.create(duty=duties[10], reason="no_log")
    MissedDuty.objects.create(duty=duties[17], reason="no_check_in")

    category = a.hazard.category
    hazards = {}
    for key, deadline, status, closed in (
        ("on_time", dt.date(2025, 11, 10), "closed", at(9)),
        ("late", dt.date(2025, 11, 20), "closed", at(25)),
        ("open", dt.date(2025, 11, 25), "rectifying", None),
        ("next_month", dt.date(2025, 12, 5), "closed", at(1)),
        ("rejected", dt.date(2025, 11, 15), "rejected", None),
    ):
        hazards[key] = Hazard.objects.create(
            category=category,
            jurisdiction=a.grid,
            description=key,
            found_by=admin,
            found_at=at(1),
            status=status,
            deadline=deadline,
            closed_at=closed,
        )
    dcat = code_item("dispute_category")
    disputes = {}
    for key, place, day, outcome in (
        ("a_resolved", a.village, dt.date(2025, 11, 2), "resolved"),
        ("a_partly", a.village, dt.date(2025, 11, 12), "partly_resolved"),
        ("a_october", a.village, dt.date(2025, 10, 30), "resolved"),
        ("a2_resolved", a2, dt.date(2025, 11, 5), "resolved"),
    ):
        disputes[key] = Dispute.objects.create(
            jurisdiction=place,
            title=key,
            category=dcat,
            registered_on=day,
            outcome=outcome,
            status=outcome,
        )
    VisitPolicy.objects.update_or_create(
        jurisdiction=a.township, defaults={"red_days": 10, "yellow_days": 30, "blue_days": 91}
    )
    ccat = code_item("concern_category")
    red = PersonOfConcern.objects.create(
        name="王某",
        jurisdiction=a.village,
        category=ccat,
        attention_level="red",
        registered_on=dt.date(2025, 1, 1),
    )
    PersonOfConcern.objects.create(
        name="李某",
        jurisdiction=a.grid,
        category=ccat,
        attention_level="blue",
        registered_on=dt.date(2025, 1, 1),
    )
    for day in (2, 9, 16, 23, 30):
        Visit.objects.create(person=red, visited_on=dt.date(2025, 11, day))
    Visit.objects.create(person=red, visited_on=dt.date(2025, 10, 28))
    t1 = Training.objects.create(
        jurisdiction=a.township,
        topic="safety",
        starts_at=at(5),
        place="中心",
        organiser="x",
        status="held",
    )
    t2 = Training.objects.create(
        jurisdiction=a.township,
        topic="first_aid",
        starts_at=at(20),
        place="中心",
        organiser="x",
        status="held",
    )
    Training.objects.create(
        jurisdiction=a.township,
        topic="fire",
        starts_at=at(25),
        place="中心",
        organiser="x",
        status="planned",
    )
    Attendance.objects.create(training=t1, member=m_a, presence="present")
    Attendance.objects.create(training=t1, member=m2, presence="absent")
    Attendance.objects.create(training=t2, member=m_a, presence="excused")
    Attendance.objects.create(training=t2, member=m2, presence="present")
    return {
        "a2": a2,
        "m_a": m_a,
        "m2": m2,
        "duties": duties,
        "logs": [log1, log2],
        "hazards": hazards,
        "disputes": disputes,
        "trainings": [t1, t2],
    }


def scheme(world: Any, subject: str, lines: list[tuple[str, str, str]], **over: Any) -> Any:
    s = services.create_scheme(
        actor=world.admin,
        data={
            "jurisdiction": world.a.township.pk,
            "name": f"测试{subject}{len(lines)}{over.get('name', '')}",
            "subject_kind": subject,
            "period_kind": over.get("period_kind", "month"),
            "total_points": over.get("total", "100"),
            "veto_kinds": over.get("veto_kinds", ["terror", "major_crime"]),
            "active": True,
            "note": "",
        },
    )
    for order, (measure, points, threshold) in enumerate(lines):
        services.create_criterion(
            actor=world.admin,
            data={
                "scheme": s.pk,
                "measure": measure,
                "max_points": points,
                "threshold": threshold,
                "sort_order": order,
            },
        )
    return s


VILLAGE_LINES = [
    ("duty_attendance", "20", "50"),
    ("logs_on_time", "10", ""),
    ("hazards_on_time", "30", "40"),
    ("disputes_resolved", "20", ""),
    ("visits_done", "10", ""),
    ("trainings_attended", "10", ""),
]


def lines_of(run: Run, subject_id: int) -> dict[str, ScoreLine]:
    score = run.scores.get(subject_id=subject_id)
    return {line.measure: line for line in score.lines.filter(kind="measure")}


def fig(line: ScoreLine) -> tuple[int | None, int | None, str]:
    return line.numerator, line.denominator, f"{line.points:.2f}"


def adjust(world: Any, by: Any, **data: Any) -> Adjustment:
    payload = {
        "member": "",
        "team": "",
        "village": "",
        "kind": "reward",
        "on_date": "2025-11-15",
        "points": "5",
        "reason": "提供线索",
        "record_type": "",
        "record_id": "",
    }
    payload.update(data)
    return services.create_adjustment(actor=by, data=payload)


# -- the measures --------------------------------------------------------------------------------


def test_village_measures_and_total(world: Any, data: Any, office: Any) -> None:
    a = world.a
    s = scheme(world, "village", VILLAGE_LINES)
    reward = adjust(world, world.admin, village=a.village.pk, points="5")
    services.approve_adjustment(reward, actor=office)
    penalty = adjust(world, world.admin, village=data["a2"].pk, kind="penalty", points="3")
    services.approve_adjustment(penalty, actor=office)
    adjust(world, world.admin, village=data["a2"].pk, points="10")  # pending: does not count
    adjust(world, world.admin, village=a.village.pk, points="7", on_date="2025-12-01")
    penalty_outside = adjust(world, world.admin, village=a.village.pk, on_date="2025-10-31")
    services.approve_adjustment(penalty_outside, actor=office)
    services.create_breach(
        actor=world.admin,
        data={
            "member": a.member.pk,
            "on_date": "2025-11-08",
            "rule": a.extra["conductrule"].pk,
            "description": "迟到",
            "points": "2",
        },
    )
    run = services.compute_run(s, actor=office, period=PERIOD, now=NOW)
    assert (run.period_start, run.period_end, run.period_label) == (
        dt.date(2025, 11, 1),
        dt.date(2025, 11, 30),
        "2025-11",
    )
    va = lines_of(run, a.village.pk)
    # duties: the world member 2 of 3 attended (66.67 % ≥ 50 %) → 20 × 2/3.
    assert fig(va["duty_attendance"]) == (2, 3, "13.33")
    # logs: duties done 3rd and 10th; the 10th's log was late → 1/2 of 10.
    assert fig(va["logs_on_time"]) == (1, 2, "5.00")
    # hazards due 10th (on time), 20th (late), 25th (open); 33 % < 40 % → 0.
    assert fig(va["hazards_on_time"]) == (1, 3, "0.00")
    assert "40" in va["hazards_on_time"].note
    # disputes registered in November: resolved, partly resolved → 1/2 of 20.
    assert fig(va["disputes_resolved"]) == (1, 2, "10.00")
    # visits: red person owes 30 // 10 = 3 (5 made, 3 count); blue owes 1 (none) → 3/4 of 10.
    assert fig(va["visits_done"]) == (3, 4, "7.50")
    # trainings: 2 held, excused from the 2nd, present at the 1st → 1/1.
    assert fig(va["trainings_attended"]) == (1, 1, "10.00")
    score_a = run.scores.get(subject_id=a.village.pk)
    assert score_a.criteria_points == Decimal("45.83")
    assert score_a.adjustment_points == Decimal("5.00")
    assert score_a.breach_points == Decimal("2.00")
    assert score_a.total == Decimal("48.83")

    v2 = lines_of(run, data["a2"].pk)
    assert fig(v2["duty_attendance"]) == (0, 2, "0.00")  # 0 % < 50 %
    assert fig(v2["logs_on_time"]) == (0, 0, "10.00")  # nothing due: full points
    assert v2["logs_on_time"].rate is None
    assert fig(v2["hazards_on_time"]) == (0, 0, "30.00")
    assert fig(v2["disputes_resolved"]) == (1, 1, "20.00")
    assert fig(v2["visits_done"]) == (0, 0, "10.00")
    assert fig(v2["trainings_attended"]) == (1, 2, "5.00")
    score_2 = run.scores.get(subject_id=data["a2"].pk)
    assert (score_2.criteria_points, score_2.adjustment_points, score_2.total) == (
        Decimal("75.00"),
        Decimal("-3.00"),
        Decimal("72.00"),
    )
    assert (score_2.rank, score_a.rank) == (1, 2)
    kinds = list(score_a.lines.order_by("sort_order", "pk").values_list("kind", "points"))
    assert kinds[-2:] == [("adjustment", Decimal("5.00")), ("breach", Decimal("-2.00"))]
    assert (
        AuditEvent.objects.filter(code="assessment.run.computed", target_id=str(run.pk)).count()
        == 1
    )


def test_member_and_team_measures(world: Any, data: Any, office: Any) -> None:
    a = world.a
    services.create_breach(
        actor=world.admin,
        data={
            "member": a.member.pk,
            "on_date": "2025-11-08",
            "rule": a.extra["conductrule"].pk,
            "description": "迟到",
            "points": "2",
        },
    )
    members = scheme(
        world,
        "member",
        [
            ("duty_attendance", "50", ""),
            ("logs_on_time", "20", ""),
            ("trainings_attended", "30", ""),
        ],
    )
    run = services.compute_run(members, actor=office, period=PERIOD, now=NOW)
    ma = lines_of(run, a.member.pk)
    assert fig(ma["duty_attendance"]) == (2, 3, "33.33")
    assert fig(ma["logs_on_time"]) == (1, 2, "10.00")
    assert fig(ma["trainings_attended"]) == (1, 1, "30.00")
    assert run.scores.get(subject_id=a.member.pk).total == Decimal("71.33")
    m2 = lines_of(run, data["m2"].pk)
    assert fig(m2["duty_attendance"]) == (0, 2, "0.00")
    assert fig(m2["logs_on_time"]) == (0, 0, "20.00")
    assert fig(m2["trainings_attended"]) == (1, 2, "15.00")
    assert run.scores.get(subject_id=data["m2"].pk).area_name == "甲二村"

    teams = scheme(world, "team", [("duty_attendance", "60", ""), ("logs_on_time", "40", "")])
    run = services.compute_run(teams, actor=office, period=PERIOD, now=NOW)
    ta = lines_of(run, a.team.pk)
    assert fig(ta["duty_attendance"]) == (2, 5, "24.00")
    assert fig(ta["logs_on_time"]) == (1, 2, "20.00")
    # The team answers for its members' breaches.
    team_score = run.scores.get(subject_id=a.team.pk)
    assert (team_score.breach_points, team_score.total) == (Decimal("2.00"), Decimal("42.00"))


def test_line_points_linear_and_threshold() -> None:
    assert services.line_points(Decimal(20), None, 1, 4) == (Decimal("0.25"), Decimal("5.00"), "")
    rate, points, note = services.line_points(Decimal(20), Decimal(30), 1, 4)
    assert (rate, points) == (Decimal("0.25"), Decimal("0.00")) and note
    assert services.line_points(Decimal(20), Decimal(25), 1, 4)[1] == Decimal("5.00")
    assert services.line_points(Decimal(20), Decimal(50), 0, 0)[:2] == (None, Decimal(20))


def test_ranking_ties_share_a_rank_and_vetoed_come_last() -> None:
    rows = [
        (False, Decimal(80)),
        (False, Decimal(90)),
        (False, Decimal(80)),
        (True, Decimal(95)),
        (False, Decimal(70)),
        (True, Decimal(95)),
    ]
    assert services.rank_scores(rows) == [2, 1, 2, 5, 4, 5]


# -- veto ------------------------------------------------------------------------------------------


def _incident(place: Any, kind: str, day: int = 12) -> Any:
    from shouwang.railway.models import RailwayIncident

    return RailwayIncident.objects.create(
        jurisdiction=place, occurred_at=at(day), kind=kind, description="测试"
    )


def test_veto(world: Any, data: Any, office: Any) -> None:
    a = world.a
    s = scheme(world, "village", VILLAGE_LINES, veto_kinds=["major_crime", "terror"])
    run = services.compute_run(s, actor=office, period=PERIOD, now=NOW)
    assert not run.scores.filter(vetoed=True).exists()
    # A kind not listed does not veto; one outside the period does not either.
    _incident(data["a2"], "fence_damage")
    old = _incident(data["a2"], "major_crime", day=1)
    type(old).objects.filter(pk=old.pk).update(occurred_at=at(28, month=10))
    run = services.compute_run(s, actor=office, period=PERIOD, now=NOW)
    assert not run.scores.filter(vetoed=True).exists()
    incident = _incident(data["a2"], "major_crime")
    run = services.compute_run(s, actor=office, period=PERIOD, now=NOW)
    vetoed = run.scores.get(subject_id=data["a2"].pk)
    assert vetoed.vetoed and vetoed.total == Decimal("75.00")  # the points stay visible
    assert [i["id"] for i in vetoed.veto_incidents] == [incident.pk]
    assert str(IncidentKind.MAJOR_CRIME.label) in vetoed.veto_reason
    assert vetoed.rank == 2 and run.scores.get(subject_id=a.village.pk).rank == 1

    members = scheme(world, "member", [("duty_attendance", "100", "")], veto_kinds=["major_crime"])
    run = services.compute_run(members, actor=office, period=PERIOD, now=NOW)
    assert run.scores.get(subject_id=data["m2"].pk).vetoed  # registered in the village
    assert not run.scores.get(subject_id=a.member.pk).vetoed
    teams = scheme(world, "team", [("duty_attendance", "100", "")], veto_kinds=["major_crime"])
    run = services.compute_run(teams, actor=office, period=PERIOD, now=NOW)
    # A township-level team answers for its whole township.
    assert run.scores.get(subject_id=a.team.pk).vetoed


# -- weights, periods ----------------------------------------------------------------------------


def test_weights_and_measures_are_validated(world: Any, office: Any) -> None:
    s = scheme(world, "member", [("duty_attendance", "60", "")])
    with pytest.raises(RecordInvalid) as exc:
        services.create_criterion(
            actor=office,
            data={"scheme": s.pk, "measure": "logs_on_time", "max_points": "50", "sort_order": 1},
        )
    assert "max_points" in exc.value.errors and "40" in exc.value.errors["max_points"][0]
    with pytest.raises(RecordInvalid) as exc:
        services.create_criterion(
            actor=office,
            data={
                "scheme": s.pk,
                "measure": "hazards_on_time",
                "max_points": "10",
                "sort_order": 1,
            },
        )
    assert "measure" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        services.create_criterion(
            actor=office,
            data={"scheme": s.pk, "measure": "online_time", "max_points": "10", "sort_order": 1},
        )
    assert "measure" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        services.compute_run(s, actor=office, period=PERIOD, now=NOW)
    assert "60" in exc.value.errors["scheme"][0] and "100" in exc.value.errors["scheme"][0]
    with pytest.raises(RecordInvalid) as exc:
        services.create_scheme(
            actor=world.admin,
            data={
                "jurisdiction": world.a.county.pk,
                "name": "县考核",
                "subject_kind": "member",
                "period_kind": "month",
                "total_points": "100",
                "veto_kinds": [],
                "active": True,
            },
        )
    assert "subject_kind" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        scheme(world, "village", [], veto_kinds=["nonsense"])
    assert "veto_kinds" in exc.value.errors


def test_periods() -> None:
    assert services.period_bounds("quarter", "2025-q4") == (
        dt.date(2025, 10, 1),
        dt.date(2025, 12, 31),
        "2025-Q4",
    )
    assert services.period_bounds("year", "2024")[1] == dt.date(2024, 12, 31)
    assert services.period_bounds("month", "2024-2")[1] == dt.date(2024, 2, 29)
    with pytest.raises(RecordInvalid) as exc:
        services.period_bounds("month", "2025-Q4")
    assert "period" in exc.value.errors


def test_no_measure_of_app_activity() -> None:
    from shouwang.assessment import measures

    assert set(measures.MEASURES) == {
        "duty_attendance",
        "logs_on_time",
        "hazards_on_time",
        "disputes_resolved",
        "visits_done",
        "trainings_attended",
    }
    assert "app activity" in (measures.__doc__ or "")


# -- approval, publishing --------------------------------------------------------------------------


def test_approval_by_another_person(world: Any, office: Any) -> None:
    adj = adjust(
        world, office, member=world.a.member.pk, record_type="hazard", record_id=world.a.hazard.pk
    )
    assert adj.entered_by == office and adj.status == "pending"
    with pytest.raises(RecordInvalid) as exc:
        services.approve_adjustment(adj, actor=office)
    assert "approved_by" in exc.value.errors
    services.approve_adjustment(adj, actor=world.users["county_supervisor"])
    adj.refresh_from_db()
    assert (adj.status, adj.approved_by) == ("approved", world.users["county_supervisor"])
    assert AuditEvent.objects.filter(code="assessment.adjustment.approved").count() == 1
    with pytest.raises(RecordInvalid):
        services.update_adjustment(adj, actor=office, data={"points": "50"})
    with pytest.raises(RecordInvalid):
        services.delete_adjustment(adj, actor=office)
    assert services.adjustment_record_url(adj) == f"/r/hazards/{world.a.hazard.pk}/"
    with pytest.raises(RecordInvalid) as exc:
        adjust(world, office, member=world.a.member.pk, village=world.a.village.pk)
    assert "member" in exc.value.errors


def test_publish_freezes_the_scores(world: Any, data: Any, office: Any, login: Any) -> None:
    from shouwang.disputes.models import Dispute

    s = scheme(world, "village", VILLAGE_LINES)
    run = services.compute_run(s, actor=office, period=PERIOD, now=NOW)
    before = list(Score.objects.filter(run=run).values_list("subject_id", "total", "rank"))
    services.publish_run(run, actor=office)
    Dispute.objects.filter(pk=data["disputes"]["a_partly"].pk).update(outcome="resolved")
    with pytest.raises(RecordInvalid) as exc:
        services.compute_run(s, actor=office, period=PERIOD, now=NOW)
    assert "status" in exc.value.errors
    with pytest.raises(RecordInvalid):
        services.publish_run(run, actor=office)
    assert list(Score.objects.filter(run=run).values_list("subject_id", "total", "rank")) == before
    assert (
        AuditEvent.objects.filter(code="assessment.run.published", target_id=str(run.pk)).count()
        == 1
    )
    page = login("township_staff").get(f"/assessment/runs/{run.pk}/")
    assert page.status_code == 200
    assert f"/assessment/runs/{run.pk}/publish/" not in page.content.decode()


# -- traceability, pages, API, scope -------------------------------------------------------------


def test_lines_trace_to_their_records(world: Any, data: Any, office: Any, login: Any) -> None:
    s = scheme(world, "village", VILLAGE_LINES)
    run = services.compute_run(s, actor=office, period=PERIOD, now=NOW)
    hazards = lines_of(run, world.a.village.pk)["hazards_on_time"]
    h = data["hazards"]
    assert hazards.records == {
        "type": "hazards.hazard",
        "counted": [h["on_time"].pk],
        "due": sorted([h["on_time"].pk, h["late"].pk, h["open"].pk]),
    }
    client = login("township_staff")
    page = client.get(f"/assessment/lines/{hazards.pk}/records/")
    assert page.status_code == 200
    for key in ("on_time", "late", "open"):
        url = f"/r/hazards/{h[key].pk}/"
        assert url in page.content.decode()
        assert client.get(url).status_code == 200
    assert client.get(hazards.link).status_code == 200
    logs = lines_of(run, world.a.village.pk)["logs_on_time"]
    assert logs.records["due"] == sorted(x.pk for x in data["logs"])
    page = client.get(f"/assessment/lines/{logs.pk}/records/")
    assert f"/patrols/logs/{data['logs'][0].pk}/" in page.content.decode()
    for line in ScoreLine.objects.filter(score__run=run, kind="measure").exclude(link=""):
        assert client.get(line.link).status_code == 200, line.link
    visits = lines_of(run, world.a.village.pk)["visits_done"]
    assert visits.records == {}  # counts only, no names


def test_pages_and_export(world: Any, data: Any, office: Any, login: Any) -> None:
    from openpyxl import load_workbook

    s = scheme(world, "village", VILLAGE_LINES)
    client = login("township_staff")
    response = client.post("/assessment/runs/compute/", {"scheme": s.pk, "period": PERIOD})
    run = Run.objects.get(scheme=s)
    assert response.status_code == 302 and response["Location"] == f"/assessment/runs/{run.pk}/"
    assert client.get("/assessment/").status_code == 200
    page = client.get(f"/assessment/runs/{run.pk}/").content.decode()
    assert "甲二村" in page
    score = run.scores.get(subject_id=data["a2"].pk)
    assert client.get(f"/assessment/scores/{score.pk}/").status_code == 200
    assert client.get(f"/r/assessment-schemes/{s.pk}/").status_code == 200
    xlsx = client.get(f"/assessment/runs/{run.pk}/ranking.xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    ranking = list(book.worksheets[0].iter_rows(min_row=3, values_only=True))
    assert (1, "甲二村", 75.0) in [(r[0], r[1], r[6]) for r in ranking]
    response = client.post(f"/assessment/runs/{run.pk}/publish/")
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.is_published
    adj = adjust(world, world.admin, village=world.a.village.pk)
    detail = client.get(f"/r/assessment-adjustments/{adj.pk}/").content.decode()
    assert f"/assessment/adjustments/{adj.pk}/approve/" in detail
    client.post(f"/assessment/adjustments/{adj.pk}/approve/")
    adj.refresh_from_db()
    assert adj.status == "approved"


def test_api(world: Any, data: Any, office: Any, login: Any) -> None:
    s = scheme(world, "village", VILLAGE_LINES)
    client = login("township_staff")
    response = send(client, "post", "/api/v1/assessment/runs", {"scheme": s.pk, "period": "11"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "period"
    response = send(client, "post", "/api/v1/assessment/runs", {"scheme": s.pk, "period": PERIOD})
    assert response.status_code == 200, response.content
    run_id = response.json()["id"]
    listed = client.get("/api/v1/assessment/runs", {"scheme": s.pk}).json()
    assert [r["id"] for r in listed] == [run_id]
    scores = client.get(f"/api/v1/assessment/runs/{run_id}/scores").json()
    a2 = next(x for x in scores if x["subject_id"] == data["a2"].pk)
    assert (a2["rank"], a2["total"]) == (1, 75.0)
    disputes = next(x for x in a2["lines"] if x["measure"] == "disputes_resolved")
    assert (disputes["numerator"], disputes["denominator"], disputes["rate"]) == (1, 1, 1.0)
    assert disputes["records"]["counted"] == [data["disputes"]["a2_resolved"].pk]
    assert client.get(f"/api/v1/assessment/runs/{run_id}").json()["scores"][0]["rank"] == 1
    assert len(client.get("/api/v1/assessment/measures").json()) == 6
    published = send(client, "post", f"/api/v1/assessment/runs/{run_id}/publish")
    assert published.json()["status"] == "published"
    again = send(client, "post", f"/api/v1/assessment/runs/{run_id}/publish")
    assert again.status_code == 422


def test_scope(world: Any, office: Any, login: Any) -> None:
    b_scheme = world.b.extra["scheme"]
    services.update_criterion(
        world.b.extra["criterion"], actor=world.admin, data={"max_points": "100"}
    )
    run = services.compute_run(b_scheme, actor=world.admin, period=PERIOD, now=NOW)
    client = login("township_staff")
    assert client.get(f"/assessment/runs/{run.pk}/").status_code == 404
    assert client.get(f"/api/v1/assessment/runs/{run.pk}/scores").status_code == 404
    score = run.scores.first()
    assert score is not None
    assert client.get(f"/assessment/scores/{score.pk}/").status_code == 404
    assert run.pk not in [r["id"] for r in client.get("/api/v1/assessment/runs").json()]
    response = send(
        client, "post", "/api/v1/assessment/runs", {"scheme": b_scheme.pk, "period": PERIOD}
    )
    assert response.status_code == 404
    # A patrol member has no assessment permission at all.
    member = login("patrol_member")
    assert member.get("/assessment/").status_code == 403
    assert member.get("/api/v1/assessment/runs").status_code == 403
    with pytest.raises(Http404):
        services.compute_run(b_scheme, actor=office, period=PERIOD, now=NOW)


def test_demo_is_idempotent(world: Any) -> None:
    from shouwang.assessment.demo import load_demo_assessment

    first = load_demo_assessment(world.admin, world.a.township)
    second = load_demo_assessment(world.admin, world.a.township)
    assert first.pk == second.pk
    assert first.criteria.count() == 4
    assert sum(c.max_points for c in first.criteria.all()) == first.total_points
    assert Adjustment.objects.filter(reason__contains="一事一奖").count() == 1


def test_scheme_page_ticks_the_veto_kinds(world: Any, login: Any) -> None:
    """The veto kinds are ticked from the railway incident kinds, not typed as JSON."""
    from shouwang.assessment.models import Scheme

    client = login("township_staff")
    page = client.get("/r/assessment-schemes/new/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'type="checkbox" name="veto_kinds" value="terror"' in html
    # The default veto kinds (四杜绝) are ticked on a new scheme.
    assert 'value="terror" id="id_veto_kinds_9" checked' in html
    assert 'value="cable_theft" id="id_veto_kinds_2">' in html
    answer = client.post(
        "/r/assessment-schemes/new/",
        {
            "jurisdiction": world.a.township.pk,
            "name": "勾选否决项",
            "subject_kind": "village",
            "period_kind": "month",
            "total_points": "100",
            "veto_kinds": ["train_accident", "terror"],
            "active": "on",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert Scheme.objects.get(name="勾选否决项").veto_kinds == ["terror", "train_accident"]
