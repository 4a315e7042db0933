"""The fixed registry of outcome measures an assessment scheme may score (考核指标).

Every measure is a rate *numerator / denominator* counted from the records the work itself
leaves behind: duties assigned and attended (roster, patrol logs, missed duties), patrol logs
handed in within the duty's grace, hazards closed by their deadline, disputes resolved,
visits to people of concern made when due, trainings attended.

**No measure of app activity exists, and none may be added**: no online time, no check-in
counts, no number of posts or photos, no log-in streaks. Such figures measure the phone, not
the work, and quotas on them only breed box-ticking (刷数据). A check-in counts only as the
proof that a rostered duty was covered, never by itself.

Each measure computes for ALL subjects of a run at once with a few grouped queries (never a
query per subject) and returns, per subject id, a `Tally` with the ids of the records counted
and due, so every score line can be traced back to them.

**Only what has fallen due counts.** A record enters a denominator once its outcome is due in
the period: a dispute resolved in it or past its deadline unresolved, a hazard closed or past
its deadline, a duty whose log grace has run out. A record still within its time limit is not
yet applicable, so recording early never costs points. A subject with nothing due on a line
has a denominator of 0: the line is *not applicable* to it (see services.line_points).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.core.periods import day_bounds

SUBJECT_MEMBER, SUBJECT_TEAM, SUBJECT_VILLAGE = "member", "team", "village"
ALL_SUBJECTS = frozenset({SUBJECT_MEMBER, SUBJECT_TEAM, SUBJECT_VILLAGE})


@dataclass
class Tally:
    """One subject's count for one measure, with the records behind it."""

    numerator: int = 0
    denominator: int = 0
    record_type: str = ""
    counted: list[int] = field(default_factory=list)
    due: list[int] = field(default_factory=list)
    link: str = ""
    note: str = ""


@dataclass
class Subject:
    """Someone or something assessed: a member, a team or a village."""

    id: int
    name: str
    #: Materialised path of the subject's area (village, or the member's/team's jurisdiction).
    area_path: str
    area_name: str
    #: The jurisdiction path of the subject itself (member's or team's register, the village).
    home_path: str = ""


@dataclass
class Context:
    """What a measure needs: the subjects, the period and the scheme's jurisdiction."""

    kind: str
    subjects: list[Subject]
    start: dt.date
    end: dt.date  # inclusive
    root_path: str
    now: dt.datetime
    _villages: set[int] | None = field(default=None, init=False, repr=False)
    _owners: dict[int, list[int]] | None = field(default=None, init=False, repr=False)

    @property
    def ids(self) -> list[int]:
        return [s.id for s in self.subjects]

    @property
    def start_dt(self) -> dt.datetime:
        return day_bounds(self.start, self.end)[0]

    @property
    def end_dt(self) -> dt.datetime:
        """The first moment after the period."""
        return day_bounds(self.start, self.end)[1]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def horizon(self) -> dt.date:
        """The first day not yet over when the run is computed (the day after the period once
        it has ended): a deadline before it has passed; one on or after it has not."""
        return min(self.end + dt.timedelta(days=1), timezone.localdate(self.now))

    def month_text(self) -> str:
        return f"{self.start:%Y-%m}"

    def village_of(self, path: str) -> int | None:
        """The village subject whose area contains `path` (village kind only)."""
        index = self._village_index()
        for part in path.strip("/").split("/"):
            if part and int(part) in index:
                return int(part)
        return None

    def _village_index(self) -> set[int]:
        if self._villages is None:
            kind = self.kind
            self._villages = {s.id for s in self.subjects} if kind == SUBJECT_VILLAGE else set()
        return self._villages

    def member_owners(self) -> dict[int, list[int]]:
        """Member pk → the subjects the member's outcomes count for (the member; the teams
        the member belongs to; the village of the member's register). One or two queries."""
        if self._owners is not None:
            return self._owners
        from shouwang.forces.models import Member

        owners: dict[int, list[int]] = defaultdict(list)
        if self.kind == SUBJECT_MEMBER:
            for sid in self.ids:
                owners[sid].append(sid)
        elif self.kind == SUBJECT_TEAM:
            through = Member.teams.through
            for member_id, team_id in through.objects.filter(team_id__in=self.ids).values_list(
                "member_id", "team_id"
            ):
                owners[member_id].append(team_id)
        else:
            for member_id, path in Member.objects.filter(
                jurisdiction__path__startswith=self.root_path
            ).values_list("pk", "jurisdiction__path"):
                village = self.village_of(path)
                if village is not None:
                    owners[member_id].append(village)
        self._owners = dict(owners)
        return self._owners


