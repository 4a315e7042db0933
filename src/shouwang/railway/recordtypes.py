"""Record types of railway protection (generic list/detail/edit pages and CRUD API).

Computed list filters (pages, API and exports alike):

* incidents `target=<family>.<key>` — the kinds of one 九无 / 四杜绝 / 四下降 figure, e.g.
  `target=nine_no.livestock`, `target=four_decline.cases`;
* incidents and activities `period=<start>..<end>` — whole days, both ends included
  (`period=2026-11-01..2026-11-30`).

The 九无 / 四杜绝 / 四下降 status page links every figure to the incident list with these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.core.periods import month_bounds
from shouwang.core.registry import ComputedFilter, DateRange, ListLink, RecordType, register
from shouwang.railway import services
from shouwang.railway.forms import (
    HouseholdRepresentativeForm,
    RailwayIncidentForm,
    RepresentativeActivityForm,
)
from shouwang.railway.models import (
    FOUR_DECLINE,
    FOUR_NEVER,
    NINE_NO,
    HouseholdRepresentative,
    RailwayIncident,
    RepresentativeActivity,
)
from shouwang.railway.status import parse_period, period_q, period_value, target_kinds

FAMILY_LABELS = (("nine_no", "九无"), ("four_never", "四杜绝"), ("four_decline", "四下降"))


def _target_options() -> tuple[tuple[str, Any], ...]:
    options: list[tuple[str, Any]] = []
    for (family, family_label), targets in zip(
        FAMILY_LABELS, (NINE_NO, FOUR_NEVER, FOUR_DECLINE), strict=True
    ):
        options += [(f"{family}.{key}", f"{family_label}：{label}") for key, label, _k in targets]
    return tuple(options)


def _by_target(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    kinds = target_kinds(value)
    return qs.filter(kind__in=kinds) if kinds is not None else qs.none()


class _RecentPeriods(tuple):  # type: ignore[type-arg]
    """The period options offered on a list page, computed when the page is drawn (this and
    the last eleven months, this year, last year). Any other `period=a..b` still filters."""

    def __iter__(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        today = timezone.localdate()
        start, end = month_bounds(today)
        for _n in range(12):
            yield period_value(start, end), f"{start:%Y-%m}"
            start, end = month_bounds(start - dt.timedelta(days=1))
        for year in (today.year, today.year - 1):
            yield period_value(dt.date(year, 1, 1), dt.date(year, 12, 31)), str(year)


def _period_filter(date_field: str | None) -> ComputedFilter:
    def apply(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        bounds = parse_period(value)
        if bounds is None:
            return qs.none()
        start, end = bounds
        if date_field is None:
            return qs.filter(period_q(start, end))
        return qs.filter(**{f"{date_field}__gte": start, f"{date_field}__lte": end})

    return ComputedFilter(label=_("period"), apply=apply, options=_RecentPeriods())


register(
    RecordType(
        model=RailwayIncident,
        form=RailwayIncidentForm,
        create=services.create_incident,
        update=services.update_incident,
        delete=services.delete_incident,
        slug="railway-incidents",
        dated=DateRange("occurred_at"),
        columns=[
            "occurred_at",
            "jurisdiction",
            "kind",
            "segment",
            "chainage",
            "deaths",
            "injuries",
            "police_case_number",
        ],
        filters=["jurisdiction", "kind", "segment"],
        computed_filters={
            "target": ComputedFilter(
                label=_("indicator"), apply=_by_target, options=_target_options()
            ),
            "period": _period_filter(None),
        },
        search=["description", "handling", "police_case_number", "chainage"],
        detail_fields=[
            "jurisdiction",
            "segment",
            "chainage",
            "occurred_at",
            "kind",
            "deaths",
            "injuries",
            "description",
            "handling",
            "police_case_number",
            "reported_by",
            "created_at",
        ],
        select_related=["jurisdiction", "segment", "reported_by"],
        section="railway",
        list_links=[ListLink(_("Safe-railway indicators"), reverse_lazy("railway-status"))],
    )
)

register(
    RecordType(
        model=HouseholdRepresentative,
        form=HouseholdRepresentativeForm,
        create=services.create_representative,
        update=services.update_representative,
        delete=services.delete_representative,
        slug="household-representatives",
        columns=[
            "jurisdiction",
            "name",
            "phone",
            "villager_group",
            "households",
            "segment",
            "appointed_on",
            "status",
        ],
        filters=["jurisdiction", "status", "segment"],
        search=["name", "phone", "villager_group", "note"],
        detail_fields=[
            "jurisdiction",
            "name",
            "phone",
            "villager_group",
            "households",
            "segment",
            "appointed_on",
            "status",
            "note",
        ],
        select_related=["jurisdiction", "segment"],
        section="railway",
        detail_extra="railway/representative_extra.html",
        # The imports app adds Excel import/export (railway/ledger_io.py) to this list.
    )
)

register(
    RecordType(
        model=RepresentativeActivity,
        form=RepresentativeActivityForm,
        create=services.create_activity,
        update=services.update_activity,
        delete=services.delete_activity,
        slug="representative-activities",
        dated=DateRange("done_on"),
        columns=["done_on", "representative", "kind", "description"],
        filters=["representative", "kind"],
        computed_filters={"period": _period_filter("done_on")},
        search=["description", "representative__name"],
        detail_fields=["representative", "done_on", "kind", "description"],
        select_related=["representative__jurisdiction"],
        section="railway",
        # The office ledger of representatives with their work (the list's period applies).
        list_links=[
            ListLink(
                _("Representatives ledger (Excel)"),
                reverse_lazy("railway-ledger-xlsx"),
                keep_filters=True,
            )
        ],
    )
)
