"""The people-of-concern workflow: level changes with approval, taking off and restoring the
register, the daily overdue-visit sweep and the retention job (anonymisation).

Two declared transition tables, each enforced by one function:
* `LEVEL_TRANSITIONS` for a level-change request (requested → approved / rejected), enforced
  by `_decide`; the person's level changes only on approval;
* `REGISTER_TRANSITIONS` for the person (on_register ⇄ off_register), enforced by `_move`.
An illegal step raises `RecordInvalid` on "status" and changes nothing. Each step locks the
row, writes one audit event and tells the people concerned after the commit (masked name).

Who decides: a holder of an office role (township staff, people-of-concern officer) covering
the person — never the person who asked for the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.concerns.models import (
    ANONYMISED_NAME,
    AttentionLevel,
    LevelChange,
    LevelChangeStatus,
    PersonOfConcern,
    RegisterStatus,
    Visit,
)
from shouwang.core.audit import record_event, snapshot
from shouwang.core.records import RecordInvalid
from shouwang.core.roles import grant_covers, users_with_role
from shouwang.core.scoping import can, get_for, in_scope, user_grants
from shouwang.core.workflow import StateMachine, action_codes

L = LevelChangeStatus
R = RegisterStatus

#: verb → (statuses it may start from, status it leads to).
LEVEL_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approved": (frozenset({L.REQUESTED}), L.APPROVED),
    "rejected": (frozenset({L.REQUESTED}), L.REJECTED),
}
REGISTER_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "taken_off": (frozenset({R.ON}), R.OFF),
    "restored": (frozenset({R.OFF}), R.ON),
}

#: Roles whose holders decide level changes and take people off the register.
OFFICE_ROLES = frozenset({"township_staff", "concern_officer"})

#: Days a record taken off the register is kept before it is anonymised (default 3 years).
DEFAULT_RETENTION_DAYS = 3 * 365

_LABELS: dict[str, Any] = {
    "level_requested": gettext_lazy("Attention level change requested"),
    "level_approved": gettext_lazy("Attention level change approved"),
    "level_rejected": gettext_lazy("Attention level change rejected"),
    "taken_off": gettext_lazy("Person taken off the register"),
    "restored": gettext_lazy("Person put back on the register"),
    "overdue": gettext_lazy("Visit to a person of concern overdue"),
    "anonymised": gettext_lazy("Person-of-concern record anonymised"),
    "risk_found": gettext_lazy("Risk found on a visit to a person of concern"),
}
code = action_codes("concerns.person", _LABELS)


# Only the source-status check is shared: these steps keep no transition rows.
LEVEL_WORKFLOW = StateMachine(
    LEVEL_TRANSITIONS,
    LevelChangeStatus,
    gettext_lazy("A level change that is “%(status)s” cannot be moved to “%(target)s”."),
    code,
)
REGISTER_WORKFLOW = StateMachine(
    REGISTER_TRANSITIONS,
    RegisterStatus,
    gettext_lazy("A person who is “%(status)s” cannot be moved to “%(target)s”."),
    code,
)


def retention_days() -> int:
    return int(getattr(settings, "SHOUWANG_CONCERN_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def _text(value: Any) -> str:
    return str(value or "").strip()


def _refuse(name: str, message: str) -> RecordInvalid:
    return RecordInvalid({name: [message]})


# -- who may act ----------------------------------------------------------------------------


def is_office(user: Any, person: PersonOfConcern) -> bool:
    """Whether the user holds an office role covering the person (explicit grant only)."""
    return any(
        g.role.key in OFFICE_ROLES
        and g.role.allows("concerns.levelchange", "change")
        and grant_covers(g, person.jurisdiction.path)
        for g in user_grants(user)
    )


def may_decide(user: Any, change: LevelChange) -> bool:
    return is_office(user, change.person) and change.requested_by_id != getattr(user, "pk", None)


def allowed_actions(user: Any, person: PersonOfConcern) -> set[str]:
    """What the user may do on the person now (for buttons)."""
    from shouwang.concerns.services import may_reveal

    out: set[str] = set()
    if person.is_anonymised:
        return out
    on = person.status == R.ON
    if on and can(user, Visit, "add"):
        out.add("visit")
    if (
        on
        and can(user, LevelChange, "add")
        and not person.level_changes.filter(status=L.REQUESTED).exists()
    ):
        out.add("request_level")
    office = is_office(user, person)
    if office and on:
        out.add("take_off")
    if office and not on:
        out.add("restore")
    if office and can(user, PersonOfConcern, "change"):
        out.add("edit")
    if may_reveal(user, person):
        out.add("reveal")
    return out


# -- telling people ---------------------------------------------------------------------------


def helper_users(person: PersonOfConcern) -> list[Any]:
    return [m.user for m in person.helpers.select_related("user") if m.user_id]


def office_users(person: PersonOfConcern) -> list[Any]:
    return users_with_role(person.jurisdiction, *OFFICE_ROLES)


def tell_on_commit(person: PersonOfConcern, verb: str, users: Iterable[Any], actor: Any) -> None:
    recipients = [u for u in users if u is not None and u.pk != getattr(actor, "pk", None)]
    if not recipients:
        return
    # The masked name only: notifications may be forwarded to group robots.
    title = _("%(event)s: %(person)s, %(place)s") % {
        "event": str(_LABELS[verb]),
        "person": person.name_masked,
        "place": person.jurisdiction.name,
    }
    link = reverse("concern-detail", args=[person.pk])

    def send() -> None:
        from shouwang.notify.services import notify

        notify(recipients, kind=f"concerns.{verb}", title=title, link=link, outbound=False)

    transaction.on_commit(send, robust=True)


# -- level changes ---------------------------------------------------------------------------


def request_level_change(
    person: PersonOfConcern, *, actor: Any, to_level: str, reason: str
) -> LevelChange:
    """A helper or officer asks for another attention level (reason required; one open
    request per person). The level itself changes only when another office holder approves."""
    reason = _text(reason)
    errors: dict[str, list[str]] = {}
    if to_level not in AttentionLevel.values:
        errors["to_level"] = [_("Choose an attention level.")]
    if not reason:
        errors["reason"] = [_("Give the reason for the change.")]
    if errors:
        raise RecordInvalid(errors)
    with transaction.atomic():
        get_for(PersonOfConcern, actor, person.pk, "view")
        locked = (
            PersonOfConcern.objects.select_for_update(of=("self",))
            .select_related("jurisdiction")
            .get(pk=person.pk)
        )
        if not can(actor, LevelChange, "add"):
            raise PermissionDenied
        if locked.status != R.ON:
            raise _refuse("status", _("The person is not on the register."))
        if to_level == locked.attention_level:
            raise _refuse("to_level", _("The person already has this attention level."))
        if locked.level_changes.filter(status=L.REQUESTED).exists():
            raise _refuse("status", _("A level change is already waiting for a decision."))
        change = LevelChange.objects.create(
            person=locked,
            from_level=locked.attention_level,
            to_level=to_level,
            reason=reason,
            requested_by=actor,
        )
        if not in_scope(change, actor, "add"):
            transaction.set_rollback(True)
            raise PermissionDenied
        record_event(
            code("level_requested"),
            actor=actor,
            target=locked,
            after={"level_change": change.pk, "from": change.from_level, "to": to_level},
            reason=reason,
        )
        tell_on_commit(locked, "level_requested", office_users(locked), actor)
    return change


def _decide(change: LevelChange, verb: str, *, actor: Any, reason: str) -> LevelChange:
    """Move a level-change request along LEVEL_TRANSITIONS[verb] (see the module docstring)."""
    with transaction.atomic():
        get_for(LevelChange, actor, change.pk, "change")  # 404 alike for missing and forbidden
        locked = LevelChange.objects.select_for_update().get(pk=change.pk)
        person = (
            PersonOfConcern.objects.select_for_update(of=("self",))
            .select_related("jurisdiction")
            .get(pk=locked.person_id)
        )
        target = LEVEL_WORKFLOW.check(locked, verb)
        locked.person = person
        if not is_office(actor, person):
            raise PermissionDenied
        if locked.requested_by_id == actor.pk:
            raise _refuse("decided_by", _("The person who asked for a change cannot decide it."))
        if verb == "approved" and person.status != R.ON:
            raise _refuse("status", _("The person is not on the register."))
        before = snapshot(person)
        locked.status = target
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_reason = reason
        locked.save()
        if verb == "approved":
            person.attention_level = locked.to_level
            # The new cadence counts from the last visit (or the registration day).
            person.next_visit_due = person.compute_next_visit_due()
            person.overdue_notified_for = None
            person.save(update_fields=["attention_level", "next_visit_due", "overdue_notified_for"])
        record_event(
            code(f"level_{verb}"),
            actor=actor,
            target=person,
            before=before,
            after={**snapshot(person), "level_change": locked.pk},
            reason=reason,
        )
        tell_on_commit(person, f"level_{verb}", [locked.requested_by], actor)
    return locked


def approve_level_change(change: LevelChange, *, actor: Any, reason: str = "") -> LevelChange:
    """Approve: the person's level (and with it the visit cadence) changes now."""
    return _decide(change, "approved", actor=actor, reason=_text(reason))


