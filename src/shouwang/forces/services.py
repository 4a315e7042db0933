"""Business actions on organisations, teams and members."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core import records
from shouwang.core.audit import ACTIONS, record_event, snapshot
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import get_for, may_see_sensitive
from shouwang.forces.forms import (
    AbsenceRequestForm,
    MemberAbsenceForm,
    MemberForm,
    MemberPostCapForm,
    OrganisationForm,
    PlanningPolicyForm,
    TeamForm,
)
from shouwang.forces.models import (
    AbsenceStatus,
    Member,
    MemberAbsence,
    MemberPostCap,
    Organisation,
    PlanningPolicy,
    Team,
)

ACTIONS.setdefault("forces.memberabsence.requested", gettext_lazy("Leave asked for by the member"))
ACTIONS.setdefault("forces.memberabsence.decided", gettext_lazy("Leave approved or rejected"))


def create_organisation(*, actor: Any, data: Mapping[str, Any]) -> Organisation:
    """Register a member unit of joint defence."""
    return records.create_record(OrganisationForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_organisation(org: Organisation, *, actor: Any, data: Mapping[str, Any]) -> Organisation:
    """Change a member unit's details."""
    return records.update_record(OrganisationForm, org, actor=actor, data=data)


def delete_organisation(org: Organisation, *, actor: Any) -> None:
    """Remove a member unit nobody refers to."""
    records.delete_record(org, actor=actor)


