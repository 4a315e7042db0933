"""Importing the dispute ledger (矛盾纠纷排查化解台账) from paper-era Excel ledgers; exporting it.

The ledger is built with openpyxl the way villages type them: a title row, a blank row, a
"填报单位" line, then Chinese headers, then rows (dates in several spellings and as Excel date
cells, the parties in one cell). All or nothing; every bad row named with its sheet row,
column and reason; historic files land in the state the ledger records.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

from django.utils import timezone
from openpyxl import load_workbook

from shouwang.core.audit import ACTIONS
from shouwang.core.models import AuditEvent
from shouwang.disputes import ledger_io
from shouwang.disputes.models import (
    Dispute,
    DisputeParty,
    DisputeSource,
    DisputeStatus,
    DisputeTransition,
    FollowUp,
)
from shouwang.imports import services
from shouwang.imports.kinds import KINDS
from shouwang.imports.models import ImportRun, RunStatus

from .ledger_helpers import (
    api_upload,
    cells,
    import_ledger,
    paper_ledger,
    parse_export,
    post_mapping,
    upload,
)

KIND = KINDS["disputes"]
S = DisputeStatus
EXCEL_DAY = dt.datetime(2026, 10, 8)  # noqa: DTZ001  (Excel cells carry no time zone)

HEADER = [
    "序号",
    "排查日期",
    "村（社区）",
    "纠纷名称",
    "纠纷类型",
    "当事人",
    "联系电话",
    "纠纷简要情况",
    "风险等级",
    "化解责任人",
    "化解情况",
    "化解日期",
    "办结日期",
    "结果",
    "移交去向",
    "备注",
]
FIRST_DATA_ROW = 5  # title, blank, 填报单位, header


def row(n: int, **values: Any) -> list[Any]:
    return cells(HEADER, **{"序号": n, "村（社区）": "甲社区", **values})


def good_rows() -> list[list[Any]]:
    return [
        row(
            1,
            排查日期="2026/10/5",
            纠纷名称="张李两家围墙边界纠纷",
            纠纷类型="房屋宅基地",
            当事人="张三、李四",
            联系电话="13900001111、13900002222",
            纠纷简要情况="两户因围墙边界发生争执",
            风险等级="中",
            化解责任人="甲队员",
            化解情况="已化解",
            化解日期="2026年10月20日",
        ),
        row(
            2,
            排查日期=EXCEL_DAY,
            纠纷名称="王五讨要工资",
            纠纷类型="劳资纠纷",
            当事人="王五（申请人）、甲建筑公司（被申请人）",
            纠纷简要情况="拖欠工资三万元",
            风险等级="高",
            化解情况="调解不成已移交",
            化解日期="2026-10-30",
            移交去向="法院",
        ),
        row(
            3,
            排查日期="2026-10-12",
            纠纷名称="楼上楼下噪音",
            纠纷类型="邻里纠纷",
            当事人="赵六、钱七",
            联系电话="、13700003333",
            化解情况="已办结",
            结果="已化解",
            化解日期="2026-10-25",
            办结日期="2026-11-01",
        ),
        row(
            4,
            排查日期="20261020",
            纠纷名称="土地流转租金",
            纠纷类型="山林土地",
            当事人="孙八、周九",
            化解情况="调解中",
        ),
    ]


def bad_rows() -> list[list[Any]]:
    return [
        row(5, 排查日期="2026-02-30", 纠纷名称="日期错", 纠纷类型="邻里"),
        row(6, 排查日期="2026-10-06", 纠纷名称="类别错", 纠纷类型="外星纠纷"),
        row(7, 排查日期="2026-10-07", 纠纷名称="缺化解日期", 纠纷类型="债务", 化解情况="已化解"),
        row(8, 排查日期="2026-10-08", **{"村（社区）": "乙社区"}, 纠纷名称="外县", 纠纷类型="债务"),
        row(
            9,
            排查日期="2026-10-09",
            纠纷名称="电话错",
            纠纷类型="债务",
            当事人="吴十",
            联系电话="1234567",
        ),
    ]


def ledger(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    return paper_ledger(rows, header or HEADER, title="甲街道矛盾纠纷排查化解台账")


def run_import(world: Any, raw: bytes, *, user: Any = None, name: str = "纠纷台账.xlsx") -> Any:
    return import_ledger(KIND, user or world.users["township_staff"], raw, name)


# -- the paper ledger ------------------------------------------------------------------------


def test_bad_rows_import_nothing_and_every_bad_row_is_listed(world: Any, login: Any) -> None:
    client = login("township_staff")
    before = (Dispute.objects.count(), DisputeParty.objects.count())
    response = upload(client, "disputes", ledger(good_rows() + bad_rows()), "纠纷台账.xlsx")
    assert response.status_code == 302, response.content.decode()[:2000]
    run = ImportRun.objects.latest("pk")
    assert run.header_row == 4 and run.row_count == 9
    assert run.mapping["排查日期"] == "registered_on"
    assert run.mapping["当事人"] == "parties" and run.mapping["联系电话"] == "party_phones"
    assert run.mapping["化解情况"] == "status" and run.mapping["移交去向"] == "referral_target"
    assert run.mapping["序号"] == "" and run.mapping["备注"] == ""
    assert post_mapping(client, run, run.mapping).status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert (Dispute.objects.count(), DisputeParty.objects.count()) == before
    by_row = {(e["row"], e["column"]): e for e in run.errors}
    assert {r for r, _c in by_row} == {9, 10, 11, 12, 13}, run.errors
    assert by_row[(9, "排查日期")]["field"] == "registered_on"
    assert "外星纠纷" in by_row[(10, "纠纷类型")]["message"]
    assert by_row[(11, "化解日期")]["field"] == "resolved_on"
    assert "乙社区" in by_row[(12, "村（社区）")]["message"]
    phone_error = by_row[(13, "联系电话")]
    assert phone_error["field"] == "party_phones" and "1234567" not in phone_error["message"]
    assert not AuditEvent.objects.filter(code=ledger_io.DISPUTE_IMPORTED).exists()
    html = client.get(f"/imports/runs/{run.pk}/").content.decode()
    for number in (9, 10, 11, 12, 13):
        assert f"<td>{number}</td>" in html


def test_corrected_ledger_is_imported_in_the_recorded_state(world: Any) -> None:
    staff = world.users["township_staff"]
    before = Dispute.objects.count()
    run = run_import(world, ledger(good_rows()))
    assert run.status == RunStatus.COMPLETED, run.errors
    assert (run.created_count, run.skipped_count) == (4, 0)
    assert Dispute.objects.count() == before + 4

    resolved = Dispute.objects.get(title="张李两家围墙边界纠纷")
    assert resolved.status == S.RESOLVED and resolved.outcome == S.RESOLVED
    assert resolved.resolved_on == dt.date(2026, 10, 20)
    assert resolved.registered_on == dt.date(2026, 10, 5)
    assert resolved.jurisdiction == world.a.village
    assert resolved.category.code == "housing_homestead"
    assert resolved.risk_level == "medium"
    assert resolved.responsible_person == world.a.member
    assert resolved.registered_by == staff
    # No source written and no screening that week: "other", the ledger is the source record.
    assert resolved.source == DisputeSource.OTHER and "纠纷台账.xlsx" in resolved.source_record
    parties = list(resolved.parties.order_by("pk"))
    assert [(p.name, p.role) for p in parties] == [("张三", "applicant"), ("李四", "respondent")]
    assert parties[0].phone_masked == "139****1111" and parties[0].phone_full() == "13900001111"
    assert "13900001111" not in parties[0].phone_encrypted
    # The follow-ups of a resolved file are scheduled from the day it was resolved.
    assert sorted(FollowUp.objects.filter(dispute=resolved).values_list("due_on", flat=True)) == [
        dt.date(2026, 10, 27),
        dt.date(2026, 11, 19),
    ]
    transition = DisputeTransition.objects.get(dispute=resolved)
    assert (transition.from_status, transition.to_status) == ("", S.RESOLVED)
    assert "纠纷台账.xlsx" in transition.reason and str(FIRST_DATA_ROW) in transition.reason

    referred = Dispute.objects.get(title="王五讨要工资")
    assert referred.status == S.FAILED_REFERRED and referred.referral_target == "court"
    assert referred.registered_on == dt.date(2026, 10, 8) and referred.category.code == "labour"
    assert [(p.name, p.role) for p in referred.parties.order_by("pk")] == [
        ("王五", "applicant"),
        ("甲建筑公司", "respondent"),
    ]
    assert not referred.follow_ups.exists()

    closed = Dispute.objects.get(title="楼上楼下噪音")
    assert closed.status == S.CLOSED and closed.outcome == S.RESOLVED
    assert timezone.localdate(closed.closed_at) == dt.date(2026, 11, 1)
    assert closed.category.code == "neighbourhood"
    # The phone cell "、13700003333": the first party has none, the second this one.
    assert [p.phone_masked for p in closed.parties.order_by("pk")] == ["", "137****3333"]

    mediating = Dispute.objects.get(title="土地流转租金")
    assert mediating.status == S.MEDIATING and mediating.outcome == ""
    assert mediating.resolve_by == dt.date(2026, 11, 19)  # the policy's 30 days

    events = AuditEvent.objects.filter(code=ledger_io.DISPUTE_IMPORTED)
    assert events.count() == 4 and ledger_io.DISPUTE_IMPORTED in ACTIONS
    # Party names are in the audit trail, never their phone numbers.
    dumped = json.dumps([e.after for e in events], ensure_ascii=False)
    assert "张三" in dumped and "13900001111" not in dumped and "139****1111" in dumped
    completed = AuditEvent.objects.get(code="imports.run.completed", target_id=str(run.pk))
    assert completed.after["created"] == 4


def test_same_file_twice_creates_no_duplicates(world: Any) -> None:
    raw = ledger(good_rows())
    assert run_import(world, raw).created_count == 4
    counts = (Dispute.objects.count(), DisputeParty.objects.count())
    again = run_import(world, raw)
    assert again.status == RunStatus.COMPLETED
    assert (again.created_count, again.skipped_count) == (0, 4)
    assert [s["row"] for s in again.skipped] == [5, 6, 7, 8]
    assert (Dispute.objects.count(), DisputeParty.objects.count()) == counts
    # A row repeated within one file (title written with other spaces) is skipped too.
    repeat = row(
        9,
        排查日期="2026-10-20",
        纠纷名称="土地 流转租金",
        纠纷类型="山林土地",
    )
    third = run_import(world, ledger([*good_rows(), repeat]))
    assert third.created_count == 0 and third.skipped_count == 5


def test_file_without_data_rows_is_an_error(world: Any, login: Any) -> None:
    client = login("township_staff")
    before = ImportRun.objects.count()
    page = upload(client, "disputes", ledger([]), "x.xlsx")
    assert page.status_code == 200 and ImportRun.objects.count() == before
    api = api_upload(client, "disputes", ledger([]), "x.xlsx")
    assert api.status_code == 422
    assert [e["field"] for e in api.json()["errors"]] == ["file"]
    assert not ImportRun.objects.filter(kind="disputes", status=RunStatus.COMPLETED).exists()


def test_export_imports_back_unchanged(world: Any, login: Any) -> None:
    run_import(world, ledger(good_rows()))
    client = login("township_staff")
    response = client.get("/imports/disputes/export.xlsx", {"jurisdiction": world.a.township.pk})
    assert response.status_code == 200
    raw = response.content
    sheet = load_workbook(io.BytesIO(raw)).worksheets[0]
    headers = [c.value for c in sheet[2]]
    assert headers == [f.header for f in KIND.fields]
    # Aligned with the report ledger of the figures page (exports.LEDGER_HEADERS in Chinese).
    assert {"登记日期", "村（社区）", "类别", "当事人", "风险等级", "状态", "结果"} <= set(headers)
    staff = world.users["township_staff"]
    exported = Dispute.objects.visible_to(staff)
    assert sheet.max_row == 2 + exported.count() and exported.count() >= 5
    cells = [str(c.value) for r in sheet.iter_rows(min_row=3) for c in r if c.value]
    assert any("139****1111" in c for c in cells)
    assert not any("13900001111" in c for c in cells)  # phones leave only masked
    assert world.b.extra["dispute"].title not in cells

    counts = (Dispute.objects.count(), DisputeParty.objects.count())
    again = run_import(world, raw, name="export.xlsx")
    assert again.status == RunStatus.COMPLETED, again.errors
    assert again.created_count == 0 and again.skipped_count == exported.count()
    assert (Dispute.objects.count(), DisputeParty.objects.count()) == counts

    # Every exported cell parses to exactly the stored value.
    parsed = parse_export(KIND, staff, raw)
    stored = {KIND.natural_key(KIND.values_of(d)): d for d in exported}
    assert len(parsed) == len(stored)
    for _number, values in parsed:
        expected = KIND.values_of(stored[KIND.natural_key(values)])
        if expected["closed_at"] is not None:
            expected["closed_at"] = expected["closed_at"].replace(microsecond=0)
        assert values == expected


def test_report_ledger_headers_are_recognised(world: Any, login: Any) -> None:
    """The figures page's ledger (exports.LEDGER_HEADERS) maps onto the same fields."""
    run_import(world, ledger(good_rows()))
    report = login("township_staff").get(
        "/api/v1/disputes/reports/ledger.xlsx",
        {"jurisdiction": world.a.township.pk, "start": "2026-10-01", "end": "2026-10-31"},
    )
    assert report.status_code == 200
    run = services.start_run(
        actor=world.users["township_staff"], kind=KIND, file_name="r.xlsx", raw=report.content
    )
    assert run.header_row == 2
    proposed = {field for field in run.mapping.values() if field}
    assert proposed >= {
        "registered_on",
        "jurisdiction",
        "title",
        "category",
        "parties",
        "people_involved",
        "risk_level",
        "source",
        "civil_to_criminal",
        "responsible_unit",
        "responsible_person",
        "plan",
        "resolve_by",
        "status",
        "outcome",
        "referral_target",
    }


