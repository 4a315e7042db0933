"""Indicators of a jurisdiction and a period (issue 6 §3): outcomes only, never app activity.

`compute(place, period)` returns the figures of `place` (its whole subtree) for `period`, each
with the previous period's value, and the same main figures for each direct child (county →
townships → villages → grids) for the drill-down. Definitions (docs/dashboards.md):

patrols (patrols.PatrolLog, started in the period, local days; only logs handed in —
    submitted or confirmed — count, as in the patrol ledger and the attendance figures)
    - ``patrols``: logs handed in;
    - ``turnouts`` (出动人次): attendance rows present, late or substitute on those logs.
duties (rostering.Duty of binding rosters — published or amended — dated in the period and
    ended by now: a duty still to come is not counted yet)
    - ``duties_planned``; ``duties_covered``: with at least one log handed in (as
      patrols.attendance ``carried_out``);
    - ``attendance_rate`` (到岗率): rostered member-duties where the member was present or
      late on a handed-in log of the duty ÷ rostered member-duties (DutyAssignment), in %.
hazards (hazards.Hazard found in the period, rejected reports left out: a cohort, like the
    dispute figures; closed/overdue say where that cohort stands today)
    - ``hazards_found``, ``hazards_closed``, ``hazards_overdue`` (``Hazard.objects.overdue()``),
      ``rectification_rate`` (整改率 = closed ÷ found, %).
disputes (disputes.services.cohort: files registered in the period)
    - ``disputes_screened``, ``disputes_resolved`` (outcome resolved), ``mediation_rate``
      (resolved ÷ screened, %, as disputes.services.Figures).
concerns (people of concern; explicit-only records: without a concerns grant these are None)
    - ``visit_rate_red`` / ``_yellow`` / ``_blue`` (走访率 = visits ÷ visits due): per person on
      the register, visits due = days on the register in the period (up to today) ÷ the level's
      cadence (VisitPolicy, else the defaults); visits made count up to that number (extra visits
      to one person do not make up for another); current attention level.
governance (governance.Training with status held, starting in the period)
    - ``trainings_held``, ``drills_held``.
railway (railway.status): the 九无 table of the railway villages, 四杜绝 lines, 四下降 against
    the previous period.

Turnouts, coverage and attendance are read from the tallies each log and duty carries
(patrols.tallies: ``PatrolLog.turnouts``, ``Duty.covered``, ``assigned_count``,
``attended_count``), kept in step with the facts by the services that change them.

Each family is one grouped aggregate query for the place and all its children together,
grouped by the child's materialised-path prefix (plus one for people/visits), with the
current and the previous period as conditional aggregates of the same query.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.models import Jurisdiction
from shouwang.core.periods import (
    day_bounds,
    month_bounds,
    previous_period,
    quarter_bounds,
    whole_months,
)
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import can, user_grants
from shouwang.patrols import tallies

#: The period kinds of the dashboard's period form.
PERIOD_KINDS = ("month", "quarter", "year", "custom")

# -- periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole local days from `start` to `end`, both included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise RecordInvalid({"end": [_("The end is before the start.")]})

    # constructors

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(*month_bounds(dt.date(year, month, 1)))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        return cls(*quarter_bounds(year, quarter))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def last_full_month(cls, today: dt.date | None = None) -> Period:
        today = today or timezone.localdate()
        last = today.replace(day=1) - dt.timedelta(days=1)
        return cls.month(last.year, last.month)

    @classmethod
    def parse(cls, params: Mapping[str, Any], today: dt.date | None = None) -> Period:
        """From request parameters. ``period`` (month|quarter|year|custom) says which of
        ``month`` (YYYY-MM), ``quarter`` (YYYY-Qn), ``year`` (YYYY) or ``start``+``end``
        (YYYY-MM-DD) to read; without it the first of start/end, month, quarter, year given
        counts; nothing → the last full month. Bad values are refused with a field error
        (RecordInvalid)."""
        kind = str(params.get("period") or "").strip()
        if kind not in PERIOD_KINDS:
            kind = ""
        if kind == "custom" or (not kind and (params.get("start") or params.get("end"))):
            return cls(_day(params.get("start"), "start"), _day(params.get("end"), "end"))
        if kind == "month" or (not kind and params.get("month")):
            text = str(params.get("month") or "").strip()
            try:
                y, m = (int(p) for p in text.split("-")[:2])
                return cls.month(y, m)
            except (ValueError, TypeError):
                raise RecordInvalid(
                    {"month": [_("Give a month as YYYY-MM, e.g. 2026-11.")]}
                ) from None
        if kind == "quarter" or (not kind and params.get("quarter")):
            text = str(params.get("quarter") or "").strip().upper()
            try:
                y_text, q_text = text.split("-Q")
                q = int(q_text)
                if not 1 <= q <= 4:
                    raise ValueError(q)
                return cls.quarter(int(y_text), q)
            except ValueError:
                raise RecordInvalid(
                    {"quarter": [_("Give a quarter as YYYY-Qn, e.g. 2026-Q4.")]}
                ) from None
        if kind == "year" or (not kind and params.get("year")):
            try:
                year = int(str(params.get("year") or "").strip())
                if not 1900 <= year <= 9999:
                    raise ValueError(year)
                return cls.year(year)
            except ValueError:
                raise RecordInvalid({"year": [_("Give a year as YYYY, e.g. 2026.")]}) from None
        return cls.last_full_month(today)

    # shape

    @property
    def is_month(self) -> bool:
        return (
            self.start.day == 1 and self.end == Period.month(self.start.year, self.start.month).end
        )

    @property
    def months(self) -> int | None:
        """The number of whole calendar months, or None when the period is not whole months."""
        return whole_months(self.start, self.end)

    @property
    def kind(self) -> str:
        """ "month", "quarter", "year" or "custom" (for the period form)."""
        months = self.months
        if months == 1:
            return "month"
        if months == 3 and self.start.month in (1, 4, 7, 10):
            return "quarter"
        if months == 12 and self.start.month == 1:
            return "year"
        return "custom"

    @property
    def label(self) -> str:
        kind = self.kind
        if kind == "month":
            return f"{self.start:%Y-%m}"
        if kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if kind == "year":
            return str(self.start.year)
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period just before: the previous calendar month(s) when the period is whole
        months (a month → the previous month, a quarter → the previous quarter), otherwise the
        same number of days immediately before."""
        return Period(*previous_period(self.start, self.end))

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Aware [from, to) datetimes of the whole local days."""
        return day_bounds(self.start, self.end)

    def query(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def _day(value: Any, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise RecordInvalid({name: [_("Give a date as YYYY-MM-DD.")]}) from None


# -- results ------------------------------------------------------------------------------------


Number = int | float


@dataclass
class Figure:
    """One figure: its value in the period, the previous period's value and the link to the
    records behind it."""

    key: str
    label: str
    value: Number | None
    unit: str
    link: str | None
    previous: Number | None = None

    @property
    def change(self) -> Number | None:
        """Value minus previous (percentage points for rates); None when either is missing."""
        if self.value is None or self.previous is None:
            return None
        diff = self.value - self.previous
        return round(diff, 2) if isinstance(diff, float) else diff

    @property
    def is_rate(self) -> bool:
        return self.unit == "%"

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": str(self.label),
            "value": self.value,
            "previous": self.previous,
            "change": self.change,
            "unit": self.unit,
            "link": self.link,
        }


@dataclass
class ChildRow:
    """A direct child of the place (a township of a county, a village of a township…) with its
    main figures, for the drill-down table."""

    jurisdiction: Jurisdiction
    figures: dict[str, Figure]


@dataclass
class Indicators:
    """All figures of one place and period."""

    jurisdiction: Jurisdiction
    period: Period
    previous_period: Period
    figures: dict[str, Figure]
    #: railway.status.VillageNineNo rows (the 九无 table), [] without railway villages.
    nine_no: list[Any] = field(default_factory=list)
    #: railway.status.TargetCount lines (四杜绝).
    four_never: list[Any] = field(default_factory=list)
    #: railway.status.DeclineFigure lines (四下降, against the previous period).
    four_decline: list[Any] = field(default_factory=list)
    children: list[ChildRow] = field(default_factory=list)
    #: Records attached to the place itself (a township's own team and posts): they count in
    #: the place's figures but in no child's row.
    has_direct_records: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API and the charts (the same numbers as the page)."""
        return {
            "jurisdiction": _place_dict(self.jurisdiction),
            "period": _period_dict(self.period),
            "previous_period": _period_dict(self.previous_period),
            "figures": [f.as_dict() for f in self.figures.values()],
            "children": [
                {
                    "jurisdiction": _place_dict(c.jurisdiction),
                    "figures": [f.as_dict() for f in c.figures.values()],
                }
                for c in self.children
            ],
            "nine_no": [
                {
                    "village": _place_dict(v.village),
                    "clear": v.clear,
                    "link": v.url,
                    "targets": [
                        {"key": t.key, "label": t.label, "count": t.count, "link": t.url}
                        for t in v.targets
                    ],
                }
                for v in self.nine_no
            ],
            "four_never": [
                {"key": t.key, "label": t.label, "count": t.count, "clear": t.clear, "link": t.url}
                for t in self.four_never
            ],
            "four_decline": [
                {
                    "key": d.key,
                    "label": d.label,
                    "value": d.current,
                    "previous": d.previous,
                    "change": d.change,
                    "declined": d.declined,
                    "link": d.url,
                    "previous_link": d.previous_url,
                }
                for d in self.four_decline
            ],
        }

    def families(self) -> list[tuple[str, Any, list[Figure]]]:
        """(family key, label, figures) in display order, only figures that are present."""
        out = []
        for key, label, keys in FAMILIES:
            figs = [self.figures[k] for k in keys if k in self.figures]
            if figs:
                out.append((key, label, figs))
        return out


