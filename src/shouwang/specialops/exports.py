"""The daily figures of an operation as Excel (每日战果统计表): one row per day and reporting
township, then the totals."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils.translation import gettext as _

from shouwang.specialops.models import FIGURE_FIELDS, DailyFigure, SpecialOperation, figure_labels


def figures_xlsx(op: SpecialOperation, user: Any = None) -> bytes:
    """Row 1 the title (name and period), row 2 the headers, then the figures the user may see
    by date and township, and a totals row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    qs = DailyFigure.objects.visible_to(user) if user is not None else DailyFigure.objects.all()
    figures = list(
        qs.filter(operation=op).select_related("township").order_by("date", "township__path")
    )
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("Daily figures")[:31]
    headers = [_("date"), _("reporting township")]
    headers += [str(label) for _name, label in figure_labels()] + [_("note")]
    title = f"{op.name} {op.start_date:%Y-%m-%d} – {op.end_date:%Y-%m-%d}"
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=13)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    for col, value in enumerate(headers, start=1):
        cell = ws.cell(row=2, column=col, value=value)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    totals = dict.fromkeys(FIGURE_FIELDS, 0)
    row = 3
    for fig in figures:
        values: list[Any] = [fig.date, fig.township.name]
        for name in FIGURE_FIELDS:
            values.append(int(getattr(fig, name)))
            totals[name] += int(getattr(fig, name))
        values.append(fig.note)
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
        row += 1
    ws.cell(row=row, column=1, value=_("Total")).font = Font(bold=True)
    days = len({f.date for f in figures})
    ws.cell(row=row, column=2, value=_("%(n)d days reported") % {"n": days})
    for col, name in enumerate(FIGURE_FIELDS, start=3):
        ws.cell(row=row, column=col, value=totals[name]).font = Font(bold=True)
    for col, width in enumerate([12, 14, 12, 10, 10, 10, 10, 10, 10, 30], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
