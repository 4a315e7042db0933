"""Business actions on organisations, teams and members."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from shouwang.core import records
from shouwang.core.audit import record_event
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import get_for, may_see_sensitive
from shouwang.forces.forms import MemberForm, OrganisationForm, TeamForm
from shouwang.forces.models import Member, Organisation, Team


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
