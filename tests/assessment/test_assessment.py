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
    for key, place, registered, outcome, resolved_on in (
        ("a_resolved", a.village, dt.date(2025, 11, 2), "resolved", dt.date(2025, 11, 20)),
        ("a_partly", a.village, dt.date(2025, 11, 12), "partly_resolved", dt.date(2025, 11, 25)),
        ("a_october", a.village, dt.date(2025, 10, 30), "resolved", dt.date(2025, 10, 31)),
        ("a2_resolved", a2, dt.date(2025, 11, 5), "resolved", dt.date(2025, 11, 6)),
        # Registered in November, still within its deadline: not yet due, costs nothing.
        ("a_pending", a.village, dt.date(2025, 11, 20), "", None),
    ):
        disputes[key] = Dispute.objects.create(
            jurisdiction=place,
            title=key,
            category=dcat,
            registered_on=registered,
            resolve_by=registered + dt.timedelta(days=30),
            outcome=outcome,
            resolved_on=resolved_on,
            status=outcome or "mediating",
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
    # disputes with a result in November: resolved, partly resolved → 1/2 of 20 (the one
    # registered on the 20th is within its deadline: not yet due).
    assert fig(va["disputes_resolved"]) == (1, 2, "10.00")
    assert data["disputes"]["a_pending"].pk not in va["disputes_resolved"].records["due"]
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
    # Nothing due: not applicable — neither full points nor a penalty.
    for key in ("logs_on_time", "hazards_on_time", "visits_done"):
        assert fig(v2[key]) == (0, 0, "0.00") and not v2[key].applicable, key
        assert v2[key].rate is None
        assert str(services.NOT_APPLICABLE) in v2[key].note
    assert fig(v2["disputes_resolved"]) == (1, 1, "20.00")
    assert fig(v2["trainings_attended"]) == (1, 2, "5.00")
    assert all(va[key].applicable for key in va)
    score_2 = run.scores.get(subject_id=data["a2"].pk)
    # Over the applicable lines (20 + 20 + 10 = 50 points): 100 × (0 + 20 + 5) ÷ 50.
    assert (score_2.criteria_points, score_2.adjustment_points, score_2.total) == (
        Decimal("50.00"),
        Decimal("-3.00"),
        Decimal("47.00"),
    )
    assert (score_a.rank, score_2.rank) == (1, 2)
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
    assert fig(m2["logs_on_time"]) == (0, 0, "0.00") and not m2["logs_on_time"].applicable
    assert fig(m2["trainings_attended"]) == (1, 2, "15.00")
    # 100 × (0 + 15) ÷ (50 + 30): the logs line does not apply to m2.
    assert run.scores.get(subject_id=data["m2"].pk).criteria_points == Decimal("18.75")
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
    rate, points, note = services.line_points(Decimal(20), Decimal(50), 0, 0)
    assert (rate, points, note) == (None, None, str(services.NOT_APPLICABLE))


def test_criteria_score_scales_over_the_applicable_lines() -> None:
    score = services.criteria_score
    # Every line applies: the plain sum.
    assert score(Decimal(100), [(Decimal(60), Decimal(30)), (Decimal(40), Decimal(40))]) == Decimal(
        "70.00"
    )
    # 40 of 60 applicable points → 100 × 40 ÷ 60; the not-applicable line counts for nothing.
    assert score(
        Decimal(100), [(Decimal(40), None), (Decimal(30), Decimal(10)), (Decimal(30), Decimal(30))]
    ) == Decimal("66.67")
    # A perfect record on the applicable lines is worth the full total, no more.
    assert score(Decimal(80), [(Decimal(50), None), (Decimal(30), Decimal(30))]) == Decimal("80.00")
    # Nothing applicable: no score at all — not full marks, not zero.
    assert score(Decimal(100), [(Decimal(60), None), (Decimal(40), None)]) is None


def test_ranking_ties_share_a_rank_and_vetoed_come_last() -> None:
    rows = [
        (False, Decimal(80), Decimal(80)),
        (False, Decimal(90), Decimal(90)),
        (False, Decimal(80), Decimal(80)),
        (True, Decimal(95), Decimal(95)),
        (False, Decimal(70), Decimal(70)),
        (True, Decimal(95), Decimal(95)),
    ]
    assert services.rank_scores(rows) == [2, 1, 2, 5, 4, 5]


def test_ranking_puts_subjects_with_nothing_applicable_after_the_scored() -> None:
    rows = [
        (False, None, Decimal(5)),  # nothing applicable, a reward of 5
        (False, Decimal(1), Decimal(1)),
        (False, None, Decimal(0)),
        (True, Decimal(90), Decimal(90)),
        (False, Decimal(80), Decimal(80)),
        (False, None, Decimal(0)),
    ]
    assert services.rank_scores(rows) == [3, 2, 4, 6, 1, 4]


# -- not applicable, not yet due ------------------------------------------------------------------


def _village(world: Any, name: str, code: str) -> Any:
    from shouwang.core import services as core

    return core.create_jurisdiction(
        actor=world.admin,
        data={
            "name": name,
            "level": "village",
            "stat_division_code": code,
            "parent": world.a.township.pk,
        },
    )


def test_nothing_applicable_is_no_score_and_ranks_after_the_scored(
    world: Any, data: Any, office: Any, login: Any
) -> None:
    """A village that recorded nothing gets no criteria score — not full marks — and ranks
    after every scored village, even with a reward; its lines say 不适用 on every channel."""
    from openpyxl import load_workbook

    quiet = _village(world, "甲三村", "500230209202")
    reward = adjust(world, world.admin, village=quiet.pk, points="5")
    services.approve_adjustment(reward, actor=office)
    s = scheme(world, "village", VILLAGE_LINES)
    run = services.compute_run(s, actor=office, period=PERIOD, now=NOW)
    score = run.scores.get(subject_id=quiet.pk)
    assert score.criteria_points is None
    assert (score.adjustment_points, score.total) == (Decimal("5.00"), Decimal("5.00"))
    lines = lines_of(run, quiet.pk)
    assert len(lines) == 6 and not any(x.applicable for x in lines.values())
    assert all(x.points == 0 and x.rate is None for x in lines.values())
    # Each line keeps its way back to the records (the list page of the village).
    assert lines["hazards_on_time"].records["type"] == "hazards.hazard"
    assert f"jurisdiction={quiet.pk}" in lines["hazards_on_time"].link
    scored = run.scores.exclude(subject_id=quiet.pk)
    assert score.rank == scored.count() + 1
    assert all(x.rank < score.rank for x in scored)

    client = login("township_staff")
    ranking = client.get(f"/assessment/runs/{run.pk}/").content.decode()
    assert str(services.NOTHING_APPLICABLE) in ranking
    detail = client.get(f"/assessment/scores/{score.pk}/").content.decode()
    assert str(services.NOT_APPLICABLE) in detail
    line = lines["disputes_resolved"]
    assert client.get(f"/assessment/lines/{line.pk}/records/").status_code == 200
    book = load_workbook(io.BytesIO(client.get(f"/assessment/runs/{run.pk}/ranking.xlsx").content))
    row = next(
        r for r in book.worksheets[0].iter_rows(min_row=3, values_only=True) if r[1] == "甲三村"
    )
    assert (row[0], row[3], row[6]) == (score.rank, str(services.NOTHING_APPLICABLE), 5.0)
    api = client.get(f"/api/v1/assessment/runs/{run.pk}/scores").json()
    out = next(x for x in api if x["subject_id"] == quiet.pk)
    assert (out["criteria_points"], out["has_criteria_score"], out["total"]) == (None, False, 5.0)
    assert {x["applicable"] for x in out["lines"] if x["kind"] == "measure"} == {False}


def test_a_dispute_counts_once_its_outcome_is_due(world: Any, data: Any, office: Any) -> None:
    """Counted: a result in the period, or past the deadline without one. Not counted: a
    dispute still within its deadline (recording it costs nothing)."""
    from shouwang.disputes.models import Dispute

    a2 = data["a2"]
    dcat = code_item("dispute_category")

    def dispute(title: str, registered: dt.date, resolve_by: dt.date | None, **more: Any) -> Any:
        return Dispute.objects.create(
            jurisdiction=a2,
            title=title,
            category=dcat,
            registered_on=registered,
            resolve_by=resolve_by,
            status=more.get("outcome") or "mediating",
            **more,
        )

    # Past its deadline (Nov 15) and unresolved at the end of November: due, not resolved.
    overdue = dispute("overdue", dt.date(2025, 10, 16), dt.date(2025, 11, 15))
    # Deadline Nov 25, resolved only on Dec 3: failed in November, resolved in December.
    late = dispute(
        "late",
        dt.date(2025, 10, 26),
        dt.date(2025, 11, 25),
        outcome="resolved",
        resolved_on=dt.date(2025, 12, 3),
    )
    # Within its deadline at the end of November (and on Dec 10): not yet due.
    waiting = dispute("waiting", dt.date(2025, 11, 28), dt.date(2025, 12, 28))
    # Registered earlier, referred in November: a result in the period, not resolved.
    referred = dispute(
        "referred",
        dt.date(2025, 9, 1),
        dt.date(2025, 10, 1),
        outcome="failed_referred",
        resolved_on=dt.date(2025, 11, 3),
    )
    # Deadline Dec 8, before the run's day (Dec 10): due in the current (December) draft.
    due_now = dispute("due_now", dt.date(2025, 11, 8), dt.date(2025, 12, 8))
    s = scheme(world, "village", [("disputes_resolved", "100", "")])
    run = services.compute_run(s, actor=office, period=PERIOD, now=NOW)
    line = lines_of(run, a2.pk)["disputes_resolved"]
    resolved = data["disputes"]["a2_resolved"]
    assert line.records["counted"] == [resolved.pk]
    assert line.records["due"] == sorted([resolved.pk, overdue.pk, late.pk, referred.pk])
    assert fig(line) == (1, 4, "25.00")
    assert waiting.pk not in line.records["due"] and due_now.pk not in line.records["due"]

    december = services.compute_run(s, actor=office, period="2025-12", now=NOW)
    line = lines_of(december, a2.pk)["disputes_resolved"]
    # Still overdue; the late one resolved on Dec 3; due_now's deadline has passed by Dec 10;
    # waiting is within its deadline.
    assert line.records["due"] == sorted([overdue.pk, late.pk, due_now.pk])
    assert line.records["counted"] == [late.pk]
    # A village whose only dispute is within its deadline: not applicable, no score.
    only_waiting = _village(world, "甲四村", "500230209203")
    Dispute.objects.filter(pk=waiting.pk).update(jurisdiction=only_waiting)
    run = services.compute_run(s, actor=office, period=PERIOD, now=NOW)
    assert not lines_of(run, only_waiting.pk)["disputes_resolved"].applicable
    assert run.scores.get(subject_id=only_waiting.pk).criteria_points is None


def test_hazards_duties_and_visits_not_yet_due(world: Any, data: Any, office: Any) -> None:
    """In a draft of the running period, what is still within its time limit is left out."""
    from shouwang.concerns.models import PersonOfConcern
    from shouwang.hazards.models import Hazard
    from shouwang.rostering.models import Duty, DutyAssignment, Roster

    a = world.a
    h = data["hazards"]
    category = a.hazard.category
    hazard_kw = {"category": category, "jurisdiction": a.grid, "found_by": world.admin}
    open_within = Hazard.objects.create(
        description="within",
        found_at=at(1, month=12),
        status="rectifying",
        deadline=dt.date(2025, 12, 20),
        **hazard_kw,
    )
    open_past = Hazard.objects.create(
        description="past",
        found_at=at(1, month=12),
        status="rectifying",
        deadline=dt.date(2025, 12, 8),
        **hazard_kw,
    )
    roster = Roster.objects.create(team=a.team, month=dt.date(2025, 12, 1), status="published")
    ended = {}
    for day, hour in ((9, 7), (10, 10)):  # the 10th's duty ended an hour before the run
        ended[day] = Duty.objects.create(
            roster=roster,
            post=a.post,
            date=dt.date(2025, 12, day),
            start=at(day, hour, month=12),
            end=at(day, hour + 1, month=12),
        )
        DutyAssignment.objects.create(duty=ended[day], member=a.member)
    # Red (every 10 days), on the register since Dec 5: nothing due by Dec 10.
    PersonOfConcern.objects.create(
        name="赵某",
        jurisdiction=a.village,
        category=code_item("concern_category"),
        attention_level="red",
        registered_on=dt.date(2025, 12, 5),
    )
    s = scheme(
        world,
        "village",
        [("hazards_on_time", "40", ""), ("duty_attendance", "40", ""), ("visits_done", "20", "")],
    )
    run = services.compute_run(s, actor=office, period="2025-12", now=NOW)
    lines = lines_of(run, a.village.pk)
    assert lines["hazards_on_time"].records["due"] == sorted([h["next_month"].pk, open_past.pk])
    assert open_within.pk not in lines["hazards_on_time"].records["due"]
    # The duty that ended at 11:00 is still within the 120-minute grace for its log.
    assert lines["duty_attendance"].records["due"] == [ended[9].pk]
    # Visits: by Dec 10 no one has been on the register for a whole cadence in December
    # (9 days over; red every 10 days, blue every 91 days): not applicable yet.
    assert not lines["visits_done"].applicable
    later = NOW + dt.timedelta(days=2)
    run = services.compute_run(s, actor=office, period="2025-12", now=later)
    lines = lines_of(run, a.village.pk)
    assert lines["duty_attendance"].records["due"] == sorted(d.pk for d in ended.values())
    # Dec 12: 王某 (red since January) owes one visit for Dec 1–11; 赵某 (Dec 5–11) not yet.
    assert (lines["visits_done"].numerator, lines["visits_done"].denominator) == (0, 1)


def test_old_runs_still_render(world: Any, data: Any, office: Any, login: Any) -> None:
    """Runs published before 不适用 existed keep their lines as stored: a line with nothing
    due shows the full points it was given then."""
    s = scheme(world, "village", VILLAGE_LINES)
    run = services.compute_run(s, actor=office, period=PERIOD, now=NOW)
    services.publish_run(run, actor=office)
    old_note = "Nothing due in the period: full points."
    ScoreLine.objects.filter(score__run=run, kind="measure", applicable=False).update(
        applicable=True, points=Decimal(10), note=old_note
    )
    Score.objects.filter(run=run).update(criteria_points=Decimal("75.00"), total=Decimal("72.00"))
    client = login("township_staff")
    score = run.scores.get(subject_id=data["a2"].pk)
    page = client.get(f"/assessment/scores/{score.pk}/").content.decode()
    assert old_note in page and str(services.NOT_APPLICABLE) not in page
    assert client.get(f"/assessment/runs/{run.pk}/").status_code == 200
    assert client.get(f"/assessment/runs/{run.pk}/ranking.xlsx").status_code == 200
    lines = client.get(f"/api/v1/assessment/runs/{run.pk}/scores").json()
    a2 = next(x for x in lines if x["subject_id"] == data["a2"].pk)
    assert {x["applicable"] for x in a2["lines"]} == {True} and a2["criteria_points"] == 75.0


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
    assert vetoed.vetoed and vetoed.total == Decimal("50.00")  # the points stay visible
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
    assert (1, "甲二村", 50.0) in [(r[0], r[1], r[6]) for r in ranking]
    rows = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    na = [r for r in rows if r[0] == "甲二村" and r[2] == 0 and r[3] == 0]
    assert len(na) == 3 and all(r[6] == str(services.NOT_APPLICABLE) for r in na)
    score_page = client.get(f"/assessment/scores/{score.pk}/").content.decode()
    assert str(services.NOT_APPLICABLE) in score_page
    assert "100 × 25 ÷ 50" in score_page
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
    assert (a2["rank"], a2["total"], a2["criteria_points"]) == (1, 50.0, 50.0)
    hazards = next(x for x in a2["lines"] if x["measure"] == "hazards_on_time")
    assert (hazards["applicable"], hazards["points"], hazards["rate"]) == (False, None, None)
    assert hazards["link"] and hazards["records"]["type"] == "hazards.hazard"
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
