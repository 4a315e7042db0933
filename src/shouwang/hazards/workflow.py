"""The hazard case workflow (整改销号): assign → rectify → verify → close, or reject; reopen;
deadline extensions; the daily deadline sweep (yellow warning, red supervision 督办, escalation).

One transition table (`TRANSITIONS`) is enforced by one function (`_transition`, through
`WORKFLOW`, a shouwang.core.workflow.StateMachine): each step runs in one transaction on a
locked row, validates (`full_clean`), writes one audit event (`hazards.hazard.<verb>`) and
one `HazardTransition` row, and tells the people concerned after the commit. An illegal step
raises `RecordInvalid` on "status" and changes nothing.

Who may do what (checked here, on top of the scope of the "change" grant):
* the office (township staff covering the hazard, or a system administrator) assigns, rejects,
  reopens and decides extensions;
* the responsible person's own login, a team leader of the team concerned or the office starts
  the rectification, reports it done and asks for an extension;
* the office or a team leader of the team concerned verifies — never the person who reported
  the rectification;
* patrol members only report hazards (services.report_hazard).

The team concerned (`team_hazards_q`, `team_concerned`): a hazard carries no team of its own,
so a team leader whose grant names a team acts on a hazard only when
1. it came from a patrol log of that team; else
2. its responsible person is a member of that team; else (no log, and a responsible person
   in no team or none yet)
3. it lies in the team's home jurisdiction (the village or township the team belongs to).
A team leader grant without a team covers the grant's whole jurisdiction, as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.calendars.holidays import HolidayProvider
from shouwang.core import roles as core_roles
from shouwang.core.audit import record_event, snapshot
from shouwang.core.models import Jurisdiction
from shouwang.core.records import RecordInvalid
from shouwang.core.roles import users_with_role
from shouwang.core.scoping import get_for, user_grants
from shouwang.core.workflow import StateMachine, action_codes
from shouwang.forces.models import Member, Organisation, Team
from shouwang.hazards.models import (
    FINISHED_STATUSES,
    EscalationLevel,
    ExtensionStatus,
    Hazard,
    HazardCategoryPolicy,
    HazardExtension,
    HazardStatus,
    HazardTransition,
)
from shouwang.patrols.models import FieldPhoto

S = HazardStatus

#: The declared workflow: verb → (statuses it may start from, status it leads to).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "assigned": (frozenset({S.REPORTED}), S.ASSIGNED),
    "started": (frozenset({S.ASSIGNED}), S.RECTIFYING),
    "rectified": (frozenset({S.ASSIGNED, S.RECTIFYING}), S.AWAITING_VERIFICATION),
    "verified": (frozenset({S.AWAITING_VERIFICATION}), S.CLOSED),
    "verification_failed": (frozenset({S.AWAITING_VERIFICATION}), S.RECTIFYING),
    "rejected": (frozenset({S.REPORTED, S.ASSIGNED, S.RECTIFYING}), S.REJECTED),
    "reopened": (frozenset({S.CLOSED, S.REJECTED}), S.ASSIGNED),
}

_LABELS: dict[str, Any] = {
    "assigned": gettext_lazy("Hazard assigned"),
    "started": gettext_lazy("Hazard rectification started"),
    "rectified": gettext_lazy("Hazard rectification reported"),
    "verified": gettext_lazy("Hazard verified and closed"),
    "verification_failed": gettext_lazy("Hazard verification failed"),
    "rejected": gettext_lazy("Hazard rejected"),
    "reopened": gettext_lazy("Hazard reopened"),
    "extension_requested": gettext_lazy("Hazard deadline extension requested"),
    "extension_decided": gettext_lazy("Hazard deadline extension decided"),
    "warned": gettext_lazy("Hazard deadline warning (yellow)"),
    "supervised": gettext_lazy("Hazard overdue supervision notice (red)"),
    "escalated": gettext_lazy("Overdue hazard escalated"),
}
code = action_codes("hazards.hazard", _LABELS)


WORKFLOW = StateMachine(
    TRANSITIONS,
    HazardStatus,
    gettext_lazy("A hazard that is “%(status)s” cannot be moved to “%(target)s”."),
    code,
    HazardTransition,
)


#: Time limit when no policy covers a category.
DEFAULT_TIME_LIMIT = 10
DEFAULT_WARN_DAYS = 2
#: Working days overdue per escalation level (team leader, then office, then county), when
#: settings.SHOUWANG_HAZARD_ESCALATION_STEP_DAYS is not set.
ESCALATION_STEP_WORKING_DAYS = 3


def escalation_step_days() -> int:
    """The escalation step from the settings, read at call time (at least one working day)."""
    value = getattr(settings, "SHOUWANG_HAZARD_ESCALATION_STEP_DAYS", ESCALATION_STEP_WORKING_DAYS)
    return max(1, int(value))


OFFICE_ROLE = "township_staff"
LEADER_ROLE = "team_leader"
COUNTY_ROLE = "county_supervisor"
ESCALATION_ROLES = {
    EscalationLevel.TEAM_LEADER: LEADER_ROLE,
    EscalationLevel.OFFICE: OFFICE_ROLE,
    EscalationLevel.COUNTY: COUNTY_ROLE,
}


# -- who may act ----------------------------------------------------------------------------


def team_concerned(team: Team, hazard: Hazard) -> bool:
    """Whether `team` is the team concerned by the hazard (module docstring); the same rule as
    `team_hazards_q`, for one hazard."""
    if hazard.log_id is not None:
        return bool(hazard.log is not None and hazard.log.team_id == team.pk)
    person = hazard.responsible_person
    if person is not None:
        team_ids = set(person.teams.values_list("pk", flat=True))
        if team_ids:
            return team.pk in team_ids
    return bool(hazard.jurisdiction.path.startswith(team.jurisdiction.path))


def team_hazards_q(team: Team) -> Q:
    """The hazards `team` is concerned by, as a filter (no join that repeats rows)."""
    in_team = Member.objects.filter(teams=team).values("pk")
    in_any_team = Member.objects.filter(teams__isnull=False).values("pk")
    return (
        Q(log__team=team)
        | Q(log=None, responsible_person__in=in_team)
        | (
            Q(log=None, jurisdiction__path__startswith=team.jurisdiction.path)
            & (Q(responsible_person=None) | ~Q(responsible_person__in=in_any_team))
        )
    )


def holds_role(user: Any, hazard: Hazard, *roles: str) -> bool:
    """Whether the user holds one of `roles` at the hazard's jurisdiction or above it (a team
    leader's grant naming a team: only for hazards of the team concerned; a global grant of
    any role covers every hazard)."""

    def narrow(grant: Any) -> bool:
        if grant.role.key == LEADER_ROLE and grant.team_id is not None:
            return team_concerned(grant.team, hazard)
        return True

    return core_roles.holds_role(
        user, hazard.jurisdiction.path, roles, narrow=narrow, any_global=True
    )


def role_q(user: Any, *roles: str) -> Q | None:
    """`holds_role` as a hazard filter: None when the user holds none of `roles`, Q() when
    they cover everything (mind that `Q() | x` is `x`: see hazards.cases._or_nothing)."""
    if getattr(user, "is_superuser", False):
        return Q()
    combined: Q | None = None
    for grant in user_grants(user):
        if getattr(grant.role, "is_global", False):
            return Q()
        if grant.role.key not in roles:
            continue
        q = Q(jurisdiction__path__startswith=grant.jurisdiction.path)
        if grant.role.key == LEADER_ROLE and grant.team_id is not None:
            q &= team_hazards_q(grant.team)
        combined = q if combined is None else combined | q
    return combined


def is_office(user: Any, hazard: Hazard) -> bool:
    return holds_role(user, hazard, OFFICE_ROLE)


def is_responsible(user: Any, hazard: Hazard) -> bool:
    person = hazard.responsible_person
    return person is not None and person.user_id is not None and person.user_id == user.pk


def may_rectify(user: Any, hazard: Hazard) -> bool:
    return is_responsible(user, hazard) or holds_role(user, hazard, OFFICE_ROLE, LEADER_ROLE)


class VerifyRefusal(NamedTuple):
    """Why a user may not verify a hazard: `reason` is one line for the page; `forbidden`
    means the user holds no verifying role (the step answers 403, not a field error)."""

    reason: str
    forbidden: bool


def is_rectifier(user: Any, hazard: Hazard) -> bool:
    """Whether the user reported the hazard's rectification."""
    pk = getattr(user, "pk", None)
    return pk is not None and hazard.rectified_by_id == pk


