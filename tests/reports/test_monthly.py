"""The monthly report: a township's November 2026 as a PDF and an Excel workbook of ledgers,
built in the background, with its page, its API and its scope.

The month's data on side A (township 甲, its one village), besides the world's own records
(a hazard found 11-20, a dispute registered 11-02, a training on 11-05):

- patrol logs: two in November, one in October (not in the report);
- hazards: H1 major, found 11-03, closed 11-15; H2 found 11-04, rectifying, deadline 11-10
  (overdue); H3 found 10-10, still open (listed, not "found this month"); H4 found 10-01 and
  closed 10-05 (not listed); H5 about a person, found 11-06 (listed without its text); H6 at
  the township itself, found 11-08;
- disputes: the world's (registered 11-02, open) and one resolved on 11-12;
- the world's training held, its member present; an obstacle placed on the line on 11-09;
  one representative's activity on 11-18.

Side B has its own hazard, dispute and patrol log in November: none may appear.

Hand-checked return row for village 甲: disputes screened 2, resolved 1, in mediation 1;
hazards found 4 (world, H1, H2, H5), rectified 1, overdue 1; and a row （本级） for H6, found
11-08 at the township itself.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pypdf
import pytest
from conftest import code_item, send
from disputes.conftest import new_dispute, resolved
from patrols.office_helpers import at, phone_log

from shouwang.core import jobs
from shouwang.core.models import AuditEvent, BackgroundJob, JobStatus
from shouwang.reports import monthly, services
from shouwang.reports.models import MonthlyReport, ReportStatus

NOVEMBER = dt.date(2026, 11, 1)
TZ = dt.timezone(dt.timedelta(hours=8))


def pdf_text(body: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def sheet_rows(ws: Any, first: int = 3) -> list[list[Any]]:
    return [[c.value for c in row] for row in ws.iter_rows(min_row=first)]


def import_hazard(world: Any, **values: Any) -> Any:
    from shouwang.hazards.ledger_io import import_hazard as do_import

    data = {
        "jurisdiction": world.a.village,
        "category": code_item("hazard_category"),
        "severity": "general",
        "place": "甲村口",
        **values,
    }
    return do_import(actor=world.admin, values=data, row=1, source="测试台账.xlsx")


def november(world: Any) -> dict[str, Any]:
    """The month's records (see the module docstring)."""
    from shouwang.governance import services as governance
    from shouwang.hazards import services as hazards
    from shouwang.railway import services as railway

    office = world.users["township_staff"]
    logs = [
        phone_log(world, start=at(2026, 11, 5, 20), place="十一月集镇巡逻"),
        phone_log(world, start=at(2026, 11, 21, 8), place="十一月学校护学"),
    ]
    phone_log(world, start=at(2026, 10, 20, 8), place="十月的日志")
    phone_log(world, side="B", start=at(2026, 11, 6, 8), place="乙县的日志")

    import_hazard(
        world,
        found_at=dt.datetime(2026, 11, 3, 9, tzinfo=TZ),
        description="H1 桥下护栏缺失",
        severity="major",
        status="closed",
        closed_at=dt.datetime(2026, 11, 15, 10, tzinfo=TZ),
        responsible_unit=world.a.organisation,
    )
    import_hazard(
        world,
        found_at=dt.datetime(2026, 11, 4, 9, tzinfo=TZ),
        description="H2 电线私拉乱接",
        status="rectifying",
        deadline=dt.date(2026, 11, 10),
        responsible_unit=world.a.organisation,
    )
    import_hazard(
        world, found_at=dt.datetime(2026, 10, 10, 9, tzinfo=TZ), description="H3 十月的隐患"
    )
    import_hazard(
        world,
        jurisdiction=world.a.township,
        found_at=dt.datetime(2026, 11, 8, 9, tzinfo=TZ),
        description="H6 镇区路灯损坏",
    )
    import_hazard(
        world,
        found_at=dt.datetime(2026, 10, 1, 9, tzinfo=TZ),
        description="H4 十月已销号",
        status="closed",
        closed_at=dt.datetime(2026, 10, 5, 9, tzinfo=TZ),
        responsible_unit=world.a.organisation,
    )
    hazards.create_hazard(
        actor=world.admin,
        data={
            "category": code_item("hazard_category").pk,
            "jurisdiction": world.a.village.pk,
            "description": "H5 某某精神状况异常",
            "place": "甲村五组张家",
            "severity": "general",
            "found_at": "2026-11-06T10:00:00+08:00",
            "about_person": True,
            "note": "",
        },
    )

    resolved(world, office, title="已化解的相邻纠纷")

    training = world.a.extra["training"]
    training = governance.hold_training(training, actor=world.admin)
    governance.record_attendance(
        training, actor=world.admin, entries=[{"member": world.a.member.pk, "presence": "present"}]
    )
    railway.create_incident(
        actor=world.admin,
        data={
            "jurisdiction": world.a.village.pk,
            "segment": world.a.segment.pk,
            "chainage": "K261+300",
            "occurred_at": "2026-11-09T15:00:00+08:00",
            "kind": "obstacle",
            "deaths": 0,
            "injuries": 0,
            "description": "道心摆放石块",
            "handling": "清除并调查",
            "police_case_number": "",
            "reported_by": world.a.member.pk,
        },
    )
    railway.create_activity(
        actor=world.admin,
        data={
            "representative": world.a.extra["householdrepresentative"].pk,
            "done_on": "2026-11-18",
            "kind": "dissuasion",
            "description": "劝阻儿童在铁路边玩耍",
        },
    )
    return {"logs": logs, "training": training}


