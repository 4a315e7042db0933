"""People-of-concern services: register and edit a person, record a visit, reveal the full
record (reason required, audited), export the list (masked unless the grant allows), set the
visit cadence. Level changes, taking off the register, the overdue sweep and the retention
job are the case workflow (workflow.py).

Every action is one transaction and one audit event; reads start from `visible_to`.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.concerns.forms import PersonCreateForm, PersonForm, VisitPolicyForm
from shouwang.concerns.models import (
    HELPER_ONLY_ROLES,
    PersonOfConcern,
    RegisterStatus,
    Visit,
    VisitForm,
    VisitPolicy,
)
from shouwang.core import records
from shouwang.core.audit import ACTIONS, record_event, snapshot
from shouwang.core.models import Jurisdiction
from shouwang.core.records import RecordInvalid
from shouwang.core.roles import grant_covers
from shouwang.core.scoping import can, get_for, in_scope, user_grants
from shouwang.forces.models import Member

PERSON_KEY = "concerns.personofconcern"
#: The permission key (exact, never matched by "concerns.*" or "*") that lets a role's
#: exports carry full identity and phone numbers: {"concerns.unmasked_export": ["view"]}.
UNMASKED_EXPORT_KEY = "concerns.unmasked_export"

_LABELS: dict[str, Any] = {
    "concerns.personofconcern.created": gettext_lazy("Person of concern registered"),
    "concerns.personofconcern.changed": gettext_lazy("Person of concern changed"),
    "concerns.person.revealed": gettext_lazy("Full person-of-concern record viewed"),
    "concerns.person.exported": gettext_lazy("People of concern exported"),
    "concerns.person.visited": gettext_lazy("Visit to a person of concern recorded"),
    "concerns.visitpolicy.created": gettext_lazy("Visit cadence set"),
    "concerns.visitpolicy.changed": gettext_lazy("Visit cadence changed"),
}
for _code, _label in _LABELS.items():
    ACTIONS.setdefault(_code, _label)


def _text(value: Any) -> str:
    return str(value or "").strip()


# -- register and edit ----------------------------------------------------------------------


def _apply_numbers(person: PersonOfConcern, form: Any) -> None:
    try:
        person.set_citizen_id(form.cleaned_data.get("citizen_id_number") or "")
        person.set_phone(form.cleaned_data.get("phone_number") or "")
    except ValidationError as exc:
        raise RecordInvalid.from_validation_error(exc) from exc


def _refresh_due(person: PersonOfConcern) -> None:
    due = person.compute_next_visit_due()
    if due != person.next_visit_due:
        PersonOfConcern.objects.filter(pk=person.pk).update(next_visit_due=due)
        person.next_visit_due = due


def create_person(*, actor: Any, data: Mapping[str, Any]) -> PersonOfConcern:
    """Register a person of concern (numbers encrypted; next visit due from the cadence)."""
    with transaction.atomic():
        person: PersonOfConcern = records.create_record(
            PersonCreateForm, actor=actor, data=data, before_save=_apply_numbers
        )
        _refresh_due(person)
    return person


def update_person(
    person: PersonOfConcern, *, actor: Any, data: Mapping[str, Any]
) -> PersonOfConcern:
    """Correct a person's details (not the level, not the register status)."""
    if person.is_anonymised:
        raise RecordInvalid({"status": [_("An anonymised record cannot be changed.")]})
    with transaction.atomic():
        updated: PersonOfConcern = records.update_record(
            PersonForm, person, actor=actor, data=data, before_save=_apply_numbers
        )
        _refresh_due(updated)
    return updated


# -- reveal -------------------------------------------------------------------------------------


def may_reveal(user: Any, person: PersonOfConcern) -> bool:
    """A grant that both allows viewing people of concern and may see sensitive data, covering
    the person's jurisdiction. A superuser's flag alone is not enough (explicit-only app)."""
    return any(
        g.role.sees_sensitive
        and g.role.allows(PERSON_KEY, "view")
        and g.role.key not in HELPER_ONLY_ROLES
        and grant_covers(g, person.jurisdiction.path)
        for g in user_grants(user)
    )


def reveal_person(person: PersonOfConcern, *, actor: Any, reason: str) -> dict[str, str]:
    """The full identity and phone numbers for a permitted role; the reason is required and
    the view is audited ("concerns.person.revealed")."""
    reason = _text(reason)
    with transaction.atomic():
        person = get_for(PersonOfConcern, actor, person.pk, "view")
        if not may_reveal(actor, person):
            raise PermissionDenied
        if not reason:
            raise RecordInvalid({"reason": [_("Give the reason for opening the full record.")]})
        record_event("concerns.person.revealed", actor=actor, target=person, reason=reason)
        return {"citizen_id": person.citizen_id_full(), "phone": person.phone_full()}


