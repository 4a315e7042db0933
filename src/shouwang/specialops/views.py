"""Special-operation pages beyond the generic record pages: the workflow steps and the
daily-figure form of the operation page, and the Excel export."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from shouwang.core.scoping import get_for
from shouwang.core.steps import run_step
from shouwang.specialops import api, services
from shouwang.specialops.models import FIGURE_FIELDS, SpecialOperation


def _step(request: HttpRequest, op: SpecialOperation, step: str) -> Any:
    post = request.POST
    if step == "start":
        return services.start_operation(op, actor=request.user)
    if step == "end":
        return services.end_operation(op, actor=request.user)
    if step == "cancel":
        return services.cancel_operation(op, actor=request.user, reason=post.get("reason", ""))
    if step == "figures":
        data = {name: post.get(name, "") for name in ("date", "township", "note", *FIGURE_FIELDS)}
        data["operation"] = str(op.pk)
        return services.record_daily_figures(actor=request.user, data=data)
    raise Http404("no such step")


@login_required
@require_POST
def operation_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Start, end or cancel the operation, or enter a day's figures, from its page."""
    op = get_for(SpecialOperation, request.user, pk)
    run_step(request, lambda: _step(request, op, step), field_label=api.field_label)
    return redirect("record-detail", "special-operations", op.pk)


@login_required
def figures_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The operation's daily figures with totals (Excel)."""
    return api.xlsx_response(get_for(SpecialOperation, request.user, pk), request.user)
