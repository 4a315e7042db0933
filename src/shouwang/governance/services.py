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

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core import records
from shouwang.core.audit import record_event, snapshot
from shouwang.core.models import Jurisdiction
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.roles import users_with_role
from shouwang.core.scoping import get_for
from shouwang.core.workflow import StateMachine, action_codes
from shouwang.forces.models import Member, Organisation
from shouwang.governance.forms import (
    DecisionForm,
    DrillFindingForm,
    DrillReviewForm,
    EmergencyPlanForm,
    JointMeetingForm,
    PlanVersionForm,
    PledgeForm,
    TrainingForm,
)
from shouwang.governance.models import (
    UPLOAD_KINDS,
    Attendance,
    Decision,
    DecisionStatus,
    DrillFinding,
    DrillReview,
    EmergencyPlan,
    FindingStatus,
    GapNotice,
    JointMeeting,
    PlanVersion,
    PlanVersionStatus,
    PledgeStatus,
    PledgeTransition,
    Presence,
    ResponsibilityPledge,
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


# -- uploads (signed copies, plan files) ----------------------------------------------------------


def max_upload_bytes() -> int:
    """Largest signed copy or plan file accepted (bytes); `SHOUWANG_MAX_UPLOAD_BYTES`."""
    return int(getattr(settings, "SHOUWANG_MAX_UPLOAD_BYTES", 10 * 1024 * 1024))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def read_upload(upload: Any, name: str) -> tuple[bytes, str]:
    """(content, content type) of an uploaded PDF, JPEG or PNG file, told by its first bytes
    (never by the name or the type the browser claims); RecordInvalid on `name` else."""
    if upload is None or upload == "":
        raise RecordInvalid({name: [_("Choose the file to upload.")]})
    limit = max_upload_bytes()
    size = getattr(upload, "size", None)
    content = b"" if size is not None and size > limit else upload.read(limit + 1)
    if (size is not None and size > limit) or len(content) > limit:
        shown = _megabytes(size if size is not None else len(content))
        raise RecordInvalid(
            {
                name: [
                    _("The file is too large: %(size)s; at most %(max)s.")
                    % {"size": shown, "max": _megabytes(limit)}
                ]
            }
        )
    if not content:
        raise RecordInvalid({name: [_("The file is empty.")]})
    kind = next((ct for magic, ct, _ext in UPLOAD_KINDS if content.startswith(magic)), None)
    if kind is None:
        raise RecordInvalid(
            {name: [_("This file type is not accepted: upload a PDF, JPEG or PNG file.")]}
        )
    return content, kind


def _discard(field_file: Any, name: str) -> None:
    if name:
        field_file.storage.delete(name)


def _date(value: Any, name: str, *, default: dt.date | None = None) -> dt.date | None:
    if value in (None, ""):
        return default
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise RecordInvalid({name: [_("Enter a valid date.")]}) from None


# -- responsibility pledges -----------------------------------------------------------------------

P = PledgeStatus

PLEDGE_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "signed": (frozenset({P.DRAFTED}), P.SIGNED),
    "fulfilled": (frozenset({P.SIGNED}), P.FULFILLED),
    "breached": (frozenset({P.SIGNED}), P.BREACHED),
}
pledge_code = action_codes(
    "governance.pledge",
    {
        "signed": gettext_lazy("Responsibility pledge signed"),
        "fulfilled": gettext_lazy("Responsibility pledge fulfilled"),
        "breached": gettext_lazy("Responsibility pledge breached"),
    },
)
PLEDGE_WORKFLOW = StateMachine(
    PLEDGE_TRANSITIONS,
    PledgeStatus,
    gettext_lazy("A pledge that is “%(status)s” cannot be moved to “%(target)s”."),
    pledge_code,
    PledgeTransition,
)


def _drafted_only(instance: ResponsibilityPledge, form: Any) -> None:
    if instance.pk is None:
        instance.status = P.DRAFTED
    elif instance.status != P.DRAFTED:
        raise RecordInvalid({"status": [_("A pledge can be changed only while it is drafted.")]})