@dataclass(frozen=True)
class Measure:
    key: str
    label: Any
    help: Any
    subjects: frozenset[str]
    compute: Callable[[Context], dict[int, Tally]]


def _tallies(ctx: Context, record_type: str) -> dict[int, Tally]:
    return {sid: Tally(record_type=record_type) for sid in ctx.ids}


def _finish(tallies: dict[int, Tally]) -> dict[int, Tally]:
    for t in tallies.values():
        t.counted = sorted(set(t.counted))
        t.due = sorted(set(t.due))
        t.numerator = len(t.counted)
        t.denominator = len(t.due)
    return tallies


def _url(name: str, args: Iterable[Any] = (), **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name, args=list(args)) + (f"?{query}" if query else "")


# -- duties ---------------------------------------------------------------------------------------


def _binding() -> tuple[str, ...]:
    from shouwang.patrols.attendance import BINDING_STATES

    return tuple(str(s) for s in BINDING_STATES)


def _attended_pairs(duty_ids: Any) -> set[tuple[int, int]]:
    """(duty, member) pairs where the member was present or late on a handed-in log."""
    from shouwang.patrols.attendance import HANDED_IN
    from shouwang.patrols.models import AttendanceStatus, LogAttendance

    return set(
        LogAttendance.objects.filter(
            log__duty_id__in=duty_ids,
            log__status__in=HANDED_IN,
            status__in=[AttendanceStatus.PRESENT, AttendanceStatus.LATE],
        ).values_list("log__duty_id", "member_id")
    )


