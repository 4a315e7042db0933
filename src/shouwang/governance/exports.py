"""The joint meeting minutes (会议纪要) as PDF, with the CJK font helper of rostering."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _

from shouwang.core.pdf import paragraph_style, pdf_text, register_cjk_font
from shouwang.governance.models import JointMeeting


def minutes_pdf(meeting: JointMeeting) -> bytes:
    """A4: title, township and date, units present, situation analysis, decisions (owner,
    deadline, status) and the link to next month's roster."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    register_cjk_font()

    style = paragraph_style

    title = style("title", 18, alignment=1, spaceAfter=6)
    meta = style("meta", 10, alignment=1)
    h2 = style("h2", 12, spaceBefore=8, spaceAfter=4)
    body = style("body", 11)

    def para(text: Any, st: ParagraphStyle = body) -> Paragraph:
        return Paragraph(pdf_text(text), st)

    units = "、".join(u.name for u in meeting.units.all()) or "—"
    story: list[Any] = [
        para(_("Joint meeting minutes"), title),
        para(f"{meeting.jurisdiction} · {meeting.held_on:%Y-%m-%d}", meta),
        Spacer(1, 4 * mm),
        para(_("Units present"), h2),
        para(units),
        para(_("Situation analysis"), h2),
        para(meeting.situation),
        para(_("Decisions"), h2),
    ]
    decisions = list(meeting.decisions.select_related("owner_unit", "owner_person"))
    for n, d in enumerate(decisions, start=1):
        owner = "、".join(str(x) for x in (d.owner_unit, d.owner_person) if x is not None)
        line = _("%(n)d. %(text)s — owner: %(owner)s · deadline %(deadline)s · %(status)s") % {
            "n": n,
            "text": d.text,
            "owner": owner,
            "deadline": f"{d.deadline:%Y-%m-%d}",
            "status": d.get_status_display(),
        }
        story.append(para(line))
    if not decisions:
        story.append(para("—"))
    if meeting.next_roster_id:
        story += [para(_("Next month's roster"), h2), para(meeting.next_roster)]
    if meeting.note:
        story += [para(_("note"), h2), para(meeting.note)]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, title=str(meeting)
    )
    doc.build(story)
    return out.getvalue()
