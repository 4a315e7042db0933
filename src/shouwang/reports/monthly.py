"""The monthly report (月度工作报告) of a jurisdiction: a PDF report and an Excel workbook of
ledgers, laid out the way a township office files them.

`build_monthly_report(place, month, progress=…, actor=…)` reads the month once, in a fixed
number of grouped queries whatever the number of records (no query per row), and writes

- the PDF (A4, page numbers): title page; key figures with the change against the previous
  month; patrols; hazards; disputes; railway protection (九无 / 四杜绝 / 四下降); trainings and
  drills; notable items; the screening-and-rectification return (排查整治情况表);
- the workbook, one sheet per ledger: 巡逻台账, 隐患台账, 矛盾纠纷台账, 爱路护路联户代表台账,
  培训台账 and 排查整治情况表 (per village, with a totals row) — each with a title row, a
  header row, column widths and print setup (A4 landscape, fit to width).

The existing ledgers are reused rather than rewritten: the patrol ledger workbook of
patrols/ledger.py (its 巡查日志 sheet becomes 巡逻台账), the hazard register's export columns
(hazards/ledger_io.py through imports), the dispute ledger rows (disputes/exports.py) and the
representatives ledger of railway/exports.py. Figures come from reports/indicators.py.

Privacy: people of concern never appear — only the counts of visits due and done per village;
a hazard marked "concerns a person" is listed without its description and place; dispute
parties appear by name and role only (no phone numbers), as in the dispute ledger.

When `actor` is given, every read goes through `visible_to(actor)` (what the requester may
see); without it (scripts, benchmarks) the place's whole subtree is read.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shouwang.core.models import Jurisdiction
from shouwang.core.pdf import (
    paragraph_style,
    pdf_text,
    register_cjk_font,
    title_and_page_footer,
)
from shouwang.core.periods import day_bounds, month_bounds
from shouwang.reports.monthly_patrols import WIDTHS as PATROL_WIDTHS
from shouwang.reports.monthly_patrols import PatrolMonth, patrol_rows, read_patrols

#: Progress callback: (percent 0–100, message).
Progress = Callable[..., None]

#: Language of the printed report (offices file it in Chinese, whoever asked for it).
REPORT_LANGUAGE = "zh-hans"

SHEETS = (
    "巡逻台账",
    "隐患台账",
    "矛盾纠纷台账",
    "爱路护路联户代表台账",
    "培训台账",
    "排查整治情况表",
)

RETURN_HEADERS = (
    "序号",
    "村（社区）",
    "矛盾纠纷排查数",
    "已化解",
    "调解中",
    "隐患发现数",
    "已整改",
    "超期未整改",
    "重点人员应走访",
    "已走访",
)

TRAINING_HEADERS = (
    "序号",
    "日期",
    "时间",
    "类别",
    "主题",
    "地点",
    "授课/组织人",
    "状态",
    "应到人数",
    "实到",
    "缺席",
    "请假",
    "参加人员",
    "备注",
)

HAZARD_PRIVATE = "（涉及人员，内容不列入月报）"

#: At most this many notable items are printed; the ledgers list the rest.
MAX_NOTABLE = 40


# -- the month ----------------------------------------------------------------------------------


def month_start(value: dt.date) -> dt.date:
    return value.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    """The last day of the month."""
    return month_bounds(month)[1]


def previous_month(month: dt.date) -> dt.date:
    return month_start(month_start(month) - dt.timedelta(days=1))


def month_label(month: dt.date) -> str:
    return f"{month.year}年{month.month}月"


def report_title(place: Jurisdiction, month: dt.date) -> str:
    return f"{place.name}{month_label(month)}群防群治工作月报"


def _base(model: Any, actor: Any) -> QuerySet[Any]:
    """The model's records the actor may see, or all of them for a system build."""
    manager = model.objects
    return manager.visible_to(actor) if actor is not None else manager.all()  # type: ignore[no-any-return]


