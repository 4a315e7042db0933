"""九无 / 四杜绝 / 四下降: the railway-protection indicators, derived from recorded incidents.

Pure ORM aggregates over a place and a period; no user scoping here (the caller checks that the
user may see `place`). Each figure family is one grouped query, whatever the number of villages,
so the county view stays fast.

Periods are whole days, both ends included: an incident counts in [start, end] when it
happened from 00:00 of `start` to 24:00 of `end`, local time.

**Railway villages** (the rows of the 九无 table) are the villages under `place` (or `place`
itself when it is a village) that have at least one of

- a railway segment (areas.Segment with line kind "railway") recorded at the village or at a
  grid below it,
- a joint-household representative (any status: a village that once had one stays listed),
- a railway incident at any time (not only in the period: a village that was clear this
  month is still a railway village).

Incidents recorded at township level (no village known) count in 四杜绝 / 四下降 of the
township and the county, but in no village's 九无 row.

Every figure carries `url`: the generic incident list (/r/railway-incidents/) filtered to the
place, the kinds of that figure (`target=<family>.<key>`) and the period
(`period=<start>..<end>`); the record type declares these computed filters.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from shouwang.areas.models import LineKind, Segment
from shouwang.core.models import Jurisdiction, JurisdictionLevel
from shouwang.core.periods import day_bounds
from shouwang.railway.models import (
    FOUR_DECLINE,
    FOUR_NEVER,
    NINE_NO,
    HouseholdRepresentative,
    RailwayIncident,
)

#: The target families, by the prefix used in the `target` list filter.
FAMILIES: dict[str, tuple[tuple[str, str, frozenset[str]], ...]] = {
    "nine_no": NINE_NO,
    "four_never": FOUR_NEVER,
    "four_decline": FOUR_DECLINE,
}

INCIDENT_LIST_SLUG = "railway-incidents"


@dataclass(frozen=True)
class TargetCount:
    """One target's count of incidents in the period (a 九无 cell or a 四杜绝 line)."""

    key: str
    label: str
    count: int
    clear: bool
    url: str


@dataclass(frozen=True)
class VillageNineNo:
    """A railway village's 九无 status in the period."""

    village: Jurisdiction
    #: Count per NINE_NO key, in NINE_NO order.
    counts: dict[str, int]
    #: The same as TargetCount lines (label, count, link), in NINE_NO order.
    targets: list[TargetCount] = field(default_factory=list)
    clear: bool = True
    #: All of the village's incidents in the period.
    url: str = ""


@dataclass(frozen=True)
class DeclineFigure:
    """A 四下降 count against the previous period; both zero counts as held (declined)."""

    key: str
    label: str
    current: int
    previous: int
    change: int
    declined: bool
    url: str
    previous_url: str


def target_kinds(target: str) -> frozenset[str] | None:
    """The incident kinds of a `target` filter value such as "nine_no.fence" (None: unknown)."""
    family, _sep, key = target.partition(".")
    for k, _label, kinds in FAMILIES.get(family, ()):
        if k == key:
            return kinds
    return None


def period_q(start: dt.date, end: dt.date, prefix: str = "") -> Q:
    lo, hi = day_bounds(start, end)
    return Q(**{f"{prefix}occurred_at__gte": lo, f"{prefix}occurred_at__lt": hi})


def period_value(start: dt.date, end: dt.date) -> str:
    """The `period` list-filter value of [start, end]: "2026-11-01..2026-11-30"."""
    return f"{start.isoformat()}..{end.isoformat()}"


def parse_period(value: str) -> tuple[dt.date, dt.date] | None:
    """[start, end] of a `period` list-filter value (None when it is no valid period)."""
    first, sep, last = value.partition("..")
    try:
        start, end = dt.date.fromisoformat(first.strip()), dt.date.fromisoformat(last.strip())
    except ValueError:
        return None
    return (start, end) if sep and start <= end else None


def incident_list_url(
    place: Jurisdiction, start: dt.date, end: dt.date, target: str | None = None
) -> str:
    """The incident list filtered to the place, the period and (optionally) a target."""
    params: dict[str, str] = {"jurisdiction": str(place.pk)}
    if target:
        params["target"] = target
    params["period"] = period_value(start, end)
    return f"{reverse('record-list', kwargs={'key': INCIDENT_LIST_SLUG})}?{urlencode(params)}"


def incidents_under(place: Jurisdiction) -> QuerySet[RailwayIncident]:
    return RailwayIncident.objects.filter(jurisdiction__path__startswith=place.path)


def _village_of(path: str, villages: dict[str, Jurisdiction]) -> Jurisdiction | None:
    """The village whose path is a prefix of `path` (the node itself or an ancestor)."""
    parts = [p for p in path.split("/") if p]
    for i in range(len(parts), 0, -1):
        village = villages.get("/" + "/".join(parts[:i]) + "/")
        if village is not None:
            return village
    return None