def reject_level_change(change: LevelChange, *, actor: Any, reason: str) -> LevelChange:
    """Reject with a reason; the level stays."""
    reason = _text(reason)
    if not reason:
        raise _refuse("reason", _("Give the reason for rejecting the change."))
    return _decide(change, "rejected", actor=actor, reason=reason)


def decide_level_change(
    change: LevelChange, *, actor: Any, approve: bool, reason: str = ""
) -> LevelChange:
    if approve:
        return approve_level_change(change, actor=actor, reason=reason)
    return reject_level_change(change, actor=actor, reason=reason)


# -- the register ---------------------------------------------------------------------------


def _move(
    person: PersonOfConcern,
    verb: str,
    *,
    actor: Any,
    reason: str,
    apply: Callable[[PersonOfConcern], None],
) -> PersonOfConcern:
    """Move the person along REGISTER_TRANSITIONS[verb]."""
    with transaction.atomic():
        get_for(PersonOfConcern, actor, person.pk, "change")
        locked = (
            PersonOfConcern.objects.select_for_update(of=("self",))
            .select_related("jurisdiction")
            .get(pk=person.pk)
        )
        if locked.is_anonymised:
            raise _refuse("status", _("An anonymised record cannot be changed."))
        target = REGISTER_WORKFLOW.check(locked, verb)
        if not is_office(actor, locked):
            raise PermissionDenied
        before = snapshot(locked)
        locked.status = target
        apply(locked)
        locked.next_visit_due = locked.compute_next_visit_due()
        locked.overdue_notified_for = None
        try:
            locked.full_clean()
        except ValidationError as exc:
            raise RecordInvalid.from_validation_error(exc) from exc
        locked.save()
        record_event(
            code(verb),
            actor=actor,
            target=locked,
            before=before,
            after=snapshot(locked),
            reason=reason,
        )
        tell_on_commit(locked, verb, helper_users(locked), actor)
    return locked