def verification_refusal(user: Any, hazard: Hazard) -> VerifyRefusal | None:
    """Why the user may not verify the hazard, or None when they may (status aside).

    The one verification rule, asked by `verify_hazard`, `allowed_actions` and the detail
    page: the office or a team leader of the team concerned verifies, never the person who
    reported the rectification (four eyes).
    """
    if is_rectifier(user, hazard):
        return VerifyRefusal(
            _(
                "The person who rectified this hazard cannot verify it; "
                "another person in charge must verify it."
            ),
            forbidden=False,
        )
    if not holds_role(user, hazard, OFFICE_ROLE, LEADER_ROLE):
        return VerifyRefusal(
            _("Only the township office or the team leader concerned can verify this hazard."),
            forbidden=True,
        )
    return None


def may_verify(user: Any, hazard: Hazard) -> bool:
    return verification_refusal(user, hazard) is None


def person_in_unit(person: Member, unit: Organisation) -> bool:
    """Whether the person belongs to the unit. The only link between a member and an
    organisation is the member's employer (`Member.employer`): a member with no employer
    belongs to no unit."""
    return person.employer_id is not None and person.employer_id == unit.pk


def persons_unit_error(person: Member, unit: Organisation) -> str:
    """The refusal of a responsible person who does not belong to the responsible unit."""
    return _(
        "%(person)s does not belong to the responsible unit “%(unit)s”: choose a person "
        "whose employer organisation is that unit."
    ) % {"person": person, "unit": unit}