def steps() -> tuple[list[tuple[int, str]], Any]:
    seen: list[tuple[int, str]] = []

    def progress(percent: float, message: str = "", **kw: Any) -> None:
        seen.append((int(percent), message))

    return seen, progress


# -- the workbook ---------------------------------------------------------------------------------


def test_workbook_sheets_headers_and_hand_checked_rows(world: Any) -> None:
    november(world)
    seen, progress = steps()
    _pdf, xlsx = monthly.build_monthly_report(world.a.township, NOVEMBER, progress=progress)
    assert [p for p, _m in seen] == sorted(p for p, _m in seen) and seen[-1][0] == 99
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert (
        wb.sheetnames
        == list(monthly.SHEETS)
        == [
            "巡逻台账",
            "隐患台账",
            "矛盾纠纷台账",
            "爱路护路联户代表台账",
            "培训台账",
            "排查整治情况表",
        ]
    )
    for ws in wb:
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.column_dimensions["B"].width and ws.column_dimensions["B"].width > 5

    patrols = wb["巡逻台账"]
    assert patrols["A1"].value == "甲街道2026年11月巡逻台账"
    assert [c.value for c in patrols[2]][:4] == ["日期", "开始", "结束", "巡防队"]
    assert [r[0] for r in sheet_rows(patrols)] == ["2026-11-05", "2026-11-21"]

    hazards = wb["隐患台账"]
    header = [c.value for c in hazards[2]]
    assert header[:3] == ["序号", "发现时间", "所属村（社区）"]
    assert "隐患内容" in header and "整改状态" in header
    rows = sheet_rows(hazards)
    texts = [r[header.index("隐患内容")] for r in rows]
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert texts == [
        "H3 十月的隐患",
        "H1 桥下护栏缺失",
        "H2 电线私拉乱接",
        monthly.HAZARD_PRIVATE,
        "H6 镇区路灯损坏",
        "甲防护网破损-1",
    ]
    private = rows[3]
    assert private[header.index("隐患地点")] in ("", None)
    assert rows[1][header.index("整改状态")] == "已销号"

    disputes = wb["矛盾纠纷台账"]
    dheader = [c.value for c in disputes[2]]
    assert dheader[:4] == ["序号", "登记日期", "村（社区）", "标题"]
    titles = sorted(r[3] for r in sheet_rows(disputes))
    assert titles == sorted(["甲宅基地纠纷-1", "已化解的相邻纠纷"])

    reps = wb["爱路护路联户代表台账"]
    text = " ".join(str(c.value) for row in reps.iter_rows() for c in row if c.value)
    assert "甲联户代表-1" in text and "劝阻儿童在铁路边玩耍" in text
    assert "入户宣传铁路安全知识" not in text  # October's activity

    trainings = wb["培训台账"]
    assert [c.value for c in trainings[2]] == list(monthly.TRAINING_HEADERS)
    (row,) = sheet_rows(trainings)
    by = dict(zip(monthly.TRAINING_HEADERS, row, strict=True))
    assert by["类别"] == "培训" and by["状态"] == "已举办"
    assert (by["应到人数"], by["实到"], by["缺席"]) == (1, 1, 0)
    assert by["参加人员"] == world.a.member.name

    ret = wb["排查整治情况表"]
    assert ret["A1"].value == "甲街道2026年11月矛盾纠纷和隐患排查整治情况表"
    assert [c.value for c in ret[2]] == list(monthly.RETURN_HEADERS)
    rows = sheet_rows(ret)
    village = [r for r in rows if r[1] == world.a.village.name]
    assert len(village) == 1
    assert village[0][2:8] == [2, 1, 1, 4, 1, 1]
    # H6 is recorded at the township itself: its own row, so the totals equal the township's.
    own = [r for r in rows if r[1] == "（本级）"]
    assert len(own) == 1 and own[0][2:8] == [0, 0, 0, 1, 0, 0]
    assert rows[-1][2:8] == [2, 1, 1, 5, 1, 1]
    total = rows[-1]
    assert total[1] == "合计"
    body = [r for r in rows[:-1]]
    for col in range(2, 10):
        assert total[col] == sum(r[col] for r in body)
    assert ret.cell(row=len(rows) + 2, column=2).font.bold

    everything = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row)
    for other in ("乙县的日志", "乙防护网破损", "乙宅基地纠纷", "乙联户代表", "十月的日志", "H4"):
        assert other not in everything, other


