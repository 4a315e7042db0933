"""The monthly report's figures, from reports/indicators.py: the key figures (this month against
the previous month) and the rows of the screening-and-rectification return (排查整治情况表),
one per child of the place (the villages of a township), in a fixed number of grouped queries.

Definitions are the indicators' (docs/dashboards.md): disputes are the files registered in the
month (screened; resolved = outcome resolved; in mediation = still registered or mediating),
hazards the ones found in the month, rejected reports left out (rectified = closed; overdue =
past the deadline and not finished). Visits to people of concern: due = Σ days on the register
in the month (up to today) ÷ the level's visit cadence, rounded; done = visits recorded in the
month. Only counts leave this module: never a person.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from shouwang.core.models import Jurisdiction
from shouwang.reports import indicators
from shouwang.reports.monthly import KeyFigure, ReturnRow, month_start

#: The key figures of the report, in this order (those the indicators leave out are skipped).
KEY_FIGURES = (
    "patrols",
    "turnouts",
    "duties_planned",
    "duties_covered",
    "attendance_rate",
    "hazards_found",
    "hazards_closed",
    "hazards_overdue",
    "rectification_rate",
    "disputes_screened",
    "disputes_resolved",
    "mediation_rate",
    "visit_rate_red",
    "visit_rate_yellow",
    "visit_rate_blue",
    "trainings_held",
    "drills_held",
)

#: Label of the row for records attached to the place itself rather than to a child.
OWN_LEVEL = "（本级）"


def period_of(month: dt.date) -> indicators.Period:
    month = month_start(month)
    return indicators.Period.month(month.year, month.month)


def key_figures(result: indicators.Indicators) -> list[KeyFigure]:
    out = []
    for key in KEY_FIGURES:
        fig = result.figures.get(key)
        if fig is None:
            continue
        out.append(
            KeyFigure(label=str(fig.label), current=fig.value, previous=fig.previous, unit=fig.unit)
        )
    return out


def _visits(
    place: Jurisdiction, period: indicators.Period, prefix_of: Any, user: Any, today: dt.date
) -> dict[str, tuple[float, int]]:
    """prefix → (visits due, visits done) in the period; {} when the user may not see them."""
    from shouwang.concerns.models import PersonOfConcern, Visit
    from shouwang.core.scoping import can

    if user is not None and not can(user, PersonOfConcern, "view"):
        return {}
    people = (
        indicators._scoped(PersonOfConcern, user)
        .filter(jurisdiction__path__startswith=place.path, registered_on__lte=period.end)
        .filter(Q(off_register_on__isnull=True) | Q(off_register_on__gte=period.start))
        .values_list("attention_level", "jurisdiction__path", "registered_on", "off_register_on")
    )
    cadence = indicators._cadences(place)
    due: dict[str, float] = defaultdict(float)
    for level, path, registered_on, off_on in people:
        days = cadence(path, level)
        due[prefix_of(path)] += indicators.visits_due(registered_on, off_on, period, days, today)
    done: dict[str, int] = defaultdict(int)
    rows = (
        indicators._scoped(Visit, user)
        .filter(
            person__jurisdiction__path__startswith=place.path,
            visited_on__gte=period.start,
            visited_on__lte=period.end,
        )
        .values_list("person__jurisdiction__path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for path, n in rows:
        done[prefix_of(path)] += n
    return {p: (due.get(p, 0.0), done.get(p, 0)) for p in set(due) | set(done)}


def return_rows(
    place: Jurisdiction,
    period: indicators.Period,
    result: indicators.Indicators,
    *,
    user: Any = None,
    today: dt.date | None = None,
) -> list[ReturnRow]:
    """One row per child of `place` (compute's drill-down rows) plus, when records are attached
    to the place itself, a row for them — so the totals equal the place's figures."""
    from shouwang.disputes.models import OPEN_STATUSES

    today = today or timezone.localdate()
    periods = (period, period.previous())
    disputes = indicators._grouped(
        "dispute",
        place,
        periods,
        {
            "screened": Q(),
            "resolved": indicators._resolved_q(),
            "mediating": Q(status__in=[str(s) for s in OPEN_STATUSES]),
        },
        user=user,
    )
    hazards = indicators._grouped(
        "hazard",
        place,
        periods,
        {"found": Q(), "closed": Q(status="closed"), "overdue": indicators._overdue_q(today)},
        user=user,
    )
    n = len(place.path)

    def prefix_of(path: str) -> str:
        rest = path[n:]
        return path[: n + rest.find("/") + 1] if rest else path

    visits = _visits(place, period, prefix_of, user, today)

    def row(name: str, prefix: str, figures: dict[str, Any] | None = None) -> ReturnRow:
        d = disputes.get(prefix, {})
        h = hazards.get(prefix, {})
        figures = figures or {}

        def count(table: dict[str, tuple[int, int]], key: str, figure: str = "") -> int:
            fig = figures.get(figure) if figure else None
            if fig is not None and fig.value is not None:
                return int(fig.value)
            return int(table.get(key, (0, 0))[0])

        due, done = visits.get(prefix, (0.0, 0))
        return ReturnRow(
            name=name,
            disputes_screened=count(d, "screened", "disputes_screened"),
            disputes_resolved=count(d, "resolved"),
            disputes_mediating=count(d, "mediating"),
            hazards_found=count(h, "found", "hazards_found"),
            hazards_rectified=count(h, "closed"),
            hazards_overdue=count(h, "overdue", "hazards_overdue"),
            visits_due=round(due),
            visits_done=done,
        )

    rows = [row(c.jurisdiction.name, c.jurisdiction.path, c.figures) for c in result.children]
    own = row(OWN_LEVEL, place.path)
    if any(own.cells()):
        rows.append(own)
    return rows


def figures(
    place: Jurisdiction, month: dt.date, user: Any = None
) -> tuple[list[KeyFigure], list[ReturnRow]]:
    """The key figures and the return's rows of `place` for the month."""
    period = period_of(month)
    result = indicators.compute(place, period, user=user, children=True)
    return key_figures(result), return_rows(place, period, result, user=user)