def allowed_actions(user: Any, hazard: Hazard) -> set[str]:
    """The workflow steps the user may take on the hazard now (for buttons)."""
    status = hazard.status
    out: set[str] = set()
    office = is_office(user, hazard)
    rectifier = may_rectify(user, hazard)
    if office and status in TRANSITIONS["assigned"][0]:
        out.add("assign")
    if rectifier and status in TRANSITIONS["started"][0]:
        out.add("start")
    if rectifier and status in TRANSITIONS["rectified"][0]:
        out.add("rectified")
    if may_verify(user, hazard) and status in TRANSITIONS["verified"][0]:
        out.add("verify")
    if office and status in TRANSITIONS["rejected"][0]:
        out.add("reject")
    if office and status in TRANSITIONS["reopened"][0]:
        out.add("reopen")
    if rectifier and status in (S.ASSIGNED, S.RECTIFYING):
        out.add("extension")
    if office and hazard.extensions.filter(status=ExtensionStatus.REQUESTED).exists():
        out.add("decide_extension")
    return out


# -- calendar -------------------------------------------------------------------------------


def holidays_for_jurisdiction(jurisdiction: Jurisdiction) -> HolidayProvider:
    """chinese_calendar plus the arrangements entered for the jurisdiction and its ancestors."""
    from shouwang.calendars.services import complete_years_for
    from shouwang.rostering import adapter
    from shouwang.rostering.models import HolidayArrangement
    from shouwang.rostering.services import jurisdiction_prefixes

    paths = jurisdiction_prefixes(jurisdiction.path)
    arrangements = HolidayArrangement.objects.filter(jurisdiction__path__in=paths).select_related(
        "jurisdiction"
    )
    provider = adapter.holiday_provider(arrangements)
    marked = complete_years_for(paths)
    if marked:
        entered = {o.date.year for o in provider.overrides}
        provider = HolidayProvider(provider.overrides, complete_years=entered | marked)
    return provider


def policy_for(hazard: Hazard) -> HazardCategoryPolicy | None:
    return HazardCategoryPolicy.for_hazard(hazard.jurisdiction, hazard.category_id)


def deadline_for(hazard: Hazard, start: dt.date | None = None) -> dt.date:
    """`start` (the found date by default) plus the category's time limit in working days."""
    policy = policy_for(hazard)
    limit = policy.time_limit_working_days if policy else DEFAULT_TIME_LIMIT
    start = start or timezone.localdate(hazard.found_at)
    return holidays_for_jurisdiction(hazard.jurisdiction).working_days_between(start, limit)


# -- the one enforcing function ---------------------------------------------------------------


def _refuse(field_name: str, message: str) -> RecordInvalid:
    return RecordInvalid({field_name: [message]})


