"""Private calendar feeds: a member's published duties as iCalendar, issued and revoked."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import icalendar
import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.utils import timezone
from rostering_helpers import post, rule, small_team

from shouwang.core.models import AuditEvent
from shouwang.rostering import ics, services
from shouwang.rostering.models import CalendarFeed, DutyAssignment, Roster, RosterStatus

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
FAST = {"time_limit_s": 30, "seed": 0, "deterministic_time": 2.0}


def _next_month(months: int = 1) -> dt.date:
    first = timezone.localdate().replace(day=1)
    for _ in range(months):
        first = (first + dt.timedelta(days=32)).replace(day=1)
    return first


def _published(world: Any, team: Any, month: dt.date) -> Roster:
    roster = services.generate_draft_roster(actor=world.admin, team=team, month=month, **FAST)
    for to in (RosterStatus.REVIEWED, RosterStatus.PUBLISHED):
        roster = services.transition_roster(roster, to, actor=world.admin)
    return roster


@pytest.fixture
def planned(world: Any) -> dict[str, Any]:
    """A two-member team with a published roster next month and a draft the month after."""
    team, members = small_team(world, [["volunteer"], ["volunteer"]], name="日历测试队")
    gate = post(world, team, "中心校护学岗", start="16:00", minutes=40)
    rule(world, gate, head_count=1, lead_minutes=20)
    published = _published(world, team, _next_month(1))
    draft = services.generate_draft_roster(
        actor=world.admin, team=team, month=_next_month(2), **FAST
    )
    assert draft.status == RosterStatus.DRAFT
    member = members[0]
    rows = list(
        DutyAssignment.objects.filter(duty__roster=published, member=member)
        .select_related("duty__post")
        .order_by("duty__start")
    )
    assert rows, "the planner put the member on some duties"
    assert DutyAssignment.objects.filter(duty__roster=draft, member=member).exists()
    return {"team": team, "member": member, "rows": rows, "published": published, "draft": draft}


def _events(body: bytes) -> list[Any]:
    cal = icalendar.Calendar.from_ical(body)
    return [c for c in cal.walk() if c.name == "VEVENT"]


def test_feed_shows_the_members_published_duties(world: Any, planned: dict[str, Any]) -> None:
    member, rows = planned["member"], planned["rows"]
    _feed, path = services.issue_calendar_feed(actor=world.admin, member=member)
    assert path.startswith("/rostering/feeds/") and path.endswith(".ics")

    response = Client().get(path)  # no login: the token is the key
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=300"

    cal = icalendar.Calendar.from_ical(response.content)
    assert str(cal["X-WR-CALNAME"]).find(member.name) >= 0
    assert [c for c in cal.walk() if c.name == "VTIMEZONE"]
    events = _events(response.content)
    # Only the published roster: the draft of the month after is left out.
    assert len(events) == len(rows)
    assert {str(e["SUMMARY"]) for e in events} == {"中心校护学岗"}
    starts = sorted(e.decoded("DTSTART").astimezone(SHANGHAI) for e in events)
    assert starts == [a.duty.start.astimezone(SHANGHAI) for a in rows]
    assert all((s.hour, s.minute) == (15, 40) for s in starts)  # 16:00 less 20 minutes
    ends = sorted(e.decoded("DTEND").astimezone(SHANGHAI) for e in events)
    assert all((e.hour, e.minute) == (16, 40) for e in ends)
    uids = {str(e["UID"]) for e in events}
    assert uids == {f"duty-{a.duty_id}-member-{member.pk}@shouwang" for a in rows}
    first = min(events, key=lambda e: e.decoded("DTSTART"))
    assert str(first["LOCATION"]) == world.a.keyplace.name
    assert "20" in str(first["DESCRIPTION"])
    draft_months = {planned["draft"].month.month}
    assert not any(
        s.month in draft_months and s.year == planned["draft"].month.year for s in starts
    )

    # The same UIDs again on the next fetch: calendars update rather than duplicate.
    again = {str(e["UID"]) for e in _events(Client().get(path).content)}
    assert again == uids


def test_amended_roster_stays_in_the_feed(world: Any, planned: dict[str, Any]) -> None:
    services.transition_roster(
        planned["published"], RosterStatus.AMENDED, actor=world.admin, reason="调整"
    )
    _feed, path = services.issue_calendar_feed(actor=world.admin, member=planned["member"])
    assert len(_events(Client().get(path).content)) == len(planned["rows"])


def test_feed_reaches_sixty_days_back(world: Any, planned: dict[str, Any]) -> None:
    rows = planned["rows"]
    later = rows[-1].duty.end + dt.timedelta(days=ics.PAST_DAYS - 1)
    assert len(_events(ics.render_feed(planned["member"], now=later))) == 1
    much_later = rows[-1].duty.end + dt.timedelta(days=ics.PAST_DAYS + 1)
    assert _events(ics.render_feed(planned["member"], now=much_later)) == []


def test_only_the_digest_is_stored_and_issuing_is_audited(world: Any) -> None:
    member = world.a.member
    feed, path = services.issue_calendar_feed(actor=world.admin, member=member, name="手机")
    token = path.removeprefix("/rostering/feeds/").removesuffix(".ics")
    feed.refresh_from_db()
    assert feed.digest == CalendarFeed.hash(token) and token not in feed.digest
    assert feed.prefix == token[:12] and feed.name == "手机"
    row = CalendarFeed.objects.filter(pk=feed.pk).values().get()
    assert not any(token in str(v) for v in row.values())
    event = AuditEvent.objects.filter(code="rostering.calendarfeed.issued").latest("pk")
    assert event.target_id == str(feed.pk) and event.parent_id == str(member.pk)
    assert event.jurisdiction_path == member.jurisdiction.path
    assert token not in str(event.after) and token not in event.target_repr


def test_revoked_token_answers_like_an_unknown_one(world: Any) -> None:
    feed, path = services.issue_calendar_feed(actor=world.admin, member=world.a.member)
    client = Client()
    assert client.get(path).status_code == 200
    services.revoke_calendar_feed(actor=world.admin, feed=feed)
    assert CalendarFeed.objects.get(pk=feed.pk).revoked_at is not None
    event = AuditEvent.objects.filter(code="rostering.calendarfeed.revoked").latest("pk")
    assert event.target_id == str(feed.pk)
    revoked = client.get(path)
    unknown = client.get("/rostering/feeds/swcal_" + "x" * 43 + ".ics")
    assert revoked.status_code == unknown.status_code == 404
    assert revoked.content == unknown.content
    # Revoking twice changes nothing and writes no second event.
    count = AuditEvent.objects.filter(code="rostering.calendarfeed.revoked").count()
    services.revoke_calendar_feed(actor=world.admin, feed=feed)
    assert AuditEvent.objects.filter(code="rostering.calendarfeed.revoked").count() == count


def test_scope_decides_who_may_issue(world: Any, login: Any) -> None:
    office = world.users["township_staff"]
    b_member = world.b.member
    with pytest.raises(Http404):
        services.issue_calendar_feed(actor=office, member=b_member)
    assert login("township_staff").post(f"/rostering/members/{b_member.pk}/feeds/").status_code == (
        404
    )
    assert login("township_staff").get(f"/rostering/members/{b_member.pk}/feeds/").status_code == (
        404
    )
    assert not CalendarFeed.objects.filter(member=b_member).exists()
    # Viewers of the member may not issue feeds.
    with pytest.raises(PermissionDenied):
        services.issue_calendar_feed(actor=world.users["patrol_member"], member=world.a.member)
    response = login("patrol_member").post(f"/rostering/members/{world.a.member.pk}/feeds/")
    assert response.status_code == 403
    # The office may; and may not revoke a feed of side B.
    feed, _path = services.issue_calendar_feed(actor=office, member=world.a.member)
    b_feed, _b_path = services.issue_calendar_feed(actor=world.admin, member=b_member)
    with pytest.raises(Http404):
        services.revoke_calendar_feed(actor=office, feed=b_feed)
    response = login("township_staff").post(f"/rostering/feeds/{b_feed.pk}/revoke/")
    assert response.status_code == 404
    assert CalendarFeed.objects.get(pk=b_feed.pk).revoked_at is None
    assert feed.revoked_at is None


def test_feeds_page_shows_the_address_once(world: Any, login: Any) -> None:
    client = login("township_staff")
    member = world.a.member
    url = f"/rostering/members/{member.pk}/feeds/"
    page = client.get(url)
    assert page.status_code == 200 and page.context["can_manage"]
    response = client.post(url, {"name": "我的手机"})
    assert response.status_code == 200
    new_url = response.context["new_url"]
    assert new_url.startswith("http://testserver/rostering/feeds/") and new_url.endswith(".ics")
    assert new_url in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    token = new_url.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(member=member)
    assert feed.name == "我的手机"
    listed = client.get(url)
    assert token not in listed.content.decode() and feed.prefix in listed.content.decode()

    revoked = client.post(f"/rostering/feeds/{feed.pk}/revoke/")
    assert revoked.status_code == 302 and revoked["Location"] == url
    assert CalendarFeed.objects.get(pk=feed.pk).revoked_at is not None
    assert Client().get(new_url.removeprefix("http://testserver")).status_code == 404
    # Requires sign-in.
    assert Client().get(url).status_code == 302


def test_roster_grid_links_members_to_their_feeds(world: Any, login: Any) -> None:
    grid = world.a.roster.month_grid()
    assert all("member_pk" in row for row in grid["rows"])
    page = login("township_staff").get(f"/r/rosters/{world.a.roster.pk}/")
    assert f"/rostering/members/{world.a.member.pk}/feeds/" in page.content.decode()
