"""The ranking table of a run as an Excel workbook (openpyxl): the ranking, then every line.
A subject with no applicable line shows "nothing due" instead of criteria points, and a
not-applicable line says so instead of points (text cells, left out of any sum)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shouwang.assessment.models import Run, ScoreLine
from shouwang.assessment.services import NOT_APPLICABLE, NOTHING_APPLICABLE


def run_xlsx(run: Run) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Ranking")[:31]
    status = str(run.get_status_display())
    sheet.append([f"{run.scheme.name} · {run.period_label} · {status}"])
    sheet.append(
        [
            _("rank"),
            _("assessed"),
            _("place"),
            _("criteria points"),
            _("rewards and penalties"),
            _("conduct breaches"),
            _("total"),
            _("vetoed"),
            _("veto"),
        ]
    )
    scores = list(run.scores.order_by("rank", "subject_name", "pk"))
    for s in scores:
        sheet.append(
            [
                s.rank,
                s.subject_name,
                s.area_name,
                str(NOTHING_APPLICABLE) if s.criteria_points is None else float(s.criteria_points),
                float(s.adjustment_points),
                -float(s.breach_points),
                float(s.total),
                _("yes") if s.vetoed else "",
                s.veto_reason,
            ]
        )
    lines = book.create_sheet(_("Lines")[:31])
    lines.append(
        [
            _("assessed"),
            _("line"),
            _("numerator"),
            _("denominator"),
            _("rate"),
            _("maximum points"),
            pgettext("score", "points"),
            _("note"),
        ]
    )
    names = {s.pk: s.subject_name for s in scores}
    for line in ScoreLine.objects.filter(score__run=run).order_by(
        "score__rank", "score", "sort_order", "pk"
    ):
        lines.append(
            [
                names.get(line.score_id, ""),
                line.label,
                line.numerator,
                line.denominator,
                None if line.rate is None else float(line.rate),
                None if line.max_points is None else float(line.max_points),
                str(NOT_APPLICABLE) if line.not_applicable else float(line.points),
                line.note,
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
