"""People-of-concern pages. Thin: reads start from `visible_to`/`get_for` (404 alike for
missing and forbidden), writes are service calls. Identity and phone numbers are shown masked;
the full record opens only through the reveal form (reason required, audited)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.concerns import services, workflow
from shouwang.concerns.forms import PersonCreateForm, PersonForm, VisitPolicyForm
from shouwang.concerns.models import (
    AttentionLevel,
    LevelChange,
    LevelChangeStatus,
    PersonOfConcern,
    RegisterStatus,
    Visit,
    VisitForm,
    VisitPolicy,
)
from shouwang.core.audit import history_for, label_for
from shouwang.core.downloads import XLSX, attachment
from shouwang.core.models import CodeItem, Jurisdiction
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.core.steps import posted_date, run_step, show_errors
from shouwang.forces.models import Member

PAGE_SIZE = 200


def _field_name(name: str) -> str:
    return "" if name == NON_FIELD else name


def _errors_to_messages(request: HttpRequest, exc: RecordInvalid) -> None:
    show_errors(request, exc, _field_name, ": ")


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    """The register: filters by jurisdiction, level, category, status and overdue."""
    if not can(request.user, PersonOfConcern, "view"):
        raise Http404("not found")
    qs = services.filter_people(PersonOfConcern.objects.visible_to(request.user), request.GET)
    rows = list(
        qs.select_related("jurisdiction", "category").prefetch_related("helpers")[:PAGE_SIZE]
    )
    context = {
        "rows": rows,
        "params": request.GET,
        "levels": AttentionLevel.choices,
        "statuses": RegisterStatus.choices,
        "categories": CodeItem.objects.filter(code_list__key="concern_category", active=True),
        "places": Jurisdiction.objects.visible_to(request.user).filter(
            level__in=("township", "village", "grid")
        ),
        "can_add": can(request.user, PersonOfConcern, "add"),
        "query": request.GET.urlencode(),
    }
    return render(request, "concerns/list.html", context)


@login_required
def person_export(request: HttpRequest) -> HttpResponse:
    qs = services.filter_people(PersonOfConcern.objects.visible_to(request.user), request.GET)
    try:
        content, _unmasked = services.export_people(qs, actor=request.user, filters=request.GET)
    except PermissionDenied:
        raise Http404("not found") from None
    stamp = timezone.localdate().isoformat()
    return attachment(
        content, XLSX, f"重点人员台账-{stamp}.xlsx", f"people-of-concern-{stamp}.xlsx"
    )


def _add_refusals(form: Any, exc: RecordInvalid) -> None:
    """Put the service's refusals on the bound form, each once (on its field if it has one)."""
    form.is_valid()
    for name, msgs in exc.errors.items():
        for message in msgs:
            if message not in form.errors.get(name, []):
                form.add_error(None if name not in form.fields else name, message)


@login_required
@require_http_methods(["GET", "POST"])
def person_new(request: HttpRequest) -> HttpResponse:
    if not can(request.user, PersonOfConcern, "add"):
        raise Http404("not found")
    form = PersonCreateForm(actor=request.user)
    if request.method == "POST":
        try:
            person = services.create_person(actor=request.user, data=request.POST)
        except RecordInvalid as exc:
            form = PersonCreateForm(data=request.POST, actor=request.user)
            _add_refusals(form, exc)
        else:
            return redirect("concern-detail", person.pk)
    return render(request, "concerns/form.html", {"form": form, "obj": None})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_for(PersonOfConcern, request.user, pk, "change")
    form = PersonForm(instance=person, actor=request.user)
    if request.method == "POST":
        try:
            services.update_person(person, actor=request.user, data=request.POST)
        except RecordInvalid as exc:
            form = PersonForm(data=request.POST, instance=person, actor=request.user)
            _add_refusals(form, exc)
        else:
            return redirect("concern-detail", person.pk)
    return render(request, "concerns/form.html", {"form": form, "obj": person})


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_for(PersonOfConcern, request.user, pk)
    user = request.user
    context: dict[str, Any] = {
        "obj": person,
        "visits": Visit.objects.visible_to(user).filter(person=person).select_related("visitor"),
        "level_changes": LevelChange.objects.visible_to(user)
        .filter(person=person)
        .select_related("requested_by", "decided_by"),
        "actions": workflow.allowed_actions(user, person),
        "levels": AttentionLevel.choices,
        "forms": VisitForm.choices,
        "members": Member.objects.visible_to(user),
        "today": timezone.localdate(),
        "open_change": person.level_changes.filter(status=LevelChangeStatus.REQUESTED).first(),
        "history": [(e, label_for(e.code)) for e in history_for(person)[:50]],
    }
    open_change = context["open_change"]
    context["may_decide"] = open_change is not None and workflow.may_decide(user, open_change)
    return render(request, "concerns/detail.html", context)


