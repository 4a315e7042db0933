"""Hazard pages beyond the generic record pages: a failed checklist item becomes a hazard.

GET shows the report pre-filled from the item (category, description, place, the log's
photos to pick); POST reports it — with no fields posted, the defaults are used, so a button
on the patrol log page is the "one step". Either way the item's hazard page follows.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.core.models import CodeItem
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import get_for
from shouwang.core.steps import posted_date, posted_pk, run_step
from shouwang.forces.models import Member, Organisation
from shouwang.hazards import services, workflow
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


# -- the case workflow ------------------------------------------------------------------------


def _step(request: HttpRequest, hazard: Hazard, step: str) -> Any:
    post = request.POST
    actor = request.user
    if step == "assign":
        unit = person = None
        if post.get("responsible_unit"):
            unit = (
                Organisation.objects.visible_to(actor)
                .filter(pk=posted_pk(post["responsible_unit"]))
                .first()
            )
            if unit is None:
                raise RecordInvalid(
                    {"responsible_unit": [_("Choose a unit of your jurisdiction.")]}
                )
        if post.get("responsible_person"):
            person = (
                Member.objects.visible_to(actor)
                .filter(pk=posted_pk(post["responsible_person"]))
                .first()
            )
            if person is None:
                raise RecordInvalid(
                    {"responsible_person": [_("Choose a member of your jurisdiction.")]}
                )
        return workflow.assign_hazard(
            hazard,
            actor=actor,
            responsible_unit=unit,
            responsible_person=person,
            deadline=posted_date(post.get("deadline", ""), "deadline"),
        )
    if step == "start":
        return workflow.start_rectification(hazard, actor=actor)
    if step == "rectified":
        return workflow.report_rectified(hazard, actor=actor, note=post.get("note", ""))
    if step == "verify":
        return workflow.verify_hazard(
            hazard, actor=actor, passed=post.get("passed") == "1", reason=post.get("reason", "")
        )
    if step == "reject":
        return workflow.reject_hazard(hazard, actor=actor, reason=post.get("reason", ""))
    if step == "reopen":
        unit = None
        if post.get("responsible_unit"):
            unit = (
                Organisation.objects.visible_to(actor)
                .filter(pk=posted_pk(post["responsible_unit"]))
                .first()
            )
            if unit is None:
                raise RecordInvalid(
                    {"responsible_unit": [_("Choose a unit of your jurisdiction.")]}
                )
        return workflow.reopen_hazard(
            hazard, actor=actor, reason=post.get("reason", ""), responsible_unit=unit
        )
    if step == "extension":
        new_deadline = posted_date(post.get("new_deadline", ""), "new_deadline")
        return workflow.request_extension(
            hazard, actor=actor, reason=post.get("reason", ""), new_deadline=new_deadline
        )
    raise Http404("no such step")


@login_required
@require_POST
def hazard_transition(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One workflow step from the detail page's buttons; errors come back as messages."""
    hazard = get_for(Hazard, request.user, pk)
    run_step(request, lambda: _step(request, hazard, step), field_label=services.field_label)
    return redirect("record-detail", "hazards", hazard.pk)


@login_required
@require_POST
def hazard_extension_decision(request: HttpRequest, pk: int, extension_pk: int) -> HttpResponse:
    """The office approves or refuses an extension request."""
    hazard = get_for(Hazard, request.user, pk)
    extension = hazard.extensions.filter(pk=extension_pk).first()
    if extension is None:
        raise Http404("not found")
    run_step(
        request,
        lambda: workflow.decide_extension(
            extension,
            actor=request.user,
            approve=request.POST.get("approve") == "1",
            reason=request.POST.get("reason", ""),
        ),
        field_label=services.field_label,
    )
    return redirect("record-detail", "hazards", hazard.pk)
