"""Missed duties (漏岗), the leader's review of flagged check-ins, and attendance figures.

A duty of a published roster is *missed* once its end plus the team's grace period
(`PlanningPolicy.missed_duty_grace_minutes`, 120 minutes for a team without a policy) has
passed while members were assigned to it and either nobody checked in on a patrol log of the
duty (`no_check_in`) or no log of the duty was handed in (`no_log`). `sweep_missed_duties`
opens one `MissedDuty` per such duty — exactly one, however often and however concurrently it
runs — and tells the team leader and the township office once. Only the team leader or the
office closes the item, and only with a comment.

Check-ins far outside the post's area or implausibly fast along a route are never refused by
the sync; they carry a flag and wait here for the leader's review (`review_check_in`).

`attendance_figures` counts outcomes per member and per team for a month, derived from the
roster, the patrol logs, the check-ins and the missed duties — nothing is typed twice, and
nothing about app activity (no points, no rankings, no online time) is counted.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.audit import ACTIONS, record_event, snapshot
from shouwang.core.models import Jurisdiction, RoleGrant
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import get_for, user_grants
from shouwang.forces.models import PlanningPolicy, Team
from shouwang.patrols.models import (
    AttendanceStatus,
    CheckIn,
    LogAttendance,
    LogStatus,
    MissedDuty,
    MissedReason,
    PatrolLog,
)
from shouwang.rostering.models import Duty, DutyAssignment, RosterStatus

_log = logging.getLogger(__name__)

ACTIONS.setdefault("patrols.missedduty.opened", gettext_lazy("Missed duty opened"))
ACTIONS.setdefault("patrols.missedduty.closed", gettext_lazy("Missed duty closed"))
ACTIONS.setdefault("patrols.checkin.accepted", gettext_lazy("Flagged check-in accepted"))
ACTIONS.setdefault("patrols.checkin.rejected", gettext_lazy("Flagged check-in not accepted"))

#: Rosters whose duties members were told to work (a draft or reviewed roster binds nobody).
BINDING_STATES = (RosterStatus.PUBLISHED, RosterStatus.AMENDED)
#: Grace for a team without a planning policy (the policy field's default).
DEFAULT_GRACE_MINUTES = 120
#: How far back a sweep looks: older duties were judged by earlier sweeps, and a bounded
#: window keeps a sweep every 15 minutes cheap however long the installation runs.
LOOKBACK = dt.timedelta(days=35)
#: Logs that count as handed in.
HANDED_IN = (LogStatus.SUBMITTED, LogStatus.CONFIRMED)
#: Roles whose users the sweep tells about a missed duty (besides the team leader's own login).
OFFICE_ROLE = "township_staff"
LEADER_ROLE = "team_leader"
#: The permission that makes someone "leader or office" for a team: closing missed duties.
DECIDE_KEY = "patrols.missedduty"


# -- who decides --------------------------------------------------------------------------------


def may_decide(actor: Any, team: Team) -> bool:
    """Whether `actor` is the team's leader or its office: may close its missed duties and
    review its flagged check-ins.

    Decided by the role data, like every permission: a grant whose role may change missed
    duties, covering the team's jurisdiction (and, for a team-narrowed grant, this team).
    Patrol members and grid workers only see missed duties; they cannot close them.
    """
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if not getattr(actor, "is_active", False):
        return False
    if getattr(actor, "is_superuser", False):
        return True
    path = team.jurisdiction.path
    for grant in user_grants(actor):
        if not grant.role.allows(DECIDE_KEY, "change"):
            continue
        if grant.role.is_global:
            return True
        if path.startswith(grant.jurisdiction.path) and grant.team_id in (None, team.pk):
            return True
    return False


def sees_member_rows(actor: Any, team: Team) -> bool:
    """Whether `actor` sees each member's figures of the team, not only their own.

    The leader and the office do; so do oversight roles whose grant is not narrowed to one
    team (county supervisor, auditor). A patrol member sees the team's totals and their own row.
    """
    if may_decide(actor, team):
        return True
    path = team.jurisdiction.path
    return any(
        grant.role.allows(DECIDE_KEY, "view")
        and grant.team_id is None
        and (grant.role.is_global or path.startswith(grant.jurisdiction.path))
        for grant in user_grants(actor)
    )


def _refuse_unless_deciding(actor: Any, team: Team) -> None:
    if not may_decide(actor, team):
        raise PermissionDenied(_("Only the team leader or the township office may do this."))


# -- the sweep ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MissedFinding:
    """A duty the sweep found missed (opened now, or would be opened without --dry-run)."""

    duty_id: int
    team_id: int
    team: str
    post: str
    start: dt.datetime
    end: dt.datetime
    reason: str
    item_id: int | None = None

    def line(self) -> str:
        """One line for the command line and logs."""
        start = timezone.localtime(self.start)
        end = timezone.localtime(self.end)
        return (
            f"duty {self.duty_id} {start:%Y-%m-%d %H:%M}–{end:%H:%M} {self.team} · {self.post}"
            f": {MissedReason(self.reason).label}"
        )


@dataclass
class SweepResult:
    """What one sweep saw and did."""

    now: dt.datetime
    dry_run: bool
    checked: int = 0
    opened: list[MissedFinding] = field(default_factory=list)
    #: Duties another sweep opened meanwhile (lost the race, nothing written twice).
    already_open: int = 0
    #: Duties left for the next sweep because the database stayed busy (SQLite, one writer).
    deferred: int = 0
    notified_users: int = 0


def grace_minutes(team_ids: Iterable[int]) -> dict[int, int]:
    """Team pk → minutes of grace after a duty's end (the policy's, or the default)."""
    ids = set(team_ids)
    grace = dict.fromkeys(ids, DEFAULT_GRACE_MINUTES)
    rows = PlanningPolicy.objects.filter(team_id__in=ids).values_list(
        "team_id", "missed_duty_grace_minutes"
    )
    grace.update({team_id: int(minutes) for team_id, minutes in rows})
    return grace


def candidate_duties(now: dt.datetime) -> QuerySet[Duty]:
    """Duties of binding rosters that ended within the look-back window, had members
    assigned, lack a check-in or a handed-in log, and have no missed-duty item yet (not yet
    filtered by each team's grace). One query: duties carried out never reach Python, so a
    sweep every 15 minutes stays cheap for a whole county."""
    checked_in = Exists(CheckIn.objects.filter(log__duty=OuterRef("pk")))
    handed_in = Exists(PatrolLog.objects.filter(duty=OuterRef("pk"), status__in=HANDED_IN))
    return (
        Duty.objects.filter(
            roster__status__in=BINDING_STATES,
            end__lte=now,
            end__gte=now - LOOKBACK,
            missed__isnull=True,
        )
        .filter(Exists(DutyAssignment.objects.filter(duty=OuterRef("pk"))))
        .filter(~checked_in | ~handed_in)
        .select_related("post", "roster__team__jurisdiction")
        .order_by("end", "pk")
    )


def missed_reason(duty: Duty) -> str | None:
    """Why the duty counts as missed, or None when it was carried out.

    No check-in on any log of the duty → `no_check_in` (nobody is shown to have been there);
    check-ins but no log handed in → `no_log`.
    """
    if not CheckIn.objects.filter(log__duty=duty).exists():
        return MissedReason.NO_CHECK_IN
    if not PatrolLog.objects.filter(duty=duty, status__in=HANDED_IN).exists():
        return MissedReason.NO_LOG
    return None


def sweep_missed_duties(
    *, now: dt.datetime | None = None, dry_run: bool = False, actor: Any = None
) -> SweepResult:
    """Open a missed-duty item for every duty whose time ran out without a check-in or a log.

    Idempotent and safe to run concurrently: each duty is judged in its own transaction with
    the duty row locked, the item is the duty's one-to-one, and a sweep that loses the race
    to another one (unique violation) writes nothing for that duty — so the leader and the
    office are told exactly once. `actor` None means the scheduler (audited as "system").
    With `dry_run` nothing is written; the result lists what would be opened.
    """
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("sweep_missed_duties needs a timezone-aware time")
    result = SweepResult(now=now, dry_run=dry_run)
    duties = list(candidate_duties(now))
    grace = grace_minutes(d.roster.team_id for d in duties)
    for duty in duties:
        team = duty.roster.team
        if duty.end + dt.timedelta(minutes=grace[team.pk]) > now:
            continue
        result.checked += 1
        if dry_run:
            reason = missed_reason(duty)
            if reason is not None:
                result.opened.append(_finding(duty, reason))
            continue
        outcome = _open_with_retry(duty, actor=actor)
        if outcome is None:
            result.deferred += 1
            continue
        finding, told = outcome
        if finding is None:
            result.already_open += int(told < 0)
            continue
        result.opened.append(finding)
        result.notified_users += told
    if result.opened and not dry_run:
        _broadcast_summary(result)
    return result


def _finding(duty: Duty, reason: str, item: MissedDuty | None = None) -> MissedFinding:
    team = duty.roster.team
    return MissedFinding(
        duty_id=duty.pk,
        team_id=team.pk,
        team=team.name,
        post=duty.post.name,
        start=duty.start,
        end=duty.end,
        reason=reason,
        item_id=item.pk if item is not None else None,
    )


#: Attempts per duty when the database is busy, and the pause before the next attempt.
BUSY_ATTEMPTS = 3
BUSY_PAUSE_S = 0.25


def _open_with_retry(duty: Duty, *, actor: Any) -> tuple[MissedFinding | None, int] | None:
    """`_open_one`, tried again when the database is busy; None when it stayed busy.

    On SQLite (the embedded set-up) a second writer — the web server handling a sync, or an
    overlapping sweep — can make a write transaction fail at once with "database is locked".
    Nothing was written then (the transaction rolled back), so trying again is safe; a duty
    still refused is simply judged again by the next sweep.
    """
    for attempt in range(BUSY_ATTEMPTS):
        try:
            return _open_one(duty, actor=actor)
        except OperationalError:
            if transaction.get_connection().in_atomic_block:
                raise  # inside the caller's transaction: not ours to retry
            _log.warning("database busy while opening the missed duty of duty %s", duty.pk)
            time.sleep(BUSY_PAUSE_S * (attempt + 1))
    return None


def _take_write_lock(duty_pk: int) -> None:
    """On SQLite, take the database's write lock before reading anything in the transaction.

    SQLite has no row locks (`select_for_update` does nothing there) and starts transactions
    as readers: a reader that later writes after another writer committed fails at once with
    "database is locked". Writing first (a no-op update of the duty) makes a concurrent
    sweep or the web server wait for the lock instead (busy timeout), like a row lock would.
    """
    connection = transaction.get_connection()
    if connection.vendor != "sqlite":
        return
    table = connection.ops.quote_name(Duty._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET id = id WHERE id = %s", [duty_pk])  # noqa: S608


def _already_open(duty_pk: int) -> bool:
    return MissedDuty.objects.filter(duty_id=duty_pk).exists()


def _open_one(duty: Duty, *, actor: Any) -> tuple[MissedFinding | None, int]:
    """Judge one duty and open its item; (finding, users told), or (None, -1) when another
    sweep opened it first, (None, 0) when the duty turned out to be carried out."""
    try:
        with transaction.atomic():
            # Lock the duty: a concurrent sweep waits here, then sees the item and skips.
            # Re-read under the lock: a re-plan may have moved the roster or the members.
            _take_write_lock(duty.pk)
            locked = (
                Duty.objects.select_for_update(of=("self",))
                .filter(pk=duty.pk, roster__status__in=BINDING_STATES)
                .first()
            )
            if locked is None or not DutyAssignment.objects.filter(duty_id=duty.pk).exists():
                return None, 0
            if _already_open(duty.pk):
                return None, -1
            # Judged again inside the transaction: a log may have arrived since the list.
            reason = missed_reason(duty)
            if reason is None:
                return None, 0
            item = MissedDuty(duty=duty, reason=reason)
            item.full_clean(validate_unique=False)  # the unique check is the insert itself
            item.save()
            record_event(
                "patrols.missedduty.opened",
                actor=actor,
                target=item,
                parent=duty,
                after=snapshot(item),
                reason=str(MissedReason(reason).label),
            )
            told = _tell_leader_and_office(item)
            return _finding(duty, reason, item), told
    except IntegrityError:
        # Another sweep inserted the item between our check and our insert (databases
        # without row locks): its transaction told everyone; ours wrote nothing.
        _log.info("missed duty for duty %s opened by a concurrent sweep", duty.pk)
        return None, -1


def recipients_for(team: Team) -> list[Any]:
    """Who hears about the team's missed duties: the leader's own login, the users granted
    the team-leader role for this team, and the township office staff whose grant covers the
    team's jurisdiction. Inactive logins are left out."""
    users: dict[int, Any] = {}
    leader = team.leader
    own_login = leader.user if leader is not None else None
    if own_login is not None and own_login.is_active:
        users[own_login.pk] = own_login
    path = team.jurisdiction.path
    grants = RoleGrant.objects.filter(
        Q(role__key=LEADER_ROLE, team=team) | Q(role__key=OFFICE_ROLE), user__is_active=True
    ).select_related("user", "jurisdiction", "role")
    for grant in grants:
        if grant.role.key == OFFICE_ROLE and not path.startswith(grant.jurisdiction.path):
            continue
        users.setdefault(grant.user.pk, grant.user)
    return list(users.values())


def _tell_leader_and_office(item: MissedDuty) -> int:
    """One inbox message per recipient, written in the opening transaction (so a sweep that
    rolls back or loses the race tells nobody); the group robot gets one summary per sweep."""
    from shouwang.notify.services import notify

    duty = item.duty
    team = duty.roster.team
    with translation.override(settings.LANGUAGE_CODE):
        names = "、".join(
            DutyAssignment.objects.filter(duty=duty)
            .order_by("member__name")
            .values_list("member__name", flat=True)
        )
        start = timezone.localtime(duty.start)
        end = timezone.localtime(duty.end)
        title = _("Missed duty: %(post)s on %(date)s") % {
            "post": duty.post.name,
            "date": f"{start:%Y-%m-%d}",
        }
        body = _("%(team)s, %(start)s–%(end)s. %(reason)s. On duty: %(names)s.") % {
            "team": team.name,
            "start": f"{start:%H:%M}",
            "end": f"{end:%H:%M}",
            "reason": MissedReason(item.reason).label,
            "names": names or "—",
        }
        rows = notify(
            recipients_for(team),
            kind="patrols.missed_duty",
            title=title,
            body=body,
            link=reverse("missed-duty-close", args=[item.pk]),
            outbound=False,
        )
    return len(rows)


def _broadcast_summary(result: SweepResult) -> None:
    """One message per team's jurisdiction, to the channels of that place (and the global one)."""
    from shouwang.notify.services import broadcast

    by_team: dict[int, list[MissedFinding]] = {}
    for finding in result.opened:
        by_team.setdefault(finding.team_id, []).append(finding)
    places = dict(Team.objects.filter(pk__in=by_team).values_list("pk", "jurisdiction_id"))
    by_place: dict[int | None, list[MissedFinding]] = {}
    for team_id, findings in by_team.items():
        by_place.setdefault(places.get(team_id), []).extend(findings)
    jurisdictions = Jurisdiction.objects.in_bulk([pk for pk in by_place if pk is not None])
    for place_id, findings in by_place.items():
        with translation.override(settings.LANGUAGE_CODE):
            lines = [_("Missed duties found: %(n)d") % {"n": len(findings)}]
        broadcast(
            "\n".join([*lines, *(f.line() for f in findings[:20])]),
            kind="patrols.missed_duty",
            jurisdiction=jurisdictions.get(place_id) if place_id is not None else None,
        )


# -- closing a missed duty -------------------------------------------------------------------


def close_missed_duty(item: MissedDuty, *, actor: Any, comment: str) -> MissedDuty:
    """Close a missed-duty item with the leader's or office's comment (required)."""
    with transaction.atomic():
        found = get_for(MissedDuty, actor, item.pk, "view")
        locked = (
            MissedDuty.objects.select_for_update()
            .select_related("duty__roster__team__jurisdiction")
            .get(pk=found.pk)
        )
        _refuse_unless_deciding(actor, locked.duty.roster.team)
        comment = (comment or "").strip()
        if not comment:
            raise RecordInvalid({"comment": [_("Say what happened: a comment is required.")]})
        if locked.closed_at is not None:
            raise RecordInvalid({"closed_at": [_("This missed duty is already closed.")]})
        before = snapshot(locked)
        locked.closed_at = timezone.now()
        locked.closed_by = actor
        locked.comment = comment
        try:
            locked.full_clean()
        except ValidationError as exc:
            raise RecordInvalid.from_validation_error(exc) from exc
        locked.save(update_fields=["closed_at", "closed_by", "comment"])
        record_event(
            "patrols.missedduty.closed",
            actor=actor,
            target=locked,
            parent=locked.duty,
            before=before,
            after=snapshot(locked),
            reason=comment,
        )
        return locked


# -- reviewing flagged check-ins ---------------------------------------------------------------


def flagged_check_ins(actor: Any) -> QuerySet[CheckIn]:
    """Flagged check-ins in the actor's scope, newest first (reviewed ones included)."""
    return (
        CheckIn.objects.visible_to(actor)
        .exclude(flag="")
        .select_related(
            "member", "log__team__jurisdiction", "log__duty__post", "key_place", "reviewed_by"
        )
        .order_by("-phone_time", "-pk")
    )


def review_outcomes(check_ins: Iterable[CheckIn]) -> dict[int, bool]:
    """Check-in pk → accepted (True) / not accepted (False), for the reviewed ones."""
    return {
        c.pk: bool(c.review_accepted)
        for c in check_ins
        if c.reviewed_at is not None and c.review_accepted is not None
    }


def review_check_in(check_in: CheckIn, *, actor: Any, accepted: bool, note: str) -> CheckIn:
    """The leader's (or office's) decision on a flagged check-in: accepted as presence on
    site, or not accepted (a note saying why is then required). The flag itself is kept."""
    with transaction.atomic():
        found = get_for(CheckIn, actor, check_in.pk, "view")
        locked = (
            CheckIn.objects.select_for_update()
            .select_related("log__team__jurisdiction", "member")
            .get(pk=found.pk)
        )
        _refuse_unless_deciding(actor, locked.log.team)
        note = (note or "").strip()
        if not locked.flag:
            raise RecordInvalid({"flag": [_("This check-in is not flagged: nothing to review.")]})
        if locked.reviewed_at is not None:
            raise RecordInvalid({"reviewed_at": [_("This check-in has already been reviewed.")]})
        if not accepted and not note:
            raise RecordInvalid({"note": [_("Say why the check-in is not accepted.")]})
        before = snapshot(locked)
        locked.reviewed_by = actor
        locked.reviewed_at = timezone.now()
        locked.review_note = note
        locked.review_accepted = accepted
        try:
            locked.full_clean()
        except ValidationError as exc:
            errors = RecordInvalid.from_validation_error(exc).errors
            raise RecordInvalid(
                {("note" if k == "review_note" else k): v for k, v in errors.items()}
            ) from exc
        locked.save(update_fields=["reviewed_by", "reviewed_at", "review_note", "review_accepted"])
        after = {**snapshot(locked), "accepted": accepted}
        record_event(
            "patrols.checkin.accepted" if accepted else "patrols.checkin.rejected",
            actor=actor,
            target=locked,
            parent=locked.log,
            before=before,
            after=after,
            reason=note,
        )
        return locked


# -- attendance figures --------------------------------------------------------------------------


@dataclass
class MemberFigures:
    """One member's outcomes on one team's duties in a month."""

    member_id: int
    name: str
    assigned: int = 0
    carried_out: int = 0
    late: int = 0
    absent: int = 0
    substitutes: int = 0
    missed_open: int = 0
    missed_closed: int = 0
    flagged_check_ins: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "member": self.member_id,
            "name": self.name,
            "assigned": self.assigned,
            "carried_out": self.carried_out,
            "late": self.late,
            "absent": self.absent,
            "substitutes": self.substitutes,
            "missed_open": self.missed_open,
            "missed_closed": self.missed_closed,
            "flagged_check_ins": self.flagged_check_ins,
        }


