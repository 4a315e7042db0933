"""Office pages of field work: the log list, a log's full record with review actions, the
monthly ledger downloads, adding the standard checklists, and photos served behind scope."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shouwang.areas.models import PatrolMethod
from shouwang.core.audit import history_for, label_for
from shouwang.core.downloads import attachment
from shouwang.core.models import Jurisdiction, JurisdictionLevel
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.core.steps import run_step, show_errors
from shouwang.forces.models import Team
from shouwang.patrols import checklists, ledger, review
from shouwang.patrols.forms import CorrectionForm, LedgerForm, ReturnForm
from shouwang.patrols.models import (
    AttendanceStatus,
    Checklist,
    FieldPhoto,
    ItemResult,
    LogCorrection,
    LogStatus,
    PatrolLog,
)

PAGE_SIZE = 50


def parse_month(value: str | None) -> dt.date | None:
    """'2026-11' → 2026-11-01; anything else → None."""
    text = str(value or "").strip()
    try:
        year, month = text.split("-")[:2]
        return dt.date(int(year), int(month[:2]), 1)
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def filtered_logs(user: Any, params: Any) -> tuple[QuerySet[PatrolLog], dict[str, Any]]:
    """The actor's logs narrowed by ?team=&status=&month=YYYY-MM&unplanned=1 (shared by the
    page and the API)."""
    qs = PatrolLog.objects.visible_to(user)
    chosen: dict[str, Any] = {}
    team = _int(params.get("team"))
    if team is not None:
        qs = qs.filter(team_id=team)
        chosen["team"] = team
    status = params.get("status")
    if status in LogStatus.values:
        qs = qs.filter(status=status)
        chosen["status"] = status
    month = parse_month(params.get("month"))
    if month is not None:
        start, end = ledger.month_bounds(month)
        qs = qs.filter(started_at__gte=start, started_at__lt=end)
        chosen["month"] = f"{month:%Y-%m}"
    if str(params.get("unplanned") or "").lower() in ("1", "true", "yes", "on"):
        qs = qs.filter(duty__isnull=True)
        chosen["unplanned"] = True
    return qs, chosen


def with_counts(qs: QuerySet[PatrolLog]) -> QuerySet[PatrolLog]:
    """One query for a page of logs: header relations and the attendance and flag counts."""
    attended = [AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.SUBSTITUTE]
    return (
        qs.select_related("team", "duty__post", "post", "author")
        .annotate(
            attendance_count=Count("attendance", distinct=True),
            present_count=Count(
                "attendance", filter=Q(attendance__status__in=attended), distinct=True
            ),
            absent_count=Count(
                "attendance", filter=Q(attendance__status=AttendanceStatus.ABSENT), distinct=True
            ),
            flag_count=Count(
                "check_ins",
                filter=~Q(check_ins__flag="") & Q(check_ins__reviewed_at__isnull=True),
                distinct=True,
            ),
            photo_count=Count("photos", distinct=True),
        )
        .order_by("-started_at", "-pk")
    )  # Meta.ordering is not applied to grouped queries


@login_required
@require_GET
def log_list(request: HttpRequest) -> HttpResponse:
    if not can(request.user, PatrolLog, "view"):
        raise PermissionDenied
    qs, chosen = filtered_logs(request.user, request.GET)
    page = Paginator(with_counts(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    teams = Team.objects.visible_to(request.user).order_by("name").only("pk", "name")
    context = {
        "page": page,
        "teams": teams,
        "statuses": LogStatus.choices,
        "chosen": chosen,
        "querystring": urlencode(
            {k: v for k, v in chosen.items() if v is not True}
            | ({"unplanned": "1"} if chosen.get("unplanned") else {})
        ),
        "may_install": can(request.user, Checklist, "add"),
        "may_enter": may_enter_paper_logs(request.user),
    }
    return render(request, "patrols/office/log_list.html", context)


def _detail_log(user: Any, pk: int) -> PatrolLog:
    found = get_for(PatrolLog, user, pk, "view")
    return ledger.with_details(PatrolLog.objects.filter(pk=found.pk)).get()


@login_required
@require_GET
def log_detail(request: HttpRequest, pk: int) -> HttpResponse:
    log = _detail_log(request.user, pk)
    reviewer = review.may_review(request.user, log)
    findings = [
        {
            "label": review.FINDING_LABELS.get(str(f.get("kind")), f.get("kind")),
            "text": f.get("text"),
        }
        for f in (log.findings or [])
        if isinstance(f, dict)
    ]
    history = [
        {"event": e, "label": label_for(e.code)} for e in history_for(log).order_by("at", "pk")
    ]
    context = {
        "log": log,
        "duty_text": ledger.duty_text(log) if log.duty_id else _("Unplanned patrol"),
        "place_text": ledger.place_text(log),
        "counts": ledger.attendance_counts(log),
        "findings": findings,
        "may_confirm": reviewer and log.status == LogStatus.SUBMITTED,
        "may_correct": reviewer and log.status == LogStatus.CONFIRMED,
        "return_form": ReturnForm(),
        "correction_form": CorrectionForm(),
        "history": history,
        "has_positions": any(c.latitude is not None for c in log.check_ins.all()),
        "map": {
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "tile_crs": settings.MAP_TILE_CRS,
            "center": settings.MAP_CENTER,
            "labels": json.dumps(
                {
                    "check_in": str(_("Check-ins")),
                    "route": str(_("Patrol routes")),
                    "key_place": str(_("Key places")),
                },
                ensure_ascii=False,
            ),
        },
    }
    return render(request, "patrols/office/log_detail.html", context)


def map_features(log: PatrolLog) -> list[dict[str, Any]]:
    """The log's check-ins (red when flagged), its route and its post's place as GeoJSON
    features in WGS-84, for static/shouwang/map.js (which shifts them for GCJ-02 tiles)."""
    features: list[dict[str, Any]] = []
    if log.route is not None and log.route.geometry:
        features.append(
            {
                "type": "Feature",
                "geometry": log.route.geometry,
                "properties": {"layer": "route", "name": log.route.name},
            }
        )
    place = log.post.key_place if log.post is not None else None
    if place is not None and place.longitude is not None and place.latitude is not None:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [place.longitude, place.latitude]},
                "properties": {"layer": "key_place", "name": place.name},
            }
        )
    for check_in in log.check_ins.all():
        if check_in.latitude is None or check_in.longitude is None:
            continue
        when = timezone.localtime(check_in.phone_time).strftime("%H:%M")
        kind = check_in.get_kind_display()
        if check_in.flag:
            kind = f"{kind} · {check_in.get_flag_display()}"
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [check_in.longitude, check_in.latitude],
                },
                "properties": {
                    "layer": "check_in",
                    "name": f"{check_in.member.name} {when}",
                    "kind": kind,
                    "color": "#dc2626" if check_in.flag else "#2563eb",
                },
            }
        )
    return features


@login_required
@require_GET
def log_map_data(request: HttpRequest, pk: int) -> JsonResponse:
    log = _detail_log(request.user, pk)
    response = JsonResponse({"type": "FeatureCollection", "features": map_features(log)})
    response["Cache-Control"] = "private, no-store"  # members' positions are personal data
    return response


def _review_step(
    request: HttpRequest, pk: int, act: Callable[[PatrolLog], object], done: str
) -> HttpResponse:
    """Run one review service on a log the user may see; show its refusal or `done`."""
    log = get_for(PatrolLog, request.user, pk, "view")
    # A refusal (PermissionDenied) stays a 403 here.
    run_step(request, lambda: act(log), success=done, refuse_as_message=False)
    return redirect("patrol-log-detail", pk=log.pk)


@login_required
@require_POST
def log_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_step(
        request,
        pk,
        lambda log: review.confirm_log(log, actor=request.user),
        _("The log is confirmed; it can no longer be changed."),
    )


@login_required
@require_POST
def log_return(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _review_step(
        request,
        pk,
        lambda log: review.return_log(log, actor=request.user, reason=reason),
        _("The log was sent back to its author."),
    )


@login_required
@require_POST
def log_correct(request: HttpRequest, pk: int) -> HttpResponse:
    text = request.POST.get("text", "")
    return _review_step(
        request,
        pk,
        lambda log: review.add_correction(log, actor=request.user, text=text),
        _("The correction was added."),
    )


# -- a paper log typed in by the office ---------------------------------------------------------

FINDING_ROWS = 5


def _paper_rows(user: Any, team: Team, posted: Any) -> dict[str, Any]:
    """What the paper-log page offers for a team, with the values posted so far."""
    from shouwang.areas.models import Post, Route
    from shouwang.forces.models import MemberStatus
    from shouwang.rostering.models import Duty, RosterStatus

    since = timezone.localdate() - dt.timedelta(days=62)
    duties = (
        Duty.objects.visible_to(user)
        .filter(
            roster__team=team,
            roster__status__in=[RosterStatus.PUBLISHED, RosterStatus.AMENDED],
            date__gte=since,
            date__lte=timezone.localdate(),
        )
        .select_related("post")
        .order_by("-start")[:200]
    )
    members = team.members.filter(status=MemberStatus.ACTIVE).order_by("name")
    language = translation.get_language() or ""
    return {
        "duties": duties,
        "posts": Post.objects.visible_to(user).filter(team=team).order_by("name"),
        "routes": Route.objects.visible_to(user).order_by("name"),
        "members": [
            {
                "member": m,
                "status": posted.get(f"att-{m.pk}", ""),
                "substitute_for": posted.get(f"sub-{m.pk}", ""),
                "note": posted.get(f"attnote-{m.pk}", ""),
            }
            for m in members
        ],
        "checklists": [
            {
                "checklist": c,
                "items": [
                    {
                        "code": item["code"],
                        "text": checklists.item_text(item, language),
                        "hint": item.get("hint", ""),
                        "result": posted.get(f"cl-{c.pk}-{item['code']}", ""),
                        "note": posted.get(f"cl-{c.pk}-{item['code']}-note", ""),
                    }
                    for item in c.items
                    if isinstance(item, dict) and "code" in item
                ],
            }
            for c in Checklist.objects.visible_to(user).filter(active=True)
        ],
        "findings": [
            {
                "i": i,
                "kind": posted.get(f"finding-kind-{i}", ""),
                "text": posted.get(f"finding-text-{i}", ""),
            }
            for i in range(FINDING_ROWS)
        ],
    }


def _paper_data(team: Team, rows: dict[str, Any], posted: Any) -> dict[str, Any]:
    """The page's fields as the phone's patrol_log data (docs/field-sync.md)."""
    header = ("duty", "post", "route", "place", "method", "started_at", "ended_at")
    data: dict[str, Any] = {name: posted.get(name) or None for name in header}
    data["place"] = posted.get("place", "")
    data["team"] = team.pk
    data["publicity"] = posted.get("publicity", "")
    data["notes"] = posted.get("notes", "")
    # The duty may already have a log; a second one only when the office ticks it on purpose.
    data["second_log"] = posted.get("second_log") == "on"
    data["attendance"] = [
        {
            "member": row["member"].pk,
            "status": row["status"],
            "substitute_for": row["substitute_for"] or None,
            "note": row["note"],
        }
        for row in rows["members"]
        if row["status"]
    ]
    data["checklists"] = [
        {
            "checklist": group["checklist"].pk,
            "items": [
                {"code": i["code"], "result": i["result"], "note": i["note"]}
                for i in group["items"]
                if i["result"]
            ],
        }
        for group in rows["checklists"]
        if any(i["result"] for i in group["items"])
    ]
    data["findings"] = [
        {"kind": f["kind"] or "other", "text": f["text"].strip()}
        for f in rows["findings"]
        if f["text"].strip()
    ]
    return data


def may_enter_paper_logs(user: Any) -> bool:
    """Leaders and the office type in paper logs (roles that may also append corrections)."""
    return can(user, PatrolLog, "add") and can(user, LogCorrection, "add")


def _labelled(errors: dict[str, list[str]]) -> list[tuple[str, str]]:
    labels = {
        "attendance": _("Attendance"),
        "checklists": _("Checklist results"),
        "__all__": "",
    }
    out = []
    for name, messages_ in errors.items():
        label = labels.get(name)
        if label is None:
            try:
                label = str(getattr(PatrolLog._meta.get_field(name), "verbose_name", name))
            except Exception:
                label = name
        out += [(label, m) for m in messages_]
    return out


@login_required
@require_http_methods(["GET", "POST"])
def log_paper(request: HttpRequest) -> HttpResponse:
    """Type in a patrol log handed in on paper (villages without a phone or signal)."""
    if not may_enter_paper_logs(request.user):
        raise PermissionDenied
    params = request.POST if request.method == "POST" else request.GET
    teams = Team.objects.visible_to(request.user).order_by("name")
    team = get_for(Team, request.user, params.get("team"), "view") if params.get("team") else None
    context: dict[str, Any] = {"teams": teams, "team": team, "errors": {}, "posted": params}
    if team is None:
        return render(request, "patrols/office/log_paper.html", context)
    rows = _paper_rows(request.user, team, params)
    context.update(rows)
    context["finding_kinds"] = list(review.FINDING_LABELS.items())
    context["results"] = [(value, label) for value, label in ItemResult.choices]
    context["attendance_choices"] = AttendanceStatus.choices
    context["methods"] = PatrolMethod.choices
    if request.method == "POST":
        try:
            log = review.record_log_from_office(
                actor=request.user, data=_paper_data(team, rows, params)
            )
        except RecordInvalid as exc:
            context["errors"] = exc.errors
            context["error_list"] = _labelled(exc.errors)
        else:
            messages.success(request, _("The paper log was entered and awaits confirmation."))
            return redirect("patrol-log-detail", pk=log.pk)
    return render(request, "patrols/office/log_paper.html", context)


# -- photos: personal data, served only inside the viewer's scope ------------------------------


@login_required
@require_GET
def photo(request: HttpRequest, uuid: str) -> FileResponse:
    found = FieldPhoto.objects.visible_to(request.user).filter(uuid=uuid).first()
    if found is None or not found.image:
        raise Http404("not found")
    if found.log_id is not None:
        # A team-narrowed viewer sees the photos of the logs they may see, not the whole place.
        get_for(PatrolLog, request.user, found.log_id, "view")
    try:
        handle = found.image.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("not found") from exc
    response = FileResponse(handle, content_type=found.content_type or "image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{found.uuid.hex}.jpg"'
    return response


# -- the monthly ledger --------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerChoice:
    """Which volume: a month, optionally narrowed to a team or a place (with its subtree)."""

    month: dt.date
    team: Team | None = None
    jurisdiction: Jurisdiction | None = None

    def query(self) -> str:
        params: dict[str, Any] = {"month": f"{self.month:%Y-%m}"}
        if self.team is not None:
            params["team"] = self.team.pk
        if self.jurisdiction is not None:
            params["jurisdiction"] = self.jurisdiction.pk
        return urlencode(params)

    def logs(self, user: Any) -> QuerySet[PatrolLog]:
        return ledger.ledger_logs(
            user, month=self.month, team=self.team, jurisdiction=self.jurisdiction
        )


def ledger_choice(user: Any, params: Any, month: dt.date | None = None) -> LedgerChoice:
    """The month (?month=YYYY-MM, default this month), team (?team=) and place
    (?jurisdiction=) asked for; a team or place outside the viewer's scope is 404."""
    month = month or parse_month(params.get("month")) or timezone.localdate().replace(day=1)
    team = get_for(Team, user, params.get("team"), "view") if params.get("team") else None
    place = None
    if params.get("jurisdiction"):
        place = get_for(Jurisdiction, user, params.get("jurisdiction"), "view")
    return LedgerChoice(month=month, team=team, jurisdiction=place)


