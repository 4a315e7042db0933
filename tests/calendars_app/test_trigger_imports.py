"""Imports of holiday arrangements, weather warnings and train timetables: all rows or none."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from shouwang.calendars.models import HolidayYear, TrainPassage, WeatherWarning
from shouwang.core.models import AuditEvent
from shouwang.rostering.models import HolidayArrangement

HOLIDAYS = "date,kind,name\n2031-10-01,休,国庆节\n2031-10-02,holiday,国庆节\n2031-10-11,班,国庆节\n"
URL = "/api/v1/calendars/import/"


def csv_file(text: str, name: str = "data.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def xlsx_file(rows: list[list[Any]], name: str = "data.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def post(client: Any, kind: str, upload: Any, **fields: Any) -> Any:
    return client.post(f"{URL}{kind}", {"file": upload, **fields})


def errors_of(response: Any) -> list[tuple[str, str]]:
    return [(e["field"], e["message"]) for e in response.json()["errors"]]


# -- holiday arrangements ----------------------------------------------------------------------


def test_holiday_import_creates_arrangements_and_marks_the_year(world: Any, login: Any) -> None:
    client = login("township_staff")
    township = world.a.township
    response = post(
        client,
        "holiday-arrangements",
        csv_file(HOLIDAYS),
        jurisdiction=township.pk,
        mark_complete="true",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 3, "skipped": 0}
    rows = HolidayArrangement.objects.filter(jurisdiction=township, date__year=2031)
    assert {(a.date, a.kind) for a in rows} == {
        (dt.date(2031, 10, 1), "holiday"),
        (dt.date(2031, 10, 2), "holiday"),
        (dt.date(2031, 10, 11), "workday"),
    }
    assert HolidayYear.objects.get(jurisdiction=township, year=2031).complete
    assert AuditEvent.objects.filter(code="rostering.holidayarrangement.created").count() >= 3
    # The same file again: nothing twice.
    again = post(client, "holiday-arrangements", csv_file(HOLIDAYS), jurisdiction=township.pk)
    assert again.json() == {"created": 0, "skipped": 3}


def test_holiday_import_bad_row_writes_nothing(world: Any, login: Any) -> None:
    client = login("township_staff")
    text = HOLIDAYS + "2031-13-01,休,国庆节\n2031-10-12,午休,\n"
    before = (HolidayArrangement.objects.count(), AuditEvent.objects.count())
    response = post(
        client,
        "holiday-arrangements",
        csv_file(text),
        jurisdiction=world.a.township.pk,
        mark_complete="true",
    )
    assert response.status_code == 422
    (row5, date_error), (row6, kind_error) = errors_of(response)
    assert "5" in row5 and "6" in row6  # row 1 is the header
    assert "date" in date_error and "2031-13-01" in date_error
    assert "kind" in kind_error and "午休" in kind_error
    assert (HolidayArrangement.objects.count(), AuditEvent.objects.count()) == before
    assert not HolidayYear.objects.filter(year=2031).exists()


def test_holiday_import_is_refused_to_a_patrol_member(world: Any, login: Any) -> None:
    response = post(
        login("patrol_member"),
        "holiday-arrangements",
        csv_file(HOLIDAYS),
        jurisdiction=world.a.township.pk,
    )
    assert response.status_code == 403
    assert not HolidayArrangement.objects.filter(date__year=2031).exists()


def test_holiday_import_page(world: Any, login: Any) -> None:
    client = login("township_staff")
    page = client.get("/calendars/import/holiday-arrangements/")
    assert page.status_code == 200 and b'name="mark_complete"' in page.content
    response = client.post(
        "/calendars/import/holiday-arrangements/",
        {"file": csv_file(HOLIDAYS), "jurisdiction": world.a.township.pk},
    )
    assert response.status_code == 302
    assert HolidayArrangement.objects.filter(date__year=2031).count() == 3
    bad = client.post(
        "/calendars/import/holiday-arrangements/",
        {"file": csv_file("date,kind\n2032-01-01,maybe\n"), "jurisdiction": world.a.township.pk},
    )
    assert bad.status_code == 200 and "maybe" in bad.content.decode()
    assert not HolidayArrangement.objects.filter(date__year=2032).exists()
    assert login("patrol_member").get("/calendars/import/holiday-arrangements/").status_code == 403
    index = client.get("/calendars/import/").content.decode()
    assert all(
        f"/calendars/import/{k}/" in index for k in ("holiday-arrangements", "weather-warnings")
    )


# -- weather warnings --------------------------------------------------------------------------

WEATHER = (
    "类型,级别,开始时间,结束时间,区域,发布单位\n"
    "暴雨,橙色,2026-07-10 18:00,2026-07-11 21:00,{zone},县气象台\n"
    "大风,yellow,2026-07-12 08:00,,,县气象台\n"
)


def test_weather_import_reads_chinese_columns(world: Any, login: Any) -> None:
    client = login("township_staff")
    text = WEATHER.format(zone=world.a.zone.name)
    response = post(client, "weather-warnings", csv_file(text), jurisdiction=world.a.township.pk)
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    storm = WeatherWarning.objects.get(kind="rainstorm", starts_at__year=2026)
    assert storm.level == "orange" and list(storm.zones.all()) == [world.a.zone]
    wind = WeatherWarning.objects.get(kind="high_wind", starts_at__year=2026)
    assert wind.ends_at is None and not wind.zones.exists()


def test_weather_import_bad_level_writes_nothing(world: Any, login: Any) -> None:
    client = login(world.admin)
    text = WEATHER.format(zone=world.a.zone.name) + "暴雨,紫色,2026-07-13 08:00,,,\n"
    before = WeatherWarning.objects.count()
    response = post(client, "weather-warnings", csv_file(text), jurisdiction=world.a.township.pk)
    assert response.status_code == 422
    ((where, message),) = errors_of(response)
    assert "4" in where and "级别" in message
    assert WeatherWarning.objects.count() == before


def test_weather_import_unknown_zone(world: Any, login: Any) -> None:
    text = WEATHER.format(zone=world.b.zone.name)  # side B's zone: not in this jurisdiction
    response = post(
        login(world.admin), "weather-warnings", csv_file(text), jurisdiction=world.a.township.pk
    )
    assert response.status_code == 422
    ((where, message),) = errors_of(response)
    assert "2" in where and "区域" in message


# -- train timetable ---------------------------------------------------------------------------

TRAIN_HEADER = ["train", "direction", "time", "chainage", "days", "valid_from", "valid_to"]


def test_train_import_from_excel_finds_the_segment(world: Any, login: Any) -> None:
    rows = [
        TRAIN_HEADER,
        ["K101", "上行", "21:00", "K261+500", "每日", "2026-11-01", "2026-12-31"],
        ["K103", "down", "06:10", "K262+100", "weekdays", "", ""],
    ]
    response = post(
        login(world.admin), "train-passages", xlsx_file(rows), jurisdiction=world.a.township.pk
    )
    assert response.status_code == 200, response.content
    first = TrainPassage.objects.get(train_no="K101")
    assert first.segment == world.a.segment and first.chainage_m == 261_500
    assert first.direction == "up" and first.passes_at == dt.time(21, 0)
    assert first.valid_to == dt.date(2026, 12, 31)
    assert TrainPassage.objects.get(train_no="K103").days == "weekdays"


def test_train_import_bad_chainage_writes_nothing(world: Any, login: Any) -> None:
    text = (
        "train,direction,time,chainage,days\n"
        "K101,上行,21:00,K261+500,每日\n"
        "K105,上行,22:00,K400+000,每日\n"
        "K107,sideways,22:30,K261+600,每日\n"
    )
    before = TrainPassage.objects.count()
    response = post(
        login(world.admin),
        "train-passages",
        csv_file(text),
        jurisdiction=world.a.township.pk,
        segment=world.a.segment.pk,
    )
    assert response.status_code == 422
    errors = dict(errors_of(response))
    assert len(errors) == 2
    assert any("chainage" in m and "K400+000" in m for m in errors.values())
    assert any("direction" in m for m in errors.values())
    assert TrainPassage.objects.count() == before
