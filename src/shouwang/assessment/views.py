"""Assessment pages: the runs (compute, recompute, publish), the ranking table with the drill
into a subject's lines and the records behind each line, the Excel export, and the approval
of rewards and penalties."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shouwang.assessment import api, exports, services
from shouwang.assessment.models import Adjustment, Run, Scheme, Score, ScoreLine
from shouwang.core.downloads import XLSX, attachment
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.core.steps import run_step, show_errors


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    """The runs the user sees, newest period first, and the form to compute one."""
    if not can(request.user, Run, "view"):
        raise PermissionDenied
    runs = services.runs_for(request.user).order_by("-period_start", "scheme__name", "-pk")[:200]
    schemes = (
        Scheme.objects.visible_to(request.user).filter(active=True).select_related("jurisdiction")
    )
    context = {
        "runs": runs,
        "schemes": schemes,
        "may_compute": can(request.user, Run, "add"),
    }
    return render(request, "assessment/runs.html", context)


@login_required
@require_POST
def run_compute(request: HttpRequest) -> HttpResponse:
    """Compute (or recompute) the draft run of a scheme for a period."""
    scheme = get_for(Scheme, request.user, request.POST.get("scheme"))
    try:
        run = services.compute_run(
            scheme, actor=request.user, period=request.POST.get("period", "")
        )
    except RecordInvalid as exc:
        show_errors(request, exc, api.field_label)
        return redirect("record-detail", "assessment-schemes", scheme.pk)
    return redirect("assessment-run-detail", run.pk)


@login_required
@require_POST
def run_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_for(Run, request.user, pk)
    run_step(
        request,
        lambda: services.recompute_run(run, actor=request.user),
        field_label=api.field_label,
        refuse_as_message=False,
    )
    return redirect("assessment-run-detail", pk)


@login_required
@require_POST
def run_publish(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_for(Run, request.user, pk)
    run_step(
        request,
        lambda: services.publish_run(run, actor=request.user),
        field_label=api.field_label,
        refuse_as_message=False,
    )
    return redirect("assessment-run-detail", pk)


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The ranking table of a run."""
    run = get_for(Run, request.user, pk)
    scores = run.scores.order_by("rank", "subject_name", "pk")
    context = {
        "run": run,
        "scores": scores,
        "may_change": can(request.user, Run, "change"),
        "criteria": run.scheme_snapshot.get("criteria", []),
    }
    return render(request, "assessment/run_detail.html", context)


@login_required
def run_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_for(Run, request.user, pk)
    return attachment(exports.run_xlsx(run), XLSX, f"{run}.xlsx", f"assessment-{run.pk}.xlsx")


@login_required
def score_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One subject's lines: measures with numerator, denominator, rate and points, rewards,
    penalties, breaches, and the veto with its incidents."""
    score = get_for(Score, request.user, pk)
    lines = list(score.lines.order_by("sort_order", "pk"))
    incidents = [
        {**i, "url": services.record_url("railway.railwayincident", i["id"])}
        for i in score.veto_incidents
    ]
    return render(
        request,
        "assessment/score_detail.html",
        {
            "score": score,
            "run": score.run,
            "lines": lines,
            "incidents": incidents,
            "scaling": services.criteria_scaling(score.run, lines),
        },
    )


@login_required
def line_records(request: HttpRequest, pk: int) -> HttpResponse:
    """The records one line rests on (those counted and those due)."""
    line = get_for(ScoreLine, request.user, pk)
    rows = services.line_records(line, request.user)
    if not line.records and not line.link:
        raise Http404("no records")
    return render(
        request,
        "assessment/line_records.html",
        {"line": line, "score": line.score, "rows": rows},
    )


@login_required
@require_POST
def adjustment_approve(request: HttpRequest, pk: int) -> HttpResponse:
    adjustment = get_for(Adjustment, request.user, pk)
    run_step(
        request,
        lambda: services.approve_adjustment(adjustment, actor=request.user),
        field_label=api.field_label,
    )
    return redirect("record-detail", "assessment-adjustments", pk)
