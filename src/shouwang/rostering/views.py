"""Pages of duty planning beyond the generic record pages: plan a draft, move a roster."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shouwang.core.downloads import attachment
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.forces.models import Member
from shouwang.rostering import exports, ics, planning, replan, services
from shouwang.rostering.forms import GenerateRosterForm, TransitionForm
from shouwang.rostering.models import CalendarFeed, Duty, Roster, SwapRequest


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
        # Planning takes seconds to minutes: it runs as a background job with its own page.
        try:
            job = planning.submit_plan(
                actor=request.user, team=form.cleaned_data["team"], month=form.cleaned_data["month"]
            )
        except RecordInvalid as exc:
            for errs in exc.errors.values():
                for message in errs:
                    form.add_error(None, message)
        else:
            return redirect("job-detail", pk=job.pk)
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


@login_required
@require_GET
def roster_timetable_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    roster = get_for(Roster, request.user, pk, "view")
    return attachment(
        exports.timetable_xlsx(roster),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exports.filename(roster, "xlsx"),
        f"timetable-{roster.month:%Y-%m}.xlsx",
    )


@login_required
@require_GET
def roster_timetable_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    roster = get_for(Roster, request.user, pk, "view")
    return attachment(
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


# -- roster lifecycle: re-planning, my duties, swaps -----------------------------------------


def _flash_invalid(request: HttpRequest, exc: RecordInvalid) -> None:
    for errs in exc.errors.values():
        for message in errs:
            messages.error(request, message)


@login_required
@require_POST
def roster_replan(request: HttpRequest, pk: int) -> HttpResponse:
    roster = get_for(Roster, request.user, pk, "change")
    try:
        job = replan.submit_replan(
            roster, actor=request.user, reason=request.POST.get("reason", "")
        )
    except RecordInvalid as exc:
        _flash_invalid(request, exc)
        return redirect(_detail(roster))
    # A progress bar while the solver works; the job page links back to the roster.
    return redirect(reverse("job-detail", args=[job.pk]))


@login_required
@require_GET
def my_duties(request: HttpRequest) -> HttpResponse:
    """A member's own upcoming duties, with a swap button each, and their swap requests."""
    member = replan.member_for_user(request.user)
    duties = list(replan.upcoming_duties(member)) if member else []
    swaps = list(replan.swaps_for_member(member)[:50]) if member else []
    candidates = replan.swap_candidates(member, duties) if member else {}
    rows = [(a, candidates.get(a.duty_id, [])) for a in duties]
    context = {"member": member, "duties": rows, "swaps": swaps, "now": timezone.now()}
    return render(request, "rostering/my_duties.html", context)


@login_required
@require_POST
def swap_create(request: HttpRequest) -> HttpResponse:
    duty = get_for(Duty, request.user, request.POST.get("duty"), "view")
    counterpart = None
    if request.POST.get("counterpart"):
        counterpart = get_for(Member, request.user, request.POST["counterpart"], "view")
    try:
        services.request_swap(
            actor=request.user,
            duty=duty,
            counterpart=counterpart,
            note=request.POST.get("note", ""),
        )
    except RecordInvalid as exc:
        _flash_invalid(request, exc)
    else:
        messages.success(request, _("Your swap request was sent."))
    return redirect("rostering-my-duties")


def _swap_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    swap = get_for(SwapRequest, request.user, pk, "view")
    try:
        if action == "accept":
            services.accept_swap(swap, actor=request.user)
        elif action == "withdraw":
            services.withdraw_swap(swap, actor=request.user)
        else:
            services.decide_swap(
                swap,
                actor=request.user,
                approve=action == "approve",
                reason=request.POST.get("reason", ""),
            )
    except RecordInvalid as exc:
        _flash_invalid(request, exc)
    target = "rostering-swap-inbox" if action in ("approve", "reject") else "rostering-my-duties"
    return redirect(target)


@login_required
@require_POST
def swap_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _swap_action(request, pk, "accept")


@login_required
@require_POST
def swap_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _swap_action(request, pk, "withdraw")


@login_required
@require_POST
def swap_decide(request: HttpRequest, pk: int) -> HttpResponse:
    return _swap_action(request, pk, "approve" if "approve" in request.POST else "reject")


@login_required
@require_GET
def swap_inbox(request: HttpRequest) -> HttpResponse:
    """Swap requests a team leader (or the office) decides on, open ones first."""
    if not can(request.user, SwapRequest, "change"):
        raise PermissionDenied
    rows = (
        SwapRequest.objects.visible_to(request.user, "change")
        .select_related("duty__post", "requester", "counterpart", "counterpart_duty__post")
        .order_by("-created_at", "-pk")
    )
    swaps = list(rows[:100])
    pending = [s for s in swaps if s.status == "accepted"]
    waiting = [s for s in swaps if s.status == "requested"]
    done = [s for s in swaps if not s.is_open]
    return render(
        request,
        "rostering/swap_inbox.html",
        {"pending": pending, "waiting": waiting, "done": done},
    )