def _transition(
    hazard: Hazard,
    verb: str,
    *,
    actor: Any,
    permitted: Callable[[Any, Hazard], bool],
    change: Callable[[Hazard], None],
    reason: str = "",
    tell: Callable[[Hazard], Iterable[Any]] | None = None,
) -> Hazard:
    """Move the hazard along TRANSITIONS[verb] (see the module docstring)."""
    with transaction.atomic():
        get_for(Hazard, actor, hazard.pk, "view")  # 404 alike for missing and out of scope
        locked = (
            Hazard.objects.select_for_update(of=("self",))
            .select_related("jurisdiction", "category", "responsible_person")
            .get(pk=hazard.pk)
        )
        WORKFLOW.step(locked, verb, actor=actor, permitted=permitted, change=change, reason=reason)
        if tell is not None:
            _tell_on_commit(locked, verb, tell(locked), actor)
    return locked


def _tell_on_commit(hazard: Hazard, verb: str, users: Iterable[Any], actor: Any) -> None:
    recipients = [u for u in users if u is not None and u.pk != getattr(actor, "pk", None)]
    if not recipients:
        return
    title = _("%(event)s: %(category)s, %(place)s") % {
        "event": str(_LABELS[verb]),
        "category": str(hazard.category),
        "place": hazard.place or hazard.jurisdiction.name,
    }
    body = hazard.description
    link = reverse("record-detail", args=["hazards", hazard.pk])

    def send() -> None:
        from shouwang.notify.services import notify

        notify(
            recipients,
            kind=f"hazards.{verb}",
            title=title,
            body=body,
            link=link,
            jurisdiction=hazard.jurisdiction,
        )

    transaction.on_commit(send, robust=True)


def leaders_for(hazard: Hazard) -> list[Any]:
    """Active team leaders told about the hazard: those whose grant covers it and names no
    team or the team concerned (module docstring)."""
    grants = core_roles.grants_at_or_above(hazard.jurisdiction, [LEADER_ROLE]).select_related(
        "user", "team__jurisdiction"
    )
    return [g.user for g in grants if g.team is None or team_concerned(g.team, hazard)]


def _person_user(hazard: Hazard) -> Any:
    person = hazard.responsible_person
    return person.user if person is not None and person.user_id else None


def _text(value: Any) -> str:
    return str(value or "").strip()


# -- the steps ------------------------------------------------------------------------------


def assign_hazard(
    hazard: Hazard,
    *,
    actor: Any,
    responsible_unit: Organisation | None = None,
    responsible_person: Member | None = None,
    deadline: dt.date | None = None,
) -> Hazard:
    """The office assigns the hazard: responsible unit (default: the category policy's) and
    person, and the deadline (default: found date + the category's time limit in working
    days, statutory holidays and make-up workdays respected)."""

    def change(h: Hazard) -> None:
        policy = policy_for(h)
        unit = responsible_unit or (policy.default_unit if policy else None)
        if unit is None:
            raise _refuse("responsible_unit", _("Choose the responsible unit."))
        if not Organisation.objects.visible_to(actor).filter(pk=unit.pk).exists():
            raise _refuse("responsible_unit", _("Choose a unit of your jurisdiction."))
        if (
            responsible_person is not None
            and not Member.objects.visible_to(actor).filter(pk=responsible_person.pk).exists()
        ):
            raise _refuse("responsible_person", _("Choose a member of your jurisdiction."))
        if responsible_person is not None and not person_in_unit(responsible_person, unit):
            raise _refuse("responsible_person", persons_unit_error(responsible_person, unit))
        h.responsible_unit = unit
        h.responsible_person = responsible_person
        h.deadline = deadline or deadline_for(h)
        h.assigned_at = timezone.now()
        h.assigned_by = actor

    return _transition(
        hazard,
        "assigned",
        actor=actor,
        permitted=is_office,
        change=change,
        tell=lambda h: [_person_user(h), *leaders_for(h)],
    )


def start_rectification(hazard: Hazard, *, actor: Any) -> Hazard:
    """The responsible person (or a leader / the office) starts the rectification."""
    return _transition(
        hazard,
        "started",
        actor=actor,
        permitted=may_rectify,
        change=lambda h: None,
        tell=lambda h: users_with_role(h.jurisdiction, OFFICE_ROLE),
    )


