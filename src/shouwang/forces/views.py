"""Pages specific to members."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shouwang.core.scoping import get_for
from shouwang.forces import services
from shouwang.forces.models import Member


@login_required
@require_POST
def reveal_citizen_id(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_for(Member, request.user, pk)
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, _("Give a reason for viewing the full number."))
        return redirect("record-detail", key="members", pk=member.pk)
    value = services.reveal_citizen_id(member, actor=request.user, reason=reason)
    response = render(request, "forces/reveal.html", {"member": member, "value": value})
    response["Cache-Control"] = "no-store"
    return response
