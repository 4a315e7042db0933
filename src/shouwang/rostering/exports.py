"""The month's patrol timetable (巡逻防控时间表) as a print-ready PDF and as an Excel workbook."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from shouwang.core.models import JurisdictionLevel
from shouwang.core.pdf import PDF_FONT, pdf_text, register_cjk_font
from shouwang.rostering.ics import location_of
from shouwang.rostering.models import Duty, Roster, RosterStatus

WEEKDAYS_ZH = ("一", "二", "三", "四", "五", "六", "日")
STATUS_ZH = {
    RosterStatus.DRAFT: "草稿",
    RosterStatus.REVIEWED: "已审核",
    RosterStatus.PUBLISHED: "已发布",
    RosterStatus.AMENDED: "已变更",
}
DATE_HEADERS = ("日期", "星期", "岗位", "时段", "地点", "队员", "人数（需/排）")
SIGNATURES = ("制表人", "审核人", "日期")


@dataclass(frozen=True)
class DutyRow:
    date: str
    weekday: str
    post: str
    window: str
    place: str
    members: str
    count: str

    def cells(self) -> tuple[str, ...]:
        return (
            self.date,
            self.weekday,
            self.post,
            self.window,
            self.place,
            self.members,
            self.count,
        )


def township_name(roster: Roster) -> str:
    """The township (乡镇/街道) of the roster's team, else its own jurisdiction's name."""
    home = roster.team.jurisdiction
    for node in home.ancestors():
        if node.level == JurisdictionLevel.TOWNSHIP:
            return str(node.name)
    return str(home.name)


def status_zh(roster: Roster) -> str:
    return STATUS_ZH.get(RosterStatus(roster.status), str(roster.status))


def is_draft(roster: Roster) -> bool:
    return roster.status == RosterStatus.DRAFT


def timetable_title(roster: Roster) -> str:
    """<township> <team> <YYYY年M月> 巡逻防控时间表, marked 草稿 for drafts."""
    month = f"{roster.month.year}年{roster.month.month}月"
    title = f"{township_name(roster)} {roster.team.name} {month} 巡逻防控时间表"
    return f"{title}（草稿）" if is_draft(roster) else title


def duty_rows(roster: Roster) -> list[DutyRow]:
    """One row per duty of the roster, in time order."""
    duties = (
        Duty.objects.filter(roster=roster)
        .select_related("post__key_place", "post__route", "post__segment", "post__zone")
        .prefetch_related("assignments__member")
        .order_by("date", "start", "pk")
    )
    rows = []
    for duty in duties:
        names = sorted(
            (a.member.name for a in duty.assignments.all()),
        )
        start = timezone.localtime(duty.start)
        end = timezone.localtime(duty.end)
        rows.append(
            DutyRow(
                date=f"{duty.date.month}月{duty.date.day}日",
                weekday=f"周{WEEKDAYS_ZH[duty.date.weekday()]}",
                post=str(duty.post.name),
                window=f"{start:%H:%M}–{end:%H:%M}",
                place=location_of(duty.post),
                members="、".join(names),
                count=f"{duty.required_count}/{len(names)}",
            )
        )
    return rows


def filename(roster: Roster, extension: str) -> str:
    month = f"{roster.month.year}年{roster.month.month}月"
    draft = "（草稿）" if is_draft(roster) else ""
    return f"{roster.team.name}{month}巡逻防控时间表{draft}.{extension}"


# -- Excel ------------------------------------------------------------------------------------


def timetable_xlsx(roster: Roster) -> bytes:
    """Two sheets: 按日期 (one row per duty) and 按队员 (the month grid)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    title = timetable_title(roster)
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_font = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="center")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def page_setup(ws: Any) -> None:
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = "1:2"
        ws.print_options.horizontalCentered = True
        ws.oddFooter.center.text = "第 &P 页 / 共 &N 页"

    def title_row(ws: Any, columns: int) -> None:
        ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
        ws.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center")
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(columns, 1))
        ws.row_dimensions[1].height = 28

    def header(ws: Any, values: list[str] | tuple[str, ...]) -> None:
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=2, column=col, value=value)
            cell.font = head_font
            cell.fill = head_fill
            cell.border = border
            cell.alignment = centre

    wb = Workbook()
    by_date = wb.active
    assert by_date is not None
    by_date.title = "按日期"
    title_row(by_date, len(DATE_HEADERS))
    header(by_date, DATE_HEADERS)
    for r, row in enumerate(duty_rows(roster), start=3):
        for c, value in enumerate(row.cells(), start=1):
            cell = by_date.cell(row=r, column=c, value=value)
            cell.border = border
            cell.alignment = wrap
    for col, width in enumerate((10, 7, 22, 14, 20, 36, 13), start=1):
        by_date.column_dimensions[get_column_letter(col)].width = width
    by_date.freeze_panes = "A3"
    page_setup(by_date)

    grid = roster.month_grid()
    days = grid["days"]
    by_member = wb.create_sheet("按队员")
    title_row(by_member, len(days) + 1)
    header(by_member, ["队员", *(str(d.day) for d in days)])
    for r, grid_row in enumerate(grid["rows"], start=3):
        name_cell = by_member.cell(row=r, column=1, value=grid_row["name"])
        name_cell.border = border
        name_cell.font = head_font
        for c, cell_items in enumerate(grid_row["cells"], start=2):
            value = "\n".join(name for name, _manual in cell_items)
            cell = by_member.cell(row=r, column=c, value=value or None)
            cell.border = border
            cell.alignment = centre
    by_member.column_dimensions["A"].width = 12
    for col in range(2, len(days) + 2):
        by_member.column_dimensions[get_column_letter(col)].width = 7
    by_member.freeze_panes = "B3"
    page_setup(by_member)
    by_member.print_title_cols = "A:A"

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# -- PDF --------------------------------------------------------------------------------------