@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The full record (numbers in clear) after a reason; the view is audited."""
    person = get_for(PersonOfConcern, request.user, pk)
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, _("Give the reason for opening the full record."))
        return redirect("concern-detail", person.pk)
    values = services.reveal_person(person, actor=request.user, reason=reason)
    response = render(request, "concerns/reveal.html", {"obj": person, "values": values})
    response["Cache-Control"] = "no-store"
    return response


def _step(request: HttpRequest, person: PersonOfConcern, step: str) -> Any:
    post = request.POST
    actor = request.user
    if step == "visit":
        visitor = None
        if post.get("visitor"):
            visitor = Member.objects.visible_to(actor).filter(pk=post["visitor"]).first()
            if visitor is None:
                raise RecordInvalid({"visitor": [_("Choose a member of your jurisdiction.")]})
        return services.record_visit(
            person,
            actor=actor,
            visited_on=posted_date(post.get("visited_on", ""), "visited_on"),
            form=post.get("form", VisitForm.HOME),
            situation=post.get("situation", ""),
            found_risk=post.get("found_risk") in ("1", "on", "true"),
            visitor=visitor,
        )
    if step == "level":
        return workflow.request_level_change(
            person, actor=actor, to_level=post.get("to_level", ""), reason=post.get("reason", "")
        )
    if step == "decide":
        change = get_for(LevelChange, actor, post.get("change", ""))
        if change.person_id != person.pk:
            raise Http404("not found")
        return workflow.decide_level_change(
            change, actor=actor, approve=post.get("approve") == "1", reason=post.get("reason", "")
        )
    if step == "take-off":
        return workflow.take_off_register(
            person,
            actor=actor,
            reason=post.get("reason", ""),
            on=posted_date(post.get("on", ""), "off_register_on"),
        )
    if step == "restore":
        return workflow.restore_to_register(person, actor=actor, reason=post.get("reason", ""))
    raise Http404("not found")


@login_required
@require_POST
def person_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One workflow step from the detail page: visit, level, decide, take-off, restore."""
    person = get_for(PersonOfConcern, request.user, pk)
    run_step(request, lambda: _step(request, person, step), field_label=_field_name, separator=": ")
    return redirect("concern-detail", person.pk)


@login_required
@require_http_methods(["GET", "POST"])
def policies(request: HttpRequest) -> HttpResponse:
    """Visit cadence per township (days between visits per level)."""
    if not can(request.user, VisitPolicy, "view"):
        raise Http404("not found")
    form = VisitPolicyForm(actor=request.user)
    if request.method == "POST":
        try:
            services.set_visit_policy(actor=request.user, data=request.POST)
        except RecordInvalid as exc:
            _errors_to_messages(request, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("concern-policies")
    context = {
        "form": form,
        "rows": VisitPolicy.objects.visible_to(request.user).select_related("jurisdiction"),
        "can_change": can(request.user, VisitPolicy, "change"),
    }
    return render(request, "concerns/policies.html", context)
