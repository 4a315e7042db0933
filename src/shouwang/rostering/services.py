"""Business actions of duty planning: duty rules, rosters, planning a draft, the workflow."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.areas.models import Zone
from shouwang.calendars.holidays import HolidayProvider
from shouwang.core import records
from shouwang.core.audit import ACTIONS, record_event, snapshot
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import can, get_for, in_scope
from shouwang.forces.models import Member, Team
from shouwang.patrols import tallies
from shouwang.rostering import adapter, replan
from shouwang.rostering.forms import DutyRuleForm, HolidayArrangementForm, RosterForm
from shouwang.rostering.models import (
    ROSTER_TRANSITIONS,
    CalendarFeed,
    Duty,
    DutyAssignment,
    DutyRule,
    HolidayArrangement,
    Roster,
    RosterStatus,
)
from shouwang.rostering.solver import Progress

ACTIONS.setdefault("rostering.roster.generated", gettext_lazy("Draft roster planned"))
ACTIONS.setdefault("rostering.roster.transitioned", gettext_lazy("Roster status changed"))
ACTIONS.setdefault("rostering.roster.assigned", gettext_lazy("Member put on a duty by hand"))
ACTIONS.setdefault("rostering.calendarfeed.issued", gettext_lazy("Calendar feed issued"))
ACTIONS.setdefault("rostering.calendarfeed.revoked", gettext_lazy("Calendar feed revoked"))


# -- duty rules -------------------------------------------------------------------------------


def create_duty_rule(*, actor: Any, data: Mapping[str, Any]) -> DutyRule:
    """Say which post needs whom and when."""
    return records.create_record(DutyRuleForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_duty_rule(rule: DutyRule, *, actor: Any, data: Mapping[str, Any]) -> DutyRule:
    """Change a duty rule (takes effect the next time a draft is planned)."""
    return records.update_record(DutyRuleForm, rule, actor=actor, data=data)


def delete_duty_rule(rule: DutyRule, *, actor: Any) -> None:
    """Remove a duty rule."""
    records.delete_record(rule, actor=actor)


# -- holiday arrangements ---------------------------------------------------------------------


def create_holiday_arrangement(*, actor: Any, data: Mapping[str, Any]) -> HolidayArrangement:
    """Enter one day of a year's holiday arrangement (a statutory holiday or 调休 working day)."""
    return records.create_record(HolidayArrangementForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_holiday_arrangement(
    arrangement: HolidayArrangement, *, actor: Any, data: Mapping[str, Any]
) -> HolidayArrangement:
    """Change a holiday arrangement (takes effect the next time a draft is planned)."""
    return records.update_record(HolidayArrangementForm, arrangement, actor=actor, data=data)


def delete_holiday_arrangement(arrangement: HolidayArrangement, *, actor: Any) -> None:
    """Remove a holiday arrangement."""
    records.delete_record(arrangement, actor=actor)


def jurisdiction_prefixes(path: str) -> list[str]:
    """The paths of a node and its ancestors: "/3/17/" → ["/3/", "/3/17/"]."""
    ids = [part for part in (path or "").strip("/").split("/") if part]
    return ["/" + "/".join(ids[: n + 1]) + "/" for n in range(len(ids))]


def holidays_for_team(team: Team) -> HolidayProvider:
    """The holiday calendar of a team: chinese_calendar plus the arrangements entered by the
    offices of the team's jurisdiction and its ancestors (not read through an actor's scope:
    a team leader's roster follows the county's entries even if the leader cannot list them)."""
    from shouwang.calendars.services import complete_years_for

    paths = jurisdiction_prefixes(team.jurisdiction.path)
    arrangements = HolidayArrangement.objects.filter(jurisdiction__path__in=paths).select_related(
        "jurisdiction"
    )
    provider = adapter.holiday_provider(arrangements)
    marked = complete_years_for(paths)  # years an office marked complete count as known
    if marked:
        entered = {o.date.year for o in provider.overrides}
        provider = HolidayProvider(provider.overrides, complete_years=entered | marked)
    return provider


# -- rosters ----------------------------------------------------------------------------------


def create_roster(*, actor: Any, data: Mapping[str, Any]) -> Roster:
    """Open an empty draft roster for a team and month."""
    return records.create_record(RosterForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_roster(roster: Roster, *, actor: Any, data: Mapping[str, Any]) -> Roster:
    """Change a roster's note (its status moves only through `transition_roster`)."""
    return records.update_record(RosterForm, roster, actor=actor, data=data)


def delete_roster(roster: Roster, *, actor: Any) -> None:
    """Remove a roster with its duties."""
    records.delete_record(roster, actor=actor)


def transition_roster(roster: Roster, to: str, *, actor: Any, reason: str = "") -> Roster:
    """Move a roster along its workflow (ROSTER_TRANSITIONS); anything else is refused."""
    with transaction.atomic():
        locked = get_for(Roster, actor, roster.pk, "change")
        locked = Roster.objects.select_for_update().get(pk=locked.pk)
        if to not in RosterStatus.values:
            raise RecordInvalid({"status": [_("Unknown roster status: %(to)s.") % {"to": to}]})
        allowed = ROSTER_TRANSITIONS.get(locked.status, ())
        if to not in allowed:
            raise RecordInvalid(
                {
                    "status": [
                        _("A roster cannot move from “%(from)s” to “%(to)s”.")
                        % {
                            "from": locked.get_status_display(),
                            "to": RosterStatus(to).label,
                        }
                    ]
                }
            )
        if to == RosterStatus.AMENDED and not reason.strip():
            raise RecordInvalid({"reason": [_("Say why a published roster is amended.")]})
        before = snapshot(locked)
        locked.status = to
        locked.save(update_fields=["status"])
        record_event(
            "rostering.roster.transitioned",
            actor=actor,
            target=locked,
            before=before,
            after=snapshot(locked),
            reason=reason,
        )
        if to == RosterStatus.PUBLISHED:
            replan.notify_published(locked)  # one message per member on the roster
        return locked


def assign_member(*, actor: Any, duty: Duty, member: Any) -> DutyAssignment:
    """Put a member on a duty by hand; re-planning the draft keeps this assignment."""
    with transaction.atomic():
        roster = get_for(Roster, actor, duty.roster_id, "change")
        roster = Roster.objects.select_for_update().get(pk=roster.pk)
        if roster.status not in (RosterStatus.DRAFT, RosterStatus.AMENDED):
            raise RecordInvalid(
                {NON_FIELD: [_("Only a draft or amended roster can be changed by hand.")]}
            )
        if not roster.team.members.filter(pk=member.pk).exists():
            raise RecordInvalid({"member": [_("The member is not in this roster's team.")]})
        clash = DutyAssignment.objects.filter(
            duty__roster=roster, duty__date=duty.date, member=member
        ).exclude(duty=duty)
        if clash.exists():
            raise RecordInvalid({"member": [_("The member is already on another duty that day.")]})
        assignment, _created = DutyAssignment.objects.update_or_create(
            duty=duty, member=member, defaults={"is_manual": True}
        )
        tallies.refresh_duties([duty.pk])
        record_event(
            "rostering.roster.assigned",
            actor=actor,
            target=roster,
            after={"duty": duty.pk, "date": duty.date.isoformat(), "member": member.pk},
        )
        return assignment


# -- calendar feeds ---------------------------------------------------------------------------


def _member_for_feeds(actor: Any, member_pk: Any) -> Member:
    """The member, if the actor may manage its calendar feeds: 404 outside the actor's view
    scope, refused when the actor may not change this member (the office or team leader)."""
    member = get_for(Member, actor, member_pk, "view")
    if not may_manage_calendar_feeds(actor, member):
        raise PermissionDenied
    return member


def may_manage_calendar_feeds(actor: Any, member: Member) -> bool:
    """Whether the actor may issue and revoke the member's calendar feeds."""
    return can(actor, Member, "change") and in_scope(member, actor, "change")


def calendar_feed_path(raw: str) -> str:
    """The address (path) of a feed with raw token `raw`."""
    return reverse("calendar-feed", args=[raw])


def issue_calendar_feed(*, actor: Any, member: Member, name: str = "") -> tuple[CalendarFeed, str]:
    """Issue a private calendar feed of the member's published duties.

    Returns the feed and its address (path); the address holds the raw token, which is not
    stored (only its SHA-256 digest is), so it can be shown this once only.
    """
    with transaction.atomic():
        member = _member_for_feeds(actor, member.pk)
        name = (name or "").strip()[:100]
        raw = CalendarFeed.new_raw()
        feed = CalendarFeed.objects.create(
            member=member, name=name, prefix=raw[:12], digest=CalendarFeed.hash(raw)
        )
        record_event(
            "rostering.calendarfeed.issued",
            actor=actor,
            target=feed,
            parent=member,
            after={"member": member.pk, "name": feed.name, "prefix": feed.prefix},
        )
        return feed, calendar_feed_path(raw)


def revoke_calendar_feed(*, actor: Any, feed: CalendarFeed, reason: str = "") -> CalendarFeed:
    """Revoke a calendar feed: its address answers 404 from now on. Revoking twice is a no-op."""
    with transaction.atomic():
        locked = CalendarFeed.objects.select_for_update().filter(pk=feed.pk).first()
        if locked is None:
            raise Http404("not found")
        member = _member_for_feeds(actor, locked.member_id)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        record_event(
            "rostering.calendarfeed.revoked",
            actor=actor,
            target=locked,
            parent=member,
            before={"revoked_at": None},
            after={"revoked_at": locked.revoked_at.isoformat()},
            reason=reason,
        )
        return locked


def active_calendar_feed(raw: str) -> CalendarFeed | None:
    """The unrevoked feed whose token is `raw`, or None."""
    if not raw or len(raw) > 200:
        return None
    return (
        CalendarFeed.objects.select_related("member")
        .filter(digest=CalendarFeed.hash(raw), revoked_at__isnull=True)
        .first()
    )


def _home_zones(members: list[Any], rules: list[DutyRule]) -> dict[int, str | None]:
    """Member pk → the zone (of the team's posts) that covers the member's home village."""
    zone_ids = {r.post.zone_id for r in rules if r.post.zone_id}
    links = Zone.villages.through.objects.filter(zone_id__in=zone_ids).values_list(
        "jurisdiction_id", "zone_id"
    )
    zone_of: dict[int, int] = {}
    for village, zone in sorted(links):
        zone_of.setdefault(village, zone)
    return {
        m.pk: (f"zone-{zone_of[m.home_village_id]}" if m.home_village_id in zone_of else None)
        for m in members
    }


def generate_draft_roster(
    *,
    actor: Any,
    team: Team,
    month: dt.date,
    time_limit_s: float = 10,
    seed: int = 0,
    deterministic_time: float | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> Roster:
    """Plan a team's month: duties from the active duty rules, members from the solver.

    Creates the draft roster if there is none; re-planning a draft keeps manual assignments
    (they are pinned for the solver) and replaces everything the solver set before. Findings
    of the checks before planning and an explanation of every uncovered need are stored on
    the roster. The solver runs outside any transaction (`progress` gets each better roster);
    if the roster changed meanwhile the plan is refused and nothing is written (see
    rostering/planning.py).
    """
    from shouwang.rostering import planning

    return planning.plan(
        actor=actor,
        team=team,
        month=month,
        time_limit_s=time_limit_s,
        seed=seed,
        deterministic_time=deterministic_time,
        progress=progress,
    )


def roster_grid(roster: Roster) -> dict[str, Any]:
    """The month grid of a roster: rows = team members, columns = days, cells = post names."""
    first, last = adapter.month_bounds(roster.month)
    days = adapter.days_of(first, last)
    cells: dict[int, dict[dt.date, list[tuple[str, bool]]]] = {}
    names: dict[int, str] = {}
    rows = (
        DutyAssignment.objects.filter(duty__roster=roster)
        .select_related("duty__post", "member")
        .order_by("duty__start", "member_id")
    )
    for a in rows:
        names[a.member_id] = a.member.name
        cells.setdefault(a.member_id, {}).setdefault(a.duty.date, []).append(
            (short_name(a.duty.post.name), a.is_manual)
        )
    members = list(roster.team.members.order_by("name", "pk"))
    for m in members:
        names.setdefault(m.pk, m.name)
    order = [m.pk for m in members] + sorted(set(names) - {m.pk for m in members})
    return {
        "days": days,
        "rows": [
            {
                "name": names[pk],
                "member_pk": pk,
                "cells": [cells.get(pk, {}).get(d, []) for d in days],
            }
            for pk in order
        ],
    }


def short_name(post_name: str) -> str:
    """A post's short name for a grid cell.

    中学护学岗（周五） → 中学护学·周五, 场镇夜巡岗 → 场镇夜巡.
    """
    name, _sep, rest = post_name.replace("(", "（").partition("（")
    qualifier = rest.rstrip("）)")
    for suffix in ("岗", "巡逻"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return f"{name}·{qualifier}" if qualifier else name


# -- roster lifecycle after publishing (implemented in replan.py) ----------------------------


def replan_roster(roster: Roster, *, actor: Any, reason: str, **options: Any) -> Roster:
    """Plan a published roster again, changing as few published duties as possible.

    Moves it to "amended" (reason required); days before today never change; manual
    assignments are kept; the change list is stored on the roster and members are told.
    Options: ``time_limit_s``, ``seed``, ``deterministic_time``, ``today``.
    """
    return replan.replan_roster(roster, actor=actor, reason=reason, **options)


def request_swap(*, actor: Any, duty: Duty, **values: Any) -> Any:
    """A member asks to swap one of their own duties (``counterpart``, ``counterpart_duty``,
    ``note``), or to give it away to anyone available (no counterpart)."""
    return replan.request_swap(actor=actor, duty=duty, **values)


def accept_swap(swap: Any, *, actor: Any, **options: Any) -> Any:
    """The named member (or, for an open request, whoever takes it) accepts a swap."""
    return replan.accept_swap(swap, actor=actor, **options)


def withdraw_swap(swap: Any, *, actor: Any) -> Any:
    """The requester withdraws a swap request before the decision."""
    return replan.withdraw_swap(swap, actor=actor)


def decide_swap(swap: Any, *, actor: Any, approve: bool, reason: str = "", **options: Any) -> Any:
    """The team leader approves (assignments change, marked manual) or rejects a swap."""
    return replan.decide_swap(swap, actor=actor, approve=approve, reason=reason, **options)