def _under(qs: QuerySet[Any], lookup: str, place: Jurisdiction) -> QuerySet[Any]:
    return qs.filter(**{f"{lookup}__startswith": place.path})


# -- what the month holds ---------------------------------------------------------------------


@dataclass(frozen=True)
class KeyFigure:
    """One line of the key figures: this month, the previous month and the change."""

    label: str
    current: float | int | None
    previous: float | int | None
    unit: str = ""

    @property
    def change(self) -> float | int | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    def text(self, value: float | int | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, float) and not value.is_integer():
            return f"{value:.1f}{self.unit}"
        return f"{int(value)}{self.unit}"

    def change_text(self) -> str:
        change = self.change
        if change is None:
            return "—"
        if change == 0:
            return "持平"
        sign = "+" if change > 0 else "−"
        return f"{sign}{self.text(abs(change))}"


@dataclass(frozen=True)
class ReturnRow:
    """One village's line of the 排查整治情况表 (or the totals line)."""

    name: str
    disputes_screened: int = 0
    disputes_resolved: int = 0
    disputes_mediating: int = 0
    hazards_found: int = 0
    hazards_rectified: int = 0
    hazards_overdue: int = 0
    visits_due: int = 0
    visits_done: int = 0

    def cells(self) -> list[int]:
        return [
            self.disputes_screened,
            self.disputes_resolved,
            self.disputes_mediating,
            self.hazards_found,
            self.hazards_rectified,
            self.hazards_overdue,
            self.visits_due,
            self.visits_done,
        ]

    @classmethod
    def total(cls, rows: Iterable[ReturnRow]) -> ReturnRow:
        rows = list(rows)
        sums = [sum(r.cells()[i] for r in rows) for i in range(8)]
        return cls("合计", *sums)


@dataclass
class MonthData:
    """Everything the report shows, read once."""

    place: Jurisdiction
    month: dt.date
    made_at: dt.datetime
    patrols: PatrolMonth = field(default_factory=lambda: PatrolMonth(logs=[], figures={}))
    hazards: list[Any] = field(default_factory=list)
    disputes: list[Any] = field(default_factory=list)
    trainings: list[Any] = field(default_factory=list)
    incidents: list[Any] = field(default_factory=list)
    nine_no: list[Any] = field(default_factory=list)
    four_never: list[Any] = field(default_factory=list)
    four_decline: list[Any] = field(default_factory=list)
    representatives: int = 0
    representative_activities: int = 0
    key_figures: list[KeyFigure] = field(default_factory=list)
    return_rows: list[ReturnRow] = field(default_factory=list)

    @property
    def start(self) -> dt.date:
        return month_start(self.month)

    @property
    def end(self) -> dt.date:
        return month_end(self.month)

    @property
    def title(self) -> str:
        return report_title(self.place, self.month)


def hazards_of_month(place: Jurisdiction, month: dt.date, actor: Any) -> QuerySet[Any]:
    """The hazards the month's ledger lists: found in the month, or found before and still
    open at some time in the month (not finished, or closed on or after the first day)."""
    from shouwang.hazards.models import FINISHED_STATUSES, Hazard

    lo, hi = day_bounds(month_start(month), month_end(month))
    qs = _under(_base(Hazard, actor), "jurisdiction__path", place).filter(found_at__lt=hi)
    qs = qs.filter(Q(found_at__gte=lo) | ~Q(status__in=FINISHED_STATUSES) | Q(closed_at__gte=lo))
    return qs.select_related(
        "jurisdiction", "category", "responsible_unit", "responsible_person"
    ).order_by("found_at", "pk")


def read_disputes(place: Jurisdiction, month: dt.date, actor: Any) -> list[Any]:
    """The files registered in the month (the dispute ledger's cohort), ledger-ready."""
    from shouwang.disputes import exports
    from shouwang.disputes.models import Dispute

    qs = _under(_base(Dispute, actor), "jurisdiction__path", place).filter(
        registered_on__gte=month_start(month), registered_on__lte=month_end(month)
    )
    # ledger_rows falls back to `d.sessions.count()` in an eagerly evaluated getattr default;
    # prefetched sessions answer that count without a query per file.
    return list(exports.ledger_queryset(qs).prefetch_related("sessions"))