def create_pledge(*, actor: Any, data: Mapping[str, Any]) -> ResponsibilityPledge:
    """Draft a responsibility pledge with a village or unit (one per counterpart and year)."""
    with transaction.atomic():
        pledge: ResponsibilityPledge = records.create_record(
            PledgeForm, actor=actor, data=data, before_save=_drafted_only
        )
        PledgeTransition.objects.create(
            pledge=pledge,
            from_status="",
            to_status=pledge.status,
            actor=actor if getattr(actor, "pk", None) else None,
        )
    return pledge


def update_pledge(
    pledge: ResponsibilityPledge, *, actor: Any, data: Mapping[str, Any]
) -> ResponsibilityPledge:
    """Correct a drafted pledge (a signed one is never changed)."""
    return records.update_record(
        PledgeForm, pledge, actor=actor, data=data, before_save=_drafted_only
    )


def delete_pledge(pledge: ResponsibilityPledge, *, actor: Any) -> None:
    """Delete a drafted pledge (a signed one is kept)."""
    with transaction.atomic():
        if _lock(ResponsibilityPledge, pledge.pk, actor).status != P.DRAFTED:
            raise RecordInvalid({"status": [_("A signed pledge cannot be deleted.")]})
        records.delete_record(pledge, actor=actor)


def sign_pledge(
    pledge: ResponsibilityPledge,
    *,
    actor: Any,
    signed_on: Any,
    signatories: str = "",
    upload: Any = None,
) -> ResponsibilityPledge:
    """Drafted → signed: the day, the signatories and the signed copy (PDF, JPEG or PNG, at
    most `max_upload_bytes()`)."""
    day = _date(signed_on, "signed_on")
    if day is None:
        raise RecordInvalid({"signed_on": [_("Give the day it was signed.")]})
    if day > timezone.localdate():
        raise RecordInvalid({"signed_on": [_("This date is in the future.")]})
    content, kind = read_upload(upload, "signed_copy")
    extra: dict[str, Any] = {}
    try:
        with transaction.atomic():
            locked: ResponsibilityPledge = _lock(ResponsibilityPledge, pledge.pk, actor)

            def change(p: ResponsibilityPledge) -> None:
                p.signed_on = day
                if (signatories or "").strip():
                    p.signatories = signatories.strip()
                p.signed_copy_type = kind
                p.signed_copy.save("signed-copy", ContentFile(content), save=False)
                extra.update(
                    signed_on=day.isoformat(),
                    signed_copy=p.signed_copy.name,
                    size=len(content),
                    content_type=kind,
                )

            PLEDGE_WORKFLOW.step(
                locked, "signed", actor=actor, permitted=_may_change, change=change, extra=extra
            )
    except BaseException:
        _discard(pledge.signed_copy, str(extra.get("signed_copy", "")))
        raise
    return locked


def fulfil_pledge(pledge: ResponsibilityPledge, *, actor: Any) -> ResponsibilityPledge:
    """Signed → fulfilled (assessed today)."""

    def change(p: ResponsibilityPledge) -> None:
        p.assessed_on = timezone.localdate()

    with transaction.atomic():
        locked: ResponsibilityPledge = _lock(ResponsibilityPledge, pledge.pk, actor)
        PLEDGE_WORKFLOW.step(locked, "fulfilled", actor=actor, permitted=_may_change, change=change)
    return locked


