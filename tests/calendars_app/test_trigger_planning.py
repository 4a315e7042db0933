"""Planning with calendar records: weather warnings add duties to a month's roster, and a
year marked complete loses the "holiday arrangement unknown" warning."""

from __future__ import annotations

import datetime as dt
from typing import Any

from calendar_helpers import key_place, rule
from conftest import code_item

from shouwang.areas import services as areas
from shouwang.calendars import services as calendars
from shouwang.rostering import services
from shouwang.rostering.models import Duty

FAST = {"time_limit_s": 30, "seed": 0, "deterministic_time": 1.0}
CST = dt.timezone(dt.timedelta(hours=8))


def test_a_weather_warning_adds_duties_to_the_roster(world: Any) -> None:
    a = world.a
    storm = rule(
        world,
        recurrence="weather",
        min_warning_level="orange",
        start_time="20:00",
        duration_minutes=120,
        lead_minutes=0,
    )
    calendars.create_weather_warning(
        actor=world.admin,
        data={
            "kind": "rainstorm",
            "level": "red",
            "starts_at": "2026-07-10T18:00:00+08:00",
            "ends_at": "2026-07-11T21:00:00+08:00",
            "zones": [a.zone.pk],
            "issuer": "县气象台",
            "jurisdiction": a.township.pk,
            "note": "",
        },
    )
    july = services.generate_draft_roster(
        actor=world.admin, team=a.team, month=dt.date(2026, 7, 1), **FAST
    )
    duties = list(Duty.objects.filter(roster=july, rule=storm).order_by("date"))
    assert [d.date for d in duties] == [dt.date(2026, 7, 10), dt.date(2026, 7, 11)]
    first, second = duties
    assert first.start == dt.datetime(2026, 7, 10, 20, 0, tzinfo=CST)
    assert first.end == dt.datetime(2026, 7, 10, 22, 0, tzinfo=CST)
    # The warning is lifted at 21:00 on the second day: the duty ends then.
    assert second.end == dt.datetime(2026, 7, 11, 21, 0, tzinfo=CST)
    # The world's daily rule still has its 31 duties.
    assert Duty.objects.filter(roster=july, rule=a.dutyrule).count() == 31

    august = services.generate_draft_roster(
        actor=world.admin, team=a.team, month=dt.date(2026, 8, 1), **FAST
    )
    assert not Duty.objects.filter(roster=august, rule=storm).exists()


def test_year_marked_complete_has_no_unknown_year_warning(world: Any) -> None:
    a = world.a
    month = dt.date(2031, 10, 1)
    before = services.holidays_for_team(a.team).warnings_for(month, dt.date(2031, 10, 31))
    assert [w.year for w in before] == [2031]
    roster = services.generate_draft_roster(actor=world.admin, team=a.team, month=month, **FAST)
    assert [w["year"] for w in roster.calendar_warnings] == [2031]

    mark = calendars.create_holiday_year(
        actor=world.admin, data={"jurisdiction": a.county.pk, "year": 2031, "complete": True}
    )
    assert services.holidays_for_team(a.team).warnings_for(month, dt.date(2031, 10, 31)) == []
    roster = services.generate_draft_roster(actor=world.admin, team=a.team, month=month, **FAST)
    assert roster.calendar_warnings == []

    # Unmarked again: the warning is back; side B's team never saw the mark.
    calendars.update_holiday_year(mark, actor=world.admin, data={"complete": False})
    assert services.holidays_for_team(a.team).warnings_for(month, month)
    assert services.holidays_for_team(world.b.team).warnings_for(month, month)


def test_entered_days_still_make_a_year_known_without_a_mark(world: Any) -> None:
    from shouwang.rostering.services import create_holiday_arrangement

    create_holiday_arrangement(
        actor=world.admin,
        data={"jurisdiction": world.a.township.pk, "date": "2031-10-01", "kind": "holiday"},
    )
    month = dt.date(2031, 10, 1)
    assert services.holidays_for_team(world.a.team).warnings_for(month, month) == []


def test_a_school_post_without_a_school_calendar_warns_on_the_roster(world: Any) -> None:
    """No calendar for the school: no school-gate duties, and the roster says why."""
    a = world.a
    school = key_place(world, "新建小学")
    gate_post = areas.create_post(
        actor=world.admin,
        data={
            "name": "新建小学护学岗",
            "kind": code_item("post_kind").pk,
            "jurisdiction": a.township.pk,
            "team": a.team.pk,
            "zone": a.zone.pk,
            "key_place": school.pk,
            "start_time": "16:00",
            "duration_minutes": 60,
            "lead_minutes": 20,
        },
    )
    gate = rule(world, gate_post, recurrence="school_days", school_event="dismissal")
    roster = services.generate_draft_roster(
        actor=world.admin, team=world.a.team, month=dt.date(2026, 11, 1), **FAST
    )
    assert not Duty.objects.filter(roster=roster, rule=gate).exists()
    codes = [w["code"] for w in roster.calendar_warnings]
    assert codes.count("school_calendar_missing") == 1
