"""Pages specific to members."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
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
        raise PermissionDenied
    value = services.reveal_citizen_id(member, actor=request.user, reason=reason)
    response = render(request, "forces/reveal.html", {"member": member, "value": value})
    response["Cache-Control"] = "no-store"
    return response
