"""Railway pages beyond the generic record pages: the 九无 / 四杜绝 / 四下降 status page and the
representatives ledger download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import can
from shouwang.core.steps import show_errors
from shouwang.railway import api, status
from shouwang.railway.forms import StatusPeriodForm
from shouwang.railway.models import NINE_NO, HouseholdRepresentative, RailwayIncident


@login_required
def status_page(request: HttpRequest) -> HttpResponse:
    """九无 (railway villages × nine targets), 四杜绝 and 四下降 of a place and period."""
    if not can(request.user, RailwayIncident, "view"):
        raise PermissionDenied
    form = StatusPeriodForm(data=request.GET, user=request.user)
    context: dict[str, object] = {"form": form, "targets": NINE_NO}
    try:
        q = api.status_query(request.user, request.GET)
    except RecordInvalid as exc:
        show_errors(request, exc, api.field_label)
    else:
        villages = status.nine_no_status(q.place, q.start, q.end)
        context.update(
            q=q,
            villages=villages,
            clear_villages=sum(1 for v in villages if v.clear),
            four_never=status.four_never(q.place, q.start, q.end),
            four_decline=status.four_decline(q.place, q.start, q.end, q.prev_start, q.prev_end),
            may_see_ledger=can(request.user, HouseholdRepresentative, "view"),
        )
    return render(request, "railway/status.html", context)


@login_required
def ledger_xlsx(request: HttpRequest) -> HttpResponse:
    """The representatives ledger with their work in the period, as Excel."""
    if not can(request.user, HouseholdRepresentative, "view"):
        raise PermissionDenied
    try:
        q = api.status_query(request.user, request.GET)
    except RecordInvalid as exc:
        show_errors(request, exc, api.field_label)
        return redirect("railway-status")
    return api.ledger_response(request.user, q)
