"""Governance pages beyond the generic record pages: the training steps of the detail page,
the decision "done" step, the gaps page and the minutes PDF."""

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
from shouwang.governance import api, services
from shouwang.governance.models import Decision, JointMeeting, Training


def _step(request: HttpRequest, training: Training, step: str) -> Any:
    post = request.POST
    if step == "hold":
        return services.hold_training(training, actor=request.user)
    if step == "cancel":
        return services.cancel_training(training, actor=request.user, reason=post.get("reason", ""))
    if step == "attendance":
        entries = [
            {"member": posted_pk(key.removeprefix("presence_")), "presence": value}
            for key, value in post.items()
            if key.startswith("presence_") and value
        ]
        return services.record_attendance(training, actor=request.user, entries=entries)
    raise Http404("no such step")


@login_required
@require_POST
def training_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Hold, cancel or record attendance from the detail page's forms."""
    training = get_for(Training, request.user, pk)
    run_step(request, lambda: _step(request, training, step), field_label=api.field_label)
    return redirect("record-detail", "trainings", training.pk)


@login_required
@require_POST
def decision_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a meeting decision as done."""
    decision = get_for(Decision, request.user, pk)
    run_step(
        request,
        lambda: services.complete_decision(
            decision, actor=request.user, done_on=request.POST.get("done_on", "")
        ),
        field_label=api.field_label,
    )
    return redirect("record-detail", "joint-meetings", decision.meeting_id)


@login_required
def minutes_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The joint meeting minutes as a PDF."""
    return api.pdf_response(get_for(JointMeeting, request.user, pk))


@login_required
def gaps(request: HttpRequest) -> HttpResponse:
    """Months without a held training and quarters without a held drill, per township."""
    if not can(request.user, Training, "view"):
        raise PermissionDenied
    place, year, rows = None, timezone.localdate().year, []
    try:
        place, year = api.gap_query(request)
        rows = services.gaps(place, year, user=request.user)
    except RecordInvalid as exc:
        show_errors(request, exc, api.field_label)
    places = (
        Jurisdiction.objects.visible_to(request.user)
        .filter(level__in=["county", "township"])
        .order_by("path")
    )
    return render(
        request,
        "governance/gaps.html",
        {"place": place, "places": places, "year": year, "rows": rows},
    )
