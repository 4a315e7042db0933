"""Governance API (/api/v1/governance/…), beside the registered CRUD API of trainings
(/api/v1/trainings/), joint meetings (/api/v1/joint-meetings/) and decisions
(/api/v1/meeting-decisions/).

* `GET  /gaps?jurisdiction=&year=` — months without a held training, quarters without a drill;
* `POST /trainings/{id}/hold`, `/trainings/{id}/cancel` {"reason"};
* `POST /trainings/{id}/attendance` {"entries": [{"member", "presence"}]};
* `POST /decisions/{id}/done` {"done_on"};
* `GET  /meetings/{id}/minutes.pdf` — the minutes.

Responsibility pledges (CRUD at /api/v1/responsibility-pledges/):

* `POST /pledges/{id}/sign` (multipart: `signed_on`, `signatories`, `signed_copy` file);
* `POST /pledges/{id}/fulfil`, `POST /pledges/{id}/breach` {"reason"};
* `GET  /pledges/{id}/signed-copy` — the file;
* `GET  /pledges/missing?jurisdiction=&year=` — villages and units without a signed pledge.

Emergency plans (CRUD at /api/v1/emergency-plans/, /plan-versions/, /drill-reviews/,
/drill-findings/):

* `POST /plan-versions/{id}/adopt` {"effective_from"} — draft → in force, supersedes the
  version in force, marks the findings it addresses as addressed;
* `POST /plan-versions/{id}/file` (multipart: `file`) — attach the document to a draft;
* `GET  /plans/{id}/cycle` — versions → drills → reviews → findings → addressing version.

Errors: 422 {"detail", "errors": [{"field", "label", "message"}]}, 403 not allowed, 404 alike
for missing and out of scope.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from shouwang.core.api import ERRORS, ErrorOut, run_action
from shouwang.core.api import error_body as shared_error_body
from shouwang.core.models import Jurisdiction
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.governance import exports, services
from shouwang.governance.models import (
    Attendance,
    Decision,
    DrillFinding,
    DrillReview,
    EmergencyPlan,
    JointMeeting,
    PlanVersion,
    ResponsibilityPledge,
    Training,
)

router = Router(tags=["governance"])


def field_label(name: str) -> str:
    """The user-facing label of a field named in an error."""
    if name == NON_FIELD:
        return ""
    if name == "reason":
        return str(_("reason"))
    models: tuple[Any, ...] = (
        Training,
        Attendance,
        Decision,
        JointMeeting,
        ResponsibilityPledge,
        EmergencyPlan,
        PlanVersion,
        DrillReview,
        DrillFinding,
    )
    for model in models:
        if name in {f.name for f in model._meta.get_fields()}:
            return str(getattr(model._meta.get_field(name), "verbose_name", name))
    return name


def error_body(exc: RecordInvalid) -> dict[str, Any]:
    return shared_error_body(exc, field_label)


def training_out(t: Training) -> dict[str, Any]:
    return {
        "id": t.pk,
        "jurisdiction": t.jurisdiction_id,
        "kind": t.kind,
        "topic": t.topic,
        "status": t.status,
        "status_label": str(t.get_status_display()),
        "cancel_reason": t.cancel_reason,
        "attendance": [
            {"member": a.member_id, "presence": a.presence}
            for a in t.attendance.order_by("member_id")
        ],
    }


def _act(action: Callable[[], Any], out: Callable[[], dict[str, Any]]) -> Any:
    return run_action(action, lambda _result: out(), field_label)


class CancelIn(Schema):
    reason: str = ""


class AttendanceEntry(Schema):
    member: int
    presence: str


class AttendanceIn(Schema):
    entries: list[AttendanceEntry] = []


class DoneIn(Schema):
    done_on: Any = None


@router.post("/trainings/{int:training_id}/hold", response={200: dict[str, Any], **ERRORS})
def hold(request: HttpRequest, training_id: int) -> Any:
    """Planned → held."""
    t = get_for(Training, request.user, training_id)
    return _act(
        lambda: services.hold_training(t, actor=request.user),
        lambda: training_out(get_for(Training, request.user, training_id)),
    )


@router.post("/trainings/{int:training_id}/cancel", response={200: dict[str, Any], **ERRORS})
def cancel(request: HttpRequest, training_id: int, payload: CancelIn) -> Any:
    """Planned → cancelled, with the reason."""
    t = get_for(Training, request.user, training_id)
    return _act(
        lambda: services.cancel_training(t, actor=request.user, reason=payload.reason),
        lambda: training_out(get_for(Training, request.user, training_id)),
    )


@router.post("/trainings/{int:training_id}/attendance", response={200: dict[str, Any], **ERRORS})
def attendance(request: HttpRequest, training_id: int, payload: AttendanceIn) -> Any:
    """Set members present / absent / excused."""
    t = get_for(Training, request.user, training_id)
    entries = [e.dict() for e in payload.entries]
    return _act(
        lambda: services.record_attendance(t, actor=request.user, entries=entries),
        lambda: training_out(get_for(Training, request.user, training_id)),
    )


@router.post("/decisions/{int:decision_id}/done", response={200: dict[str, Any], **ERRORS})
def decision_done(request: HttpRequest, decision_id: int, payload: DoneIn) -> Any:
    """Open → done (on `done_on`, default today)."""
    d = get_for(Decision, request.user, decision_id)

    def out() -> dict[str, Any]:
        fresh = get_for(Decision, request.user, decision_id)
        done_on = fresh.done_on.isoformat() if fresh.done_on else None
        return {"id": fresh.pk, "status": fresh.status, "done_on": done_on}

    return _act(
        lambda: services.complete_decision(d, actor=request.user, done_on=payload.done_on), out
    )


@router.get("/meetings/{int:meeting_id}/minutes.pdf", response={404: ErrorOut})
def minutes_pdf(request: HttpRequest, meeting_id: int) -> Any:
    """The meeting minutes as a PDF."""
    meeting = get_for(JointMeeting, request.user, meeting_id)
    return pdf_response(meeting)


def pdf_response(meeting: JointMeeting) -> HttpResponse:
    response = HttpResponse(exports.minutes_pdf(meeting), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="minutes-{meeting.pk}.pdf"'
    return response


def gap_query(request: HttpRequest) -> tuple[Jurisdiction, int]:
    """The jurisdiction (in scope; default the user's top one) and year (default this year)."""
    value = request.GET.get("jurisdiction")
    if value not in (None, ""):
        place = get_for(Jurisdiction, request.user, value)
    else:
        place = Jurisdiction.objects.visible_to(request.user).order_by("path").first()
        if place is None:
            raise PermissionDenied
    raw = request.GET.get("year") or str(timezone.localdate().year)
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise RecordInvalid({"year": [_("Enter a valid year.")]})
    return place, int(raw)


@router.get("/gaps", response={200: dict[str, Any], **ERRORS})
def gaps(request: HttpRequest) -> Any:
    """Per township: months without a held training, quarters without a held drill."""
    if not can(request.user, Training, "view"):
        raise PermissionDenied
    try:
        place, year = gap_query(request)
    except RecordInvalid as exc:
        return Status(422, error_body(exc))
    rows = services.gaps(place, year, user=request.user)
    return {"jurisdiction": place.pk, "year": year, "townships": [r.as_dict() for r in rows]}


# -- responsibility pledges ------------------------------------------------------------------------


def pledge_out(p: ResponsibilityPledge) -> dict[str, Any]:
    return {
        "id": p.pk,
        "jurisdiction": p.jurisdiction_id,
        "year": p.year,
        "village": p.village_id,
        "unit": p.unit_id,
        "targets": p.target_lines,
        "signatories": p.signatories,
        "status": p.status,
        "status_label": str(p.get_status_display()),
        "signed_on": p.signed_on.isoformat() if p.signed_on else None,
        "signed_copy": bool(p.signed_copy),
        "breach_reason": p.breach_reason,
    }


class ReasonIn(Schema):
    reason: str = ""


@router.post("/pledges/{int:pledge_id}/sign", response={200: dict[str, Any], **ERRORS})
def pledge_sign(request: HttpRequest, pledge_id: int) -> Any:
    """Drafted → signed. Multipart: `signed_on`, `signatories`, `signed_copy` (PDF/JPEG/PNG)."""
    p = get_for(ResponsibilityPledge, request.user, pledge_id)
    return _act(
        lambda: services.sign_pledge(
            p,
            actor=request.user,
            signed_on=request.POST.get("signed_on", ""),
            signatories=request.POST.get("signatories", ""),
            upload=request.FILES.get("signed_copy"),
        ),
        lambda: pledge_out(get_for(ResponsibilityPledge, request.user, pledge_id)),
    )


@router.post("/pledges/{int:pledge_id}/fulfil", response={200: dict[str, Any], **ERRORS})
def pledge_fulfil(request: HttpRequest, pledge_id: int) -> Any:
    """Signed → fulfilled."""
    p = get_for(ResponsibilityPledge, request.user, pledge_id)
    return _act(
        lambda: services.fulfil_pledge(p, actor=request.user),
        lambda: pledge_out(get_for(ResponsibilityPledge, request.user, pledge_id)),
    )


@router.post("/pledges/{int:pledge_id}/breach", response={200: dict[str, Any], **ERRORS})
def pledge_breach(request: HttpRequest, pledge_id: int, payload: ReasonIn) -> Any:
    """Signed → breached, with the reason."""
    p = get_for(ResponsibilityPledge, request.user, pledge_id)
    return _act(
        lambda: services.breach_pledge(p, actor=request.user, reason=payload.reason),
        lambda: pledge_out(get_for(ResponsibilityPledge, request.user, pledge_id)),
    )


@router.get("/pledges/{int:pledge_id}/signed-copy", response={404: ErrorOut})
def pledge_copy(request: HttpRequest, pledge_id: int) -> Any:
    """The signed copy (404 when there is none)."""
    pledge = get_for(ResponsibilityPledge, request.user, pledge_id)
    ext = (pledge.signed_copy.name or "").rsplit(".", 1)[-1] or "bin"
    return file_response(pledge.signed_copy, pledge.signed_copy_type, f"pledge-{pledge_id}.{ext}")


def file_response(field_file: Any, content_type: str, name: str) -> FileResponse:
    """A stored upload, inline, never cached (404 when there is none)."""
    if not field_file:
        raise Http404("not found")
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("not found") from exc
    response = FileResponse(handle, content_type=content_type or "application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def township_year_query(request: HttpRequest) -> tuple[Jurisdiction, int]:
    """The township (in scope; default the user's first) and year (default this year)."""
    value = request.GET.get("jurisdiction")
    if value not in (None, ""):
        place = get_for(Jurisdiction, request.user, value)
    else:
        place = (
            Jurisdiction.objects.visible_to(request.user)
            .filter(level="township")
            .order_by("path")
            .first()
        )
        if place is None:
            raise PermissionDenied
    raw = request.GET.get("year") or str(timezone.localdate().year)
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise RecordInvalid({"year": [_("Enter a valid year.")]})
    if place.level != "township":
        raise RecordInvalid({"jurisdiction": [_("Choose a township or street office.")]})
    return place, int(raw)


@router.get("/pledges/missing", response={200: dict[str, Any], **ERRORS})
def pledges_missing(request: HttpRequest) -> Any:
    """Villages and units of a township without a signed pledge for the year."""
    if not can(request.user, ResponsibilityPledge, "view"):
        raise PermissionDenied
    try:
        place, year = township_year_query(request)
        rows = services.missing_pledges(place, year, user=request.user)
    except RecordInvalid as exc:
        return Status(422, error_body(exc))
    return {"jurisdiction": place.pk, "year": year, "missing": [r.as_dict() for r in rows]}


# -- emergency plans -------------------------------------------------------------------------------


def version_out(v: PlanVersion) -> dict[str, Any]:
    return {
        "id": v.pk,
        "plan": v.plan_id,
        "number": v.number,
        "status": v.status,
        "status_label": str(v.get_status_display()),
        "effective_from": v.effective_from.isoformat() if v.effective_from else None,
        "superseded_on": v.superseded_on.isoformat() if v.superseded_on else None,
        "approved_by": v.approved_by,
        "file": bool(v.file),
        "addresses": sorted(v.addresses.values_list("pk", flat=True)),
    }


class AdoptIn(Schema):
    effective_from: Any = None


@router.post("/plan-versions/{int:version_id}/adopt", response={200: dict[str, Any], **ERRORS})
def version_adopt(request: HttpRequest, version_id: int, payload: AdoptIn) -> Any:
    """Draft → in force; the version in force before is superseded."""
    v = get_for(PlanVersion, request.user, version_id)
    return _act(
        lambda: services.adopt_plan_version(
            v, actor=request.user, effective_from=payload.effective_from
        ),
        lambda: version_out(get_for(PlanVersion, request.user, version_id)),
    )


@router.post("/plan-versions/{int:version_id}/file", response={200: dict[str, Any], **ERRORS})
def version_file(request: HttpRequest, version_id: int) -> Any:
    """Attach the plan document to a draft version. Multipart: `file` (PDF/JPEG/PNG)."""
    v = get_for(PlanVersion, request.user, version_id)
    return _act(
        lambda: services.attach_plan_file(v, actor=request.user, upload=request.FILES.get("file")),
        lambda: version_out(get_for(PlanVersion, request.user, version_id)),
    )


def _finding_out(f: DrillFinding) -> dict[str, Any]:
    return {
        "id": f.pk,
        "text": f.text,
        "deadline": f.deadline.isoformat(),
        "status": f.status,
        "overdue": f.is_overdue(),
        "addressed_by": f.addressed_by_id,
    }


def cycle_out(plan: EmergencyPlan, user: Any) -> dict[str, Any]:
    """The plan's drill–review–improve cycle as plain data."""
    versions = []
    for row in services.plan_cycle(plan, user=user):
        drills = [
            {
                "id": d.drill.pk,
                "starts_at": d.drill.starts_at.isoformat(),
                "status": d.drill.status,
                "reviews": [
                    {
                        "id": review.pk,
                        "held_on": review.held_on.isoformat(),
                        "findings": [_finding_out(f) for f in findings],
                    }
                    for review, findings in d.reviews
                ],
            }
            for d in row.drills
        ]
        versions.append(
            {
                **version_out(row.version),
                "addressed_findings": [f.pk for f in row.addressed],
                "drills": drills,
            }
        )
    return {"id": plan.pk, "name": plan.name, "scenario": plan.scenario, "versions": versions}


@router.get("/plans/{int:plan_id}/cycle", response={200: dict[str, Any], **ERRORS})
def plan_cycle(request: HttpRequest, plan_id: int) -> Any:
    """Versions → drills run against them → reviews → findings → the version addressing them."""
    plan = get_for(EmergencyPlan, request.user, plan_id)
    return cycle_out(plan, request.user)
