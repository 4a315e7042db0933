"""Governance services: the record pages' writes, the training workflow (planned → held or
cancelled), attendance, meeting decisions, the training/drill gaps and the daily gap sweep.

Each action runs in one transaction on a locked row and writes one audit event. An illegal
status step raises `RecordInvalid` on "status" and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core import records
from shouwang.core.audit import record_event, snapshot
from shouwang.core.models import Jurisdiction
from shouwang.core.records import RecordInvalid
from shouwang.core.roles import users_with_role
from shouwang.core.scoping import get_for
from shouwang.core.workflow import StateMachine, action_codes
from shouwang.forces.models import Member
from shouwang.governance.forms import DecisionForm, JointMeetingForm, TrainingForm
from shouwang.governance.models import (
    Attendance,
    Decision,
    DecisionStatus,
    GapNotice,
    JointMeeting,
    Presence,
    SessionKind,
    Training,
    TrainingStatus,
    TrainingTransition,
)

S = TrainingStatus
OFFICE_ROLE = "township_staff"

#: The declared workflow: verb → (statuses it may start from, status it leads to).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "held": (frozenset({S.PLANNED}), S.HELD),
    "cancelled": (frozenset({S.PLANNED}), S.CANCELLED),
}

_LABELS: dict[str, Any] = {
    "held": gettext_lazy("Training or drill held"),
    "cancelled": gettext_lazy("Training or drill cancelled"),
    "attendance_recorded": gettext_lazy("Training attendance recorded"),
    "gap": gettext_lazy("Training or drill missing"),
}
code = action_codes("governance.training", _LABELS)
decision_code = action_codes("governance.decision", {"done": gettext_lazy("Meeting decision done")})

WORKFLOW = StateMachine(
    TRANSITIONS,
    TrainingStatus,
    gettext_lazy("A training that is “%(status)s” cannot be moved to “%(target)s”."),
    code,
    TrainingTransition,
)


def _may_change(user: Any, obj: Any) -> bool:
    return bool(type(obj).objects.visible_to(user, "change").filter(pk=obj.pk).exists())


def _lock(model: type[Any], pk: int, actor: Any) -> Any:
    """The row, locked, if the actor may change it (404 alike for missing and out of scope)."""
    get_for(model, actor, pk)
    return model.objects.select_for_update(of=("self",)).get(pk=pk)


# -- record pages --------------------------------------------------------------------------------


def _first_step(instance: Training, form: Any) -> None:
    if instance.pk is None:
        instance.status = S.PLANNED


def create_training(*, actor: Any, data: Mapping[str, Any]) -> Training:
    """Plan a training or drill (status planned)."""
    with transaction.atomic():
        training: Training = records.create_record(
            TrainingForm, actor=actor, data=data, before_save=_first_step
        )
        TrainingTransition.objects.create(
            training=training,
            from_status="",
            to_status=training.status,
            actor=actor if getattr(actor, "pk", None) else None,
        )
    return training


def update_training(training: Training, *, actor: Any, data: Mapping[str, Any]) -> Training:
    """Correct a training's details (the status moves only through hold / cancel)."""
    return records.update_record(TrainingForm, training, actor=actor, data=data)


def delete_training(training: Training, *, actor: Any) -> None:
    records.delete_record(training, actor=actor)