@login_required
@require_GET
def ledger_page(request: HttpRequest) -> HttpResponse:
    if not can(request.user, PatrolLog, "view"):
        raise PermissionDenied
    choice = ledger_choice(request.user, request.GET)
    logs = list(choice.logs(request.user))
    form = LedgerForm(
        initial={
            "month": choice.month,
            "team": choice.team.pk if choice.team else None,
            "jurisdiction": choice.jurisdiction.pk if choice.jurisdiction else None,
        },
        actor=request.user,
    )
    context = {
        "form": form,
        "choice": choice,
        "counts": ledger.counts_of(logs),
        "logs": logs,
        "query": choice.query(),
        "title": ledger.ledger_title(choice.month, choice.team, choice.jurisdiction),
    }
    return render(request, "patrols/office/ledger.html", context)


def ledger_file(user: Any, choice: LedgerChoice, kind: str) -> HttpResponse:
    """The ledger as a PDF or xlsx download (shared by the page and the API)."""
    if not can(user, PatrolLog, "view"):
        raise PermissionDenied
    logs = choice.logs(user)
    month, team, place = choice.month, choice.team, choice.jurisdiction
    name = ledger.filename(month, team, "pdf" if kind == "pdf" else "xlsx", place)
    if kind == "pdf":
        return attachment(
            ledger.ledger_pdf(logs, month=month, team=team, jurisdiction=place),
            "application/pdf",
            name,
            f"patrol-logs-{month:%Y-%m}.pdf",
        )
    return attachment(
        ledger.ledger_xlsx(logs, month=month, team=team, jurisdiction=place),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        name,
        f"patrol-logs-{month:%Y-%m}.xlsx",
    )