def test_patrol_sheet_rows_equal_the_patrol_ledger(world: Any) -> None:
    """The report's 巡逻台账 writes exactly the patrol ledger's 巡查日志 rows (counts of
    attendance, checklist failures, flagged check-ins, photos and corrections included)."""
    from patrols.office_helpers import rich_log

    from shouwang.patrols import ledger, review
    from shouwang.patrols.models import CheckIn

    leader = world.users["team_leader"]
    first = review.confirm_log(rich_log(world, start=at(2026, 11, 3, 20)), actor=leader)
    review.add_correction(first, actor=leader, text="结束时间应为22:10")
    CheckIn.objects.create(  # test setup: a flagged check-in far from the post
        log=first,
        member=world.a.member,
        kind="start",
        latitude=29.9,
        longitude=107.8,
        phone_time=at(2026, 11, 3, 20),
        distance_m=5200,
        inside_geofence=False,
        flag="outside_geofence",
    )
    phone_log(world, start=at(2026, 11, 20, 8), place="集镇农贸市场")
    office = world.users["township_staff"]
    logs = ledger.ledger_logs(office, month=NOVEMBER, jurisdiction=world.a.township)
    theirs = openpyxl.load_workbook(
        io.BytesIO(ledger.ledger_xlsx(logs, month=NOVEMBER, jurisdiction=world.a.township))
    )["巡查日志"]
    _pdf, xlsx = monthly.build_monthly_report(
        world.a.township, NOVEMBER, progress=lambda *a, **k: None
    )
    ours = openpyxl.load_workbook(io.BytesIO(xlsx))["巡逻台账"]
    assert [c.value for c in ours[2]] == [c.value for c in theirs[2]]
    mine, expected = sheet_rows(ours), sheet_rows(theirs)
    assert len(mine) == 2 and mine == expected
    by = dict(zip(ledger.LOG_HEADERS, mine[0], strict=True))
    assert by["状态"] == "已确认" and by["发现问题项"] == 1 and by["待核查签到"] == 1
    assert "22:10" in by["更正"]


