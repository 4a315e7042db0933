"""Calendar records: validation through the API (422 naming the field, nothing written) and
the readable school calendar on its detail page."""

from __future__ import annotations

from typing import Any

import pytest
from calendar_helpers import school_calendar, timetable
from conftest import api_url, error_fields, make_payload, page_url, send

from shouwang.calendars.models import (
    HolidayYear,
    KeyPeriod,
    SchoolCalendar,
    TrainPassage,
    WeatherWarning,
)
from shouwang.core.models import AuditEvent

BAD_INPUT = [
    ("key-periods", KeyPeriod, {"start_date": "2036-02-10", "end_date": "2036-02-01"}, "end_date"),
    (
        "weather-warnings",
        WeatherWarning,
        {"starts_at": "2036-07-02T08:00:00+08:00", "ends_at": "2036-07-01T08:00:00+08:00"},
        "ends_at",
    ),
    ("train-passages", TrainPassage, {"chainage_m": "K400+000"}, "chainage_m"),
    ("train-passages", TrainPassage, {"chainage_m": "261.5km"}, "chainage_m"),
    (
        "train-passages",
        TrainPassage,
        {"valid_from": "2036-12-31", "valid_to": "2036-01-01"},
        "valid_to",
    ),
    ("holiday-years", HolidayYear, {"year": 1900}, "year"),
    (
        "school-calendars",
        SchoolCalendar,
        {"terms": [{"name": "秋季", "start": "2036-09-01", "end": "2036-13-01"}]},
        "terms",
    ),
    ("school-calendars", SchoolCalendar, {"terms": []}, "terms"),
    (
        "school-calendars",
        SchoolCalendar,
        {"vacations": [{"name": "寒假", "start": "2037-02-01", "end": "2037-01-01"}]},
        "vacations",
    ),
    (
        "school-calendars",
        SchoolCalendar,
        {"summer_timetable": {"1": [{"kind": "lunch", "time": "12:00"}]}},
        "summer_timetable",
    ),
    (
        "school-calendars",
        SchoolCalendar,
        {"winter_timetable": {"8": [{"kind": "arrival", "time": "08:00"}]}},
        "winter_timetable",
    ),
    (
        "school-calendars",
        SchoolCalendar,
        {"summer_timetable": {"1": [{"kind": "arrival", "time": "25:00"}]}},
        "summer_timetable",
    ),
    ("school-calendars", SchoolCalendar, {"summer_from": "13-01"}, "summer_from"),
    (
        "school-calendars",
        SchoolCalendar,
        {"overrides": {"not-a-date": None}},
        "overrides",
    ),
]


@pytest.mark.parametrize(("slug", "model", "change", "field"), BAD_INPUT)
def test_bad_input_names_the_field_and_writes_nothing(
    world: Any, login: Any, slug: str, model: Any, change: dict[str, Any], field: str
) -> None:
    payload = make_payload(slug, world, "A", n=3)
    payload.update(change)
    client = login(world.admin)
    rows, events = model.objects.count(), AuditEvent.objects.count()
    response = send(client, "post", api_url(slug), payload)
    assert response.status_code == 422, response.content
    errors = error_fields(response)
    assert field in errors and all(m.strip() for m in errors[field])
    assert model.objects.count() == rows and AuditEvent.objects.count() == events


def test_bad_school_timetable_message_says_where(world: Any, login: Any) -> None:
    payload = make_payload("school-calendars", world, "A", n=3)
    payload["summer_timetable"] = {"3": [{"kind": "lunch", "time": "12:00"}]}
    response = send(login(world.admin), "post", api_url("school-calendars"), payload)
    (message,) = error_fields(response)["summer_timetable"]
    assert "周三" in message and "lunch" in message


def test_zones_of_another_jurisdiction_are_refused(world: Any, login: Any) -> None:
    payload = make_payload("weather-warnings", world, "A", n=3)
    payload["zones"] = [world.b.zone.pk]
    response = send(login(world.admin), "post", api_url("weather-warnings"), payload)
    assert response.status_code == 422 and "zones" in error_fields(response)


def test_train_passage_takes_a_kilometre_post(world: Any, login: Any) -> None:
    payload = make_payload("train-passages", world, "A", n=3)
    payload["chainage_m"] = "K262+050"
    response = send(login(world.admin), "post", api_url("train-passages"), payload)
    assert response.status_code == 201, response.content
    passage = TrainPassage.objects.get(pk=response.json()["id"])
    assert passage.chainage_m == 262_050 and passage.chainage_display == "K262+050"


def test_school_calendar_detail_is_readable(world: Any, login: Any) -> None:
    calendar = school_calendar(
        world,
        summer_timetable=timetable(("arrival", "07:50"), ("dismissal", "16:30")),
        overrides={"2026-11-20": [{"kind": "dismissal", "time": "15:00", "label": "暴雨提前放学"}]},
    )
    html = login(world.admin).get(page_url("school-calendars", calendar.pk)).content.decode()
    assert "2026秋季学期" in html and "2027-01-22" in html
    assert "07:50 上学、16:30 放学" in html
    assert "周一" in html
    assert "15:00 放学（暴雨提前放学）" in html


def test_school_calendar_builds_the_pure_calendar(world: Any) -> None:
    import datetime as dt

    calendar = school_calendar(world).school_calendar()
    assert calendar.in_term(dt.date(2026, 11, 2)) and not calendar.in_term(dt.date(2027, 2, 1))
    assert calendar.timetable_for(dt.date(2026, 9, 30)).name == "summer"
    assert calendar.timetable_for(dt.date(2026, 10, 1)).name == "winter"


def test_migration_grants_calendar_permissions_to_existing_roles(world: Any) -> None:
    import importlib

    from django.apps import apps

    from shouwang.core.models import Role

    migration = importlib.import_module("shouwang.calendars.migrations.0001_trigger_records")
    role = Role.objects.get(key="township_staff")
    role.permissions = {k: v for k, v in role.permissions.items() if k != "calendars.*"}
    role.save()
    assert not role.allows("calendars.weatherwarning", "add")
    migration.grant_calendar_permissions(apps, None)
    role.refresh_from_db()
    assert role.allows("calendars.weatherwarning", "add")
    assert not Role.objects.get(key="patrol_member").allows("calendars.keyperiod", "add")


def test_import_pages_render(world: Any, login: Any) -> None:
    client = login("township_staff")
    train = client.get("/calendars/import/train-passages/").content.decode()
    assert world.a.segment.name in train and 'name="segment"' in train
    weather = client.get("/calendars/import/weather-warnings/")
    assert weather.status_code == 200 and b'name="mark_complete"' not in weather.content
    assert client.get("/calendars/import/nothing/").status_code == 404