def duty_attendance(ctx: Context) -> dict[int, Tally]:
    """Duties attended / duties assigned: each assignment of a published roster's duty of the
    period counts as due once the duty's patrol log is due (its end plus the team's grace has
    passed) or handed in; it counts as attended when the member was present or late on a
    handed-in patrol log of the duty. Teams: their rosters' assignments."""
    from shouwang.patrols.attendance import HANDED_IN, grace_minutes
    from shouwang.patrols.models import PatrolLog
    from shouwang.rostering.models import Duty, DutyAssignment

    out = _tallies(ctx, "rostering.duty")
    duties = Duty.objects.filter(
        roster__status__in=_binding(),
        date__gte=ctx.start,
        date__lte=ctx.end,
        end__lte=ctx.now,
        roster__team__jurisdiction__path__startswith=ctx.root_path,
    )
    rows = list(duties.values_list("pk", "end", "roster__team_id"))
    grace = grace_minutes({team_id for _pk, _end, team_id in rows})
    logged = set(
        PatrolLog.objects.filter(
            duty_id__in=[pk for pk, _end, _team in rows], status__in=HANDED_IN
        ).values_list("duty_id", flat=True)
    )
    # A duty still within its log grace and without a handed-in log is not yet due.
    due_duties = [
        pk
        for pk, end, team_id in rows
        if pk in logged or end + dt.timedelta(minutes=grace[team_id]) <= ctx.now
    ]
    attended = _attended_pairs(due_duties)
    owners = ctx.member_owners()
    for duty_id, member_id, team_id in DutyAssignment.objects.filter(
        duty_id__in=due_duties
    ).values_list("duty_id", "member_id", "duty__roster__team_id"):
        targets = [team_id] if ctx.kind == SUBJECT_TEAM else owners.get(member_id, [])
        for sid in targets:
            if sid not in out:
                continue
            # Per assignment: a team or village with two members on one duty owes two.
            key = duty_id * 1_000_000 + member_id
            out[sid].due.append(key)
            if (duty_id, member_id) in attended:
                out[sid].counted.append(key)
    _finish(out)
    for sid, t in out.items():
        # Keys are assignment keys: trace the duties behind them.
        t.counted = sorted({k // 1_000_000 for k in t.counted})
        t.due = sorted({k // 1_000_000 for k in t.due})
        params = {"month": ctx.month_text()}
        if ctx.kind == SUBJECT_TEAM:
            params["team"] = str(sid)
        t.link = _url("attendance-figures", **params)
    return out


def logs_on_time(ctx: Context) -> dict[int, Tally]:
    """Patrol logs on time / duties done: of the period's duties with a handed-in log (for a
    member: those the member attended), those for which the missed-duty sweep never opened an
    item, i.e. whose log was handed in before the duty's end plus the team's grace."""
    from shouwang.patrols.attendance import HANDED_IN
    from shouwang.patrols.models import MissedDuty, PatrolLog

    out = _tallies(ctx, "patrols.patrollog")
    logs = PatrolLog.objects.filter(
        duty__roster__status__in=_binding(),
        duty__date__gte=ctx.start,
        duty__date__lte=ctx.end,
        duty__roster__team__jurisdiction__path__startswith=ctx.root_path,
        status__in=HANDED_IN,
    )
    log_rows = list(logs.values_list("pk", "duty_id", "duty__roster__team_id"))
    duty_ids = {duty_id for _pk, duty_id, _team in log_rows}
    missed = set(MissedDuty.objects.filter(duty_id__in=duty_ids).values_list("duty_id", flat=True))
    logs_of: dict[int, list[int]] = defaultdict(list)
    for pk, duty_id, _team in log_rows:
        logs_of[duty_id].append(pk)
    done: dict[int, set[int]] = defaultdict(set)  # subject → duties done
    if ctx.kind == SUBJECT_TEAM:
        for _pk, duty_id, team_id in log_rows:
            done[team_id].add(duty_id)
    else:
        owners = ctx.member_owners()
        for duty_id, member_id in _attended_pairs(list(duty_ids)):
            for sid in owners.get(member_id, []):
                done[sid].add(duty_id)
    for sid, t in out.items():
        for duty_id in done.get(sid, ()):
            t.due.extend(logs_of[duty_id])
            if duty_id not in missed:
                t.counted.extend(logs_of[duty_id])
    _finish(out)
    for sid, t in out.items():
        # One duty may have several logs: count duties, trace logs.
        duties = done.get(sid, set())
        t.denominator = len(duties)
        t.numerator = len(duties - missed)
        params = {"month": ctx.month_text()}
        if ctx.kind == SUBJECT_TEAM:
            params["team"] = str(sid)
        t.link = _url("patrol-log-list", **params)
    return out


# -- cases ----------------------------------------------------------------------------------------


def hazards_on_time(ctx: Context) -> dict[int, Tally]:
    """Hazards closed on time / hazards due: hazards of the village whose rectification
    deadline falls in the period (rejected reports left out) and which are closed or past
    their deadline (a hazard still open within its deadline is not yet due); on time when
    closed no later than the deadline day."""
    from shouwang.hazards.models import Hazard, HazardStatus

    out = _tallies(ctx, "hazards.hazard")
    rows = (
        Hazard.objects.filter(
            jurisdiction__path__startswith=ctx.root_path,
            deadline__gte=ctx.start,
            deadline__lte=ctx.end,
        )
        .exclude(status=HazardStatus.REJECTED)
        .values_list("pk", "jurisdiction__path", "status", "closed_at", "deadline")
    )
    for pk, path, status, closed_at, deadline in rows:
        sid = ctx.village_of(path)
        closed = status == HazardStatus.CLOSED and closed_at is not None
        if sid is None or (not closed and deadline >= ctx.horizon):
            continue
        out[sid].due.append(pk)
        if closed and timezone.localdate(closed_at) <= deadline:
            out[sid].counted.append(pk)
    _finish(out)
    for sid, t in out.items():
        t.link = _url("record-list", ["hazards"], jurisdiction=sid)
    return out


def disputes_resolved(ctx: Context) -> dict[int, Tally]:
    """Disputes resolved / disputes whose outcome is due in the period: those given a result
    in the period (resolved, partly resolved, referred) and those past their deadline by the
    end of the period (or today, while it runs) without a result. A dispute still within its
    deadline is not yet due, however recently registered: recording it costs nothing. Counted
    when the result is “resolved” (partly resolved and referred cases are not)."""
    from shouwang.disputes.models import DEFAULT_RESOLVE_DAYS, Dispute, DisputeStatus

    out = _tallies(ctx, "disputes.dispute")
    rows = (
        Dispute.objects.filter(
            jurisdiction__path__startswith=ctx.root_path, registered_on__lte=ctx.end
        )
        .filter(Q(resolved_on__isnull=True) | Q(resolved_on__gte=ctx.start))
        .values_list(
            "pk", "jurisdiction__path", "outcome", "resolved_on", "resolve_by", "registered_on"
        )
    )
    for pk, path, outcome, resolved_on, resolve_by, registered_on in rows:
        sid = ctx.village_of(path)
        if sid is None:
            continue
        # A result without its day (old or imported files) is dated by the registration.
        result_day = (resolved_on or registered_on) if outcome else None
        if result_day is not None and ctx.start <= result_day <= ctx.end:
            out[sid].due.append(pk)
            if outcome == DisputeStatus.RESOLVED:
                out[sid].counted.append(pk)
        elif result_day is None or result_day > ctx.end:
            deadline = resolve_by or registered_on + dt.timedelta(days=DEFAULT_RESOLVE_DAYS)
            if deadline < ctx.horizon:
                out[sid].due.append(pk)
    _finish(out)
    for sid, t in out.items():
        t.link = _url("record-list", ["disputes"], jurisdiction=sid)
    return out


def visits_done(ctx: Context) -> dict[int, Tally]:
    """Visits made / visits due to people of concern of the village. A person owes visits
    once on the register, within the period and up to today, for a whole cadence of the
    level (or the whole period when the cadence is longer): days on the register ÷ cadence,
    at least one. Someone registered too recently owes nothing yet. Visits beyond what one
    person owes do not make up for another person. Only counts are kept: no names, no record
    ids (privacy)."""
    from shouwang.concerns.models import (
        DEFAULT_CADENCE_DAYS,
        PersonOfConcern,
        RegisterStatus,
        Visit,
        VisitPolicy,
    )

    out = _tallies(ctx, "")
    people = list(
        PersonOfConcern.objects.filter(
            jurisdiction__path__startswith=ctx.root_path, registered_on__lte=ctx.end
        )
        .filter(Q(status=RegisterStatus.ON) | Q(off_register_on__gte=ctx.start))
        .values_list(
            "pk", "jurisdiction__path", "attention_level", "registered_on", "off_register_on"
        )
    )
    policies = {
        jid: {"red": r, "yellow": y, "blue": b}
        for jid, r, y, b in VisitPolicy.objects.values_list(
            "jurisdiction_id", "red_days", "yellow_days", "blue_days"
        )
    }
    made = dict(
        Visit.objects.filter(
            person_id__in=[p[0] for p in people],
            visited_on__gte=ctx.start,
            visited_on__lte=ctx.end,
        )
        .values("person_id")
        .annotate(n=Count("pk"))
        .values_list("person_id", "n")
    )
    last_day = ctx.horizon - dt.timedelta(days=1)
    for pk, path, level, registered_on, off_on in people:
        sid = ctx.village_of(path)
        if sid is None:
            continue
        cadence = DEFAULT_CADENCE_DAYS.get(level, 30)
        for part in reversed([int(p) for p in path.strip("/").split("/") if p]):
            if part in policies:
                cadence = policies[part].get(level, cadence)
                break
        cadence = max(1, cadence)
        first = max(ctx.start, registered_on)
        last = min(last_day, off_on) if off_on else last_day
        days_on = (last - first).days + 1
        if days_on < min(cadence, ctx.days):
            continue  # no visit has fallen due yet
        owed = max(1, days_on // cadence)
        out[sid].denominator += owed
        out[sid].numerator += min(owed, made.get(pk, 0))
    for sid, t in out.items():
        t.note = str(_("Counts only: the people are not named here."))
        t.link = _url("concern-list", jurisdiction=sid)
    return out


def trainings_attended(ctx: Context) -> dict[int, Tally]:
    """Trainings attended / trainings held: the trainings and drills held in the period by
    the member's township; excused absences are left out of both. Teams and villages add up
    their members."""
    from shouwang.forces.models import Member
    from shouwang.governance.models import Attendance, Presence, Training, TrainingStatus

    out = _tallies(ctx, "governance.training")
    held = dict(
        Training.objects.filter(
            status=TrainingStatus.HELD,
            starts_at__gte=ctx.start_dt,
            starts_at__lt=ctx.end_dt,
        )
        .filter(
            Q(jurisdiction__path__startswith=ctx.root_path)
            | Q(pk__in=_ancestor_trainings(ctx.root_path))
        )
        .values_list("pk", "jurisdiction_id")
    )
    presence: dict[tuple[int, int], str] = {
        (training_id, member_id): p
        for training_id, member_id, p in Attendance.objects.filter(
            training_id__in=list(held)
        ).values_list("training_id", "member_id", "presence")
    }
    owners = ctx.member_owners()
    members = Member.objects.filter(pk__in=list(owners)).values_list("pk", "jurisdiction__path")
    townships: dict[int, list[int]] = defaultdict(list)
    for training_id, township_id in held.items():
        townships[township_id].append(training_id)
    for member_id, path in members:
        ids = {int(p) for p in path.strip("/").split("/") if p}
        for township_id, trainings in townships.items():
            if township_id not in ids:
                continue
            for training_id in trainings:
                p = presence.get((training_id, member_id))
                if p == Presence.EXCUSED:
                    continue
                for sid in owners.get(member_id, []):
                    key = training_id * 1_000_000 + member_id
                    out[sid].due.append(key)
                    if p == Presence.PRESENT:
                        out[sid].counted.append(key)
    _finish(out)
    for t in out.values():
        t.counted = sorted({k // 1_000_000 for k in t.counted})
        t.due = sorted({k // 1_000_000 for k in t.due})
        t.link = _url("record-list", ["trainings"], status="held")
    return out


def _ancestor_trainings(root_path: str) -> Any:
    """Trainings held by a township above the scheme's jurisdiction (none for township and
    county schemes; kept for schemes of a lower level)."""
    from shouwang.governance.models import Training

    ids = [int(p) for p in root_path.strip("/").split("/") if p]
    return Training.objects.filter(jurisdiction_id__in=ids).values("pk")


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure(
            "duty_attendance",
            _("Duty attendance"),
            _("Duties attended / duties assigned (roster, patrol logs, missed duties)."),
            ALL_SUBJECTS,
            duty_attendance,
        ),
        Measure(
            "logs_on_time",
            _("Patrol logs on time"),
            _("Duties whose patrol log was handed in within the grace / duties done."),
            ALL_SUBJECTS,
            logs_on_time,
        ),
        Measure(
            "hazards_on_time",
            _("Hazards closed on time"),
            _("Hazards closed by their deadline / hazards due in the period."),
            frozenset({SUBJECT_VILLAGE}),
            hazards_on_time,
        ),
        Measure(
            "disputes_resolved",
            _("Disputes resolved"),
            _("Disputes resolved / disputes registered in the period."),
            frozenset({SUBJECT_VILLAGE}),
            disputes_resolved,
        ),
        Measure(
            "visits_done",
            _("Visits to people of concern"),
            _("Visits made / visits due by the attention level's cadence (counts only)."),
            frozenset({SUBJECT_VILLAGE}),
            visits_done,
        ),
        Measure(
            "trainings_attended",
            _("Trainings attended"),
            _("Trainings and drills attended / held by the township (excused left out)."),
            ALL_SUBJECTS,
            trainings_attended,
        ),
    )
}


def measure_choices() -> list[tuple[str, Any]]:
    return [(m.key, m.label) for m in MEASURES.values()]