def _place_dict(place: Jurisdiction) -> dict[str, Any]:
    return {"id": place.pk, "name": place.name, "level": place.level}


def _period_dict(period: Period) -> dict[str, Any]:
    return {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label}


# -- who may see which place ----------------------------------------------------------------------

#: The permission key of the dashboard and reports (roles grant "reports.*").
REPORTS_KEY = "reports.dashboard"


def report_grants(user: Any) -> list[Any] | None:
    """The user's grants that allow reports; None means everywhere (superuser, global role)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    grants = [g for g in user_grants(user) if g.role.allows(REPORTS_KEY, "view")]
    if any(g.role.is_global for g in grants):
        return None
    return grants


def may_view_reports(user: Any) -> bool:
    grants = report_grants(user)
    return grants is None or bool(grants)


def report_places(user: Any) -> QuerySet[Jurisdiction]:
    """The jurisdictions whose figures the user may see: the subtrees of their report grants."""
    grants = report_grants(user)
    qs = Jurisdiction.objects.all()
    if grants is None:
        return qs
    if not grants:
        return qs.none()
    condition = Q()
    for grant in grants:
        condition |= Q(path__startswith=grant.jurisdiction.path)
    return qs.filter(condition)


def report_place(user: Any, value: Any) -> Jurisdiction:
    """The place asked for (404 alike when missing or outside the user's grants), else the
    user's own jurisdiction (the top of their grants)."""
    qs = report_places(user)
    if value in (None, ""):
        place = qs.order_by("path").first()
        if place is None:
            raise PermissionDenied
        return place
    try:
        return qs.get(pk=int(value))
    except (Jurisdiction.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("not found") from exc


# -- figure catalogue -----------------------------------------------------------------------------

FIGURE_LABELS: dict[str, tuple[Any, str]] = {
    "patrols": (gettext_lazy("Patrols carried out"), ""),
    "turnouts": (gettext_lazy("Patrol turnouts (person-times)"), ""),
    "duties_planned": (gettext_lazy("Duties planned"), ""),
    "duties_covered": (gettext_lazy("Duties covered"), ""),
    "attendance_rate": (gettext_lazy("Attendance rate"), "%"),
    "hazards_found": (gettext_lazy("Hazards found"), ""),
    "hazards_closed": (gettext_lazy("Hazards closed"), ""),
    "hazards_overdue": (gettext_lazy("Hazards overdue"), ""),
    "rectification_rate": (gettext_lazy("Rectification rate"), "%"),
    "disputes_screened": (gettext_lazy("Disputes screened"), ""),
    "disputes_resolved": (gettext_lazy("Disputes resolved"), ""),
    "mediation_rate": (gettext_lazy("Mediation rate"), "%"),
    "visit_rate_red": (gettext_lazy("Visit rate, red level"), "%"),
    "visit_rate_yellow": (gettext_lazy("Visit rate, yellow level"), "%"),
    "visit_rate_blue": (gettext_lazy("Visit rate, blue level"), "%"),
    "trainings_held": (gettext_lazy("Trainings held"), ""),
    "drills_held": (gettext_lazy("Drills held"), ""),
}

FAMILIES: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    ("patrols", gettext_lazy("Patrols"), ("patrols", "turnouts")),
    ("duties", gettext_lazy("Duties"), ("duties_planned", "duties_covered", "attendance_rate")),
    (
        "hazards",
        gettext_lazy("Hazards"),
        ("hazards_found", "hazards_closed", "hazards_overdue", "rectification_rate"),
    ),
    (
        "disputes",
        gettext_lazy("Disputes"),
        ("disputes_screened", "disputes_resolved", "mediation_rate"),
    ),
    (
        "concerns",
        gettext_lazy("People of concern"),
        ("visit_rate_red", "visit_rate_yellow", "visit_rate_blue"),
    ),
    ("governance", gettext_lazy("Trainings and drills"), ("trainings_held", "drills_held")),
)

#: The figures shown per child in the drill-down table.
CHILD_FIGURES: tuple[str, ...] = (
    "turnouts",
    "duties_planned",
    "duties_covered",
    "attendance_rate",
    "hazards_found",
    "hazards_overdue",
    "rectification_rate",
    "disputes_screened",
    "mediation_rate",
    "trainings_held",
    "drills_held",
)


def _rate(numerator: Number, denominator: Number) -> float | None:
    """A percentage to two places; None without a denominator."""
    if not denominator:
        return None
    return round(100.0 * numerator / denominator, 2)


# -- the records behind each figure ---------------------------------------------------------------
#
# One function per family returns the base queryset of the family's records for (place, period);
# the figure's records are that queryset narrowed by the figure's condition. `compute` groups the
# same querysets; `records` (the drill-through page) lists them — one definition for both.


def _scoped(model: Any, user: Any) -> QuerySet[Any]:
    if user is None:
        return model.objects.all()  # type: ignore[no-any-return]
    return model.objects.visible_to(user)  # type: ignore[no-any-return]


def _handed_in() -> tuple[str, ...]:
    from shouwang.patrols.attendance import HANDED_IN

    return tuple(str(s) for s in HANDED_IN)


def _binding() -> tuple[str, ...]:
    from shouwang.patrols.attendance import BINDING_STATES

    return tuple(str(s) for s in BINDING_STATES)


TURNOUT_STATUSES = tallies.TURNOUT_STATUSES
ATTENDED_STATUSES = tallies.ATTENDED_STATUSES


def _period_q(lookup: str, period: Period, kind: str) -> Q:
    if kind == "datetime":
        lo, hi = period.bounds()
        return Q(**{f"{lookup}__gte": lo, f"{lookup}__lt": hi})
    return Q(**{f"{lookup}__gte": period.start, f"{lookup}__lte": period.end})


@dataclass(frozen=True)
class Source:
    """Where a family's records live: model, path lookup, date lookup, base condition."""

    model_path: str
    path: str
    date: str
    date_kind: str  # "date" or "datetime"
    base: Callable[[], Q]

    @property
    def model(self) -> Any:
        from django.apps import apps

        return apps.get_model(self.model_path)


def _hazard_base() -> Q:
    return ~Q(status="rejected")


SOURCES: dict[str, Source] = {
    "patrollog": Source(
        "patrols.PatrolLog",
        "jurisdiction__path",
        "started_at",
        "datetime",
        lambda: Q(status__in=_handed_in()),
    ),
    "logattendance": Source(
        "patrols.LogAttendance",
        "log__jurisdiction__path",
        "log__started_at",
        "datetime",
        lambda: Q(log__status__in=_handed_in(), status__in=TURNOUT_STATUSES),
    ),
    # Duties that have ended by now: a duty still to come cannot have been covered yet.
    "duty": Source(
        "rostering.Duty",
        "roster__team__jurisdiction__path",
        "date",
        "date",
        lambda: Q(roster__status__in=_binding(), end__lte=timezone.now()),
    ),
    "dutyassignment": Source(
        "rostering.DutyAssignment",
        "duty__roster__team__jurisdiction__path",
        "duty__date",
        "date",
        lambda: Q(duty__roster__status__in=_binding(), duty__end__lte=timezone.now()),
    ),
    "hazard": Source("hazards.Hazard", "jurisdiction__path", "found_at", "datetime", _hazard_base),
    "dispute": Source("disputes.Dispute", "jurisdiction__path", "registered_on", "date", Q),
    "training": Source(
        "governance.Training",
        "jurisdiction__path",
        "starts_at",
        "datetime",
        lambda: Q(status="held"),
    ),
}


def _attended_exists() -> Exists:
    from shouwang.patrols.models import LogAttendance

    return Exists(
        LogAttendance.objects.filter(
            log__duty=OuterRef("duty"),
            log__status__in=_handed_in(),
            member=OuterRef("member"),
            status__in=ATTENDED_STATUSES,
        )
    )


def _overdue_q(today: dt.date) -> Q:
    from shouwang.hazards.models import FINISHED_STATUSES

    return Q(deadline__lt=today) & ~Q(status__in=[str(s) for s in FINISHED_STATUSES])


def _resolved_q() -> Q:
    from shouwang.disputes.models import DisputeStatus

    return Q(outcome=DisputeStatus.RESOLVED)


#: figure key → (source, narrowing condition on the source's records, annotations needed).
def _figure_sources(today: dt.date) -> dict[str, tuple[str, Q]]:
    return {
        "patrols": ("patrollog", Q()),
        "turnouts": ("logattendance", Q()),
        "duties_planned": ("duty", Q()),
        "duties_covered": ("duty", Q(covered=True)),
        "attendance_rate": ("dutyassignment", Q()),
        "hazards_found": ("hazard", Q()),
        "hazards_closed": ("hazard", Q(status="closed")),
        "hazards_overdue": ("hazard", _overdue_q(today)),
        # A rate lists its denominator (the status column shows the numerator).
        "rectification_rate": ("hazard", Q()),
        "disputes_screened": ("dispute", Q()),
        "disputes_resolved": ("dispute", _resolved_q()),
        "mediation_rate": ("dispute", _resolved_q()),
        "trainings_held": ("training", Q(kind="training")),
        "drills_held": ("training", Q(kind="drill")),
    }


#: Figures whose link lists records on the drill-through page.
RECORD_FIGURES = frozenset(
    {
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
        "trainings_held",
        "drills_held",
    }
)


def figure_source(key: str) -> str:
    """The source (SOURCES key) of a record figure."""
    return _figure_sources(dt.date(2000, 1, 1))[key][0]


def _annotated(source: str, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Rostered member-duties listed with whether the member was on post (``_attended``)."""
    if source == "dutyassignment":
        return qs.annotate(_attended=_attended_exists())
    return qs


def source_queryset(
    source: str, place: Jurisdiction, period: Period, *, user: Any = None
) -> QuerySet[Any]:
    """The family's records under `place` in `period` (in the user's scope when given)."""
    src = SOURCES[source]
    qs = _scoped(src.model, user).filter(
        Q(**{f"{src.path}__startswith": place.path}),
        src.base(),
        _period_q(src.date, period, src.date_kind),
    )
    return _annotated(source, qs)


def records(
    key: str,
    place: Jurisdiction,
    period: Period,
    *,
    user: Any = None,
    today: dt.date | None = None,
) -> QuerySet[Any]:
    """The records behind figure `key` (what its link lists). KeyError for an unknown key or a
    figure that is not a list of records (rates of people of concern)."""
    today = today or timezone.localdate()
    source, condition = _figure_sources(today)[key]
    return source_queryset(source, place, period, user=user).filter(condition)


def record_link(key: str, place: Jurisdiction, period: Period) -> str:
    """The drill-through page listing the records behind a figure."""
    query = urlencode({"jurisdiction": place.pk, **period.query()})
    return f"{reverse('reports-records', kwargs={'key': key})}?{query}"


# -- grouping by child -----------------------------------------------------------------------------


def _child_prefix_of(place: Jurisdiction) -> Callable[[str], str]:
    """The record's path cut after the first node below `place`: the child's path, or
    `place.path` itself for a record attached to the place directly."""
    n = len(place.path)

    def prefix_of(path: str) -> str:
        rest = path[n:]
        return path[: n + rest.find("/") + 1] if rest else path

    return prefix_of


def _grouped(
    source: str,
    place: Jurisdiction,
    periods: tuple[Period, Period],
    counts: dict[str, Q],
    *,
    user: Any,
    sums: Mapping[str, str] | None = None,
) -> dict[str, dict[str, tuple[int, int]]]:
    """One query: for each child prefix, each named count in the current and previous period.

    The query reads the records of both periods at once (Period.previous ends the day before
    the period starts: one date range, served by the date column's index) and groups them by
    the path of their jurisdiction and by a boolean "in the current period" (a boolean, so
    the planner knows there are two values and hashes the few groups in memory); the paths
    are cut to the child prefix here.

    `counts` are {name: condition} (records meeting it); `sums` are {name: column} (the
    records' tallies, patrols.tallies). Returns {prefix: {name: (current, previous)}}.
    """
    src = SOURCES[source]
    current, previous = periods
    span = Period(min(previous.start, current.start), max(previous.end, current.end))
    qs = _scoped(src.model, user).filter(
        Q(**{f"{src.path}__startswith": place.path}),
        src.base(),
        _period_q(src.date, span, src.date_kind),
    )
    group = [src.path]
    adjacent = previous.end + dt.timedelta(days=1) == current.start
    measures: dict[str, tuple[str, Q]] = {
        **{name: ("pk", condition) for name, condition in counts.items()},
        **{name: (column, Q()) for name, column in (sums or {}).items()},
    }

    def measure(name: str, condition: Q) -> Any:
        column, own = measures[name]
        where = own & condition
        if name in counts:
            return Count(column, filter=where) if where else Count(column)
        return Coalesce(Sum(column, filter=where) if where else Sum(column), 0)

    aggregates: dict[str, Any] = {}
    if adjacent:
        lo = current.bounds()[0] if src.date_kind == "datetime" else current.start
        qs = qs.annotate(
            _in_current=ExpressionWrapper(
                Q(**{f"{src.date}__gte": lo}), output_field=BooleanField()
            )
        )
        group.append("_in_current")
        for name in measures:
            aggregates[name] = measure(name, Q())
    else:  # periods apart or overlapping (not made by Period.previous): a value for each
        cur_q = _period_q(src.date, current, src.date_kind)
        prev_q = _period_q(src.date, previous, src.date_kind)
        for name in measures:
            aggregates[f"{name}__0"] = measure(name, cur_q)
            aggregates[f"{name}__1"] = measure(name, prev_q)
    rows = qs.values(*group).annotate(**aggregates).order_by()
    prefix_of = _child_prefix_of(place)
    out: dict[str, dict[str, list[int]]] = defaultdict(lambda: {name: [0, 0] for name in measures})
    for row in rows:
        acc = out[prefix_of(row[src.path])]
        for name in measures:
            if adjacent:
                acc[name][0 if row["_in_current"] else 1] += row[name]
            else:
                acc[name][0] += row[f"{name}__0"]
                acc[name][1] += row[f"{name}__1"]
    return {prefix: {name: (v[0], v[1]) for name, v in row.items()} for prefix, row in out.items()}


@dataclass
class _Values:
    """Raw values per prefix ("" is the total): {figure: (current, previous)}."""

    by_prefix: dict[str, dict[str, tuple[Number | None, Number | None]]] = field(
        default_factory=lambda: defaultdict(dict)
    )

    def put(self, prefix: str, key: str, cur: Number | None, prev: Number | None) -> None:
        self.by_prefix[prefix][key] = (cur, prev)


def _sum_counts(
    grouped: dict[str, dict[str, tuple[int, int]]], names: list[str]
) -> dict[str, dict[str, tuple[int, int]]]:
    """Add the total row ("") to grouped counts."""
    total: dict[str, list[int]] = {n: [0, 0] for n in names}
    for counts in grouped.values():
        for n in names:
            total[n][0] += counts[n][0]
            total[n][1] += counts[n][1]
    result = dict(grouped)
    result[""] = {n: (v[0], v[1]) for n, v in total.items()}
    return result


def _counts_family(
    values: _Values,
    source: str,
    place: Jurisdiction,
    periods: tuple[Period, Period],
    counts: dict[str, Q],
    *,
    user: Any,
    sums: Mapping[str, str] | None = None,
) -> dict[str, dict[str, tuple[int, int]]]:
    if user is not None and not can(user, SOURCES[source].model, "view"):
        return {}
    grouped = _grouped(source, place, periods, counts, user=user, sums=sums)
    grouped = _sum_counts(grouped, [*counts, *(sums or {})])
    for prefix, row in grouped.items():
        for name, (cur, prev) in row.items():
            if not name.startswith("_"):
                values.put(prefix, name, cur, prev)
    return grouped


def _rate_pair(
    row: dict[str, tuple[int, int]], numerator: str, denominator: str
) -> tuple[float | None, float | None]:
    num, den = row.get(numerator, (0, 0)), row.get(denominator, (0, 0))
    return _rate(num[0], den[0]), _rate(num[1], den[1])


# -- people of concern ----------------------------------------------------------------------

LEVELS = ("red", "yellow", "blue")


def _cadences(place: Jurisdiction) -> Callable[[str, str], int]:
    """Cadence lookup (jurisdiction path, level) → days, from the policies on the place's
    ancestors and subtree, read once (VisitPolicy.cadence_days: the nearest policy wins)."""
    from shouwang.concerns.models import DEFAULT_CADENCE_DAYS, VisitPolicy

    ancestor_ids = [int(p) for p in place.path.strip("/").split("/") if p]
    policies = {
        p.jurisdiction.path: p
        for p in VisitPolicy.objects.filter(
            Q(jurisdiction_id__in=ancestor_ids) | Q(jurisdiction__path__startswith=place.path)
        ).select_related("jurisdiction")
    }

    def cadence(path: str, level: str) -> int:
        parts = [p for p in path.split("/") if p]
        for i in range(len(parts), 0, -1):
            policy = policies.get("/" + "/".join(parts[:i]) + "/")
            if policy is not None:
                return int(policy.days_for(level))
        return int(DEFAULT_CADENCE_DAYS[level])

    return cadence


def visits_due(
    registered_on: dt.date,
    off_register_on: dt.date | None,
    period: Period,
    cadence_days: int,
    today: dt.date,
) -> float:
    """Visits due for one person in the period: days on the register (up to today) ÷ cadence."""
    first = max(period.start, registered_on)
    last = min(period.end, today)
    if off_register_on is not None:
        last = min(last, off_register_on)
    days = (last - first).days + 1
    return max(days, 0) / cadence_days


def _concerns_family(
    values: _Values,
    place: Jurisdiction,
    periods: tuple[Period, Period],
    prefix_of: Callable[[str], str],
    *,
    user: Any,
    today: dt.date,
) -> bool:
    from shouwang.concerns.models import PersonOfConcern, Visit

    if user is not None and not can(user, PersonOfConcern, "view"):
        return False
    current, previous = periods
    people = (
        _scoped(PersonOfConcern, user)
        .filter(jurisdiction__path__startswith=place.path, registered_on__lte=current.end)
        .filter(Q(off_register_on__isnull=True) | Q(off_register_on__gte=previous.start))
        .values_list(
            "pk", "attention_level", "jurisdiction__path", "registered_on", "off_register_on"
        )
    )
    cur_q = Q(visited_on__gte=current.start, visited_on__lte=current.end)
    prev_q = Q(visited_on__gte=previous.start, visited_on__lte=previous.end)
    visits = {
        row["person_id"]: (row["cur"], row["prev"])
        for row in _scoped(Visit, user)
        .filter(person__jurisdiction__path__startswith=place.path)
        .filter(cur_q | prev_q)
        .values("person_id")
        .annotate(cur=Count("pk", filter=cur_q), prev=Count("pk", filter=prev_q))
        .order_by()
    }
    cadence = _cadences(place)
    # prefix → level → [made_cur, due_cur, made_prev, due_prev]
    sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0] * 4))
    for pk, level, path, registered_on, off_on in people:
        days = cadence(path, level)
        made = visits.get(pk, (0, 0))
        row = [0.0] * 4
        for i, period in enumerate(periods):
            due = visits_due(registered_on, off_on, period, days, today)
            row[2 * i] = min(float(made[i]), due)
            row[2 * i + 1] = due
        for prefix in ("", prefix_of(path)):
            acc = sums[prefix][level]
            for i in range(4):
                acc[i] += row[i]
    prefixes = set(sums) | {""}
    for prefix in prefixes:
        for level in LEVELS:
            acc = sums[prefix].get(level, [0.0] * 4)
            values.put(
                prefix,
                f"visit_rate_{level}",
                _rate(acc[0], acc[1]),
                _rate(acc[2], acc[3]),
            )
    return True


# -- compute --------------------------------------------------------------------------------


def compute(
    place: Jurisdiction,
    period: Period,
    *,
    user: Any = None,
    children: bool = True,
    today: dt.date | None = None,
) -> Indicators:
    """The indicators of `place` (its subtree) for `period` against the previous period.

    With `user`, every count reads only records in the user's scope, and families the user
    may not view at all are left out (the caller checks the user may see `place`). Without a
    user (jobs, the monthly report, benchmarks) everything under `place` counts.
    """
    today = today or timezone.localdate()
    prev = period.previous()
    periods = (period, prev)
    values = _Values()
    child_nodes = (
        list(Jurisdiction.objects.filter(parent=place).order_by("stat_division_code", "pk"))
        if children
        else []
    )

    # Turnouts, coverage and attendance come from the tallies each log and duty carries
    # (patrols.tallies): one row per log and per duty, not their attendance rows.
    _counts_family(
        values,
        "patrollog",
        place,
        periods,
        {"patrols": Q()},
        user=user,
        sums={"turnouts": "turnouts"},
    )
    duties = _counts_family(
        values,
        "duty",
        place,
        periods,
        {"duties_planned": Q(), "duties_covered": Q(covered=True)},
        user=user,
        sums={"_assigned": "assigned_count", "_attended": "attended_count"},
    )
    for prefix, row in duties.items():
        values.put(prefix, "attendance_rate", *_rate_pair(row, "_attended", "_assigned"))
    hazards = _counts_family(
        values,
        "hazard",
        place,
        periods,
        {
            "hazards_found": Q(),
            "hazards_closed": Q(status="closed"),
            "hazards_overdue": _overdue_q(today),
        },
        user=user,
    )
    for prefix, row in hazards.items():
        values.put(
            prefix, "rectification_rate", *_rate_pair(row, "hazards_closed", "hazards_found")
        )
    disputes = _counts_family(
        values,
        "dispute",
        place,
        periods,
        {"disputes_screened": Q(), "disputes_resolved": _resolved_q()},
        user=user,
    )
    for prefix, row in disputes.items():
        values.put(
            prefix, "mediation_rate", *_rate_pair(row, "disputes_resolved", "disputes_screened")
        )
    _counts_family(
        values,
        "training",
        place,
        periods,
        {"trainings_held": Q(kind="training"), "drills_held": Q(kind="drill")},
        user=user,
    )
    child_paths = {c.path for c in child_nodes}
    prefix_of = _child_prefix_of(place)
    _concerns_family(values, place, periods, prefix_of, user=user, today=today)

    # Families the user may see at all (an empty result still shows zeros).
    present = {key for row in values.by_prefix.values() for key in row}

    def figures_for(
        node: Jurisdiction, prefix: str, keys: tuple[str, ...] | list[str]
    ) -> dict[str, Figure]:
        row = values.by_prefix.get(prefix, {})
        out: dict[str, Figure] = {}
        for key in keys:
            if key not in present:
                continue
            label, unit = FIGURE_LABELS[key]
            cur, prv = row.get(key, (0, 0) if unit == "" else (None, None))
            link = _link(key, node, period)
            out[key] = Figure(key=key, label=label, value=cur, unit=unit, link=link, previous=prv)
        return out

    indicators = Indicators(
        jurisdiction=place,
        period=period,
        previous_period=prev,
        figures=figures_for(place, "", list(FIGURE_LABELS)),
    )
    indicators.has_direct_records = any(
        cur or prv for cur, prv in values.by_prefix.get(place.path, {}).values()
    )
    for child in child_nodes:
        if child.path in child_paths:
            indicators.children.append(
                ChildRow(jurisdiction=child, figures=figures_for(child, child.path, CHILD_FIGURES))
            )
    if user is None or can(user, _incident_model(), "view"):
        _railway(indicators, place, period, prev)
    return indicators


def _incident_model() -> Any:
    from shouwang.railway.models import RailwayIncident

    return RailwayIncident


def _link(key: str, place: Jurisdiction, period: Period) -> str:
    if key.startswith("visit_rate_"):
        # The people of that level on the place's register (the register has no period: its
        # rows show each person's last visit and next due date).
        level = key.removeprefix("visit_rate_")
        query = urlencode({"jurisdiction": place.pk, "attention_level": level})
        return f"{reverse('concern-list')}?{query}"
    if key == "mediation_rate":
        # The dispute figures page computes the same rate from the same cohort.
        query = urlencode({"jurisdiction": place.pk, **period.query()})
        return f"{reverse('dispute-figures')}?{query}"
    return record_link(key, place, period)


def _railway(indicators: Indicators, place: Jurisdiction, period: Period, prev: Period) -> None:
    from shouwang.railway import status

    indicators.nine_no = status.nine_no_status(place, period.start, period.end)
    indicators.four_never = status.four_never(place, period.start, period.end)
    indicators.four_decline = status.four_decline(
        place, period.start, period.end, prev.start, prev.end
    )
