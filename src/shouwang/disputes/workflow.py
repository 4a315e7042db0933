"""The dispute case workflow: registered → mediating → resolved / partly resolved / failed and
referred → closed; reopened when a follow-up finds a relapse.

One transition table (`TRANSITIONS`) is enforced by one function (`_transition`, through
`WORKFLOW`, a shouwang.core.workflow.StateMachine): each step runs in one transaction on a
locked row, validates, writes one audit event (`disputes.dispute.<verb>`) and one
`DisputeTransition` row, and tells the people concerned.
An illegal step raises `RecordInvalid` on "status" and changes nothing.

Records that do not move the status (mediation session, agreement, investigation, follow-up
visit) go through `_record_on`, which locks the file the same way and writes one audit event.

Rules enforced here:
* the escalation ladder: at most `village_rounds` sessions without agreement at village level
  and `township_rounds` at township level (DisputePolicy; defaults 2 and 2) per cycle; once a
  level's rounds are used up, the next session must be one level up; never down the ladder;
* resolving as "resolved" needs an agreement of the current cycle; every result needs a
  mediation session; a referral names where it is referred to;
* closing needs a complete case file (`missing_documents`);
* resolution schedules follow-up visits (policy days, default +7 and +30); a visit that finds a
  relapse reopens the file (back to mediating, new cycle, pending visits cancelled).

Who: anyone who may change the file (scope of the "change" grant: office, grid workers and
mediators) records and steps; closing and a reopening without a follow-up are the office's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core import roles as core_roles
from shouwang.core.audit import record_event, snapshot
from shouwang.core.models import Jurisdiction
from shouwang.core.records import RecordInvalid
from shouwang.core.roles import users_with_role
from shouwang.core.scoping import get_for
from shouwang.core.workflow import StateMachine, action_codes
from shouwang.disputes.models import (
    DEFAULT_FOLLOW_UP_DAYS,
    DEFAULT_RESOLVE_DAYS,
    DEFAULT_TOWNSHIP_ROUNDS,
    DEFAULT_VILLAGE_ROUNDS,
    LADDER,
    AgreementForm,
    Dispute,
    DisputePolicy,
    DisputeSource,
    DisputeStatus,
    DisputeTransition,
    FollowUp,
    FollowUpFinding,
    MediationAgreement,
    MediationLevel,
    MediationOutcome,
    MediationSession,
    ReferralTarget,
    parse_days,
)

S = DisputeStatus

#: The declared workflow: verb → (statuses it may start from, status it leads to).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "mediation_started": (frozenset({S.REGISTERED}), S.MEDIATING),
    "resolved": (frozenset({S.MEDIATING}), S.RESOLVED),
    "partly_resolved": (frozenset({S.MEDIATING}), S.PARTLY_RESOLVED),
    "referred": (frozenset({S.REGISTERED, S.MEDIATING}), S.FAILED_REFERRED),
    "closed": (frozenset({S.RESOLVED, S.PARTLY_RESOLVED, S.FAILED_REFERRED}), S.CLOSED),
    "reopened": (frozenset({S.RESOLVED, S.PARTLY_RESOLVED, S.CLOSED}), S.MEDIATING),
}

_LABELS: dict[str, Any] = {
    "registered": gettext_lazy("Dispute registered"),
    "mediation_started": gettext_lazy("Dispute mediation started"),
    "resolved": gettext_lazy("Dispute resolved"),
    "partly_resolved": gettext_lazy("Dispute partly resolved"),
    "referred": gettext_lazy("Dispute mediation failed and referred"),
    "closed": gettext_lazy("Dispute file closed"),
    "reopened": gettext_lazy("Dispute reopened"),
    "session_recorded": gettext_lazy("Mediation session recorded"),
    "agreement_recorded": gettext_lazy("Mediation agreement recorded"),
    "investigation_recorded": gettext_lazy("Dispute investigation recorded"),
    "follow_up_recorded": gettext_lazy("Dispute follow-up visit recorded"),
    "overdue": gettext_lazy("Dispute past its deadline"),
    "follow_up_reminded": gettext_lazy("Dispute follow-up reminder"),
    "screening_missing": gettext_lazy("Weekly dispute screenings missing"),
}
code = action_codes("disputes.dispute", _LABELS)


WORKFLOW = StateMachine(
    TRANSITIONS,
    DisputeStatus,
    gettext_lazy("A dispute that is “%(status)s” cannot be moved to “%(target)s”."),
    code,
    DisputeTransition,
)


OFFICE_ROLE = "township_staff"
MEDIATOR_ROLE = "grid_worker"
FINISHED = (S.CLOSED,)
RESULT_STATUSES = (S.RESOLVED, S.PARTLY_RESOLVED, S.FAILED_REFERRED)

# -- settings per jurisdiction -----------------------------------------------------------------


def policy_for(jurisdiction: Jurisdiction) -> DisputePolicy | None:
    return DisputePolicy.for_jurisdiction(jurisdiction)


def resolve_days(jurisdiction: Jurisdiction) -> int:
    policy = policy_for(jurisdiction)
    return policy.resolve_days if policy else DEFAULT_RESOLVE_DAYS


def default_resolve_by(jurisdiction: Jurisdiction, registered_on: dt.date) -> dt.date:
    """Registration date plus the policy's days to resolve (default 30: about one month)."""
    return registered_on + dt.timedelta(days=resolve_days(jurisdiction))