def report_rectified(
    hazard: Hazard,
    *,
    actor: Any,
    note: str = "",
    photos: Iterable[FieldPhoto] = (),
) -> Hazard:
    """The rectification is done and waits for verification (note and photos optional)."""
    photo_list = list(photos)

    def change(h: Hazard) -> None:
        h.rectified_at = timezone.now()
        h.rectified_by = actor
        h.rectification_note = _text(note)
        if photo_list:
            visible = set(
                FieldPhoto.objects.visible_to(actor)
                .filter(pk__in=[p.pk for p in photo_list])
                .values_list("pk", flat=True)
            )
            if len(visible) != len({p.pk for p in photo_list}):
                raise _refuse("photos", _("Attach only photos you may see."))
            h.photos.add(*photo_list)

    return _transition(
        hazard,
        "rectified",
        actor=actor,
        permitted=may_rectify,
        change=change,
        reason=_text(note),
        tell=lambda h: [
            *users_with_role(h.jurisdiction, OFFICE_ROLE),
            *leaders_for(h),
        ],
    )


def verify_hazard(hazard: Hazard, *, actor: Any, passed: bool, reason: str = "") -> Hazard:
    """Verification by someone other than the rectifier: pass → closed (销号); fail → back to
    rectifying with a reason."""
    reason = _text(reason)
    if not passed and not reason:
        raise _refuse("reason", _("Say why the rectification is not accepted."))

    def permitted(user: Any, h: Hazard) -> bool:
        # Checked on the locked row: the rectifier is told why, anyone else without a
        # verifying role gets PermissionDenied.
        refusal = verification_refusal(user, h)
        if refusal is not None and not refusal.forbidden:
            raise _refuse("verified_by", refusal.reason)
        return refusal is None

    def change(h: Hazard) -> None:
        h.verified_at = timezone.now()
        h.verified_by = actor
        if passed:
            h.closed_at = h.verified_at

    return _transition(
        hazard,
        "verified" if passed else "verification_failed",
        actor=actor,
        permitted=permitted,
        change=change,
        reason=reason,
        tell=lambda h: [h.found_by, h.rectified_by, _person_user(h)],
    )


def reject_hazard(hazard: Hazard, *, actor: Any, reason: str) -> Hazard:
    """The office rejects the report (not a hazard, a duplicate, …); a reason is required."""
    reason = _text(reason)
    if not reason:
        raise _refuse("reason", _("Give the reason for rejecting the hazard."))

    def change(h: Hazard) -> None:
        h.rejection_reason = reason

    return _transition(
        hazard,
        "rejected",
        actor=actor,
        permitted=is_office,
        change=change,
        reason=reason,
        tell=lambda h: [h.found_by, _person_user(h)],
    )


def reopen_hazard(
    hazard: Hazard, *, actor: Any, reason: str, responsible_unit: Organisation | None = None
) -> Hazard:
    """The office reopens a closed or rejected hazard (reason required): back to assigned,
    with a fresh deadline counted from today; warnings and escalation start over. A hazard
    rejected before it was ever assigned needs a unit (given, or the category policy's)."""
    reason = _text(reason)
    if not reason:
        raise _refuse("reason", _("Give the reason for reopening the hazard."))

    def change(h: Hazard) -> None:
        policy = policy_for(h)
        if responsible_unit is not None:
            if not Organisation.objects.visible_to(actor).filter(pk=responsible_unit.pk).exists():
                raise _refuse("responsible_unit", _("Choose a unit of your jurisdiction."))
            h.responsible_unit = responsible_unit
        if h.responsible_unit_id is None and policy is not None and policy.default_unit:
            h.responsible_unit = policy.default_unit
        if h.responsible_unit_id is None:
            raise _refuse("responsible_unit", _("Choose the responsible unit."))
        h.deadline = deadline_for(h, start=timezone.localdate())
        h.assigned_at = timezone.now()
        h.assigned_by = actor
        h.reopen_count += 1
        h.closed_at = None
        h.verified_at = None
        h.verified_by = None
        h.rejection_reason = ""
        h.warned_at = None
        h.supervised_at = None
        h.escalation_level = EscalationLevel.NONE

    return _transition(
        hazard,
        "reopened",
        actor=actor,
        permitted=is_office,
        change=change,
        reason=reason,
        tell=lambda h: [_person_user(h), h.rectified_by],
    )


