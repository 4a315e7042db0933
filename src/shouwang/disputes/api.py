"""Dispute workflow API (/api/v1/disputes/…), beside the registered CRUD API of the files
(/api/v1/disputes/, /api/v1/disputes/{id}), screenings (/api/v1/dispute-screenings/), parties
(/api/v1/dispute-parties/) and policies (/api/v1/dispute-policies/).

Paths here always have two or more segments, so they never clash with the CRUD item path:
* `GET  /{id}/case-file` — state, ladder, sessions, agreements, follow-ups, checklist;
* `POST /{id}/start`, `/{id}/mediations`, `/{id}/investigation`, `/{id}/agreements`,
  `/{id}/resolve`, `/{id}/refer`, `/{id}/close`, `/{id}/reopen`, `/{id}/follow-ups`;
* `GET  /{id}/agreements/{agreement_id}/pdf` — the agreement with signature lines;
* `GET  /screening/gaps?jurisdiction=&week_from=&week_to=` — missing screenings, zero reports;
* `GET  /reports/figures?jurisdiction=&start=&end=` and `/reports/ledger.xlsx` (same query).

Errors: 422 {"detail", "errors": [{"field", "label", "message"}]}, 403 not allowed, 404 alike
for missing and out of scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Router, Schema, Status

from shouwang.core.api import ERRORS, ErrorOut
from shouwang.core.api import error_body as shared_error_body
from shouwang.core.models import Jurisdiction
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.disputes import exports, services, workflow
from shouwang.disputes.models import (
    Dispute,
    FollowUp,
    MediationAgreement,
    MediationSession,
    Screening,
    week_start,
)

router = Router(tags=["disputes"])

_EXTRA_LABELS: dict[str, Any] = {
    "case_file": gettext_lazy("case file"),
    "reason": gettext_lazy("reason"),
    "week_from": gettext_lazy("from week"),
    "week_to": gettext_lazy("to week"),
    "start": gettext_lazy("start"),
    "end": gettext_lazy("end"),
}


def field_label(name: str) -> str:
    """The user-facing label of a field named in an error."""
    if name == NON_FIELD:
        return ""
    if name in _EXTRA_LABELS:
        return str(_EXTRA_LABELS[name])
    for model in (Dispute, MediationSession, MediationAgreement, FollowUp):
        names = {f.name for f in model._meta.get_fields()}
        if name in names:
            return str(getattr(model._meta.get_field(name), "verbose_name", name))
    return name


def error_body(exc: RecordInvalid) -> dict[str, Any]:
    return shared_error_body(exc, field_label)


def _date(value: Any) -> str | None:
    return value.isoformat() if value else None


def case_file(dispute: Dispute, user: Any) -> dict[str, Any]:
    """The file's workflow state as the API answers it."""
    return {
        "id": dispute.pk,
        "title": dispute.title,
        "jurisdiction": dispute.jurisdiction_id,
        "status": dispute.status,
        "status_label": str(dispute.get_status_display()),
        "outcome": dispute.outcome,
        "referral_target": dispute.referral_target,
        "resolve_by": _date(dispute.resolve_by),
        "is_overdue": dispute.is_overdue,
        "civil_to_criminal": dispute.civil_to_criminal,
        "reopen_count": dispute.reopen_count,
        "investigation": dispute.investigation,
        "ladder": workflow.ladder_state(dispute),
        "parties": [
            {"id": p.pk, "name": p.name, "role": p.role, "phone": p.phone_masked}
            for p in dispute.parties.all()
        ],
        "sessions": [
            {
                "id": s.pk,
                "held_on": s.held_on.isoformat(),
                "level": s.level,
                "round": s.round_no,
                "cycle": s.cycle,
                "participants": s.participants,
                "summary": s.summary,
                "outcome": s.outcome,
            }
            for s in dispute.sessions.all()
        ],
        "agreements": [
            {
                "id": a.pk,
                "form": a.form,
                "signed_on": a.signed_on.isoformat(),
                "terms": a.terms,
                "cycle": a.cycle,
            }
            for a in dispute.agreements.all()
        ],
        "follow_ups": [
            {
                "id": v.pk,
                "due_on": v.due_on.isoformat(),
                "visited_on": _date(v.visited_on),
                "finding": v.finding,
                "note": v.note,
                "cancelled": v.cancelled,
            }
            for v in dispute.follow_ups.all()
        ],
        "checklist": workflow.case_file_items(dispute),
        "missing": workflow.missing_documents(dispute),
        "actions": sorted(workflow.allowed_actions(user, dispute)),
        "transitions": [
            {"from": t.from_status, "to": t.to_status, "at": t.at.isoformat(), "reason": t.reason}
            for t in dispute.transitions.all()
        ],
    }


def _step(request: HttpRequest, dispute_id: int, action: Callable[[Dispute], Any]) -> Any:
    dispute = get_for(Dispute, request.user, dispute_id)
    try:
        action(dispute)
    except RecordInvalid as exc:
        return Status(422, error_body(exc))
    except PermissionDenied:
        return Status(403, {"detail": _("You may not do this."), "errors": []})
    return Status(200, case_file(get_for(Dispute, request.user, dispute_id), request.user))