def read_trainings(place: Jurisdiction, month: dt.date, actor: Any) -> list[Any]:
    """Trainings and drills of the month under `place`, with attendance counted in the query."""
    from django.db.models import Prefetch

    from shouwang.governance.models import Attendance, Presence, Training

    lo, hi = day_bounds(month_start(month), month_end(month))
    qs = _under(_base(Training, actor), "jurisdiction__path", place).filter(
        starts_at__gte=lo, starts_at__lt=hi
    )
    return list(
        qs.select_related("jurisdiction")
        .prefetch_related(
            Prefetch(
                "attendance",
                queryset=Attendance.objects.select_related("member").order_by("member__name"),
            )
        )
        .annotate(
            listed=Count("attendance", distinct=True),
            present=Count("attendance", filter=Q(attendance__presence=Presence.PRESENT)),
            absent=Count("attendance", filter=Q(attendance__presence=Presence.ABSENT)),
            excused=Count("attendance", filter=Q(attendance__presence=Presence.EXCUSED)),
        )
        .order_by("starts_at", "pk")
    )


def read_railway(data: MonthData, actor: Any) -> None:
    """Incidents of the month, 九无 per railway village, 四杜绝, 四下降 and the representatives."""
    from shouwang.railway import status
    from shouwang.railway.models import (
        HouseholdRepresentative,
        RailwayIncident,
        RepresentativeStatus,
    )

    start, end = data.start, data.end
    lo, hi = day_bounds(start, end)
    data.incidents = list(
        _under(_base(RailwayIncident, actor), "jurisdiction__path", data.place)
        .filter(occurred_at__gte=lo, occurred_at__lt=hi)
        .select_related("jurisdiction")
        .order_by("occurred_at", "pk")
    )
    data.nine_no = status.nine_no_status(data.place, start, end)
    data.four_never = status.four_never(data.place, start, end)
    prev = previous_month(start)
    data.four_decline = status.four_decline(data.place, start, end, prev, month_end(prev))
    reps = _under(_base(HouseholdRepresentative, actor), "jurisdiction__path", data.place)
    data.representatives = reps.filter(status=RepresentativeStatus.ACTIVE).count()
    from shouwang.railway.models import RepresentativeActivity

    data.representative_activities = (
        _under(
            _base(RepresentativeActivity, actor), "representative__jurisdiction__path", data.place
        )
        .filter(done_on__gte=start, done_on__lte=end)
        .count()
    )


# -- figures from reports/indicators.py -------------------------------------------------------


def read_figures(data: MonthData, actor: Any) -> None:
    """Key figures (this month against the previous) and the 排查整治情况表 rows per village."""
    from shouwang.reports import monthly_figures

    data.key_figures, data.return_rows = monthly_figures.figures(data.place, data.month, actor)


# -- the whole build ----------------------------------------------------------------------------


def read_month(
    place: Jurisdiction, month: dt.date, *, actor: Any = None, progress: Progress | None = None
) -> MonthData:
    """Read everything the report shows (a fixed number of queries)."""
    say = progress or (lambda *a, **k: None)
    month = month_start(month)
    data = MonthData(place=place, month=month, made_at=timezone.now())
    say(5, _("Reading the patrol logs…"))
    data.patrols = read_patrols(place, month, actor)
    say(20, _("Reading the hazards…"))
    data.hazards = list(hazards_of_month(place, month, actor))
    say(30, _("Reading the disputes…"))
    data.disputes = read_disputes(place, month, actor)
    say(40, _("Reading railway protection…"))
    read_railway(data, actor)
    say(45, _("Reading trainings and drills…"))
    data.trainings = read_trainings(place, month, actor)
    say(50, _("Counting the figures per village…"))
    read_figures(data, actor)
    return data


