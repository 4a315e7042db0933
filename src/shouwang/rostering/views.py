"""Pages of duty planning beyond the generic record pages: plan a draft, move a roster."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.forces.models import Member
from shouwang.rostering import exports, ics, services
from shouwang.rostering.forms import GenerateRosterForm, TransitionForm
from shouwang.rostering.models import CalendarFeed, Roster


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


# -- the month's timetable as files ----------------------------------------------------------


def _attachment(body: bytes, content_type: str, filename: str, fallback: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def roster_timetable_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    roster = get_for(Roster, request.user, pk, "view")
    return _attachment(
        exports.timetable_xlsx(roster),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exports.filename(roster, "xlsx"),
        f"timetable-{roster.month:%Y-%m}.xlsx",
    )


@login_required
@require_GET
def roster_timetable_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    roster = get_for(Roster, request.user, pk, "view")
    return _attachment(
        exports.timetable_pdf(roster),
        "application/pdf",
        exports.filename(roster, "pdf"),
        f"timetable-{roster.month:%Y-%m}.pdf",
    )


# -- calendar feeds ---------------------------------------------------------------------------


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A member's duties as iCalendar, for phone calendars; the token is the only key.

    Unknown and revoked tokens answer the same 404.
    """
    feed = services.active_calendar_feed(token)
    if feed is None:
        raise Http404("not found")
    # Phone calendars send no useful language: the feed speaks the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        body = ics.render_feed(feed.member)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = 'inline; filename="duties.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _feeds_page(
    request: HttpRequest, member: Member, new_url: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "member": member,
        "feeds": list(CalendarFeed.objects.filter(member=member)),
        "can_manage": services.may_manage_calendar_feeds(request.user, member),
        "new_url": new_url,
        "new_webcal": "webcal://" + new_url.split("://", 1)[1] if "://" in new_url else "",
        "member_url": reverse("record-detail", args=["members", member.pk]),
    }
    response = render(request, "rostering/member_feeds.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def member_feeds(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's calendar feeds; issuing one shows its address this once."""
    member = get_for(Member, request.user, pk, "view")
    if request.method == "POST":
        _feed, path = services.issue_calendar_feed(
            actor=request.user, member=member, name=request.POST.get("name", "")
        )
        return _feeds_page(request, member, new_url=request.build_absolute_uri(path))
    return _feeds_page(request, member)


@login_required
@require_POST
def feed_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    feed = CalendarFeed.objects.filter(pk=pk).first()
    if feed is None:
        raise Http404("not found")
    feed = services.revoke_calendar_feed(actor=request.user, feed=feed)
    messages.success(request, _("The calendar feed is revoked; its address no longer works."))
    return redirect("member-calendar-feeds", pk=feed.member_id)
