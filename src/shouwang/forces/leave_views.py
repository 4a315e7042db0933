"""Leave pages (请假): a member asks with their own login; the team leader or office decides.

Thin views: the writes are `services.request_absence` and `services.decide_absence`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.forces import services
from shouwang.forces.forms import AbsenceRequestForm
from shouwang.forces.models import AbsenceStatus, Member, MemberAbsence


def own_member(user: Any) -> Member | None:
    """The member whose own login is `user` (Member.user), or None.

    Not a scoped read: the login link itself is the permission to see one's own leave,
    exactly as `services.request_absence` treats it.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(user_id=user.pk).first()


def own_absences(member: Member) -> Any:
    return member.absences.order_by("-start_date", "-pk")


def request_form(data: Any = None) -> AbsenceRequestForm:
    """The ask-for-leave form, with the browser's date pickers."""
    form = AbsenceRequestForm(data=data)
    for name in ("start_date", "end_date"):
        form.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return form


def _show_errors(form: forms.BaseForm, exc: RecordInvalid) -> None:
    """Put the service's refusals next to the fields they name."""
    form.is_valid()  # the form's own checks first, so no message is shown twice
    for name, texts in exc.errors.items():
        field = name if name in form.fields else None
        for text in texts:
            if field is not None and text in form.errors.get(field, []):
                continue
            if field is None and name != NON_FIELD:
                text = f"{name}: {text}"
            form.add_error(field, text)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_leave(request: HttpRequest) -> HttpResponse:
    """A member's own absences with their status, and the form to ask for leave."""
    member = own_member(request.user)
    form = request_form()
    if request.method == "POST" and member is not None:
        try:
            services.request_absence(actor=request.user, data=request.POST)
        except RecordInvalid as exc:
            form = request_form(request.POST)
            _show_errors(form, exc)
        else:
            messages.success(request, _("Your leave request was sent to your team leader."))
            return redirect("forces-my-leave")
    context = {
        "member": member,
        "absences": list(own_absences(member)) if member is not None else [],
        "form": form,
    }
    return render(request, "forces/my_leave.html", context)


@login_required
@require_GET
def leave_requests(request: HttpRequest) -> HttpResponse:
    """Open leave requests in the leader's (or office's) scope, oldest first day first."""
    if not can(request.user, MemberAbsence, "change"):
        raise PermissionDenied
    pending = list(
        MemberAbsence.objects.visible_to(request.user, "change")
        .filter(status=AbsenceStatus.REQUESTED)
        .select_related("member")
        .order_by("start_date", "pk")
    )
    return render(request, "forces/leave_requests.html", {"pending": pending})


@login_required
@require_POST
def leave_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject one request; a rejection needs a reason."""
    absence = get_for(MemberAbsence, request.user, pk, "change")
    approve = "approve" in request.POST
    try:
        services.decide_absence(
            absence, actor=request.user, approve=approve, reason=request.POST.get("reason", "")
        )
    except RecordInvalid as exc:
        for texts in exc.errors.values():
            for text in texts:
                messages.error(request, f"{absence.member.name}: {text}")
    else:
        done = _("Approved") if approve else _("Rejected")
        messages.success(request, f"{done}: {absence}")
    return redirect("forces-leave-requests")