@dataclass
class TeamFigures:
    """One team's outcomes in a month; `members` is empty or the viewer's own row when the
    viewer may not see each member's figures."""

    team_id: int
    name: str
    duties: int = 0
    staffed: int = 0
    carried_out: int = 0
    missed_open: int = 0
    missed_closed: int = 0
    assigned: int = 0
    late: int = 0
    absent: int = 0
    substitutes: int = 0
    flagged_check_ins: int = 0
    flagged_awaiting_review: int = 0
    members: list[MemberFigures] = field(default_factory=list)
    members_shown: str = "all"

    def as_dict(self) -> dict[str, Any]:
        return {
            "team": self.team_id,
            "name": self.name,
            "duties": self.duties,
            "staffed": self.staffed,
            "carried_out": self.carried_out,
            "missed_open": self.missed_open,
            "missed_closed": self.missed_closed,
            "assigned": self.assigned,
            "late": self.late,
            "absent": self.absent,
            "substitutes": self.substitutes,
            "flagged_check_ins": self.flagged_check_ins,
            "flagged_awaiting_review": self.flagged_awaiting_review,
            "members_shown": self.members_shown,
            "members": [m.as_dict() for m in self.members],
        }


@dataclass
class AttendanceFigures:
    month: dt.date
    teams: list[TeamFigures]

    def as_dict(self) -> dict[str, Any]:
        return {"month": f"{self.month:%Y-%m}", "teams": [t.as_dict() for t in self.teams]}


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """First day of the month and first day of the next."""
    first = month.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1)


