"""Importing the representatives list (爱路护路联户代表基本情况台账) from an office's Excel file:
bad rows named with row and reason (nothing imported), the same file twice creates no
duplicates, and the export imports back unchanged."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from imports.ledger_helpers import cells, import_ledger, paper_ledger, parse_export
from openpyxl import load_workbook

from shouwang.imports.kinds import KINDS
from shouwang.imports.models import ImportRun, RunStatus
from shouwang.railway.models import HouseholdRepresentative

KIND = KINDS["railway-representatives"]
# Excel cells carry no time zone: a naive datetime is what openpyxl reads from a date cell.
EXCEL_DAY = dt.datetime(2024, 3, 1)  # noqa: DTZ001
HEADER = [
    "序号",
    "村（社区）",
    "姓名",
    "联系电话",
    "村民小组",
    "联系户数",
    "负责区段",
    "聘任时间",
    "备注",
]


def ledger(world: Any, rows: list[list[Any]]) -> bytes:
    return paper_ledger(rows, HEADER, title="甲街道爱路护路联户代表基本情况台账")


def good_rows(world: Any) -> list[list[Any]]:
    village = world.a.village.name
    segment = world.a.segment.name
    return [
        cells(
            HEADER,
            序号=1,
            **{"村（社区）": village},
            姓名="黄一",
            联系电话=13912345678,
            村民小组="1组",
            联系户数=10,
            负责区段=segment,
            聘任时间="2024年3月1日",
        ),
        cells(
            HEADER,
            序号=2,
            **{"村（社区）": village},
            姓名="黄二",
            联系电话="023-70601234",
            村民小组="2组",
            联系户数="12",
            聘任时间=EXCEL_DAY,
        ),
    ]


def run_import(world: Any, raw: bytes, user: Any = None) -> ImportRun:
    return import_ledger(KIND, user or world.users["township_staff"], raw, "联户代表.xlsx")


def test_bad_rows_import_nothing(world: Any) -> None:
    village = world.a.village.name
    bad = [
        *good_rows(world),
        cells(HEADER, 序号=3, **{"村（社区）": village}, 姓名="黄三", 联系户数=0),
        cells(HEADER, 序号=4, **{"村（社区）": village}, 姓名="黄四", 负责区段="没有这段"),
        cells(HEADER, 序号=5, **{"村（社区）": world.b.village.name}, 姓名="黄五"),
    ]
    before = HouseholdRepresentative.objects.count()
    run = run_import(world, ledger(world, bad))
    assert run.status != RunStatus.COMPLETED
    # Title, blank, 填报单位, header: data starts at sheet row 5.
    assert {(e["row"], e["field"]) for e in run.errors} == {
        (7, "households"),
        (8, "segment"),
        (9, "jurisdiction"),
    }, run.errors
    assert HouseholdRepresentative.objects.count() == before
    # A row the service refuses (a township is no village) stops the whole file too.
    township = cells(HEADER, 序号=3, **{"村（社区）": world.a.township.name}, 姓名="黄六")
    run = run_import(world, ledger(world, [*good_rows(world), township]))
    assert run.status != RunStatus.COMPLETED
    assert [(e["row"], e["field"]) for e in run.errors] == [(7, "jurisdiction")], run.errors
    assert HouseholdRepresentative.objects.count() == before


def test_import_and_same_file_twice(world: Any) -> None:
    raw = ledger(world, good_rows(world))
    run = run_import(world, raw)
    assert run.status == RunStatus.COMPLETED, run.errors
    assert run.created_count == 2
    one = HouseholdRepresentative.objects.get(name="黄一")
    assert (one.phone, one.villager_group, one.households) == ("13912345678", "1组", 10)
    assert one.segment_id == world.a.segment.pk
    assert one.appointed_on == dt.date(2024, 3, 1)
    assert one.status == "active"
    two = HouseholdRepresentative.objects.get(name="黄二")
    assert (two.households, two.segment_id, two.appointed_on) == (12, None, dt.date(2024, 3, 1))
    again = run_import(world, raw)
    assert (again.created_count, again.skipped_count) == (0, 2)


def test_export_imports_back_unchanged(world: Any, login: Any) -> None:
    run_import(world, ledger(world, good_rows(world)))
    client = login("township_staff")
    response = client.get(
        "/imports/railway-representatives/export.xlsx", {"jurisdiction": world.a.township.pk}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in sheet[2]] == [f.header for f in KIND.fields]
    staff = world.users["township_staff"]
    exported = HouseholdRepresentative.objects.visible_to(staff)
    assert sheet.max_row == 2 + exported.count()
    values = {c.value for row in sheet.iter_rows() for c in row}
    assert "乙联户代表-1" not in values and "黄一" in values
    again = run_import(world, response.content)
    assert again.status == RunStatus.COMPLETED, again.errors
    assert again.created_count == 0 and again.skipped_count == exported.count()
    parsed = parse_export(KIND, staff, response.content)
    stored = {KIND.natural_key(KIND.values_of(r)): r for r in exported}
    for _n, row in parsed:
        assert row == KIND.values_of(stored[KIND.natural_key(row)])
