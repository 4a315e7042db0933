"""Holiday arrangements: a year chinese_calendar does not know yet gives a roster with a
visible warning (never a crash) until the office enters that year's arrangement; entered
and known holidays and 调休 working days reach the solver's problem."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import api_url, error_fields, page_url, send
from rostering_helpers import post, rule, small_team

from shouwang.calendars.holidays import YEAR_UNKNOWN
from shouwang.core.records import RecordInvalid
from shouwang.rostering import adapter, services
from shouwang.rostering.models import HolidayArrangement

FAST = {"time_limit_s": 30, "seed": 0, "deterministic_time": 1.0}
UNKNOWN_MONTH = dt.date(2031, 10, 1)
KNOWN_MONTH = dt.date(2026, 10, 1)


def _team(world: Any, name: str = "节假日测试队") -> Any:
    team, _members = small_team(world, [["volunteer"], ["volunteer"]], name=name)
    rule(world, post(world, team, "场镇巡逻岗", start="09:00"))
    return team


def _problem(team: Any, month: dt.date) -> Any:
    return adapter.build_problem(
        month=month, rules=[], members=[], holidays=services.holidays_for_team(team)
    )


def _arrangement(world: Any, day: str, kind: str = "holiday", **values: Any) -> dict[str, Any]:
    data = {
        "jurisdiction": world.a.township.pk,
        "date": day,
        "kind": kind,
        "name": "国庆节",
        "note": "",
    }
    data.update(values)
    return data


def test_unknown_year_roster_is_planned_with_a_visible_warning(world: Any, login: Any) -> None:
    team = _team(world)
    roster = services.generate_draft_roster(
        actor=world.admin, team=team, month=UNKNOWN_MONTH, **FAST
    )
    assert roster.generated_at is not None
    assert roster.duties.count() == 31
    [warning] = roster.calendar_warnings
    assert warning["code"] == YEAR_UNKNOWN
    assert warning["year"] == 2031
    assert "2031年的法定节假日" in warning["message_zh"]
    assert "The 2031 statutory holiday" in warning["message_en"]

    client = login("township_staff")
    html = client.get(page_url("rosters", roster.pk)).content.decode()
    assert warning["message_zh"] in html
    assert warning["message_en"] not in html
    english = client.get(page_url("rosters", roster.pk), HTTP_ACCEPT_LANGUAGE="en")
    html_en = english.content.decode()
    assert warning["message_en"] in html_en
    assert warning["message_zh"] not in html_en


def test_unknown_year_problem_falls_back_to_plain_weekends(world: Any) -> None:
    problem = _problem(_team(world), UNKNOWN_MONTH)
    assert problem.holidays == frozenset()
    # 2031-10-04 and 2031-10-05 are a Saturday and a Sunday.
    assert {3, 4} <= set(problem.weekend_days or ())
    assert 0 not in (problem.weekend_days or ())


def test_entered_arrangement_removes_the_warning_and_marks_the_holiday(
    world: Any, login: Any
) -> None:
    team = _team(world)
    client = login("township_staff")
    response = send(
        client, "post", api_url("holiday-arrangements"), _arrangement(world, "2031-10-01")
    )
    assert response.status_code == 201, response.content
    # 2031-10-11 is a Saturday made a working day (调休上班).
    services.create_holiday_arrangement(
        actor=world.users["township_staff"], data=_arrangement(world, "2031-10-11", "workday")
    )

    provider = services.holidays_for_team(team)
    first, last = adapter.month_bounds(UNKNOWN_MONTH)
    assert provider.warnings_for(first, last) == []
    problem = _problem(team, UNKNOWN_MONTH)
    assert 0 in problem.holidays
    assert problem.weekend_days is not None
    assert 10 not in problem.weekend_days  # the 调休 Saturday is a working day
    assert 11 in problem.weekend_days  # the Sunday after it is not

    roster = services.generate_draft_roster(
        actor=world.admin, team=team, month=UNKNOWN_MONTH, **FAST
    )
    assert roster.calendar_warnings == []
    html = client.get(page_url("rosters", roster.pk)).content.decode()
    assert "2031年的法定节假日" not in html


def test_replanning_after_entering_the_arrangement_clears_the_stored_warning(world: Any) -> None:
    team = _team(world)
    roster = services.generate_draft_roster(
        actor=world.admin, team=team, month=UNKNOWN_MONTH, **FAST
    )
    assert roster.calendar_warnings
    services.create_holiday_arrangement(actor=world.admin, data=_arrangement(world, "2031-10-01"))
    again = services.generate_draft_roster(
        actor=world.admin, team=team, month=UNKNOWN_MONTH, **FAST
    )
    assert again.pk == roster.pk
    assert again.calendar_warnings == []


def test_known_year_has_no_warning_and_marks_holidays_and_make_up_days(world: Any) -> None:
    team = _team(world)
    provider = services.holidays_for_team(team)
    first, last = adapter.month_bounds(KNOWN_MONTH)
    assert provider.warnings_for(first, last) == []
    problem = _problem(team, KNOWN_MONTH)
    assert 0 in problem.holidays  # 2026-10-01, National Day
    assert problem.weekend_days is not None
    assert 9 not in problem.weekend_days  # 2026-10-10, a Saturday made a working day
    assert 10 in problem.weekend_days  # 2026-10-11, a plain Sunday
    assert 9 not in problem.holidays and 10 not in problem.holidays


def test_ancestor_office_entries_apply_and_the_nearest_office_wins(world: Any) -> None:
    team = _team(world)
    services.create_holiday_arrangement(
        actor=world.admin,
        data=_arrangement(world, "2031-10-02", jurisdiction=world.a.county.pk),
    )
    services.create_holiday_arrangement(
        actor=world.admin,
        data=_arrangement(world, "2031-10-03", jurisdiction=world.a.county.pk),
    )
    services.create_holiday_arrangement(
        actor=world.admin, data=_arrangement(world, "2031-10-03", "workday")
    )
    # Side B's office entry does not reach side A's team.
    services.create_holiday_arrangement(
        actor=world.admin,
        data=_arrangement(world, "2031-10-06", jurisdiction=world.b.township.pk),
    )
    problem = _problem(team, UNKNOWN_MONTH)
    assert problem.holidays == frozenset({1})


def test_other_sides_entries_leave_the_year_unknown(world: Any) -> None:
    team = _team(world)
    services.create_holiday_arrangement(
        actor=world.admin,
        data=_arrangement(world, "2031-10-01", jurisdiction=world.b.township.pk),
    )
    provider = services.holidays_for_team(team)
    [warning] = provider.warnings_for(*adapter.month_bounds(UNKNOWN_MONTH))
    assert warning.year == 2031


def test_duplicate_date_is_a_field_error(world: Any, login: Any) -> None:
    client = login("township_staff")
    url = api_url("holiday-arrangements")
    assert send(client, "post", url, _arrangement(world, "2031-05-01")).status_code == 201
    again = send(client, "post", url, _arrangement(world, "2031-05-01", "workday"))
    assert again.status_code == 422, again.content
    assert "date" in error_fields(again)
    with pytest.raises(RecordInvalid) as caught:
        services.create_holiday_arrangement(
            actor=world.admin, data=_arrangement(world, "2031-05-01")
        )
    assert list(caught.value.errors) == ["date"]
    # The same date at another office is fine.
    services.create_holiday_arrangement(
        actor=world.admin, data=_arrangement(world, "2031-05-01", jurisdiction=world.a.county.pk)
    )
    assert HolidayArrangement.objects.filter(date=dt.date(2031, 5, 1)).count() == 2


def test_office_cannot_see_another_offices_arrangements(world: Any, login: Any) -> None:
    client = login("township_staff")
    b_entry = world.b.holidayarrangement
    a_entry = world.a.holidayarrangement
    assert client.get(api_url("holiday-arrangements", b_entry.pk)).status_code == 404
    assert client.get(api_url("holiday-arrangements", a_entry.pk)).status_code == 200
    ids = {
        r["id"]
        for r in client.get(api_url("holiday-arrangements"), {"page_size": 500}).json()["results"]
    }
    assert a_entry.pk in ids and b_entry.pk not in ids
    patch = send(client, "patch", api_url("holiday-arrangements", b_entry.pk), {"name": "x"})
    assert patch.status_code == 404
    assert client.delete(api_url("holiday-arrangements", b_entry.pk)).status_code == 404
    assert HolidayArrangement.objects.filter(pk=b_entry.pk, name="国庆节").exists()


def test_office_may_add_change_and_delete_arrangements(world: Any, login: Any) -> None:
    client = login("township_staff")
    created = send(
        client,
        "post",
        api_url("holiday-arrangements"),
        _arrangement(world, "2031-01-01", name="元旦"),
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    changed = send(client, "patch", api_url("holiday-arrangements", pk), {"kind": "workday"})
    assert changed.status_code == 200, changed.content
    assert HolidayArrangement.objects.get(pk=pk).kind == "workday"
    assert client.get(page_url("holiday-arrangements")).status_code == 200
    assert client.get(page_url("holiday-arrangements", pk)).status_code == 200
    assert client.get(page_url("holiday-arrangements", action="new")).status_code == 200
    assert client.get(page_url("holiday-arrangements", pk, "edit")).status_code == 200
    assert client.delete(api_url("holiday-arrangements", pk)).status_code == 204
    assert not HolidayArrangement.objects.filter(pk=pk).exists()
    # A patrol member may look but not enter.
    member = login("patrol_member")
    refused = send(
        member, "post", api_url("holiday-arrangements"), _arrangement(world, "2031-01-02")
    )
    assert refused.status_code == 403
