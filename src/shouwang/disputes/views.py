"""Dispute pages beyond the generic record pages: the workflow forms of the file's detail page,
the agreement PDF, the screening gaps, the figures and the ledger export."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from shouwang.core.models import Jurisdiction
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.core.steps import posted_pk, run_step, show_errors
from shouwang.disputes import api, exports, services, workflow
from shouwang.disputes.models import Dispute, MediationAgreement, Screening


def _step(request: HttpRequest, dispute: Dispute, step: str) -> Any:
    post = request.POST
    actor = request.user
    if step == "start":
        return workflow.start_mediation(dispute, actor=actor)
    if step == "session":
        return workflow.record_session(
            dispute,
            actor=actor,
            held_on=post.get("held_on", ""),
            level=post.get("level", ""),
            participants=post.get("participants", ""),
            summary=post.get("summary", ""),
            outcome=post.get("outcome", ""),
        )
    if step == "investigation":
        return workflow.record_investigation(
            dispute,
            actor=actor,
            text=post.get("text", ""),
            investigated_on=post.get("investigated_on", ""),
        )
    if step == "agreement":
        return workflow.record_agreement(
            dispute,
            actor=actor,
            terms=post.get("terms", ""),
            form=post.get("form", "written"),
            signed_on=post.get("signed_on", ""),
        )
    if step == "resolve":
        return workflow.resolve_dispute(
            dispute, actor=actor, partly=post.get("partly") == "1", note=post.get("note", "")
        )
    if step == "refer":
        return workflow.refer_dispute(
            dispute, actor=actor, target=post.get("target", ""), note=post.get("note", "")
        )
    if step == "close":
        return workflow.close_dispute(dispute, actor=actor, note=post.get("note", ""))
    if step == "reopen":
        return workflow.reopen_dispute(dispute, actor=actor, reason=post.get("reason", ""))
    if step == "follow_up":
        visit = None
        if post.get("follow_up"):
            visit = dispute.follow_ups.filter(pk=posted_pk(post["follow_up"])).first()
        return workflow.record_follow_up(
            dispute,
            actor=actor,
            finding=post.get("finding", ""),
            visited_on=post.get("visited_on", ""),
            note=post.get("note", ""),
            follow_up=visit,
        )
    raise Http404("no such step")


@login_required
@require_POST
def dispute_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One workflow step from the detail page's forms; errors come back as messages."""
    dispute = get_for(Dispute, request.user, pk)
    run_step(request, lambda: _step(request, dispute, step), field_label=api.field_label)
    return redirect("record-detail", "disputes", dispute.pk)


@login_required
def agreement_pdf(request: HttpRequest, pk: int, agreement_pk: int) -> HttpResponse:
    """The mediation agreement as a PDF with the parties' signature lines."""
    dispute = get_for(Dispute, request.user, pk)
    agreement = get_for(MediationAgreement, request.user, agreement_pk)
    if agreement.dispute_id != dispute.pk:
        raise Http404("not found")
    response = HttpResponse(exports.agreement_pdf(agreement), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="agreement-{dispute.pk}-{agreement.pk}.pdf"'
    )
    return response


def _places(user: Any) -> list[Jurisdiction]:
    return list(
        Jurisdiction.objects.visible_to(user)
        .filter(level__in=["county", "township", "village"])
        .order_by("path")
    )


def _fail(request: HttpRequest, exc: RecordInvalid) -> None:
    show_errors(request, exc, api.field_label)


@login_required
def screening_gaps(request: HttpRequest) -> HttpResponse:
    """Villages × weeks of a township: missing screenings and zero reports."""
    if not can(request.user, Screening, "view"):
        raise PermissionDenied
    gaps: dict[str, Any] = {"rows": [], "missing": [], "zero": [], "screened": []}
    place = None
    start = end = timezone.localdate()
    try:
        place, start, end = api.gap_weeks(request)
        gaps = services.screening_gaps(place, start, end, user=request.user)
    except RecordInvalid as exc:
        _fail(request, exc)
    weeks = services.weeks_between(start, end) if end >= start else []
    villages = services.villages_of(place) if place is not None else []
    cells = {(r.village.pk, r.week): r for r in gaps["rows"]}
    table = [(v, [cells.get((v.pk, w)) for w in weeks]) for v in villages]
    return render(
        request,
        "disputes/screening_gaps.html",
        {
            "place": place,
            "places": _places(request.user),
            "week_from": services.week_start(start),
            "week_to": services.week_start(end),
            "weeks": weeks,
            "table": table,
            "gaps": gaps,
        },
    )


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    """Dispute figures of a period and jurisdiction, with the ledger export link."""
    if not can(request.user, Dispute, "view"):
        raise PermissionDenied
    result = None
    place = None
    today = timezone.localdate()
    start, end = today.replace(day=1), today
    try:
        place, start, end = api.period(request)
        result = services.figures(place, start, end, user=request.user)
    except RecordInvalid as exc:
        _fail(request, exc)
    return render(
        request,
        "disputes/figures.html",
        {
            "place": place,
            "places": _places(request.user),
            "start": start,
            "end": end,
            "figures": result,
        },
    )


@login_required
def ledger_xlsx(request: HttpRequest) -> HttpResponse:
    """The dispute ledger of the period (same query as the figures page) as Excel."""
    if not can(request.user, Dispute, "view"):
        raise PermissionDenied
    try:
        place, start, end = api.period(request)
    except RecordInvalid as exc:
        _fail(request, exc)
        return redirect("dispute-figures")
    return api.ledger_response(request.user, place, start, end)
