"""The roster lifecycle after publishing: re-planning with minimal perturbation, and swaps.

`services.py` exposes the actions (`replan_roster`, `request_swap`, `accept_swap`,
`withdraw_swap`, `decide_swap`); they live here, each one transaction with one audit record,
and each member whose own duties change gets one notification per event.

* `previous_tail`: the last days of the previous month's roster, as history for the solver,
  so that the rest rules hold across the month boundary.
* `assignment_triples` / `change_entry`: a roster's assignments as (member pk, date, rule pk)
  and the change list stored on ``Roster.changes`` (who was removed from / added to what).
* `swap_problems`: the hard rules a swap can be checked against cheaply (same-day clash,
  qualification, minimum rest, active team member).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.audit import ACTIONS, record_event, snapshot
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import Action, can, get_for, in_scope
from shouwang.forces.models import AbsenceStatus, Member, MemberAbsence, MemberStatus
from shouwang.notify import services as notify
from shouwang.patrols import tallies
from shouwang.rostering import adapter, policy
from shouwang.rostering.models import (
    SWAP_TRANSITIONS,
    Duty,
    DutyAssignment,
    DutyRule,
    Roster,
    RosterStatus,
    SwapRequest,
    SwapStatus,
)
from shouwang.rostering.solver import solve

Triple = tuple[int, dt.date, int]

#: Roster statuses whose duties count as what members were told (the reference of re-planning).
PUBLISHED_STATES = (RosterStatus.PUBLISHED, RosterStatus.AMENDED)


def previous_tail(team: Any, month: dt.date, days: int = adapter.HISTORY_DAYS) -> list[Triple]:
    """(member pk, date, rule pk) of the last `days` days of the team's previous month.

    Taken from that month's roster whatever its status (a published or amended one is what
    was worked; a draft is the best guess there is).
    """
    first = month.replace(day=1)
    start = first - dt.timedelta(days=days)
    previous = Roster.objects.filter(team=team, month=start.replace(day=1)).first()
    if previous is None:
        return []
    rows = DutyAssignment.objects.filter(
        duty__roster=previous, duty__date__gte=start, duty__date__lt=first, duty__rule__isnull=False
    ).values_list("member_id", "duty__date", "duty__rule_id")
    return [(m, d, r) for m, d, r in rows]


def assignment_triples(assignments: Iterable[DutyAssignment]) -> set[Triple]:
    """(member pk, date, rule pk) of assignments whose duty has a rule (duty selected)."""
    return {
        (a.member_id, a.duty.date, a.duty.rule_id)
        for a in assignments
        if a.duty.rule_id is not None
    }


def _entry(assignment: DutyAssignment) -> dict[str, Any]:
    duty = assignment.duty
    return {
        "duty": duty.pk,
        "date": duty.date.isoformat(),
        "post": duty.post.name,
        "member": assignment.member_id,
        "member_name": assignment.member.name,
    }


def change_entry(
    *,
    kind: str,
    actor: Any,
    reason: str,
    removed: Iterable[DutyAssignment],
    added: Iterable[DutyAssignment],
) -> dict[str, Any]:
    """One entry of ``Roster.changes``: who was removed from / added to which duty."""
    key = lambda e: (e["date"], e["post"], e["member_name"])  # noqa: E731
    return {
        "at": timezone.now().isoformat(timespec="seconds"),
        "kind": kind,
        "actor": getattr(actor, "username", "") or "system",
        "reason": reason,
        "removed": sorted((_entry(a) for a in removed), key=key),
        "added": sorted((_entry(a) for a in added), key=key),
    }


def affected_members(entry: dict[str, Any]) -> dict[int, list[str]]:
    """Member pk → lines describing that member's own changes in a change entry."""
    out: dict[int, list[str]] = {}
    for sign, items in (("−", entry["removed"]), ("+", entry["added"])):
        for item in items:
            out.setdefault(item["member"], []).append(f"{sign} {item['date']} {item['post']}")
    return out


