"""The ledger of the joint-household representatives with their work dynamics
(《爱路护路联户代表基本情况台账》 and 工作开展动态), as an Excel sheet.

Layout, as a township office files it: a title row, a line with the place and the period, the
header row, then per representative one block: the basic information (village, name, phone,
villager group, households linked, segment, appointed on, status) in cells merged down the
block, beside one row per activity of the period (date, kind, what was done). A representative
without an activity in the period keeps one row with "none recorded".

`write_representatives_ledger` writes onto any openpyxl worksheet (the monthly report puts it on
one sheet of its workbook); `ledger_xlsx` makes a workbook of it for the download.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shouwang.core.models import Jurisdiction
from shouwang.railway.models import (
    HouseholdRepresentative,
    RepresentativeActivity,
    RepresentativeStatus,
)

LEDGER_HEADERS = (
    gettext_noop("No."),
    gettext_noop("Village / community"),
    gettext_noop("Name"),
    gettext_noop("Phone"),
    gettext_noop("Villager group"),
    gettext_noop("Households linked"),
    gettext_noop("Segment"),
    gettext_noop("Appointed on"),
    gettext_noop("Status"),
    gettext_noop("Date"),
    gettext_noop("Kind of work"),
    gettext_noop("What was done"),
)
#: Columns 1..BASIC_COLUMNS hold the representative; the rest one activity each row.
BASIC_COLUMNS = 9
WIDTHS = (5, 12, 9, 13, 9, 8, 22, 11, 7, 11, 18, 44)


def ledger_title() -> str:
    return _("Ledger of railway joint-household representatives and their work")


def ledger_representatives(
    place: Jurisdiction, start: dt.date, end: dt.date, user: Any = None
) -> QuerySet[HouseholdRepresentative]:
    """The representatives of the ledger with their activities of the period (two queries).

    Everyone appointed by `end` (or without a date) who is active, or who left but has an
    activity in the period; by village (division code), then name. With `user`, only what
    that user may see.
    """
    base: Any = HouseholdRepresentative.objects
    qs = base.visible_to(user) if user is not None else base.all()
    active_in_period = RepresentativeActivity.objects.filter(
        done_on__gte=start, done_on__lte=end
    ).values("representative_id")
    return (  # type: ignore[no-any-return]
        qs.filter(jurisdiction__path__startswith=place.path)
        .filter(Q(appointed_on__isnull=True) | Q(appointed_on__lte=end))
        .filter(Q(status=RepresentativeStatus.ACTIVE) | Q(pk__in=active_in_period))
        .select_related("jurisdiction", "segment")
        .prefetch_related(
            Prefetch(
                "activities",
                queryset=RepresentativeActivity.objects.filter(
                    done_on__gte=start, done_on__lte=end
                ).order_by("done_on", "pk"),
                to_attr="period_activities",
            )
        )
        .order_by("jurisdiction__stat_division_code", "name", "pk")
    )


def write_representatives_ledger(
    ws: Any, place: Jurisdiction, start: dt.date, end: dt.date, *, user: Any = None
) -> int:
    """Write the ledger of `place` for [start, end] onto the worksheet `ws`.

    Writes from row 1 on an empty sheet, else two rows below what is there; returns the number
    of rows written (title, place line, header and the body). With `user`, only the
    representatives that user may see.
    """
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    empty = ws.max_row == 1 and ws.max_column == 1 and ws.cell(row=1, column=1).value is None
    first = 1 if empty else ws.max_row + 2
    width = len(LEDGER_HEADERS)
    thin = Side(style="thin", color="888888")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")

    ws.cell(row=first, column=1, value=ledger_title()).font = Font(bold=True, size=14)
    ws.cell(row=first, column=1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=first, start_column=1, end_row=first, end_column=width)
    ws.cell(
        row=first + 1,
        column=1,
        value=_("Unit: %(place)s    Period: %(start)s to %(end)s")
        % {"place": place.name, "start": f"{start:%Y-%m-%d}", "end": f"{end:%Y-%m-%d}"},
    )
    ws.merge_cells(start_row=first + 1, start_column=1, end_row=first + 1, end_column=width)
    header = first + 2
    for col, text in enumerate(LEDGER_HEADERS, start=1):
        cell = ws.cell(row=header, column=col, value=_(text))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = box

    row = header + 1
    for n, rep in enumerate(ledger_representatives(place, start, end, user), start=1):
        activities: list[RepresentativeActivity] = list(rep.period_activities)  # type: ignore[attr-defined]
        basic = [
            n,
            rep.jurisdiction.name,
            rep.name,
            rep.phone,
            rep.villager_group,
            rep.households,
            f"{rep.segment.name} {rep.segment.chainage_display}" if rep.segment else "",
            rep.appointed_on,
            str(rep.get_status_display()),
        ]
        lines: list[list[Any]] = [
            [a.done_on, str(a.get_kind_display()), a.description] for a in activities
        ] or [["", "", _("none recorded")]]
        for col, value in enumerate(basic, start=1):
            ws.cell(row=row, column=col, value=value)
        for offset, line in enumerate(lines):
            for col, value in enumerate(line, start=BASIC_COLUMNS + 1):
                ws.cell(row=row + offset, column=col, value=value)
        last = row + len(lines) - 1
        for r in range(row, last + 1):
            for col in range(1, width + 1):
                cell = ws.cell(row=r, column=col)
                cell.border = box
                cell.alignment = wrap
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        if last > row:
            for col in range(1, BASIC_COLUMNS + 1):
                ws.merge_cells(start_row=row, start_column=col, end_row=last, end_column=col)
        row = last + 1

    for col, w in enumerate(WIDTHS, start=1):
        letter = get_column_letter(col)
        if (ws.column_dimensions[letter].width or 0) < w:
            ws.column_dimensions[letter].width = w
    if first == 1:
        ws.freeze_panes = ws.cell(row=header + 1, column=1).coordinate
        ws.print_title_rows = f"{header}:{header}"
        ws.page_setup.orientation = "landscape"
    return row - first


def ledger_xlsx(place: Jurisdiction, start: dt.date, end: dt.date, *, user: Any = None) -> bytes:
    """A workbook with the ledger on its one sheet."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("Representatives ledger")[:31]
    write_representatives_ledger(ws, place, start, end, user=user)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
