"""Special operations: period/zone validation, the workflow (incl. illegal steps), the duty
rules an operation adds to rostering (materialised, updated, removed), a roster planned for a
month overlapping the operation (extra duties only inside the period), the daily-figure rules
(future day, outside the period, replacement), the summary (hand-checked), the Excel export,
the API and the operation page."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from conftest import error_fields, send
from django.core.exceptions import PermissionDenied, ValidationError

from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.rostering import adapter
from shouwang.rostering.models import Duty, DutyRule
from shouwang.specialops import exports, services
from shouwang.specialops.models import DailyFigure, OperationRule, SpecialOperation

FAST = {"time_limit_s": 30, "seed": 0, "deterministic_time": 1.0}


@pytest.fixture
def office(world: Any) -> Any:
    return world.users["township_staff"]


def new_op(world: Any, side: str = "A", **over: Any) -> SpecialOperation:
    from world_extensions.specialops import _operation, _service_data

    s = world.sides[side]
    data = {**_operation(world, s, side, 0), **over}
    return services.create_operation(actor=world.admin, data=_service_data(data))


def add_post(world: Any, op: SpecialOperation, **over: Any) -> Any:
    s = world.a
    data = {
        "operation": op.pk,
        "post": s.extra["checkpoint_post"].pk,
        "start_time": "09:00",
        "duration_minutes": 180,
        "head_count": 2,
        "role_minimums": {},
        "note": "",
        **over,
    }
    return services.create_operation_post(actor=world.admin, data=data)


def figure(world: Any, op: SpecialOperation, day: str, township: Any = None, **values: Any) -> Any:
    data = {
        "operation": op.pk,
        "date": day,
        "township": (township or world.a.township).pk,
        "note": "",
        **values,
    }
    return services.record_daily_figures(actor=world.admin, data=data)


def rules_of(op: SpecialOperation) -> dict[str, DutyRule]:
    return {
        link.key: link.rule
        for link in OperationRule.objects.filter(operation=op).select_related("rule")
    }


# -- validation ----------------------------------------------------------------------------------


def test_period_jurisdiction_and_zones_are_checked(world: Any) -> None:
    with pytest.raises(RecordInvalid) as exc:
        new_op(world, start_date="2026-10-10", end_date="2026-10-01")
    assert "end_date" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        new_op(world, jurisdiction=world.a.village.pk)
    assert "jurisdiction" in exc.value.errors
    # A zone of another county's township lies outside: named in the message.
    with pytest.raises(RecordInvalid) as exc:
        new_op(world, zones=[world.a.zone.pk, world.b.zone.pk])
    message = exc.value.errors["zones"][0]
    assert world.b.zone.name in message and world.a.zone.name not in message
    assert not SpecialOperation.objects.filter(name__startswith="甲国庆安保2").exists()


def test_county_operation_spans_townships_and_is_steered_by_the_county(
    world: Any, office: Any
) -> None:
    from shouwang.areas import services as areas
    from shouwang.core import services as core

    a = world.a
    town2 = core.create_jurisdiction(
        actor=world.admin,
        data={
            "name": "甲二镇",
            "level": "township",
            "stat_division_code": "500230210000",
            "parent": a.county.pk,
        },
    )
    zone2 = areas.create_zone(
        actor=world.admin,
        data={
            "name": "甲二镇场镇",
            "kind": a.zone.kind_id,
            "jurisdiction": town2.pk,
            "frequency_count": 1,
            "frequency_period": "day",
        },
    )
    op = new_op(world, jurisdiction=a.county.pk, zones=[a.zone.pk, zone2.pk])
    assert sorted(t.pk for t in op.townships.all()) == sorted([a.township.pk, town2.pk])
    # Township A's office sees the county's operation (and may report on it) …
    assert SpecialOperation.objects.visible_to(office).filter(pk=op.pk).exists()
    # … but does not steer it.
    assert services.may_change(office, op) is False
    with pytest.raises(PermissionDenied):
        services.cancel_operation(op, actor=office, reason="取消")
    op.refresh_from_db()
    assert op.status == "planned"


# -- workflow ------------------------------------------------------------------------------------


def test_status_steps_and_illegal_ones(world: Any, office: Any) -> None:
    op = new_op(world)
    assert op.status == "planned"
    with pytest.raises(RecordInvalid) as exc:
        services.end_operation(op, actor=office)
    assert "status" in exc.value.errors
    services.start_operation(op, actor=office)
    services.end_operation(op, actor=office)
    op.refresh_from_db()
    assert op.status == "ended"
    assert [(t.from_status, t.to_status) for t in op.transitions.all()] == [
        ("", "planned"),
        ("planned", "active"),
        ("active", "ended"),
    ]
    for step in (services.start_operation, services.end_operation):
        with pytest.raises(RecordInvalid):
            step(op, actor=office)
    with pytest.raises(RecordInvalid) as exc:
        services.cancel_operation(op, actor=office, reason="晚了")
    assert "status" in exc.value.errors
    codes = list(
        AuditEvent.objects.filter(target_id=str(op.pk), code__startswith="specialops.")
        .order_by("pk")
        .values_list("code", flat=True)
    )
    assert codes == [
        "specialops.specialoperation.created",
        "specialops.specialoperation.started",
        "specialops.specialoperation.ended",
    ]


def test_an_operation_does_not_start_before_its_first_day(world: Any, office: Any) -> None:
    op = new_op(world, start_date="2099-01-01", end_date="2099-01-05")
    with pytest.raises(RecordInvalid) as exc:
        services.start_operation(op, actor=office)
    assert "start_date" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        services.cancel_operation(op, actor=office, reason=" ")
    assert "reason" in exc.value.errors


# -- duty rules ----------------------------------------------------------------------------------


def test_rules_follow_the_level_the_posts_and_the_period(world: Any, office: Any) -> None:
    a = world.a
    op = new_op(world, level="level_2", start_date="2027-01-10", end_date="2027-01-15")
    extra = add_post(world, op)
    rules = rules_of(op)
    # Level II: the extra post, and one round at +12 h on each zone post with a team
    # (护学岗 07:30 → 19:30, 夜巡岗 20:00 → 08:00); the checkpoint has no zone.
    assert set(rules) == {
        f"post-{extra.pk}",
        f"round-{a.post.pk}-1",
        f"round-{a.cap_post.pk}-1",
    }
    assert rules[f"post-{extra.pk}"].start_time == dt.time(9, 0)
    assert rules[f"post-{extra.pk}"].duration_minutes == 180
    assert rules[f"post-{extra.pk}"].head_count == 2
    assert rules[f"round-{a.post.pk}-1"].start_time == dt.time(19, 30)
    assert rules[f"round-{a.cap_post.pk}-1"].start_time == dt.time(8, 0)
    for rule in rules.values():
        assert (rule.valid_from, rule.valid_until) == (dt.date(2027, 1, 10), dt.date(2027, 1, 15))
        assert rule.recurrence == "daily" and rule.priority == 10
    # Level I: two rounds a day, at +8 h and +16 h.
    services.update_operation(op, actor=office, data={"level": "level_1", "end_date": "2027-01-20"})
    rules = rules_of(op)
    assert len(rules) == 5
    assert rules[f"round-{a.post.pk}-1"].start_time == dt.time(15, 30)
    assert rules[f"round-{a.post.pk}-2"].start_time == dt.time(23, 30)
    assert {r.valid_until for r in rules.values()} == {dt.date(2027, 1, 20)}
    # Level III: the extra post only; removing it removes its rule.
    services.update_operation(op, actor=office, data={"level": "level_3"})
    assert list(rules_of(op)) == [f"post-{extra.pk}"]
    kept = rules_of(op)[f"post-{extra.pk}"].pk
    services.delete_operation_post(extra, actor=world.admin)
    assert rules_of(op) == {}
    assert not DutyRule.objects.filter(pk=kept).exists()


def test_cancelling_removes_the_rules(world: Any, office: Any) -> None:
    op = new_op(world, level="level_2", start_date="2027-01-10", end_date="2027-01-15")
    ids = sorted(r.pk for r in rules_of(op).values())
    assert len(ids) == 2
    services.cancel_operation(op, actor=office, reason="上级通知取消")
    op.refresh_from_db()
    assert (op.status, op.cancel_reason) == ("cancelled", "上级通知取消")
    assert not DutyRule.objects.filter(pk__in=ids).exists()
    event = AuditEvent.objects.get(
        code="specialops.specialoperation.cancelled", target_id=str(op.pk)
    )
    assert sorted(event.after["duty_rules_removed"]) == ids
    assert event.reason == "上级通知取消"


def test_rule_validity_filters_its_dates(world: Any) -> None:
    rule = DutyRule(
        post=world.a.post,
        jurisdiction=world.a.township,
        recurrence="weekdays",
        weekdays=[1, 3],
        valid_from=dt.date(2027, 1, 6),
        valid_until=dt.date(2027, 1, 18),
    )
    # Mondays and Wednesdays of January 2027 are 4, 6, 11, 13, 18, 20, 25, 27.
    days = adapter.rule_dates(rule, dt.date(2027, 1, 1), dt.date(2027, 1, 31))
    assert [d.day for d in days] == [6, 11, 13, 18]
    rule.valid_from = None
    assert [d.day for d in adapter.rule_dates(rule, dt.date(2027, 1, 1), dt.date(2027, 1, 31))] == [
        4,
        6,
        11,
        13,
        18,
    ]
    rule.valid_until = dt.date(2026, 12, 1)
    assert adapter.rule_dates(rule, dt.date(2027, 1, 1), dt.date(2027, 1, 31)) == []
    rule.valid_from = dt.date(2027, 1, 2)
    with pytest.raises(ValidationError) as exc:
        rule.full_clean()
    assert "valid_until" in exc.value.message_dict


def test_roster_has_the_extra_duties_only_inside_the_period(world: Any, office: Any) -> None:
    from shouwang.rostering import services as rostering

    a = world.a
    op = new_op(world, level="level_2", start_date="2027-01-10", end_date="2027-01-15")
    op_rules = {r.pk for r in rules_of(op).values()}
    roster = rostering.generate_draft_roster(
        actor=world.admin, team=a.team, month=dt.date(2027, 1, 1), **FAST
    )
    extra = Duty.objects.filter(roster=roster, rule_id__in=op_rules)
    assert sorted({d.date.day for d in extra}) == [10, 11, 12, 13, 14, 15]
    assert extra.count() == 2 * 6
    evening = extra.filter(post=a.post).order_by("date").first()
    assert evening is not None
    assert evening.start.astimezone(dt.timezone(dt.timedelta(hours=8))).time() == dt.time(19, 10)
    # The usual rule still has its duty every day of the month.
    assert Duty.objects.filter(roster=roster, rule=a.dutyrule).count() == 31
    # The office sees the roster among those overlapping the period.
    assert [r.pk for r in services.overlapping_rosters(op, office)] == [roster.pk]


# -- daily figures -------------------------------------------------------------------------------


def test_daily_figure_rules(world: Any) -> None:
    op = new_op(world, start_date="2026-11-01", end_date="2099-12-31")
    with pytest.raises(RecordInvalid) as exc:
        figure(world, op, "2099-01-01", person_turnouts=3)
    assert "date" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        figure(world, op, "2026-10-31", person_turnouts=3)
    assert "date" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        figure(world, op, "2026-11-02", township=world.b.township, person_turnouts=3)
    assert "township" in exc.value.errors
    first = figure(world, op, "2026-11-02", person_turnouts=30, checks=5)
    again = figure(world, op, "2026-11-02", person_turnouts=32, items_seized=1)
    assert again.pk == first.pk
    again.refresh_from_db()
    # Replaced, not added to: the figures left out of the correction are 0 again.
    assert (again.person_turnouts, again.checks, again.items_seized) == (32, 0, 1)
    assert DailyFigure.objects.filter(operation=op).count() == 1
    event = AuditEvent.objects.get(code="specialops.dailyfigure.changed", target_id=str(first.pk))
    assert (event.before["person_turnouts"], event.after["person_turnouts"]) == (30, 32)


def test_no_figures_for_a_cancelled_operation(world: Any, office: Any) -> None:
    op = new_op(world, start_date="2026-11-01", end_date="2026-11-03")
    services.cancel_operation(op, actor=office, reason="取消")
    with pytest.raises(RecordInvalid) as exc:
        figure(world, op, "2026-11-02", person_turnouts=3)
    assert "operation" in exc.value.errors


# -- summary and export --------------------------------------------------------------------------


def _three_days(world: Any) -> SpecialOperation:
    op = new_op(world, start_date="2026-11-01", end_date="2026-11-03")
    figure(world, op, "2026-11-01", person_turnouts=101, vehicle_turnouts=4, checks=25)
    figure(world, op, "2026-11-02", person_turnouts=180, people_verified=1200, items_seized=8)
    return op


def test_summary_totals_per_day_and_missing_days(world: Any, office: Any) -> None:
    op = _three_days(world)
    result = services.summary(op, user=office)
    # 101 + 180 = 281 person-times; 1 200 people verified; 8 items seized; 25 checks.
    assert result.totals == {
        "person_turnouts": 281,
        "vehicle_turnouts": 4,
        "checks": 25,
        "people_verified": 1200,
        "vehicles_checked": 0,
        "items_seized": 8,
        "incidents_handled": 0,
    }
    assert [(r.date.day, r.values["person_turnouts"]) for r in result.days] == [(1, 101), (2, 180)]
    assert result.missing == {world.a.township.name: [dt.date(2026, 11, 3)]}
    body = result.as_dict()
    assert body["days_reported"] == 2 and body["missing"] == {world.a.township.name: ["2026-11-03"]}


def test_export_has_the_rows_and_the_totals(world: Any) -> None:
    from openpyxl import load_workbook

    op = _three_days(world)
    wb = load_workbook(io.BytesIO(exports.figures_xlsx(op)))
    ws = wb.active
    assert ws is not None
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert [r[1] for r in rows[:2]] == [world.a.township.name] * 2
    assert [r[2] for r in rows[:2]] == [101, 180]
    total = rows[2]
    assert total[2:9] == [281, 4, 25, 1200, 0, 8, 0]
    assert op.name in str(ws.cell(row=1, column=1).value)


# -- API and pages -------------------------------------------------------------------------------


def test_api_steps_summary_export_and_scope(world: Any, login: Any) -> None:
    op = _three_days(world)
    client = login("township_staff")
    base = f"/api/v1/special-operations/operations/{op.pk}"
    r = send(client, "post", f"{base}/cancel", {"reason": ""})
    assert r.status_code == 422 and "reason" in error_fields(r)
    r = send(client, "post", f"{base}/start")
    assert r.status_code == 200 and r.json()["status"] == "active"
    r = client.get(f"{base}/summary")
    assert r.status_code == 200
    assert r.json()["totals"]["person_turnouts"] == 281
    assert [d["date"] for d in r.json()["days"]] == ["2026-11-01", "2026-11-02"]
    r = client.get(f"{base}/figures.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert client.get(f"{base}/rosters").json() == {"rosters": []}
    # The team leader reports figures but does not steer the operation.
    leader = login("team_leader")
    r = send(
        leader,
        "post",
        "/api/v1/daily-figures/",
        {"operation": op.pk, "date": "2026-11-03", "township": world.a.township.pk, "checks": 7},
    )
    assert r.status_code in (200, 201), r.content
    assert send(leader, "post", f"{base}/end").status_code == 403
    # Side B's operation is not found for side A's users.
    other = world.b.extra["specialoperation"]
    r = client.get(f"/api/v1/special-operations/operations/{other.pk}/summary")
    assert r.status_code == 404


def test_operation_page_shows_the_summary_and_takes_figures(world: Any, login: Any) -> None:
    op = _three_days(world)
    client = login("township_staff")
    page = client.get(f"/r/special-operations/{op.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "281" in text  # the total of personnel deployed
    assert f'action="/special-operations/{op.pk}/figures/"' in text
    assert "2026-11-01" in text and "11-03" in text  # a day reported, a day missing
    r = client.post(
        f"/special-operations/{op.pk}/figures/",
        {"date": "2026-11-03", "township": world.a.township.pk, "person_turnouts": "9"},
    )
    assert r.status_code == 302
    assert DailyFigure.objects.get(operation=op, date=dt.date(2026, 11, 3)).person_turnouts == 9
    r = client.post(f"/special-operations/{op.pk}/cancel/", {"reason": "提前结束"})
    op.refresh_from_db()
    assert op.status == "cancelled"
    r = client.get(f"/special-operations/{op.pk}/figures.xlsx")
    assert r.status_code == 200


def test_demo_is_idempotent(world: Any) -> None:
    from shouwang.specialops.demo import load_demo_specialops

    (op,) = load_demo_specialops(world.admin, world.a.township)
    assert load_demo_specialops(world.admin, world.a.township) == [op]
    assert op.status == "ended" and op.summary
    totals = services.summary(op).totals
    # 42 + 55 + 61 + 38 = 196 person-times over four days; 3 + 5 + 2 + 1 = 11 items.
    assert (totals["person_turnouts"], totals["items_seized"]) == (196, 11)
    assert SpecialOperation.objects.filter(name=op.name).count() == 1