def railway_villages(place: Jurisdiction) -> list[Jurisdiction]:
    """The railway villages under `place` (see the module docstring), by division code.

    Four queries whatever the size of `place`.
    """
    villages = {
        v.path: v
        for v in Jurisdiction.objects.filter(
            level=JurisdictionLevel.VILLAGE, path__startswith=place.path
        )
    }
    if not villages:
        return []
    paths: set[str] = set()
    paths.update(
        Segment.objects.filter(
            line_kind=LineKind.RAILWAY, jurisdiction__path__startswith=place.path
        )
        .values_list("jurisdiction__path", flat=True)
        .order_by()
        .distinct()
    )
    paths.update(
        HouseholdRepresentative.objects.filter(jurisdiction__path__startswith=place.path)
        .values_list("jurisdiction__path", flat=True)
        .order_by()
        .distinct()
    )
    paths.update(
        incidents_under(place).values_list("jurisdiction__path", flat=True).order_by().distinct()
    )
    chosen: dict[int, Jurisdiction] = {}
    for path in paths:
        village = _village_of(path, villages)
        if village is not None:
            chosen[village.pk] = village
    return sorted(chosen.values(), key=lambda v: (v.stat_division_code, v.pk))


def _all_kinds(family: Iterable[tuple[str, str, frozenset[str]]]) -> set[str]:
    kinds: set[str] = set()
    for _key, _label, group in family:
        kinds |= group
    return kinds


def nine_no_status(place: Jurisdiction, start: dt.date, end: dt.date) -> list[VillageNineNo]:
    """九无 of every railway village under `place` in [start, end] (five queries in all)."""
    villages = railway_villages(place)
    if not villages:
        return []
    by_path = {v.path: v for v in villages}
    per_village: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        incidents_under(place)
        .filter(period_q(start, end), kind__in=_all_kinds(NINE_NO))
        .values("jurisdiction__path", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        village = _village_of(row["jurisdiction__path"], by_path)
        if village is not None:
            per_village[village.pk][row["kind"]] += row["n"]
    result = []
    for village in villages:
        by_kind = per_village.get(village.pk, {})
        targets = []
        for key, label, kinds in NINE_NO:
            count = sum(by_kind.get(k, 0) for k in kinds)
            targets.append(
                TargetCount(
                    key=key,
                    label=label,
                    count=count,
                    clear=count == 0,
                    url=incident_list_url(village, start, end, f"nine_no.{key}"),
                )
            )
        result.append(
            VillageNineNo(
                village=village,
                counts={t.key: t.count for t in targets},
                targets=targets,
                clear=all(t.clear for t in targets),
                url=incident_list_url(village, start, end),
            )
        )
    return result


def _counts_by_kind(place: Jurisdiction, q: Q) -> dict[str, int]:
    rows = incidents_under(place).filter(q).values("kind").annotate(n=Count("id")).order_by()
    return {row["kind"]: row["n"] for row in rows}


def four_never(place: Jurisdiction, start: dt.date, end: dt.date) -> list[TargetCount]:
    """四杜绝 under `place` in [start, end]: one line per target (one query)."""
    by_kind = _counts_by_kind(place, period_q(start, end) & Q(kind__in=_all_kinds(FOUR_NEVER)))
    lines = []
    for key, label, kinds in FOUR_NEVER:
        count = sum(by_kind.get(k, 0) for k in kinds)
        lines.append(
            TargetCount(
                key=key,
                label=label,
                count=count,
                clear=count == 0,
                url=incident_list_url(place, start, end, f"four_never.{key}"),
            )
        )
    return lines


def four_decline(
    place: Jurisdiction,
    start: dt.date,
    end: dt.date,
    prev_start: dt.date,
    prev_end: dt.date,
) -> list[DeclineFigure]:
    """四下降 under `place`: [start, end] against [prev_start, prev_end] (one query).

    `declined` is true when the count fell, or when it is zero in both periods (held at zero);
    `change` is current minus previous (negative: fewer).
    """
    current_q = period_q(start, end)
    previous_q = period_q(prev_start, prev_end)
    rows = (
        incidents_under(place)
        .filter(current_q | previous_q, kind__in=_all_kinds(FOUR_DECLINE))
        .values("kind")
        .annotate(cur=Count("id", filter=current_q), prev=Count("id", filter=previous_q))
        .order_by()
    )
    current: dict[str, int] = {}
    previous: dict[str, int] = {}
    for row in rows:
        current[row["kind"]] = row["cur"]
        previous[row["kind"]] = row["prev"]
    figures = []
    for key, label, kinds in FOUR_DECLINE:
        cur = sum(current.get(k, 0) for k in kinds)
        prev = sum(previous.get(k, 0) for k in kinds)
        figures.append(
            DeclineFigure(
                key=key,
                label=label,
                current=cur,
                previous=prev,
                change=cur - prev,
                declined=cur < prev or (cur == 0 and prev == 0),
                url=incident_list_url(place, start, end, f"four_decline.{key}"),
                previous_url=incident_list_url(place, prev_start, prev_end, f"four_decline.{key}"),
            )
        )
    return figures