# -- extensions -----------------------------------------------------------------------------


def request_extension(
    hazard: Hazard, *, actor: Any, reason: str, new_deadline: dt.date | None
) -> HazardExtension:
    """Ask the office for a later deadline (reason required; one open request at a time)."""
    reason = _text(reason)
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("Give the reason for the extension.")]
    if new_deadline is None:
        errors["new_deadline"] = [_("Enter the new deadline.")]
    if errors:
        raise RecordInvalid(errors)
    assert new_deadline is not None
    with transaction.atomic():
        get_for(Hazard, actor, hazard.pk, "view")
        locked = (
            Hazard.objects.select_for_update(of=("self",))
            .select_related("jurisdiction", "category", "responsible_person")
            .get(pk=hazard.pk)
        )
        if locked.status not in (S.ASSIGNED, S.RECTIFYING):
            raise _refuse("status", _("Only an assigned hazard being rectified can be extended."))
        if not may_rectify(actor, locked):
            raise PermissionDenied
        if locked.deadline is not None and new_deadline <= locked.deadline:
            raise _refuse("new_deadline", _("The new deadline must be after the current one."))
        if locked.extensions.filter(status=ExtensionStatus.REQUESTED).exists():
            raise _refuse("status", _("An extension request is already waiting for a decision."))
        extension = HazardExtension(
            hazard=locked, requested_by=actor, reason=reason, new_deadline=new_deadline
        )
        try:
            extension.full_clean()
        except ValidationError as exc:
            raise RecordInvalid.from_validation_error(exc) from exc
        extension.save()
        record_event(
            code("extension_requested"),
            actor=actor,
            target=locked,
            after={"extension": extension.pk, "new_deadline": new_deadline.isoformat()},
            reason=reason,
        )
        _tell_on_commit(
            locked, "extension_requested", users_with_role(locked.jurisdiction, OFFICE_ROLE), actor
        )
    return extension


def decide_extension(
    extension: HazardExtension, *, actor: Any, approve: bool, reason: str = ""
) -> HazardExtension:
    """The office approves (the deadline moves; warnings start over) or rejects a request."""
    reason = _text(reason)
    if not approve and not reason:
        raise _refuse("decision_reason", _("Give the reason for refusing the extension."))
    with transaction.atomic():
        get_for(Hazard, actor, extension.hazard_id, "view")
        hazard = (
            Hazard.objects.select_for_update(of=("self",))
            .select_related("jurisdiction", "category", "responsible_person")
            .get(pk=extension.hazard_id)
        )
        # Both rows are locked and re-read: another office worker may have decided the
        # request, or the hazard may have been closed or rejected, since the page was shown.
        locked = HazardExtension.objects.select_for_update().get(pk=extension.pk)
        if locked.status != ExtensionStatus.REQUESTED:
            raise _refuse("status", _("This extension request is already decided."))
        if not is_office(actor, hazard):
            raise PermissionDenied
        if approve and hazard.status not in (S.ASSIGNED, S.RECTIFYING):
            raise _refuse(
                "status",
                _("A hazard that is “%(status)s” cannot get a new deadline.")
                % {"status": hazard.get_status_display()},
            )
        before = snapshot(hazard)
        locked.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_reason = reason
        locked.full_clean()
        locked.save()
        if approve:
            hazard.deadline = locked.new_deadline
            hazard.warned_at = None
            hazard.supervised_at = None
            hazard.escalation_level = EscalationLevel.NONE
            hazard.full_clean()
            hazard.save()
        record_event(
            code("extension_decided"),
            actor=actor,
            target=hazard,
            before=before,
            after={**snapshot(hazard), "extension": locked.pk, "approved": approve},
            reason=reason,
        )
        _tell_on_commit(hazard, "extension_decided", [locked.requested_by], actor)
    return locked


# -- the deadline sweep ----------------------------------------------------------------------


@dataclass
class SweepResult:
    """What a sweep did (or, with dry_run, would do): lists of hazard ids."""

    warned: list[int] = field(default_factory=list)
    supervised: list[int] = field(default_factory=list)
    escalated: list[tuple[int, int]] = field(default_factory=list)  # (hazard, new level)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "warned": self.warned,
            "supervised": self.supervised,
            "escalated": self.escalated,
            "dry_run": self.dry_run,
        }