def build_monthly_report(
    place: Jurisdiction, month: dt.date, *, progress: Progress, actor: Any = None
) -> tuple[bytes, bytes]:
    """The month's PDF report and Excel workbook (see the module docstring)."""
    with translation.override(REPORT_LANGUAGE):
        data = read_month(place, month, actor=actor, progress=progress)
        progress(60, _("Writing the Excel ledgers…"))
        xlsx = workbook(data, actor=actor)
        progress(80, _("Writing the PDF report…"))
        pdf = report_pdf(data)
        progress(99, _("Saving…"))
    return pdf, xlsx


# -- Excel --------------------------------------------------------------------------------------


def print_setup(ws: Any, header_rows: int = 2) -> None:
    """A4 landscape, fit to one page wide, titles repeated, page numbers in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"1:{header_rows}"
    ws.oddFooter.center.text = "第 &P 页 / 共 &N 页"
    ws.freeze_panes = ws.cell(row=header_rows + 1, column=1).coordinate


def write_table(
    ws: Any,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[float],
    *,
    bold_last: bool = False,
) -> int:
    """Title row (merged), header row, data rows with thin borders; returns the data rows.

    The body's styles are made once and their style arrays copied to each cell: setting a
    style object per cell makes openpyxl hash it again each time (seconds for a month).
    """
    from copy import copy

    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)

    def style(number_format: str = "General", bold: bool = False) -> Any:
        probe = Cell(ws)
        probe.alignment = Alignment(wrap_text=True, vertical="top")
        probe.border = border
        probe.number_format = number_format
        if bold:
            probe.font = Font(bold=True)
        return probe._style

    plain, day, moment = style(), style("yyyy-mm-dd"), style("yyyy-mm-dd hh:mm")
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=13)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    for col, text in enumerate(headers, start=1):
        c = ws.cell(row=2, column=col, value=text)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="DDEBF7")
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = border
    n = 0
    for n, row in enumerate(rows, start=1):
        for col, value in enumerate(row, start=1):
            c = ws.cell(row=n + 2, column=col, value=value)
            if isinstance(value, dt.datetime):
                c._style = copy(moment)
            elif isinstance(value, dt.date):
                c._style = copy(day)
            else:
                c._style = copy(plain)
    if bold_last and n:
        bold = style(bold=True)
        for col in range(1, len(headers) + 1):
            ws.cell(row=n + 2, column=col)._style = copy(bold)
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    print_setup(ws)
    return n


def sheet_title(data: MonthData, name: str) -> str:
    return f"{data.place.name}{month_label(data.month)}{name}"


def patrol_sheet(data: MonthData) -> Any:
    """A workbook whose first sheet is the patrol ledger (巡逻台账): the patrol ledger's columns
    (patrols.ledger.LOG_HEADERS) and rows (reports/monthly_patrols.py)."""
    from openpyxl import Workbook

    from shouwang.patrols import ledger

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEETS[0]
    write_table(
        ws,
        sheet_title(data, "巡逻台账"),
        ledger.LOG_HEADERS,
        patrol_rows(data.patrols),
        PATROL_WIDTHS,
    )
    return wb


def hazard_rows(hazards: Iterable[Any]) -> tuple[list[str], list[list[Any]], list[float]]:
    """The hazard register's export columns (imports/ reads them back), numbered."""
    from shouwang.hazards.ledger_io import HAZARD_LEDGER
    from shouwang.imports.services import export_rows

    hazards = list(hazards)
    headers = ["序号", *(f.header for f in HAZARD_LEDGER.fields)]
    widths: list[float] = [5, *(f.width for f in HAZARD_LEDGER.fields)]
    names = HAZARD_LEDGER.field_names
    rows = []
    for n, (hazard, cells) in enumerate(
        zip(hazards, export_rows(HAZARD_LEDGER, hazards), strict=True), start=1
    ):
        cells = list(cells)
        if hazard.about_person:
            # A hazard about a person is never public: count it, do not describe it.
            for name in ("description", "place", "note", "rectification_note"):
                cells[names.index(name)] = HAZARD_PRIVATE if name == "description" else ""
        rows.append([n, *cells])
    return headers, rows, widths


