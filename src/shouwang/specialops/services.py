"""Special-operation services: the record pages' writes, the workflow (planned → active →
ended, planned/active → cancelled), the duty rules an operation adds to rostering, the daily
figures and the summary.

Each action runs in one transaction and writes one audit event. An illegal status step raises
`RecordInvalid` on "status" and changes nothing.

The operation's duty rules (`sync_rules`) are rostering DutyRules valid for the operation's
period, recomputed whenever the operation, its zones, its level or its extra posts change, and
deleted when it is cancelled; ending an operation keeps them (its duties stay explained).
Rosters already drafted or published are not changed here: the operation page lists the
rosters that overlap the period, with the existing re-planning (minimal perturbation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.areas.models import Post
from shouwang.core import records
from shouwang.core.models import Jurisdiction
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import get_for
from shouwang.core.workflow import StateMachine, action_codes
from shouwang.rostering.models import DutyRule, Roster
from shouwang.specialops.forms import DailyFigureForm, OperationPostForm, SpecialOperationForm
from shouwang.specialops.models import (
    FIGURE_FIELDS,
    RULE_PRIORITY,
    DailyFigure,
    OperationPost,
    OperationRule,
    OperationStatus,
    OperationTransition,
    SpecialOperation,
)

S = OperationStatus

#: The declared workflow: verb → (statuses it may start from, status it leads to).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "started": (frozenset({S.PLANNED}), S.ACTIVE),
    "ended": (frozenset({S.ACTIVE}), S.ENDED),
    "cancelled": (frozenset({S.PLANNED, S.ACTIVE}), S.CANCELLED),
}

_LABELS: dict[str, Any] = {
    "started": gettext_lazy("Special operation started"),
    "ended": gettext_lazy("Special operation ended"),
    "cancelled": gettext_lazy("Special operation cancelled"),
}
code = action_codes("specialops.specialoperation", _LABELS)

WORKFLOW = StateMachine(
    TRANSITIONS,
    OperationStatus,
    gettext_lazy("An operation that is “%(status)s” cannot be moved to “%(target)s”."),
    code,
    OperationTransition,
)


def may_change(user: Any, op: SpecialOperation) -> bool:
    """Change access to the operation and to its own jurisdiction (a township's office may
    report on a county's operation but not steer it)."""
    if not SpecialOperation.objects.visible_to(user, "change").filter(pk=op.pk).exists():
        return False
    places = Jurisdiction.objects.visible_to(user, "view")
    return bool(places.filter(pk=op.jurisdiction_id).exists())


def _lock(op: SpecialOperation, actor: Any) -> SpecialOperation:
    """The row, locked, if the actor may see it (404 alike for missing and out of scope)."""
    get_for(SpecialOperation, actor, op.pk)
    return SpecialOperation.objects.select_for_update().get(pk=op.pk)  # type: ignore[no-any-return]


# -- the duty rules of an operation --------------------------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    """What one added duty rule must say."""

    post: Post
    start_time: dt.time
    duration_minutes: int | None
    head_count: int
    role_minimums: dict[str, int]
    note: str


def _shifted(start: dt.time, minutes: int) -> dt.time:
    total = (start.hour * 60 + start.minute + minutes) % (24 * 60)
    return dt.time(total // 60, total % 60)


def wanted_rules(op: SpecialOperation) -> dict[str, RuleSpec]:
    """key → rule the operation needs: each extra post daily in its window; at level II/I,
    `extra_rounds` more rounds a day on every post (with a team) of its zones, spread evenly
    over the day after the post's own start, with the head count of the post's usual rules."""
    specs: dict[str, RuleSpec] = {}
    note = _("Special operation: %(name)s") % {"name": op.name}
    extra_posts = list(op.extra_posts.select_related("post"))
    for extra in extra_posts:
        specs[f"post-{extra.pk}"] = RuleSpec(
            post=extra.post,
            start_time=extra.start_time or extra.post.start_time,
            duration_minutes=extra.duration_minutes,
            head_count=extra.head_count,
            role_minimums=dict(extra.role_minimums or {}),
            note=note,
        )
    rounds = op.extra_rounds
    if rounds:
        own = {e.post_id for e in extra_posts}
        posts = (
            Post.objects.filter(zone__in=op.zones.all(), team__isnull=False)
            .exclude(pk__in=own)
            .order_by("pk")
        )
        for post in posts:
            usual = DutyRule.objects.filter(post=post, active=True, operation_link__isnull=True)
            head = max([r.head_count for r in usual] or [1])
            step = 24 * 60 // (rounds + 1)
            for n in range(1, rounds + 1):
                specs[f"round-{post.pk}-{n}"] = RuleSpec(
                    post=post,
                    start_time=_shifted(post.start_time, n * step),
                    duration_minutes=None,
                    head_count=head,
                    role_minimums={},
                    note=note,
                )
    return specs


def sync_rules(op: SpecialOperation, *, remove_all: bool = False) -> dict[str, list[int]]:
    """Create, update and delete the operation's duty rules so they match `wanted_rules`
    (none when it is cancelled or `remove_all`). Runs inside the caller's transaction (no
    audit event of its own: the rules follow the audited change of the operation); returns
    the rule pks by "created", "updated" and "deleted"."""
    wanted = {} if remove_all or op.status == S.CANCELLED else wanted_rules(op)
    links = {link.key: link for link in op.rule_links.select_related("rule")}
    out: dict[str, list[int]] = {"created": [], "updated": [], "deleted": []}
    for key, link in links.items():
        if key not in wanted:
            out["deleted"].append(link.rule_id)
            link.rule.delete()  # the link goes with it (cascade)
    for key, spec in wanted.items():
        values = {
            "post": spec.post,
            "jurisdiction": spec.post.jurisdiction,
            "recurrence": "daily",
            "start_time": spec.start_time,
            "duration_minutes": spec.duration_minutes,
            "head_count": spec.head_count,
            "role_minimums": spec.role_minimums,
            "priority": RULE_PRIORITY,
            "active": True,
            "valid_from": op.start_date,
            "valid_until": op.end_date,
            "note": spec.note,
        }
        found = links.get(key)
        if found is None:
            rule = DutyRule(**values)
            rule.full_clean()
            rule.save()
            OperationRule.objects.create(operation=op, rule=rule, key=key)
            out["created"].append(rule.pk)
            continue
        rule = found.rule
        if any(getattr(rule, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(rule, name, value)
            rule.full_clean()
            rule.save()
            out["updated"].append(rule.pk)
    return out


# -- record pages --------------------------------------------------------------------------------


def _first_step(instance: SpecialOperation, form: Any) -> None:
    if instance.pk is None:
        instance.status = S.PLANNED


def create_operation(*, actor: Any, data: Mapping[str, Any]) -> SpecialOperation:
    """Plan an operation (status planned); its duty rules are added at once, so the rosters of
    its period can include them."""
    with transaction.atomic():
        op: SpecialOperation = records.create_record(
            SpecialOperationForm, actor=actor, data=data, before_save=_first_step
        )
        OperationTransition.objects.create(
            operation=op,
            from_status="",
            to_status=op.status,
            actor=actor if getattr(actor, "pk", None) else None,
        )
        sync_rules(op)
    return op


def update_operation(
    op: SpecialOperation, *, actor: Any, data: Mapping[str, Any]
) -> SpecialOperation:
    """Correct an operation (period, zones, level …); its duty rules follow."""
    with transaction.atomic():
        get_for(SpecialOperation, actor, op.pk, "change")
        if not may_change(actor, op):
            raise PermissionDenied
        updated = records.update_record(SpecialOperationForm, op, actor=actor, data=data)
        sync_rules(updated)
    return updated


def delete_operation(op: SpecialOperation, *, actor: Any) -> None:
    """Delete an operation with its duty rules (only one without figures)."""
    with transaction.atomic():
        locked = get_for(SpecialOperation, actor, op.pk, "delete")
        if locked.figures.exists():
            raise RecordInvalid(
                {records.NON_FIELD: [_("This operation has daily figures; cancel it instead.")]}
            )
        for link in locked.rule_links.select_related("rule"):
            link.rule.delete()
        records.delete_record(locked, actor=actor)


def _post_op(extra: OperationPost) -> SpecialOperation:
    return SpecialOperation.objects.get(pk=extra.operation_id)


def create_operation_post(*, actor: Any, data: Mapping[str, Any]) -> OperationPost:
    """Add an extra post to an operation; its duty rule is added for the period."""
    with transaction.atomic():
        extra: OperationPost = records.create_record(OperationPostForm, actor=actor, data=data)
        sync_rules(_post_op(extra))
    return extra


def update_operation_post(
    extra: OperationPost, *, actor: Any, data: Mapping[str, Any]
) -> OperationPost:
    """Change an extra post's window, head count or roles; its duty rule follows."""
    with transaction.atomic():
        old_op = extra.operation_id
        updated = records.update_record(OperationPostForm, extra, actor=actor, data=data)
        sync_rules(_post_op(updated))
        if updated.operation_id != old_op:
            sync_rules(SpecialOperation.objects.get(pk=old_op))
    return updated


def delete_operation_post(extra: OperationPost, *, actor: Any) -> None:
    """Remove an extra post; its duty rule is removed."""
    with transaction.atomic():
        op_pk = extra.operation_id
        records.delete_record(extra, actor=actor)
        sync_rules(SpecialOperation.objects.get(pk=op_pk))


# -- the workflow --------------------------------------------------------------------------------


def start_operation(op: SpecialOperation, *, actor: Any) -> SpecialOperation:
    """Planned → under way (not before its first day)."""
    with transaction.atomic():
        locked = _lock(op, actor)
        if locked.start_date > timezone.localdate() and locked.status == S.PLANNED:
            raise RecordInvalid(
                {"start_date": [_("An operation cannot start before its first day.")]}
            )
        WORKFLOW.step(locked, "started", actor=actor, permitted=may_change, change=lambda o: None)
    return locked


def end_operation(op: SpecialOperation, *, actor: Any) -> SpecialOperation:
    """Under way → ended (its duty rules stay: they end with the period anyway)."""
    with transaction.atomic():
        locked = _lock(op, actor)
        WORKFLOW.step(locked, "ended", actor=actor, permitted=may_change, change=lambda o: None)
    return locked


def cancel_operation(op: SpecialOperation, *, actor: Any, reason: str) -> SpecialOperation:
    """Planned or under way → cancelled, with the reason; its duty rules are removed (named
    in the audit event)."""
    reason = (reason or "").strip()
    if not reason:
        raise RecordInvalid({"reason": [_("Give the reason.")]})

    def change(o: SpecialOperation) -> None:
        o.cancel_reason = reason

    with transaction.atomic():
        locked = _lock(op, actor)
        WORKFLOW.check(locked, "cancelled")
        if not may_change(actor, locked):
            raise PermissionDenied
        removed = sync_rules(locked, remove_all=True)
        WORKFLOW.step(
            locked,
            "cancelled",
            actor=actor,
            permitted=may_change,
            change=change,
            reason=reason,
            extra={"duty_rules_removed": removed["deleted"]},
        )
    return locked


# -- daily figures -------------------------------------------------------------------------------


def _existing_figure(data: Mapping[str, Any]) -> DailyFigure | None:
    try:
        return DailyFigure.objects.filter(
            operation_id=int(str(data.get("operation"))),
            date=dt.date.fromisoformat(str(data.get("date"))),
            township_id=int(str(data.get("township"))),
        ).first()
    except (TypeError, ValueError):
        return None


def record_daily_figures(*, actor: Any, data: Mapping[str, Any]) -> DailyFigure:
    """Enter one township's figures of one day; a day already entered is replaced (audited as
    a change with the old and the new figures)."""
    with transaction.atomic():
        existing = _existing_figure(data)
        if existing is not None:
            get_for(DailyFigure, actor, existing.pk, "change")
            return records.update_record(
                DailyFigureForm, existing, actor=actor, data=data, partial=False
            )
        return records.create_record(DailyFigureForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_daily_figures(
    figure: DailyFigure, *, actor: Any, data: Mapping[str, Any]
) -> DailyFigure:
    """Correct a day's figures."""
    return records.update_record(DailyFigureForm, figure, actor=actor, data=data)


def delete_daily_figures(figure: DailyFigure, *, actor: Any) -> None:
    records.delete_record(figure, actor=actor)


# -- the summary ---------------------------------------------------------------------------------


@dataclass
class DayRow:
    """The figures of one day (all reporting townships added up)."""

    date: dt.date
    townships: list[str] = field(default_factory=list)
    values: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "townships": self.townships, **self.values}


@dataclass
class Summary:
    """Totals, per-day rows and the days still without figures, per township."""

    operation: SpecialOperation
    totals: dict[str, int]
    days: list[DayRow]
    missing: dict[str, list[dt.date]]
    reported_days: int

    def as_dict(self) -> dict[str, Any]:
        op = self.operation
        return {
            "id": op.pk,
            "name": op.name,
            "kind": op.kind,
            "status": op.status,
            "level": op.level,
            "start_date": op.start_date.isoformat(),
            "end_date": op.end_date.isoformat(),
            "summary": op.summary,
            "totals": self.totals,
            "days": [row.as_dict() for row in self.days],
            "days_reported": self.reported_days,
            "missing": {name: [d.isoformat() for d in days] for name, days in self.missing.items()},
        }


def summary(op: SpecialOperation, *, user: Any = None, today: dt.date | None = None) -> Summary:
    """Totals and the per-day table of the figures the user may see; for each township of the
    operation, the days of the period up to today without figures."""
    today = today or timezone.localdate()
    qs = DailyFigure.objects.visible_to(user) if user is not None else DailyFigure.objects.all()
    figures = list(qs.filter(operation=op).select_related("township").order_by("date", "pk"))
    totals = dict.fromkeys(FIGURE_FIELDS, 0)
    rows: dict[dt.date, DayRow] = {}
    for fig in figures:
        row = rows.setdefault(fig.date, DayRow(fig.date, values=dict.fromkeys(FIGURE_FIELDS, 0)))
        row.townships.append(fig.township.name)
        for name in FIGURE_FIELDS:
            value = int(getattr(fig, name))
            row.values[name] += value
            totals[name] += value
    seen = {(fig.township_id, fig.date) for fig in figures}
    missing: dict[str, list[dt.date]] = {}
    days = op.reported_days(today) if op.status != S.CANCELLED else []
    for township in op.townships.order_by("path"):
        gaps = [d for d in days if (township.pk, d) not in seen]
        if gaps:
            missing[township.name] = gaps
    return Summary(
        operation=op,
        totals=totals,
        days=[rows[d] for d in sorted(rows)],
        missing=missing,
        reported_days=len(rows),
    )


# -- rosters the operation touches ---------------------------------------------------------------


def overlapping_rosters(op: SpecialOperation, user: Any) -> list[Roster]:
    """Rosters (any status) of the teams staffing the operation's rules whose month overlaps
    the period; those drafted or published before the rules changed need planning again."""
    teams = set(
        DutyRule.objects.filter(operation_link__operation=op).values_list("post__team", flat=True)
    )
    first = op.start_date.replace(day=1)
    return list(
        Roster.objects.visible_to(user)
        .filter(team__in=[t for t in teams if t], month__gte=first, month__lte=op.end_date)
        .select_related("team")
        .order_by("month", "team__name")
    )
