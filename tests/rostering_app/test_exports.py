"""The month's patrol timetable (巡逻防控时间表) as PDF and as Excel."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from urllib.parse import quote

import openpyxl
import pypdf
import pytest
from django.test import Client
from django.utils import timezone
from rostering_helpers import post, rule, small_team

from shouwang.rostering import exports, services
from shouwang.rostering.models import Duty, DutyAssignment, Roster, RosterStatus

FAST = {"time_limit_s": 30, "seed": 0, "deterministic_time": 2.0}


def _next_month() -> dt.date:
    first = timezone.localdate().replace(day=1)
    return (first + dt.timedelta(days=32)).replace(day=1)


@pytest.fixture
def roster(world: Any) -> Roster:
    """A two-member team in township A with a published roster next month."""
    team, _members = small_team(world, [["volunteer"], ["volunteer"]], name="时间表测试队")
    gate = post(world, team, "中心校护学岗", start="16:00", minutes=40)
    rule(world, gate, head_count=1)
    roster = services.generate_draft_roster(
        actor=world.admin, team=team, month=_next_month(), **FAST
    )
    for to in (RosterStatus.REVIEWED, RosterStatus.PUBLISHED):
        roster = services.transition_roster(roster, to, actor=world.admin)
    assert DutyAssignment.objects.filter(duty__roster=roster).exists()
    return roster


def _title(world: Any, roster: Roster) -> str:
    month = f"{roster.month.year}年{roster.month.month}月"
    return f"{world.a.township.name} 时间表测试队 {month} 巡逻防控时间表"


def _pdf_text(body: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def test_xlsx_lists_every_duty_and_the_month_grid(world: Any, login: Any, roster: Roster) -> None:
    response = login("township_staff").get(f"/rostering/rosters/{roster.pk}/timetable.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + quote("时间表测试队", safe="") in disposition

    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["按日期", "按队员"]
    by_date, by_member = book["按日期"], book["按队员"]
    assert by_date["A1"].value == _title(world, roster)
    assert by_member["A1"].value == _title(world, roster)
    assert [c.value for c in by_date[2]] == list(exports.DATE_HEADERS)
    assert by_date.freeze_panes == "A3"
    assert by_date.page_setup.orientation == "landscape"

    duties = list(
        Duty.objects.filter(roster=roster)
        .prefetch_related("assignments__member")
        .order_by("date", "start", "pk")
    )
    rows = list(by_date.iter_rows(min_row=3, values_only=True))
    assert len(rows) == len(duties) > 0
    for row, duty in zip(rows, duties, strict=True):
        names = sorted(a.member.name for a in duty.assignments.all())
        assert row[0] == f"{duty.date.month}月{duty.date.day}日"
        assert row[1] == f"周{exports.WEEKDAYS_ZH[duty.date.weekday()]}"
        assert row[2] == "中心校护学岗"
        assert row[3] == "16:00–16:40"
        assert row[4] == world.a.keyplace.name
        assert row[5] == "、".join(names)
        assert row[6] == f"1/{len(names)}"

    days = (roster.month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - roster.month
    header = [c.value for c in by_member[2]]
    assert header == ["队员", *(str(d) for d in range(1, days.days + 1))]
    member_names = {r[0] for r in by_member.iter_rows(min_row=3, values_only=True)}
    assert {"排班队员0", "排班队员1"} <= member_names
    cells = {v for r in by_member.iter_rows(min_row=3, values_only=True) for v in r[1:]}
    assert "中心校护学" in cells


def test_pdf_shows_title_posts_members_and_signatures(
    world: Any, login: Any, roster: Roster
) -> None:
    response = login("township_staff").get(f"/rostering/rosters/{roster.pk}/timetable.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    text = _pdf_text(response.content)
    assert "巡逻防控时间表" in text
    assert "时间表测试队" in text
    assert "中心校护学岗" in text
    assert "排班队员" in text
    assert "已发布" in text
    for label in ("制表人", "审核人", "日期"):
        assert label in text
    assert "草稿" not in text
    assert "第 1 页" in text


def test_draft_pdf_is_marked(world: Any, login: Any, roster: Roster) -> None:
    draft = services.generate_draft_roster(
        actor=world.admin,
        team=roster.team,
        month=(roster.month + dt.timedelta(days=32)).replace(day=1),
        **FAST,
    )
    assert draft.status == RosterStatus.DRAFT
    response = login("township_staff").get(f"/rostering/rosters/{draft.pk}/timetable.pdf")
    assert response.status_code == 200
    assert "草稿" in _pdf_text(response.content)
    book = openpyxl.load_workbook(io.BytesIO(exports.timetable_xlsx(draft)))
    assert "草稿" in str(book["按日期"]["A1"].value)


def test_outside_scope_and_anonymous(world: Any, login: Any, roster: Roster) -> None:
    office = login("township_staff")  # granted in side A: side B's roster is out of scope
    anonymous = Client()
    for suffix in ("timetable.xlsx", "timetable.pdf"):
        outside = office.get(f"/rostering/rosters/{world.b.roster.pk}/{suffix}")
        missing = office.get(f"/rostering/rosters/999999/{suffix}")
        assert outside.status_code == missing.status_code == 404
        assert office.get(f"/rostering/rosters/{world.a.roster.pk}/{suffix}").status_code == 200
        assert anonymous.get(f"/rostering/rosters/{roster.pk}/{suffix}").status_code == 302


def test_detail_page_links_the_files(world: Any, login: Any, roster: Roster) -> None:
    page = login("township_staff").get(f"/r/rosters/{roster.pk}/").content.decode()
    assert f"/rostering/rosters/{roster.pk}/timetable.pdf" in page
    assert f"/rostering/rosters/{roster.pk}/timetable.xlsx" in page
