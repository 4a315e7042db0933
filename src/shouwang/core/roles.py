"""Who holds which role where: the role checks the case workflows share (hazards, disputes,
people of concern).

A grant covers its jurisdiction's subtree; a global role covers everything. The checks here
read the grants cached on the user (`scoping.user_grants`); the look-ups of "who should be
told" read the grants table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet

from shouwang.core.models import Jurisdiction, RoleGrant
from shouwang.core.scoping import user_grants


def grant_covers(grant: Any, path: str) -> bool:
    """Whether the grant reaches the place at `path` (a global role reaches every place)."""
    return bool(grant.role.is_global or path.startswith(grant.jurisdiction.path))


def holds_role(
    user: Any,
    path: str,
    roles: Iterable[str],
    *,
    narrow: Callable[[Any], bool] | None = None,
    any_global: bool = False,
) -> bool:
    """Whether the user holds one of `roles` at the place at `path` or above it.

    Superusers always do, and so does a global grant of one of `roles` — with `any_global`, a
    global grant of any role. `narrow(grant)` may refuse a covering, non-global grant (a team
    leader's grant naming a team, for one case).
    """
    if getattr(user, "is_superuser", False):
        return True
    wanted = frozenset(roles)
    for grant in user_grants(user):
        if getattr(grant.role, "is_global", False) and (any_global or grant.role.key in wanted):
            return True
        if (
            grant.role.key in wanted
            and path.startswith(grant.jurisdiction.path)
            and (narrow is None or narrow(grant))
        ):
            return True
    return False


def grants_at_or_above(jurisdiction: Jurisdiction, roles: Iterable[str]) -> QuerySet[RoleGrant]:
    """Grants of active users holding one of `roles` at the jurisdiction or an ancestor."""
    places = [j.pk for j in jurisdiction.ancestors()] or [jurisdiction.pk]
    return RoleGrant.objects.filter(
        role__key__in=list(roles), jurisdiction_id__in=places, user__is_active=True
    )


def users_with_role(jurisdiction: Jurisdiction, *roles: str) -> list[Any]:
    """Active users holding one of `roles` at the jurisdiction or one of its ancestors (a user
    with several such grants comes once per grant)."""
    return [g.user for g in grants_at_or_above(jurisdiction, roles).select_related("user")]


def leads_team(user: Any, team: Any, roles: Iterable[str] = ("team_leader",)) -> bool:
    """Whether the user is a leader of `team`: holds one of `roles` at the team's place, with a
    grant naming no team or this one."""

    def for_team(grant: Any) -> bool:
        return grant.team_id in (None, team.pk)

    return holds_role(user, team.jurisdiction.path, roles, narrow=for_team)
