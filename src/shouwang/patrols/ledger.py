"""The month's patrol logs bound as a volume (巡查日志台账): a print-ready PDF (cover, index,
one page per log with signature lines) and an Excel ledger.

The seed asks for logs "signed daily and bound for the archive"; this is that binding. Only
the logs the actor may see are included. Printed documents are in Chinese, like the roster's
timetable (rostering/exports.py, whose font helpers are reused here).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from shouwang.core.models import Jurisdiction, JurisdictionLevel
from shouwang.core.pdf import (
    paragraph_style,
    pdf_text,
    register_cjk_font,
    title_and_page_footer,
)
from shouwang.forces.models import Team
from shouwang.patrols.models import (
    AttendanceStatus,
    ItemResult,
    LogStatus,
    PatrolLog,
)

STATUS_ZH = {
    LogStatus.OPEN: "填写中",
    LogStatus.SUBMITTED: "已提交待确认",
    LogStatus.CONFIRMED: "已确认",
}
ATTENDANCE_ZH = {
    AttendanceStatus.PRESENT: "到岗",
    AttendanceStatus.LATE: "迟到",
    AttendanceStatus.ABSENT: "缺勤",
    AttendanceStatus.SUBSTITUTE: "顶班",
}
RESULT_ZH = {
    ItemResult.PASS: "正常",
    ItemResult.FAIL: "发现问题",
    ItemResult.NOT_APPLICABLE: "不适用",
}
METHOD_ZH = {"foot": "步巡", "vehicle": "车巡"}
CHECKIN_ZH = {"start": "到岗签到", "end": "离岗签退", "checkpoint": "扫码打卡"}
FLAG_ZH = {
    "outside_geofence": "超出岗位范围",
    "implausible_speed": "移动过快",
    "no_position": "无定位无扫码",
}
FINDING_ZH = {
    "hazard": "隐患",
    "dispute": "矛盾纠纷",
    "person_met": "走访人员",
    "help_given": "帮助群众",
    "other": "其他",
}
UNPLANNED = "临时巡逻（无排班）"
SIGNATURES = ("带队人（签字）", "审核人（签字）", "日期")


# -- selecting the logs ------------------------------------------------------------------------


def month_start(value: dt.date) -> dt.date:
    return value.replace(day=1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month as an aware [start, end) range in local time (Asia/Shanghai)."""
    tz = ZoneInfo(settings.TIME_ZONE)
    first = month_start(month)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(after, dt.time.min, tzinfo=tz),
    )


def with_details(qs: QuerySet[PatrolLog]) -> QuerySet[PatrolLog]:
    """Everything a log page or ledger page shows, in a fixed number of queries."""
    return qs.select_related(
        "team", "jurisdiction", "duty__post", "post__key_place", "route", "author", "confirmed_by"
    ).prefetch_related(
        "attendance__member",
        "attendance__substitute_for",
        "checklist_results__checklist",
        "check_ins__member",
        "check_ins__key_place",
        "photos",
        "corrections__author",
    )


def ledger_logs(
    actor: Any,
    *,
    month: dt.date,
    team: Team | None = None,
    jurisdiction: Jurisdiction | None = None,
) -> QuerySet[PatrolLog]:
    """The month's logs the actor may see (optionally one team's, or one place's subtree),
    oldest first, with everything a ledger page shows fetched up front."""
    start, end = month_bounds(month)
    qs = PatrolLog.objects.visible_to(actor).filter(started_at__gte=start, started_at__lt=end)
    if team is not None:
        qs = qs.filter(team=team)
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction__path__startswith=jurisdiction.path)
    return with_details(qs).order_by("started_at", "pk")


# -- shared wording ----------------------------------------------------------------------------