# -- visits ---------------------------------------------------------------------------------------


def record_visit(
    person: PersonOfConcern,
    *,
    actor: Any,
    visited_on: dt.date | None,
    form: str = VisitForm.HOME,
    situation: str = "",
    found_risk: bool = False,
    visitor: Member | None = None,
) -> Visit:
    """Record a visit; the person's last visit and next due date follow. The visitor defaults
    to the actor's own member record; a visit cannot lie in the future."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if visited_on is None:
        errors["visited_on"] = [_("Enter the visit date.")]
    elif visited_on > today:
        errors["visited_on"] = [_("A visit cannot be recorded for a future day.")]
    if form not in VisitForm.values:
        errors["form"] = [_("Choose a form of contact.")]
    if errors:
        raise RecordInvalid(errors)
    assert visited_on is not None
    with transaction.atomic():
        get_for(PersonOfConcern, actor, person.pk, "view")
        locked = (
            PersonOfConcern.objects.select_for_update(of=("self",))
            .select_related("jurisdiction")
            .get(pk=person.pk)
        )
        if not can(actor, Visit, "add"):
            raise PermissionDenied
        if locked.status != RegisterStatus.ON:
            raise RecordInvalid({"status": [_("The person is not on the register.")]})
        if visitor is None:
            visitor = Member.objects.filter(user=actor).first() if actor.pk else None
        elif not Member.objects.visible_to(actor).filter(pk=visitor.pk).exists():
            raise RecordInvalid({"visitor": [_("Choose a member of your jurisdiction.")]})
        visit = Visit(
            person=locked,
            visited_on=visited_on,
            visitor=visitor,
            form=form,
            situation=_text(situation),
            found_risk=bool(found_risk),
            recorded_by=actor,
        )
        try:
            visit.full_clean()
        except ValidationError as exc:
            raise RecordInvalid.from_validation_error(exc) from exc
        visit.save()
        if not in_scope(visit, actor, "add"):
            transaction.set_rollback(True)
            raise PermissionDenied
        before = snapshot(locked)
        if locked.last_visit_on is None or visited_on > locked.last_visit_on:
            locked.last_visit_on = visited_on
        locked.next_visit_due = locked.compute_next_visit_due()
        # A visit closes the overdue period: the next lapse is reminded again.
        locked.overdue_notified_for = None
        locked.save(update_fields=["last_visit_on", "next_visit_due", "overdue_notified_for"])
        record_event(
            "concerns.person.visited",
            actor=actor,
            target=locked,
            before=before,
            after={**snapshot(locked), "visit": snapshot(visit)},
        )
        if visit.found_risk:
            # A risk found on a visit goes to the office at once (not only at the next sweep).
            from shouwang.concerns import workflow

            workflow.tell_on_commit(locked, "risk_found", workflow.office_users(locked), actor)
    return visit


# -- exports --------------------------------------------------------------------------------------


def unmasked_export_paths(user: Any) -> list[str]:
    """Jurisdiction paths where the user's grants allow exports with full numbers."""
    paths = []
    for grant in user_grants(user):
        perms = grant.role.permissions or {}
        if "view" in perms.get(UNMASKED_EXPORT_KEY, []) and grant.role.sees_sensitive:
            paths.append("/" if grant.role.is_global else grant.jurisdiction.path)
    return paths


EXPORT_HEADERS = [
    gettext_lazy("name"),
    gettext_lazy("gender"),
    gettext_lazy("birth date"),
    gettext_lazy("citizen ID number"),
    gettext_lazy("phone"),
    gettext_lazy("address"),
    gettext_lazy("jurisdiction"),
    gettext_lazy("category"),
    gettext_lazy("attention level"),
    gettext_lazy("helpers"),
    gettext_lazy("status"),
    gettext_lazy("last visit"),
    gettext_lazy("next visit due"),
    gettext_lazy("overdue"),
]


