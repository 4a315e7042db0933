"""The home page per role: what each role needs first, read from its own scope only.

Field roles see their team's posts and nothing to fill in; the office sees gaps to act on;
the county sees its townships side by side; auditors see the latest recorded changes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from shouwang.core.audit import label_for
from shouwang.core.models import AuditEvent, Jurisdiction, JurisdictionLevel
from shouwang.core.scoping import can, user_grants


def my_teams(user: Any) -> list[dict[str, Any]]:
    """Teams named in the user's grants, each with its posts in time order."""
    from shouwang.areas.models import Post

    teams = []
    for grant in user_grants(user):
        if grant.team is None:
            continue
        posts = (
            Post.objects.visible_to(user)
            .filter(team=grant.team)
            .select_related("kind", "key_place", "route", "segment", "zone")
            .order_by("start_time", "name")
        )
        teams.append({"team": grant.team, "posts": list(posts)})
    return teams


def composition_gaps(user: Any) -> list[dict[str, Any]]:
    """Teams in scope whose active members cannot fill their composition rule."""
    from shouwang.forces.models import Team

    gaps = []
    for team in Team.objects.visible_to(user).exclude(composition_rule=[]):
        shortfalls = team.composition_shortfalls()
        if shortfalls:
            gaps.append({"team": team, "shortfalls": shortfalls})
    return gaps


def township_overview(user: Any) -> list[dict[str, Any]]:
    """One row per township in scope: members, teams and posts on its register."""
    from shouwang.areas.models import Post
    from shouwang.forces.models import Member, Team

    townships = Jurisdiction.objects.visible_to(user).filter(level=JurisdictionLevel.TOWNSHIP)
    rows = []
    for township in townships.order_by("stat_division_code"):
        under = Q(jurisdiction__path__startswith=township.path)
        rows.append(
            {
                "township": township,
                "members": Member.objects.visible_to(user).filter(under).count(),
                "teams": Team.objects.visible_to(user).filter(under).count(),
                "posts": Post.objects.visible_to(user).filter(under).count(),
                "villages": townships.model.objects.filter(
                    path__startswith=township.path, level=JurisdictionLevel.VILLAGE
                ).count(),
            }
        )
    return rows


def recent_changes(user: Any, limit: int = 10) -> list[dict[str, Any]]:
    """The latest audited changes in scope, labelled in the user's language."""
    if not can(user, AuditEvent, "view"):
        return []
    events = AuditEvent.objects.visible_to(user)[:limit]
    return [{"event": e, "label": label_for(e.code)} for e in events]


def members_without_id(user: Any) -> int:
    from shouwang.forces.models import Member, MemberStatus

    return (
        Member.objects.visible_to(user)
        .filter(status=MemberStatus.ACTIVE, citizen_id_digest="")
        .aggregate(n=Count("pk"))["n"]
    )