@login_required
@require_GET
def ledger_pdf(request: HttpRequest) -> HttpResponse:
    return ledger_file(request.user, ledger_choice(request.user, request.GET), "pdf")


@login_required
@require_GET
def ledger_xlsx(request: HttpRequest) -> HttpResponse:
    return ledger_file(request.user, ledger_choice(request.user, request.GET), "xlsx")


# -- the standard checklists -----------------------------------------------------------------


def install_places(user: Any) -> QuerySet[Jurisdiction]:
    """Where the standard checklists may be added: townships (and counties) in scope."""
    return (
        Jurisdiction.objects.visible_to(user)
        .filter(level__in=[JurisdictionLevel.TOWNSHIP, JurisdictionLevel.COUNTY])
        .order_by("path")
    )


@login_required
@require_http_methods(["GET", "POST"])
def checklists_install(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Checklist, "add"):
        raise PermissionDenied
    places = list(install_places(request.user))
    if request.method == "POST":
        place = get_for(Jurisdiction, request.user, request.POST.get("jurisdiction"), "view")
        try:
            installed = checklists.install_standard_checklists(place, actor=request.user)
        except RecordInvalid as exc:
            show_errors(request, exc)
        else:
            messages.success(
                request,
                _("The standard checklists are in place for %(place)s: %(names)s.")
                % {"place": place.name, "names": "、".join(c.name for c in installed)},
            )
            return redirect(reverse("record-list", args=["checklists"]))
    language = translation.get_language() or ""
    standard = [
        {
            "name": spec["name_en"] if language.startswith("en") else spec["name"],
            "items": [checklists.item_text(i, language) for i in spec["items"]],
        }
        for spec in checklists.standard_checklists()
    ]
    return render(
        request, "patrols/office/checklists_install.html", {"places": places, "standard": standard}
    )
