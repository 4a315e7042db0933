"""Scheduled messages: tomorrow's duty reminder (inbox, e-mail over real SMTP, one list per
team channel) and the daily summary; both idempotent when they run twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import PASSWORD, create_record
from django.conf import settings as django_settings
from django.utils import timezone, translation
from notify_fakes import Robot, SmtpSink, running_robot, running_smtp

from shouwang.core import services as core
from shouwang.forces.models import Member
from shouwang.hazards.models import Hazard
from shouwang.notify import delivery as outbox
from shouwang.notify import digests, services
from shouwang.notify.models import Channel, Delivery, DeliveryStatus, Notification
from shouwang.rostering.models import Duty, DutyAssignment, Roster, RosterStatus

TODAY = dt.date(2026, 12, 7)
TOMORROW = TODAY + dt.timedelta(days=1)


@pytest.fixture
def robot() -> Iterator[Robot]:
    with running_robot() as robot:
        yield robot


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpSink]:
    with running_smtp(settings) as sink:
        yield sink


@pytest.fixture(autouse=True)
def _quiet(settings: Any) -> None:
    settings.SHOUWANG_WEBHOOK_URL = ""


def _channel(world: Any, side: str, url: str, **extra: Any) -> Channel:
    data = {
        "name": f"{side}值班群{Channel.objects.count()}",
        "jurisdiction": world.sides[side].township.pk,
        "kind": "wecom_robot",
        "webhook_url": url,
        "receives_duty_reminder": True,
        "receives_daily_summary": True,
        "active": True,
        **extra,
    }
    return services.create_channel(actor=world.admin, data=data)


def _duties_tomorrow(world: Any) -> tuple[list[Any], list[Member]]:
    """Two members of team A (one with an e-mail address, one without a login) on two
    duties of tomorrow in a published roster; a draft roster's duty is never reminded."""
    a = world.a
    with_mail = create_record("members", world, "A", n=41)
    no_login = create_record("members", world, "A", n=42)
    user = core.create_user(
        actor=world.admin,
        username="duty_mail",
        password=PASSWORD,
        full_name="王队员",
        email="wang@example.org",
    )
    Member.objects.filter(pk=with_mail.pk).update(user=user)
    roster = Roster.objects.create(team=a.team, month=TOMORROW.replace(day=1))
    Roster.objects.filter(pk=roster.pk).update(status=RosterStatus.PUBLISHED)
    tz = timezone.get_current_timezone()
    duties = []
    for hour in (8, 20):
        start = dt.datetime.combine(TOMORROW, dt.time(hour), tzinfo=tz)
        duty = Duty.objects.create(
            roster=roster,
            post=a.post,
            date=TOMORROW,
            start=start,
            end=start + dt.timedelta(hours=4),
        )
        duties.append(duty)
        DutyAssignment.objects.create(duty=duty, member=with_mail)
    DutyAssignment.objects.create(duty=duties[0], member=no_login)
    # A draft roster of another team-month: not binding, nobody is reminded of it.
    draft = Roster.objects.create(team=a.policy_team, month=TOMORROW.replace(day=1))
    start = dt.datetime.combine(TOMORROW, dt.time(9), tzinfo=tz)
    DutyAssignment.objects.create(
        duty=Duty.objects.create(
            roster=draft, post=a.post, date=TOMORROW, start=start, end=start + dt.timedelta(hours=2)
        ),
        member=no_login,
    )
    return duties, [with_mail, no_login]


