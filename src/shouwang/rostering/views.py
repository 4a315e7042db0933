"""Pages of duty planning beyond the generic record pages: plan a draft, move a roster."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.rostering import services
from shouwang.rostering.forms import GenerateRosterForm, TransitionForm
from shouwang.rostering.models import Roster


def _detail(roster: Roster) -> str:
    return reverse("record-detail", args=["rosters", roster.pk])


@login_required
@require_http_methods(["GET", "POST"])
def roster_generate(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Roster, "change"):
        raise PermissionDenied
    initial = {"team": request.GET.get("team"), "month": request.GET.get("month")}
    form = GenerateRosterForm(request.POST or None, initial=initial, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            roster = services.generate_draft_roster(
                actor=request.user, team=form.cleaned_data["team"], month=form.cleaned_data["month"]
            )
        except RecordInvalid as exc:
            for errs in exc.errors.values():
                for message in errs:
                    form.add_error(None, message)
        else:
            return redirect(_detail(roster))
    return render(request, "rostering/generate.html", {"form": form})


@login_required
@require_POST
def roster_transition(request: HttpRequest, pk: int) -> HttpResponse:
    roster = get_for(Roster, request.user, pk, "change")
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.transition_roster(
                roster,
                form.cleaned_data["to"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except RecordInvalid as exc:
            for errs in exc.errors.values():
                for message in errs:
                    messages.error(request, message)
    return redirect(_detail(roster))
