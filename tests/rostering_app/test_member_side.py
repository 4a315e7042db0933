"""The members' side of planning, end to end through `generate_draft_roster`: one test per
rule kind (leave, caps, hours, post caps, runs, weekends, night→early, home zone, fairness)
and one showing that the office's weights change the roster."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict
from typing import Any

from conftest import make_payload
from rostering_helpers import post, rule, small_team

from shouwang.areas import services as areas
from shouwang.core import services as core
from shouwang.forces import services as forces
from shouwang.forces.models import Member
from shouwang.rostering import services
from shouwang.rostering.models import DutyAssignment, Roster

MONTH = dt.date(2026, 11, 1)  # a Sunday; no statutory holiday in November 2026
FAST = {"time_limit_s": 30, "seed": 0, "deterministic_time": 2.0}
# The weekends of November 2026, as the solver groups them.
WEEKENDS = [
    {dt.date(2026, 11, 1)},
    {dt.date(2026, 11, 7), dt.date(2026, 11, 8)},
    {dt.date(2026, 11, 14), dt.date(2026, 11, 15)},
    {dt.date(2026, 11, 21), dt.date(2026, 11, 22)},
    {dt.date(2026, 11, 28), dt.date(2026, 11, 29)},
]


def plan(world: Any, team: Any, month: dt.date = MONTH) -> Roster:
    return services.generate_draft_roster(actor=world.admin, team=team, month=month, **FAST)


def duties(roster: Roster) -> dict[int, list[tuple[dt.date, int]]]:
    """Member pk → (date, rule pk) of each assignment, by date."""
    out: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    rows = DutyAssignment.objects.filter(duty__roster=roster).select_related("duty")
    for a in rows.order_by("duty__date"):
        out[a.member_id].append((a.duty.date, a.duty.rule_id))
    return out


def dates(roster: Roster, member: Member) -> list[dt.date]:
    return [d for d, _rule in duties(roster)[member.pk]]


def limits(world: Any, member: Member, **values: Any) -> Member:
    return forces.update_member(member, actor=world.admin, data=values)


def policy(world: Any, team: Any, **values: Any) -> Any:
    return forces.create_planning_policy(actor=world.admin, data={"team": team.pk, **values})


def runs(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """(first, last) of each run of consecutive dates."""
    out: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if out and out[-1][1] == day - dt.timedelta(days=1):
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def length(run: tuple[dt.date, dt.date]) -> int:
    return (run[1] - run[0]).days + 1


def iso_weeks(days: list[dt.date]) -> Counter[tuple[int, int]]:
    return Counter(d.isocalendar()[:2] for d in days)


def daily_team(world: Any, count: int, name: str, minutes: int = 60) -> tuple[Any, list[Any]]:
    team, members = small_team(world, [["volunteer"]] * count, name=name)
    rule(world, post(world, team, f"{name}岗", start="09:00", minutes=minutes))
    return team, members


def test_approved_leave_keeps_the_member_off_those_days(world: Any) -> None:
    team, (member,) = daily_team(world, 1, "请假队")
    forces.create_absence(
        actor=world.admin,
        data={
            "member": member.pk,
            "kind": "leave",
            "start_date": "2026-11-10",
            "end_date": "2026-11-12",
            "reason": "探亲",
        },
    )
    # A leave the leader has not approved yet does not count.
    forces.create_absence(
        actor=world.admin,
        data={
            "member": member.pk,
            "kind": "training",
            "start_date": "2026-11-20",
            "end_date": "2026-11-20",
            "status": "requested",
        },
    )
    roster = plan(world, team)
    worked = set(dates(roster, member))
    leave = {dt.date(2026, 11, d) for d in (10, 11, 12)}
    assert not worked & leave
    assert dt.date(2026, 11, 20) in worked
    assert len(worked) == 27
    assert sorted(n["date"] for n in roster.uncovered) == sorted(d.isoformat() for d in leave)
    assert all(n["reasons"][0]["rules"] == ["day_off"] for n in roster.uncovered)


def test_weekly_caps_by_employment_type_and_by_member(world: Any) -> None:
    team, (capped, own) = daily_team(world, 2, "周上限队")
    policy(world, team, volunteer_max_per_week=2)
    limits(world, own, max_duties_per_week=4)  # the member's own value wins
    roster = plan(world, team)
    assert max(iso_weeks(dates(roster, capped)).values()) <= 2
    assert max(iso_weeks(dates(roster, own)).values()) <= 4
    # Nov 1 and Nov 30 are weeks of one day; the four full weeks give 2 + 4 each.
    assert len(dates(roster, capped)) + len(dates(roster, own)) == 1 + 4 * 6 + 1
    assert max(iso_weeks(dates(roster, own)).values()) == 4


def test_monthly_caps_by_employment_type_and_by_member(world: Any) -> None:
    team, (capped, own) = daily_team(world, 2, "月上限队")
    policy(world, team, volunteer_max_per_month=8)
    limits(world, own, max_duties_per_month=12)
    roster = plan(world, team)
    assert len(dates(roster, capped)) == 8
    assert len(dates(roster, own)) == 12
    assert len(roster.uncovered) == 30 - 20


def test_minimum_and_maximum_duty_hours(world: Any) -> None:
    team, (keen, short) = daily_team(world, 2, "工时队", minutes=120)
    limits(world, keen, min_duty_hours_per_month=40)  # at least 20 two-hour duties
    limits(world, short, max_duty_hours_per_month=10)  # at most 5
    roster = plan(world, team)
    assert len(dates(roster, keen)) >= 20
    assert len(dates(roster, short)) <= 5
    assert roster.uncovered == []


def test_post_cap_zero_means_never_and_a_cap_limits(world: Any) -> None:
    team, (never, some) = daily_team(world, 2, "岗位上限队")
    the_post = team.posts.get()
    for member, cap in ((never, 0), (some, 20)):
        forces.create_member_post_cap(
            actor=world.admin, data={"member": member.pk, "post": the_post.pk, "max_per_month": cap}
        )
    roster = plan(world, team)
    assert dates(roster, never) == []
    assert len(dates(roster, some)) == 20
    assert len(roster.uncovered) == 10


def test_maximum_consecutive_duty_days(world: Any) -> None:
    team, (member,) = daily_team(world, 1, "连班上限队")
    limits(world, member, max_consecutive_duty_days=3)
    roster = plan(world, team)
    worked = dates(roster, member)
    assert max(length(r) for r in runs(worked)) <= 3
    assert len(worked) == 7 * 3 + 2  # three on, one off, as often as a 30-day month allows


def test_team_default_applies_to_members_without_their_own_value(world: Any) -> None:
    team, (member, own) = daily_team(world, 2, "队默认队")
    policy(world, team, max_consecutive_duty_days=2)
    limits(world, own, max_consecutive_duty_days=30, max_duties_per_month=5)
    roster = plan(world, team)
    worked = dates(roster, member)
    assert max(length(r) for r in runs(worked)) <= 2
    assert len(worked) == 20  # two on, one off
    assert len(dates(roster, own)) == 5


def test_minimum_consecutive_duty_days(world: Any) -> None:
    team, (member, helper) = daily_team(world, 2, "连班下限队")
    limits(world, member, min_consecutive_duty_days=4)
    limits(world, helper, max_duties_per_month=10)  # so the member must work 20 days
    roster = plan(world, team)
    worked = dates(roster, member)
    assert len(worked) >= 20
    first, last = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    # A run touching the month's edges may continue outside it; every other is long enough.
    inner = [r for r in runs(worked) if r[0] != first and r[1] != last]
    assert all(length(r) >= 4 for r in inner)


def test_minimum_run_of_days_off(world: Any) -> None:
    team, (member, helper) = daily_team(world, 2, "连休队")
    limits(world, member, min_consecutive_days_off=3)
    limits(world, helper, max_duties_per_month=12)  # the member works at least 18 days
    roster = plan(world, team)
    worked = dates(roster, member)
    assert len(worked) >= 18
    spans = runs(worked)
    gaps = [(a[1], b[0]) for a, b in itertools.pairwise(spans)]
    assert gaps, "the member should have some days off inside the month"
    assert all((nxt - prev).days - 1 >= 3 for prev, nxt in gaps)


def test_weekends_worked_are_capped(world: Any) -> None:
    team, (member,) = daily_team(world, 1, "周末上限队")
    limits(world, member, max_weekends_per_month=1)
    roster = plan(world, team)
    worked = set(dates(roster, member))
    assert sum(1 for weekend in WEEKENDS if weekend & worked) == 1
    # Every weekday and one whole two-day weekend.
    assert len(worked) == 21 + 2


def test_no_early_duty_the_day_after_a_night_duty(world: Any) -> None:
    team, (member,) = small_team(world, [["volunteer"]], name="夜早队")
    night = rule(
        world,
        post(world, team, "夜巡岗", start="20:00", minutes=120),
        recurrence="weekdays",
        weekdays=[1],
    )
    early = rule(
        world,
        post(world, team, "早巡岗", start="06:00", minutes=60),
        recurrence="weekdays",
        weekdays=[2],
    )
    roster = plan(world, team)  # no policy: night → early is forbidden by default
    worked = dict(duties(roster)[member.pk])
    for day, rule_pk in worked.items():
        if rule_pk == night.pk:
            assert worked.get(day + dt.timedelta(days=1)) != early.pk
    # Four Monday-night / Tuesday-early pairs in November: one of each stays open.
    assert len(worked) == 9 - 4
    assert {tuple(n["reasons"][0]["rules"]) for n in roster.uncovered} == {
        ("forbidden_succession",)
    }

    # The office may allow it (8 hours of rest still hold: 22:00 → 06:00).
    policy(world, team, forbid_night_then_early=False)
    roster = plan(world, team)
    assert len(duties(roster)[member.pk]) == 9
    assert roster.uncovered == []


def test_the_policy_sets_the_minimum_rest(world: Any) -> None:
    team, (member,) = small_team(world, [["volunteer"]], name="休息队")
    rule(
        world,
        post(world, team, "晚岗", start="18:00", minutes=120),
        recurrence="weekdays",
        weekdays=[1],
    )
    rule(
        world,
        post(world, team, "晨岗", start="07:00", minutes=60),
        recurrence="weekdays",
        weekdays=[2],
    )
    # 20:00 → 07:00 is 11 hours: enough by default (8 hours) …
    assert len(duties(plan(world, team))[member.pk]) == 9
    # … not under the team's 12 hours: one duty of each Monday/Tuesday pair stays open.
    policy(world, team, min_rest_hours=12)
    roster = plan(world, team)
    assert len(duties(roster)[member.pk]) == 9 - 4
    assert len(roster.uncovered) == 4


def _second_zone(world: Any) -> tuple[Any, Any]:
    a = world.a
    village = core.create_jurisdiction(
        actor=world.admin,
        data={
            "name": "甲二村",
            "level": "village",
            "stat_division_code": "500230209201",
            "parent": a.township.pk,
            "urban_rural_code": "220",
        },
    )
    payload = make_payload("zones", world, "A", n=70)
    payload.update({"name": "甲二村片区", "villages": [village.pk]})
    zone = areas.create_zone(actor=world.admin, data=payload)
    return village, zone


def _zone_post(world: Any, team: Any, zone: Any, name: str) -> Any:
    data = {
        "name": name,
        "kind": post(world, team, name + "（样）").kind_id,
        "jurisdiction": world.a.township.pk,
        "team": team.pk,
        "zone": zone.pk,
        "start_time": "09:00",
        "duration_minutes": 60,
        "lead_minutes": 0,
    }
    return areas.create_post(actor=world.admin, data=data)


def test_members_are_planned_in_their_home_zone(world: Any) -> None:
    team, (local, other) = small_team(world, [["volunteer"], ["volunteer"]], name="本片队")
    village, zone = _second_zone(world)
    limits(world, other, home_village=village.pk)
    here = rule(world, post(world, team, "甲片岗", start="09:00"))
    there = rule(world, _zone_post(world, team, zone, "二村岗"))
    roster = plan(world, team)
    rows = duties(roster)
    assert {r for _d, r in rows[local.pk]} == {here.pk}
    assert {r for _d, r in rows[other.pk]} == {there.pk}
    assert roster.uncovered == []


def test_nights_and_weekends_are_spread_fairly(world: Any) -> None:
    team, members = small_team(world, [["volunteer"]] * 3, name="公平队")
    rule(world, post(world, team, "夜巡岗", start="20:00", minutes=120))
    roster = plan(world, team)
    nights = [len(dates(roster, m)) for m in members]
    weekend_days = set().union(*WEEKENDS)
    weekends = [len(set(dates(roster, m)) & weekend_days) for m in members]
    assert sum(nights) == 30
    assert max(nights) - min(nights) <= 1
    assert max(weekends) - min(weekends) <= 1


def test_holidays_are_spread_fairly(world: Any) -> None:
    team, members = small_team(world, [["volunteer"]] * 3, name="节日队")
    rule(world, post(world, team, "节日巡逻岗", start="09:00"))
    october = dt.date(2026, 10, 1)
    roster = plan(world, team, month=october)
    national_day = {dt.date(2026, 10, d) for d in range(1, 8)}  # statutory holiday 2026
    on_holiday = [len(set(dates(roster, m)) & national_day) for m in members]
    assert sum(on_holiday) >= 7  # holidays may call out extra patrols (五必巡逻)
    assert max(on_holiday) - min(on_holiday) <= 1


def test_the_office_weights_change_the_roster(world: Any) -> None:
    team, (member,) = small_team(world, [["volunteer"]], name="权重队")
    _village, zone = _second_zone(world)
    home = rule(world, post(world, team, "本片岗", start="09:00"))
    away = rule(world, _zone_post(world, team, zone, "外片岗"), priority=1)
    # Default weights: the higher-priority post away from home is worth the trip.
    assert {r for _d, r in duties(plan(world, team))[member.pk]} == {away.pk}
    # The office weighs home zones more: the member stays in the home zone every day.
    policy(world, team, weight_away_from_home_zone=500)
    roster = plan(world, team)
    assert {r for _d, r in duties(roster)[member.pk]} == {home.pk}
    assert len(duties(roster)[member.pk]) == 30
    assert roster.solver_summary["penalties"].get("away_from_home_zone", 0) == 0