def create_team(*, actor: Any, data: Mapping[str, Any]) -> Team:
    """Set up a patrol force with its composition rule."""
    return records.create_record(TeamForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_team(team: Team, *, actor: Any, data: Mapping[str, Any]) -> Team:
    """Change a team's leader, rule or details."""
    return records.update_record(TeamForm, team, actor=actor, data=data)


def delete_team(team: Team, *, actor: Any) -> None:
    """Disband a team."""
    records.delete_record(team, actor=actor)


def _apply_citizen_id(member: Member, form: Any) -> None:
    raw = form.cleaned_data.get("citizen_id_number") or ""
    if raw:
        member.set_citizen_id(raw)


def create_member(*, actor: Any, data: Mapping[str, Any]) -> Member:
    """Admit a member; the identity number is encrypted before it is stored."""
    return records.create_record(  # type: ignore[no-any-return]
        MemberForm, actor=actor, data=data, before_save=_apply_citizen_id
    )


def update_member(member: Member, *, actor: Any, data: Mapping[str, Any]) -> Member:
    """Change a member's details; an empty identity number keeps the stored one."""
    return records.update_record(
        MemberForm, member, actor=actor, data=data, before_save=_apply_citizen_id
    )


def delete_member(member: Member, *, actor: Any) -> None:
    """Remove a member record (a member who left is usually set to status 'left')."""
    records.delete_record(member, actor=actor)


def reveal_citizen_id(member: Member, *, actor: Any, reason: str = "") -> str:
    """Return the full identity number to a permitted role, and log that it was seen."""
    if not may_see_sensitive(actor):
        raise PermissionDenied
    with transaction.atomic():
        member = get_for(Member, actor, member.pk, "view")
        record_event("forces.member.citizen_id_revealed", actor=actor, target=member, reason=reason)
        return member.citizen_id_full()


def link_member_login(member: Member, *, actor: Any, user: Any) -> Member:
    """Let a member sign in as `user` (to see own duties and ask for swaps), or unlink (None).

    A login belongs to one member at most; linking it to another member is refused.
    """
    with transaction.atomic():
        member = get_for(Member, actor, member.pk, "change")
        member = Member.objects.select_for_update().get(pk=member.pk)
        if user is not None and Member.objects.filter(user=user).exclude(pk=member.pk).exists():
            raise RecordInvalid({"user": [_("This login already belongs to another member.")]})
        before = {"user": member.user_id}
        member.user = user
        member.save(update_fields=["user"])
        record_event(
            "forces.member.login_linked",
            actor=actor,
            target=member,
            before=before,
            after={"user": member.user_id},
        )
        return member


# -- the members' side of duty planning ----------------------------------------------------


def create_absence(*, actor: Any, data: Mapping[str, Any]) -> MemberAbsence:
    """Enter a member's leave or unavailable dates (approved unless a status is given)."""
    return records.create_record(MemberAbsenceForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_absence(absence: MemberAbsence, *, actor: Any, data: Mapping[str, Any]) -> MemberAbsence:
    """Change an absence (takes effect the next time a draft is planned)."""
    return records.update_record(MemberAbsenceForm, absence, actor=actor, data=data)


def delete_absence(absence: MemberAbsence, *, actor: Any) -> None:
    """Remove an absence entered by mistake or cancelled."""
    records.delete_record(absence, actor=actor)


def request_absence(*, actor: Any, data: Mapping[str, Any]) -> MemberAbsence:
    """A member asks for leave with their own login; the team leader then decides.

    Needs no role: the login linked to the member (Member.user) is the permission, and the
    absence is always the member's own and always starts as "requested".
    """
    member = Member.objects.filter(user_id=getattr(actor, "pk", None)).first()
    if member is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    with transaction.atomic():
        instance = MemberAbsence(member=member, status=AbsenceStatus.REQUESTED)
        form = AbsenceRequestForm(data=data, instance=instance)
        if not form.is_valid():
            raise RecordInvalid({k: [str(m) for m in v] for k, v in form.errors.items()})
        absence = form.save(commit=False)
        try:
            absence.full_clean()
        except ValidationError as exc:
            raise RecordInvalid.from_validation_error(exc) from exc
        absence.save()
        record_event(
            "forces.memberabsence.requested",
            actor=actor,
            target=absence,
            parent=member,
            after=snapshot(absence),
        )
        return absence


def decide_absence(
    absence: MemberAbsence, *, actor: Any, approve: bool, reason: str = ""
) -> MemberAbsence:
    """Approve or reject an absence (the team leader or the office; needs "change")."""
    with transaction.atomic():
        locked = get_for(MemberAbsence, actor, absence.pk, "change")
        locked = MemberAbsence.objects.select_for_update().get(pk=locked.pk)
        if not approve and not reason.strip():
            raise RecordInvalid({"reason": [_("Say why the absence is rejected.")]})
        target = AbsenceStatus.APPROVED if approve else AbsenceStatus.REJECTED
        if locked.status == target:
            raise RecordInvalid(
                {"status": [_("The absence is already “%(s)s”.") % {"s": target.label}]}
            )
        before = snapshot(locked)
        locked.status = target
        try:
            # An approval must not overlap another live absence of the member.
            locked.full_clean()
        except ValidationError as exc:
            raise RecordInvalid.from_validation_error(exc) from exc
        locked.save(update_fields=["status"])
        record_event(
            "forces.memberabsence.decided",
            actor=actor,
            target=locked,
            parent=locked.member,
            before=before,
            after=snapshot(locked),
            reason=reason,
        )
        _tell_member_of_decision(locked, reason)
        return locked


def _tell_member_of_decision(absence: MemberAbsence, reason: str) -> None:
    from shouwang.notify.services import notify

    member = absence.member
    if member.user_id is None:
        return
    period = f"{absence.start_date:%Y-%m-%d} – {absence.end_date:%Y-%m-%d}"
    if absence.status == AbsenceStatus.APPROVED:
        title = _("Your leave %(period)s is approved.") % {"period": period}
    else:
        title = _("Your leave %(period)s is not approved.") % {"period": period}
    notify(
        [member.user],
        kind="forces.absence.decided",
        title=title,
        body=reason,
        link=reverse("forces-my-leave"),
        outbound=False,
    )


def create_member_post_cap(*, actor: Any, data: Mapping[str, Any]) -> MemberPostCap:
    """Cap how often a member is planned on one post a month (0 = never)."""
    return records.create_record(MemberPostCapForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_member_post_cap(
    cap: MemberPostCap, *, actor: Any, data: Mapping[str, Any]
) -> MemberPostCap:
    """Change a member's cap on a post."""
    return records.update_record(MemberPostCapForm, cap, actor=actor, data=data)


def delete_member_post_cap(cap: MemberPostCap, *, actor: Any) -> None:
    """Lift a member's cap on a post."""
    records.delete_record(cap, actor=actor)


def create_planning_policy(*, actor: Any, data: Mapping[str, Any]) -> PlanningPolicy:
    """Set a team's planning policy: caps, rest rules and the weights of the soft rules."""
    return records.create_record(PlanningPolicyForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_planning_policy(
    policy: PlanningPolicy, *, actor: Any, data: Mapping[str, Any]
) -> PlanningPolicy:
    """Change a team's planning policy (takes effect the next time a draft is planned)."""
    return records.update_record(PlanningPolicyForm, policy, actor=actor, data=data)


def delete_planning_policy(policy: PlanningPolicy, *, actor: Any) -> None:
    """Drop a team's policy: the team is planned with the defaults again."""
    records.delete_record(policy, actor=actor)
