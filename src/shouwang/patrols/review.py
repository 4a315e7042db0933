"""The team leader's and the office's side of patrol logs: confirm, return, correct, and enter
a paper log (villages without a phone hand in paper logs).

Workflow of a log: open → submitted (the member hands it in) → confirmed (the leader signs it
off; read-only for ever after, corrections are appended). A leader may send a submitted log
back to open with a reason.
"""

from __future__ import annotations

import uuid as uuid_lib
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.audit import ACTIONS, record_event, snapshot
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import get_for, user_grants
from shouwang.patrols import tallies
from shouwang.patrols.models import (
    LogCorrection,
    LogStatus,
    PatrolLog,
)

ACTIONS.setdefault("patrols.patrollog.confirmed", gettext_lazy("Patrol log confirmed"))
ACTIONS.setdefault("patrols.patrollog.returned", gettext_lazy("Patrol log sent back"))
ACTIONS.setdefault("patrols.patrollog.entered_from_paper", gettext_lazy("Paper patrol log entered"))
ACTIONS.setdefault("patrols.logcorrection.added", gettext_lazy("Correction added to a log"))

FINDING_KINDS = ("hazard", "dispute", "person_met", "help_given", "other")
FINDING_LABELS = {
    "hazard": gettext_lazy("Hazard"),
    "dispute": gettext_lazy("Dispute"),
    "person_met": gettext_lazy("Person met"),
    "help_given": gettext_lazy("Help given"),
    "other": gettext_lazy("Other"),
}


def may_review(actor: Any, log: PatrolLog) -> bool:
    """Whether the actor reviews this log: the team leader of its team, or the office.

    Reviewing is what a role does that may change logs *and* append corrections
    (roles.json: team leader, township office, administrator), through a grant covering the
    log's place (and team, for a team-narrowed grant). Patrol members may change their logs
    but never review them.
    """
    if getattr(actor, "is_superuser", False) and actor.is_active:
        return True
    path = log.jurisdiction.path
    for grant in user_grants(actor):
        role = grant.role
        if not (
            role.allows("patrols.patrollog", "change")
            and role.allows("patrols.logcorrection", "add")
        ):
            continue
        if role.is_global:
            return True
        if not path.startswith(grant.jurisdiction.path):
            continue
        if grant.team_id is not None and grant.team_id != log.team_id:
            continue
        return True
    return False


def _locked_log(log: PatrolLog, actor: Any) -> PatrolLog:
    """Re-read the log under a row lock, in the actor's change scope (404 otherwise), and
    refuse an actor who is not its reviewer."""
    found = get_for(PatrolLog, actor, log.pk, "change")
    locked = PatrolLog.objects.select_for_update().select_related("jurisdiction").get(pk=found.pk)
    if not may_review(actor, locked):
        raise PermissionDenied
    return locked


def log_url(log: PatrolLog) -> str:
    return reverse("patrol-log-detail", args=[log.pk])


def confirm_log(log: PatrolLog, *, actor: Any) -> PatrolLog:
    """The leader (or office) signs a submitted log off; from now on it is read-only."""
    with transaction.atomic():
        locked = _locked_log(log, actor)
        if locked.status != LogStatus.SUBMITTED:
            raise RecordInvalid(
                {
                    "status": [
                        _("Only a submitted log can be confirmed (this one is “%(status)s”).")
                        % {"status": locked.get_status_display()}
                    ]
                }
            )
        before = snapshot(locked)
        locked.status = LogStatus.CONFIRMED
        locked.confirmed_by = actor
        locked.confirmed_at = timezone.now()
        locked.version = F("version") + 1  # type: ignore[assignment]
        locked.save(update_fields=["status", "confirmed_by", "confirmed_at", "version"])
        tallies.refresh_duties([locked.duty_id])
        locked.refresh_from_db()
        record_event(
            "patrols.patrollog.confirmed",
            actor=actor,
            target=locked,
            before=before,
            after=snapshot(locked),
        )
        return locked


def return_log(log: PatrolLog, *, actor: Any, reason: str) -> PatrolLog:
    """Send a submitted log back to its author (open again) with the reason; the author is
    told after the commit."""
    reason = (reason or "").strip()
    if not reason:
        raise RecordInvalid({"reason": [_("Say what the author should put right.")]})
    with transaction.atomic():
        locked = _locked_log(log, actor)
        if locked.status != LogStatus.SUBMITTED:
            raise RecordInvalid(
                {
                    "status": [
                        _("Only a submitted log can be sent back (this one is “%(status)s”).")
                        % {"status": locked.get_status_display()}
                    ]
                }
            )
        before = snapshot(locked)
        locked.status = LogStatus.OPEN
        locked.version = F("version") + 1  # type: ignore[assignment]
        locked.save(update_fields=["status", "version"])
        tallies.refresh_duties([locked.duty_id])
        locked.refresh_from_db()
        record_event(
            "patrols.patrollog.returned",
            actor=actor,
            target=locked,
            before=before,
            after=snapshot(locked),
            reason=reason,
        )
        author = locked.author
        title = _("Your patrol log of %(when)s was sent back") % {
            "when": timezone.localtime(locked.started_at).strftime("%Y-%m-%d %H:%M")
        }
        link = log_url(locked)

        def tell_author() -> None:
            from shouwang.notify.services import notify

            notify([author], kind="patrols.log_returned", title=title, body=reason, link=link)

        transaction.on_commit(tell_author)
        return locked


def add_correction(log: PatrolLog, *, actor: Any, text: str) -> LogCorrection:
    """Append a correction to a confirmed log (the log itself never changes again)."""
    text = (text or "").strip()
    if not text:
        raise RecordInvalid({"text": [_("Write the correction.")]})
    with transaction.atomic():
        locked = _locked_log(log, actor)
        if locked.status != LogStatus.CONFIRMED:
            raise RecordInvalid(
                {
                    "status": [
                        _(
                            "Corrections are appended to confirmed logs only; "
                            "until then the log itself can be changed."
                        )
                    ]
                }
            )
        correction = LogCorrection(log=locked, text=text, author=actor)
        correction.full_clean()
        correction.save()
        record_event(
            "patrols.logcorrection.added",
            actor=actor,
            target=correction,
            parent=locked,
            after=snapshot(correction),
        )
        return correction


# -- a paper log entered by the office ----------------------------------------------------------


def record_log_from_office(*, actor: Any, data: Mapping[str, Any]) -> PatrolLog:
    """Enter a patrol log handed in on paper (villages without a phone); it arrives submitted,
    ready for the leader's confirmation.

    `data` is shaped like the phone's patrol_log (docs/field-sync.md): duty or team, post,
    route, place, method, started_at, ended_at, attendance, checklists, findings, publicity,
    notes. It goes through the same service as a phone upload (one validation, one audit
    event), under a fresh record id; rostered members not listed are recorded absent.
    """
    from shouwang.patrols import services

    outcome = services.save_patrol_log(
        actor=actor,
        uuid=str(uuid_lib.uuid4()),
        data={**data, "submit": True},
        base_version=None,
    )
    if outcome.status != services.SAVED or outcome.record is None:
        raise RecordInvalid(outcome.errors or {NON_FIELD: [outcome.message or _("Not saved.")]})
    return outcome.record  # type: ignore[no-any-return]