def member_for_user(user: Any) -> Member | None:
    """The member whose own login is `user` (Member.user), or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(user_id=user.pk).first()


# -- cheap hard-rule checks for swaps ----------------------------------------------------------


def swap_problems(member: Member, duty: Duty, *, leaving: Iterable[Duty] = ()) -> list[str]:
    """Why `member` may not take `duty` (empty: fine), ignoring the duties in `leaving`.

    Checks what is cheap and certain: the member is active and in the team, holds the roles
    every member on the duty must hold, is not on approved leave that day, has no other duty
    that day (one duty per day) and keeps the minimum rest before and after it.
    """
    problems: list[str] = []
    roster = duty.roster
    if member.status != "active" or not roster.team.members.filter(pk=member.pk).exists():
        problems.append(_("%(name)s is not an active member of the team.") % {"name": member.name})
        return problems
    if duty.rule is not None:
        needed = adapter.required_roles(duty.rule)
        held = set(member.roles.values_list("code", flat=True))
        if not needed <= held:
            problems.append(
                _("%(name)s lacks a qualification this duty requires.") % {"name": member.name}
            )
    on_leave = MemberAbsence.objects.filter(
        member=member,
        status=AbsenceStatus.APPROVED,
        start_date__lte=duty.date,
        end_date__gte=duty.date,
    )
    if on_leave.exists():
        problems.append(_("%(name)s is on approved leave that day.") % {"name": member.name})
    if DutyAssignment.objects.filter(member=member, duty=duty).exists():
        problems.append(_("%(name)s is already on this duty.") % {"name": member.name})
        return problems
    skip = [d.pk for d in leaving] + [duty.pk]
    nearby = (
        DutyAssignment.objects.filter(
            member=member,
            duty__date__gte=duty.date - dt.timedelta(days=1),
            duty__date__lte=duty.date + dt.timedelta(days=1),
        )
        .exclude(duty_id__in=skip)
        .select_related("duty")
    )
    rest = dt.timedelta(minutes=adapter.MIN_REST_MINUTES)
    for other in nearby:
        o = other.duty
        if o.date == duty.date:
            problems.append(
                _("%(name)s is already on another duty that day.") % {"name": member.name}
            )
        elif o.end + rest > duty.start and duty.end + rest > o.start:
            problems.append(
                _("%(name)s would not get the minimum rest between duties.") % {"name": member.name}
            )
    return problems


# -- roster lifecycle: re-planning a published roster -----------------------------------------

ACTIONS.setdefault("rostering.roster.replanned", gettext_lazy("Published roster planned again"))
ACTIONS.setdefault("rostering.swap.requested", gettext_lazy("Duty swap requested"))
ACTIONS.setdefault("rostering.swap.accepted", gettext_lazy("Duty swap accepted"))
ACTIONS.setdefault("rostering.swap.approved", gettext_lazy("Duty swap approved"))
ACTIONS.setdefault("rostering.swap.rejected", gettext_lazy("Duty swap rejected"))
ACTIONS.setdefault("rostering.swap.withdrawn", gettext_lazy("Duty swap withdrawn"))


def my_duties_path() -> str:
    return reverse("rostering-my-duties")


def _notify_members(
    member_lines: Mapping[int, list[str]],
    *,
    kind: str,
    title: str,
    group: str,
    jurisdiction: Any = None,
) -> None:
    """One notification per member (with a login) listing that member's own changes; the
    channels of the team's jurisdiction that take roster news (and the global group robot)
    get the title once (no member's duties in a group chat)."""
    users = {
        m.pk: m.user
        for m in Member.objects.filter(
            pk__in=list(member_lines), user__isnull=False
        ).select_related("user")
    }
    for member_pk, lines in member_lines.items():
        user = users.get(member_pk)
        if user is not None:
            notify.notify(
                [user],
                kind=kind,
                title=title,
                body="\n".join(lines),
                link=my_duties_path(),
                outbound=False,
            )
    if member_lines:
        notify.broadcast(group, kind=kind, jurisdiction=jurisdiction)


def notify_published(roster: Roster) -> None:
    """Tell every member on the roster that its duties are published (one message each)."""
    lines: dict[int, list[str]] = {}
    rows = (
        DutyAssignment.objects.filter(duty__roster=roster)
        .select_related("duty__post")
        .order_by("duty__start")
    )
    for a in rows:
        lines.setdefault(a.member_id, []).append(f"{a.duty.date.isoformat()} {a.duty.post.name}")
    _notify_members(
        lines,
        kind="roster.published",
        title=_("Your duties for %(month)s are published") % {"month": f"{roster.month:%Y-%m}"},
        group=_("The roster %(roster)s is published.") % {"roster": roster},
        jurisdiction=roster.team.jurisdiction,
    )


def _sync_future_duties(
    roster: Roster, rules: list[DutyRule], today: dt.date
) -> tuple[dict[tuple[int, dt.date], Duty], list[DutyAssignment]]:
    """Duties from today on follow the active rules; returns them and the solver-set
    assignments that go with duties no rule asks for any more (manual ones hold a duty)."""
    first, last = adapter.month_bounds(roster.month)
    wanted = adapter.wanted_duties(rules, max(first, today), last)
    existing = {(d.rule_id, d.date): d for d in roster.duties.filter(date__gte=today)}
    dropped: list[DutyAssignment] = []
    for key, duty in existing.items():
        if key in wanted:
            continue
        rows = list(duty.assignments.select_related("duty__post", "member"))
        if any(a.is_manual for a in rows):
            continue
        dropped += rows
        duty.delete()
    duties: dict[tuple[int, dt.date], Duty] = {}
    for (rule_pk, day), rule in wanted.items():
        found = existing.get((rule_pk, day))
        if found is None:
            found = Duty.objects.create(
                roster=roster, rule=rule, date=day, **adapter.duty_values(rule, day)
            )
        duties[(rule_pk, day)] = found
    return duties, dropped


REPLAN_JOB = "rostering.replan"


def submit_replan(
    roster: Roster, *, actor: Any, reason: str, time_limit_s: float = 10, seed: int = 0
) -> Any:
    """Plan a published roster again in the background; returns the job to follow.

    What can be checked without the solver is checked now, so a refusal is immediate."""
    from shouwang.core import jobs

    roster = get_for(Roster, actor, roster.pk, "change")
    if roster.status not in PUBLISHED_STATES:
        raise RecordInvalid(
            {NON_FIELD: [_("Only a published or amended roster can be planned again.")]}
        )
    reason = (reason or "").strip()
    if not reason:
        raise RecordInvalid({"reason": [_("Say why a published roster is amended.")]})
    params = {
        "roster": roster.pk,
        "team": roster.team_id,
        "month": roster.month.isoformat(),
        "reason": reason,
        "time_limit_s": time_limit_s,
        "seed": seed,
    }
    return jobs.submit(REPLAN_JOB, params, actor, jurisdiction=roster.team.jurisdiction)


def replan_roster(
    roster: Roster,
    *,
    actor: Any,
    reason: str,
    time_limit_s: float = 10,
    seed: int = 0,
    deterministic_time: float | None = None,
    today: dt.date | None = None,
    progress: Any = None,
) -> Roster:
    """Plan a published (or amended) roster again after a leave, an alert or a new operation.

    The roster becomes "amended" (a reason is required). Duties before today never change;
    manual assignments are kept as they are; every other published assignment is kept as far
    as possible (the solver's ``changed_assignment`` rule). The change list (who was removed
    from and added to which duty) is stored on the roster, and each member whose own duties
    changed gets one notification.

    Like drafting, it reads, then solves with no transaction open (a long solve must not hold
    the database), then saves under the roster's lock — refused if the roster or its inputs
    changed meanwhile, so nothing is half-written or silently overwritten.
    """
    from shouwang.rostering import planning, services  # services composes this module

    reason = (reason or "").strip()
    today = today or timezone.localdate()

    # 1. Read and check.
    roster = get_for(Roster, actor, roster.pk, "change")
    roster = Roster.objects.select_related("team").get(pk=roster.pk)
    if roster.status not in PUBLISHED_STATES:
        raise RecordInvalid(
            {NON_FIELD: [_("Only a published or amended roster can be planned again.")]}
        )
    if not reason:
        raise RecordInvalid({"reason": [_("Say why a published roster is amended.")]})
    team = roster.team
    first = roster.month
    rules = planning.active_rules(team)
    members = planning.active_members(team)
    fingerprint = planning.roster_state(roster, rules, members)
    current = list(
        DutyAssignment.objects.filter(duty__roster=roster).select_related("duty__post", "member")
    )
    inputs = policy.planning_inputs(team, roster.month)
    away = _absent_days(inputs.get("absences", ()))
    # Kept as they are: days before today and manual assignments, unless the member is
    # now on approved leave that day (then the duty is re-staffed like any other).
    movable = [
        a
        for a in current
        if a.duty.date >= today and (not a.is_manual or (a.member_id, a.duty.date) in away)
    ]
    fixed = [a for a in current if a not in movable]
    common: dict[str, Any] = {
        "month": roster.month,
        "rules": rules,
        "members": members,
        "home_zones": services._home_zones(members, rules),
        "name": str(roster),
        "holidays": services.holidays_for_team(team),
        "history": previous_tail(team, roster.month),
        "reference": sorted(assignment_triples(current)),
        **inputs,
    }

    # 2. Solve, no transaction open.
    def run(pins: list[Triple]) -> Any:
        problem = adapter.build_problem(pins=pins, **common)
        found = solve(
            problem,
            time_limit_s=time_limit_s,
            seed=seed,
            workers=2,
            deterministic_time=deterministic_time,
            progress=progress,
        )
        return problem, found

    pins = sorted(t for t in assignment_triples(fixed) if (t[0], t[1]) not in away)
    problem, solution = run(pins)
    if not solution.feasible:
        # Days already worked may break a rule that is stricter now (e.g. a longer rest):
        # plan again with only the manual assignments of the coming days pinned.
        pins = [t for t in pins if t[1] >= today]
        problem, solution = run(pins)
    if not solution.feasible:
        raise RecordInvalid(
            {NON_FIELD: [_("No roster keeps every hard rule; nothing was changed.")]}
        )

    # 3. Save under the lock, if nothing changed meanwhile.
    with transaction.atomic():
        roster = Roster.objects.select_for_update().select_related("team").get(pk=roster.pk)
        now = planning.roster_state(
            roster, planning.active_rules(team), planning.active_members(team)
        )
        if now != fingerprint:
            raise RecordInvalid(
                {
                    NON_FIELD: [
                        _(
                            "The roster or its rules changed while it was being planned; "
                            "nothing was saved. Plan again."
                        )
                    ]
                }
            )
        before = snapshot(roster)
        duties, dropped = _sync_future_duties(roster, rules, today)
        planned = {
            (m, d, r)
            for m, d, r in adapter.assignments_of(solution, roster.month)
            if d >= today and (r, d) in duties
        }
        removed = [a for a in movable if (a.member_id, a.duty.date, a.duty.rule_id) not in planned]
        kept = assignment_triples(a for a in current if a not in removed)
        added = [
            DutyAssignment(duty=duties[(r, d)], member_id=m, is_manual=False)
            for m, d, r in sorted(planned - kept)
        ]
        DutyAssignment.objects.filter(pk__in=[a.pk for a in removed]).delete()
        added = _reload(roster, DutyAssignment.objects.bulk_create(added))
        tallies.refresh_roster_duties(roster.pk)
        entry = change_entry(
            kind="replan", actor=actor, reason=reason, removed=[*dropped, *removed], added=added
        )
        names = {k.id: k.label() for k in problem.duty_kinds}
        roster.status = RosterStatus.AMENDED
        roster.changes = [*(roster.changes or []), entry]
        roster.uncovered = adapter.uncovered_json(solution.uncovered, first, names)
        roster.findings = adapter.findings_json(solution.findings)
        roster.solver_summary = {
            **(roster.solver_summary or {}),
            "status": solution.status,
            "objective": solution.objective,
            "proven_optimal": solution.proven_optimal,
            "penalties": dict(solution.penalties),
            "changed": len(entry["removed"]) + len(entry["added"]),
            "duties": roster.duties.count(),
            "assignments": DutyAssignment.objects.filter(duty__roster=roster).count(),
            "members": len(members),
        }
        roster.generated_at = timezone.now()
        roster.save()
        record_event(
            "rostering.roster.replanned",
            actor=actor,
            target=roster,
            before=before,
            after={**snapshot(roster), "removed": entry["removed"], "added": entry["added"]},
            reason=reason,
        )
        _notify_members(
            affected_members(entry),
            kind="roster.amended",
            title=_("Your duties for %(month)s have changed") % {"month": f"{roster.month:%Y-%m}"},
            group=_("The roster %(roster)s has changed; the members concerned were told.")
            % {"roster": roster},
            jurisdiction=roster.team.jurisdiction,
        )
        return roster


def _absent_days(absences: Iterable[tuple[int, dt.date, dt.date]]) -> set[tuple[int, dt.date]]:
    """(member pk, date) of every day of approved leave."""
    return {
        (member, start + dt.timedelta(days=n))
        for member, start, end in absences
        for n in range((end - start).days + 1)
    }


def _reload(roster: Roster, rows: list[DutyAssignment]) -> list[DutyAssignment]:
    """Re-read bulk-created rows where the database gives no primary keys back."""
    keys = {(a.duty_id, a.member_id) for a in rows}
    found = DutyAssignment.objects.filter(duty__roster=roster).select_related(
        "duty__post", "member"
    )
    return [a for a in found if (a.duty_id, a.member_id) in keys]


# -- roster lifecycle: duty swaps -------------------------------------------------------------


def _open_roster(duty: Duty, today: dt.date) -> None:
    if duty.roster.status not in PUBLISHED_STATES:
        raise RecordInvalid({"duty": [_("Only duties of a published roster can be swapped.")]})
    if duty.date < today:
        raise RecordInvalid({"duty": [_("A duty in the past cannot be swapped.")]})
    if duty.start <= timezone.now():
        raise RecordInvalid(
            {"duty": [_("This duty has already begun; it can no longer be swapped.")]}
        )


def request_swap(
    *,
    actor: Any,
    duty: Duty,
    counterpart: Member | None = None,
    counterpart_duty: Duty | None = None,
    note: str = "",
    today: dt.date | None = None,
) -> SwapRequest:
    """A member asks to swap one of their own duties with a team member, or to give it away
    (no counterpart: anyone available in the team may take it)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        requester = member_for_user(actor)
        if requester is None:
            raise RecordInvalid({NON_FIELD: [_("Your login is not linked to a team member.")]})
        duty = get_for(Duty, actor, duty.pk, "view")
        if not DutyAssignment.objects.filter(duty=duty, member=requester).exists():
            raise RecordInvalid({"duty": [_("You can only offer a duty you are on.")]})
        _open_roster(duty, today)
        if counterpart_duty is not None and counterpart is None:
            raise RecordInvalid({"counterpart": [_("Name the member whose duty you want.")]})
        if counterpart is not None:
            if counterpart.pk == requester.pk:
                raise RecordInvalid({"counterpart": [_("Choose another member.")]})
            problems = swap_problems(
                counterpart, duty, leaving=[counterpart_duty] if counterpart_duty else []
            )
            if problems:
                raise RecordInvalid({"counterpart": problems})
        if counterpart_duty is not None:
            assert counterpart is not None
            counterpart_duty = get_for(Duty, actor, counterpart_duty.pk, "view")
            if counterpart_duty.roster.team_id != duty.roster.team_id or not (
                DutyAssignment.objects.filter(duty=counterpart_duty, member=counterpart).exists()
            ):
                raise RecordInvalid(
                    {"counterpart_duty": [_("That member is not on that duty of your team.")]}
                )
            _open_roster(counterpart_duty, today)
            problems = swap_problems(requester, counterpart_duty, leaving=[duty])
            if problems:
                raise RecordInvalid({"counterpart_duty": problems})
        if SwapRequest.objects.filter(
            duty=duty, requester=requester, status__in=OPEN_SWAPS
        ).exists():
            raise RecordInvalid({"duty": [_("You already asked to swap this duty.")]})
        swap = SwapRequest.objects.create(
            roster=duty.roster,
            duty=duty,
            requester=requester,
            counterpart=counterpart,
            counterpart_duty=counterpart_duty,
            note=(note or "").strip(),
        )
        record_event(
            "rostering.swap.requested",
            actor=actor,
            target=swap,
            parent=swap.roster,
            after=_swap_json(swap),
        )
        if counterpart is not None and counterpart.user_id:
            notify.notify(
                [counterpart.user],
                kind="swap.requested",
                title=_("%(name)s asks you to swap a duty") % {"name": requester.name},
                body=_swap_text(swap),
                link=my_duties_path(),
                jurisdiction=swap.roster.team.jurisdiction,
            )
        return swap


OPEN_SWAPS = (SwapStatus.REQUESTED, SwapStatus.ACCEPTED)


def _swap_json(swap: SwapRequest) -> dict[str, Any]:
    return {
        "status": swap.status,
        "duty": swap.duty_id,
        "requester": swap.requester_id,
        "counterpart": swap.counterpart_id,
        "counterpart_duty": swap.counterpart_duty_id,
        "note": swap.note,
        "decision_reason": swap.decision_reason,
    }


def _swap_text(swap: SwapRequest) -> str:
    text = f"{swap.duty.date.isoformat()} {swap.duty.post.name}"
    if swap.counterpart_duty is not None:
        d = swap.counterpart_duty
        text += f" ⇄ {d.date.isoformat()} {d.post.name}"
    return text


def _locked_swap(swap: SwapRequest, actor: Any, action: Action = "view") -> SwapRequest:
    swap = get_for(SwapRequest, actor, swap.pk, action)
    return (
        # Lock the swap row only: PostgreSQL refuses FOR UPDATE on the nullable side of the
        # outer join to counterpart_duty.
        SwapRequest.objects.select_for_update(of=("self",))
        .select_related("duty__post", "duty__roster__team", "counterpart_duty__post")
        .get(pk=swap.pk)
    )


def _move_swap(swap: SwapRequest, to: str) -> None:
    if to not in SWAP_TRANSITIONS.get(swap.status, ()):
        raise RecordInvalid(
            {
                "status": [
                    _("A swap request cannot move from “%(from)s” to “%(to)s”.")
                    % {"from": swap.get_status_display(), "to": SwapStatus(to).label}
                ]
            }
        )
    swap.status = to


def accept_swap(swap: SwapRequest, *, actor: Any, today: dt.date | None = None) -> SwapRequest:
    """The named member agrees to the swap; an open request is taken by whoever accepts."""
    today = today or timezone.localdate()
    with transaction.atomic():
        swap = _locked_swap(swap, actor)
        member = member_for_user(actor)
        if member is None or member.pk == swap.requester_id:
            raise PermissionDenied
        if swap.counterpart_id is not None and swap.counterpart_id != member.pk:
            raise PermissionDenied
        _open_roster(swap.duty, today)
        problems = swap_problems(
            member, swap.duty, leaving=[swap.counterpart_duty] if swap.counterpart_duty else []
        )
        if problems:
            raise RecordInvalid({NON_FIELD: problems})
        before = _swap_json(swap)
        _move_swap(swap, SwapStatus.ACCEPTED)
        swap.counterpart = member
        swap.save()
        record_event(
            "rostering.swap.accepted",
            actor=actor,
            target=swap,
            parent=swap.roster,
            before=before,
            after=_swap_json(swap),
        )
        return swap


def withdraw_swap(swap: SwapRequest, *, actor: Any) -> SwapRequest:
    """The requester takes the request back (before the leader decides)."""
    with transaction.atomic():
        swap = _locked_swap(swap, actor)
        member = member_for_user(actor)
        if member is None or member.pk != swap.requester_id:
            raise PermissionDenied
        before = _swap_json(swap)
        _move_swap(swap, SwapStatus.WITHDRAWN)
        swap.save()
        record_event(
            "rostering.swap.withdrawn",
            actor=actor,
            target=swap,
            parent=swap.roster,
            before=before,
            after=_swap_json(swap),
        )
        return swap


def may_decide_swaps(actor: Any, roster: Roster) -> bool:
    """Whether the actor may approve or reject swaps on this roster (team leader, office)."""
    return can(actor, SwapRequest, "change") and in_scope(roster, actor, "change")


def decide_swap(
    swap: SwapRequest,
    *,
    actor: Any,
    approve: bool,
    reason: str = "",
    today: dt.date | None = None,
) -> SwapRequest:
    """The team leader approves an accepted swap (the assignments change, marked manual) or
    rejects a request with a reason. Both members are told."""
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    with transaction.atomic():
        swap = _locked_swap(swap, actor)
        roster = Roster.objects.select_for_update().get(pk=swap.roster_id)
        if not may_decide_swaps(actor, roster):
            raise PermissionDenied
        before = _swap_json(swap)
        if not approve:
            if not reason:
                raise RecordInvalid({"reason": [_("Say why the swap is rejected.")]})
            _move_swap(swap, SwapStatus.REJECTED)
        else:
            if swap.status != SwapStatus.ACCEPTED:
                raise RecordInvalid(
                    {"status": [_("Only a swap the other member accepted can be approved.")]}
                )
            _apply_swap(swap, roster, actor=actor, reason=reason, today=today)
            _move_swap(swap, SwapStatus.APPROVED)
        swap.decision_reason = reason
        swap.decided_by = actor if getattr(actor, "pk", None) else None
        swap.save()
        record_event(
            "rostering.swap.approved" if approve else "rostering.swap.rejected",
            actor=actor,
            target=swap,
            parent=roster,
            before=before,
            after=_swap_json(swap),
            reason=reason,
        )
        users = [
            m.user
            for m in Member.objects.filter(
                pk__in=[swap.requester_id, swap.counterpart_id], user__isnull=False
            ).select_related("user")
        ]
        title = _("Your duty swap was approved") if approve else _("Your duty swap was rejected")
        body = _swap_text(swap) + (f"\n{reason}" if reason else "")
        notify.notify(
            users,
            kind="swap.decided",
            title=title,
            body=body,
            link=my_duties_path(),
            jurisdiction=roster.team.jurisdiction,
        )
        return swap


def _apply_swap(
    swap: SwapRequest, roster: Roster, *, actor: Any, reason: str, today: dt.date
) -> None:
    """Move the assignments of an approved swap, after the cheap hard-rule checks."""
    counterpart = swap.counterpart
    assert counterpart is not None
    _open_roster(swap.duty, today)
    mine = DutyAssignment.objects.filter(duty=swap.duty, member_id=swap.requester_id).first()
    if mine is None:
        raise RecordInvalid({NON_FIELD: [_("The requester is no longer on this duty.")]})
    theirs = None
    if swap.counterpart_duty is not None:
        _open_roster(swap.counterpart_duty, today)
        theirs = DutyAssignment.objects.filter(
            duty=swap.counterpart_duty, member=counterpart
        ).first()
        if theirs is None:
            raise RecordInvalid({NON_FIELD: [_("The other member is no longer on that duty.")]})
    problems = swap_problems(
        counterpart, swap.duty, leaving=[swap.counterpart_duty] if swap.counterpart_duty else []
    )
    if swap.counterpart_duty is not None:
        problems += swap_problems(swap.requester, swap.counterpart_duty, leaving=[swap.duty])
    if problems:
        raise RecordInvalid({NON_FIELD: problems})
    removed = [mine] + ([theirs] if theirs is not None else [])
    removed = list(
        DutyAssignment.objects.filter(pk__in=[a.pk for a in removed]).select_related(
            "duty__post", "member"
        )
    )
    DutyAssignment.objects.filter(pk__in=[a.pk for a in removed]).delete()
    added = [DutyAssignment.objects.create(duty=swap.duty, member=counterpart, is_manual=True)]
    if swap.counterpart_duty is not None:
        added.append(
            DutyAssignment.objects.create(
                duty=swap.counterpart_duty, member=swap.requester, is_manual=True
            )
        )
    tallies.refresh_duties([swap.duty_id, swap.counterpart_duty_id])
    entry = change_entry(
        kind="swap", actor=actor, reason=reason or _swap_text(swap), removed=removed, added=added
    )
    if roster.status == RosterStatus.PUBLISHED:
        roster.status = RosterStatus.AMENDED
    roster.changes = [*(roster.changes or []), entry]
    roster.save(update_fields=["status", "changes"])


def swaps_for_member(member: Member) -> QuerySet[SwapRequest]:
    """Swap requests a member made, is named in, or may take (open requests of the team)."""
    teams = list(member.teams.values_list("pk", flat=True))
    return (
        SwapRequest.objects.filter(
            Q(requester=member)
            | Q(counterpart=member)
            | Q(counterpart__isnull=True, status=SwapStatus.REQUESTED, roster__team__in=teams)
        )
        .select_related("duty__post", "requester", "counterpart", "counterpart_duty__post")
        .distinct()
    )


def upcoming_duties(member: Member, today: dt.date | None = None) -> QuerySet[DutyAssignment]:
    """The member's duties from today on, in published or amended rosters."""
    today = today or timezone.localdate()
    return (
        DutyAssignment.objects.filter(
            member=member, duty__date__gte=today, duty__roster__status__in=PUBLISHED_STATES
        )
        .select_related("duty__post", "duty__roster__team")
        .order_by("duty__start")
    )


def swap_candidates(
    member: Member, assignments: Iterable[DutyAssignment]
) -> dict[int, list[Member]]:
    """For each of the member's duties (by duty id), the teammates who could take it: not on
    any duty that day, not on approved leave. The rest (qualification, rest) is checked when
    the request is made. Three queries whatever the number of duties."""
    mates = list(teammates(member))
    duties = [a.duty for a in assignments]
    days = {d.date for d in duties}
    if not mates or not days:
        return {d.pk: [] for d in duties}
    busy = set(
        DutyAssignment.objects.filter(
            member__in=mates, duty__date__in=days, duty__roster__status__in=PUBLISHED_STATES
        ).values_list("member_id", "duty__date")
    )
    away: set[tuple[int, dt.date]] = set()
    for absence in MemberAbsence.objects.filter(
        member__in=mates,
        status=AbsenceStatus.APPROVED,
        start_date__lte=max(days),
        end_date__gte=min(days),
    ):
        away |= {
            (absence.member_id, day)
            for day in days
            if absence.start_date <= day <= absence.end_date
        }
    return {
        d.pk: [m for m in mates if (m.pk, d.date) not in busy and (m.pk, d.date) not in away]
        for d in duties
    }


def teammates(member: Member) -> QuerySet[Member]:
    """Active members of the member's teams, the member left out (possible swap partners)."""
    return (
        Member.objects.filter(teams__in=member.teams.all(), status=MemberStatus.ACTIVE)
        .exclude(pk=member.pk)
        .distinct()
        .order_by("name", "pk")
    )
