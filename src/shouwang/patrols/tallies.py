"""Tallies kept beside the facts for the dashboards: per duty and per patrol log.

The county dashboard (reports.indicators) counts two months of a whole county's duties and
logs. Deriving "covered" and "attended" from the logs and attendance rows each time costs an
index probe per rostered member-duty (≈430,000 for a county's two months, seconds); these
columns hold the same derived values, so the dashboard reads one row per duty and per log:

- ``Duty.covered``: at least one log of the duty is handed in (submitted or confirmed);
- ``Duty.assigned_count``: members rostered on the duty (its DutyAssignment rows);
- ``Duty.attended_count``: of those, members present or late on a handed-in log of the duty;
- ``PatrolLog.turnouts``: the log's attendance rows present, late or substitute (出动人次).

They are derived, never entered: each service that changes a log's status, duty or attendance,
or a duty's assignments, calls `refresh_duties` / `refresh_logs` in its own transaction.
`stale()` lists rows whose stored tallies differ from the facts (tests, `shouwang tallies`);
`rebuild()` recomputes them all (the migration that added them, the benchmark generator,
`shouwang tallies --rebuild`).

Functions take an app registry so the migration can run them on its historical models.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps as django_apps
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

#: Log states that count as handed in (patrols.attendance.HANDED_IN, as plain values).
HANDED_IN = ("submitted", "confirmed")
#: Attendance that counts as a turnout (出动人次) on a log.
TURNOUT_STATUSES = ("present", "late", "substitute")
#: Attendance that counts a rostered member as on post.
ATTENDED_STATUSES = ("present", "late")


def _models(registry: Any) -> tuple[Any, Any, Any, Any]:
    return (
        registry.get_model("rostering", "Duty"),
        registry.get_model("rostering", "DutyAssignment"),
        registry.get_model("patrols", "PatrolLog"),
        registry.get_model("patrols", "LogAttendance"),
    )


def _count(qs: Any) -> Coalesce:
    """COUNT(*) of a correlated queryset as a scalar subquery, 0 when it has no rows."""
    # Func, not Count: an aggregate would make Django add a GROUP BY to the subquery.
    counted = qs.order_by().annotate(_n=Func(F("pk"), function="COUNT")).values("_n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def duty_tallies(registry: Any = django_apps) -> dict[str, Any]:
    """The tallies of a duty as expressions over its facts (for UPDATE and for checks)."""
    _duty, assignment, log, attendance = _models(registry)
    on_post = attendance.objects.filter(
        log__duty=OuterRef("duty"),
        log__status__in=HANDED_IN,
        member=OuterRef("member"),
        status__in=ATTENDED_STATUSES,
    )
    return {
        "covered": Exists(log.objects.filter(duty=OuterRef("pk"), status__in=HANDED_IN)),
        "assigned_count": _count(assignment.objects.filter(duty=OuterRef("pk"))),
        "attended_count": _count(assignment.objects.filter(Exists(on_post), duty=OuterRef("pk"))),
    }


def log_tallies(registry: Any = django_apps) -> dict[str, Any]:
    """The tallies of a patrol log as expressions over its attendance rows."""
    _duty, _assignment, _log, attendance = _models(registry)
    turnouts = attendance.objects.filter(log=OuterRef("pk"), status__in=TURNOUT_STATUSES)
    return {"turnouts": _count(turnouts)}


def refresh_duties(duty_ids: Iterable[int | None]) -> None:
    """Recompute the tallies of these duties (call inside the transaction that changed them).

    The rows are locked first, so of two transactions changing one duty's logs the second
    computes after the first has committed (READ COMMITTED: its UPDATE takes a new snapshot)."""
    duty, *_ = _models(django_apps)
    ids = sorted({i for i in duty_ids if i is not None})
    if not ids:
        return
    list(duty.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    duty.objects.filter(pk__in=ids).update(**duty_tallies())


def refresh_roster_duties(roster_id: int) -> None:
    """Recompute the tallies of every duty of a roster (after planning or re-planning it)."""
    duty, *_ = _models(django_apps)
    refresh_duties(duty.objects.filter(roster_id=roster_id).values_list("pk", flat=True))


def refresh_logs(log_ids: Iterable[int | None]) -> None:
    """Recompute the tallies of these patrol logs (the caller holds their rows locked)."""
    _duty, _assignment, log, _attendance = _models(django_apps)
    ids = sorted({i for i in log_ids if i is not None})
    if ids:
        log.objects.filter(pk__in=ids).update(**log_tallies())


@dataclass(frozen=True)
class Stale:
    """Rows whose stored tallies differ from the facts (ids, at most `limit` of each)."""

    duties: list[int]
    logs: list[int]

    def __bool__(self) -> bool:
        return bool(self.duties or self.logs)


def stale(registry: Any = django_apps, *, limit: int = 100) -> Stale:
    """The duties and logs whose stored tallies are not what the facts say."""
    duty, _assignment, log, _attendance = _models(registry)

    def differing(model: Any, tallies: dict[str, Any]) -> list[int]:
        fresh = {f"_fresh_{name}": expr for name, expr in tallies.items()}
        differs = Q()
        for name in tallies:
            differs |= ~Q(**{name: F(f"_fresh_{name}")})
        rows = model.objects.annotate(**fresh).filter(differs).order_by("pk")
        return list(rows.values_list("pk", flat=True)[:limit])

    return Stale(
        duties=differing(duty, duty_tallies(registry)),
        logs=differing(log, log_tallies(registry)),
    )


def rebuild(registry: Any = django_apps) -> tuple[int, int]:
    """Recompute every tally; returns (duties, logs) updated."""
    duty, _assignment, log, _attendance = _models(registry)
    duties = duty.objects.update(**duty_tallies(registry))
    logs = log.objects.update(**log_tallies(registry))
    return duties, logs