def timetable_pdf(roster: Roster) -> bytes:
    """A4 landscape: title, status, the table by date (header repeated), signature lines."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    register_cjk_font()
    title = timetable_title(roster)
    draft = is_draft(roster)
    title_style = ParagraphStyle(
        "title", fontName=PDF_FONT, fontSize=16, leading=22, alignment=1, spaceAfter=4
    )
    meta_style = ParagraphStyle("meta", fontName=PDF_FONT, fontSize=10, leading=14, alignment=1)
    cell_style = ParagraphStyle("cell", fontName=PDF_FONT, fontSize=9, leading=12)
    head_style = ParagraphStyle("head", fontName=PDF_FONT, fontSize=9, leading=12, alignment=1)
    sign_style = ParagraphStyle("sign", fontName=PDF_FONT, fontSize=11, leading=16)

    def para(text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(pdf_text(text), style)

    rows = duty_rows(roster)
    data: list[list[Any]] = [[para(h, head_style) for h in DATE_HEADERS]]
    for row in rows:
        data.append([para(v, cell_style) for v in row.cells()])
    if not rows:
        data.append([para("（本月没有勤务）", cell_style), "", "", "", "", "", ""])
    widths = [22 * mm, 14 * mm, 48 * mm, 26 * mm, 42 * mm, 84 * mm, 28 * mm]
    table = Table(data, colWidths=widths, repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if not rows:
        style.append(("SPAN", (0, 1), (-1, 1)))
    table.setStyle(TableStyle(style))

    status = f"状态：{status_zh(roster)}　　勤务 {len(rows)} 项"
    signature = "　　".join(f"{label}：________________" for label in SIGNATURES)
    story: list[Any] = [
        para(title, title_style),
        para(status, meta_style),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 12 * mm),
        para(signature, sign_style),
    ]

    def decorate(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        width, _height = landscape(A4)
        canvas.setFont(PDF_FONT, 9)
        canvas.drawCentredString(width / 2, 10 * mm, f"第 {doc.page} 页")
        if draft:
            canvas.setFillColor(colors.Color(0.85, 0.1, 0.1, alpha=0.15))
            canvas.setFont(PDF_FONT, 96)
            canvas.translate(width / 2, landscape(A4)[1] / 2)
            canvas.rotate(30)
            canvas.drawCentredString(0, 0, "草稿")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=16 * mm,
        title=title,
        author="守望",
    )
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
