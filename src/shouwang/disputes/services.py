"""Dispute services: the record pages' writes, the screening gaps, the figures and the daily
deadline sweep. The case workflow (mediation, agreement, result, follow-up, close) is in
workflow.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import records
from shouwang.core.audit import record_event
from shouwang.core.models import Jurisdiction
from shouwang.core.records import RecordInvalid
from shouwang.disputes import workflow
from shouwang.disputes.forms import (
    DisputeForm,
    DisputePartyForm,
    DisputePolicyForm,
    ScreeningForm,
    apply_party_phone,
)
from shouwang.disputes.models import (
    OPEN_STATUSES,
    Dispute,
    DisputeParty,
    DisputePolicy,
    DisputeStatus,
    DisputeTransition,
    FollowUp,
    Screening,
    ScreeningGapNotice,
    week_start,
)

S = DisputeStatus

# -- screenings ----------------------------------------------------------------------------------


def _screener(instance: Screening, form: Any) -> None:
    if instance.pk is None:
        instance.screened_by = form.actor


def create_screening(*, actor: Any, data: Mapping[str, Any]) -> Screening:
    """Record a village's weekly screening (also a zero report); the actor is the screener."""
    return records.create_record(ScreeningForm, actor=actor, data=data, before_save=_screener)  # type: ignore[no-any-return]


def update_screening(screening: Screening, *, actor: Any, data: Mapping[str, Any]) -> Screening:
    """Correct a screening record."""
    return records.update_record(ScreeningForm, screening, actor=actor, data=data)


def delete_screening(screening: Screening, *, actor: Any) -> None:
    """Remove a screening recorded by mistake (its files keep existing, unlinked)."""
    records.delete_record(screening, actor=actor)


# -- dispute files -------------------------------------------------------------------------------


def _registration(instance: Dispute, form: Any) -> None:
    if instance.pk is None:
        instance.registered_by = form.actor
    elif "resolve_by" in form.changed_data:
        # A new deadline: the overdue notice is due again if it passes too.
        instance.overdue_flagged_at = None
    if instance.resolve_by is None and instance.jurisdiction_id and instance.registered_on:
        instance.resolve_by = workflow.default_resolve_by(
            instance.jurisdiction, instance.registered_on
        )


def create_dispute(*, actor: Any, data: Mapping[str, Any]) -> Dispute:
    """Register a dispute file (status registered); the deadline defaults to the registration
    date plus the policy's days to resolve."""
    with transaction.atomic():
        dispute: Dispute = records.create_record(
            DisputeForm, actor=actor, data=data, before_save=_registration
        )
        DisputeTransition.objects.create(
            dispute=dispute,
            from_status="",
            to_status=dispute.status,
            actor=actor if getattr(actor, "pk", None) else None,
        )
    return dispute


def update_dispute(dispute: Dispute, *, actor: Any, data: Mapping[str, Any]) -> Dispute:
    """Correct a file's details and its 五定/两包 (the status moves only through the workflow)."""
    return records.update_record(
        DisputeForm, dispute, actor=actor, data=data, before_save=_registration
    )


def delete_dispute(dispute: Dispute, *, actor: Any) -> None:
    """Remove a file registered by mistake."""
    records.delete_record(dispute, actor=actor)


def create_party(*, actor: Any, data: Mapping[str, Any]) -> DisputeParty:
    """Add a party to a file (the phone number is encrypted, shown masked)."""
    return records.create_record(  # type: ignore[no-any-return]
        DisputePartyForm, actor=actor, data=data, before_save=apply_party_phone
    )


def update_party(party: DisputeParty, *, actor: Any, data: Mapping[str, Any]) -> DisputeParty:
    """Correct a party; an empty phone number keeps the stored one."""
    return records.update_record(
        DisputePartyForm, party, actor=actor, data=data, before_save=apply_party_phone
    )


def delete_party(party: DisputeParty, *, actor: Any) -> None:
    records.delete_record(party, actor=actor)


