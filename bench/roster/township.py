"""A synthetic but realistic township month in the solver's own dataclasses.

``generate_township(seed)`` builds a :class:`~shouwang.rostering.solver.model.Problem` the
size of a real township's 群防群治 roster: police officers, auxiliary police, duty officials
(cadres on 值班), grid workers and volunteers; school-gate posts on school days, a nightly
patrol, market-day street posts, weekly and monthly zone patrols, railway-line posts and the
township duty office.  Part-time caps (volunteers at most two duties a week), leave, home
zones, wishes and "no early post after a night patrol" make it look like the months the app
plans.  Everything follows from ``seed`` (a private ``random.Random``), so two calls with the
same arguments give equal problems — the county benchmark and ``targets.py`` rely on that.

``demo_township_problem()`` is the demo township's month (the loader's fixture data) built
through the app's own adapter on a throw-away SQLite database; see ``demo_month.py``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from shouwang.rostering.solver.model import (
    Demand,
    DutyKind,
    EmploymentCaps,
    Member,
    Pin,
    Problem,
    ShiftRequest,
    Weights,
    night_then_early_successions,
)

#: Employment types (solver strings) and their share of the members, police first.
ROLE_MIX: tuple[tuple[str, float], ...] = (
    ("police", 0.10),
    ("auxiliary_police", 0.22),
    ("duty_official", 0.10),
    ("grid_worker", 0.30),
    ("volunteer", 0.28),
)

#: Caps that follow from the employment type (part-time members work little).
EMPLOYMENT_CAPS: dict[str, EmploymentCaps] = {
    "police": EmploymentCaps(max_duties_per_week=5),
    "auxiliary_police": EmploymentCaps(max_duties_per_week=5),
    "duty_official": EmploymentCaps(max_duties_per_week=3),
    "grid_worker": EmploymentCaps(max_duties_per_week=4),
    "volunteer": EmploymentCaps(max_duties_per_week=2, max_duties=6),
}

#: Qualifications (solver strings).
POLICE = "police_officer"
ARMED = "law_enforcement"  # police and auxiliary police may stop and question
OFFICIAL = "duty_official"
LEADER = "team_leader"
FIRST_AID = "first_aid"
RAILWAY = "railway_safety"

#: Post templates, cycled until ``posts`` duty kinds exist.
_TEMPLATES: tuple[str, ...] = (
    "night_patrol",
    "duty_office",
    "school_gate",
    "market",
    "railway",
    "weekly_zone",
    "school_gate",
    "monthly_zone",
    "market",
    "railway",
    "weekly_zone",
    "school_gate",
    "monthly_zone",
    "weekly_zone",
    "market",
    "school_gate",
    "weekly_zone",
    "railway",
    "monthly_zone",
    "market",
)


@dataclass(frozen=True)
class _Post:
    kind: DutyKind
    template: str


def _zones(count: int) -> tuple[str, ...]:
    return tuple(f"zone{i + 1}" for i in range(count))


def _start_date(seed: int) -> dt.date:
    # Months of 2026 in turn, so that seeds differ in weekday of day 0 and holidays.
    return dt.date(2026, 1 + seed % 12, 1)


def _holidays(start: dt.date, days: int) -> frozenset[int]:
    # A small fixed table of 2026 public holidays is enough for realism.
    fixed = {
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 17),
        dt.date(2026, 2, 18),
        dt.date(2026, 2, 19),
        dt.date(2026, 4, 5),
        dt.date(2026, 5, 1),
        dt.date(2026, 5, 2),
        dt.date(2026, 6, 19),
        dt.date(2026, 9, 25),
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 2),
        dt.date(2026, 10, 3),
    }
    return frozenset(d for d in range(days) if start + dt.timedelta(days=d) in fixed)


def _make_posts(rng: random.Random, posts: int, zones: tuple[str, ...]) -> list[_Post]:
    result: list[_Post] = []
    counters: dict[str, int] = {}
    for index in range(posts):
        template = _TEMPLATES[index % len(_TEMPLATES)]
        counters[template] = counters.get(template, 0) + 1
        n = counters[template]
        zone = zones[(index + rng.randrange(len(zones))) % len(zones)]
        kind_id = f"{template}_{n}"
        if template == "night_patrol":
            kind = DutyKind(
                kind_id,
                f"Night patrol {n}",
                duration_minutes=480,
                start_minute=22 * 60,
                is_night=True,
                required_qualifications=frozenset({ARMED}),
                zone=zone,
            )
        elif template == "duty_office":
            kind = DutyKind(
                kind_id,
                "Township duty office",
                duration_minutes=600,
                start_minute=8 * 60,
                required_qualifications=frozenset({OFFICIAL}),
            )
        elif template == "school_gate":
            kind = DutyKind(
                kind_id,
                f"School gate {n}",
                duration_minutes=120,
                start_minute=7 * 60,
                is_early=True,
                zone=zone,
            )
        elif template == "market":
            kind = DutyKind(
                kind_id,
                f"Market street {n}",
                duration_minutes=360,
                start_minute=7 * 60 + 30,
                is_early=True,
                zone=zone,
            )
        elif template == "railway":
            kind = DutyKind(
                kind_id,
                f"Railway line {n}",
                duration_minutes=480,
                start_minute=9 * 60,
                required_qualifications=frozenset({RAILWAY}),
                zone=zone,
            )
        elif template == "weekly_zone":
            kind = DutyKind(
                kind_id,
                f"Weekly patrol {zone}",
                duration_minutes=240,
                start_minute=14 * 60,
                zone=zone,
            )
        else:  # monthly_zone
            kind = DutyKind(
                kind_id,
                f"Monthly inspection {zone}",
                duration_minutes=360,
                start_minute=9 * 60,
                zone=zone,
            )
        result.append(_Post(kind, template))
    return result


def _make_demands(
    rng: random.Random,
    posts: list[_Post],
    problem_days: int,
    weekday0: int,
    holidays: frozenset[int],
) -> list[Demand]:
    demands: list[Demand] = []
    # Market days follow the lunar-style "逢三逢八" rhythm: every fifth day, two per cycle.
    market_phase = rng.randrange(5)
    for post in posts:
        kind = post.kind.id
        weekly_day = rng.randrange(7)
        monthly_day = rng.randrange(max(1, problem_days - 3)) + 1
        for day in range(problem_days):
            weekday = (weekday0 + day) % 7
            school_day = weekday < 5 and day not in holidays
            if post.template == "night_patrol":
                need = 4 if weekday >= 4 else 3
                roles = {POLICE: 1, LEADER: 1}
                demands.append(Demand(day, kind, need, maximum=need + 1, roles=roles))
            elif post.template == "duty_office":
                demands.append(Demand(day, kind, 1, maximum=1))
            elif post.template == "school_gate" and school_day:
                demands.append(Demand(day, kind, 2, maximum=3, roles={ARMED: 1}))
            elif post.template == "market" and (day + market_phase) % 5 in (0, 3):
                demands.append(Demand(day, kind, 3, maximum=4, roles={FIRST_AID: 1}))
            elif post.template == "railway":
                need = 1 if day in holidays else 2
                demands.append(Demand(day, kind, need, maximum=2))
            elif post.template == "weekly_zone" and weekday == weekly_day:
                demands.append(Demand(day, kind, 4, maximum=5, roles={LEADER: 1}))
            elif post.template == "monthly_zone" and day == monthly_day:
                demands.append(Demand(day, kind, 6, maximum=8, roles={LEADER: 1, OFFICIAL: 1}))
    return demands


def _employment_types(rng: random.Random, members: int) -> list[str]:
    types: list[str] = []
    for employment, share in ROLE_MIX:
        types.extend([employment] * max(1, round(members * share)))
    while len(types) < members:
        types.append("volunteer")
    types = types[:members]
    rng.shuffle(types)
    return types


def _qualifications(rng: random.Random, employment: str) -> frozenset[str]:
    quals: set[str] = set()
    if employment == "police":
        quals |= {POLICE, ARMED, FIRST_AID}
        if rng.random() < 0.6:
            quals.add(LEADER)
    elif employment == "auxiliary_police":
        quals.add(ARMED)
        if rng.random() < 0.3:
            quals.add(LEADER)
    elif employment == "duty_official":
        quals.add(OFFICIAL)
        if rng.random() < 0.5:
            quals.add(LEADER)
    elif employment == "grid_worker" and rng.random() < 0.2:
        quals.add(LEADER)
    if employment != "police" and rng.random() < 0.25:
        quals.add(FIRST_AID)
    if employment in ("auxiliary_police", "grid_worker") and rng.random() < 0.3:
        quals.add(RAILWAY)
    return frozenset(quals)


def _leave(rng: random.Random, days: int) -> set[int]:
    off: set[int] = set()
    if rng.random() < 0.3:  # annual leave: a block of 2 to 6 days
        length = rng.randint(2, 6)
        start = rng.randrange(max(1, days - length))
        off.update(range(start, min(days, start + length)))
    for _ in range(rng.randint(0, 2)):  # single unavailable dates
        off.add(rng.randrange(days))
    return off


def generate_township(seed: int, members: int = 120, posts: int = 20, days: int = 31) -> Problem:
    """A township month of ``members`` members and ``posts`` duty kinds, fixed by ``seed``."""
    if members < 5 or posts < 1 or days < 1:
        raise ValueError("a township needs at least 5 members, one post and one day")
    rng = random.Random(seed)
    start = _start_date(seed)
    weekday0 = start.weekday()
    holidays = _holidays(start, days)
    zones = _zones(max(2, min(8, posts // 3)))
    post_list = _make_posts(rng, posts, zones)
    kinds = tuple(p.kind for p in post_list)
    demands = _make_demands(rng, post_list, days, weekday0, holidays)
    night_ids = [p.kind.id for p in post_list if p.template == "night_patrol"]

    member_list: list[Member] = []
    for index, employment in enumerate(_employment_types(rng, members)):
        quals = _qualifications(rng, employment)
        off = _leave(rng, days)
        full_time = employment in ("police", "auxiliary_police", "grid_worker")
        max_per_kind: dict[str, int] = {}
        if employment == "volunteer":
            # Volunteers do not walk the night patrol or the railway line.
            max_per_kind.update({k: 0 for k in night_ids})
        elif employment == "duty_official":
            max_per_kind.update({k: 4 for k in night_ids})
        elif full_time:
            max_per_kind.update({k: 8 for k in night_ids})
        # Wishes only name posts the member may work (the rest would be presolve noise).
        allowed = [
            k.id
            for k in kinds
            if k.required_qualifications <= quals and max_per_kind.get(k.id, 1) > 0
        ]
        requests: list[ShiftRequest] = []
        for _ in range(rng.randint(0, 2) if allowed else 0):
            requests.append(
                ShiftRequest(
                    day=rng.randrange(days),
                    kind=rng.choice(allowed),
                    weight=rng.choice((1, 2, 3)),
                    wanted=rng.random() < 0.5,
                )
            )
        member_list.append(
            Member(
                id=f"m{index + 1:03d}",
                name=f"{employment.replace('_', ' ')} {index + 1}",
                qualifications=quals,
                home_zone=rng.choice(zones),
                employment_type=employment,
                max_per_kind=max_per_kind,
                max_minutes=(176 * 60 if full_time else None),
                max_consecutive_days=(6 if full_time else 3),
                min_consecutive_days_off=1,
                max_weekends=(3 if employment == "volunteer" else None),
                days_off=frozenset(off),
                requests=tuple(requests),
            )
        )

    # A couple of fixed assignments the office made by hand (e.g. a leader for the inspection).
    pins: list[Pin] = []
    officials = [m for m in member_list if OFFICIAL in m.qualifications]
    office = [p.kind.id for p in post_list if p.template == "duty_office"]
    if office and officials:
        for day in sorted(rng.sample(range(days), min(3, days))):
            holder = officials[rng.randrange(len(officials))]
            if day not in holder.days_off:
                pins.append(Pin(holder.id, day, office[0]))
        pins = _unique_pins(pins)

    return Problem(
        horizon_days=days,
        duty_kinds=kinds,
        members=tuple(member_list),
        demands=tuple(demands),
        start_weekday=weekday0,
        start_date=start,
        holidays=holidays,
        forbidden_successions=night_then_early_successions(kinds),
        pinned=tuple(pins),
        weights=Weights(),
        employment_caps=dict(EMPLOYMENT_CAPS),
        name=f"township-{seed}-{members}x{posts}x{days}",
    )


def _unique_pins(pins: list[Pin]) -> list[Pin]:
    # One pin per member and day and one holder per post and day (the office has one seat).
    seen_member: set[tuple[str, int]] = set()
    seen_day: set[int] = set()
    result: list[Pin] = []
    for pin in pins:
        if (pin.member, pin.day) in seen_member or pin.day in seen_day:
            continue
        seen_member.add((pin.member, pin.day))
        seen_day.add(pin.day)
        result.append(pin)
    return result


def demo_township_problem() -> Problem:
    """The demo township's month as a Problem (through Django; see ``demo_month.py``)."""
    # Imported here so that generator users never load Django.
    import sys
    from pathlib import Path

    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    from demo_month import demo_problem

    return demo_problem()