def rounds_allowed(jurisdiction: Jurisdiction) -> dict[str, int | None]:
    """Rounds without agreement allowed per level (None: no limit, the top of the ladder)."""
    policy = policy_for(jurisdiction)
    return {
        MediationLevel.VILLAGE: policy.village_rounds if policy else DEFAULT_VILLAGE_ROUNDS,
        MediationLevel.TOWNSHIP: policy.township_rounds if policy else DEFAULT_TOWNSHIP_ROUNDS,
        MediationLevel.COUNTY: None,
    }


def follow_up_offsets(jurisdiction: Jurisdiction) -> list[int]:
    policy = policy_for(jurisdiction)
    return policy.follow_up_offsets() if policy else parse_days(DEFAULT_FOLLOW_UP_DAYS)


# -- who may act -------------------------------------------------------------------------------


def holds_role(user: Any, place: Jurisdiction, *roles: str) -> bool:
    """Whether the user holds one of `roles` at `place` or above it (superusers: always)."""
    return core_roles.holds_role(user, place.path, roles)


def is_office(user: Any, dispute: Dispute) -> bool:
    return holds_role(user, dispute.jurisdiction, OFFICE_ROLE)


def is_responsible(user: Any, dispute: Dispute) -> bool:
    person = dispute.responsible_person
    return person is not None and person.user_id is not None and person.user_id == user.pk


def may_change(user: Any, dispute: Dispute) -> bool:
    return bool(Dispute.objects.visible_to(user, "change").filter(pk=dispute.pk).exists())


def office_users(jurisdiction: Jurisdiction) -> list[Any]:
    return users_with_role(jurisdiction, OFFICE_ROLE)


def person_user(dispute: Dispute) -> Any:
    person = dispute.responsible_person
    return person.user if person is not None and person.user_id else None


# -- the escalation ladder ---------------------------------------------------------------------


def ladder_state(dispute: Dispute) -> dict[str, Any]:
    """Rounds used per level in the current cycle, the lowest level the next session may be at,
    and the limits (for the page and the API)."""
    allowed = rounds_allowed(dispute.jurisdiction)
    sessions = list(dispute.sessions.filter(cycle=dispute.reopen_count).order_by("held_on", "pk"))
    used = {level.value: 0 for level in LADDER}
    for session in sessions:
        if session.outcome != MediationOutcome.AGREEMENT:
            used[session.level] += 1
    top = max((LADDER.index(MediationLevel(s.level)) for s in sessions), default=0)
    lowest = top
    limit = allowed[LADDER[top]]
    if limit is not None and used[LADDER[top]] >= limit and top + 1 < len(LADDER):
        lowest = top + 1
    return {
        "used": used,
        "allowed": {str(k): v for k, v in allowed.items()},
        "next_level": LADDER[lowest].value,
        "levels": [level.value for level in LADDER[lowest:]],
    }


