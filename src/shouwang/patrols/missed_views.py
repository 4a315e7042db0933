"""Pages of missed duties (漏岗), the review of flagged check-ins, and attendance figures.

Thin views: reads start from scope (`visible_to` / `get_for`, 404 alike for missing and
out-of-scope), writes are `attendance.close_missed_duty` and `attendance.review_check_in`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shouwang.core.models import Jurisdiction
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.forces.models import Team
from shouwang.patrols import attendance
from shouwang.patrols.models import CheckIn, MissedDuty, PatrolLog
from shouwang.rostering.models import DutyAssignment


def _status_options() -> list[tuple[str, str]]:
    return [("open", _("Open")), ("closed", _("Closed")), ("all", _("All"))]


def _team_filter(request: HttpRequest) -> Team | None:
    """The ?team= filter, read within scope (an out-of-scope team answers 404)."""
    value = request.GET.get("team", "").strip()
    if not value:
        return None
    return get_for(Team, request.user, value)


def missed_queryset(user: Any, status: str, team: Team | None) -> Any:
    qs = MissedDuty.objects.visible_to(user).select_related(
        "duty__post", "duty__roster__team__jurisdiction", "closed_by"
    )
    if status == "open":
        qs = qs.filter(closed_at__isnull=True)
    elif status == "closed":
        qs = qs.filter(closed_at__isnull=False)
    if team is not None:
        qs = qs.filter(duty__roster__team=team)
    return qs.order_by("-duty__start", "-pk")


def _teams_in_scope(user: Any) -> Any:
    return Team.objects.visible_to(user).order_by("name")


@login_required
@require_GET
def missed_duty_list(request: HttpRequest) -> HttpResponse:
    """Missed duties in the user's scope (open ones first by default)."""
    if not can(request.user, MissedDuty, "view"):
        raise PermissionDenied
    status = request.GET.get("status", "open")
    if status not in {"open", "closed", "all"}:
        status = "open"
    team = _team_filter(request)
    page = Paginator(missed_queryset(request.user, status, team), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    items = list(page.object_list)
    deciding = {
        item.pk: attendance.may_decide(request.user, item.duty.roster.team) for item in items
    }
    query: dict[str, str] = {"status": status, **({"team": str(team.pk)} if team else {})}
    context = {
        "page": page,
        "rows": [(item, deciding[item.pk]) for item in items],
        "status": status,
        "status_options": _status_options(),
        "team": team,
        "teams": _teams_in_scope(request.user),
        "querystring": urlencode(query),
    }
    return render(request, "patrols/missed/list.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def missed_duty_close(request: HttpRequest, pk: int) -> HttpResponse:
    """One missed duty, and the form that closes it with a comment (leader or office)."""
    item = get_for(MissedDuty, request.user, pk)
    team = item.duty.roster.team
    may_close = attendance.may_decide(request.user, team) and item.is_open
    errors: dict[str, list[str]] = {}
    comment = ""
    if request.method == "POST":
        comment = request.POST.get("comment", "")
        try:
            attendance.close_missed_duty(item, actor=request.user, comment=comment)
        except RecordInvalid as exc:
            errors = _field_errors(exc, {"comment"})
        else:
            messages.success(request, _("The missed duty is closed."))
            return redirect("missed-duty-list")
    context = {
        "item": item,
        "duty": item.duty,
        "team": team,
        "assigned": DutyAssignment.objects.visible_to(request.user)
        .filter(duty=item.duty)
        .select_related("member")
        .order_by("member__name"),
        "logs": PatrolLog.objects.visible_to(request.user)
        .filter(duty=item.duty)
        .order_by("started_at"),
        "may_close": may_close,
        "comment": comment,
        "errors": errors,
    }
    status = 422 if errors else 200
    return render(request, "patrols/missed/close.html", context, status=status)


def _field_errors(exc: RecordInvalid, fields: set[str]) -> dict[str, list[str]]:
    """The service's refusals keyed by form field; anything else ("general") goes to the top
    of the form (templates cannot read the "__all__" key)."""
    out: dict[str, list[str]] = {}
    for name, texts in exc.errors.items():
        key = name if name in fields else "general"
        out.setdefault(key, []).extend(texts)
    return out


@login_required
@require_GET
def checkin_review_list(request: HttpRequest) -> HttpResponse:
    """Flagged check-ins waiting for the leader's review (or all flagged: ?reviewed=all)."""
    if not can(request.user, CheckIn, "view"):
        raise PermissionDenied
    show_all = request.GET.get("reviewed") == "all"
    qs = attendance.flagged_check_ins(request.user)
    if not show_all:
        qs = qs.filter(reviewed_at__isnull=True)
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    outcomes = attendance.review_outcomes(items)
    rows = [
        {
            "check_in": c,
            "may_review": c.reviewed_at is None and attendance.may_decide(request.user, c.log.team),
            "accepted": outcomes.get(c.pk),
        }
        for c in items
    ]
    context = {
        "page": page,
        "rows": rows,
        "show_all": show_all,
        "querystring": urlencode({"reviewed": "all"} if show_all else {}),
    }
    return render(request, "patrols/missed/checkin_list.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def checkin_review(request: HttpRequest, pk: int) -> HttpResponse:
    """One flagged check-in and the leader's decision: accept, or not accept with a note."""
    check_in = get_for(CheckIn, request.user, pk)
    errors: dict[str, list[str]] = {}
    note = ""
    if request.method == "POST":
        note = request.POST.get("note", "")
        accepted = "accept" in request.POST
        try:
            attendance.review_check_in(check_in, actor=request.user, accepted=accepted, note=note)
        except RecordInvalid as exc:
            errors = _field_errors(exc, {"note"})
        else:
            done = _("Accepted") if accepted else _("Not accepted")
            messages.success(request, f"{done}: {check_in}")
            return redirect("checkin-review-list")
    context = {
        "check_in": check_in,
        "log": check_in.log,
        "may_review": check_in.reviewed_at is None
        and bool(check_in.flag)
        and attendance.may_decide(request.user, check_in.log.team),
        "accepted": attendance.review_outcomes([check_in]).get(check_in.pk),
        "note": note,
        "errors": errors,
    }
    status = 422 if errors else 200
    return render(request, "patrols/missed/checkin_review.html", context, status=status)


@login_required
@require_GET
def attendance_figures(request: HttpRequest) -> HttpResponse:
    """Attendance figures of a month: per team and per member (?month=YYYY-MM&team=)."""
    if not can(request.user, MissedDuty, "view"):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    text = request.GET.get("month", "").strip()
    month = timezone.localdate().replace(day=1)
    if text:
        try:
            month = attendance.parse_month(text)
        except RecordInvalid as exc:
            errors = exc.errors
    team = _team_filter(request)
    jurisdiction = None
    if request.GET.get("jurisdiction", "").strip():
        jurisdiction = get_for(Jurisdiction, request.user, request.GET["jurisdiction"].strip())
    figures = None
    if not errors:
        figures = attendance.attendance_figures(
            actor=request.user, month=month, team=team, jurisdiction=jurisdiction
        )
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = attendance.month_bounds(month)[1]
    base: dict[str, str] = {"team": str(team.pk)} if team else {}
    context = {
        "figures": figures,
        "month": month,
        "month_text": text if errors else f"{month:%Y-%m}",
        "team": team,
        "teams": _teams_in_scope(request.user),
        "errors": errors,
        "previous_query": urlencode({"month": f"{previous:%Y-%m}", **base}),
        "next_query": urlencode({"month": f"{following:%Y-%m}", **base}),
    }
    return render(request, "patrols/missed/attendance.html", context, status=422 if errors else 200)
