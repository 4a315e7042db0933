"""Pages of this app beyond the generic record pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from shouwang.core.models import Jurisdiction
from shouwang.core.records import RecordInvalid
from shouwang.core.steps import show_errors
from shouwang.reports import indicators as ind

# -- dashboard (issue 6 §3) ----------------------------------------------------------------------

RECORDS_PAGE_SIZE = 100

#: The levels offered in the place picker (villages and grids are reached by drilling down,
#: so a county of thousands of villages keeps a short list).
PICKER_LEVELS = ("county", "township")

_PERIOD_FIELDS = {
    "period": gettext_lazy("period"),
    "start": gettext_lazy("start"),
    "end": gettext_lazy("end"),
    "month": gettext_lazy("month"),
    "quarter": gettext_lazy("quarter"),
    "year": gettext_lazy("year"),
    "jurisdiction": gettext_lazy("jurisdiction"),
}


def _field_label(name: str) -> str:
    return str(_PERIOD_FIELDS.get(name, name))


def _choice(request: HttpRequest) -> tuple[Jurisdiction, ind.Period]:
    """The place (in the user's report grants, else 404) and the period asked for; a bad
    period is shown as an error and the default (last full month) is used."""
    if not ind.may_view_reports(request.user):
        raise PermissionDenied
    place = ind.report_place(request.user, request.GET.get("jurisdiction"))
    try:
        period = ind.Period.parse(request.GET)
    except RecordInvalid as exc:
        show_errors(request, exc, _field_label)
        period = ind.Period.last_full_month()
    return place, period


def _picker(allowed: Any, place: Jurisdiction) -> list[Jurisdiction]:
    """The places offered in the form: counties and townships in the user's grants, and the
    place shown (a village reached by drilling down, or a village-level user's own)."""
    places = list(allowed.filter(level__in=PICKER_LEVELS).order_by("path"))
    if place not in places:
        places.append(place)
    return places


def dashboard_url(place: Jurisdiction, period: ind.Period) -> str:
    query = urlencode({"jurisdiction": place.pk, "period": period.kind, **_period_params(period)})
    return f"{reverse('reports-dashboard')}?{query}"


def _period_params(period: ind.Period) -> dict[str, str]:
    kind = period.kind
    if kind == "month":
        return {"month": f"{period.start:%Y-%m}"}
    if kind == "quarter":
        return {"quarter": period.label}
    if kind == "year":
        return {"year": str(period.start.year)}
    return period.query()


def chart_data(result: ind.Indicators) -> dict[str, Any]:
    """The numbers the charts draw (the same as the cards and the table)."""

    def series(keys: tuple[str, ...]) -> list[dict[str, Any]]:
        out = []
        for key in keys:
            if key not in result.figures:
                continue
            out.append(
                {
                    "key": key,
                    "name": str(result.figures[key].label),
                    "data": [
                        c.figures[key].value if key in c.figures else None for c in result.children
                    ],
                }
            )
        return out

    counts = [f for f in result.figures.values() if not f.is_rate and f.value is not None]
    return {
        "children": {
            "names": [c.jurisdiction.name for c in result.children],
            "links": [dashboard_url(c.jurisdiction, result.period) for c in result.children],
            "counts": series(("turnouts", "hazards_found", "disputes_screened")),
            "rates": series(("attendance_rate", "rectification_rate", "mediation_rate")),
        },
        "compare": {
            "current": result.period.label,
            "previous": result.previous_period.label,
            "names": [str(f.label) for f in counts],
            "links": [f.link for f in counts],
            "values": [f.value for f in counts],
            "previous_values": [f.previous for f in counts],
        },
        "labels": {"percent": "%"},
    }


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Figures of a jurisdiction and period against the previous period, with charts, the
    drill-down to the children and the railway targets; every figure links to its records."""
    place, period = _choice(request)
    result = ind.compute(place, period, user=request.user)
    keys = [k for k in ind.CHILD_FIGURES if k in result.figures]
    allowed = ind.report_places(request.user)
    trail = [j for j in place.ancestors() if allowed.filter(pk=j.pk).exists()]
    return render(
        request,
        "reports/dashboard.html",
        {
            "result": result,
            "place": place,
            "period": period,
            "trail": [(j, dashboard_url(j, period)) for j in trail],
            "places": _picker(allowed, place),
            "kinds": [
                ("month", _("Month")),
                ("quarter", _("Quarter")),
                ("year", _("Year")),
                ("custom", _("Custom")),
            ],
            "form": {
                "period": period.kind,
                "month": f"{period.start:%Y-%m}",
                "quarter": f"{period.start.year}-Q{(period.start.month - 1) // 3 + 1}",
                "year": period.start.year,
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
            },
            "children": [
                (c, dashboard_url(c.jurisdiction, period), [c.figures.get(k) for k in keys])
                for c in result.children
            ],
            "child_labels": [ind.FIGURE_LABELS[k][0] for k in keys],
            "nine_no_heads": [label for _key, label, _kinds in _nine_no()],
            "charts": chart_data(result),
            "api_url": f"{reverse('api:reports_indicators')}?"
            + urlencode({"jurisdiction": place.pk, **period.query()}),
        },
    )


def _nine_no() -> Any:
    from shouwang.railway.models import NINE_NO

    return NINE_NO


def _record_rows(key: str, qs: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and rows of the records page, each row with a link to the record."""
    source = ind.figure_source(key)
    if source == "patrollog":
        qs = qs.select_related("team", "jurisdiction")
        heads = [_("started at"), _("team"), _("jurisdiction"), _("status")]
        rows = [
            {
                "link": reverse("patrol-log-detail", args=[r.pk]),
                "cells": [
                    f"{_local(r.started_at):%Y-%m-%d %H:%M}",
                    r.team.name,
                    r.jurisdiction.name,
                    r.get_status_display(),
                ],
            }
            for r in qs
        ]
    elif source == "logattendance":
        qs = qs.select_related("log__team", "log__jurisdiction", "member")
        heads = [_("started at"), _("team"), _("jurisdiction"), _("member"), _("attendance")]
        rows = [
            {
                "link": reverse("patrol-log-detail", args=[r.log_id]),
                "cells": [
                    f"{_local(r.log.started_at):%Y-%m-%d %H:%M}",
                    r.log.team.name,
                    r.log.jurisdiction.name,
                    r.member.name,
                    r.get_status_display(),
                ],
            }
            for r in qs
        ]
    elif source == "duty":
        qs = qs.select_related("roster__team", "post")
        heads = [_("date"), _("team"), _("post"), _("covered")]
        rows = [
            {
                "link": reverse("record-detail", kwargs={"key": "rosters", "pk": r.roster_id}),
                "cells": [
                    f"{r.date:%Y-%m-%d}",
                    r.roster.team.name,
                    r.post.name,
                    _("yes") if r.covered else _("no"),
                ],
            }
            for r in qs
        ]
    elif source == "dutyassignment":
        qs = qs.select_related("duty__roster__team", "duty__post", "member")
        heads = [_("date"), _("team"), _("post"), _("member"), _("present")]
        rows = [
            {
                "link": reverse("record-detail", kwargs={"key": "rosters", "pk": r.duty.roster_id}),
                "cells": [
                    f"{r.duty.date:%Y-%m-%d}",
                    r.duty.roster.team.name,
                    r.duty.post.name,
                    r.member.name,
                    _("yes") if r._attended else _("no"),
                ],
            }
            for r in qs
        ]
    elif source == "hazard":
        qs = qs.select_related("category", "jurisdiction")
        heads = [_("found at"), _("category"), _("jurisdiction"), _("status"), _("deadline")]
        rows = [
            {
                "link": reverse("record-detail", kwargs={"key": "hazards", "pk": r.pk}),
                "cells": [
                    f"{_local(r.found_at):%Y-%m-%d}",
                    str(r.category),
                    r.jurisdiction.name,
                    r.get_status_display(),
                    f"{r.deadline:%Y-%m-%d}" if r.deadline else "",
                ],
            }
            for r in qs
        ]
    elif source == "dispute":
        qs = qs.select_related("jurisdiction")
        heads = [_("registered on"), _("dispute"), _("jurisdiction"), _("status")]
        rows = [
            {
                "link": reverse("record-detail", kwargs={"key": "disputes", "pk": r.pk}),
                "cells": [
                    f"{r.registered_on:%Y-%m-%d}",
                    str(r),
                    r.jurisdiction.name,
                    r.get_status_display(),
                ],
            }
            for r in qs
        ]
    else:  # training
        qs = qs.select_related("jurisdiction")
        heads = [_("date and time"), _("training"), _("jurisdiction")]
        rows = [
            {
                "link": reverse("record-detail", kwargs={"key": "trainings", "pk": r.pk}),
                "cells": [f"{_local(r.starts_at):%Y-%m-%d %H:%M}", str(r), r.jurisdiction.name],
            }
            for r in qs
        ]
    return [str(h) for h in heads], rows


def _local(value: Any) -> Any:
    from django.utils import timezone

    return timezone.localtime(value)


@login_required
@require_GET
def dashboard_records(request: HttpRequest, key: str) -> HttpResponse:
    """The records behind one figure of the dashboard (same query as the figure)."""
    if key not in ind.RECORD_FIGURES:
        raise Http404("unknown figure")
    place, period = _choice(request)
    qs = ind.records(key, place, period, user=request.user)
    total = qs.count()
    page = Paginator(qs, RECORDS_PAGE_SIZE).get_page(request.GET.get("page"))
    heads, rows = _record_rows(key, page.object_list)
    query = urlencode({"jurisdiction": place.pk, **period.query()})
    return render(
        request,
        "reports/dashboard_records.html",
        {
            "label": ind.FIGURE_LABELS[key][0],
            "place": place,
            "period": period,
            "total": total,
            "page": page,
            "heads": heads,
            "rows": rows,
            "query": query,
            "back": dashboard_url(place, period),
        },
    )


# -- end dashboard --