def check_ladder(dispute: Dispute, level: str) -> None:
    """Refuse a session below the current level, or at a level whose rounds are used up."""
    if level not in MediationLevel.values:
        raise RecordInvalid({"level": [_("Choose village, township or county level.")]})
    state = ladder_state(dispute)
    if level in state["levels"]:
        return
    wanted = MediationLevel(level)
    nxt = MediationLevel(state["next_level"])
    used = state["used"].get(wanted.value, 0)
    limit = state["allowed"].get(wanted.value)
    if limit is not None and used >= limit:
        message = _(
            "The %(limit)d rounds of mediation at %(level)s level are used up without "
            "agreement: the next session must be at %(next)s level."
        ) % {"limit": limit, "level": wanted.label, "next": nxt.label}
    else:
        message = _(
            "The mediation has already moved up to %(next)s level: it cannot go back to "
            "%(level)s level."
        ) % {"next": nxt.label, "level": wanted.label}
    raise RecordInvalid({"level": [message]})


# -- the case file checklist ---------------------------------------------------------------------

CHECKLIST: list[tuple[str, Any]] = [
    ("source_record", gettext_lazy("Application or source record")),
    ("investigation", gettext_lazy("Investigation record")),
    ("mediation", gettext_lazy("Mediation record")),
    ("agreement", gettext_lazy("Mediation agreement")),
    ("follow_up", gettext_lazy("Follow-up record")),
]


def case_file_items(dispute: Dispute) -> list[dict[str, Any]]:
    """The people's-mediation case-file checklist: each item, whether it is required for the
    file's result and whether the file has it."""
    cycle = dispute.reopen_count
    outcome = dispute.outcome or (dispute.status if dispute.status in RESULT_STATUSES else "")
    agreed = outcome in (S.RESOLVED, S.PARTLY_RESOLVED)
    present = {
        "source_record": bool(
            dispute.screening_id
            or dispute.source_record.strip()
            or (dispute.source == DisputeSource.PATROL_LOG and dispute.description.strip())
        ),
        "investigation": bool(dispute.investigation.strip()),
        "mediation": dispute.sessions.exists(),
        "agreement": dispute.agreements.filter(cycle=cycle).exists(),
        "follow_up": dispute.follow_ups.filter(visited_on__isnull=False).exists(),
    }
    required = {
        "source_record": True,
        "investigation": True,
        "mediation": True,
        "agreement": agreed,
        "follow_up": agreed,
    }
    return [
        {"key": key, "label": str(label), "required": required[key], "present": present[key]}
        for key, label in CHECKLIST
    ]


def missing_documents(dispute: Dispute) -> list[str]:
    """Labels of the required case-file items the file still lacks (empty: complete)."""
    return [i["label"] for i in case_file_items(dispute) if i["required"] and not i["present"]]


# -- the one enforcing function ------------------------------------------------------------------


def _refuse(field_name: str, message: str) -> RecordInvalid:
    return RecordInvalid({field_name: [message]})


def _lock(dispute: Dispute, actor: Any) -> Dispute:
    get_for(Dispute, actor, dispute.pk, "view")  # 404 alike for missing and out of scope
    return (  # type: ignore[no-any-return]
        Dispute.objects.select_for_update(of=("self",))
        .select_related("jurisdiction", "category", "responsible_person")
        .get(pk=dispute.pk)
    )


