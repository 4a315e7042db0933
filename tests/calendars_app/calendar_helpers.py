"""Builders shared by the calendar-record tests (all in side A of the test world)."""

from __future__ import annotations

from typing import Any

from conftest import code_item

from shouwang.areas import services as areas
from shouwang.calendars import services as calendars
from shouwang.rostering import services as rostering

WEEKDAYS = range(1, 6)


def timetable(*events: tuple[str, str], days: Any = WEEKDAYS) -> dict[str, list[dict[str, str]]]:
    """The same bell events on each of `days`: timetable(("dismissal", "16:30"))."""
    return {str(d): [{"kind": k, "time": t} for k, t in events] for d in days}


def school_calendar(world: Any, school: Any = None, **values: Any) -> Any:
    """A school calendar for the 2026 autumn term (winter vacation from 2027-01-23)."""
    a = world.a
    data: dict[str, Any] = {
        "school": (school or a.keyplace).pk,
        "jurisdiction": a.township.pk,
        "terms": [{"name": "2026秋季学期", "start": "2026-09-01", "end": "2027-01-22"}],
        "vacations": [{"name": "寒假", "start": "2027-01-23", "end": "2027-02-28"}],
        "summer_from": "05-01",
        "summer_timetable": timetable(("arrival", "07:50"), ("dismissal", "16:30")),
        "winter_from": "10-01",
        "winter_timetable": timetable(("arrival", "08:00"), ("dismissal", "16:00")),
        "overrides": {},
        "note": "",
    }
    data.update(values)
    return calendars.create_school_calendar(actor=world.admin, data=data)


def key_place(world: Any, name: str) -> Any:
    a = world.a
    return areas.create_key_place(
        actor=world.admin,
        data={
            "name": name,
            "kind": code_item("place_kind").pk,
            "jurisdiction": a.village.pk,
            "zone": a.zone.pk,
        },
    )


def zone(world: Any, name: str) -> Any:
    a = world.a
    return areas.create_zone(
        actor=world.admin,
        data={
            "name": name,
            "kind": code_item("zone_kind").pk,
            "jurisdiction": a.township.pk,
            "villages": [a.village.pk],
            "frequency_count": 1,
            "frequency_period": "day",
        },
    )


def post(world: Any, name: str, **values: Any) -> Any:
    """A post of team A in zone A at key place A on segment A (start 07:30, 60 min, lead 20)."""
    a = world.a
    data: dict[str, Any] = {
        "name": name,
        "kind": code_item("post_kind").pk,
        "jurisdiction": a.township.pk,
        "team": a.team.pk,
        "zone": a.zone.pk,
        "key_place": a.keyplace.pk,
        "segment": a.segment.pk,
        "start_time": "07:30",
        "duration_minutes": 60,
        "lead_minutes": 20,
    }
    data.update(values)
    return areas.create_post(actor=world.admin, data=data)


def rule(world: Any, post_obj: Any = None, **values: Any) -> Any:
    data: dict[str, Any] = {
        "post": (post_obj or world.a.post).pk,
        "jurisdiction": world.a.township.pk,
        "recurrence": "daily",
        "head_count": 1,
        "role_minimums": {},
        "priority": 0,
        "active": True,
    }
    data.update(values)
    return rostering.create_duty_rule(actor=world.admin, data=data)
