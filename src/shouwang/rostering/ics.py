"""The iCalendar (RFC 5545) feed of one member's duties, for phone calendars to subscribe to.

One VEVENT per assignment of the member in a published or amended roster (drafts and rosters
under review are left out), from 60 days back on. Times carry the Asia/Shanghai zone with its
VTIMEZONE; each event's UID is stable per duty and member, so calendars update events in
place when a roster is amended.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.rostering.models import DutyAssignment, RosterStatus

#: How far back the feed reaches; everything ahead is included.
PAST_DAYS = 60
#: Roster statuses whose duties are shown to members.
FEED_STATUSES = (RosterStatus.PUBLISHED, RosterStatus.AMENDED)
PRODID = "-//Shouwang//Duty roster//EN"
UID_DOMAIN = "shouwang"


def feed_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE or "Asia/Shanghai")


def event_uid(duty_pk: int, member_pk: int) -> str:
    return f"duty-{duty_pk}-member-{member_pk}@{UID_DOMAIN}"


def assignments_for(member: Any, *, now: dt.datetime | None = None) -> list[DutyAssignment]:
    """The member's assignments the feed shows, in time order."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=PAST_DAYS)
    return list(
        DutyAssignment.objects.filter(
            member=member, duty__roster__status__in=FEED_STATUSES, duty__end__gte=since
        )
        .select_related(
            "duty__rule",
            "duty__post__key_place",
            "duty__post__route",
            "duty__post__segment",
            "duty__post__zone",
            "duty__roster__team",
        )
        .order_by("duty__start", "duty__pk")
    )


def location_of(post: Any) -> str:
    """Where the member goes: the post's key place, else route, segment or zone."""
    for place in (post.key_place, post.route, post.segment, post.zone):
        if place is not None:
            return str(place.name)
    return ""


def lead_of(duty: Any) -> int:
    """Minutes the member is on post before the duty's window (the duty starts that early)."""
    if duty.rule is not None:
        return int(duty.rule.effective_lead())
    return int(duty.post.lead_minutes or 0)


def description_of(assignment: DutyAssignment, zone: dt.tzinfo) -> str:
    duty = assignment.duty
    lines = [str(duty.roster.team.name)]
    lead = lead_of(duty)
    if lead:
        begins = (duty.start + dt.timedelta(minutes=lead)).astimezone(zone)
        lines.append(
            _("Be on post %(minutes)s minutes early; the duty itself begins at %(time)s.")
            % {"minutes": lead, "time": begins.strftime("%H:%M")}
        )
    if duty.post.note:
        lines.append(str(duty.post.note))
    return "\n".join(lines)


def build_calendar(member: Any, *, now: dt.datetime | None = None) -> icalendar.Calendar:
    """The member's duties as an iCalendar object (see the module docstring)."""
    now = now or timezone.now()
    # icalendar 6+ writes the VTIMEZONE itself; older releases get UTC times instead.
    with_vtimezone = hasattr(icalendar.Calendar, "add_missing_timezones")
    zone: dt.tzinfo = feed_zone() if with_vtimezone else dt.UTC
    stamp = now.astimezone(dt.UTC).replace(microsecond=0)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("Duties of %(name)s") % {"name": member.name})
    cal.add("x-wr-timezone", feed_zone().key)
    cal.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for assignment in assignments_for(member, now=now):
        duty = assignment.duty
        event = icalendar.Event()
        event.add("uid", event_uid(duty.pk, member.pk))
        event.add("dtstamp", stamp)
        event.add("dtstart", duty.start.astimezone(zone).replace(microsecond=0))
        event.add("dtend", duty.end.astimezone(zone).replace(microsecond=0))
        event.add("summary", str(duty.post.name))
        location = location_of(duty.post)
        if location:
            event.add("location", location)
        event.add("description", description_of(assignment, feed_zone()))
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    if with_vtimezone:
        since = (now - dt.timedelta(days=PAST_DAYS)).date()
        cal.add_missing_timezones(first_date=since)
    return cal


def render_feed(member: Any, *, now: dt.datetime | None = None) -> bytes:
    return bytes(build_calendar(member, now=now).to_ical())
