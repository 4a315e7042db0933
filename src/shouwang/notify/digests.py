"""Scheduled messages: tomorrow's duty reminder and the daily summary to the work group.

Both are idempotent: every message carries a dedupe key made of what it is about and the day,
so a job that runs twice (a second beat, a manual run from the CLI) writes nothing new.
Messages are written in the site language (settings.LANGUAGE_CODE, Chinese by default).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shouwang.core.models import Jurisdiction
from shouwang.notify import delivery as outbox
from shouwang.notify.models import Channel, Topic

_log = logging.getLogger(__name__)

REMINDER_KIND = "notify.duty_reminder"
SUMMARY_KIND = "notify.daily_summary"
VISITS_KIND = "notify.visit_overdue"


@dataclass
class ReminderResult:
    """What one run of the duty reminder wrote (new rows only)."""

    day: dt.date
    dry_run: bool = False
    members: int = 0
    notifications: int = 0
    emails: int = 0
    team_messages: int = 0

    def counts(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "dry_run": self.dry_run,
            "members": self.members,
            "notifications": self.notifications,
            "emails": self.emails,
            "team_messages": self.team_messages,
        }


def _span(start: dt.datetime, end: dt.datetime) -> str:
    return f"{timezone.localtime(start):%H:%M}–{timezone.localtime(end):%H:%M}"


def remind_tomorrows_duties(
    today: dt.date | None = None, *, dry_run: bool = False
) -> ReminderResult:
    """每日值班提醒: each member on a published duty tomorrow gets one inbox message (and an
    e-mail if the member's login has an address) listing their duties; each team's channels
    get one list of tomorrow's duties and who is on them. With ``dry_run`` the counts say
    what would be written, and nothing is."""
    from shouwang.notify.services import notify
    from shouwang.rostering.models import DutyAssignment
    from shouwang.rostering.replan import PUBLISHED_STATES, my_duties_path

    today = today or timezone.localdate()
    day = today + dt.timedelta(days=1)
    result = ReminderResult(day=day, dry_run=dry_run)
    rows = (
        DutyAssignment.objects.filter(duty__date=day, duty__roster__status__in=PUBLISHED_STATES)
        .select_related("duty__post", "duty__roster__team__jurisdiction", "member__user")
        .order_by("duty__roster__team_id", "duty__start", "duty__post__name", "member__name")
    )
    per_member: dict[int, list[Any]] = defaultdict(list)
    per_team: dict[int, list[Any]] = defaultdict(list)
    for a in rows:
        per_member[a.member_id].append(a)
        per_team[a.duty.roster.team_id].append(a)
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        link = my_duties_path()
        for assignments in per_member.values():
            member = assignments[0].member
            result.members += 1
            lines = [f"{_span(a.duty.start, a.duty.end)} {a.duty.post.name}" for a in assignments]
            title = _("Duty tomorrow (%(date)s)") % {"date": f"{day:%Y-%m-%d}"}
            body = "\n".join(lines)
            key = f"{REMINDER_KIND}:{day.isoformat()}"
            if member.user is not None and member.user.is_active:
                made = notify(
                    [member.user],
                    kind=REMINDER_KIND,
                    title=title,
                    body=body,
                    link=link,
                    outbound=False,
                    dedupe_key=key,
                )
                result.notifications += len(made)
                result.emails += outbox.enqueue_email(
                    user=member.user,
                    kind=REMINDER_KIND,
                    title=title,
                    body=f"{member.name}：\n{body}",
                    dedupe_key=key,
                    jurisdiction=assignments[0].duty.roster.team.jurisdiction,
                )
        for team_pk, assignments in per_team.items():
            team = assignments[0].duty.roster.team
            by_duty: dict[int, list[Any]] = defaultdict(list)
            for a in assignments:
                by_duty[a.duty_id].append(a)
            lines = [
                f"{_span(items[0].duty.start, items[0].duty.end)} {items[0].duty.post.name}："
                + "、".join(i.member.name for i in items)
                for items in by_duty.values()
            ]
            result.team_messages += outbox.enqueue(
                kind=REMINDER_KIND,
                title=_("%(team)s: duties on %(date)s")
                % {"team": team.name, "date": f"{day:%Y-%m-%d}"},
                body="\n".join(lines),
                jurisdiction=team.jurisdiction,
                dedupe_key=f"{REMINDER_KIND}:team{team_pk}:{day.isoformat()}",
            )
        if dry_run:
            transaction.set_rollback(True)
    return result


# -- the daily summary -------------------------------------------------------------------------


@dataclass
class SummaryResult:
    day: dt.date
    dry_run: bool = False
    messages: int = 0
    channels: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "dry_run": self.dry_run, "messages": self.messages}


def _local_range(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def _within(model: type[models.Model], path: str | None) -> Any:
    """All rows of `model`, narrowed to a jurisdiction subtree (its scope_path) if given."""
    qs = model._default_manager.all()
    if path:
        qs = qs.filter(**{f"{model.scope_path}__startswith": path})  # type: ignore[attr-defined]
    return qs


def _optional_model(label: str) -> type[models.Model] | None:
    """A model of an app that may not be installed (or not have that model) yet."""
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def summary_lines(day: dt.date, jurisdiction: Jurisdiction | None) -> list[str]:
    """The figures of `day` for a jurisdiction's subtree (the whole database without one)."""
    from shouwang.hazards.models import Hazard
    from shouwang.patrols.models import LogStatus, MissedDuty, PatrolLog

    path = jurisdiction.path if jurisdiction is not None else None
    start, end = _local_range(day)
    today = day + dt.timedelta(days=1)
    logs = _within(PatrolLog, path).filter(started_at__gte=start, started_at__lt=end)
    handed_in = logs.exclude(status=LogStatus.OPEN).count()
    missed = _within(MissedDuty, path)
    hazards = _within(Hazard, path)
    lines = [
        _("Patrol logs handed in: %(n)d (still open: %(open)d)")
        % {"n": handed_in, "open": logs.filter(status=LogStatus.OPEN).count()},
        _("Missed duties: %(new)d new, %(open)d not closed")
        % {
            "new": missed.filter(duty__date=day).count(),
            "open": missed.filter(closed_at__isnull=True).count(),
        },
        _("Hazards: %(found)d found, %(closed)d closed, %(overdue)d overdue")
        % {
            "found": hazards.filter(found_at__gte=start, found_at__lt=end).count(),
            "closed": hazards.filter(closed_at__gte=start, closed_at__lt=end).count(),
            "overdue": hazards.overdue(today).count(),  # type: ignore[attr-defined]
        },
    ]
    dispute = _optional_model("disputes.Dispute")
    if dispute is not None:
        try:
            open_statuses = importlib.import_module("shouwang.disputes.models").OPEN_STATUSES
            disputes = _within(dispute, path)
            lines.append(
                _("Disputes: %(new)d registered, %(open)d open, %(overdue)d overdue")
                % {
                    "new": disputes.filter(registered_on=day).count(),
                    "open": disputes.filter(status__in=open_statuses).count(),
                    "overdue": disputes.overdue(today).count(),
                }
            )
        except Exception:  # another app's model changing under us must not stop the summary
            _log.warning("dispute figures left out of the daily summary", exc_info=True)
    return lines


def overdue_visits(day: dt.date, jurisdiction: Jurisdiction | None) -> int | None:
    """How many people of concern are past their visit date (a count only: nothing that
    identifies anyone leaves the system); None without the register."""
    person = _optional_model("concerns.PersonOfConcern")
    if person is None:
        return None
    try:
        qs = _within(person, jurisdiction.path if jurisdiction is not None else None)
        return int(qs.overdue(day + dt.timedelta(days=1)).count())
    except Exception:
        _log.warning("overdue visits left out of the daily summary", exc_info=True)
        return None


def _summary_channels(topic: str) -> list[Channel]:
    channels = list(
        Channel.objects.filter(active=True, system_key="")
        .filter(models.Q(receives_all=True) | models.Q(**{f"receives_{topic}": True}))
        .select_related("jurisdiction")
        .order_by("pk")
    )
    glob = outbox.global_channel()
    return [*channels, *([glob] if glob is not None else [])]


def send_daily_summary(day: dt.date | None = None, *, dry_run: bool = False) -> SummaryResult:
    """每日工作简报: yesterday's figures (patrol logs, missed duties, hazards, disputes) to each
    channel that receives the daily summary, for that channel's jurisdiction; and to channels
    that receive overdue visits, the count of people whose visit is overdue. With ``dry_run``
    the counts say what would be written, and nothing is."""
    day = day or timezone.localdate() - dt.timedelta(days=1)
    result = SummaryResult(day=day, dry_run=dry_run)
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        for channel in _summary_channels(Topic.DAILY_SUMMARY):
            place = channel.jurisdiction
            title = _("Daily summary %(date)s, %(place)s") % {
                "date": f"{day:%Y-%m-%d}",
                "place": place.name if place is not None else _("all jurisdictions"),
            }
            written = outbox.enqueue(
                kind=SUMMARY_KIND,
                title=title,
                body="\n".join(summary_lines(day, place)),
                dedupe_key=f"{SUMMARY_KIND}:{day.isoformat()}",
                channels=[channel],
            )
            result.messages += written
            if written:
                result.channels.append(channel.pk)
        for channel in _summary_channels(Topic.VISIT_OVERDUE):
            place = channel.jurisdiction
            count = overdue_visits(day, place)
            if not count:
                continue
            result.messages += outbox.enqueue(
                kind=VISITS_KIND,
                title=_("Visits overdue: %(n)d people of concern") % {"n": count},
                body=_("See the register of people of concern (filter: overdue)."),
                dedupe_key=f"{VISITS_KIND}:{day.isoformat()}",
                channels=[channel],
            )
        if dry_run:
            transaction.set_rollback(True)
    return result