class SessionIn(Schema):
    held_on: Any = None
    level: str = ""
    participants: str = ""
    summary: str = ""
    outcome: str = ""


class InvestigationIn(Schema):
    text: str = ""
    investigated_on: Any = None


class AgreementIn(Schema):
    terms: str = ""
    form: str = "written"
    signed_on: Any = None
    session: int | None = None


class ResolveIn(Schema):
    partly: bool = False
    note: str = ""
    resolved_on: Any = None


class ReferIn(Schema):
    target: str = ""
    note: str = ""


class NoteIn(Schema):
    note: str = ""


class ReasonIn(Schema):
    reason: str = ""


class FollowUpIn(Schema):
    finding: str = ""
    visited_on: Any = None
    note: str = ""
    follow_up: int | None = None


@router.get("/{int:dispute_id}/case-file", response={200: dict[str, Any], **ERRORS})
def detail(request: HttpRequest, dispute_id: int) -> Any:
    """The file with its workflow state, ladder, records and case-file checklist."""
    return case_file(get_for(Dispute, request.user, dispute_id), request.user)


@router.post("/{int:dispute_id}/start", response={200: dict[str, Any], **ERRORS})
def start(request: HttpRequest, dispute_id: int) -> Any:
    """Start mediating (registered → mediating)."""
    return _step(request, dispute_id, lambda d: workflow.start_mediation(d, actor=request.user))


@router.post("/{int:dispute_id}/mediations", response={200: dict[str, Any], **ERRORS})
def mediation(request: HttpRequest, dispute_id: int, payload: SessionIn) -> Any:
    """Record a mediation session; the escalation ladder decides which levels are allowed."""
    return _step(
        request,
        dispute_id,
        lambda d: workflow.record_session(d, actor=request.user, **payload.dict()),
    )


@router.post("/{int:dispute_id}/investigation", response={200: dict[str, Any], **ERRORS})
def investigation(request: HttpRequest, dispute_id: int, payload: InvestigationIn) -> Any:
    """Record the investigation of the file."""
    return _step(
        request,
        dispute_id,
        lambda d: workflow.record_investigation(d, actor=request.user, **payload.dict()),
    )


@router.post("/{int:dispute_id}/agreements", response={200: dict[str, Any], **ERRORS})
def agreement(request: HttpRequest, dispute_id: int, payload: AgreementIn) -> Any:
    """Record the mediation agreement (written or oral)."""

    def act(d: Dispute) -> Any:
        session = None
        if payload.session is not None:
            session = d.sessions.filter(pk=payload.session).first()
            if session is None:
                raise RecordInvalid({"session": [_("Choose a session of this dispute.")]})
        return workflow.record_agreement(
            d,
            actor=request.user,
            terms=payload.terms,
            form=payload.form,
            signed_on=payload.signed_on,
            session=session,
        )

    return _step(request, dispute_id, act)