def test_pdf_shows_key_figures_and_sections(world: Any) -> None:
    november(world)
    pdf, _xlsx = monthly.build_monthly_report(
        world.a.township, NOVEMBER, progress=lambda *a, **k: None
    )
    text = pdf_text(pdf)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.pages[0].mediabox.width == pytest.approx(595.27, abs=1)
    assert "甲街道" in text and "2026年11月群防群治工作月报" in text
    assert "制表日期" in text and "第 1 页" in text and f"第 {len(reader.pages)} 页" in text
    for section in (
        "一、主要指标",
        "二、巡逻防控",
        "三、隐患排查整治",
        "四、矛盾纠纷排查化解",
        "五、护路联防",
        "六、培训演练",
        "七、重要事项",
        "附表",
    ):
        assert section in text, section
    # Key figures with the previous month (October) and the change.
    assert "本月（11月）" in text and "上月（10月）" in text and "环比增减" in text
    assert "本月新发现隐患 5 处（其中重大隐患 1 处）" in text
    assert "本月整改销号 1 处" in text
    assert "本月登记矛盾纠纷 2 件，已化解 1 件（化解率 50.0%）" in text
    assert "本月举办培训 1 次、参训 1 人次" in text
    assert "本月涉路案事件 1 起" in text and "无摆放路障事件（1）" in text
    assert "【重大隐患】" in text and "H1 桥下护栏缺失" in text
    assert "【超期未整改隐患】" in text and "H2 电线私拉乱接" in text
    assert "H5" not in text and "张家" not in text
    assert "乙" not in text.replace("乙县", "")  # nothing of county B


def test_report_of_a_village_and_an_empty_month(world: Any) -> None:
    pdf, xlsx = monthly.build_monthly_report(
        world.a.village, dt.date(2026, 3, 1), progress=lambda *a, **k: None
    )
    assert "本月无需特别报告的事项" in pdf_text(pdf)
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert sheet_rows(wb["巡逻台账"]) == []
    assert sheet_rows(wb["隐患台账"]) == []  # the world's hazard was found in November
    assert sheet_rows(wb["排查整治情况表"])[-1][1] == "合计"


def test_fixed_number_of_queries(world: Any) -> None:
    """More records do not mean more queries (no query per row)."""
    november(world)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            monthly.build_monthly_report(world.a.township, NOVEMBER, progress=lambda *a, **k: None)
        return len(ctx.captured_queries)

    before = count()
    for day in (7, 8, 9):
        phone_log(world, start=at(2026, 11, day, 9))
        new_dispute(world, title=f"又一件纠纷{day}")
        import_hazard(
            world, found_at=dt.datetime(2026, 11, day, 9, tzinfo=TZ), description=f"又一处{day}"
        )
    assert count() == before


# -- the background job and the service ---------------------------------------------------------


def test_request_runs_the_job_to_success_with_progress(world: Any, settings: Any) -> None:
    settings.SHOUWANG_JOBS_EAGER = True
    november(world)
    office = world.users["township_staff"]
    report = services.request_monthly_report(actor=office, place=world.a.township, month="2026-11")
    assert report.status == ReportStatus.READY
    assert report.month == NOVEMBER and report.created_by == office
    assert bytes(report.pdf).startswith(b"%PDF") and report.pdf_size == len(bytes(report.pdf))
    job = BackgroundJob.objects.get(pk=report.job_id)
    assert job.kind == services.MONTHLY_JOB and job.status == JobStatus.SUCCEEDED
    assert job.progress == 100 and job.result["report"] == report.pk
    event = AuditEvent.objects.get(code=services.REQUESTED, target_id=str(report.pk))
    assert event.actor == office and "pdf" not in (event.after or {})
    assert jobs.link_for(office, job) == (f"/reports/monthly/{report.pk}/", str(report))