def export_people(
    people: Any, *, actor: Any, filters: Mapping[str, Any] | None = None
) -> tuple[bytes, bool]:
    """An Excel list of the given people (a queryset already narrowed by `visible_to`).

    Identity and phone numbers are masked, except for rows inside a grant that carries the
    `concerns.unmasked_export` flag. Every export is audited with its row count and whether
    full numbers left the system. Returns (xlsx bytes, whether any row was unmasked).
    """
    from openpyxl import Workbook

    if not can(actor, PersonOfConcern, "view"):
        raise PermissionDenied
    allowed = unmasked_export_paths(actor)
    rows = list(
        people.select_related("jurisdiction", "category").prefetch_related("helpers").order_by("pk")
    )
    book = Workbook()
    sheet = book.active
    sheet.title = str(_("People of concern"))[:31]
    sheet.append([str(h) for h in EXPORT_HEADERS])
    any_unmasked = False
    for p in rows:
        full = any(p.jurisdiction.path.startswith(path) for path in allowed)
        any_unmasked = any_unmasked or (full and bool(p.citizen_id_encrypted or p.phone_encrypted))
        sheet.append(
            [
                p.name,
                p.get_gender_display() if p.gender else "",
                p.birth_date.isoformat() if p.birth_date else "",
                p.citizen_id_full() if full else p.citizen_id_masked,
                p.phone_full() if full else p.phone_masked,
                p.address,
                p.jurisdiction.name,
                str(p.category),
                str(p.get_attention_level_display()),
                "、".join(m.name for m in p.helpers.all()),
                str(p.get_status_display()),
                p.last_visit_on.isoformat() if p.last_visit_on else "",
                p.next_visit_due.isoformat() if p.next_visit_due else "",
                str(_("yes")) if p.is_overdue else "",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    with transaction.atomic():
        anchor = export_anchor(actor, filters)
        if anchor is not None:
            record_export(
                actor,
                anchor,
                rows,
                unmasked=any_unmasked,
                filters={k: str(v) for k, v in (filters or {}).items() if v},
            )
    return out.getvalue(), any_unmasked


def record_export(
    actor: Any,
    anchor: Jurisdiction,
    people: list[Any],
    *,
    unmasked: bool,
    filters: dict[str, str],
    via: str = "",
) -> None:
    """The audit event of an export of people: rows, ids, filters and whether full numbers
    left the system (no names, no numbers); `via` names another way out (the ledger)."""
    after: dict[str, Any] = {
        "rows": len(people),
        "unmasked": unmasked,
        "ids": [p.pk for p in people],
        "filters": filters,
    }
    if via:
        after["via"] = via
    record_event("concerns.person.exported", actor=actor, target=anchor, after=after)


def export_anchor(actor: Any, filters: Mapping[str, Any] | None) -> Jurisdiction | None:
    """The jurisdiction an export is filed under in the audit trail: the one filtered on, or
    the actor's widest grant that may view people of concern."""
    wanted = (filters or {}).get("jurisdiction")
    if wanted:
        node = Jurisdiction.objects.filter(pk=_int(wanted)).first()
        if node is not None:
            return node
    grants = [g for g in user_grants(actor) if g.role.allows(PERSON_KEY, "view")]
    grants.sort(key=lambda g: len(g.jurisdiction.path))
    return grants[0].jurisdiction if grants else None


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


# -- visit cadence --------------------------------------------------------------------------------


def set_visit_policy(*, actor: Any, data: Mapping[str, Any]) -> VisitPolicy:
    """Create or change a township's visit cadence (days per level); the due dates of the
    people on its register follow at once."""
    with transaction.atomic():
        jurisdiction = _int(data.get("jurisdiction"))
        existing = VisitPolicy.objects.filter(jurisdiction_id=jurisdiction).first()
        if existing is not None:
            policy: VisitPolicy = records.update_record(
                VisitPolicyForm, existing, actor=actor, data=data
            )
        else:
            policy = records.create_record(VisitPolicyForm, actor=actor, data=data)
        people = PersonOfConcern.objects.on_register().filter(
            jurisdiction__path__startswith=policy.jurisdiction.path
        )
        for person in people.select_related("jurisdiction"):
            _refresh_due(person)
    return policy


# -- lists (pages, API and exports share one filter) ------------------------------------------

FILTERS = ("jurisdiction", "attention_level", "category", "status", "overdue", "q")


def filter_people(qs: Any, params: Mapping[str, Any]) -> Any:
    """Filter by jurisdiction (subtree), level, category, status, overdue and a search text:
    a name fragment, or an exact identity or phone number (matched by its blind index, so the
    number itself is never searched in clear)."""
    from shouwang.core import crypto, validators

    node_id = params.get("jurisdiction")
    if node_id:
        node = Jurisdiction.objects.filter(pk=_int(node_id)).first()
        qs = qs.filter(jurisdiction__path__startswith=node.path) if node else qs.none()
    for name in ("attention_level", "status"):
        if params.get(name):
            qs = qs.filter(**{name: params[name]})
    if params.get("category"):
        qs = qs.filter(category_id=_int(params["category"]))
    if str(params.get("overdue") or "").lower() in ("1", "true", "yes", "on"):
        qs = qs.overdue()
    query = _text(params.get("q"))
    if query:
        number = validators.normalize_citizen_id(query)
        digest_of_id = crypto.blind_index(number)
        digest_of_phone = crypto.blind_index(query)
        from django.db.models import Q

        qs = qs.filter(
            Q(name__icontains=query)
            | Q(citizen_id_digest=digest_of_id)
            | Q(phone_digest=digest_of_phone)
        )
    return qs