def test_duty_reminder_once_per_member_and_channel(
    world: Any, robot: Robot, smtp: SmtpSink
) -> None:
    _duties, (with_mail, no_login) = _duties_tomorrow(world)
    team_channel = _channel(world, "A", robot.url)
    _channel(world, "B", robot.url)  # another county's group hears nothing of team A
    preview = digests.remind_tomorrows_duties(today=TODAY, dry_run=True)
    assert (
        not Delivery.objects.exists()
        and not Notification.objects.filter(kind=digests.REMINDER_KIND).exists()
    )
    first = digests.remind_tomorrows_duties(today=TODAY)
    assert {**preview.counts(), "dry_run": False} == first.counts()
    again = digests.remind_tomorrows_duties(today=TODAY)
    assert first.counts() == {
        "day": TOMORROW.isoformat(),
        "dry_run": False,
        "members": 2,
        "notifications": 1,
        "emails": 1,
        "team_messages": 1,
    }
    assert again.notifications == again.emails == again.team_messages == 0
    user = Member.objects.get(pk=with_mail.pk).user
    inbox = Notification.objects.get(recipient=user, kind=digests.REMINDER_KIND)
    assert "08:00–12:00" in inbox.body and "20:00–00:00" in inbox.body
    deliveries = Delivery.objects.order_by("pk")
    assert [(d.transport, d.channel_id) for d in deliveries] == [
        ("email", None),
        ("wecom_robot", team_channel.pk),
    ]
    result = outbox.send_due_deliveries()
    assert len(result.sent) == 2
    outbox.send_due_deliveries()  # a second drain sends nothing again
    (mail,) = smtp.mails
    assert mail.recipients == ["wang@example.org"]
    assert TOMORROW.strftime("%Y-%m-%d") in mail.subject
    assert "20:00–00:00" in mail.text()
    (text,) = robot.texts()
    # One list for the team: each duty with who is on it.
    assert with_mail.name in text and no_login.name in text
    assert text.count("08:00–12:00") == 1
    assert world.a.team.name in text


def test_reminder_subject_reaches_the_smtp_sink_as_written(world: Any, smtp: SmtpSink) -> None:
    with translation.override(django_settings.LANGUAGE_CODE):
        _duties_tomorrow(world)
        digests.remind_tomorrows_duties(today=TODAY)
        outbox.send_due_deliveries()
    (mail,) = smtp.mails
    subject = Delivery.objects.get(transport="email").subject
    assert mail.subject == subject
    assert mail.message.get_content_charset() == "utf-8"


def test_daily_summary_per_channel_once(world: Any, robot: Robot) -> None:
    day = dt.date(2026, 11, 20)  # the world's hazards were found that day: move B's away
    Hazard.objects.filter(pk=world.b.hazard.pk).update(found_at=timezone.now())
    a_channel = _channel(world, "A", robot.url)
    b_channel = _channel(world, "B", robot.url, receives_daily_summary=False, receives_all=True)
    _channel(world, "A", robot.url, receives_daily_summary=False)
    assert digests.send_daily_summary(day, dry_run=True).messages == 2
    assert not Delivery.objects.exists()
    first = digests.send_daily_summary(day)
    assert digests.send_daily_summary(day).messages == 0
    assert first.messages == 2 and first.channels == [a_channel.pk, b_channel.pk]
    with translation.override(django_settings.LANGUAGE_CODE):
        a_lines = digests.summary_lines(day, world.a.township)
        b_lines = digests.summary_lines(day, world.b.township)
    texts = {d.channel_id: d.text for d in Delivery.objects.all()}
    assert "\n".join(a_lines) in texts[a_channel.pk]
    assert "\n".join(b_lines) in texts[b_channel.pk]
    assert world.a.township.name in texts[a_channel.pk]
    assert a_lines != b_lines  # side A's hazard of that day counts for A only
    outbox.send_due_deliveries()
    assert len(robot.calls) == 2
    assert not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists()


def test_overdue_visits_go_out_as_a_count_only(world: Any, robot: Robot, monkeypatch: Any) -> None:
    monkeypatch.setattr(digests, "overdue_visits", lambda day, place: 3)
    _channel(world, "A", robot.url, receives_daily_summary=False, receives_visit_overdue=True)
    result = digests.send_daily_summary(dt.date(2026, 12, 1))
    (delivery,) = Delivery.objects.all()
    assert result.messages == 1 and delivery.kind == digests.VISITS_KIND
    assert "3" in delivery.subject


def test_overdue_visits_counts_the_register(world: Any) -> None:
    count = digests.overdue_visits(dt.date(2026, 12, 1), world.a.township)
    assert count == 0


def test_roster_published_reaches_the_teams_township_channel(world: Any) -> None:
    from shouwang.rostering import replan

    duties, _members = _duties_tomorrow(world)
    channel = _channel(
        world, "A", "http://127.0.0.1:9/cgi-bin/webhook/send?key=r", receives_roster=True
    )
    _channel(world, "A", "http://127.0.0.1:9/cgi-bin/webhook/send?key=s", receives_roster=False)
    replan.notify_published(duties[0].roster)
    (delivery,) = Delivery.objects.all()
    assert delivery.channel == channel and delivery.kind == "roster.published"
    assert delivery.jurisdiction == world.a.township
