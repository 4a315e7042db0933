"""Hazard pages beyond the generic record pages: a failed checklist item becomes a hazard.

GET shows the report pre-filled from the item (category, description, place, the log's
photos to pick); POST reports it — with no fields posted, the defaults are used, so a button
on the patrol log page is the "one step". Either way the item's hazard page follows.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from shouwang.core.models import CodeItem
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import get_for
from shouwang.hazards import services
from shouwang.hazards.models import Hazard, HazardSeverity
from shouwang.patrols.models import ChecklistResult

FORM_FIELDS = ("category", "description", "place", "severity")


@login_required
@require_http_methods(["GET", "POST"])
def hazard_from_checklist(request: HttpRequest, result_pk: int) -> HttpResponse:
    """Report the hazard of a failed checklist item (or open the one already reported)."""
    result = get_for(ChecklistResult, request.user, result_pk)
    existing = Hazard.objects.visible_to(request.user).filter(checklist_result=result).first()
    if existing is not None:
        return redirect("record-detail", "hazards", existing.pk)
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        data: dict[str, Any] = {k: request.POST[k] for k in FORM_FIELDS if k in request.POST}
        if "photos" in request.POST:
            data["photos"] = request.POST.getlist("photos")
        try:
            hazard = services.report_from_checklist_result(result, actor=request.user, data=data)
        except RecordInvalid as exc:
            errors = exc.errors
            values = {**data}
        else:
            return redirect("record-detail", "hazards", hazard.pk)
    if not values:
        values = services.checklist_defaults(
            ChecklistResult.objects.select_related("checklist", "log__post__key_place").get(
                pk=result.pk
            )
        )
    values["photos"] = [str(p) for p in values.get("photos") or []]
    context = {
        "result": result,
        "values": values,
        "errors": errors,
        "non_field_errors": errors.get(NON_FIELD, []),
        "categories": CodeItem.objects.filter(
            code_list__key=services.HAZARD_CATEGORY_LIST, active=True
        ),
        "severities": HazardSeverity.choices,
        "photos": services.offered_photos(result, request.user),
    }
    return render(request, "hazards/from_checklist.html", context)