def _transition(
    dispute: Dispute,
    verb: str,
    *,
    actor: Any,
    permitted: Callable[[Any, Dispute], bool] = may_change,
    change: Callable[[Dispute], None] = lambda d: None,
    reason: str = "",
    tell: Callable[[Dispute], Iterable[Any]] | None = None,
) -> Dispute:
    """Move the file along TRANSITIONS[verb] (see the module docstring)."""
    with transaction.atomic():
        locked = _lock(dispute, actor)
        _step(locked, verb, actor=actor, permitted=permitted, change=change, reason=reason)
        if tell is not None:
            tell_users(locked, verb, tell(locked), actor)
    return locked


def _step(
    locked: Dispute,
    verb: str,
    *,
    actor: Any,
    permitted: Callable[[Any, Dispute], bool],
    change: Callable[[Dispute], None],
    reason: str = "",
    extra: dict[str, Any] | None = None,
) -> None:
    """The transition itself on an already locked file (inside the caller's transaction)."""
    WORKFLOW.step(
        locked, verb, actor=actor, permitted=permitted, change=change, reason=reason, extra=extra
    )


def tell_users(
    dispute: Dispute, verb: str, users: Iterable[Any], actor: Any, body: str = ""
) -> int:
    """Notify `users` (not the actor; duplicates once) about the file; returns how many."""
    from shouwang.notify.services import notify

    seen: set[int] = set()
    recipients = []
    for user in users:
        if user is None or user.pk == getattr(actor, "pk", None) or user.pk in seen:
            continue
        seen.add(user.pk)
        recipients.append(user)
    if not recipients:
        return 0
    title = _("%(event)s: %(title)s, %(place)s") % {
        "event": str(_LABELS[verb]),
        "title": dispute.title,
        "place": dispute.jurisdiction.name,
    }
    notify(
        recipients,
        kind=f"disputes.{verb}",
        title=title,
        body=body,
        link=reverse("record-detail", args=["disputes", dispute.pk]),
        jurisdiction=dispute.jurisdiction,
    )
    return len(recipients)


def _text(value: Any) -> str:
    return str(value or "").strip()


def _record_on(
    dispute: Dispute,
    verb: str,
    *,
    actor: Any,
    statuses: Iterable[str],
    make: Callable[[Dispute], Any],
    reason: str = "",
) -> Any:
    """Add a record to a file (session, agreement, investigation, visit): lock, check the
    status and the actor, make it, one audit event."""
    with transaction.atomic():
        locked = _lock(dispute, actor)
        if locked.status not in set(statuses):
            raise _refuse(
                "status",
                _("Not possible while the dispute is “%(status)s”.")
                % {"status": locked.get_status_display()},
            )
        if not may_change(actor, locked):
            raise PermissionDenied
        before = snapshot(locked)
        made = make(locked)
        after = snapshot(locked)
        if made is not None and made is not locked:
            after[made._meta.model_name] = made.pk
        record_event(
            code(verb), actor=actor, target=locked, before=before, after=after, reason=reason
        )
    return made


def _clean(instance: Any) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise RecordInvalid.from_validation_error(exc) from exc


def _date(value: Any, field_name: str, *, default: dt.date | None = None) -> dt.date:
    if value in (None, ""):
        if default is not None:
            return default
        raise _refuse(field_name, _("Enter a date."))
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise _refuse(field_name, _("Enter a valid date.")) from None


# -- the steps -----------------------------------------------------------------------------------


def start_mediation(dispute: Dispute, *, actor: Any) -> Dispute:
    """Start mediating a registered file (a first session does this by itself)."""
    return _transition(dispute, "mediation_started", actor=actor)


