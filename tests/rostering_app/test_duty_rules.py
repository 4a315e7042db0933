"""Duty rules: validation names the field; the demand builder turns a rule into dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import api_url, error_fields, make_payload, send
from rostering_helpers import post, rule, small_team

from shouwang.calendars.lunar import lunar_day
from shouwang.core.records import RecordInvalid
from shouwang.rostering import adapter
from shouwang.rostering.models import DutyRule

NOV = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def _refused(world: Any, login: Any, field: str, **changes: Any) -> list[str]:
    client = login("township_staff")
    before = DutyRule.objects.count()
    response = send(
        client, "post", api_url("duty-rules"), {**make_payload("duty-rules", world, "A"), **changes}
    )
    assert response.status_code == 422, response.content
    assert DutyRule.objects.count() == before
    fields = error_fields(response)
    assert field in fields, fields
    return fields[field]


@pytest.mark.parametrize("weekdays", [[0, 3], [8], ["Fri"], [], [5, 5], "5,7", [True]], ids=repr)
def test_bad_weekday_list_is_refused_on_the_weekdays_field(
    world: Any, login: Any, weekdays: Any
) -> None:
    messages = _refused(world, login, "weekdays", recurrence="weekdays", weekdays=weekdays)
    assert all(m.strip() for m in messages)


def test_unknown_role_code_is_named(world: Any, login: Any) -> None:
    messages = _refused(world, login, "role_minimums", role_minimums={"wizard": 1})
    assert any("wizard" in m for m in messages)


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("role_minimums", {"role_minimums": {"police_officer": 0}}),
        ("role_minimums", {"role_minimums": {"police_officer": 3}, "head_count": 2}),
        ("role_minimums", {"role_minimums": ["police_officer"]}),
        ("market_pattern", {"recurrence": "market_days", "market_pattern": "随便哪天"}),
        ("market_pattern", {"recurrence": "market_days", "market_pattern": ""}),
        ("month_day", {"recurrence": "monthly", "month_day": None}),
        ("month_day", {"recurrence": "monthly", "month_day": 32}),
        ("head_count", {"head_count": 0}),
        ("duration_minutes", {"duration_minutes": 0}),
        ("recurrence", {"recurrence": "yearly"}),
    ],
)
def test_other_invalid_rules_name_the_field(
    world: Any, login: Any, field: str, changes: dict[str, Any]
) -> None:
    _refused(world, login, field, **changes)


def test_service_refuses_with_record_invalid(world: Any) -> None:
    with pytest.raises(RecordInvalid) as exc:
        rule(world, world.a.post, recurrence="weekdays", weekdays=[9])
    assert set(exc.value.errors) == {"weekdays"}


def test_valid_rule_takes_the_posts_defaults(world: Any) -> None:
    created = rule(world, world.a.post, recurrence="weekdays", weekdays=[7, 5])
    assert created.weekdays == [5, 7]
    assert created.effective_start() == world.a.post.start_time
    assert created.effective_duration() == world.a.post.duration_minutes
    assert created.effective_lead() == world.a.post.lead_minutes
    assert created.recurrence_display() == "周五、日"


def test_demand_daily_weekdays_monthly(world: Any) -> None:
    team, _members = small_team(world, [["volunteer"]])
    p = post(world, team, "需求测试岗")
    daily = rule(world, p)
    fri_sun = rule(world, p, recurrence="weekdays", weekdays=[5, 7])
    monthly = rule(world, p, recurrence="monthly", month_day=31)
    assert len(adapter.rule_dates(daily, *NOV)) == 30
    dates = adapter.rule_dates(fri_sun, *NOV)
    # November 2026 starts on a Sunday: 4 Fridays and 5 Sundays.
    assert len(dates) == 9
    assert {d.isoweekday() for d in dates} == {5, 7}
    assert adapter.rule_dates(monthly, *NOV) == []
    assert adapter.rule_dates(monthly, dt.date(2026, 12, 1), dt.date(2026, 12, 31)) == [
        dt.date(2026, 12, 31)
    ]


def test_demand_on_lunar_market_days_feng_san_liu_jiu(world: Any) -> None:
    team, _members = small_team(world, [["volunteer"]])
    p = post(world, team, "逢三六九街面岗", start="10:00")
    market = rule(world, p, recurrence="market_days", market_pattern="逢三六九")
    dates = adapter.rule_dates(market, *NOV)
    assert [d.day for d in dates] == [1, 4, 7, 11, 14, 17, 21, 24, 27]
    for day in adapter.days_of(*NOV):
        assert (day in dates) == (lunar_day(day).day % 10 in (3, 6, 9)), day
    gregorian = rule(
        world, p, recurrence="market_days", market_pattern="逢三六九", market_calendar="gregorian"
    )
    assert [d.day for d in adapter.rule_dates(gregorian, *NOV)] == [3, 6, 9, 13, 16, 19, 23, 26, 29]


def test_problem_has_one_kind_per_rule_and_one_demand_per_date(world: Any) -> None:
    team, members = small_team(world, [["police_officer"], ["volunteer"]])
    p = post(world, team, "问题测试岗", start="20:00")
    r1 = rule(world, p, head_count=2, role_minimums={"police_officer": 1}, priority=2)
    r2 = rule(world, p, recurrence="weekdays", weekdays=[5])
    problem = adapter.build_problem(month=NOV[0], rules=[r1, r2], members=members)
    assert problem.horizon_days == 30 and problem.start_weekday == 6
    assert [k.id for k in problem.duty_kinds] == [adapter.kind_id(r1.pk), adapter.kind_id(r2.pk)]
    assert problem.duty_kinds[0].is_night
    counts = {k.id: sum(d.kind == k.id for d in problem.demands) for k in problem.duty_kinds}
    assert counts == {adapter.kind_id(r1.pk): 30, adapter.kind_id(r2.pk): 4}
    first = next(d for d in problem.demands if d.kind == adapter.kind_id(r1.pk))
    assert first.required == 2 and dict(first.roles) == {"police_officer": 1}
    assert {m.qualifications for m in problem.members} == {
        frozenset({"police_officer"}),
        frozenset({"volunteer"}),
    }