def test_failed_build_marks_the_report_failed(world: Any, settings: Any, monkeypatch: Any) -> None:
    settings.SHOUWANG_JOBS_EAGER = True

    def broken(*a: Any, **k: Any) -> Any:
        raise ValueError("font missing")

    monkeypatch.setattr(monthly, "report_pdf", broken)
    office = world.users["township_staff"]
    report = services.request_monthly_report(actor=office, place=world.a.township, month="2026-11")
    assert report.status == ReportStatus.FAILED and "font missing" in report.error
    assert BackgroundJob.objects.get(pk=report.job_id).status == JobStatus.FAILED


def test_request_refusals(world: Any) -> None:
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from shouwang.core.records import RecordInvalid

    office = world.users["township_staff"]
    with pytest.raises(RecordInvalid) as exc:
        services.request_monthly_report(actor=office, place=world.a.grid, month="2026-11")
    assert "jurisdiction" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        services.request_monthly_report(actor=office, place=world.a.township, month="2999-01")
    assert "month" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        services.request_monthly_report(actor=office, place=world.a.township, month="November")
    assert "month" in exc.value.errors
    with pytest.raises(Http404):
        services.request_monthly_report(actor=office, place=world.b.township, month="2026-11")
    with pytest.raises(PermissionDenied):
        services.request_monthly_report(
            actor=world.users["team_leader"], place=world.a.township, month="2026-11"
        )
    # A county supervisor sees the county but adds reports only inside the grant.
    supervisor = world.users["county_supervisor"]
    assert world.a.county in services.monthly_report_places(supervisor)
    assert world.b.township not in services.monthly_report_places(supervisor)
    assert list(services.monthly_report_places(world.users["team_leader"])) == []
    assert MonthlyReport.objects.count() == 0


# -- pages --------------------------------------------------------------------------------------