def record_investigation(
    dispute: Dispute, *, actor: Any, text: str, investigated_on: Any = None
) -> Dispute:
    """Record the investigation (调查记录) of the file: what was found out, when."""
    text = _text(text)
    if not text:
        raise _refuse("investigation", _("Write down what the investigation found."))
    day = _date(investigated_on, "investigated_on", default=timezone.localdate())

    def make(locked: Dispute) -> Dispute:
        locked.investigation = text
        locked.investigated_on = day
        _clean(locked)
        locked.save(update_fields=["investigation", "investigated_on"])
        return locked

    result: Dispute = _record_on(
        dispute,
        "investigation_recorded",
        actor=actor,
        statuses=[S.REGISTERED, S.MEDIATING, *RESULT_STATUSES],
        make=make,
    )
    return result


def record_session(
    dispute: Dispute,
    *,
    actor: Any,
    held_on: Any,
    level: str,
    participants: str,
    summary: str,
    outcome: str,
) -> MediationSession:
    """Record a mediation session (调解记录). The escalation ladder decides the levels allowed;
    a first session moves a registered file to mediating."""
    errors: dict[str, list[str]] = {}
    if not _text(participants):
        errors["participants"] = [_("Name who took part.")]
    if not _text(summary):
        errors["summary"] = [_("Summarise the session.")]
    if outcome not in MediationOutcome.values:
        errors["outcome"] = [_("Choose the outcome of the session.")]
    try:
        day = _date(held_on, "held_on")
    except RecordInvalid as exc:
        errors.update(exc.errors)
    if errors:
        raise RecordInvalid(errors)
    if day > timezone.localdate():
        raise _refuse("held_on", _("This date is in the future."))

    with transaction.atomic():
        locked = _lock(dispute, actor)
        if locked.status == S.REGISTERED:
            _step(
                locked,
                "mediation_started",
                actor=actor,
                permitted=may_change,
                change=lambda d: None,
            )
        if locked.status != S.MEDIATING:
            raise _refuse(
                "status",
                _("Not possible while the dispute is “%(status)s”.")
                % {"status": locked.get_status_display()},
            )
        if not may_change(actor, locked):
            raise PermissionDenied
        check_ladder(locked, level)
        before = snapshot(locked)
        round_no = locked.sessions.filter(cycle=locked.reopen_count, level=level).count() + 1
        session = MediationSession(
            dispute=locked,
            held_on=day,
            level=level,
            round_no=round_no,
            cycle=locked.reopen_count,
            participants=_text(participants),
            summary=_text(summary),
            outcome=outcome,
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        _clean(session)
        session.save()
        record_event(
            code("session_recorded"),
            actor=actor,
            target=locked,
            before=before,
            after={"session": session.pk, "level": level, "round": round_no, "outcome": outcome},
        )
    return session


def record_agreement(
    dispute: Dispute,
    *,
    actor: Any,
    terms: str,
    form: str = AgreementForm.WRITTEN,
    signed_on: Any = None,
    session: MediationSession | None = None,
) -> MediationAgreement:
    """Record the mediation agreement (written: the PDF carries the signature lines)."""
    terms = _text(terms)
    if not terms:
        raise _refuse("terms", _("Write down the terms agreed."))
    if form not in AgreementForm.values:
        raise _refuse("form", _("Choose written or oral."))
    day = _date(signed_on, "signed_on", default=timezone.localdate())

    def make(locked: Dispute) -> MediationAgreement:
        if session is not None and session.dispute_id != locked.pk:
            raise _refuse("session", _("Choose a session of this dispute."))
        if not locked.sessions.filter(cycle=locked.reopen_count).exists():
            raise _refuse("session", _("Record the mediation session first."))
        agreement = MediationAgreement(
            dispute=locked,
            session=session,
            terms=terms,
            form=form,
            signed_on=day,
            cycle=locked.reopen_count,
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        _clean(agreement)
        agreement.save()
        return agreement

    result: MediationAgreement = _record_on(
        dispute,
        "agreement_recorded",
        actor=actor,
        statuses=[S.MEDIATING, S.RESOLVED, S.PARTLY_RESOLVED],
        make=make,
    )
    return result


def _schedule_follow_ups(dispute: Dispute, resolved_on: dt.date) -> list[FollowUp]:
    return [
        FollowUp.objects.create(dispute=dispute, due_on=resolved_on + dt.timedelta(days=days))
        for days in follow_up_offsets(dispute.jurisdiction)
    ]


def resolve_dispute(
    dispute: Dispute, *, actor: Any, partly: bool = False, note: str = "", resolved_on: Any = None
) -> Dispute:
    """Record the result resolved (needs an agreement of this cycle) or partly resolved; the
    follow-up visits are scheduled (policy days after the resolution, default 7 and 30)."""
    day = _date(resolved_on, "resolved_on", default=timezone.localdate())
    verb = "partly_resolved" if partly else "resolved"

    def change(d: Dispute) -> None:
        if not d.sessions.filter(cycle=d.reopen_count).exists():
            raise _refuse("status", _("Record a mediation session before the result."))
        if not partly and not d.agreements.filter(cycle=d.reopen_count).exists():
            raise _refuse("agreement", _("A resolved dispute needs its mediation agreement."))
        d.outcome = S.PARTLY_RESOLVED if partly else S.RESOLVED
        d.result_note = _text(note)
        d.resolved_on = day
        d.referral_target = ""

    with transaction.atomic():
        locked = _lock(dispute, actor)
        _step(locked, verb, actor=actor, permitted=may_change, change=change, reason=_text(note))
        visits = _schedule_follow_ups(locked, day)
        tell_users(
            locked,
            verb,
            [person_user(locked), *office_users(locked.jurisdiction)],
            actor,
            body=_("Follow-up visits due: %(days)s")
            % {"days": "、".join(f"{v.due_on:%Y-%m-%d}" for v in visits)},
        )
    return locked


def refer_dispute(dispute: Dispute, *, actor: Any, target: str, note: str = "") -> Dispute:
    """Mediation failed: the dispute is referred to the court, the petition office or the
    police (or elsewhere, said in the note)."""
    note = _text(note)
    if target not in ReferralTarget.values:
        raise _refuse("referral_target", _("Choose where the dispute is referred to."))
    if target == ReferralTarget.OTHER and not note:
        raise _refuse("result_note", _("Say where the dispute is referred to."))

    def change(d: Dispute) -> None:
        d.outcome = S.FAILED_REFERRED
        d.referral_target = target
        d.result_note = note
        d.resolved_on = timezone.localdate()

    return _transition(
        dispute,
        "referred",
        actor=actor,
        change=change,
        reason=note,
        tell=lambda d: [person_user(d), *office_users(d.jurisdiction)],
    )


def close_dispute(dispute: Dispute, *, actor: Any, note: str = "") -> Dispute:
    """The office closes the file — only when the case file is complete; otherwise the refusal
    lists what is missing."""

    def change(d: Dispute) -> None:
        missing = missing_documents(d)
        if missing:
            raise RecordInvalid(
                {
                    "case_file": [
                        _("The case file is incomplete; missing: %(items)s.")
                        % {"items": "、".join(missing)}
                    ]
                }
            )
        d.closed_at = timezone.now()

    return _transition(
        dispute, "closed", actor=actor, permitted=is_office, change=change, reason=_text(note)
    )


def _reopen(
    locked: Dispute, *, actor: Any, reason: str, permitted: Callable[[Any, Dispute], bool]
) -> None:
    def change(d: Dispute) -> None:
        d.reopen_count += 1
        d.outcome = ""
        d.resolved_on = None
        d.closed_at = None
        d.referral_target = ""
        d.overdue_flagged_at = None
        today = timezone.localdate()
        d.resolve_by = today + dt.timedelta(days=resolve_days(d.jurisdiction))
        d.follow_ups.filter(visited_on__isnull=True, cancelled=False).update(cancelled=True)

    _step(locked, "reopened", actor=actor, permitted=permitted, change=change, reason=reason)
    tell_users(
        locked,
        "reopened",
        [person_user(locked), *office_users(locked.jurisdiction)],
        actor,
        body=reason,
    )


def reopen_dispute(dispute: Dispute, *, actor: Any, reason: str) -> Dispute:
    """The office reopens a resolved or closed file (reason required): back to mediating, a new
    cycle of mediation rounds and a fresh deadline; pending follow-ups are cancelled."""
    reason = _text(reason)
    if not reason:
        raise _refuse("reason", _("Give the reason for reopening the dispute."))
    with transaction.atomic():
        locked = _lock(dispute, actor)
        _reopen(locked, actor=actor, reason=reason, permitted=is_office)
    return locked


def record_follow_up(
    dispute: Dispute,
    *,
    actor: Any,
    finding: str,
    visited_on: Any = None,
    note: str = "",
    follow_up: FollowUp | None = None,
) -> FollowUp:
    """Record a follow-up visit (the scheduled one given, else the next pending one, else an
    extra visit). A relapse reopens the file in the same transaction."""
    if finding not in FollowUpFinding.values:
        raise _refuse("finding", _("Choose stable or relapse."))
    day = _date(visited_on, "visited_on", default=timezone.localdate())
    if day > timezone.localdate():
        raise _refuse("visited_on", _("This date is in the future."))
    note = _text(note)
    if finding == FollowUpFinding.RELAPSE and not note:
        raise _refuse("note", _("Describe the relapse."))
    with transaction.atomic():
        locked = _lock(dispute, actor)
        if locked.status not in (S.RESOLVED, S.PARTLY_RESOLVED, S.CLOSED):
            raise _refuse(
                "status",
                _("Follow-up visits are made after the dispute is resolved."),
            )
        if not may_change(actor, locked):
            raise PermissionDenied
        before = snapshot(locked)
        if follow_up is not None:
            visit = (
                FollowUp.objects.select_for_update().filter(pk=follow_up.pk, dispute=locked).first()
            )
            if visit is None:
                raise _refuse("follow_up", _("Choose a follow-up of this dispute."))
            if not visit.is_pending:
                raise _refuse("follow_up", _("This follow-up is already recorded."))
        else:
            visit = (
                locked.follow_ups.filter(visited_on__isnull=True, cancelled=False)
                .order_by("due_on", "pk")
                .first()
            ) or FollowUp(dispute=locked, due_on=day)
        visit.visited_on = day
        visit.visitor = actor if getattr(actor, "pk", None) else None
        visit.finding = finding
        visit.note = note
        _clean(visit)
        visit.save()
        record_event(
            code("follow_up_recorded"),
            actor=actor,
            target=locked,
            before=before,
            after={"follow_up": visit.pk, "finding": finding, "visited_on": day.isoformat()},
            reason=note,
        )
        if finding == FollowUpFinding.RELAPSE:
            # A relapse found on a visit reopens the file: whoever visits may do that.
            _reopen(locked, actor=actor, reason=note, permitted=may_change)
    return visit


def allowed_actions(user: Any, dispute: Dispute) -> set[str]:
    """The steps the user may take on the file now (for buttons)."""
    out: set[str] = set()
    if not may_change(user, dispute):
        return out
    status = dispute.status
    office = is_office(user, dispute)
    if status == S.REGISTERED:
        out.add("start")
    if status in (S.REGISTERED, S.MEDIATING):
        out |= {"session", "refer"}
    if status in (S.REGISTERED, S.MEDIATING, *RESULT_STATUSES):
        out.add("investigation")
    if status in (S.MEDIATING, S.RESOLVED, S.PARTLY_RESOLVED):
        out.add("agreement")
    if status == S.MEDIATING:
        out.add("resolve")
    if status in (S.RESOLVED, S.PARTLY_RESOLVED, S.CLOSED):
        out.add("follow_up")
    if office and status in TRANSITIONS["closed"][0]:
        out.add("close")
    if office and status in TRANSITIONS["reopened"][0]:
        out.add("reopen")
    return out