def create_meeting(*, actor: Any, data: Mapping[str, Any]) -> JointMeeting:
    """Record a joint meeting."""
    return records.create_record(JointMeetingForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_meeting(meeting: JointMeeting, *, actor: Any, data: Mapping[str, Any]) -> JointMeeting:
    return records.update_record(JointMeetingForm, meeting, actor=actor, data=data)


def delete_meeting(meeting: JointMeeting, *, actor: Any) -> None:
    records.delete_record(meeting, actor=actor)


def create_decision(*, actor: Any, data: Mapping[str, Any]) -> Decision:
    """Add a decision (owner unit or person, deadline) to a joint meeting."""
    return records.create_record(DecisionForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_decision(decision: Decision, *, actor: Any, data: Mapping[str, Any]) -> Decision:
    return records.update_record(DecisionForm, decision, actor=actor, data=data)


def delete_decision(decision: Decision, *, actor: Any) -> None:
    records.delete_record(decision, actor=actor)


# -- the training workflow -----------------------------------------------------------------------


def hold_training(training: Training, *, actor: Any) -> Training:
    """Mark a planned training or drill as held."""
    with transaction.atomic():
        locked = _lock(Training, training.pk, actor)
        if locked.starts_at > timezone.now():
            raise RecordInvalid({"starts_at": [_("A training cannot be held before it starts.")]})
        WORKFLOW.step(locked, "held", actor=actor, permitted=_may_change, change=lambda t: None)
    return locked  # type: ignore[no-any-return]


def cancel_training(training: Training, *, actor: Any, reason: str) -> Training:
    """Cancel a planned training or drill; the reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise RecordInvalid({"reason": [_("Give the reason.")]})

    def change(t: Training) -> None:
        t.cancel_reason = reason

    with transaction.atomic():
        locked = _lock(Training, training.pk, actor)
        WORKFLOW.step(
            locked, "cancelled", actor=actor, permitted=_may_change, change=change, reason=reason
        )
    return locked  # type: ignore[no-any-return]


def record_attendance(
    training: Training, *, actor: Any, entries: Iterable[Mapping[str, Any]]
) -> list[Attendance]:
    """Set the attendance of members ({"member": id, "presence": present/absent/excused});
    members already listed are updated. Only members of the training's township count."""
    with transaction.atomic():
        locked = _lock(Training, training.pk, actor)
        if not _may_change(actor, locked):
            raise PermissionDenied
        if locked.status == S.CANCELLED:
            raise RecordInvalid({"status": [_("A cancelled training has no attendance.")]})
        allowed = Member.objects.visible_to(actor, "view").filter(
            jurisdiction__path__startswith=locked.jurisdiction.path
        )
        rows: list[Attendance] = []
        changes: dict[str, str] = {}
        for entry in entries:
            presence = str(entry.get("presence", ""))
            if presence not in Presence.values:
                raise RecordInvalid({"presence": [_("Choose present, absent or excused.")]})
            member = allowed.filter(pk=entry.get("member")).first()
            if member is None:
                raise RecordInvalid({"member": [_("Choose a member of this township.")]})
            row, _created = Attendance.objects.update_or_create(
                training=locked, member=member, defaults={"presence": presence}
            )
            rows.append(row)
            changes[str(member.pk)] = presence
        record_event(code("attendance_recorded"), actor=actor, target=locked, after=changes)
    return rows


# -- decisions -----------------------------------------------------------------------------------


def complete_decision(decision: Decision, *, actor: Any, done_on: Any = None) -> Decision:
    """Mark a meeting decision as done (on `done_on`, default today)."""
    with transaction.atomic():
        locked: Decision = _lock(Decision, decision.pk, actor)
        if not _may_change(actor, locked):
            raise PermissionDenied
        if locked.status != DecisionStatus.OPEN:
            raise RecordInvalid({"status": [_("This decision is already done.")]})
        before = snapshot(locked)
        try:
            day = dt.date.fromisoformat(str(done_on)) if done_on else timezone.localdate()
        except ValueError:
            raise RecordInvalid({"done_on": [_("Enter a valid date.")]}) from None
        if day > timezone.localdate():
            raise RecordInvalid({"done_on": [_("This date is in the future.")]})
        locked.status = DecisionStatus.DONE
        locked.done_on = day
        try:
            locked.full_clean()
        except ValidationError as exc:
            raise RecordInvalid.from_validation_error(exc) from exc
        locked.save()
        record_event(
            decision_code("done"), actor=actor, target=locked, before=before, after=snapshot(locked)
        )
    return locked


def overdue_decisions(user: Any, today: dt.date | None = None) -> Any:
    """Open decisions past their deadline that the user may see."""
    today = today or timezone.localdate()
    return Decision.objects.visible_to(user).filter(status=DecisionStatus.OPEN, deadline__lt=today)


# -- gaps ----------------------------------------------------------------------------------------


def quarter_of(month: int) -> int:
    return (month - 1) // 3 + 1


@dataclass
class TownshipGaps:
    """The ended months without a held training and quarters without a held drill."""

    township: Jurisdiction
    months: list[int] = field(default_factory=list)
    quarters: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "township": self.township.pk,
            "township_name": self.township.name,
            "months": self.months,
            "quarters": self.quarters,
        }


def townships_of(place: Jurisdiction) -> list[Jurisdiction]:
    if place.level == "township":
        return [place]
    nodes = Jurisdiction.objects.filter(path__startswith=place.path, level="township")
    return list(nodes.order_by("path"))


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def gaps(
    jurisdiction: Jurisdiction, year: int, *, today: dt.date | None = None, user: Any = None
) -> list[TownshipGaps]:
    """For each township of `jurisdiction`: the months of `year` that have ended without a held
    training and the quarters that have ended without a held drill."""
    today = today or timezone.localdate()
    qs = Training.objects.visible_to(user) if user is not None else Training.objects.all()
    held = qs.filter(status=S.HELD, jurisdiction__path__startswith=jurisdiction.path).values_list(
        "jurisdiction_id", "kind", "starts_at"
    )
    done: set[tuple[int, str, int]] = set()
    for township_id, kind, starts_at in held:
        local = timezone.localtime(starts_at)
        if local.year != year:
            continue
        period = local.month if kind == SessionKind.TRAINING else quarter_of(local.month)
        done.add((township_id, kind, period))
    out = []
    for township in townships_of(jurisdiction):
        row = TownshipGaps(township)
        for month in range(1, 13):
            if _month_end(year, month) < today and (
                (township.pk, SessionKind.TRAINING, month) not in done
            ):
                row.months.append(month)
        for quarter in range(1, 5):
            if _month_end(year, quarter * 3) < today and (
                (township.pk, SessionKind.DRILL, quarter) not in done
            ):
                row.quarters.append(quarter)
        out.append(row)
    return out


# -- the daily gap sweep -------------------------------------------------------------------------


@dataclass
class SweepResult:
    #: (township id, kind, period) told about.
    notices: list[tuple[int, str, str]] = field(default_factory=list)
    dry_run: bool = False

    def counts(self) -> dict[str, int]:
        return {"gap_notices": len(self.notices)}


def _last_ended(today: dt.date) -> tuple[tuple[int, int], tuple[int, int]]:
    """(year, month) of the last ended month and (year, quarter) of the last ended quarter."""
    last_month_day = today.replace(day=1) - dt.timedelta(days=1)
    q = quarter_of(today.month)
    quarter_start = dt.date(today.year, (q - 1) * 3 + 1, 1)
    last_quarter_day = quarter_start - dt.timedelta(days=1)
    return (
        (last_month_day.year, last_month_day.month),
        (last_quarter_day.year, quarter_of(last_quarter_day.month)),
    )


def sweep_gaps(*, now: dt.datetime | None = None, dry_run: bool = False) -> SweepResult:
    """Daily, idempotent: each township's office is told once about the last ended month
    without a held training and the last ended quarter without a held drill. With `dry_run`
    nothing is written."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = SweepResult(dry_run=dry_run)
    (m_year, month), (q_year, quarter) = _last_ended(today)
    for township in Jurisdiction.objects.filter(level="township").order_by("path"):
        wanted = [(SessionKind.TRAINING, m_year, month, f"{m_year}-{month:02d}")]
        wanted.append((SessionKind.DRILL, q_year, quarter, f"{q_year}-Q{quarter}"))
        for kind, year, number, period in wanted:
            found = gaps(township, year, today=today)[0]
            missing = found.months if kind == SessionKind.TRAINING else found.quarters
            if number not in missing:
                continue
            with transaction.atomic():
                if GapNotice.objects.filter(township=township, kind=kind, period=period).exists():
                    continue
                result.notices.append((township.pk, str(kind), period))
                if dry_run:
                    continue
                GapNotice.objects.create(township=township, kind=kind, period=period, sent_at=now)
                _tell_gap(township, str(kind), period, year)
    return result


def _tell_gap(township: Jurisdiction, kind: str, period: str, year: int) -> None:
    from django.urls import reverse

    from shouwang.notify.services import notify

    record_event(code("gap"), actor=None, target=township, after={"kind": kind, "period": period})
    recipients = users_with_role(township, OFFICE_ROLE)
    if not recipients:
        return
    if kind == SessionKind.TRAINING:
        title = _("No training held in %(period)s") % {"period": period}
    else:
        title = _("No drill held in %(period)s") % {"period": period}
    notify(
        recipients,
        kind="governance.gap",
        title=title,
        body=str(township.name),
        link=reverse("governance-gaps") + f"?jurisdiction={township.pk}&year={year}",
        jurisdiction=township,
    )


def sweep_for_registry(now: dt.datetime | None, dry_run: bool) -> Mapping[str, int]:
    """The sweep in the shape core.cases expects."""
    return sweep_gaps(now=now, dry_run=dry_run).counts()