def create_policy(*, actor: Any, data: Mapping[str, Any]) -> DisputePolicy:
    """Set a township's dispute handling (days to resolve, ladder rounds, follow-up days)."""
    return records.create_record(DisputePolicyForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_policy(policy: DisputePolicy, *, actor: Any, data: Mapping[str, Any]) -> DisputePolicy:
    return records.update_record(DisputePolicyForm, policy, actor=actor, data=data)


def delete_policy(policy: DisputePolicy, *, actor: Any) -> None:
    records.delete_record(policy, actor=actor)


# -- screening gaps ------------------------------------------------------------------------------


@dataclass
class VillageWeek:
    village: Jurisdiction
    week: dt.date
    screening: Screening | None

    @property
    def missing(self) -> bool:
        return self.screening is None

    @property
    def zero(self) -> bool:
        return self.screening is not None and self.screening.disputes_found == 0


def weeks_between(start: dt.date, end: dt.date) -> list[dt.date]:
    first, last = week_start(start), week_start(end)
    out = []
    while first <= last:
        out.append(first)
        first += dt.timedelta(days=7)
    return out


def villages_of(place: Jurisdiction) -> list[Jurisdiction]:
    nodes = Jurisdiction.objects.filter(path__startswith=place.path, level="village")
    return list(nodes.order_by("path"))


def screening_grid(
    place: Jurisdiction, start: dt.date, end: dt.date, *, user: Any = None
) -> list[VillageWeek]:
    """Every village of `place` × every week from `start` to `end`: its screening or none.
    Missing screenings are the rows without one; zero reports have disputes_found 0."""
    villages = villages_of(place)
    weeks = weeks_between(start, end)
    if len(weeks) > 60:
        raise RecordInvalid({"week_to": [_("Choose at most 60 weeks.")]})
    qs = Screening.objects.visible_to(user) if user is not None else Screening.objects.all()
    found = {
        (s.village_id, s.week): s
        for s in qs.filter(village__in=villages, week__in=weeks).select_related("screened_by")
    }
    return [VillageWeek(v, w, found.get((v.pk, w))) for w in weeks for v in villages]


def screening_gaps(
    place: Jurisdiction, start: dt.date, end: dt.date, *, user: Any = None
) -> dict[str, Any]:
    """The grid split into missing screenings and zero reports, with counts."""
    rows = screening_grid(place, start, end, user=user)
    return {
        "rows": rows,
        "missing": [r for r in rows if r.missing],
        "zero": [r for r in rows if r.zero],
        "screened": [r for r in rows if not r.missing],
    }


# -- figures -------------------------------------------------------------------------------------


@dataclass
class Figures:
    """Dispute figures of one period and jurisdiction subtree (definitions: docs/disputes.md).

    The cohort is the files registered in the period; the other counts say where that cohort
    stands now, so screened = resolved + partly_resolved + in_progress + referred + closed
    without result (always 0)."""

    screened: int = 0
    from_screenings: int = 0
    resolved: int = 0
    partly_resolved: int = 0
    in_progress: int = 0
    referred: int = 0
    overdue: int = 0
    civil_to_criminal: int = 0
    screenings: int = 0
    zero_reports: int = 0
    missing_screenings: int = 0
    by_category: list[tuple[str, int]] = field(default_factory=list)

    @property
    def mediation_rate(self) -> float | None:
        """Resolved ÷ screened, as a percentage to two places (None without files)."""
        if not self.screened:
            return None
        return round(100.0 * self.resolved / self.screened, 2)

    def as_dict(self) -> dict[str, Any]:
        return {
            "screened": self.screened,
            "from_screenings": self.from_screenings,
            "resolved": self.resolved,
            "partly_resolved": self.partly_resolved,
            "in_progress": self.in_progress,
            "referred": self.referred,
            "overdue": self.overdue,
            "civil_to_criminal": self.civil_to_criminal,
            "mediation_rate": self.mediation_rate,
            "screenings": self.screenings,
            "zero_reports": self.zero_reports,
            "missing_screenings": self.missing_screenings,
            "by_category": [{"category": c, "count": n} for c, n in self.by_category],
        }


def cohort(place: Jurisdiction, start: dt.date, end: dt.date, *, user: Any) -> Any:
    """The files of the subtree registered from `start` to `end` (both included), in scope."""
    return Dispute.objects.visible_to(user).filter(
        jurisdiction__path__startswith=place.path,
        registered_on__gte=start,
        registered_on__lte=end,
    )


def figures(
    place: Jurisdiction, start: dt.date, end: dt.date, *, user: Any, today: dt.date | None = None
) -> Figures:
    """Screened, resolved, in progress, referred and the mediation rate for the period."""
    if end < start:
        raise RecordInvalid({"end": [_("The end is before the start.")]})
    today = today or timezone.localdate()
    qs = cohort(place, start, end, user=user)
    resolved_q = Q(outcome=S.RESOLVED)
    counts = qs.aggregate(
        screened=Count("pk"),
        from_screenings=Count("pk", filter=Q(screening__isnull=False)),
        resolved=Count("pk", filter=resolved_q),
        partly=Count("pk", filter=Q(outcome=S.PARTLY_RESOLVED)),
        in_progress=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        referred=Count("pk", filter=Q(outcome=S.FAILED_REFERRED)),
        overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, resolve_by__lt=today)),
        c2c=Count("pk", filter=Q(civil_to_criminal=True)),
    )
    by_category = [
        (str(row["category__label"]), int(row["n"]))
        for row in qs.values("category__label").annotate(n=Count("pk")).order_by("-n")
    ]
    grid_end = min(end, today)
    rows = screening_grid(place, start, grid_end, user=user) if grid_end >= start else []
    return Figures(
        screened=counts["screened"],
        from_screenings=counts["from_screenings"],
        resolved=counts["resolved"],
        partly_resolved=counts["partly"],
        in_progress=counts["in_progress"],
        referred=counts["referred"],
        overdue=counts["overdue"],
        civil_to_criminal=counts["c2c"],
        screenings=sum(1 for r in rows if not r.missing),
        zero_reports=sum(1 for r in rows if r.zero),
        missing_screenings=sum(1 for r in rows if r.missing),
        by_category=by_category,
    )