def test_page_flow(world: Any, login: Any, settings: Any) -> None:
    settings.SHOUWANG_JOBS_EAGER = True
    november(world)
    client = login("township_staff")
    page = client.get("/reports/monthly/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="monthly-form"' in html and f'value="{world.a.township.pk}"' in html
    assert f'value="{world.b.township.pk}"' not in html

    answer = client.post(
        "/reports/monthly/", {"jurisdiction": world.a.township.pk, "month": "2026-11"}
    )
    report = MonthlyReport.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/reports/monthly/{report.pk}/"
    detail = client.get(answer["Location"]).content.decode()
    assert "<progress" in detail and 'value="100"' in detail
    assert f"/reports/monthly/{report.pk}/pdf/" in detail
    assert f"/reports/monthly/{report.pk}/xlsx/" in detail
    panel = client.get(f"/reports/monthly/{report.pk}/panel/").content.decode()
    assert 'data-status="ready"' in panel and "hx-get" not in panel

    pdf = client.get(f"/reports/monthly/{report.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "filename*=UTF-8''" in pdf["Content-Disposition"]
    xlsx = client.get(f"/reports/monthly/{report.pk}/xlsx/")
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames[0] == "巡逻台账"
    assert client.get(f"/reports/monthly/{report.pk}/doc/").status_code == 404

    listing = client.get("/reports/monthly/").content.decode()
    assert f'data-report="{report.pk}"' in listing and "2026年11月" in listing

    # The job page links to the report.
    job_page = client.get(f"/jobs/{report.job_id}/").content.decode()
    assert f"/reports/monthly/{report.pk}/" in job_page


def test_page_while_building_polls_and_refuses_downloads(world: Any, login: Any) -> None:
    from shouwang.core.models import BackgroundJob as Job

    office = world.users["township_staff"]
    report = MonthlyReport.objects.create(
        jurisdiction=world.a.township, month=NOVEMBER, created_by=office
    )
    job = Job.objects.create(kind=services.MONTHLY_JOB, params={"report": report.pk}, progress=40)
    MonthlyReport.objects.filter(pk=report.pk).update(job=job)
    client = login(office)
    panel = client.get(f"/reports/monthly/{report.pk}/panel/").content.decode()
    assert 'data-status="building"' in panel and "hx-get" in panel and 'value="40"' in panel
    assert "download-pdf" not in panel
    assert client.get(f"/reports/monthly/{report.pk}/pdf/").status_code == 404


def test_page_form_errors_and_roles(world: Any, login: Any) -> None:
    client = login("township_staff")
    bad = client.post("/reports/monthly/", {"jurisdiction": world.a.township.pk, "month": "x"})
    assert bad.status_code == 422 and MonthlyReport.objects.count() == 0
    outside = client.post(
        "/reports/monthly/", {"jurisdiction": world.b.township.pk, "month": "2026-11"}
    )
    assert outside.status_code == 422 and MonthlyReport.objects.count() == 0
    leader = login("team_leader")
    page = leader.get("/reports/monthly/")
    assert page.status_code == 200 and 'id="monthly-form"' not in page.content.decode()
    refused = leader.post(
        "/reports/monthly/", {"jurisdiction": world.a.township.pk, "month": "2026-11"}
    )
    assert refused.status_code == 403
    assert login("patrol_member").get("/reports/monthly/").status_code == 403


def test_other_side_never_sees_the_report(world: Any, login: Any, settings: Any) -> None:
    settings.SHOUWANG_JOBS_EAGER = True
    report = services.request_monthly_report(
        actor=world.admin, place=world.b.township, month="2026-11"
    )
    assert report.status == ReportStatus.READY
    client = login("township_staff")
    for url in ("", "panel/", "pdf/", "xlsx/"):
        assert client.get(f"/reports/monthly/{report.pk}/{url}").status_code == 404
    assert client.get(f"/jobs/{report.job_id}/").status_code == 404
    assert f'data-report="{report.pk}"' not in client.get("/reports/monthly/").content.decode()
    # Side B's own report holds only side B.
    wb = openpyxl.load_workbook(io.BytesIO(bytes(report.xlsx)))
    everything = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row)
    assert "乙防护网破损-1" in everything and "甲" not in everything


# -- API ----------------------------------------------------------------------------------------


def test_api_request_list_detail_and_files(world: Any, login: Any, settings: Any) -> None:
    settings.SHOUWANG_JOBS_EAGER = True
    client = login("township_staff")
    answer = send(
        client,
        "post",
        "/api/v1/reports/monthly",
        {"jurisdiction": world.a.township.pk, "month": "2026-11"},
    )
    assert answer.status_code == 202, answer.content
    body = answer.json()
    report = MonthlyReport.objects.get()
    assert body["id"] == report.pk and body["job"]["id"] == report.job_id
    assert body["status"] == "ready" and body["month"] == "2026-11"
    assert body["job"]["status"] == "succeeded" and body["job"]["progress"] == 100
    assert body["pdf"] == f"/api/v1/reports/monthly/{report.pk}/pdf"

    listed = client.get("/api/v1/reports/monthly").json()
    assert [r["id"] for r in listed] == [report.pk]
    assert client.get(f"/api/v1/reports/monthly/{report.pk}").json()["xlsx_size"] > 0
    pdf = client.get(body["pdf"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = client.get(body["xlsx"])
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames[-1] == "排查整治情况表"


def test_api_errors(world: Any, login: Any) -> None:
    client = login("township_staff")
    url = "/api/v1/reports/monthly"
    bad = send(client, "post", url, {"jurisdiction": world.a.township.pk, "month": "soon"})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["month"]
    assert (
        send(
            client, "post", url, {"jurisdiction": world.b.township.pk, "month": "2026-11"}
        ).status_code
        == 404
    )
    leader = login("team_leader")
    assert (
        send(
            leader, "post", url, {"jurisdiction": world.a.township.pk, "month": "2026-11"}
        ).status_code
        == 403
    )
    assert client.get(f"{url}/999999").status_code == 404
    assert client.get(f"{url}/999999/pdf").status_code == 404


def test_decline_wording() -> None:
    from types import SimpleNamespace as F

    assert monthly.decline_text(F(current=0, previous=0)) == "持平（为零）"
    assert monthly.decline_text(F(current=2, previous=2)) == "持平"
    assert monthly.decline_text(F(current=1, previous=3)) == "下降"
    assert monthly.decline_text(F(current=3, previous=1)) == "上升"
