"""Assessment services: the record pages' writes, the approval of rewards and penalties by a
second person, and the assessment run (compute → recompute → publish, frozen afterwards).

Each action is one function, one transaction, one audit event.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.assessment import measures
from shouwang.assessment.forms import (
    AdjustmentForm,
    BreachForm,
    ConductRuleForm,
    CriterionForm,
    SchemeForm,
)
from shouwang.assessment.models import (
    Adjustment,
    AdjustmentStatus,
    Breach,
    ConductRule,
    Criterion,
    LineKind,
    PeriodKind,
    Run,
    RunStatus,
    Scheme,
    Score,
    ScoreLine,
    SubjectKind,
    points_text,
)
from shouwang.core import records
from shouwang.core.audit import record_event, snapshot
from shouwang.core.models import Jurisdiction
from shouwang.core.periods import day_bounds, month_bounds, quarter_bounds
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.core.workflow import action_codes

run_code = action_codes(
    "assessment.run",
    {
        "computed": gettext_lazy("Assessment computed"),
        "published": gettext_lazy("Assessment published"),
    },
)
adjustment_code = action_codes(
    "assessment.adjustment", {"approved": gettext_lazy("Reward or penalty approved")}
)

TWO = Decimal("0.01")

#: The note of a line with nothing due for the subject in the period.
NOT_APPLICABLE = gettext_lazy("Not applicable (nothing due in the period)")
#: Shown instead of the criteria points of a subject with no applicable line.
NOTHING_APPLICABLE = gettext_lazy("Nothing due in the period")


# -- record pages ------------------------------------------------------------------------------


def create_scheme(*, actor: Any, data: Mapping[str, Any]) -> Scheme:
    """Set up a scheme (its criteria lines are added next)."""
    return records.create_record(SchemeForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_scheme(scheme: Scheme, *, actor: Any, data: Mapping[str, Any]) -> Scheme:
    return records.update_record(SchemeForm, scheme, actor=actor, data=data)


def delete_scheme(scheme: Scheme, *, actor: Any) -> None:
    """Delete a scheme that was never run (runs keep it: refused while any exists)."""
    records.delete_record(scheme, actor=actor)


def create_criterion(*, actor: Any, data: Mapping[str, Any]) -> Criterion:
    """Add a criteria line; the scheme's maximum points may not be exceeded."""
    return records.create_record(CriterionForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_criterion(criterion: Criterion, *, actor: Any, data: Mapping[str, Any]) -> Criterion:
    return records.update_record(CriterionForm, criterion, actor=actor, data=data)


def delete_criterion(criterion: Criterion, *, actor: Any) -> None:
    records.delete_record(criterion, actor=actor)


def _entered_by(actor: Any) -> Any:
    def before_save(instance: Any, form: Any) -> None:
        if instance.pk is None and getattr(actor, "pk", None):
            instance.entered_by = actor

    return before_save


def create_adjustment(*, actor: Any, data: Mapping[str, Any]) -> Adjustment:
    """Enter a reward or penalty; it counts once another person approves it."""
    return records.create_record(  # type: ignore[no-any-return]
        AdjustmentForm, actor=actor, data=data, before_save=_entered_by(actor)
    )


def _refuse_if_approved(adjustment: Adjustment) -> None:
    if adjustment.status == AdjustmentStatus.APPROVED:
        raise RecordInvalid(
            {"status": [_("An approved reward or penalty can no longer be changed.")]}
        )


def update_adjustment(adjustment: Adjustment, *, actor: Any, data: Mapping[str, Any]) -> Adjustment:
    """Correct a reward or penalty that is still awaiting approval."""
    current = Adjustment.objects.filter(pk=adjustment.pk).first()
    if current is not None:
        _refuse_if_approved(current)
    return records.update_record(AdjustmentForm, adjustment, actor=actor, data=data)


def delete_adjustment(adjustment: Adjustment, *, actor: Any) -> None:
    """Withdraw a reward or penalty that is still awaiting approval."""
    _refuse_if_approved(adjustment)
    records.delete_record(adjustment, actor=actor)


def approve_adjustment(adjustment: Adjustment, *, actor: Any) -> Adjustment:
    """Approve a reward or penalty: only someone other than the person who entered it."""
    with transaction.atomic():
        get_for(Adjustment, actor, adjustment.pk, "change")
        locked = Adjustment.objects.select_for_update().get(pk=adjustment.pk)
        _refuse_if_approved(locked)
        if locked.entered_by_id is not None and locked.entered_by_id == getattr(actor, "pk", None):
            raise RecordInvalid(
                {"approved_by": [_("Someone other than the person who entered it must approve.")]}
            )
        before = snapshot(locked)
        locked.status = AdjustmentStatus.APPROVED
        locked.approved_by = actor
        locked.approved_at = timezone.now()
        locked.save(update_fields=["status", "approved_by", "approved_at"])
        after = {**snapshot(locked), "approved_by": actor.pk}
        record_event(
            adjustment_code("approved"), actor=actor, target=locked, before=before, after=after
        )
    return locked


def create_rule(*, actor: Any, data: Mapping[str, Any]) -> ConductRule:
    return records.create_record(ConductRuleForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_rule(rule: ConductRule, *, actor: Any, data: Mapping[str, Any]) -> ConductRule:
    return records.update_record(ConductRuleForm, rule, actor=actor, data=data)


def delete_rule(rule: ConductRule, *, actor: Any) -> None:
    """Delete a rule nobody breached (else refused: set it inactive instead)."""
    records.delete_record(rule, actor=actor)


def create_breach(*, actor: Any, data: Mapping[str, Any]) -> Breach:
    """Record a member's breach of a conduct rule with the points deducted."""
    return records.create_record(  # type: ignore[no-any-return]
        BreachForm, actor=actor, data=data, before_save=_entered_by(actor)
    )


def update_breach(breach: Breach, *, actor: Any, data: Mapping[str, Any]) -> Breach:
    return records.update_record(BreachForm, breach, actor=actor, data=data)


def delete_breach(breach: Breach, *, actor: Any) -> None:
    records.delete_record(breach, actor=actor)


# -- periods -----------------------------------------------------------------------------------


def period_bounds(kind: str, text: str) -> tuple[dt.date, dt.date, str]:
    """(first day, last day, label) of a period given as "2026-11", "2026-Q4" or "2026";
    refused on "period" when the text does not fit the scheme's period kind."""
    text = (text or "").strip().upper()
    try:
        if kind == PeriodKind.MONTH:
            match = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
            if not match:
                raise ValueError
            year, month = int(match[1]), int(match[2])
            start, end = month_bounds(dt.date(year, month, 1))
            return start, end, f"{year}-{month:02d}"
        if kind == PeriodKind.QUARTER:
            match = re.fullmatch(r"(\d{4})-Q([1-4])", text)
            if not match:
                raise ValueError
            year, quarter = int(match[1]), int(match[2])
            start, end = quarter_bounds(year, quarter)
            return start, end, f"{year}-Q{quarter}"
        match = re.fullmatch(r"(\d{4})", text)
        if not match:
            raise ValueError
        year = int(match[1])
        return dt.date(year, 1, 1), dt.date(year, 12, 31), str(year)
    except ValueError:
        examples = {PeriodKind.MONTH: "2026-11", PeriodKind.QUARTER: "2026-Q4"}
        raise RecordInvalid(
            {
                "period": [
                    _("Give the period as %(example)s.") % {"example": examples.get(kind, "2026")}  # type: ignore[call-overload]
                ]
            }
        ) from None


# -- subjects -------------------------------------------------------------------------------------


def _village_of_path(path: str, villages: dict[int, Jurisdiction]) -> Jurisdiction | None:
    for part in path.strip("/").split("/"):
        if part and int(part) in villages:
            return villages[int(part)]
    return None


def subjects_of(scheme: Scheme) -> list[measures.Subject]:
    """Everyone/everything the scheme assesses, with the area the veto looks at:

    * a village: the village itself;
    * a member: the village of the member's register (a grid counts for its village), or
      the township when the member is registered there;
    * a team: the team's home jurisdiction (a township-level team answers for its township).
    """
    from shouwang.forces.models import Member, MemberStatus, Team

    root = scheme.jurisdiction
    villages = {
        v.pk: v
        for v in Jurisdiction.objects.filter(path__startswith=root.path, level="village").order_by(
            "path"
        )
    }
    if scheme.subject_kind == SubjectKind.VILLAGE:
        return [
            measures.Subject(v.pk, v.name, v.path, v.name, home_path=v.path)
            for v in villages.values()
        ]
    if scheme.subject_kind == SubjectKind.TEAM:
        teams = Team.objects.filter(jurisdiction__path__startswith=root.path).select_related(
            "jurisdiction"
        )
        return [
            measures.Subject(
                t.pk,
                t.name,
                t.jurisdiction.path,
                t.jurisdiction.name,
                home_path=t.jurisdiction.path,
            )
            for t in teams.order_by("name", "pk")
        ]
    members = (
        Member.objects.filter(jurisdiction__path__startswith=root.path)
        .exclude(status=MemberStatus.LEFT)
        .select_related("jurisdiction")
        .order_by("name", "pk")
    )
    out = []
    for m in members:
        village = _village_of_path(m.jurisdiction.path, villages)
        area = village or m.jurisdiction
        out.append(
            measures.Subject(m.pk, m.name, area.path, area.name, home_path=m.jurisdiction.path)
        )
    return out


# -- computing ------------------------------------------------------------------------------------


def line_points(
    max_points: Decimal, threshold: Decimal | None, numerator: int, denominator: int
) -> tuple[Decimal | None, Decimal | None, str]:
    """(rate 0–1 or None, points or None, note) of one criteria line: points = maximum ×
    rate; below the pass threshold (a percentage) none. With nothing due (denominator 0) the
    line is not applicable: no rate, no points — neither full marks nor a penalty."""
    if denominator == 0:
        return None, None, str(NOT_APPLICABLE)
    rate = Decimal(numerator) / Decimal(denominator)
    if threshold is not None and rate * 100 < threshold:
        note = _("Below the pass threshold of %(threshold)s%%: no points.") % {
            "threshold": f"{threshold:g}"
        }
        return rate, Decimal(0).quantize(TWO), str(note)
    return rate, (max_points * rate).quantize(TWO, rounding=ROUND_HALF_UP), ""


def criteria_score(
    total_points: Decimal, lines: list[tuple[Decimal, Decimal | None]]
) -> Decimal | None:
    """The criteria score over the applicable lines, scaled to the scheme's total:
    total × earned ÷ the applicable lines' maximum. `lines` are (maximum, points or None when
    not applicable). None when no line applies (无应考核事项): no score, ranked after."""
    applicable = [(m, p) for m, p in lines if p is not None]
    possible = sum((m for m, _p in applicable), Decimal(0))
    if not applicable or possible <= 0:
        return None
    earned = sum((p for _m, p in applicable if p is not None), Decimal(0))
    return (total_points * earned / possible).quantize(TWO, rounding=ROUND_HALF_UP)


def rank_scores(rows: Sequence[tuple[bool, Decimal | None, Decimal]]) -> list[int]:
    """Ranks of (vetoed, criteria points or None, total) rows in their order: higher totals
    first, equal totals share a rank (1, 1, 3); subjects with no criteria score (nothing
    applicable) rank after the scored ones, and vetoed subjects fail and rank after every
    other."""
    keys = [(vetoed, criteria is None, -total) for vetoed, criteria, total in rows]
    order = sorted(range(len(rows)), key=lambda i: keys[i])
    ranks = [0] * len(rows)
    previous: tuple[bool, bool, Decimal] | None = None
    rank = 0
    for position, i in enumerate(order, start=1):
        if keys[i] != previous:
            rank = position
            previous = keys[i]
        ranks[i] = rank
    return ranks


def _veto_incidents(scheme: Scheme, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    from shouwang.railway.models import IncidentKind, RailwayIncident

    if not scheme.veto_kinds:
        return []
    first, after = day_bounds(start, end)
    rows = RailwayIncident.objects.filter(
        kind__in=scheme.veto_kinds,
        occurred_at__gte=first,
        occurred_at__lt=after,
        jurisdiction__path__startswith=scheme.jurisdiction.path,
    ).values_list("pk", "kind", "occurred_at", "jurisdiction__path", "jurisdiction__name")
    return [
        {
            "id": pk,
            "kind": kind,
            "kind_label": str(IncidentKind(kind).label),
            "occurred_at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M"),
            "path": path,
            "place": name,
        }
        for pk, kind, at, path, name in rows.order_by("occurred_at", "pk")
    ]


def _adjustments(
    scheme: Scheme, ids: list[int], start: dt.date, end: dt.date
) -> dict[int, list[Adjustment]]:
    field = {"member": "member_id", "team": "team_id", "village": "village_id"}[scheme.subject_kind]
    out: dict[int, list[Adjustment]] = defaultdict(list)
    for adj in Adjustment.objects.filter(
        status=AdjustmentStatus.APPROVED,
        on_date__gte=start,
        on_date__lte=end,
        **{f"{field}__in": ids},
    ).order_by("on_date", "pk"):
        out[getattr(adj, field)].append(adj)
    return out


def _breaches(ctx: measures.Context, start: dt.date, end: dt.date) -> dict[int, list[Breach]]:
    owners = ctx.member_owners()
    out: dict[int, list[Breach]] = defaultdict(list)
    for breach in (
        Breach.objects.filter(member_id__in=list(owners), on_date__gte=start, on_date__lte=end)
        .select_related("rule", "member")
        .order_by("on_date", "pk")
    ):
        for sid in owners.get(breach.member_id, []):
            out[sid].append(breach)
    return out


def _scheme_snapshot(scheme: Scheme, criteria: list[Criterion]) -> dict[str, Any]:
    return {
        "name": scheme.name,
        "jurisdiction": scheme.jurisdiction_id,
        "subject_kind": scheme.subject_kind,
        "period_kind": scheme.period_kind,
        "total_points": str(scheme.total_points),
        "veto_kinds": list(scheme.veto_kinds or []),
        "criteria": [
            {
                "measure": c.measure,
                "max_points": str(c.max_points),
                "threshold": None if c.threshold is None else str(c.threshold),
            }
            for c in criteria
        ],
    }


def _check_weights(scheme: Scheme, criteria: list[Criterion]) -> None:
    if not criteria:
        raise RecordInvalid({"scheme": [_("The scheme has no criteria lines yet.")]})
    total = sum((c.max_points for c in criteria), Decimal(0))
    if total != scheme.total_points:
        raise RecordInvalid(
            {
                "scheme": [
                    _(
                        "The criteria add up to %(sum)s points; the scheme's total is "
                        "%(total)s. Adjust the lines first."
                    )
                    % {"sum": f"{total:g}", "total": f"{scheme.total_points:g}"}
                ]
            }
        )
    for c in criteria:
        measure = measures.MEASURES.get(c.measure)
        if measure is None or scheme.subject_kind not in measure.subjects:
            raise RecordInvalid(
                {"scheme": [_("A criteria line names a measure that does not apply.")]}
            )


def compute_run(scheme: Scheme, *, actor: Any, period: str, now: dt.datetime | None = None) -> Run:
    """Compute (or recompute) the scheme's draft run for a period: every subject's lines,
    adjustments, breaches, total, rank and veto. A published run is never computed again."""
    now = now or timezone.now()
    with transaction.atomic():
        scheme = get_for(Scheme, actor, scheme.pk, "view")
        if not can(actor, Run, "add"):
            raise PermissionDenied
        start, end, label = period_bounds(scheme.period_kind, period)
        if start > timezone.localdate(now):
            raise RecordInvalid({"period": [_("This period has not started yet.")]})
        criteria = list(scheme.criteria.order_by("sort_order", "pk"))
        _check_weights(scheme, criteria)
        run = (
            Run.objects.select_for_update(of=("self",))
            .filter(scheme=scheme, period_start=start)
            .first()
        )
        if run is not None and run.is_published:
            raise RecordInvalid({"status": [_("This run is published: its scores never change.")]})
        before = snapshot(run) if run is not None else None
        if run is None:
            run = Run(scheme=scheme, period_start=start)
        run.period_end = end
        run.period_label = label
        run.status = RunStatus.COMPUTED
        run.computed_at = now
        run.computed_by = actor if getattr(actor, "pk", None) else None
        run.scheme_snapshot = _scheme_snapshot(scheme, criteria)
        run.save()
        run.scores.all().delete()
        totals = _compute_scores(run, scheme, criteria, start, end, now)
        record_event(
            run_code("computed"),
            actor=actor,
            target=run,
            before=before,
            after={**snapshot(run), "scores": totals},
        )
    return run


def _compute_scores(
    run: Run,
    scheme: Scheme,
    criteria: list[Criterion],
    start: dt.date,
    end: dt.date,
    now: dt.datetime,
) -> int:
    subjects = subjects_of(scheme)
    ctx = measures.Context(
        kind=scheme.subject_kind,
        subjects=subjects,
        start=start,
        end=end,
        root_path=scheme.jurisdiction.path,
        now=now,
    )
    results = {c.measure: measures.MEASURES[c.measure].compute(ctx) for c in criteria}
    adjustments = _adjustments(scheme, ctx.ids, start, end)
    breaches = _breaches(ctx, start, end)
    incidents = _veto_incidents(scheme, start, end)

    scores: list[Score] = []
    lines: list[list[ScoreLine]] = []
    for subject in subjects:
        own_lines: list[ScoreLine] = []
        earned: list[tuple[Decimal, Decimal | None]] = []
        for order, c in enumerate(criteria):
            tally = results[c.measure][subject.id]
            rate, points, note = line_points(
                c.max_points, c.threshold, tally.numerator, tally.denominator
            )
            earned.append((c.max_points, points))
            own_lines.append(
                ScoreLine(
                    kind=LineKind.MEASURE,
                    measure=c.measure,
                    label=str(measures.MEASURES[c.measure].label),
                    numerator=tally.numerator,
                    denominator=tally.denominator,
                    rate=None if rate is None else rate.quantize(Decimal("0.0001")),
                    max_points=c.max_points,
                    threshold=c.threshold,
                    points=Decimal(0) if points is None else points,
                    applicable=points is not None,
                    note=" ".join(x for x in (note, tally.note) if x)[:300],
                    records={"type": tally.record_type, "counted": tally.counted, "due": tally.due}
                    if tally.record_type
                    else {},
                    link=tally.link[:300],
                    sort_order=order,
                )
            )
        criteria_points = criteria_score(scheme.total_points, earned)
        adjustment_points = Decimal(0)
        for adj in adjustments.get(subject.id, []):
            adjustment_points += adj.signed_points
            own_lines.append(
                ScoreLine(
                    kind=LineKind.ADJUSTMENT,
                    label=f"{adj.get_kind_display()} {adj.on_date:%Y-%m-%d}",
                    points=adj.signed_points,
                    note=adj.reason[:300],
                    records={"type": "assessment.adjustment", "counted": [adj.pk], "due": []},
                    sort_order=100,
                )
            )
        breach_points = Decimal(0)
        for breach in breaches.get(subject.id, []):
            breach_points += breach.points
            own_lines.append(
                ScoreLine(
                    kind=LineKind.BREACH,
                    label=f"{breach.rule} {breach.on_date:%Y-%m-%d}",
                    points=-breach.points,
                    note=f"{breach.member.name}: {breach.description}"[:300],
                    records={"type": "assessment.breach", "counted": [breach.pk], "due": []},
                    sort_order=200,
                )
            )
        vetoing = [i for i in incidents if i["path"].startswith(subject.area_path)]
        veto_reason = ""
        if vetoing:
            veto_reason = _("One-vote veto: %(incidents)s.") % {
                "incidents": "；".join(
                    f"{i['kind_label']}（{i['place']} {i['occurred_at']}）" for i in vetoing
                )
            }
        total = (criteria_points or Decimal(0)) + adjustment_points - breach_points
        scores.append(
            Score(
                run=run,
                subject_kind=scheme.subject_kind,
                subject_id=subject.id,
                subject_name=subject.name[:200],
                area_name=subject.area_name[:200],
                criteria_points=criteria_points,
                adjustment_points=adjustment_points,
                breach_points=breach_points,
                total=total,
                rank=0,
                vetoed=bool(vetoing),
                veto_reason=veto_reason,
                veto_incidents=[{k: v for k, v in i.items() if k != "path"} for i in vetoing],
            )
        )
        lines.append(own_lines)
    ranks = rank_scores([(s.vetoed, s.criteria_points, s.total) for s in scores])
    for score, rank in zip(scores, ranks, strict=True):
        score.rank = rank
    created = Score.objects.bulk_create(scores)
    all_lines = []
    for score, own_lines in zip(created, lines, strict=True):
        for line in own_lines:
            line.score = score
            all_lines.append(line)
    ScoreLine.objects.bulk_create(all_lines)
    return len(created)


def recompute_run(run: Run, *, actor: Any, now: dt.datetime | None = None) -> Run:
    """Compute a draft run again from today's records."""
    found = get_for(Run, actor, run.pk, "change")
    return compute_run(found.scheme, actor=actor, period=found.period_label, now=now)


def publish_run(run: Run, *, actor: Any) -> Run:
    """Publish a computed run: its scores are frozen from now on, whatever records change."""
    with transaction.atomic():
        get_for(Run, actor, run.pk, "change")
        locked = Run.objects.select_for_update().get(pk=run.pk)
        if locked.is_published:
            raise RecordInvalid({"status": [_("This run is already published.")]})
        before = snapshot(locked)
        locked.status = RunStatus.PUBLISHED
        locked.published_at = timezone.now()
        locked.published_by = actor if getattr(actor, "pk", None) else None
        locked.save(update_fields=["status", "published_at", "published_by"])
        record_event(
            run_code("published"), actor=actor, target=locked, before=before, after=snapshot(locked)
        )
    return locked


# -- reading --------------------------------------------------------------------------------------


def runs_for(user: Any) -> QuerySet[Run]:
    return Run.objects.visible_to(user).select_related("scheme__jurisdiction")


def criteria_scaling(run: Run, lines: list[ScoreLine]) -> dict[str, str] | None:
    """How a score's criteria points were scaled over its applicable lines ({"total",
    "earned", "possible"} as points text), or None when every line applied (nothing to
    explain) or none did."""
    measured = [x for x in lines if x.kind == LineKind.MEASURE]
    applicable = [x for x in measured if x.applicable]
    if not applicable or len(applicable) == len(measured):
        return None
    total = run.scheme_snapshot.get("total_points") or run.scheme.total_points
    return {
        "total": points_text(total),
        "earned": points_text(sum((x.points for x in applicable), Decimal(0))),
        "possible": points_text(sum((x.max_points or Decimal(0) for x in applicable), Decimal(0))),
    }


def record_url(record_type: str, pk: int) -> str:
    """The page of one record behind a line (its record page, or the app's own page)."""
    from django.urls import NoReverseMatch, reverse

    from shouwang.core import registry

    special = {"patrols.patrollog": "patrol-log-detail"}
    if record_type in special:
        return reverse(special[record_type], args=[pk])
    key = record_type.split(".")[-1]
    try:
        rt = registry.get(key)
    except KeyError:
        return ""
    try:
        return reverse("record-detail", args=[rt.slug, pk])
    except NoReverseMatch:
        return ""


def adjustment_record_url(adjustment: Adjustment) -> str:
    if not adjustment.record_type or adjustment.record_id is None:
        return ""
    from shouwang.core import registry

    try:
        rt = registry.get(adjustment.record_type)
    except KeyError:
        return ""
    return record_url(rt.model._meta.label_lower, adjustment.record_id)


def line_records(line: ScoreLine, user: Any) -> list[dict[str, Any]]:
    """The records behind a line the user may see: [{"id", "label", "url", "counted"}]."""
    from django.apps import apps

    record_type = (line.records or {}).get("type")
    if not record_type:
        return []
    model = apps.get_model(record_type)
    counted = set(line.records.get("counted") or [])
    ids = sorted(counted | set(line.records.get("due") or []))
    manager: Any = model._default_manager
    visible = manager.visible_to(user) if hasattr(manager, "visible_to") else manager.all()
    found = {obj.pk: obj for obj in visible.filter(pk__in=ids)}
    out = []
    for pk in ids:
        obj = found.get(pk)
        out.append(
            {
                "id": pk,
                "label": str(obj) if obj is not None else _("(not visible or deleted)"),
                "url": record_url(record_type, pk) if obj is not None else "",
                "counted": pk in counted,
            }
        )
    return out