def test_import_needs_add_on_disputes(world: Any, login: Any) -> None:
    raw = ledger(good_rows())
    for role in ("county_supervisor", "auditor", "team_leader"):
        client = login(role)
        assert client.get("/imports/disputes/upload/").status_code == 403
        response = api_upload(client, "disputes", raw, "a.xlsx")
        assert response.status_code == 403
    assert not Dispute.objects.filter(title="张李两家围墙边界纠纷").exists()
    # Side B's office cannot import into side A.
    response = api_upload(
        login("township_staff"), "disputes", raw, "a.xlsx", jurisdiction=str(world.b.township.pk)
    )
    assert response.status_code == 422


# -- the rules of historic rows ---------------------------------------------------------------


def test_historic_rows_need_a_consistent_state(world: Any) -> None:
    def debt(n: int, title: str, **values: Any) -> list[Any]:
        """A debt dispute found on 2026-10-01 (unless `values` says otherwise)."""
        return row(n, **{"排查日期": "2026-10-01", "纠纷名称": title, "纠纷类型": "债务", **values})

    rows = [
        debt(1, "一", 化解情况="已办结", 化解日期="2026-10-02"),
        debt(2, "二", 化解情况="调解不成已移交", 化解日期="2026-10-02"),
        debt(3, "三", 排查日期="2026-10-09", 化解情况="已化解", 化解日期="2026-10-02"),
        debt(4, "四", 化解情况="调解中", 办结日期="2026-10-05"),
        debt(5, "五", 化解情况="已化解", 结果="部分化解", 化解日期="2026-10-02"),
        debt(6, "六", 当事人="甲", 联系电话="13900001111、13900002222"),
        debt(7, "七", **{"村（社区）": "甲街道"}),
    ]
    run = run_import(world, ledger(rows))
    assert run.status == RunStatus.FAILED
    found = {(e["row"], e["field"]) for e in run.errors}
    assert found == {
        (5, "outcome"),
        (5, "closed_at"),
        (6, "referral_target"),
        (7, "resolved_on"),
        (8, "closed_at"),
        (9, "outcome"),
        (10, "party_phones"),
        (11, "jurisdiction"),
    }, run.errors