def working_days_overdue(provider: HolidayProvider, deadline: dt.date, today: dt.date) -> int:
    """Working days after the deadline up to and including today."""
    count = 0
    day = deadline
    while day < today:
        day += dt.timedelta(days=1)
        if provider.is_workday(day):
            count += 1
    return count


def sweep_hazard_deadlines(*, now: dt.datetime | None = None, dry_run: bool = False) -> SweepResult:
    """Daily: yellow warning within `warn_days_before` working days of the deadline (once),
    red supervision notice once overdue (once), and escalation one level per
    settings.SHOUWANG_HAZARD_ESCALATION_STEP_DAYS working days overdue (team leader → office
    → county).
    Idempotent; each hazard is locked and re-checked in its own transaction."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = SweepResult(dry_run=dry_run)
    step = escalation_step_days()
    providers: dict[str, HolidayProvider] = {}
    candidates = (
        Hazard.objects.exclude(status__in=FINISHED_STATUSES)
        .exclude(deadline=None)
        .values_list("pk", flat=True)
    )
    for pk in list(candidates):
        with transaction.atomic():
            hazard = (
                Hazard.objects.select_for_update(of=("self",))
                .select_related("jurisdiction", "category", "responsible_person")
                .get(pk=pk)
            )
            if hazard.status in FINISHED_STATUSES or hazard.deadline is None:
                continue
            path = hazard.jurisdiction.path
            if path not in providers:
                providers[path] = holidays_for_jurisdiction(hazard.jurisdiction)
            _sweep_one(hazard, providers[path], now, today, dry_run, result, step)
    return result


def _sweep_one(
    hazard: Hazard,
    provider: HolidayProvider,
    now: dt.datetime,
    today: dt.date,
    dry_run: bool,
    result: SweepResult,
    step: int = ESCALATION_STEP_WORKING_DAYS,
) -> None:
    assert hazard.deadline is not None
    policy = policy_for(hazard)
    warn_days = policy.warn_days_before if policy else DEFAULT_WARN_DAYS
    changed: list[str] = []
    before = snapshot(hazard)
    if hazard.deadline >= today:
        if hazard.warned_at is None and hazard.deadline <= provider.working_days_between(
            today, warn_days
        ):
            result.warned.append(hazard.pk)
            if not dry_run:
                hazard.warned_at = now
                changed.append("warned_at")
                record_event(code("warned"), actor=None, target=hazard, before=before)
                _tell_on_commit(
                    hazard,
                    "warned",
                    [_person_user(hazard), *users_with_role(hazard.jurisdiction, OFFICE_ROLE)],
                    None,
                )
    else:
        if hazard.supervised_at is None:
            result.supervised.append(hazard.pk)
            if not dry_run:
                hazard.supervised_at = now
                changed.append("supervised_at")
                record_event(code("supervised"), actor=None, target=hazard, before=before)
                _tell_on_commit(
                    hazard,
                    "supervised",
                    [_person_user(hazard), *users_with_role(hazard.jurisdiction, OFFICE_ROLE)],
                    None,
                )
        overdue = working_days_overdue(provider, hazard.deadline, today)
        target = min(EscalationLevel.COUNTY, overdue // step)
        if target > hazard.escalation_level:
            result.escalated.append((hazard.pk, int(target)))
            if not dry_run:
                recipients: list[Any] = []
                for level in range(hazard.escalation_level + 1, target + 1):
                    role = ESCALATION_ROLES[EscalationLevel(level)]
                    recipients += (
                        leaders_for(hazard)
                        if role == LEADER_ROLE
                        else users_with_role(hazard.jurisdiction, role)
                    )
                hazard.escalation_level = int(target)
                changed.append("escalation_level")
                record_event(
                    code("escalated"),
                    actor=None,
                    target=hazard,
                    before=before,
                    after={"escalation_level": int(target)},
                )
                _tell_on_commit(hazard, "escalated", recipients, None)
    if changed:
        hazard.save(update_fields=changed)


def sweep_summary(result: SweepResult) -> Mapping[str, Any]:
    return result.as_dict()
