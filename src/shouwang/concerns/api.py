"""People-of-concern API (/api/v1/concerns/…). Thin: every write is a service call.

Identity and phone numbers are answered masked; `POST /people/{id}/reveal` with a reason
answers the full numbers to a permitted role and is audited. A person outside the caller's
explicit grants answers 404 exactly like a missing one.

GET/POST   /people                      list (filters as the page) / register
GET/PATCH  /people/{id}                 one person (masked) / correct details
POST       /people/{id}/reveal          {"reason"} → full numbers (audited)
GET/POST   /people/{id}/visits          visits / record one
GET/POST   /people/{id}/level-changes   requests / ask for another level
POST       /level-changes/{id}/approve  {"reason"}; /reject {"reason"} (another office holder)
POST       /people/{id}/take-off        {"reason", "on"}; /restore {"reason"}
GET        /people/export               Excel list (masked unless the grant allows)
GET/POST   /policies                    visit cadence per township
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from shouwang.concerns import services, workflow
from shouwang.concerns.models import LevelChange, PersonOfConcern, Visit, VisitPolicy
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import get_for
from shouwang.forces.models import Member

router = Router(tags=["people of concern"])


class PersonIn(Schema):
    """Loosely typed on purpose: the form checks every field and names it in its errors."""

    name: Any = None
    gender: Any = None
    birth_date: Any = None
    jurisdiction: Any = None
    address: Any = None
    category: Any = None
    category_note: Any = None
    attention_level: Any = None
    helpers: Any = None
    guardian: Any = None
    risk_notes: Any = None
    registered_on: Any = None
    citizen_id_number: Any = None
    phone_number: Any = None


class PersonOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: dt.date | None
    citizen_id_masked: str
    phone_masked: str
    address: str
    jurisdiction: int
    jurisdiction_name: str
    category: str
    category_label: str
    category_note: str
    attention_level: str
    attention_level_label: str
    helpers: list[int]
    guardian: str
    risk_notes: str
    status: str
    registered_on: dt.date
    off_register_on: dt.date | None
    last_visit_on: dt.date | None
    next_visit_due: dt.date | None
    overdue: bool
    anonymised: bool
    url: str


class PeopleOut(Schema):
    count: int
    results: list[PersonOut]


class ReasonIn(Schema):
    reason: str = ""


class RevealOut(Schema):
    citizen_id: str
    phone: str


class VisitIn(Schema):
    visited_on: dt.date | None = None
    form: str = "home"
    situation: str = ""
    found_risk: bool = False
    visitor: int | None = None


class VisitOut(Schema):
    id: int
    visited_on: dt.date
    visitor: int | None
    visitor_name: str
    form: str
    situation: str
    found_risk: bool


class LevelChangeIn(Schema):
    to_level: str = ""
    reason: str = ""


class LevelChangeOut(Schema):
    id: int
    person: int
    from_level: str
    to_level: str
    reason: str
    status: str
    requested_by: str
    decided_by: str
    decision_reason: str


class TakeOffIn(Schema):
    reason: str = ""
    on: dt.date | None = None


class PolicyIn(Schema):
    jurisdiction: Any = None
    red_days: Any = None
    yellow_days: Any = None
    blue_days: Any = None


class PolicyOut(Schema):
    id: int
    jurisdiction: int
    red_days: int
    yellow_days: int
    blue_days: int


def person_out(p: PersonOfConcern) -> dict[str, Any]:
    """The person as the API answers it: numbers masked, always."""
    return {
        "id": p.pk,
        "name": p.name,
        "gender": p.gender,
        "birth_date": p.birth_date,
        "citizen_id_masked": p.citizen_id_masked,
        "phone_masked": p.phone_masked,
        "address": p.address,
        "jurisdiction": p.jurisdiction_id,
        "jurisdiction_name": p.jurisdiction.name,
        "category": p.category.code,
        "category_label": str(p.category),
        "category_note": p.category_note,
        "attention_level": p.attention_level,
        "attention_level_label": str(p.get_attention_level_display()),
        "helpers": sorted(m.pk for m in p.helpers.all()),
        "guardian": p.guardian,
        "risk_notes": p.risk_notes,
        "status": p.status,
        "registered_on": p.registered_on,
        "off_register_on": p.off_register_on,
        "last_visit_on": p.last_visit_on,
        "next_visit_due": p.next_visit_due,
        "overdue": p.is_overdue,
        "anonymised": p.is_anonymised,
        "url": reverse("concern-detail", args=[p.pk]),
    }


def visit_out(v: Visit) -> dict[str, Any]:
    return {
        "id": v.pk,
        "visited_on": v.visited_on,
        "visitor": v.visitor_id,
        "visitor_name": v.visitor.name if v.visitor else "",
        "form": v.form,
        "situation": v.situation,
        "found_risk": v.found_risk,
    }


def change_out(c: LevelChange) -> dict[str, Any]:
    return {
        "id": c.pk,
        "person": c.person_id,
        "from_level": c.from_level,
        "to_level": c.to_level,
        "reason": c.reason,
        "status": c.status,
        "requested_by": c.requested_by.get_username() if c.requested_by else "",
        "decided_by": c.decided_by.get_username() if c.decided_by else "",
        "decision_reason": c.decision_reason,
    }


def _person(request: HttpRequest, person_id: int) -> PersonOfConcern:
    return get_for(PersonOfConcern, request.user, person_id)


def _fresh(request: HttpRequest, person_id: int) -> dict[str, Any]:
    qs = PersonOfConcern.objects.visible_to(request.user).select_related("jurisdiction", "category")
    return person_out(qs.prefetch_related("helpers").get(pk=person_id))


def _data(payload: Schema) -> dict[str, Any]:
    return {k: v for k, v in payload.dict(exclude_unset=True).items()}


@router.get("/people", response=PeopleOut)
def list_people(request: HttpRequest) -> Any:
    """People the caller may see (filters: jurisdiction, attention_level, category, status,
    overdue=1, q)."""
    qs = services.filter_people(PersonOfConcern.objects.visible_to(request.user), request.GET)
    rows = list(qs.select_related("jurisdiction", "category").prefetch_related("helpers"))
    return {"count": len(rows), "results": [person_out(p) for p in rows]}


@router.post("/people", response={201: PersonOut})
def create_person(request: HttpRequest, payload: PersonIn) -> Any:
    person = services.create_person(actor=request.user, data=_data(payload))
    return Status(201, _fresh(request, person.pk))


@router.get("/people/export")
def export_people(request: HttpRequest) -> HttpResponse:
    """The list as an Excel file (masked unless the caller's grant allows full numbers)."""
    qs = services.filter_people(PersonOfConcern.objects.visible_to(request.user), request.GET)
    content, _unmasked = services.export_people(qs, actor=request.user, filters=request.GET)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="people-of-concern.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


@router.get("/people/{int:person_id}", response=PersonOut)
def get_person(request: HttpRequest, person_id: int) -> Any:
    _person(request, person_id)
    return _fresh(request, person_id)


@router.patch("/people/{int:person_id}", response=PersonOut)
def update_person(request: HttpRequest, person_id: int, payload: PersonIn) -> Any:
    person = get_for(PersonOfConcern, request.user, person_id, "change")
    services.update_person(person, actor=request.user, data=_data(payload))
    return _fresh(request, person_id)


@router.post("/people/{int:person_id}/reveal", response=RevealOut)
def reveal(request: HttpRequest, person_id: int, payload: ReasonIn) -> Any:
    """Full identity and phone numbers; the reason is required and the view is audited."""
    person = _person(request, person_id)
    return services.reveal_person(person, actor=request.user, reason=payload.reason)


@router.get("/people/{int:person_id}/visits", response=list[VisitOut])
def list_visits(request: HttpRequest, person_id: int) -> Any:
    person = _person(request, person_id)
    visits = Visit.objects.visible_to(request.user).filter(person=person).select_related("visitor")
    return [visit_out(v) for v in visits]


@router.post("/people/{int:person_id}/visits", response={201: VisitOut})
def record_visit(request: HttpRequest, person_id: int, payload: VisitIn) -> Any:
    person = _person(request, person_id)
    visitor = None
    if payload.visitor is not None:
        visitor = Member.objects.visible_to(request.user).filter(pk=payload.visitor).first()
        if visitor is None:
            raise RecordInvalid({"visitor": [_("Choose a member of your jurisdiction.")]})
    visit = services.record_visit(
        person,
        actor=request.user,
        visited_on=payload.visited_on,
        form=payload.form,
        situation=payload.situation,
        found_risk=payload.found_risk,
        visitor=visitor,
    )
    return Status(201, visit_out(visit))


@router.get("/people/{int:person_id}/level-changes", response=list[LevelChangeOut])
def list_level_changes(request: HttpRequest, person_id: int) -> Any:
    person = _person(request, person_id)
    changes = LevelChange.objects.visible_to(request.user).filter(person=person)
    return [change_out(c) for c in changes.select_related("requested_by", "decided_by")]


@router.post("/people/{int:person_id}/level-changes", response={201: LevelChangeOut})
def request_level_change(request: HttpRequest, person_id: int, payload: LevelChangeIn) -> Any:
    person = _person(request, person_id)
    change = workflow.request_level_change(
        person, actor=request.user, to_level=payload.to_level, reason=payload.reason
    )
    return Status(201, change_out(change))


@router.post("/level-changes/{int:change_id}/approve", response=LevelChangeOut)
def approve_level_change(request: HttpRequest, change_id: int, payload: ReasonIn) -> Any:
    change = get_for(LevelChange, request.user, change_id)
    return change_out(
        workflow.approve_level_change(change, actor=request.user, reason=payload.reason)
    )


@router.post("/level-changes/{int:change_id}/reject", response=LevelChangeOut)
def reject_level_change(request: HttpRequest, change_id: int, payload: ReasonIn) -> Any:
    change = get_for(LevelChange, request.user, change_id)
    return change_out(
        workflow.reject_level_change(change, actor=request.user, reason=payload.reason)
    )


@router.post("/people/{int:person_id}/take-off", response=PersonOut)
def take_off(request: HttpRequest, person_id: int, payload: TakeOffIn) -> Any:
    person = _person(request, person_id)
    workflow.take_off_register(person, actor=request.user, reason=payload.reason, on=payload.on)
    return _fresh(request, person_id)


@router.post("/people/{int:person_id}/restore", response=PersonOut)
def restore(request: HttpRequest, person_id: int, payload: ReasonIn) -> Any:
    person = _person(request, person_id)
    workflow.restore_to_register(person, actor=request.user, reason=payload.reason)
    return _fresh(request, person_id)


@router.get("/policies", response=list[PolicyOut])
def list_policies(request: HttpRequest) -> Any:
    return [
        {
            "id": p.pk,
            "jurisdiction": p.jurisdiction_id,
            "red_days": p.red_days,
            "yellow_days": p.yellow_days,
            "blue_days": p.blue_days,
        }
        for p in VisitPolicy.objects.visible_to(request.user)
    ]


@router.post("/policies", response=PolicyOut)
def set_policy(request: HttpRequest, payload: PolicyIn) -> Any:
    """Create or change a township's visit cadence (days per level)."""
    policy = services.set_visit_policy(actor=request.user, data=_data(payload))
    return {
        "id": policy.pk,
        "jurisdiction": policy.jurisdiction_id,
        "red_days": policy.red_days,
        "yellow_days": policy.yellow_days,
        "blue_days": policy.blue_days,
    }