def test_screening_source_masked_phones_and_the_civil_to_criminal_note(world: Any) -> None:
    screening = world.a.extra["screening"]  # village A, week of 2025-01-06
    header = [
        "登记日期",
        "村（社区）",
        "纠纷名称",
        "类别",
        "来源",
        "当事人",
        "联系电话",
        "民转刑风险",
    ]
    found = ["2025-01-08", "甲社区", "排查发现的纠纷", "债务", "排查", None, None, "否"]
    run = run_import(world, ledger([found], header=header))
    assert run.status == RunStatus.COMPLETED, run.errors
    dispute = Dispute.objects.get(title="排查发现的纠纷")
    assert dispute.source == DisputeSource.SCREENING and dispute.screening == screening
    # A week without a screening; a masked phone on a new file; 民转刑 without its note.
    rows = [
        ["2025-03-12", "甲社区", "无排查记录", "债务", "排查", None, None, None],
        ["2025-03-12", "甲社区", "脱敏电话", "债务", "来访", "吴十", "139****1111", None],
        ["2025-03-12", "甲社区", "民转刑", "债务", "来访", None, None, "是"],
    ]
    refused = run_import(world, ledger(rows, header=header))
    assert refused.status == RunStatus.FAILED
    by_row = {e["row"]: e for e in refused.errors}
    assert by_row[5]["column"] == "来源" and "2025-03-10" in by_row[5]["message"]
    assert by_row[6]["column"] == "联系电话" and "*" in by_row[6]["message"]
    assert by_row[7]["field"] == "civil_to_criminal_note"
    assert not Dispute.objects.filter(title__in=["无排查记录", "脱敏电话", "民转刑"]).exists()
