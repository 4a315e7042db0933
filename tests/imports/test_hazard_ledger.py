"""Importing the hazard register (隐患排查整改台账) from paper-era Excel ledgers, and exporting it.

The ledger is built with openpyxl the way offices type them: a title row, a blank row, a
"填报单位" line, then a header with Chinese names, then rows (dates in several spellings and as
Excel date cells). All or nothing; every bad row named with its sheet row and reason.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from shouwang.core.audit import ACTIONS
from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.hazards import ledger_io, workflow
from shouwang.hazards.models import Hazard, HazardStatus, HazardTransition
from shouwang.imports import services
from shouwang.imports.kinds import KINDS, ParseContext
from shouwang.imports.models import ColumnMapping, ImportRun, RunStatus

from . import ledger_helpers
from .ledger_helpers import (
    api_upload,
    cells,
    import_ledger,
    paper_ledger,
    parse_export,
    post_mapping,
)

KIND = KINDS["hazards"]
# Excel cells carry no time zone: a naive datetime is what openpyxl reads from a date cell.
EXCEL_DAY = dt.datetime(2026, 3, 18)  # noqa: DTZ001
EXCEL_DAY2 = dt.datetime(2026, 3, 6)  # noqa: DTZ001
EXCEL_DAY3 = dt.datetime(2026, 3, 5)  # noqa: DTZ001

HEADER = [
    "序号",
    "发现日期",
    "村（社区）",
    "隐患地点",
    "隐患类别",
    "隐患内容",
    "责任单位",
    "责任人",
    "整改时限",
    "整改情况",
    "销号日期",
    "备注",
]
# Title (1), blank (2), "填报单位" (3), header (4): data starts at sheet row 5.
FIRST_DATA_ROW = 5


def row(
    n: int, found: Any, village: str | None, place: str, category: str, text: str, **more: Any
) -> list[Any]:
    """序号, 发现日期, 村（社区）, 隐患地点, 隐患类别, 隐患内容 and the `more` cells named."""
    named = {"村（社区）": village, **more}
    return cells(
        HEADER, 序号=n, 发现日期=found, 隐患地点=place, 隐患类别=category, 隐患内容=text, **named
    )


def good_rows() -> list[list[Any]]:
    return [
        row(
            1,
            "2026/3/5",
            "甲社区",
            "K261+300 防护网",
            "防护网破损",
            "防护网破损约2米",
            责任单位="甲派出所",
            责任人="甲队员",
            整改时限="2026年3月20日",
            整改情况="已销号",
            销号日期=EXCEL_DAY,
            备注="",
        ),
        # An Excel date cell.
        row(
            2,
            EXCEL_DAY2,
            "甲社区",
            "甲小学门口",
            "校园周边",
            "校门口摊贩占道经营",
            责任单位="甲派出所",
            整改情况="整改中",
            备注="逢集日尤甚",
        ),
        row(3, "2026-03-07", None, "甲场镇老街", "消防", "电动车在楼道内充电"),
    ]


def bad_rows() -> list[list[Any]]:
    return [
        row(4, "2026-13-45", "甲社区", "甲桥头", "治安", "夜间聚集"),
        row(5, "2026-03-08", "甲社区", "甲河边", "外星人入侵", "不明物体"),
        row(6, "2026-03-09", "甲社区", "甲菜市场", "消防", ""),
        row(7, "2026-03-10", "乙社区", "乙站台", "治安", "站台围栏缺口"),
    ]


def ledger(rows: list[list[Any]], header: list[str] | None = None, title: bool = True) -> bytes:
    return paper_ledger(
        rows,
        header or HEADER,
        title="甲街道隐患排查整改台账" if title else "",
        office="甲街道平安办",
        filed_on="2026年3月31日",
    )


def run_import(world: Any, raw: bytes, *, user: Any = None, name: str = "台账.xlsx") -> ImportRun:
    return import_ledger(KIND, user or world.users["township_staff"], raw, name)


def upload(client: Any, raw: bytes, name: str = "台账.xlsx", **extra: Any) -> Any:
    return ledger_helpers.upload(client, "hazards", raw, name, **extra)


# -- the paper ledger through the pages ------------------------------------------------------


def test_bad_rows_import_nothing_and_every_bad_row_is_listed(world: Any, login: Any) -> None:
    client = login("township_staff")
    before = Hazard.objects.count()
    response = upload(client, ledger(good_rows() + bad_rows()))
    assert response.status_code == 302, response.content.decode()[:2000]
    run = ImportRun.objects.latest("pk")
    assert run.header_row == 4 and run.row_count == 7
    assert response["Location"].endswith(f"/imports/runs/{run.pk}/mapping/")
    # The mapping was proposed from the Chinese headers; 序号 is not imported.
    assert run.mapping["发现日期"] == "found_at"
    assert run.mapping["村（社区）"] == "jurisdiction"
    assert run.mapping["整改情况"] == "status" and run.mapping["序号"] == ""
    page = client.get(f"/imports/runs/{run.pk}/mapping/")
    assert page.status_code == 200 and "防护网破损约2米" in page.content.decode()

    response = post_mapping(client, run, run.mapping)
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert Hazard.objects.count() == before
    by_row = {e["row"]: e for e in run.errors}
    assert set(by_row) == {8, 9, 10, 11}, run.errors
    assert by_row[8]["column"] == "发现日期" and by_row[8]["field"] == "found_at"
    assert by_row[9]["column"] == "隐患类别" and "外星人入侵" in by_row[9]["message"]
    assert by_row[10]["column"] == "隐患内容" and by_row[10]["field"] == "description"
    assert by_row[11]["column"] == "村（社区）" and "乙社区" in by_row[11]["message"]
    assert AuditEvent.objects.filter(code="imports.run.failed", target_id=str(run.pk)).count() == 1
    assert not AuditEvent.objects.filter(code="hazards.hazard.imported").exists()

    result = client.get(f"/imports/runs/{run.pk}/")
    html = result.content.decode()
    assert result.status_code == 200 and 'id="import-errors"' in html
    for row in (8, 9, 10, 11):
        assert f"<td>{row}</td>" in html


def test_corrected_ledger_is_imported_in_the_recorded_state(world: Any, login: Any) -> None:
    client = login("township_staff")
    staff = world.users["township_staff"]
    before = Hazard.objects.count()
    upload(client, ledger(good_rows()))
    run = ImportRun.objects.latest("pk")
    post_mapping(client, run, run.mapping)
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED, run.errors
    assert (run.created_count, run.skipped_count, run.row_count) == (3, 0, 3)
    assert Hazard.objects.count() == before + 3
    assert run.content is None and len(run.sha256) == 64

    closed = Hazard.objects.get(description="防护网破损约2米")
    assert closed.status == HazardStatus.CLOSED
    assert timezone.localtime(closed.closed_at).date() == dt.date(2026, 3, 18)
    assert closed.deadline == dt.date(2026, 3, 20)
    assert closed.jurisdiction == world.a.village
    assert closed.responsible_unit == world.a.organisation
    assert closed.responsible_person == world.a.member
    assert closed.category.code == "rail_fence_damage"
    assert timezone.localtime(closed.found_at).date() == dt.date(2026, 3, 5)
    assert closed.found_by == staff
    transition = HazardTransition.objects.get(hazard=closed)
    assert (transition.from_status, transition.to_status) == ("", HazardStatus.CLOSED)
    assert "台账.xlsx" in transition.reason and "5" in transition.reason

    rectifying = Hazard.objects.get(description="校门口摊贩占道经营")
    assert rectifying.status == HazardStatus.RECTIFYING
    # No deadline in the ledger: the category's time limit in working days from the day found.
    assert rectifying.deadline == workflow.deadline_for(rectifying) > dt.date(2026, 3, 6)
    assert rectifying.category.code == "campus" and rectifying.note == "逢集日尤甚"

    reported = Hazard.objects.get(description="电动车在楼道内充电")
    assert reported.status == HazardStatus.REPORTED
    assert reported.jurisdiction == world.a.township  # the run's jurisdiction by default
    assert reported.deadline is None

    # One audit event per record (the app's) and one for the run.
    assert AuditEvent.objects.filter(code="hazards.hazard.imported").count() == 3
    events = AuditEvent.objects.filter(code="imports.run.completed", target_id=str(run.pk))
    assert events.count() == 1 and events[0].after["created"] == 3

    page = client.get(f"/imports/runs/{run.pk}/").content.decode()
    assert 'id="import-errors"' not in page


def test_same_file_twice_creates_no_duplicates(world: Any) -> None:
    raw = ledger(good_rows())
    first = run_import(world, raw)
    assert first.status == RunStatus.COMPLETED and first.created_count == 3
    count = Hazard.objects.count()
    second = run_import(world, raw)
    assert second.status == RunStatus.COMPLETED
    assert (second.created_count, second.skipped_count) == (0, 3)
    assert [s["row"] for s in second.skipped] == [5, 6, 7]
    assert Hazard.objects.count() == count
    # A row repeated inside one file is reported too.
    rows = good_rows()
    repeat = [*rows[2][:1], "2026年3月7日", *rows[2][2:]]
    third = run_import(world, ledger([*rows, repeat]))
    assert third.created_count == 0 and third.skipped_count == 4


def test_file_without_data_rows_is_an_error(world: Any, login: Any) -> None:
    client = login("township_staff")
    before = ImportRun.objects.count()
    response = upload(client, ledger([]))
    assert response.status_code == 200
    assert "no data rows" in response.content.decode() or "数据行" in response.content.decode()
    assert ImportRun.objects.count() == before
    api = api_upload(client, "hazards", ledger([]), "x.xlsx")
    assert api.status_code == 422
    assert [e["field"] for e in api.json()["errors"]] == ["file"]
    assert not ImportRun.objects.filter(status=RunStatus.COMPLETED, row_count=0).exists()


def test_saved_mapping_is_applied_to_the_same_layout(world: Any, login: Any) -> None:
    client = login("township_staff")
    header = ["日期", "村（社区）", "问题摘要", "种类"]
    rows = [
        ["2026-02-01", "甲社区", "路灯损坏", "治安"],
        ["2026-02-02", "甲社区", "井盖缺失", "道路交通"],
    ]
    upload(client, ledger(rows, header=header), name="自制台账.xlsx")
    run = ImportRun.objects.latest("pk")
    assert run.column_mapping is None
    assert run.mapping == {
        "日期": "found_at",
        "村（社区）": "jurisdiction",
        "问题摘要": "",
        "种类": "",
    }
    # Required fields left out: refused with a clear message, nothing saved.
    response = post_mapping(client, run, run.mapping)
    assert response.status_code == 200 and not ColumnMapping.objects.filter(kind="hazards").exists()
    wanted = {**run.mapping, "问题摘要": "description", "种类": "category"}
    response = post_mapping(client, run, wanted, name="甲街道自制台账")
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED and run.created_count == 2
    saved = ColumnMapping.objects.get(kind="hazards")
    assert saved.name == "甲街道自制台账" and saved.jurisdiction == world.a.township
    assert AuditEvent.objects.filter(code="imports.mapping.saved", target_id=str(saved.pk)).exists()

    # Next month's ledger of the same layout: the saved mapping applies by itself.
    more = [["2026-03-01", "甲社区", "护栏松动", "道路交通"]]
    upload(client, ledger(more, header=header, title=False), name="三月.xlsx")
    second = ImportRun.objects.latest("pk")
    assert second.column_mapping == saved and second.mapping == wanted
    post_mapping(client, second, second.mapping)
    second.refresh_from_db()
    assert second.status == RunStatus.COMPLETED and second.created_count == 1

    # A village's ledger of the same layout uses the township's mapping, without a copy.
    later = [["2026-03-02", "甲社区", "路面塌陷", "道路交通"]]
    upload(client, ledger(later, header=header), name="村.xlsx", jurisdiction=world.a.village.pk)
    third = ImportRun.objects.latest("pk")
    assert third.jurisdiction == world.a.village and third.column_mapping == saved
    post_mapping(client, third, third.mapping, name=saved.name)
    third.refresh_from_db()
    assert third.status == RunStatus.COMPLETED and third.column_mapping == saved
    assert ColumnMapping.objects.filter(kind="hazards").count() == 1

    # A saved mapping can be edited.
    data = {f"col-{i}": wanted[h] for i, h in enumerate(saved.headers)}
    data["col-0"] = ""
    response = client.post(f"/imports/mappings/{saved.pk}/", {**data, "name": "改名"})
    assert response.status_code == 200  # 发现时间 is required: refused
    data["col-0"] = "found_at"
    data["col-1"] = ""
    response = client.post(f"/imports/mappings/{saved.pk}/", {**data, "name": "改名"})
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.name == "改名" and saved.mapping["村(社区)"] == ""
    assert client.get("/imports/mappings/").status_code == 200
    listed = client.get("/api/v1/imports/mappings").json()
    assert [m["id"] for m in listed] == [saved.pk]


def test_export_imports_back_unchanged(world: Any, login: Any) -> None:
    run_import(world, ledger(good_rows()))
    client = login("township_staff")
    response = client.get("/imports/hazards/export.xlsx", {"jurisdiction": world.a.township.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    raw = response.content
    sheet = load_workbook(io.BytesIO(raw)).worksheets[0]
    assert [c.value for c in sheet[2]] == [f.header for f in KIND.fields]
    exported = Hazard.objects.visible_to(world.users["township_staff"])
    assert sheet.max_row == 2 + exported.count()
    assert not any(c.value == world.b.hazard.description for row in sheet.iter_rows() for c in row)

    count = Hazard.objects.count()
    again = run_import(world, raw, name="export.xlsx")
    assert again.status == RunStatus.COMPLETED, again.errors
    assert again.created_count == 0 and again.skipped_count == exported.count()
    assert Hazard.objects.count() == count

    # Every exported row parses to exactly the stored values.
    staff = world.users["township_staff"]
    parsed = parse_export(KIND, staff, raw)
    stored = {KIND.natural_key(KIND.values_of(h)): h for h in exported}
    assert len(parsed) == len(stored)
    for _number, values in parsed:
        hazard = stored[KIND.natural_key(values)]
        expected = KIND.values_of(hazard)
        expected["found_at"] = expected["found_at"].replace(microsecond=0)
        assert values == expected


def test_export_honours_the_list_filters(world: Any, login: Any) -> None:
    run_import(world, ledger(good_rows()))
    client = login("township_staff")
    form = client.get("/imports/hazards/export/").content.decode()
    for name in ("jurisdiction", "status", "category"):
        assert f'name="{name}"' in form
    assert world.b.township.name not in form  # only places in scope are offered
    response = client.get("/imports/hazards/export.xlsx", {"status": "closed"})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    descriptions = [row[4] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert descriptions == ["防护网破损约2米"]
    fire = KIND.fields[3].parse("消防", ParseContext(world.admin, world.a.township, Hazard))
    response = client.get("/imports/hazards/export.xlsx", {"category": fire.pk})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [r[4] for r in sheet.iter_rows(min_row=3, values_only=True)] == ["电动车在楼道内充电"]


# -- API ------------------------------------------------------------------------------------


def test_api_refuses_bad_rows_with_row_details(world: Any, login: Any) -> None:
    client = login("township_staff")
    before = Hazard.objects.count()
    response = api_upload(client, "hazards", ledger(good_rows() + bad_rows()), "bad.xlsx")
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["run"] and body["detail"]
    assert {e["row"] for e in body["errors"]} == {8, 9, 10, 11}
    for error in body["errors"]:
        assert set(error) == {"field", "label", "message", "row", "column"}
        assert error["column"] and error["label"] and error["message"]
    assert Hazard.objects.count() == before

    # A trial run counts without writing; then the real one.
    trial = api_upload(client, "hazards", ledger(good_rows()), "good.xlsx", dry_run="true")
    assert trial.status_code == 200, trial.content
    assert trial.json()["status"] == "checked" and trial.json()["would_create"] == 3
    assert Hazard.objects.count() == before
    real = api_upload(client, "hazards", ledger(good_rows()), "good.xlsx")
    assert real.status_code == 200 and real.json()["created"] == 3
    assert client.get(f"/api/v1/imports/runs/{real.json()['id']}").json()["created"] == 3

    # A mapping given as JSON is checked and saved.
    wrong = api_upload(
        client, "hazards", ledger(good_rows()), "good.xlsx", mapping='{"发现日期": "no_such_field"}'
    )
    assert wrong.status_code == 422
    assert {e["field"] for e in wrong.json()["errors"]} == {"mapping"}


def test_import_needs_add_on_hazards_and_stays_in_scope(world: Any, login: Any) -> None:
    raw = ledger(good_rows())
    for role in ("county_supervisor", "auditor"):
        client = login(role)
        assert upload(client, raw).status_code == 403
        response = api_upload(client, "hazards", raw, "a.xlsx")
        assert response.status_code == 403
    client = login("township_staff")
    response = api_upload(client, "hazards", raw, "a.xlsx", jurisdiction=str(world.b.township.pk))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["jurisdiction"]
    # Another county's runs are not visible.
    run = run_import(world, raw)
    assert login("county_supervisor").get(f"/imports/runs/{run.pk}/").status_code == 404
    spare_b = world.b.spare_user
    assert login(spare_b).get(f"/api/v1/imports/runs/{run.pk}").status_code in (403, 404)


# -- parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "2026-03-05",
        "2026/3/5",
        "2026年3月5日",
        "2026.3.5",
        "20260305",
        20260305,
        46086,
        EXCEL_DAY3,
        dt.date(2026, 3, 5),
    ],
)
def test_dates_in_the_spellings_of_paper_ledgers(world: Any, cell: Any) -> None:
    ctx = ParseContext(world.admin, world.a.township, Hazard)
    assert KIND.get_field("deadline").parse(cell, ctx) == dt.date(2026, 3, 5)


def test_times_numbers_and_bad_dates(world: Any) -> None:
    from shouwang.imports.kinds import CellInvalid

    ctx = ParseContext(world.admin, world.a.township, Hazard)
    found = KIND.get_field("found_at").parse("2026年3月5日 8:30", ctx)
    assert timezone.localtime(found).timetuple()[:5] == (2026, 3, 5, 8, 30)
    assert KIND.get_field("longitude").parse("107.735", ctx) == pytest.approx(107.735)
    assert KIND.get_field("place").parse(13900001111.0, ctx) == "13900001111"
    for bad in ("2026-02-30", "下周", "2026-3"):
        with pytest.raises(CellInvalid):
            KIND.get_field("deadline").parse(bad, ctx)


def test_csv_ledger_in_gb18030(world: Any) -> None:
    text = "\n".join(
        [
            "甲街道隐患台账,,,",
            "发现时间（年月日）,隐患地点,隐患类别,隐患内容 *",
            "2026-01-05,甲河堤,治安,河堤护栏缺失",
        ]
    )
    run = run_import(world, text.encode("gb18030"), name="台账.csv")
    assert run.status == RunStatus.COMPLETED and run.created_count == 1
    assert Hazard.objects.filter(description="河堤护栏缺失", place="甲河堤").exists()


def test_historic_rows_need_a_consistent_state(world: Any) -> None:
    rows = [
        [
            1,
            "2026-03-01",
            "甲社区",
            "甲一",
            "消防",
            "甲一隐患",
            None,
            None,
            None,
            "已销号",
            None,
            None,
        ],
        [
            2,
            "2026-03-01",
            "甲社区",
            "甲二",
            "消防",
            "甲二隐患",
            "甲派出所",
            None,
            None,
            "整改中",
            "2026-03-05",
            None,
        ],
        [
            3,
            "2026-03-09",
            "甲社区",
            "甲三",
            "消防",
            "甲三隐患",
            None,
            None,
            "2026-03-01",
            None,
            None,
            None,
        ],
    ]
    run = run_import(world, ledger(rows))
    assert run.status == RunStatus.FAILED
    found = {(e["row"], e["field"]) for e in run.errors}
    assert found == {(5, "closed_at"), (6, "closed_at"), (7, "deadline")}
    assert ledger_io.HAZARD_IMPORTED in ACTIONS


def test_row_errors_follow_the_users_language(world: Any, login: Any) -> None:
    client = login("township_staff")
    client.cookies["django_language"] = "en"
    response = api_upload(client, "hazards", ledger(bad_rows()[:1]), "bad.xlsx")
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["row"] == FIRST_DATA_ROW and error["column"] == "发现日期"
    assert error["message"] == "“2026-13-45” is not a real date."
    assert error["label"] == "found at"


def test_places_by_name_or_code_anywhere_in_scope(world: Any) -> None:
    staff = world.users["township_staff"]
    header = ["发现时间", "辖区", "隐患类别", "隐患内容"]
    rows = [
        ["2026-01-10", "甲网格", "治安", "网格内隐患"],
        ["2026-01-11", "甲街道", "治安", "街道隐患"],  # above the run's village, inside scope
        ["2026-01-12", world.a.village.stat_division_code, "治安", "按代码"],
        ["2026-01-13", "无此村", "治安", "未知地方"],
    ]
    raw = ledger(rows, header=header)
    run = services.import_file(
        actor=staff, kind=KIND, file_name="p.xlsx", raw=raw, jurisdiction=world.a.village.pk
    )
    assert run.status == RunStatus.FAILED
    assert [(e["row"], e["column"]) for e in run.errors] == [(8, "辖区")]
    fixed = services.import_file(
        actor=staff,
        kind=KIND,
        file_name="p.xlsx",
        raw=ledger(rows[:3], header=header),
        jurisdiction=world.a.village.pk,
    )
    assert fixed.status == RunStatus.COMPLETED and fixed.created_count == 3
    places = dict(
        Hazard.objects.filter(description__in=["网格内隐患", "街道隐患", "按代码"]).values_list(
            "description", "jurisdiction"
        )
    )
    assert places == {
        "网格内隐患": world.a.grid.pk,
        "街道隐患": world.a.township.pk,
        "按代码": world.a.village.pk,
    }


def test_index_trial_run_then_import_from_the_pages(world: Any, login: Any) -> None:
    client = login("township_staff")
    home = client.get("/").content.decode()
    assert "/imports/" in home  # in the "cases" menu
    index = client.get("/imports/")
    assert index.status_code == 200 and "/imports/hazards/upload/" in index.content.decode()
    upload(client, ledger(good_rows()))
    run = ImportRun.objects.latest("pk")
    before = Hazard.objects.count()
    post_mapping(client, run, run.mapping, dry_run="1")
    run.refresh_from_db()
    assert run.status == RunStatus.CHECKED and Hazard.objects.count() == before
    assert services.would_create(run) == 3 and run.content is not None
    page = client.get(f"/imports/runs/{run.pk}/").content.decode()
    assert f"/imports/runs/{run.pk}/execute/" in page
    client.post(f"/imports/runs/{run.pk}/execute/")
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED and run.created_count == 3
    assert Hazard.objects.count() == before + 3
    # A finished run cannot be executed again.
    client.post(f"/imports/runs/{run.pk}/execute/")
    assert Hazard.objects.count() == before + 3
    # A read-only role gets no import page.
    assert login("auditor").get("/imports/hazards/upload/").status_code == 403


def test_unknown_header_names_need_the_header_row_once(world: Any) -> None:
    staff = world.users["township_staff"]
    header = ["时间点", "问题", "分类"]  # no alias the importer knows
    raw = ledger([["2026-04-01", "桥下堆放柴草", "消防"]], header=header)
    with pytest.raises(RecordInvalid) as refused:
        services.start_run(actor=staff, kind=KIND, file_name="x.xlsx", raw=raw)
    assert set(refused.value.errors) == {"file"}
    mapping = {"时间点": "found_at", "问题": "description", "分类": "category"}
    run = services.import_file(
        actor=staff, kind=KIND, file_name="x.xlsx", raw=raw, header_row=4, mapping=mapping
    )
    assert run.status == RunStatus.COMPLETED and run.created_count == 1
    # The layout is known now: found by its signature, and the saved mapping applies.
    again = services.start_run(
        actor=staff,
        kind=KIND,
        file_name="y.xlsx",
        raw=ledger([["2026-04-02", "b", "消防"]], header=header),
    )
    assert again.header_row == 4 and again.mapping == mapping
