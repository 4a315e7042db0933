"""Documents of the dispute register: the mediation agreement (PDF with the parties' signature
lines) and the dispute ledger (矛盾纠纷排查化解台账, Excel).

The PDF uses reportlab's built-in CJK CID font (no font file to ship), through the font helper
of rostering/exports.py.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shouwang.core.pdf import paragraph_style, pdf_text, register_cjk_font
from shouwang.disputes.models import (
    Dispute,
    DisputeParty,
    FollowUp,
    MediationAgreement,
)


def agreement_pdf(agreement: MediationAgreement) -> bytes:
    """A4: title, file number, parties, the dispute, the terms, then one signature line per
    party and the mediator's, with the date."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    register_cjk_font()
    dispute = agreement.dispute
    parties = list(dispute.parties.all())

    style = paragraph_style

    title = style("title", 18, alignment=1, spaceAfter=6)
    meta = style("meta", 10, alignment=2)
    h2 = style("h2", 12, spaceBefore=8, spaceAfter=4)
    body = style("body", 11)

    def para(text: Any, st: ParagraphStyle = body) -> Paragraph:
        return Paragraph(pdf_text(text), st)

    story: list[Any] = [
        para(_("People's mediation agreement"), title),
        para(
            _("File no. %(no)s · %(place)s")
            % {"no": f"{dispute.registered_on:%Y}-{dispute.pk:05d}", "place": dispute.jurisdiction},
            meta,
        ),
        para(_("Parties"), h2),
    ]
    for party in parties:
        story.append(para(f"{party.get_role_display()}：{party.name}"))
    story += [
        para(_("Dispute"), h2),
        para(f"{dispute.title}（{dispute.category}）"),
        para(dispute.description),
        para(_("Terms agreed"), h2),
        para(agreement.terms),
        para(
            _("Form: %(form)s · Signed on %(date)s")
            % {"form": agreement.get_form_display(), "date": f"{agreement.signed_on:%Y-%m-%d}"}
        ),
        Spacer(1, 10 * mm),
    ]
    rows = [
        [
            para(f"{party.get_role_display()}（{party.name}）{_('signature')}："),
            para(_("date") + "："),
        ]
        for party in parties
    ]
    rows.append([para(_("Mediator signature") + "："), para(_("date") + "：")])
    rows.append([para(_("Mediation committee (seal)") + "："), para("")])
    sign = Table(rows, colWidths=[110 * mm, 60 * mm], rowHeights=[16 * mm] * len(rows))
    sign.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, "#888888"),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ]
        )
    )
    story.append(sign)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=str(_("People's mediation agreement")),
    )
    doc.build(story)
    return out.getvalue()


def ledger_queryset(qs: QuerySet[Dispute]) -> QuerySet[Dispute]:
    """The files with everything a ledger row shows, in a fixed number of queries."""
    return (
        qs.select_related(
            "jurisdiction", "category", "responsible_unit", "responsible_person", "segment"
        )
        .prefetch_related(
            Prefetch("parties", queryset=DisputeParty.objects.order_by("pk")),
            Prefetch("agreements", queryset=MediationAgreement.objects.order_by("pk")),
            Prefetch("follow_ups", queryset=FollowUp.objects.order_by("due_on", "pk")),
        )
        .annotate(session_count=Count("sessions", distinct=True))
        .order_by("registered_on", "pk")
    )


LEDGER_HEADERS = (
    gettext_noop("No."),
    gettext_noop("Registered on"),
    gettext_noop("Village / community"),
    gettext_noop("Title"),
    gettext_noop("Category"),
    gettext_noop("Parties"),
    gettext_noop("People involved"),
    gettext_noop("Risk level"),
    gettext_noop("Source"),
    gettext_noop("Civil-to-criminal risk"),
    gettext_noop("Responsible unit"),
    gettext_noop("Responsible person"),
    gettext_noop("Plan"),
    gettext_noop("Resolve by"),
    gettext_noop("Status"),
    gettext_noop("Overdue"),
    gettext_noop("Mediation sessions"),
    gettext_noop("Result"),
    gettext_noop("Referred to"),
    gettext_noop("Agreement"),
    gettext_noop("Follow-up visits"),
)


def ledger_rows(disputes: Iterable[Dispute]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for n, d in enumerate(disputes, start=1):
        agreement = next(iter(reversed(list(d.agreements.all()))), None)
        visits = "\n".join(
            f"{v.due_on:%Y-%m-%d} "
            + (
                f"{v.get_finding_display()} {v.visited_on:%Y-%m-%d}"
                if v.visited_on
                else (_("cancelled") if v.cancelled else _("pending"))
            )
            for v in d.follow_ups.all()
        )
        rows.append(
            [
                n,
                d.registered_on,
                d.jurisdiction.name,
                d.title,
                str(d.category),
                "、".join(f"{p.name}（{p.get_role_display()}）" for p in d.parties.all()),
                d.people_involved,
                str(d.get_risk_level_display()),
                str(d.get_source_display()),
                _("yes") if d.civil_to_criminal else "",
                str(d.responsible_unit or ""),
                str(d.responsible_person or ""),
                d.plan,
                d.resolve_by,
                str(d.get_status_display()),
                _("yes") if d.is_overdue else "",
                d.session_count if hasattr(d, "session_count") else d.sessions.count(),
                str(d.get_outcome_display()) if d.outcome else "",
                str(d.get_referral_target_display()) if d.referral_target else "",
                f"{agreement.get_form_display()} {agreement.signed_on:%Y-%m-%d}"
                if agreement
                else "",
                visits,
            ]
        )
    return rows


def ledger_xlsx(disputes: Iterable[Dispute], *, title: str) -> bytes:
    """One sheet: a title row, the header row, one row per file (party phones never shown)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("Dispute ledger")[:31]
    headers = [_(h) for h in LEDGER_HEADERS]
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=13)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    for col, value in enumerate(headers, start=1):
        c = ws.cell(row=2, column=col, value=value)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(ledger_rows(disputes), start=3):
        for col, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=col, value=value)
            cell.alignment = wrap
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    widths = [5, 11, 12, 24, 10, 22, 8, 8, 10, 8, 14, 10, 24, 11, 10, 6, 8, 10, 10, 14, 24]
    for col, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = w
    ws.freeze_panes = "A3"
    ws.page_setup.orientation = "landscape"
    ws.print_title_rows = "1:2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def ledger_title(place: Any, start: dt.date, end: dt.date) -> str:
    return _("Dispute screening and resolution ledger, %(place)s, %(start)s to %(end)s") % {
        "place": place,
        "start": f"{start:%Y-%m-%d}",
        "end": f"{end:%Y-%m-%d}",
    }