def take_off_register(
    person: PersonOfConcern, *, actor: Any, reason: str, on: dt.date | None = None
) -> PersonOfConcern:
    """Take the person off the register (reason and date; the date defaults to today). The
    record is kept for the retention period, then anonymised by the retention job."""
    reason = _text(reason)
    day = on or timezone.localdate()
    if not reason:
        raise _refuse("reason", _("Give the reason for taking the person off the register."))
    if day > timezone.localdate():
        raise _refuse("off_register_on", _("The day cannot be in the future."))

    def apply(p: PersonOfConcern) -> None:
        p.off_register_on = day
        p.off_register_reason = reason

    return _move(person, "taken_off", actor=actor, reason=reason, apply=apply)


def restore_to_register(person: PersonOfConcern, *, actor: Any, reason: str) -> PersonOfConcern:
    """Put a person taken off back on the register (before anonymisation; reason required).
    The visit cadence counts again from today."""
    reason = _text(reason)
    if not reason:
        raise _refuse("reason", _("Give the reason for putting the person back."))

    def apply(p: PersonOfConcern) -> None:
        p.off_register_on = None
        p.off_register_reason = ""
        p.registered_on = timezone.localdate()
        p.last_visit_on = None

    return _move(person, "restored", actor=actor, reason=reason, apply=apply)


