"""Assessment API (/api/v1/assessment/…), beside the registered CRUD API of schemes
(/api/v1/assessment-schemes/), criteria (/api/v1/assessment-criteria/), rewards and penalties
(/api/v1/assessment-adjustments/), conduct rules (/api/v1/conduct-rules/) and breaches
(/api/v1/conduct-breaches/).

* `GET  /measures` — the fixed registry of outcome measures;
* `GET  /runs?scheme=&status=` — the runs in scope;
* `POST /runs` {"scheme", "period"} — compute (or recompute) the draft run of a period;
* `GET  /runs/{id}` — a run with its ranking;
* `GET  /runs/{id}/scores` — every score with its lines (numerator, denominator, rate, points,
  the records behind each line);
* `POST /runs/{id}/publish` — freeze the run;
* `POST /adjustments/{id}/approve` — approve a reward or penalty (another person).

Errors: 422 {"detail", "errors": [{"field", "label", "message"}]}, 403 not allowed, 404 alike
for missing and out of scope.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from shouwang.assessment import measures, services
from shouwang.assessment.models import Adjustment, Criterion, Run, Scheme, Score, ScoreLine
from shouwang.core.api import ERRORS, run_action
from shouwang.core.records import NON_FIELD
from shouwang.core.scoping import can, get_for

router = Router(tags=["assessment"])


def field_label(name: str) -> str:
    """The user-facing label of a field named in an error."""
    if name == NON_FIELD:
        return ""
    if name == "period":
        return str(_("period"))
    for model in (Run, Scheme, Criterion, Adjustment):
        if name in {f.name for f in model._meta.get_fields()}:
            return str(getattr(model._meta.get_field(name), "verbose_name", name))
    return name


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def run_out(run: Run) -> dict[str, Any]:
    return {
        "id": run.pk,
        "scheme": run.scheme_id,
        "scheme_name": run.scheme.name,
        "subject_kind": run.scheme.subject_kind,
        "period": run.period_label,
        "period_start": run.period_start.isoformat(),
        "period_end": run.period_end.isoformat(),
        "status": run.status,
        "computed_at": run.computed_at.isoformat(),
        "published_at": run.published_at.isoformat() if run.published_at else None,
    }


def line_out(line: ScoreLine) -> dict[str, Any]:
    """A line; a not-applicable one (nothing due for the subject) has `applicable` false and
    no rate or points, and keeps its records and list link."""
    return {
        "kind": line.kind,
        "measure": line.measure,
        "label": line.label,
        "numerator": line.numerator,
        "denominator": line.denominator,
        "rate": _num(line.rate),
        "max_points": _num(line.max_points),
        "threshold": _num(line.threshold),
        "applicable": not line.not_applicable,
        "points": None if line.not_applicable else float(line.points),
        "note": line.note,
        "records": line.records,
        "link": line.link,
    }


def score_out(score: Score, lines: list[ScoreLine] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": score.pk,
        "subject_kind": score.subject_kind,
        "subject_id": score.subject_id,
        "subject_name": score.subject_name,
        "place": score.area_name,
        # None when no criteria line applied (无应考核事项): ranked after the scored ones.
        "criteria_points": _num(score.criteria_points),
        "has_criteria_score": score.has_criteria_score,
        "adjustment_points": float(score.adjustment_points),
        "breach_points": float(score.breach_points),
        "total": float(score.total),
        "rank": score.rank,
        "vetoed": score.vetoed,
        "veto_reason": score.veto_reason,
        "veto_incidents": score.veto_incidents,
    }
    if lines is not None:
        out["lines"] = [line_out(x) for x in lines]
    return out


def _act(action: Callable[[], Any], out: Callable[[Any], dict[str, Any]]) -> Any:
    return run_action(action, out, field_label)


class ComputeIn(Schema):
    scheme: int
    period: str


@router.get("/measures", response={200: list[dict[str, Any]], **ERRORS})
def measure_list(request: HttpRequest) -> Any:
    """The outcome measures a criteria line may use (no measure of app activity exists)."""
    if not can(request.user, Criterion, "view"):
        raise PermissionDenied
    return [
        {"key": m.key, "label": str(m.label), "help": str(m.help), "subjects": sorted(m.subjects)}
        for m in measures.MEASURES.values()
    ]


@router.get("/runs", response={200: list[dict[str, Any]], **ERRORS})
def runs(request: HttpRequest, scheme: int | None = None, status: str = "") -> Any:
    """The runs in scope, newest period first."""
    if not can(request.user, Run, "view"):
        raise PermissionDenied
    qs = services.runs_for(request.user).order_by("-period_start", "pk")
    if scheme is not None:
        qs = qs.filter(scheme_id=scheme)
    if status:
        qs = qs.filter(status=status)
    return [run_out(r) for r in qs[:500]]


@router.post("/runs", response={200: dict[str, Any], **ERRORS})
def compute(request: HttpRequest, payload: ComputeIn) -> Any:
    """Compute (or recompute) the draft run of a scheme for a period."""
    scheme = get_for(Scheme, request.user, payload.scheme)
    return _act(
        lambda: services.compute_run(scheme, actor=request.user, period=payload.period), run_out
    )


@router.get("/runs/{int:run_id}", response={200: dict[str, Any], **ERRORS})
def run_detail(request: HttpRequest, run_id: int) -> Any:
    """A run with its ranking (scores without lines)."""
    run = get_for(Run, request.user, run_id)
    return {
        **run_out(run),
        "scores": [score_out(s) for s in run.scores.order_by("rank", "subject_name", "pk")],
    }


@router.get("/runs/{int:run_id}/scores", response={200: list[dict[str, Any]], **ERRORS})
def run_scores(request: HttpRequest, run_id: int) -> Any:
    """Every score of a run with its lines (two queries)."""
    run = get_for(Run, request.user, run_id)
    scores = list(run.scores.order_by("rank", "subject_name", "pk").prefetch_related("lines"))
    return [score_out(s, list(s.lines.all())) for s in scores]


@router.post("/runs/{int:run_id}/publish", response={200: dict[str, Any], **ERRORS})
def publish(request: HttpRequest, run_id: int) -> Any:
    """Computed → published (frozen)."""
    run = get_for(Run, request.user, run_id)
    return _act(lambda: services.publish_run(run, actor=request.user), run_out)


@router.post("/adjustments/{int:adjustment_id}/approve", response={200: dict[str, Any], **ERRORS})
def approve(request: HttpRequest, adjustment_id: int) -> Any:
    """Approve a reward or penalty (someone other than the person who entered it)."""
    adjustment = get_for(Adjustment, request.user, adjustment_id)
    return _act(
        lambda: services.approve_adjustment(adjustment, actor=request.user),
        lambda a: {"id": a.pk, "status": a.status, "approved_by": a.approved_by_id},
    )
