"""Indicators (reports.indicators): every figure on a small hand-checked data set, with the
previous period's value, the children rows of the drill-down, the railway targets, the
periods, and that the records behind a figure are exactly the ones counted.

The data set lives on side A in June 2025 (current) and May 2025 (previous), months the shared
world leaves empty; a second village (甲二村) under township A gives the township two children.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import _hazard, citizen_id_for, code_item

from shouwang.core.models import Jurisdiction
from shouwang.core.records import RecordInvalid
from shouwang.patrols import tallies
from shouwang.reports.indicators import Period, compute, records

TZ = dt.timezone(dt.timedelta(hours=8))
JUNE = Period.month(2025, 6)
MAY = Period.month(2025, 5)


def at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TZ)


@dataclass
class Data:
    village2: Any
    members: list[Any]
    logs: dict[str, Any] = field(default_factory=dict)
    hazards: dict[str, Any] = field(default_factory=dict)
    disputes: dict[str, Any] = field(default_factory=dict)
    duties: dict[str, Any] = field(default_factory=dict)


def _member(world: Any, n: int) -> Any:
    from conftest import _member as member_payload
    from world_extensions.disputes import _service_data

    from shouwang.forces import services as forces

    data = member_payload(world, world.a, "A", 60 + n)
    return forces.create_member(actor=world.admin, data=_service_data(data))


def _log(world: Any, place: Any, started: str, status: str, duty: Any, who: dict[Any, str]) -> Any:
    from shouwang.patrols.models import LogAttendance, PatrolLog

    log = PatrolLog.objects.create(
        team=world.a.team,
        jurisdiction=place,
        duty=duty,
        started_at=at(started, 8),
        ended_at=at(started, 10),
        status=status,
        author=world.admin,
    )
    for member, attendance in who.items():
        LogAttendance.objects.create(log=log, member=member, status=attendance, rostered=True)
    return log


def _duty(roster: Any, post: Any, day: str) -> Any:
    from shouwang.rostering.models import Duty

    return Duty.objects.create(
        roster=roster, post=post, date=dt.date.fromisoformat(day), start=at(day, 8), end=at(day, 10)
    )


def build(world: Any) -> Data:
    """The hand-checked data set (see each family's test for the numbers)."""
    from shouwang.concerns import services as concerns
    from shouwang.disputes import services as disputes
    from shouwang.disputes.models import Dispute
    from shouwang.governance import services as governance
    from shouwang.hazards import services as hazards
    from shouwang.hazards.models import Hazard
    from shouwang.railway import services as railway
    from shouwang.rostering.models import DutyAssignment, Roster

    a = world.a
    admin = world.admin
    village2 = Jurisdiction.objects.create(
        name="甲二村", level="village", stat_division_code="500230209201", parent=a.township
    )
    village2.after_save()
    m1, m2, m3, m4 = (_member(world, n) for n in range(4))
    data = Data(village2=village2, members=[m1, m2, m3, m4])

    # Duties: June roster (published) with d1 (covered by log1) and d2 (not covered); a draft
    # roster of another team does not bind; May roster with d4 covered by log4.
    june = Roster.objects.create(team=a.team, month=dt.date(2025, 6, 1), status="published")
    draft = Roster.objects.create(team=a.policy_team, month=dt.date(2025, 6, 1), status="draft")
    may = Roster.objects.create(team=a.team, month=dt.date(2025, 5, 1), status="published")
    d1 = _duty(june, a.post, "2025-06-03")
    d2 = _duty(june, a.post, "2025-06-15")
    _duty(draft, a.post, "2025-06-16")
    d4 = _duty(may, a.post, "2025-05-20")
    data.duties = {"d1": d1, "d2": d2, "d4": d4}
    for duty, members in ((d1, (m1, m2, m3)), (d2, (m1,)), (d4, (m1,))):
        for m in members:
            DutyAssignment.objects.create(duty=duty, member=m)

    # Patrol logs: 2 handed in in June (4 turnouts), one still open, one in May.
    data.logs = {
        "log1": _log(
            world,
            a.village,
            "2025-06-03",
            "submitted",
            d1,
            {m1: "present", m2: "late", m3: "absent"},
        ),
        "log2": _log(
            world, village2, "2025-06-10", "confirmed", None, {m1: "present", m4: "substitute"}
        ),
        "log3": _log(world, a.village, "2025-06-12", "open", None, {m1: "present"}),
        "log4": _log(world, a.village, "2025-05-20", "confirmed", d4, {m1: "present"}),
    }

    # Hazards: June h1 closed (village A), h2 overdue (village 2), h3 rejected (left out);
    # May h4 closed.
    def hazard(key: str, place: Any, found: str, **state: Any) -> None:
        from world_extensions.disputes import _service_data

        payload = {**_hazard(world, a, "A", 70 + len(data.hazards)), "jurisdiction": place.pk}
        payload["found_at"] = at(found).isoformat()
        h = hazards.create_hazard(actor=admin, data=_service_data(payload))
        Hazard.objects.filter(pk=h.pk).update(**state)
        data.hazards[key] = h

    hazard("h1", a.village, "2025-06-05", status="closed", deadline=dt.date(2025, 6, 25))
    hazard("h2", village2, "2025-06-06", status="assigned", deadline=dt.date(2025, 6, 20))
    hazard("h3", village2, "2025-06-07", status="rejected")
    hazard("h4", a.village, "2025-05-10", status="closed", deadline=dt.date(2025, 5, 30))

    # Disputes: June p1 resolved (village A), p2 open (village 2); May p3 open.
    def dispute(key: str, place: Any, day: str, **state: Any) -> None:
        from world_extensions.disputes import _dispute, _service_data

        payload = {**_dispute(world, a, "A", 70 + len(data.disputes)), "jurisdiction": place.pk}
        payload["registered_on"] = day
        d = disputes.create_dispute(actor=admin, data=_service_data(payload))
        if state:
            Dispute.objects.filter(pk=d.pk).update(**state)
        data.disputes[key] = d

    dispute("p1", a.village, "2025-06-02", status="resolved", outcome="resolved")
    dispute("p2", village2, "2025-06-20")
    dispute("p3", a.village, "2025-05-15")

    # People of concern: red in village A since 2025-01-01, 2 visits in June, 5 in May;
    # yellow in village 2 since 2025-06-16 with one visit.
    officer = world.users["concern_officer"]

    def person(n: int, level: str, place: Any, since: str, visits: list[str]) -> None:
        p = concerns.create_person(
            actor=officer,
            data={
                "name": f"甲指标人{n}",
                "gender": "male",
                "jurisdiction": place.pk,
                "address": "测试村",
                "category": code_item("concern_category").pk,
                "attention_level": level,
                "citizen_id_number": citizen_id_for("A", 700 + n),
                "phone_number": f"1370000{700 + n:04d}",
                "registered_on": since,
            },
        )
        for day in visits:
            concerns.record_visit(p, actor=officer, visited_on=dt.date.fromisoformat(day))

    person(1, "red", a.village, "2025-01-01", ["2025-06-04", "2025-06-18"])
    person(2, "red", a.village, "2025-01-01", [])  # off before May: counts nowhere
    from shouwang.concerns.models import PersonOfConcern

    PersonOfConcern.objects.filter(name="甲指标人2").update(
        status="off_register", off_register_on=dt.date(2025, 4, 30)
    )
    PersonOfConcern.objects.filter(name="甲指标人1").update(registered_on=dt.date(2025, 1, 1))
    for day in ("2025-05-02", "2025-05-09", "2025-05-16", "2025-05-23", "2025-05-30"):
        p1 = PersonOfConcern.objects.get(name="甲指标人1")
        concerns.record_visit(p1, actor=officer, visited_on=dt.date.fromisoformat(day))
    person(3, "yellow", village2, "2025-06-16", ["2025-06-20"])

    # Trainings of township A: June one training and one drill held, one training planned;
    # May one training held.
    def training(kind: str, day: str, held: bool) -> None:
        from world_extensions.governance import _service_data, _training

        payload = {**_training(world, a, "A", 0), "kind": kind, "starts_at": at(day).isoformat()}
        t = governance.create_training(actor=admin, data=_service_data(payload))
        if held:
            governance.hold_training(t, actor=admin)

    training("training", "2025-06-10", True)
    training("drill", "2025-06-20", True)
    training("training", "2025-06-25", False)
    training("training", "2025-05-08", True)

    # Railway: fence damage in village A (June), terror at township level (June), a casualty
    # in village A (May).
    def incident(place: Any, kind: str, day: str) -> None:
        from world_extensions.railway import _incident, _service_data

        payload = {**_incident(world, a, "A", 50), "jurisdiction": place.pk, "kind": kind}
        payload["injuries"] = 1 if kind == "casualty" else 0
        payload["occurred_at"] = at(day).isoformat()
        railway.create_incident(actor=admin, data=_service_data(payload))

    incident(a.village, "fence_damage", "2025-06-05")
    incident(a.township, "terror", "2025-06-09")
    incident(a.village, "casualty", "2025-05-03")
    # The rows above are written directly, not through the services that keep the duties' and
    # logs' tallies: compute them once, as the migration does.
    tallies.rebuild()
    return data


@pytest.fixture
def data(world: Any) -> Data:
    return build(world)


def values(result: Any) -> dict[str, tuple[Any, Any, Any]]:
    return {k: (f.value, f.previous, f.change) for k, f in result.figures.items()}


def child_values(result: Any, key: str) -> dict[str, Any]:
    return {c.jurisdiction.name: c.figures[key].value for c in result.children}


# -- periods -------------------------------------------------------------------------------------


def test_periods() -> None:
    assert (JUNE.start, JUNE.end, JUNE.label, JUNE.kind) == (
        dt.date(2025, 6, 1),
        dt.date(2025, 6, 30),
        "2025-06",
        "month",
    )
    assert JUNE.previous() == MAY
    assert Period.month(2025, 1).previous() == Period.month(2024, 12)
    assert Period.month(2025, 3).previous() == Period.month(2025, 2)
    q = Period.quarter(2025, 1)
    assert (q.label, q.kind, q.previous()) == ("2025-Q1", "quarter", Period.quarter(2024, 4))
    y = Period.year(2024)
    assert (y.label, y.previous()) == ("2024", Period.year(2023))
    custom = Period(dt.date(2025, 6, 10), dt.date(2025, 6, 19))
    assert custom.kind == "custom"
    assert custom.previous() == Period(dt.date(2025, 5, 31), dt.date(2025, 6, 9))
    assert Period.parse({"month": "2025-06"}) == JUNE
    assert Period.parse({"period": "quarter", "quarter": "2025-q2", "month": "2025-01"}) == (
        Period.quarter(2025, 2)
    )
    assert Period.parse({"year": "2025"}) == Period.year(2025)
    assert Period.parse({"start": "2025-06-10", "end": "2025-06-19"}) == custom
    assert Period.parse({}, today=dt.date(2025, 7, 15)) == JUNE
    assert Period.parse({}, today=dt.date(2025, 1, 3)) == Period.month(2024, 12)
    for bad, name in (
        ({"month": "2025-13"}, "month"),
        ({"quarter": "2025-Q5"}, "quarter"),
        ({"year": "twenty"}, "year"),
        ({"start": "2025-06-10"}, "end"),
        ({"start": "2025-06-10", "end": "2025-06-01"}, "end"),
    ):
        with pytest.raises(RecordInvalid) as exc:
            Period.parse(bad)
        assert name in exc.value.errors


# -- each family ---------------------------------------------------------------------------------


def test_patrols_and_turnouts(world: Any, data: Data) -> None:
    result = compute(world.a.township, JUNE)
    v = values(result)
    # log1 (submitted) + log2 (confirmed); log3 is still open; log4 is May's.
    assert v["patrols"] == (2, 1, 1)
    # log1: present + late (absent is no turnout); log2: present + substitute; May: 1.
    assert v["turnouts"] == (4, 1, 3)
    assert child_values(result, "turnouts") == {"甲社区": 2, "甲二村": 2}


def test_duties_and_attendance_rate(world: Any, data: Data) -> None:
    result = compute(world.a.township, JUNE)
    v = values(result)
    # d1, d2 of the published roster (the draft roster's duty binds nobody); May: d4.
    assert v["duties_planned"] == (2, 1, 1)
    assert v["duties_covered"] == (1, 1, 0)
    # Assignments: d1 m1 present, m2 late, m3 absent; d2 m1 without a log → 2 of 4.
    # May: d4 m1 present → 1 of 1.
    assert v["attendance_rate"] == (50.0, 100.0, -50.0)
    # Duties belong to the township's team: the villages show none.
    assert child_values(result, "duties_planned") == {"甲社区": 0, "甲二村": 0}
    assert child_values(result, "attendance_rate") == {"甲社区": None, "甲二村": None}
    county = compute(world.a.county, JUNE)
    assert [(c.jurisdiction.name, c.figures["duties_planned"].value) for c in county.children] == [
        (world.a.township.name, 2)
    ]
    assert county.children[0].figures["attendance_rate"].value == 50.0


def test_duties_still_to_come_are_not_counted(world: Any) -> None:
    from django.utils import timezone

    from shouwang.rostering.models import Duty, DutyAssignment, Roster

    today = timezone.localdate()
    roster = Roster.objects.create(team=world.a.team, month=dt.date(2031, 3, 1), status="published")
    now = timezone.now()
    for start in (now - dt.timedelta(hours=3), now + dt.timedelta(hours=1)):
        duty = Duty.objects.create(
            roster=roster,
            post=world.a.post,
            date=today,
            start=start,
            end=start + dt.timedelta(hours=2),
        )
        DutyAssignment.objects.create(duty=duty, member=world.a.member)
    tallies.rebuild()
    result = compute(world.a.township, Period(today, today))
    # Only the duty that has ended counts; nobody handed in a log for it.
    assert result.figures["duties_planned"].value == 1
    assert result.figures["duties_covered"].value == 0
    assert result.figures["attendance_rate"].value == 0.0


def test_hazards(world: Any, data: Data) -> None:
    result = compute(world.a.township, JUNE)
    v = values(result)
    assert v["hazards_found"] == (2, 1, 1)  # the rejected report is no hazard
    assert v["hazards_closed"] == (1, 1, 0)
    assert v["hazards_overdue"] == (1, 0, 1)  # h2: deadline 2025-06-20, still assigned
    assert v["rectification_rate"] == (50.0, 100.0, -50.0)
    assert child_values(result, "hazards_found") == {"甲社区": 1, "甲二村": 1}
    assert child_values(result, "rectification_rate") == {"甲社区": 100.0, "甲二村": 0.0}
    assert child_values(result, "hazards_overdue") == {"甲社区": 0, "甲二村": 1}


def test_disputes(world: Any, data: Data) -> None:
    from shouwang.disputes.services import figures

    result = compute(world.a.township, JUNE)
    v = values(result)
    assert v["disputes_screened"] == (2, 1, 1)
    assert v["disputes_resolved"] == (1, 0, 1)
    assert v["mediation_rate"] == (50.0, 0.0, 50.0)
    # The same definition as the dispute figures page.
    same = figures(world.a.township, JUNE.start, JUNE.end, user=world.admin)
    assert (same.screened, same.resolved, same.mediation_rate) == (2, 1, 50.0)
    assert child_values(result, "mediation_rate") == {"甲社区": 100.0, "甲二村": 0.0}


def test_visit_rates_by_level(world: Any, data: Data) -> None:
    result = compute(world.a.township, JUNE)
    v = values(result)
    # Red (cadence 7 days): June 30 days → 30/7 visits due, 2 made → 46.67%;
    # May 31/7 due, 5 made (counted up to the due 4.43) → 100%.
    assert v["visit_rate_red"] == (46.67, 100.0, -53.33)
    # Yellow (30 days): on the register 16-30 June = 15 days → 0.5 due, 1 made → 100%;
    # not yet registered in May → no rate.
    assert v["visit_rate_yellow"] == (100.0, None, None)
    assert v["visit_rate_blue"] == (None, None, None)
    assert result.figures["visit_rate_red"].link == (
        f"/concerns/?jurisdiction={world.a.township.pk}&attention_level=red"
    )
    # People of concern are explicit-only: a county supervisor ("*" view) sees no such figure.
    supervisor = compute(world.a.county, JUNE, user=world.users["county_supervisor"])
    assert "visit_rate_red" not in supervisor.figures
    assert supervisor.figures["turnouts"].value == 4


def test_trainings_and_drills(world: Any, data: Data) -> None:
    result = compute(world.a.township, JUNE)
    v = values(result)
    assert v["trainings_held"] == (1, 1, 0)  # the planned one is not held
    assert v["drills_held"] == (1, 0, 1)
    county = compute(world.a.county, JUNE)
    assert county.children[0].figures["drills_held"].value == 1


def test_railway_targets(world: Any, data: Data) -> None:
    result = compute(world.a.township, JUNE)
    rows = {r.village.name: r for r in result.nine_no}
    assert list(rows) == ["甲社区"]  # village 2 has no railway
    assert rows["甲社区"].counts["fence"] == 1
    assert rows["甲社区"].clear is False
    assert sum(rows["甲社区"].counts.values()) == 1
    never = {t.key: t.count for t in result.four_never}
    assert never == {"terror": 1, "major_crime": 0, "train_accident": 0, "mass_casualty": 0}
    decline = {d.key: (d.current, d.previous, d.change, d.declined) for d in result.four_decline}
    assert decline["casualties"] == (0, 1, -1, True)
    assert decline["cases"][0] == 2  # fence damage and the terror incident


def test_side_b_and_other_periods_stay_out(world: Any, data: Data) -> None:
    result = compute(world.b.county, JUNE)
    assert all(f.value in (0, None) for f in result.figures.values())
    july = compute(world.a.township, Period.month(2025, 7))
    assert july.figures["patrols"].value == 0
    assert july.figures["patrols"].previous == 2


def test_scoped_to_the_users_team(world: Any, data: Data) -> None:
    """A team leader (granted with team A) counts only team A's records; the others' team
    logs do not appear."""
    from shouwang.patrols.models import PatrolLog

    PatrolLog.objects.create(
        team=world.a.policy_team,
        jurisdiction=world.a.village,
        started_at=at("2025-06-11"),
        status="confirmed",
        author=world.admin,
    )
    assert compute(world.a.township, JUNE).figures["patrols"].value == 3
    leader = compute(world.a.township, JUNE, user=world.users["team_leader"])
    assert leader.figures["patrols"].value == 2


def test_one_query_per_family_whatever_the_children(
    world: Any, data: Data, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(20) as ctx:
        compute(world.a.county, JUNE)
    county_queries = len(ctx.captured_queries)
    with django_assert_max_num_queries(county_queries) as ctx:
        compute(world.a.township, JUNE)
    assert len(ctx.captured_queries) == county_queries


# -- records behind the figures ------------------------------------------------------------------


def test_records_are_exactly_the_counted_ones(world: Any, data: Data) -> None:
    place = world.a.township
    logs = data.logs
    assert set(records("patrols", place, JUNE)) == {logs["log1"], logs["log2"]}
    assert records("turnouts", place, JUNE).count() == 4
    assert set(records("hazards_overdue", place, JUNE)) == {data.hazards["h2"]}
    assert set(records("hazards_found", place, JUNE)) == {data.hazards["h1"], data.hazards["h2"]}
    assert set(records("duties_covered", place, JUNE)) == {data.duties["d1"]}
    assert set(records("disputes_resolved", place, JUNE)) == {data.disputes["p1"]}
    assert records("trainings_held", place, JUNE).count() == 1
    assert set(records("patrols", data.village2, JUNE)) == {logs["log2"]}
    leader = world.users["team_leader"]
    assert records("patrols", place, JUNE, user=world.users["patrol_member"]).count() == 2
    assert records("patrols", world.b.township, JUNE, user=leader).count() == 0


def test_records_of_the_place_itself_are_flagged(world: Any, data: Data, login: Any) -> None:
    """A place's own records (a county team's patrol) count in the place's figures and in no
    child's row; the dashboard says so under the drill-down table."""
    from shouwang.patrols.models import PatrolLog

    county = world.a.county
    assert not compute(county, JUNE).has_direct_records
    from shouwang.patrols.models import LogAttendance

    log = PatrolLog.objects.create(
        team=world.a.team,
        jurisdiction=county,
        started_at=at("2025-06-20"),
        status="confirmed",
        author=world.admin,
    )
    LogAttendance.objects.create(log=log, member=data.members[0], status="present")
    tallies.rebuild()
    result = compute(county, JUNE)
    assert result.has_direct_records
    assert result.figures["turnouts"].value == 5
    assert sum(c.figures["turnouts"].value for c in result.children) == 4
    page = login("county_supervisor").get(
        f"/reports/dashboard/?jurisdiction={county.pk}&period=month&month=2025-06"
    )
    assert f"{county.name}本级的记录" in page.content.decode()