# -- the daily sweep ---------------------------------------------------------------------------


@dataclass
class SweepResult:
    """What a sweep did (or, with dry_run, would do): person ids."""

    overdue: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    anonymised: list[int] = field(default_factory=list)
    dry_run: bool = False

    def counts(self) -> dict[str, int]:
        return {
            "overdue": len(self.overdue),
            "reminders": len(self.reminded),
            "anonymised": len(self.anonymised),
        }


def sweep_overdue_visits(
    *, now: dt.datetime | None = None, dry_run: bool = False, result: SweepResult | None = None
) -> SweepResult:
    """Find people whose next visit is overdue and tell their helpers (and, with no helper
    login, the office) once per overdue period: a reminder is remembered by the due date it
    was about, so running the sweep again sends nothing new until a visit moves the date."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = result or SweepResult(dry_run=dry_run)
    candidates = PersonOfConcern.objects.overdue(today).values_list("pk", flat=True)
    for pk in list(candidates):
        with transaction.atomic():
            person = (
                PersonOfConcern.objects.select_for_update(of=("self",))
                .select_related("jurisdiction")
                .get(pk=pk)
            )
            if person.status != R.ON or not person.next_visit_due or person.next_visit_due >= today:
                continue
            result.overdue.append(pk)
            if person.overdue_notified_for == person.next_visit_due:
                continue
            result.reminded.append(pk)
            if dry_run:
                continue
            person.overdue_notified_for = person.next_visit_due
            person.save(update_fields=["overdue_notified_for"])
            record_event(
                code("overdue"),
                actor=None,
                target=person,
                after={"next_visit_due": person.next_visit_due.isoformat()},
            )
            recipients = helper_users(person) or office_users(person)
            tell_on_commit(person, "overdue", recipients, None)
    return result


def anonymise_expired(
    *, now: dt.datetime | None = None, dry_run: bool = False, result: SweepResult | None = None
) -> SweepResult:
    """The retention job: people taken off the register more than SHOUWANG_CONCERN_RETENTION_DAYS
    ago are anonymised — name replaced, numbers' ciphertexts and indexes cleared, address,
    guardian, notes and the visits' and level changes' free text cleared, helpers unlinked.
    What stays are anonymous counts (category, level, jurisdiction, dates). Idempotent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    cutoff = today - dt.timedelta(days=retention_days())
    result = result or SweepResult(dry_run=dry_run)
    candidates = PersonOfConcern.objects.filter(
        status=R.OFF, anonymised_at=None, off_register_on__lte=cutoff
    ).values_list("pk", flat=True)
    for pk in list(candidates):
        with transaction.atomic():
            person = PersonOfConcern.objects.select_for_update(of=("self",)).get(pk=pk)
            if person.anonymised_at is not None or person.status != R.OFF:
                continue
            if person.off_register_on is None or person.off_register_on > cutoff:
                continue
            result.anonymised.append(pk)
            if dry_run:
                continue
            _anonymise(person, now)
    return result


def _anonymise(person: PersonOfConcern, now: dt.datetime) -> None:
    person.name = ANONYMISED_NAME
    person.birth_date = None
    for name in (
        "citizen_id_encrypted",
        "citizen_id_digest",
        "citizen_id_masked",
        "phone_encrypted",
        "phone_digest",
        "phone_masked",
        "address",
        "guardian",
        "risk_notes",
        "category_note",
        "off_register_reason",
    ):
        setattr(person, name, "")
    person.anonymised_at = now
    person.save()
    person.helpers.clear()
    Visit.objects.filter(person=person).update(situation="", visitor=None)
    LevelChange.objects.filter(person=person).update(reason="", decision_reason="")
    record_event(
        code("anonymised"),
        actor=None,
        target=person,
        after={"retention_days": retention_days()},
    )


def daily_sweep(now: dt.datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """The concerns part of `shouwang sweep-cases`: overdue reminders, then retention."""
    result = SweepResult(dry_run=dry_run)
    sweep_overdue_visits(now=now, dry_run=dry_run, result=result)
    anonymise_expired(now=now, dry_run=dry_run, result=result)
    return result.counts()
