"""The month's patrol logs as a bound PDF volume and as an Excel ledger."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import openpyxl
import pypdf
import pytest

from patrols.field_helpers import field_media  # noqa: F401  (fixture)
from patrols.office_helpers import at, phone_log, rich_log
from shouwang.patrols import ledger, review
from shouwang.patrols.models import CheckIn

OCTOBER = dt.date(2026, 10, 1)


def pages_text(body: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(body))
    return [page.extract_text() or "" for page in reader.pages]


def october_logs(world: Any) -> list[Any]:
    """Two logs of team A in October 2026 (one confirmed with a correction, one submitted), one
    in November, and one of county B in October."""
    first = rich_log(world, start=at(2026, 10, 5, 20))
    first = review.confirm_log(first, actor=world.users["team_leader"])
    review.add_correction(first, actor=world.users["team_leader"], text="结束时间应为22:10")
    CheckIn.objects.create(  # test setup: a flagged check-in far from the post
        log=first,
        member=world.a.member,
        kind="start",
        latitude=29.9,
        longitude=107.8,
        phone_time=at(2026, 10, 5, 20),
        distance_m=5200,
        inside_geofence=False,
        flag="outside_geofence",
    )
    second = phone_log(world, start=at(2026, 10, 20, 8), place="集镇农贸市场")
    phone_log(world, start=at(2026, 11, 2, 8), place="十一月的日志")
    phone_log(world, side="B", start=at(2026, 10, 6, 8), place="乙县的日志")
    return [first, second]


def test_pdf_volume_has_cover_index_and_one_page_per_log(world: Any) -> None:
    first, second = october_logs(world)
    office = world.users["township_staff"]
    logs = ledger.ledger_logs(office, month=OCTOBER, team=world.a.team)
    assert [log.pk for log in logs] == [first.pk, second.pk]
    body = ledger.ledger_pdf(logs, month=OCTOBER, team=world.a.team)
    assert body.startswith(b"%PDF")
    pages = pages_text(body)
    cover, index = pages[0], pages[1]
    assert "甲街道" in cover and "甲巡防队" in cover and "2026年10月" in cover
    assert "2 篇" in cover and "已确认 1 篇" in cover
    assert "目录" in index
    # One index line per log, with the page on which that log starts.
    for log in (first, second):
        assert ledger.index_line(log).replace("\u3000", " ") in index
    numbers = [int(n) for n in re.findall(r"\.\s*(\d+)\s*$", index, re.M)]
    starts = [i + 1 for i, page in enumerate(pages) if "巡查日志 第 " in page]
    assert numbers == starts == [3, 4]
    assert "巡查日志 第 1 篇" in pages[2] and "巡查日志 第 2 篇" in pages[3]
    text = "\n".join(pages)
    for expected in (
        "人员到位情况",
        "甲队员",
        "到岗",
        "检查清单",
        "旅馆是否落实实名登记",
        "发现问题",
        "未登记两人",
        "【隐患】桥下护栏缺失",
        "发放反诈传单",
        "签到记录",
        "超出岗位范围",
        "更正记录",
        "结束时间应为22:10",
        "带队人（签字）",
        "审核人（签字）",
        "尚未确认",
        "集镇农贸市场",
    ):
        assert expected in text, expected
    assert re.search(r"已由 \S+ 于 2026-\d\d-\d\d \d\d:\d\d 确认", text)
    assert "乙县的日志" not in text and "十一月的日志" not in text
    assert len(pages) >= 4


def test_excel_ledger_sheets(world: Any) -> None:
    october_logs(world)
    office = world.users["township_staff"]
    logs = ledger.ledger_logs(office, month=OCTOBER)
    body = ledger.ledger_xlsx(logs, month=OCTOBER)
    wb = openpyxl.load_workbook(io.BytesIO(body))
    assert wb.sheetnames == ["巡查日志", "到岗情况", "检查问题"]
    logs_sheet = wb["巡查日志"]
    header = [c.value for c in logs_sheet[2]]
    assert header[:8] == ["日期", "开始", "结束", "巡防队", "勤务", "地点/路线", "方式", "状态"]
    rows = [[c.value for c in row] for row in logs_sheet.iter_rows(min_row=3)]
    assert [r[0] for r in rows] == ["2026-10-05", "2026-10-20"]
    by_header = dict(zip(header, rows[0], strict=True))
    assert by_header["状态"] == "已确认" and by_header["发现问题项"] == 1
    assert by_header["到岗"] == 1 and by_header["待核查签到"] == 1
    assert "桥下护栏缺失" in by_header["发现情况"] and "22:10" in by_header["更正"]
    attendance = [[c.value for c in row] for row in wb["到岗情况"].iter_rows(min_row=3)]
    assert len(attendance) == 2 and {r[3] for r in attendance} == {"甲队员"}
    failures = [[c.value for c in row] for row in wb["检查问题"].iter_rows(min_row=3)]
    assert len(failures) == 1
    assert failures[0][4:7] == ["po-02", "旅馆是否落实实名登记", "未登记两人"]
    everything = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row)
    assert "乙县的日志" not in everything and "十一月的日志" not in everything


def test_empty_month_still_makes_a_volume(world: Any) -> None:
    office = world.users["township_staff"]
    month = dt.date(2031, 2, 1)
    logs = ledger.ledger_logs(office, month=month)
    text = "\n".join(pages_text(ledger.ledger_pdf(logs, month=month)))
    assert "本月没有巡查日志" in text
    wb = openpyxl.load_workbook(io.BytesIO(ledger.ledger_xlsx(logs, month=month)))
    assert wb["巡查日志"].max_row == 2


def test_month_bounds_use_local_time(world: Any) -> None:
    # 00:30 on 1 November in Beijing is still 31 October in UTC: it belongs to November.
    log = phone_log(world, start=at(2026, 11, 1, 0) + dt.timedelta(minutes=30))
    office = world.users["township_staff"]
    assert log not in ledger.ledger_logs(office, month=OCTOBER)
    assert log in ledger.ledger_logs(office, month=dt.date(2026, 11, 1))


def test_downloads_and_scope(world: Any, login: Any) -> None:
    october_logs(world)
    office = login("township_staff")
    response = office.get("/patrols/ledger/pdf/", {"month": "2026-10", "team": world.a.team.pk})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert "甲巡防队" in "\n".join(pages_text(response.content))
    response = office.get("/patrols/ledger/xlsx/", {"month": "2026-10"})
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb["巡查日志"].max_row == 4
    # Another county's team is not found; the page shows the month's counts.
    assert office.get("/patrols/ledger/pdf/", {"team": world.b.team.pk}).status_code == 404
    page = office.get("/patrols/ledger/", {"month": "2026-10"})
    assert page.status_code == 200 and page.context["counts"].logs == 2
    # The API gives the same files and refuses a malformed month by name.
    api = office.get("/api/v1/patrols/ledger.xlsx", {"month": "2026-10"})
    assert api.status_code == 200 and api.content[:2] == b"PK"
    bad = office.get("/api/v1/patrols/ledger.pdf", {"month": "十月"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "month"
    # County B's own office sees only its log.
    from conftest import PASSWORD

    from shouwang.core import services as core

    user_b = core.create_user(actor=world.admin, username="office_b", password=PASSWORD)
    core.create_role_grant(
        actor=world.admin,
        data={
            "user": user_b.username,
            "role": "township_staff",
            "jurisdiction": world.b.township.pk,
        },
    )
    response = login(user_b).get("/patrols/ledger/xlsx/", {"month": "2026-10"})
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb["巡查日志"].max_row == 3
    assert "乙县的日志" in str(wb["巡查日志"]["F3"].value)


@pytest.mark.usefixtures("field_media")
def test_pdf_prints_photo_thumbnails(world: Any) -> None:
    from patrols.field_helpers import image_bytes, new_uuid, patrol_user
    from shouwang.patrols import services

    log = phone_log(world, start=at(2026, 10, 7, 9))
    outcome = services.store_photo(
        actor=patrol_user(world),
        uuid=new_uuid(),
        content=image_bytes(size=(80, 60)),
        log=str(log.uuid),
        caption="护栏缺口",
    )
    assert outcome.status == "saved"
    office = world.users["township_staff"]
    body = ledger.ledger_pdf(ledger.ledger_logs(office, month=OCTOBER), month=OCTOBER)
    reader = pypdf.PdfReader(io.BytesIO(body))
    page = next(p for p in reader.pages if "护栏缺口" in (p.extract_text() or ""))
    assert len(page.images) == 1
    assert "照片（1 张）" in page.extract_text()


def test_ledger_for_a_place(world: Any, login: Any) -> None:
    october_logs(world)
    office = login("township_staff")
    response = office.get(
        "/patrols/ledger/xlsx/", {"month": "2026-10", "jurisdiction": world.a.township.pk}
    )
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb["巡查日志"].max_row == 4
    assert "甲街道" in str(wb["巡查日志"]["A1"].value)
    params = {"month": "2026-10", "jurisdiction": world.b.township.pk}
    assert office.get("/patrols/ledger/pdf/", params).status_code == 404
    assert office.get("/api/v1/patrols/ledger.pdf", params).status_code == 404