def parse_month(text: str) -> dt.date:
    """'2026-11' → 2026-11-01; refused with a field error on `month`."""
    try:
        return dt.datetime.strptime((text or "").strip(), "%Y-%m").date()  # noqa: DTZ007 - a month
    except ValueError:
        raise RecordInvalid({"month": [_("Give a month as YYYY-MM, e.g. 2026-11.")]}) from None


def attendance_figures(
    *,
    actor: Any,
    month: dt.date,
    team: Team | None = None,
    jurisdiction: Jurisdiction | None = None,
) -> AttendanceFigures:
    """Per team and per member, for the duties of the month's binding rosters in scope:
    duties assigned, carried out (a handed-in log with the member present or late), late,
    absent, substitutes given, missed duties (open/closed) and flagged check-ins.

    Everything is counted from the records (roster, logs, attendance, check-ins, missed
    duties); each duty counts once per member however many logs it has.
    """
    first, after = month_bounds(month)
    duties = Duty.objects.visible_to(actor).filter(
        roster__status__in=BINDING_STATES, date__gte=first, date__lt=after
    )
    if team is not None:
        duties = duties.filter(roster__team=team)
    if jurisdiction is not None:
        duties = duties.filter(roster__team__jurisdiction__path__startswith=jurisdiction.path)
    duty_team = dict(duties.values_list("pk", "roster__team_id"))
    duty_ids = duties.values("pk")

    # Only the teams of the duties read in scope above (so no team outside it appears).
    teams_qs = Team.objects.filter(pk__in=set(duty_team.values())).select_related("jurisdiction")
    figures = {t.pk: TeamFigures(team_id=t.pk, name=t.name) for t in teams_qs}
    team_objs = {t.pk: t for t in teams_qs}
    members: dict[tuple[int, int], MemberFigures] = {}

    def row(team_id: int, member_id: int, name: str) -> MemberFigures:
        key = (team_id, member_id)
        if key not in members:
            members[key] = MemberFigures(member_id=member_id, name=name)
        return members[key]

    for duty_team_id in duty_team.values():
        figures[duty_team_id].duties += 1

    assigned: dict[int, set[int]] = defaultdict(set)  # duty → members
    for duty_id, member_id, name in (
        DutyAssignment.objects.visible_to(actor)
        .filter(duty_id__in=duty_ids)
        .values_list("duty_id", "member_id", "member__name")
    ):
        assigned[duty_id].add(member_id)
        row(duty_team[duty_id], member_id, name).assigned += 1
    for duty_id in assigned:
        figures[duty_team[duty_id]].staffed += 1

    handed_in = PatrolLog.objects.visible_to(actor).filter(
        duty_id__in=duty_ids, status__in=HANDED_IN
    )
    for duty_id in set(handed_in.values_list("duty_id", flat=True)):
        figures[duty_team[duty_id]].carried_out += 1

    statuses: dict[tuple[int, int], set[str]] = defaultdict(set)  # (duty, member) → statuses
    names: dict[int, str] = {}
    for duty_id, member_id, name, status in (
        LogAttendance.objects.visible_to(actor)
        .filter(log__in=handed_in.values("pk"))
        .values_list("log__duty_id", "member_id", "member__name", "status")
    ):
        statuses[(duty_id, member_id)].add(status)
        names[member_id] = name
    for (duty_id, member_id), seen in statuses.items():
        r = row(duty_team[duty_id], member_id, names[member_id])
        present = {AttendanceStatus.PRESENT, AttendanceStatus.LATE} & seen
        if present:
            r.carried_out += 1
            if AttendanceStatus.LATE in seen and AttendanceStatus.PRESENT not in seen:
                r.late += 1
        elif AttendanceStatus.ABSENT in seen:
            r.absent += 1
        if AttendanceStatus.SUBSTITUTE in seen:
            r.substitutes += 1

    for duty_id, closed_at in (
        MissedDuty.objects.visible_to(actor)
        .filter(duty_id__in=duty_ids)
        .values_list("duty_id", "closed_at")
    ):
        t = figures[duty_team[duty_id]]
        is_open = closed_at is None
        t.missed_open += int(is_open)
        t.missed_closed += int(not is_open)
        for member_id in assigned.get(duty_id, ()):
            r = members[(duty_team[duty_id], member_id)]
            r.missed_open += int(is_open)
            r.missed_closed += int(not is_open)

    # Flagged check-ins on the month's duties, and on unplanned patrols of these teams that
    # started in the month (local time).
    start_dt = timezone.make_aware(dt.datetime.combine(first, dt.time()))
    end_dt = timezone.make_aware(dt.datetime.combine(after, dt.time()))
    flagged = (
        CheckIn.objects.visible_to(actor)
        .exclude(flag="")
        .filter(
            Q(log__duty_id__in=duty_ids)
            | Q(
                log__duty__isnull=True,
                log__team_id__in=list(figures),
                log__started_at__gte=start_dt,
                log__started_at__lt=end_dt,
            )
        )
        .values_list("log__team_id", "log__duty_id", "member_id", "member__name", "reviewed_at")
    )
    for log_team_id, duty_id, member_id, name, reviewed_at in flagged:
        team_id = duty_team.get(duty_id, log_team_id) if duty_id else log_team_id
        if team_id not in figures:
            continue
        figures[team_id].flagged_check_ins += 1
        figures[team_id].flagged_awaiting_review += int(reviewed_at is None)
        row(team_id, member_id, name).flagged_check_ins += 1

    own = member_of(actor)
    own_member = own.pk if own is not None else None
    for (team_id, _member_id), r in members.items():
        t = figures[team_id]
        t.assigned += r.assigned
        t.late += r.late
        t.absent += r.absent
        t.substitutes += r.substitutes
    for team_id, t in figures.items():
        rows = sorted(
            (r for (tid, _m), r in members.items() if tid == team_id),
            key=lambda r: (r.name, r.member_id),
        )
        if not sees_member_rows(actor, team_objs[team_id]):
            rows = [r for r in rows if r.member_id == own_member]
            t.members_shown = "own"
        t.members = rows
    ordered = sorted(figures.values(), key=lambda t: (t.name, t.team_id))
    return AttendanceFigures(month=first, teams=ordered)


def member_of(user: Any) -> Any:
    """The member whose own login is `user`, if any (for "my own row")."""
    from shouwang.forces.models import Member

    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(user_id=user.pk).first()