def breach_pledge(pledge: ResponsibilityPledge, *, actor: Any, reason: str) -> ResponsibilityPledge:
    """Signed → breached; the reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise RecordInvalid({"reason": [_("Give the reason.")]})

    def change(p: ResponsibilityPledge) -> None:
        p.breach_reason = reason
        p.assessed_on = timezone.localdate()

    with transaction.atomic():
        locked: ResponsibilityPledge = _lock(ResponsibilityPledge, pledge.pk, actor)
        PLEDGE_WORKFLOW.step(
            locked, "breached", actor=actor, permitted=_may_change, change=change, reason=reason
        )
    return locked


@dataclass
class MissingPledge:
    """A village or unit of a township without a signed pledge for the year (its draft, if
    one exists)."""

    kind: str
    counterpart: Any
    pledge: ResponsibilityPledge | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.counterpart.pk,
            "name": str(self.counterpart),
            "pledge": self.pledge.pk if self.pledge else None,
            "pledge_status": self.pledge.status if self.pledge else None,
        }


def missing_pledges(township: Jurisdiction, year: int, *, user: Any) -> list[MissingPledge]:
    """The villages and member units of a township (those the user may see) that have no
    signed pledge for `year` (signed, fulfilled and breached ones count as signed)."""
    if township.level != "township":
        raise RecordInvalid({"jurisdiction": [_("Choose a township or street office.")]})
    pledges = list(
        ResponsibilityPledge.objects.visible_to(user).filter(jurisdiction=township, year=year)
    )
    by_village = {p.village_id: p for p in pledges if p.village_id}
    by_unit = {p.unit_id: p for p in pledges if p.unit_id}
    out: list[MissingPledge] = []
    villages = Jurisdiction.objects.visible_to(user).filter(
        level="village", path__startswith=township.path
    )
    for village in villages.order_by("path"):
        found = by_village.get(village.pk)
        if found is None or found.status == P.DRAFTED:
            out.append(MissingPledge("village", village, found))
    units = Organisation.objects.visible_to(user).filter(
        jurisdiction__path__startswith=township.path
    )
    for unit in units.order_by("name", "pk"):
        found = by_unit.get(unit.pk)
        if found is None or found.status == P.DRAFTED:
            out.append(MissingPledge("unit", unit, found))
    return out


# -- emergency plans and their versions -----------------------------------------------------------

V = PlanVersionStatus

version_code = action_codes(
    "governance.planversion",
    {
        "adopted": gettext_lazy("Emergency plan version adopted"),
        "file_attached": gettext_lazy("Emergency plan file attached"),
    },
)
VERSION_WORKFLOW = StateMachine(
    {"adopted": (frozenset({V.DRAFT}), V.EFFECTIVE)},
    PlanVersionStatus,
    gettext_lazy("A version that is “%(status)s” cannot be moved to “%(target)s”."),
    version_code,
)


def create_plan(*, actor: Any, data: Mapping[str, Any]) -> EmergencyPlan:
    """Record an emergency plan (its text goes into versions)."""
    return records.create_record(EmergencyPlanForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_plan(plan: EmergencyPlan, *, actor: Any, data: Mapping[str, Any]) -> EmergencyPlan:
    return records.update_record(EmergencyPlanForm, plan, actor=actor, data=data)


def delete_plan(plan: EmergencyPlan, *, actor: Any) -> None:
    records.delete_record(plan, actor=actor)


def _draft_only(instance: PlanVersion, form: Any) -> None:
    if instance.pk is None:
        instance.status = V.DRAFT
        # Numbered per plan; the plan row is locked so two drafts never share a number.
        list(EmergencyPlan.objects.select_for_update().filter(pk=instance.plan_id))
        last = PlanVersion.objects.filter(plan_id=instance.plan_id).order_by("-number").first()
        instance.number = (last.number if last else 0) + 1
    elif instance.status != V.DRAFT:
        raise RecordInvalid(
            {"status": [_("A version once in force is never changed: write a new version.")]}
        )
    else:
        previous = PlanVersion.objects.filter(pk=instance.pk).values_list("plan_id", flat=True)
        if instance.plan_id != previous.first():
            raise RecordInvalid({"plan": [_("A version cannot move to another plan.")]})


def create_plan_version(*, actor: Any, data: Mapping[str, Any]) -> PlanVersion:
    """Write a draft version of a plan (numbered next); a revision names the findings it
    addresses."""
    return records.create_record(  # type: ignore[no-any-return]
        PlanVersionForm, actor=actor, data=data, before_save=_draft_only
    )


def update_plan_version(
    version: PlanVersion, *, actor: Any, data: Mapping[str, Any]
) -> PlanVersion:
    """Correct a draft version (a version once in force is never changed)."""
    return records.update_record(
        PlanVersionForm, version, actor=actor, data=data, before_save=_draft_only
    )


def delete_plan_version(version: PlanVersion, *, actor: Any) -> None:
    """Delete a draft version (versions once in force are the plan's history)."""
    with transaction.atomic():
        if _lock(PlanVersion, version.pk, actor).status != V.DRAFT:
            raise RecordInvalid({"status": [_("A version once in force is never deleted.")]})
        records.delete_record(version, actor=actor)


def adopt_plan_version(
    version: PlanVersion, *, actor: Any, effective_from: Any = None
) -> PlanVersion:
    """Draft → in force from `effective_from` (default: the draft's date, else today). The
    version in force before is superseded on that day; the findings the version addresses
    become addressed, linked to it."""
    with transaction.atomic():
        locked: PlanVersion = _lock(PlanVersion, version.pk, actor)
        VERSION_WORKFLOW.check(locked, "adopted")
        if not _may_change(actor, locked):
            raise PermissionDenied
        day = _date(effective_from, "effective_from", default=locked.effective_from)
        day = day or timezone.localdate()
        before = snapshot(locked) | {"status": locked.status}
        previous = (
            PlanVersion.objects.select_for_update()
            .filter(plan_id=locked.plan_id, status=V.EFFECTIVE)
            .first()
        )
        if previous is not None:
            if previous.effective_from and day < previous.effective_from:
                raise RecordInvalid(
                    {
                        "effective_from": [
                            _("A new version cannot take effect before the one it replaces.")
                        ]
                    }
                )
            previous.status = V.SUPERSEDED
            previous.superseded_on = day
            previous.save(update_fields=["status", "superseded_on"])
        locked.status = V.EFFECTIVE
        locked.effective_from = day
        try:
            locked.full_clean()
        except ValidationError as exc:
            raise RecordInvalid.from_validation_error(exc) from exc
        locked.save()
        addressed = list(
            DrillFinding.objects.select_for_update()
            .filter(pk__in=locked.addresses.values("pk"), status=FindingStatus.OPEN)
            .order_by("pk")
        )
        for finding in addressed:
            finding.status = FindingStatus.ADDRESSED
            finding.addressed_by = locked
            finding.addressed_on = timezone.localdate()
            finding.save(update_fields=["status", "addressed_by", "addressed_on"])
        record_event(
            version_code("adopted"),
            actor=actor,
            target=locked,
            parent=locked.plan,
            before=before,
            after=snapshot(locked)
            | {
                "status": locked.status,
                "number": locked.number,
                "superseded": previous.number if previous else None,
                "addressed_findings": [f.pk for f in addressed],
            },
        )
    return locked


def attach_plan_file(version: PlanVersion, *, actor: Any, upload: Any) -> PlanVersion:
    """Attach the plan document (PDF, JPEG or PNG) to a draft version; replaces an earlier
    one of the draft."""
    content, kind = read_upload(upload, "file")
    stored = ""
    try:
        with transaction.atomic():
            locked: PlanVersion = _lock(PlanVersion, version.pk, actor)
            if not _may_change(actor, locked):
                raise PermissionDenied
            if locked.status != V.DRAFT:
                raise RecordInvalid(
                    {"file": [_("A version once in force is never changed: write a new version.")]}
                )
            old = locked.file.name or ""
            locked.file_type = kind
            locked.file.save("plan", ContentFile(content), save=False)
            stored = locked.file.name or ""
            locked.save(update_fields=["file", "file_type"])
            record_event(
                version_code("file_attached"),
                actor=actor,
                target=locked,
                parent=locked.plan,
                after={"file": stored, "size": len(content), "content_type": kind},
            )
            if old:
                transaction.on_commit(lambda: locked.file.storage.delete(old))
    except BaseException:
        _discard(version.file, stored)
        raise
    return locked


# -- drill reviews and findings -------------------------------------------------------------------


def create_review(*, actor: Any, data: Mapping[str, Any]) -> DrillReview:
    """Record the review meeting of a held drill."""
    return records.create_record(DrillReviewForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_review(review: DrillReview, *, actor: Any, data: Mapping[str, Any]) -> DrillReview:
    return records.update_record(DrillReviewForm, review, actor=actor, data=data)


def delete_review(review: DrillReview, *, actor: Any) -> None:
    """Delete a review with its findings, unless a plan revision addressed one of them."""
    with transaction.atomic():
        locked = _lock(DrillReview, review.pk, actor)
        if locked.findings.exclude(status=FindingStatus.OPEN).exists():
            raise RecordInvalid(
                {NON_FIELD: [_("An addressed finding belongs to the plan's history.")]}
            )
        records.delete_record(review, actor=actor)


def _open_only(instance: DrillFinding, form: Any) -> None:
    if instance.pk is not None and instance.status != FindingStatus.OPEN:
        raise RecordInvalid({"status": [_("An addressed finding is not changed any more.")]})


def create_finding(*, actor: Any, data: Mapping[str, Any]) -> DrillFinding:
    """Add a finding (owner, deadline) to a drill review."""
    return records.create_record(  # type: ignore[no-any-return]
        DrillFindingForm, actor=actor, data=data, before_save=_open_only
    )


def update_finding(finding: DrillFinding, *, actor: Any, data: Mapping[str, Any]) -> DrillFinding:
    """Correct an open finding."""
    return records.update_record(
        DrillFindingForm, finding, actor=actor, data=data, before_save=_open_only
    )


def delete_finding(finding: DrillFinding, *, actor: Any) -> None:
    """Delete an open finding (an addressed one belongs to the plan's history)."""
    with transaction.atomic():
        if _lock(DrillFinding, finding.pk, actor).status != FindingStatus.OPEN:
            raise RecordInvalid(
                {NON_FIELD: [_("An addressed finding belongs to the plan's history.")]}
            )
        records.delete_record(finding, actor=actor)


def overdue_findings(user: Any, today: dt.date | None = None) -> Any:
    """Open drill findings past their deadline that the user may see."""
    today = today or timezone.localdate()
    return DrillFinding.objects.visible_to(user).filter(
        status=FindingStatus.OPEN, deadline__lt=today
    )


@dataclass
class CycleDrill:
    drill: Training
    reviews: list[tuple[DrillReview, list[DrillFinding]]]


@dataclass
class CycleVersion:
    version: PlanVersion
    addressed: list[DrillFinding]
    drills: list[CycleDrill]


def plan_cycle(plan: EmergencyPlan, *, user: Any) -> list[CycleVersion]:
    """The drill–review–improve cycle of a plan, newest version first: each version, the
    findings it addressed, the drills run against it, their reviews and findings (each with
    the version that addressed it)."""
    versions = list(
        PlanVersion.objects.visible_to(user).filter(plan=plan).order_by("-number", "-pk")
    )
    drills = list(
        Training.objects.visible_to(user)
        .filter(plan_version__plan=plan)
        .select_related("jurisdiction")
        .order_by("starts_at", "pk")
    )
    reviews = list(
        DrillReview.objects.visible_to(user)
        .filter(drill__in=drills)
        .select_related("drill")
        .order_by("held_on", "pk")
    )
    findings = list(
        DrillFinding.objects.visible_to(user)
        .filter(review__in=reviews)
        .select_related("owner_unit", "owner_person", "addressed_by")
        .order_by("pk")
    )
    out = []
    for version in versions:
        cycle_drills = []
        for drill in drills:
            if drill.plan_version_id != version.pk:
                continue
            rows = [
                (review, [f for f in findings if f.review_id == review.pk])
                for review in reviews
                if review.drill_id == drill.pk
            ]
            cycle_drills.append(CycleDrill(drill, rows))
        addressed = [f for f in findings if f.addressed_by_id == version.pk]
        out.append(CycleVersion(version, addressed, cycle_drills))
    return out
