"""Governance pages beyond the generic record pages: the training steps of the detail page,
the decision "done" step, the gaps page and the minutes PDF; the pledge steps (sign with the
signed copy, fulfilled, breached), the signed copy itself and the "without a signed pledge"
page; the plan version steps (attach the file, adopt) and the file."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from shouwang.core.models import Jurisdiction
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.core.steps import posted_pk, run_step, show_errors
from shouwang.governance import api, services
from shouwang.governance.models import (
    Decision,
    JointMeeting,
    PlanVersion,
    ResponsibilityPledge,
    Training,
)


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


# -- responsibility pledges ------------------------------------------------------------------------


def _pledge_step(request: HttpRequest, pledge: ResponsibilityPledge, step: str) -> Any:
    post = request.POST
    if step == "sign":
        return services.sign_pledge(
            pledge,
            actor=request.user,
            signed_on=post.get("signed_on", ""),
            signatories=post.get("signatories", ""),
            upload=request.FILES.get("signed_copy"),
        )
    if step == "fulfil":
        return services.fulfil_pledge(pledge, actor=request.user)
    if step == "breach":
        return services.breach_pledge(pledge, actor=request.user, reason=post.get("reason", ""))
    raise Http404("no such step")


@login_required
@require_POST
def pledge_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Sign (with the signed copy), mark fulfilled or breached from the detail page."""
    pledge = get_for(ResponsibilityPledge, request.user, pk)
    run_step(request, lambda: _pledge_step(request, pledge, step), field_label=api.field_label)
    return redirect("record-detail", "responsibility-pledges", pledge.pk)


@login_required
def pledge_copy(request: HttpRequest, pk: int) -> FileResponse:
    """The signed copy of a pledge (only inside the viewer's scope)."""
    pledge = get_for(ResponsibilityPledge, request.user, pk)
    ext = (pledge.signed_copy.name or "").rsplit(".", 1)[-1] or "bin"
    return api.file_response(pledge.signed_copy, pledge.signed_copy_type, f"pledge-{pk}.{ext}")


@login_required
def pledges_missing(request: HttpRequest) -> HttpResponse:
    """The villages and units of a township without a signed pledge for a year."""
    if not can(request.user, ResponsibilityPledge, "view"):
        raise PermissionDenied
    place, year, rows = None, timezone.localdate().year, []
    try:
        place, year = api.township_year_query(request)
        rows = services.missing_pledges(place, year, user=request.user)
    except RecordInvalid as exc:
        show_errors(request, exc, api.field_label)
    places = Jurisdiction.objects.visible_to(request.user).filter(level="township").order_by("path")
    return render(
        request,
        "governance/pledges_missing.html",
        {"place": place, "places": places, "year": year, "rows": rows},
    )


# -- emergency plan versions ---------------------------------------------------------------------


def _version_step(request: HttpRequest, version: PlanVersion, step: str) -> Any:
    if step == "adopt":
        return services.adopt_plan_version(
            version, actor=request.user, effective_from=request.POST.get("effective_from", "")
        )
    if step == "upload":
        return services.attach_plan_file(
            version, actor=request.user, upload=request.FILES.get("file")
        )
    raise Http404("no such step")


@login_required
@require_POST
def version_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Attach the plan file to a draft, or adopt the draft (it supersedes the one in force)."""
    version = get_for(PlanVersion, request.user, pk)
    run_step(request, lambda: _version_step(request, version, step), field_label=api.field_label)
    return redirect("record-detail", "plan-versions", version.pk)


@login_required
def version_file(request: HttpRequest, pk: int) -> FileResponse:
    """The document of a plan version."""
    version = get_for(PlanVersion, request.user, pk)
    ext = (version.file.name or "").rsplit(".", 1)[-1] or "bin"
    return api.file_response(
        version.file, version.file_type, f"plan-{version.plan_id}-v{version.number}.{ext}"
    )