# -- the daily deadline sweep --------------------------------------------------------------------


@dataclass
class SweepResult:
    overdue: list[int] = field(default_factory=list)
    follow_ups: list[int] = field(default_factory=list)
    screening_gaps: list[tuple[int, str, list[int]]] = field(default_factory=list)
    dry_run: bool = False

    def counts(self) -> dict[str, int]:
        return {
            "overdue_marked": len(self.overdue),
            "follow_up_reminders": len(self.follow_ups),
            "screening_gap_notices": len(self.screening_gaps),
        }


def sweep_disputes(*, now: dt.datetime | None = None, dry_run: bool = False) -> SweepResult:
    """Daily, idempotent: (1) open files past their deadline are flagged overdue once (the
    responsible person's login and the office are told); (2) follow-up visits that are due or
    overdue are reminded once; (3) each township's office is told once about the villages that
    did not record last week's screening. With `dry_run` nothing is written."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = SweepResult(dry_run=dry_run)

    overdue = Dispute.objects.filter(
        status__in=OPEN_STATUSES, resolve_by__lt=today, overdue_flagged_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(overdue):
        with transaction.atomic():
            d = (
                Dispute.objects.select_for_update(of=("self",))
                .select_related("jurisdiction", "responsible_person")
                .get(pk=pk)
            )
            if (
                d.status not in OPEN_STATUSES
                or d.resolve_by is None
                or d.resolve_by >= today
                or d.overdue_flagged_at
            ):
                continue
            result.overdue.append(d.pk)
            if dry_run:
                continue
            d.overdue_flagged_at = now
            d.save(update_fields=["overdue_flagged_at"])
            record_event(
                workflow.code("overdue"),
                actor=None,
                target=d,
                after={"resolve_by": d.resolve_by.isoformat()},
            )
            workflow.tell_users(
                d,
                "overdue",
                [workflow.person_user(d), *workflow.office_users(d.jurisdiction)],
                None,
                body=_("Deadline: %(date)s") % {"date": f"{d.resolve_by:%Y-%m-%d}"},
            )

    due = FollowUp.objects.filter(
        visited_on__isnull=True, cancelled=False, reminded_at__isnull=True, due_on__lte=today
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            visit = (
                FollowUp.objects.select_for_update(of=("self",))
                .select_related("dispute__jurisdiction", "dispute__responsible_person")
                .get(pk=pk)
            )
            if not visit.is_pending or visit.reminded_at or visit.due_on > today:
                continue
            result.follow_ups.append(visit.pk)
            if dry_run:
                continue
            visit.reminded_at = now
            visit.save(update_fields=["reminded_at"])
            d = visit.dispute
            record_event(
                workflow.code("follow_up_reminded"),
                actor=None,
                target=d,
                after={"follow_up": visit.pk, "due_on": visit.due_on.isoformat()},
            )
            workflow.tell_users(
                d,
                "follow_up_reminded",
                [workflow.person_user(d), *workflow.office_users(d.jurisdiction)],
                None,
                body=_("Follow-up visit due %(date)s") % {"date": f"{visit.due_on:%Y-%m-%d}"},
            )

    last_week = week_start(today) - dt.timedelta(days=7)
    for township in Jurisdiction.objects.filter(level="township").order_by("path"):
        villages = villages_of(township)
        if not villages:
            continue
        done = set(
            Screening.objects.filter(village__in=villages, week=last_week).values_list(
                "village_id", flat=True
            )
        )
        missing = [v for v in villages if v.pk not in done]
        if not missing:
            continue
        with transaction.atomic():
            if ScreeningGapNotice.objects.filter(township=township, week=last_week).exists():
                continue
            result.screening_gaps.append(
                (township.pk, last_week.isoformat(), [v.pk for v in missing])
            )
            if dry_run:
                continue
            notice = ScreeningGapNotice.objects.create(
                township=township, week=last_week, villages=[v.pk for v in missing], sent_at=now
            )
            _tell_gaps(township, last_week, missing, notice)
    return result


def _tell_gaps(
    township: Jurisdiction, week: dt.date, missing: list[Jurisdiction], notice: Any
) -> None:
    from django.urls import reverse

    from shouwang.notify.services import notify

    record_event(
        workflow.code("screening_missing"),
        actor=None,
        target=township,
        after={"week": week.isoformat(), "villages": [v.pk for v in missing]},
    )
    recipients = workflow.office_users(township)
    if not recipients:
        return
    notify(
        recipients,
        kind="disputes.screening_missing",
        title=_("Weekly dispute screening missing (week of %(week)s): %(count)d villages")
        % {"week": f"{week:%Y-%m-%d}", "count": len(missing)},
        body="、".join(v.name for v in missing),
        link=reverse("dispute-screening-gaps")
        + f"?jurisdiction={township.pk}&week_from={week.isoformat()}&week_to={week.isoformat()}",
        jurisdiction=township,
    )


def sweep_for_registry(now: dt.datetime | None, dry_run: bool) -> Mapping[str, int]:
    """The sweep in the shape core.cases expects."""
    return sweep_disputes(now=now, dry_run=dry_run).counts()