@router.get("/{int:dispute_id}/agreements/{int:agreement_id}/pdf", response={404: ErrorOut})
def agreement_pdf(request: HttpRequest, dispute_id: int, agreement_id: int) -> Any:
    """The agreement as a PDF with the parties' signature lines."""
    dispute = get_for(Dispute, request.user, dispute_id)
    found = get_for(MediationAgreement, request.user, agreement_id)
    if found.dispute_id != dispute.pk:
        return Status(404, {"detail": _("Not found."), "errors": []})
    response = HttpResponse(exports.agreement_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="agreement-{dispute.pk}-{found.pk}.pdf"'
    return response


@router.post("/{int:dispute_id}/resolve", response={200: dict[str, Any], **ERRORS})
def resolve(request: HttpRequest, dispute_id: int, payload: ResolveIn) -> Any:
    """Result: resolved (needs the agreement) or partly resolved; schedules the follow-ups."""
    return _step(
        request,
        dispute_id,
        lambda d: workflow.resolve_dispute(d, actor=request.user, **payload.dict()),
    )


@router.post("/{int:dispute_id}/refer", response={200: dict[str, Any], **ERRORS})
def refer(request: HttpRequest, dispute_id: int, payload: ReferIn) -> Any:
    """Result: mediation failed, referred to court / petition office / police / other."""
    return _step(
        request,
        dispute_id,
        lambda d: workflow.refer_dispute(
            d, actor=request.user, target=payload.target, note=payload.note
        ),
    )


@router.post("/{int:dispute_id}/close", response={200: dict[str, Any], **ERRORS})
def close(request: HttpRequest, dispute_id: int, payload: NoteIn) -> Any:
    """Close the file (office); refused with the missing case-file items."""
    return _step(
        request,
        dispute_id,
        lambda d: workflow.close_dispute(d, actor=request.user, note=payload.note),
    )


@router.post("/{int:dispute_id}/reopen", response={200: dict[str, Any], **ERRORS})
def reopen(request: HttpRequest, dispute_id: int, payload: ReasonIn) -> Any:
    """Reopen a resolved or closed file (office) with a reason."""
    return _step(
        request,
        dispute_id,
        lambda d: workflow.reopen_dispute(d, actor=request.user, reason=payload.reason),
    )


@router.post("/{int:dispute_id}/follow-ups", response={200: dict[str, Any], **ERRORS})
def follow_up(request: HttpRequest, dispute_id: int, payload: FollowUpIn) -> Any:
    """Record a follow-up visit (stable / relapse; a relapse reopens the file)."""

    def act(d: Dispute) -> Any:
        visit = None
        if payload.follow_up is not None:
            visit = d.follow_ups.filter(pk=payload.follow_up).first()
            if visit is None:
                raise RecordInvalid({"follow_up": [_("Choose a follow-up of this dispute.")]})
        return workflow.record_follow_up(
            d,
            actor=request.user,
            finding=payload.finding,
            visited_on=payload.visited_on,
            note=payload.note,
            follow_up=visit,
        )

    return _step(request, dispute_id, act)


# -- screening gaps, figures, ledger -------------------------------------------------------------


def parse_place(user: Any, value: Any) -> Jurisdiction:
    """The jurisdiction asked for (in scope), else the user's single top grant."""
    if value not in (None, ""):
        return get_for(Jurisdiction, user, value)
    top = Jurisdiction.objects.visible_to(user).order_by("path").first()
    if top is None:
        raise PermissionDenied
    return top  # type: ignore[no-any-return]


def parse_day(value: Any, name: str, default: dt.date) -> dt.date:
    if value in (None, ""):
        return default
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise RecordInvalid({name: [_("Enter a valid date.")]}) from None


def period(request: HttpRequest) -> tuple[Jurisdiction, dt.date, dt.date]:
    today = timezone.localdate()
    place = parse_place(request.user, request.GET.get("jurisdiction"))
    start = parse_day(request.GET.get("start"), "start", today.replace(day=1))
    end = parse_day(request.GET.get("end"), "end", today)
    return place, start, end


def gap_weeks(request: HttpRequest) -> tuple[Jurisdiction, dt.date, dt.date]:
    last = week_start(timezone.localdate()) - dt.timedelta(days=7)
    place = parse_place(request.user, request.GET.get("jurisdiction"))
    start = parse_day(request.GET.get("week_from"), "week_from", last - dt.timedelta(days=21))
    end = parse_day(request.GET.get("week_to"), "week_to", last)
    if end < start:
        raise RecordInvalid({"week_to": [_("The end is before the start.")]})
    return place, start, end


def _row(r: services.VillageWeek) -> dict[str, Any]:
    return {
        "village": r.village.pk,
        "village_name": r.village.name,
        "week": r.week.isoformat(),
        "screening": r.screening.pk if r.screening else None,
        "disputes_found": r.screening.disputes_found if r.screening else None,
    }


@router.get("/screening/gaps", response={200: dict[str, Any], **ERRORS})
def screening_gaps(request: HttpRequest) -> Any:
    """Villages × weeks: which have no screening (missing) and which reported zero."""
    if not can(request.user, Screening, "view"):
        raise PermissionDenied
    try:
        place, start, end = gap_weeks(request)
        gaps = services.screening_gaps(place, start, end, user=request.user)
    except RecordInvalid as exc:
        return Status(422, error_body(exc))
    return {
        "jurisdiction": place.pk,
        "week_from": week_start(start).isoformat(),
        "week_to": week_start(end).isoformat(),
        "missing": [_row(r) for r in gaps["missing"]],
        "zero_reports": [_row(r) for r in gaps["zero"]],
        "screened": [_row(r) for r in gaps["screened"]],
    }


@router.get("/reports/figures", response={200: dict[str, Any], **ERRORS})
def figures(request: HttpRequest) -> Any:
    """Screened, resolved, in progress, referred and the mediation rate (resolved ÷ screened,
    percent) for the files registered in the period in the jurisdiction's subtree."""
    if not can(request.user, Dispute, "view"):
        raise PermissionDenied
    try:
        place, start, end = period(request)
        result = services.figures(place, start, end, user=request.user)
    except RecordInvalid as exc:
        return Status(422, error_body(exc))
    return {
        "jurisdiction": place.pk,
        "start": start.isoformat(),
        "end": end.isoformat(),
        **result.as_dict(),
    }


@router.get("/reports/ledger.xlsx", response={422: ErrorOut, 404: ErrorOut})
def ledger(request: HttpRequest) -> Any:
    """The dispute ledger (矛盾纠纷排查化解台账) of the period as Excel."""
    if not can(request.user, Dispute, "view"):
        raise PermissionDenied
    try:
        place, start, end = period(request)
    except RecordInvalid as exc:
        return Status(422, error_body(exc))
    return ledger_response(request.user, place, start, end)


def ledger_response(user: Any, place: Jurisdiction, start: dt.date, end: dt.date) -> HttpResponse:
    qs = exports.ledger_queryset(services.cohort(place, start, end, user=user))
    body = exports.ledger_xlsx(qs, title=exports.ledger_title(place, start, end))
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="dispute-ledger-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
    )
    return response