def local(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(value).strftime(fmt) if value else ""


def person(user: Any) -> str:
    if user is None:
        return ""
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return str(full or user.username)


def duty_text(log: PatrolLog) -> str:
    if log.duty is None:
        return UNPLANNED
    duty = log.duty
    window = f"{local(duty.start, '%H:%M')}–{local(duty.end, '%H:%M')}"
    return f"{duty.date:%Y-%m-%d} {duty.post.name} {window}"


def place_text(log: PatrolLog) -> str:
    parts = [str(x) for x in (log.post and log.post.name, log.route and log.route.name) if x]
    if log.place:
        parts.append(log.place)
    return " / ".join(parts)


def times_text(log: PatrolLog) -> str:
    end = local(log.ended_at, "%H:%M") if log.ended_at else "未结束"
    return f"{local(log.started_at)}–{end}"


def township_of(node: Jurisdiction | None) -> str:
    if node is None:
        return ""
    for ancestor in node.ancestors():
        if ancestor.level == JurisdictionLevel.TOWNSHIP:
            return str(ancestor.name)
    return str(node.name)


def ledger_title(month: dt.date, team: Team | None, jurisdiction: Jurisdiction | None) -> str:
    place = township_of(team.jurisdiction if team else jurisdiction)
    who = team.name if team else (jurisdiction.name if jurisdiction else "")
    parts = [p for p in (place, who if who != place else "") if p]
    return f"{' '.join(parts)} {month.year}年{month.month}月 巡查日志".strip()


def filename(
    month: dt.date, team: Team | None, extension: str, jurisdiction: Jurisdiction | None = None
) -> str:
    who = team.name if team else (jurisdiction.name if jurisdiction else "全部")
    return f"{who}{month.year}年{month.month}月巡查日志.{extension}"


@dataclass(frozen=True)
class Counts:
    logs: int
    confirmed: int
    unplanned: int
    present: int
    late: int
    absent: int
    substitute: int
    failed_items: int
    flagged: int

    def lines(self) -> list[tuple[str, str]]:
        return [
            (
                "巡查日志",
                f"{self.logs} 篇（已确认 {self.confirmed} 篇，临时巡逻 {self.unplanned} 篇）",
            ),
            (
                "人员到位",
                f"到岗 {self.present} 人次，迟到 {self.late}，缺勤 {self.absent}，"
                f"顶班 {self.substitute}",
            ),
            ("检查发现问题", f"{self.failed_items} 项"),
            ("待核查签到", f"{self.flagged} 次"),
        ]


def attendance_counts(log: PatrolLog) -> dict[str, int]:
    counts = {s: 0 for s in AttendanceStatus.values}
    for row in log.attendance.all():
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def counts_of(logs: Iterable[PatrolLog]) -> Counts:
    logs = list(logs)
    tally = {s: 0 for s in AttendanceStatus.values}
    failed = flagged = 0
    for log in logs:
        for status, n in attendance_counts(log).items():
            tally[status] += n
        failed += sum(1 for r in log.checklist_results.all() if r.result == ItemResult.FAIL)
        flagged += sum(1 for c in log.check_ins.all() if c.flag)
    return Counts(
        logs=len(logs),
        confirmed=sum(1 for log in logs if log.status == LogStatus.CONFIRMED),
        unplanned=sum(1 for log in logs if log.duty_id is None),
        present=tally[AttendanceStatus.PRESENT],
        late=tally[AttendanceStatus.LATE],
        absent=tally[AttendanceStatus.ABSENT],
        substitute=tally[AttendanceStatus.SUBSTITUTE],
        failed_items=failed,
        flagged=flagged,
    )


def index_line(log: PatrolLog) -> str:
    return (
        f"{local(log.started_at, '%m-%d %H:%M')}　{log.team.name}　{duty_text(log)}　"
        f"{STATUS_ZH.get(LogStatus(log.status), log.status)}"
    )


# -- PDF ---------------------------------------------------------------------------------------


def thumbnail(photo: Any, size: float) -> Any:
    """A small image of a field photo for the printed page, or None if the file is gone."""
    from reportlab.platypus import Image

    if not photo.image or not photo.width or not photo.height:
        return None
    try:
        with photo.image.open("rb") as handle:
            data = io.BytesIO(handle.read())
    except (OSError, ValueError):
        return None
    scale = size / max(photo.width, photo.height)
    return Image(data, width=photo.width * scale, height=photo.height * scale)


def ledger_pdf(
    logs: Iterable[PatrolLog],
    *,
    month: dt.date,
    team: Team | None = None,
    jurisdiction: Jurisdiction | None = None,
) -> bytes:
    """A4 portrait volume: cover, index with page numbers, one page (or more) per log."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        PageBreak,
        PageTemplate,
        Paragraph,
        Spacer,
        Table,
        TableStyle,
    )
    from reportlab.platypus.tableofcontents import TableOfContents

    register_cjk_font()
    logs = list(logs)
    title = ledger_title(month, team, jurisdiction)
    counts = counts_of(logs)

    def style(name: str, size: float, **kw: Any) -> Any:
        return paragraph_style(name, size, leading=1.45, **kw)

    cover_title = style("cover", 24, alignment=1, spaceAfter=12)
    cover_meta = style("cover_meta", 13, alignment=1)
    h1 = style("h1", 16, alignment=1, spaceAfter=6)
    h2 = style("h2", 11.5, spaceBefore=6, spaceAfter=3)
    body = style("body", 9.5)
    cell = style("cell", 8.5)
    head = style("head", 8.5, alignment=1)
    sign = style("sign", 11, spaceBefore=4)

    def para(text: Any, st: ParagraphStyle = body) -> Paragraph:
        return Paragraph(pdf_text(text), st)

    def table(headers: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
        data = [[para(h, head) for h in headers]]
        data += [[para(v, cell) for v in row] for row in rows]
        t = Table(data, colWidths=widths, repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        return t

    def none_line(text: str) -> Paragraph:
        return para(f"（{text}）", body)

    width = A4[0] - 30 * mm
    story: list[Any] = [
        Spacer(1, 60 * mm),
        para(title, cover_title),
        para("群防群治巡查日志台账", cover_meta),
        Spacer(1, 20 * mm),
    ]
    cover_rows = [
        ["乡镇（街道）", township_of(team.jurisdiction if team else jurisdiction) or "—"],
        ["巡防队", team.name if team else "全部"],
        ["月份", f"{month.year}年{month.month}月"],
        *[[label, value] for label, value in counts.lines()],
        ["生成时间", local(timezone.now())],
    ]
    cover_table = Table(
        [[para(a, body), para(b, body)] for a, b in cover_rows],
        colWidths=[40 * mm, 100 * mm],
    )
    cover_table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.lightgrey)]))
    story += [cover_table, PageBreak()]

    toc = TableOfContents()
    toc.levelStyles = [style("toc", 9.5, leftIndent=0, firstLineIndent=0)]
    toc.dotsMinLevel = 0
    story += [para("目录", h1), toc]
    if not logs:
        story.append(none_line("本月没有巡查日志"))
    story.append(PageBreak())

    for n, log in enumerate(logs, start=1):
        heading = para(f"巡查日志 第 {n} 篇", h1)
        heading.toc_text = index_line(log)  # type: ignore[attr-defined]
        story.append(heading)
        header_rows = [
            ["勤务", duty_text(log), "巡防队", log.team.name],
            ["时间", times_text(log), "方式", METHOD_ZH.get(log.method, log.method)],
            ["地点/路线", place_text(log) or "—", "状态", STATUS_ZH.get(LogStatus(log.status), "")],
            ["填报人", person(log.author), "接收时间", local(log.received_at)],
        ]
        ht = Table(
            [[para(c, cell) for c in row] for row in header_rows],
            colWidths=[20 * mm, 70 * mm, 20 * mm, width - 110 * mm],
        )
        ht.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F2F2F2")),
                    ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#F2F2F2")),
                ]
            )
        )
        story.append(ht)

        story.append(para("人员到位情况", h2))
        attendance = list(log.attendance.all())
        if attendance:
            rows = [
                [
                    a.member.name,
                    "是" if a.rostered else "否",
                    ATTENDANCE_ZH.get(AttendanceStatus(a.status), a.status),
                    a.substitute_for.name if a.substitute_for else "",
                    a.note,
                ]
                for a in attendance
            ]
            story.append(
                table(
                    ["队员", "排班", "到岗情况", "顶替", "备注"],
                    rows,
                    [30 * mm, 16 * mm, 22 * mm, 30 * mm, width - 98 * mm],
                )
            )
            c = attendance_counts(log)
            rostered = sum(1 for a in attendance if a.rostered)
            story.append(
                para(
                    f"排班 {rostered} 人；到岗 {c['present']}，迟到 {c['late']}，"
                    f"缺勤 {c['absent']}，顶班 {c['substitute']}",
                    cell,
                )
            )
        else:
            story.append(none_line("未记录人员"))

        story.append(para("检查清单", h2))
        results = list(log.checklist_results.all())
        if results:
            story.append(
                table(
                    ["清单", "项目", "结果", "备注"],
                    [
                        [
                            r.checklist.name,
                            f"{r.item_code} {r.item_text}",
                            RESULT_ZH.get(ItemResult(r.result), r.result),
                            r.note,
                        ]
                        for r in results
                    ],
                    [32 * mm, 80 * mm, 18 * mm, width - 130 * mm],
                )
            )
        else:
            story.append(none_line("未使用检查清单"))

        story.append(para("发现情况", h2))
        findings = [f for f in (log.findings or []) if isinstance(f, dict)]
        if findings:
            for f in findings:
                story.append(
                    para(f"【{FINDING_ZH.get(str(f.get('kind')), '其他')}】{f.get('text', '')}")
                )
        else:
            story.append(none_line("无"))
        story.append(para("边巡边宣", h2))
        story.append(para(log.publicity or "（无）"))
        story.append(para("备注", h2))
        story.append(para(log.notes or "（无）"))

        photos = list(log.photos.all())
        story.append(para(f"照片（{len(photos)} 张）", h2))
        thumbs: list[Any] = []
        for p in photos:
            label = (
                f"{p.caption or '（无说明）'}　拍摄 {local(p.taken_at) or '—'}　"
                f"{p.width}×{p.height}　编号 {str(p.uuid)[:8]}"
            )
            thumb = thumbnail(p, 40 * mm)
            if thumb is None:
                story.append(para(label, cell))
            else:
                thumbs.append([thumb, para(label, cell)])
        for start in range(0, len(thumbs), 4):
            row = thumbs[start : start + 4]
            grid = Table(
                [[t[0] for t in row], [t[1] for t in row]],
                colWidths=[width / 4] * len(row),
                hAlign="LEFT",
            )
            grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story.append(grid)

        story.append(para("签到记录", h2))
        check_ins = list(log.check_ins.all())
        if check_ins:
            rows = []
            for ci in check_ins:
                where = ci.key_place.name if ci.key_place else ""
                if ci.latitude is not None and ci.longitude is not None:
                    pos = f"{ci.latitude:.5f}, {ci.longitude:.5f}"
                    where = f"{where} {pos}".strip()
                distance = f"{ci.distance_m:.0f} 米" if ci.distance_m is not None else ""
                flag = FLAG_ZH.get(ci.flag, ci.flag)
                if flag and ci.reviewed_at:
                    flag += "（已核查）"
                rows.append(
                    [
                        ci.member.name,
                        CHECKIN_ZH.get(ci.kind, ci.kind),
                        local(ci.phone_time),
                        local(ci.received_at),
                        where or "—",
                        distance,
                        flag,
                    ]
                )
            story.append(
                table(
                    ["队员", "类型", "手机时间", "接收时间", "位置", "距离", "标记"],
                    rows,
                    [18 * mm, 18 * mm, 26 * mm, 26 * mm, width - 130 * mm, 16 * mm, 26 * mm],
                )
            )
        else:
            story.append(none_line("无签到"))

        corrections = list(log.corrections.all())
        if corrections:
            story.append(para("更正记录", h2))
            for corr in corrections:
                story.append(para(f"{local(corr.created_at)} {person(corr.author)}：{corr.text}"))

        story.append(Spacer(1, 6 * mm))
        if log.confirmed_at:
            confirmed = f"已由 {person(log.confirmed_by)} 于 {local(log.confirmed_at)} 确认"
        else:
            confirmed = "尚未确认"
        story.append(para(confirmed, body))
        story.append(para("　　".join(f"{s}：____________" for s in SIGNATURES), sign))
        story.append(PageBreak())

    class VolumeTemplate(BaseDocTemplate):
        def afterFlowable(self, flowable: Any) -> None:  # noqa: N802 (reportlab hook)
            text = getattr(flowable, "toc_text", None)
            if text:
                self.notify("TOCEntry", (0, pdf_text(text), self.page))

    footer = title_and_page_footer(title, 15, 9)

    buffer = io.BytesIO()
    doc = VolumeTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=title,
        author="守望",
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=footer)])
    doc.multiBuild(story)
    return buffer.getvalue()


# -- Excel -------------------------------------------------------------------------------------

LOG_HEADERS = (
    "日期",
    "开始",
    "结束",
    "巡防队",
    "勤务",
    "地点/路线",
    "方式",
    "状态",
    "排班人数",
    "到岗",
    "迟到",
    "缺勤",
    "顶班",
    "检查项",
    "发现问题项",
    "发现情况",
    "边巡边宣",
    "备注",
    "照片",
    "待核查签到",
    "填报人",
    "确认人",
    "确认时间",
    "更正",
)
ATTENDANCE_HEADERS = ("日期", "巡防队", "勤务", "队员", "排班", "到岗情况", "顶替", "备注")
FAILURE_HEADERS = ("日期", "巡防队", "地点/路线", "清单", "项目编号", "项目", "备注", "日志状态")


def ledger_xlsx(
    logs: Iterable[PatrolLog],
    *,
    month: dt.date,
    team: Team | None = None,
    jurisdiction: Jurisdiction | None = None,
) -> bytes:
    """Three sheets: 巡查日志 (one row per log), 到岗情况 (attendance), 检查问题 (failed items)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    logs = list(logs)
    title = ledger_title(month, team, jurisdiction)
    head_font = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")

    def sheet(ws: Any, headers: tuple[str, ...], rows: list[list[Any]], widths: list[int]) -> None:
        ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=13)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        for col, value in enumerate(headers, start=1):
            c = ws.cell(row=2, column=col, value=value)
            c.font = head_font
            c.fill = head_fill
        for r, row in enumerate(rows, start=3):
            for col, value in enumerate(row, start=1):
                ws.cell(row=r, column=col, value=value).alignment = wrap
        for col, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = w
        ws.freeze_panes = "A3"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.print_title_rows = "1:2"
        ws.oddFooter.center.text = "第 &P 页 / 共 &N 页"

    log_rows: list[list[Any]] = []
    attendance_rows: list[list[Any]] = []
    failure_rows: list[list[Any]] = []
    for log in logs:
        c = attendance_counts(log)
        attendance = list(log.attendance.all())
        results = list(log.checklist_results.all())
        day = local(log.started_at, "%Y-%m-%d")
        findings = "\n".join(
            f"【{FINDING_ZH.get(str(f.get('kind')), '其他')}】{f.get('text', '')}"
            for f in (log.findings or [])
            if isinstance(f, dict)
        )
        log_rows.append(
            [
                day,
                local(log.started_at, "%H:%M"),
                local(log.ended_at, "%H:%M") if log.ended_at else "",
                log.team.name,
                duty_text(log),
                place_text(log),
                METHOD_ZH.get(log.method, log.method),
                STATUS_ZH.get(LogStatus(log.status), log.status),
                sum(1 for a in attendance if a.rostered),
                c["present"],
                c["late"],
                c["absent"],
                c["substitute"],
                len(results),
                sum(1 for r in results if r.result == ItemResult.FAIL),
                findings,
                log.publicity,
                log.notes,
                len(log.photos.all()),
                sum(1 for ci in log.check_ins.all() if ci.flag),
                person(log.author),
                person(log.confirmed_by),
                local(log.confirmed_at),
                "\n".join(f"{local(x.created_at)} {x.text}" for x in log.corrections.all()),
            ]
        )
        for a in attendance:
            attendance_rows.append(
                [
                    day,
                    log.team.name,
                    duty_text(log),
                    a.member.name,
                    "是" if a.rostered else "否",
                    ATTENDANCE_ZH.get(AttendanceStatus(a.status), a.status),
                    a.substitute_for.name if a.substitute_for else "",
                    a.note,
                ]
            )
        for r in results:
            if r.result == ItemResult.FAIL:
                failure_rows.append(
                    [
                        day,
                        log.team.name,
                        place_text(log),
                        r.checklist.name,
                        r.item_code,
                        r.item_text,
                        r.note,
                        STATUS_ZH.get(LogStatus(log.status), log.status),
                    ]
                )

    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = "巡查日志"
    sheet(
        first,
        LOG_HEADERS,
        log_rows,
        [11, 7, 7, 14, 28, 24, 7, 10, 8, 6, 6, 6, 6, 7, 9, 36, 24, 24, 6, 9, 10, 10, 16, 30],
    )
    sheet(
        wb.create_sheet("到岗情况"),
        ATTENDANCE_HEADERS,
        attendance_rows,
        [11, 14, 28, 12, 6, 9, 12, 24],
    )
    sheet(
        wb.create_sheet("检查问题"), FAILURE_HEADERS, failure_rows, [11, 14, 24, 18, 9, 40, 30, 12]
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