def training_rows(trainings: Iterable[Any]) -> list[list[Any]]:
    from shouwang.governance.models import Presence

    rows = []
    for n, t in enumerate(trainings, start=1):
        start = timezone.localtime(t.starts_at)
        present = [a.member.name for a in t.attendance.all() if a.presence == Presence.PRESENT]
        note = t.cancel_reason if t.cancel_reason else t.note
        rows.append(
            [
                n,
                start.date(),
                f"{start:%H:%M}",
                str(t.get_kind_display()),
                t.topic_label,
                t.place,
                t.organiser,
                str(t.get_status_display()),
                t.listed,
                t.present,
                t.absent,
                t.excused,
                "、".join(present),
                note,
            ]
        )
    return rows


def return_table(rows: Sequence[ReturnRow]) -> list[list[Any]]:
    """The 排查整治情况表 cells: one numbered line per village, then the totals."""
    out: list[list[Any]] = [[n, r.name, *r.cells()] for n, r in enumerate(rows, start=1)]
    out.append(["", "合计", *ReturnRow.total(rows).cells()])
    return out


def workbook(data: MonthData, *, actor: Any = None) -> bytes:
    """The six sheets (see SHEETS), in the order an office files them."""
    from shouwang.disputes import exports as dispute_exports
    from shouwang.railway import exports as railway_exports

    wb = patrol_sheet(data)

    headers, rows, widths = hazard_rows(data.hazards)
    write_table(
        wb.create_sheet(SHEETS[1]), sheet_title(data, "隐患排查整改台账"), headers, rows, widths
    )

    dispute_headers = [str(translation.gettext(h)) for h in dispute_exports.LEDGER_HEADERS]
    write_table(
        wb.create_sheet(SHEETS[2]),
        sheet_title(data, "矛盾纠纷排查化解台账"),
        dispute_headers,
        dispute_exports.ledger_rows(data.disputes),
        [5, 11, 12, 24, 10, 22, 8, 8, 10, 8, 14, 10, 24, 11, 10, 6, 8, 10, 10, 14, 24],
    )

    reps = wb.create_sheet(SHEETS[3])
    railway_exports.write_representatives_ledger(reps, data.place, data.start, data.end, user=actor)
    print_setup(reps, header_rows=3)

    write_table(
        wb.create_sheet(SHEETS[4]),
        sheet_title(data, "培训演练台账"),
        TRAINING_HEADERS,
        training_rows(data.trainings),
        [5, 11, 7, 7, 16, 18, 12, 8, 8, 6, 6, 6, 30, 24],
    )

    write_table(
        wb.create_sheet(SHEETS[5]),
        sheet_title(data, "矛盾纠纷和隐患排查整治情况表"),
        RETURN_HEADERS,
        return_table(data.return_rows),
        [5, 18, 12, 9, 9, 11, 9, 11, 13, 9],
        bold_last=True,
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- PDF ----------------------------------------------------------------------------------------


def _counts(values: Iterable[str]) -> list[tuple[str, int]]:
    return Counter(values).most_common()


def hazard_summary(data: MonthData) -> dict[str, int]:
    from shouwang.hazards.models import FINISHED_STATUSES, HazardSeverity, HazardStatus

    lo, hi = day_bounds(data.start, data.end)
    today = timezone.localdate()
    new = [h for h in data.hazards if lo <= h.found_at < hi]
    return {
        "listed": len(data.hazards),
        "new": len(new),
        "major": sum(1 for h in new if h.severity == HazardSeverity.MAJOR),
        "closed": sum(
            1
            for h in data.hazards
            if h.status == HazardStatus.CLOSED and h.closed_at and lo <= h.closed_at < hi
        ),
        "open": sum(1 for h in data.hazards if h.status not in FINISHED_STATUSES),
        "overdue": sum(
            1
            for h in data.hazards
            if h.status not in FINISHED_STATUSES and h.deadline and h.deadline < today
        ),
    }


def dispute_summary(data: MonthData) -> dict[str, int]:
    from shouwang.disputes.models import OPEN_STATUSES, DisputeStatus

    ds = data.disputes
    return {
        "registered": len(ds),
        "resolved": sum(1 for d in ds if d.outcome == DisputeStatus.RESOLVED),
        "partly": sum(1 for d in ds if d.outcome == DisputeStatus.PARTLY_RESOLVED),
        "open": sum(1 for d in ds if d.status in OPEN_STATUSES),
        "referred": sum(1 for d in ds if d.outcome == DisputeStatus.FAILED_REFERRED),
        "c2c": sum(1 for d in ds if d.civil_to_criminal),
        "overdue": sum(1 for d in ds if d.is_overdue),
    }


def decline_text(figure: Any) -> str:
    """How a 四下降 count moved against the previous month."""
    if figure.current == figure.previous:
        return "持平（为零）" if figure.current == 0 else "持平"
    return "下降" if figure.current < figure.previous else "上升"


def notable_items(data: MonthData) -> list[str]:
    """What the office should read first: major hazards, overdue hazards, high-risk and
    civil-to-criminal disputes, railway incidents and any 四杜绝 breach."""
    from shouwang.disputes.models import RiskLevel
    from shouwang.hazards.models import FINISHED_STATUSES, HazardSeverity

    lo, hi = day_bounds(data.start, data.end)
    today = timezone.localdate()
    items: list[str] = []
    for line in data.four_never:
        if line.count:
            items.append(f"【四杜绝】{line.label}：发生 {line.count} 起")
    for inc in data.incidents:
        when = timezone.localtime(inc.occurred_at)
        hurt = (
            f"，死亡 {inc.deaths} 人、受伤 {inc.injuries} 人" if inc.deaths or inc.injuries else ""
        )
        items.append(
            f"【涉路案事件】{when:%m-%d} {inc.jurisdiction.name} {inc.get_kind_display()}{hurt}"
        )
    older_overdue = 0
    for h in data.hazards:
        text = HAZARD_PRIVATE if h.about_person else h.description
        overdue = h.status not in FINISHED_STATUSES and h.deadline and h.deadline < today
        if h.severity == HazardSeverity.MAJOR and lo <= h.found_at < hi:
            items.append(f"【重大隐患】{h.jurisdiction.name} {text}（{h.get_status_display()}）")
        elif overdue and data.start <= h.deadline <= data.end:
            items.append(
                f"【超期未整改隐患】{h.jurisdiction.name} {text}（时限 {h.deadline:%Y-%m-%d}）"
            )
        elif overdue:
            older_overdue += 1
    if older_overdue:
        items.append(f"【超期未整改隐患】另有 {older_overdue} 处整改时限在本月以前，仍未销号")
    for d in data.disputes:
        if d.risk_level == RiskLevel.HIGH or d.civil_to_criminal:
            flag = "有民转刑风险" if d.civil_to_criminal else "高风险"
            items.append(
                f"【矛盾纠纷】{d.jurisdiction.name} {d.title}（{flag}，{d.get_status_display()}）"
            )
    if len(items) > MAX_NOTABLE:
        rest = len(items) - MAX_NOTABLE + 1
        items = [*items[: MAX_NOTABLE - 1], f"（其余 {rest} 项见所附台账）"]
    return items


def report_pdf(data: MonthData) -> bytes:
    """A4 portrait: title page, then the sections, page numbers in the footer."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    register_cjk_font()

    style = paragraph_style

    cover_title = style("cover", 22, alignment=1, spaceAfter=12)
    cover_meta = style("cover_meta", 13, alignment=1)
    h1 = style("h1", 14, spaceBefore=10, spaceAfter=6)
    body = style("body", 10.5)
    cell = style("cell", 9)
    head = style("head", 9, alignment=1)

    def para(text: Any, st: ParagraphStyle = body) -> Paragraph:
        return Paragraph(pdf_text(text), st)

    width = A4[0] - 36 * mm

    def table(
        headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float]
    ) -> Any:
        cells = [[para(h, head) for h in headers]]
        cells += [[para(v, cell) for v in row] for row in rows]
        t = Table(cells, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
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

    def none_line(text: str = "本月无") -> Paragraph:
        return para(f"（{text}）")

    made = timezone.localtime(data.made_at)
    story: list[Any] = [
        Spacer(1, 60 * mm),
        para(data.place.name, cover_meta),
        para(f"{month_label(data.month)}群防群治工作月报", cover_title),
        Spacer(1, 20 * mm),
        para(f"辖区：{data.place.full_name}", cover_meta),
        para(
            f"月份：{month_label(data.month)}（{data.start:%Y-%m-%d} 至 {data.end:%Y-%m-%d}）",
            cover_meta,
        ),
        para(f"制表日期：{made:%Y年%m月%d日 %H:%M}", cover_meta),
        PageBreak(),
    ]

    # 一、主要指标
    story.append(para("一、主要指标", h1))
    prev = previous_month(data.month)
    if data.key_figures:
        story.append(
            table(
                ["指标", f"本月（{data.month.month}月）", f"上月（{prev.month}月）", "环比增减"],
                [
                    [f.label, f.text(f.current), f.text(f.previous), f.change_text()]
                    for f in data.key_figures
                ],
                [width * 0.46, width * 0.18, width * 0.18, width * 0.18],
            )
        )
    else:
        story.append(none_line("无数据"))

    # 二、巡逻防控
    story.append(para("二、巡逻防控", h1))
    counts = data.patrols.counts()
    for label, value in counts.lines():
        story.append(para(f"{label}：{value}"))
    by_team = _counts(log.team.name for log in data.patrols.logs)
    if by_team:
        story.append(Spacer(1, 2 * mm))
        story.append(table(["巡防队", "巡查日志（篇）"], by_team, [width * 0.6, width * 0.4]))

    # 三、隐患排查整治
    story.append(para("三、隐患排查整治", h1))
    hz = hazard_summary(data)
    story.append(
        para(
            f"本月新发现隐患 {hz['new']} 处（其中重大隐患 {hz['major']} 处），本月整改销号 "
            f"{hz['closed']} 处；截至制表时未销号 {hz['open']} 处，"
            f"其中超期未整改 {hz['overdue']} 处。"
            f"台账共列 {hz['listed']} 处。"
        )
    )
    lo, hi = day_bounds(data.start, data.end)
    by_category = _counts(str(h.category) for h in data.hazards if lo <= h.found_at < hi)
    if by_category:
        story.append(table(["隐患类别", "本月发现（处）"], by_category, [width * 0.6, width * 0.4]))

    # 四、矛盾纠纷排查化解
    story.append(para("四、矛盾纠纷排查化解", h1))
    ds = dispute_summary(data)
    rate = f"{ds['resolved'] * 100 / ds['registered']:.1f}%" if ds["registered"] else "—"
    story.append(
        para(
            f"本月登记矛盾纠纷 {ds['registered']} 件，已化解 {ds['resolved']} 件（化解率 {rate}），"
            f"部分化解 {ds['partly']} 件，调解中 {ds['open']} 件（其中超期 {ds['overdue']} 件），"
            f"调解不成移交 {ds['referred']} 件；有民转刑风险 {ds['c2c']} 件。"
        )
    )
    by_kind = _counts(str(d.category) for d in data.disputes)
    if by_kind:
        story.append(table(["纠纷类别", "件数"], by_kind, [width * 0.6, width * 0.4]))

    # 五、护路联防
    story.append(para("五、护路联防（九无、四杜绝、四下降）", h1))
    story.append(
        para(
            f"本月涉路案事件 {len(data.incidents)} 起；"
            f"在册爱路护路联户代表 {data.representatives} 人，"
            f"本月开展工作 {data.representative_activities} 次。"
        )
    )
    if data.nine_no:
        clear = sum(1 for v in data.nine_no if v.clear)
        story.append(para(f"九无：铁路沿线村 {len(data.nine_no)} 个，达标 {clear} 个。"))
        rows = []
        for v in data.nine_no:
            broken = "、".join(f"{t.label}（{t.count}）" for t in v.targets if t.count)
            rows.append([v.village.name, "达标" if v.clear else "未达标", broken or "—"])
        story.append(
            table(
                ["村（社区）", "九无", "未达标项目（起）"],
                rows,
                [width * 0.25, width * 0.15, width * 0.6],
            )
        )
    if data.four_never:
        story.append(Spacer(1, 2 * mm))
        story.append(
            table(
                ["四杜绝", "本月发生（起）", "情况"],
                [[t.label, t.count, "杜绝" if t.clear else "未杜绝"] for t in data.four_never],
                [width * 0.6, width * 0.2, width * 0.2],
            )
        )
    if data.four_decline:
        story.append(Spacer(1, 2 * mm))
        story.append(
            table(
                ["四下降", "本月", "上月", "增减", "情况"],
                [
                    [
                        f.label,
                        f.current,
                        f.previous,
                        f"{f.change:+d}",
                        decline_text(f),
                    ]
                    for f in data.four_decline
                ],
                [width * 0.36, width * 0.13, width * 0.13, width * 0.13, width * 0.25],
            )
        )

    # 六、培训演练
    story.append(para("六、培训演练", h1))
    from shouwang.governance.models import SessionKind, TrainingStatus

    held = [t for t in data.trainings if t.status == TrainingStatus.HELD]
    trainings = [t for t in held if t.kind == SessionKind.TRAINING]
    drills = [t for t in held if t.kind == SessionKind.DRILL]
    story.append(
        para(
            f"本月举办培训 {len(trainings)} 次、参训 {sum(t.present for t in trainings)} 人次；"
            f"开展演练 {len(drills)} 次、参演 {sum(t.present for t in drills)} 人次。"
        )
    )
    if data.trainings:
        story.append(
            table(
                ["日期", "类别", "主题", "地点", "状态", "实到/应到"],
                [
                    [
                        f"{timezone.localtime(t.starts_at):%m-%d}",
                        t.get_kind_display(),
                        t.topic_label,
                        t.place,
                        t.get_status_display(),
                        f"{t.present}/{t.listed}",
                    ]
                    for t in data.trainings
                ],
                [width * 0.12, width * 0.1, width * 0.25, width * 0.25, width * 0.13, width * 0.15],
            )
        )

    # 七、重要事项
    story.append(para("七、重要事项", h1))
    items = notable_items(data)
    for n, item in enumerate(items, start=1):
        story.append(para(f"{n}. {item}"))
    if not items:
        story.append(none_line("本月无需特别报告的事项"))

    # 附表：排查整治情况表
    story.append(PageBreak())
    story.append(para("附表：矛盾纠纷和隐患排查整治情况表", h1))
    headers = [
        "村（社区）",
        "纠纷排查",
        "已化解",
        "调解中",
        "隐患发现",
        "已整改",
        "超期",
        "应走访",
        "已走访",
    ]
    rows = [[r.name, *r.cells()] for r in data.return_rows]
    rows.append(["合计", *ReturnRow.total(data.return_rows).cells()])
    story.append(KeepTogether([table(headers, rows, [width * 0.2] + [width * 0.1] * 8)]))

    title = data.title

    footer = title_and_page_footer(title, 18, 10)

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="守望",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
