"""The demo township: 栗子乡 of 丰都县, built from seed 001 (群防群治工作方案) and seed 000.

`load_demo()` creates a system administrator, then the jurisdiction tree, member units,
teams, members, zones, key places, railway and road segments, patrol routes, posts, the
patrol team's duty rules, planning policy and absences, and one login per role — every
write through the app's services, acting as that administrator, so each record is
validated and audited exactly like one entered on a page.

It is idempotent: each record is looked up by its natural key first (division code; name
within its jurisdiction; member name and phone; username) and reused when present, so a
second run writes nothing and adds no audit events. Records an office has since edited are
left as they are.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_lib
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import models, transaction
from django.utils import timezone

from shouwang.areas import services as areas
from shouwang.areas.models import KeyPlace, Post, Route, Segment, Zone
from shouwang.calendars import services as calendars
from shouwang.calendars.models import KeyPeriod, SchoolCalendar, TrainPassage, WeatherWarning
from shouwang.core import services as core
from shouwang.core.models import CodeItem, Jurisdiction, Role, RoleGrant
from shouwang.core.validators import parse_chainage
from shouwang.demo import data
from shouwang.forces import services as forces
from shouwang.forces.models import Member, MemberAbsence, Organisation, PlanningPolicy, Team
from shouwang.rostering import services as rostering
from shouwang.rostering.models import DutyRule

# Printed by `shouwang demo` for every demo login; passes the password validators.
DEMO_PASSWORD = "shouwang-demo"
ADMIN_USERNAME = "admin"


# (post name, recurrence, other values) of the duty rules (seed 001 and the five mandatory
# patrol triggers of seed 000); start times, durations and lead times come from the posts
# unless given (中心校 16:00 with 20 minutes ahead …). School posts follow the schools'
# calendars, so there are no duties in vacations or on statutory holidays.
DUTY_RULES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "中心校护学岗",
        "school_days",
        {"school_event": "dismissal", "head_count": 2, "priority": 3},
    ),
    (
        "中学护学岗（周五）",
        "school_days",
        {"school_event": "leave", "head_count": 2, "priority": 3},
    ),
    (
        "中学护学岗（周日）",
        "school_days",
        {"school_event": "return", "head_count": 2, "priority": 3},
    ),
    (
        "场镇夜巡岗",
        "daily",
        {"head_count": 4, "role_minimums": {"duty_official": 2}, "priority": 2},
    ),
    (
        "逢三六九街面岗",
        "market_days",
        {"market_pattern": "逢三六九", "head_count": 3, "role_minimums": {"persuader": 1}},
    ),
    (
        "逢三六九街面岗",
        "key_periods",
        {
            "head_count": 2,
            "priority": 1,
            "note": "法定节假日和重点时段（春节安保等）街面加密巡逻。",
        },
    ),
    (
        "企业区巡逻",
        "weekly",
        {"times_per_week": 1, "market_pattern": "逢三六九", "head_count": 2, "priority": 1},
    ),
    ("高山走村入户", "monthly", {"month_day": 15, "head_count": 2}),
]
# The railway posts (one per segment) of the rail-protection team: at train passages, and
# during severe-weather warnings on the segment through the town.
RAIL_RULES: list[tuple[str, dict[str, Any]]] = [
    ("train_passages", {"lead_minutes": 15, "duration_minutes": 30, "head_count": 2}),
]
RAIL_WEATHER_SEGMENT = 1  # 渝利铁路场镇段
RAIL_WEATHER_RULE = {"min_warning_level": "yellow", "head_count": 2, "priority": 2}


# The patrol team's planning policy (members' own limits override it): caps by employment
# type, no early post after a night patrol, at most six duty days in a row.
PATROL_POLICY: dict[str, Any] = {
    "full_time_max_per_week": 6,
    "full_time_max_per_month": 24,
    "part_time_max_per_week": 4,
    "part_time_max_per_month": 16,
    "forbid_night_then_early": True,
    "max_consecutive_duty_days": 6,
    "note": "专职队员每周不超过6班、每月不超过24班；兼职队员每周不超过4班、每月不超过16班。",
}
# Absences in the demo month (November 2026): an approved training and a leave that the
# member asked for and the team leader has yet to decide.
DEMO_ABSENCES: list[tuple[str, dict[str, Any]]] = [
    (
        "duty8",
        {
            "kind": "training",
            "start_date": "2026-11-10",
            "end_date": "2026-11-14",
            "reason": "参加县综治中心业务培训",
            "status": "approved",
        },
    ),
    (
        "law2",
        {
            "kind": "leave",
            "start_date": "2026-11-20",
            "end_date": "2026-11-21",
            "reason": "家中有事请事假",
            "status": "requested",
        },
    ),
]


class _Loader:
    def __init__(self) -> None:
        self.actor: Any = None
        self.codes: dict[tuple[str, str], int] = {}
        self.places: dict[str, Jurisdiction] = {}
        self.orgs: dict[str, Organisation] = {}
        self.teams: dict[str, Team] = {}
        self.members: dict[str, Member] = {}
        self.zones: dict[str, Zone] = {}
        self.key_places: dict[str, KeyPlace] = {}
        self.routes: dict[str, Route] = {}
        self.segments: list[Segment] = []

    # -- helpers --------------------------------------------------------------------------

    def code(self, code_list: str, code: str) -> int:
        key = (code_list, code)
        if key not in self.codes:
            self.codes[key] = CodeItem.objects.get(code_list__key=code_list, code=code).pk
        return self.codes[key]

    def ensure(
        self,
        model: type[models.Model],
        lookup: Mapping[str, Any],
        create: Callable[..., Any],
        values: Mapping[str, Any],
    ) -> Any:
        """The record matching `lookup`, created through `create` when missing."""
        found = model._default_manager.filter(**lookup).order_by("pk").first()
        if found is not None:
            return found
        return create(actor=self.actor, data=dict(values))

    def place(self, key: str) -> Jurisdiction:
        """ "county", "township", a village key, or "village_key#n" for a grid."""
        return self.places[key]

    # -- steps ----------------------------------------------------------------------------

    def admin(self) -> None:
        user = get_user_model().objects.filter(username=ADMIN_USERNAME).first()
        if user is None:
            validate_password(DEMO_PASSWORD, get_user_model()(username=ADMIN_USERNAME))
            user = core.grant_system_admin(username=ADMIN_USERNAME, password=DEMO_PASSWORD)
        self.actor = user

    def jurisdictions(self) -> None:
        def node(
            key: str,
            name: str,
            level: str,
            code: str,
            parent: str | None,
            boundary: dict[str, Any] | None,
            urban_rural: str = "",
        ) -> None:
            self.places[key] = self.ensure(
                Jurisdiction,
                {"stat_division_code": code},
                core.create_jurisdiction,
                {
                    "name": name,
                    "level": level,
                    "stat_division_code": code,
                    "parent": self.places[parent].pk if parent else "",
                    "urban_rural_code": urban_rural,
                    "boundary": boundary,
                },
            )

        node("county", data.COUNTY["name"], "county", data.COUNTY["code"], None, None)
        node(
            "township",
            data.TOWNSHIP["name"],
            "township",
            data.TOWNSHIP["code"],
            "county",
            data.TOWNSHIP_BOUNDARY,
            data.TOWNSHIP["urban_rural_code"],
        )
        for village in data.VILLAGES:
            node(
                village.key,
                village.name,
                "village",
                village.code,
                "township",
                data.rectangle(*village.box),
                village.urban_rural_code,
            )
            for n in range(1, village.grids + 1):
                node(
                    f"{village.key}#{n}",
                    village.grid_name(n),
                    "grid",
                    village.grid_code(n),
                    village.key,
                    data.rectangle(*village.grid_box(n)),
                )

    def admin_grant(self) -> None:
        # grant_system_admin only grants at an existing root; on a fresh database the county
        # is created afterwards, so the administrator's grant is added here.
        self.grant(ADMIN_USERNAME, "system_admin", "county", None)

    def organisations(self) -> None:
        for key, (name, kind, village, address, lon, lat, phone) in data.ORGANISATIONS.items():
            where = self.place(village)
            self.orgs[key] = self.ensure(
                Organisation,
                {"jurisdiction": where, "name": name},
                forces.create_organisation,
                {
                    "name": name,
                    "kind": self.code("organisation_kind", kind),
                    "jurisdiction": where.pk,
                    "address": address,
                    "longitude": lon,
                    "latitude": lat,
                    "contact_phone": phone,
                },
            )

    def teams_and_members(self) -> None:
        township = self.place("township")
        for key, (name, kind, rule, note) in data.TEAMS.items():
            self.teams[key] = self.ensure(
                Team,
                {"jurisdiction": township, "name": name},
                forces.create_team,
                {
                    "name": name,
                    "kind": self.code("team_kind", kind),
                    "jurisdiction": township.pk,
                    "composition_rule": rule,
                    "note": note,
                },
            )
        for person in data.build_people():
            self.members[person.key] = self.ensure(
                Member,
                {"name": person.name, "phone": person.phone},
                forces.create_member,
                {
                    "name": person.name,
                    "phone": person.phone,
                    "gender": person.gender,
                    "roles": [self.code("member_role", r) for r in person.roles],
                    "jurisdiction": self.place(person.jurisdiction).pk,
                    "home_village": self.place(person.home).pk,
                    "employer": self.orgs[person.employer].pk if person.employer else "",
                    "teams": [self.teams[t].pk for t in person.teams],
                    "employment_type": person.employment_type,
                    "status": "active",
                    "admission_date": person.admission_date,
                    "citizen_id_number": person.citizen_id,
                },
            )
        for team_key, member_key in data.LEADERS.items():
            team = self.teams[team_key]
            if team.leader_id is None:
                self.teams[team_key] = forces.update_team(
                    team, actor=self.actor, data={"leader": self.members[member_key].pk}
                )

    def zones_and_places(self) -> None:
        township = self.place("township")
        for key, (name, kind, villages, count, period, geometry, note) in data.ZONES.items():
            self.zones[key] = self.ensure(
                Zone,
                {"jurisdiction": township, "name": name},
                areas.create_zone,
                {
                    "name": name,
                    "kind": self.code("zone_kind", kind),
                    "jurisdiction": township.pk,
                    "villages": [self.place(v).pk for v in villages],
                    "frequency_count": count,
                    "frequency_period": period,
                    "geometry": geometry,
                    "note": note,
                },
            )
        for key, spec in data.KEY_PLACES.items():
            name, kind, village, zone, org, address, lon, lat, checkpoint, note = spec
            where = self.place(village)
            self.key_places[key] = self.ensure(
                KeyPlace,
                {"jurisdiction": where, "name": name},
                areas.create_key_place,
                {
                    "name": name,
                    "kind": self.code("place_kind", kind),
                    "jurisdiction": where.pk,
                    "zone": self.zones[zone].pk,
                    "organisation": self.orgs[org].pk if org else "",
                    "address": address,
                    "longitude": lon,
                    "latitude": lat,
                    "is_checkpoint": checkpoint,
                    "note": note,
                },
            )

    def lines_and_routes(self) -> None:
        township = self.place("township")

        def segment(
            name: str,
            kind: str,
            line_name: str,
            start: str,
            end: str,
            chief: str,
            rail_chief: str,
            method: str,
            geometry: dict[str, Any],
            note: str,
        ) -> Segment:
            return self.ensure(  # type: ignore[no-any-return]
                Segment,
                {
                    "jurisdiction": township,
                    "line_name": line_name,
                    "start_m": parse_chainage(start),
                },
                areas.create_segment,
                {
                    "name": name,
                    "line_kind": kind,
                    "line_name": line_name,
                    "jurisdiction": township.pk,
                    "start_m": start,
                    "end_m": end,
                    "section_chief": self.members[chief].pk,
                    "rail_section_chief": rail_chief,
                    "patrol_method": method,
                    "geometry": geometry,
                    "note": note,
                },
            )

        for name, start, end, (i, j), chief, rail_chief, method, note in data.RAIL_SEGMENTS:
            geometry = data.line(*data.RAILWAY_POINTS[i:j])
            self.segments.append(
                segment(
                    name,
                    "railway",
                    data.RAILWAY_LINE,
                    start,
                    end,
                    chief,
                    rail_chief,
                    method,
                    geometry,
                    note,
                )
            )
        name, line_name, start, end, chief, road_chief, method, geometry, note = data.ROAD_SEGMENT
        segment(name, "road", line_name, start, end, chief, road_chief, method, geometry, note)

        for key, (name, zone, method, geometry, note) in data.ROUTES.items():
            self.routes[key] = self.ensure(
                Route,
                {"jurisdiction": township, "name": name},
                areas.create_route,
                {
                    "name": name,
                    "jurisdiction": township.pk,
                    "zone": self.zones[zone].pk,
                    "patrol_method": method,
                    "geometry": geometry,
                    "note": note,
                },
            )

    def posts(self) -> None:
        township = self.place("township")

        def post(
            name: str, kind: str, team: str, start: str, minutes: int, lead: int, **where: Any
        ) -> None:
            values = {
                "name": name,
                "kind": self.code("post_kind", kind),
                "jurisdiction": township.pk,
                "team": self.teams[team].pk,
                "start_time": start,
                "duration_minutes": minutes,
                "lead_minutes": lead,
                "note": where.pop("note", ""),
            }
            values.update({k: (v.pk if v is not None else "") for k, v in where.items()})
            self.ensure(Post, {"jurisdiction": township, "name": name}, areas.create_post, values)

        for name, kind, team, start, minutes, lead, place, zone, route, note in data.POSTS:
            post(
                name,
                kind,
                team,
                start,
                minutes,
                lead,
                note=note,
                key_place=self.key_places[place] if place else None,
                zone=self.zones[zone] if zone else None,
                route=self.routes[route] if route else None,
            )
        start, minutes = data.RAIL_POST_TIME
        for seg in self.segments:
            post(
                f"{seg.name}护路巡逻",
                "railway_patrol",
                "rail",
                start,
                minutes,
                0,
                segment=seg,
                zone=self.zones["railway"],
                note=f"{seg.chainage_display}，{seg.get_patrol_method_display()}；"
                "列车通过时段、赶场天、恶劣天气加密。",
            )

    def calendar_records(self) -> None:
        """School calendars, key periods, a weather warning and train passages (五必巡逻)."""
        township = self.place("township")
        for key, (summer, winter, overrides, note) in data.SCHOOL_CALENDARS.items():
            school = self.key_places[key]
            self.ensure(
                SchoolCalendar,
                {"school": school},
                calendars.create_school_calendar,
                {
                    "school": school.pk,
                    "jurisdiction": township.pk,
                    "terms": data.SCHOOL_TERMS,
                    "vacations": data.SCHOOL_VACATIONS,
                    "summer_from": "05-01",
                    "summer_timetable": summer,
                    "winter_from": "10-01",
                    "winter_timetable": winter,
                    "overrides": overrides,
                    "note": note,
                },
            )
        for name, first, last, level, zones, note in data.KEY_PERIODS:
            self.ensure(
                KeyPeriod,
                {"jurisdiction": township, "name": name},
                calendars.create_key_period,
                {
                    "name": name,
                    "jurisdiction": township.pk,
                    "start_date": first,
                    "end_date": last,
                    "zones": [self.zones[z].pk for z in zones],
                    "level": level,
                    "note": note,
                },
            )
        for kind, level, starts, ends, zones, issuer, note in data.WEATHER_WARNINGS:
            self.ensure(
                WeatherWarning,
                {"jurisdiction": township, "kind": kind, "starts_at": starts},
                calendars.create_weather_warning,
                {
                    "kind": kind,
                    "level": level,
                    "starts_at": starts,
                    "ends_at": ends,
                    "zones": [self.zones[z].pk for z in zones],
                    "issuer": issuer,
                    "jurisdiction": township.pk,
                    "note": note,
                },
            )
        for index, chainage, train, direction, at, days in data.TRAIN_PASSAGES:
            seg = self.segments[index]
            self.ensure(
                TrainPassage,
                {"segment": seg, "train_no": train, "chainage_m": parse_chainage(chainage)},
                calendars.create_train_passage,
                {
                    "segment": seg.pk,
                    "chainage_m": chainage,
                    "train_no": train,
                    "direction": direction,
                    "passes_at": at,
                    "days": days,
                    "jurisdiction": township.pk,
                    "note": "",
                },
            )

    def duty_rules(self) -> None:
        """The duty rules (seed 001, 五必巡逻): who each post needs and when."""
        township = self.place("township")
        rules = list(DUTY_RULES)
        for n, seg in enumerate(self.segments):
            for recurrence, extra in RAIL_RULES:
                rules.append((f"{seg.name}护路巡逻", recurrence, extra))
            if n == RAIL_WEATHER_SEGMENT:
                rules.append((f"{seg.name}护路巡逻", "weather", RAIL_WEATHER_RULE))
        for post_name, recurrence, extra in rules:
            post = Post.objects.get(jurisdiction=township, name=post_name)
            values = {
                "post": post.pk,
                "jurisdiction": township.pk,
                "recurrence": recurrence,
                "weekdays": [],
                "market_pattern": "",
                "market_calendar": "lunar",
                "head_count": 1,
                "role_minimums": {},
                "priority": 0,
                "active": True,
                **extra,
            }
            self.ensure(
                DutyRule,
                {"post": post, "recurrence": recurrence},
                rostering.create_duty_rule,
                values,
            )

    def planning_side(self) -> None:
        """The patrol team's planning policy and two absences (one approved, one asked for)."""
        team = self.teams["patrol"]
        self.ensure(
            PlanningPolicy,
            {"team": team},
            forces.create_planning_policy,
            {"team": team.pk, **PATROL_POLICY},
        )
        for member_key, values in DEMO_ABSENCES:
            member = self.members[member_key]
            self.ensure(
                MemberAbsence,
                {"member": member, "start_date": values["start_date"]},
                forces.create_absence,
                {"member": member.pk, **values},
            )

    def grant(self, username: str, role: str, where: str, team: str | None) -> None:
        user = get_user_model().objects.get(username=username)
        jurisdiction = self.place(where)
        team_obj = self.teams[team] if team else None
        exists = RoleGrant.objects.filter(
            user=user, role__key=role, jurisdiction=jurisdiction, team=team_obj
        ).exists()
        if not exists:
            core.create_role_grant(
                actor=self.actor,
                data={
                    "user": username,
                    "role": role,
                    "jurisdiction": jurisdiction.pk,
                    "team": team_obj.pk if team_obj else "",
                },
            )

    def link_login(self, member: Member, username: str) -> None:
        """A field login is also the member's own account (own duties, swaps)."""
        member.refresh_from_db()
        if member.user_id is None:
            user = get_user_model().objects.get(username=username)
            forces.link_member_login(member, actor=self.actor, user=user)

    def logins(self) -> list[tuple[str, str]]:
        user_model = get_user_model()
        result = [(ADMIN_USERNAME, Role.objects.get(key="system_admin").name)]
        for username, role, where, team, shown in data.LOGINS:
            if not user_model.objects.filter(username=username).exists():
                if shown.startswith("@"):
                    full_name = data.OTHER_NAMES[shown]
                else:
                    full_name = self.members[shown].name
                candidate = user_model(username=username, first_name=full_name)
                validate_password(DEMO_PASSWORD, candidate)
                core.create_user(
                    actor=self.actor, username=username, password=DEMO_PASSWORD, full_name=full_name
                )
            self.grant(username, role, where, team)
            if not shown.startswith("@"):
                self.link_login(self.members[shown], username)
            result.append((username, Role.objects.get(key=role).name))
        return result

    def field_work(self) -> None:
        """The standard checklists and two past patrol logs (patrols/demo.py)."""
        from shouwang.patrols.demo import load_field_work

        load_field_work(self.actor, self.places["township"], self.teams["patrol"], self.routes)

    def cases(self) -> None:
        """Dispute files and people of concern (disputes/demo.py, concerns/demo.py)."""
        from shouwang.concerns.demo import load_demo_people
        from shouwang.disputes.demo import load_demo_disputes

        load_demo_disputes(self.actor, self.places["township"])
        load_demo_people(self.actor, self.places["township"])

    def governance(self) -> None:
        """Trainings, drills, plans and pledges; railway records; a special operation; an
        assessment scheme (each app's demo.py)."""
        from shouwang.assessment.demo import load_demo_assessment
        from shouwang.governance.demo import load_demo_governance
        from shouwang.railway.demo import load_demo_railway
        from shouwang.specialops.demo import load_demo_specialops

        township = self.places["township"]
        load_demo_governance(self.actor, township)
        load_demo_railway(self.actor, township)
        load_demo_specialops(self.actor, township)
        load_demo_assessment(self.actor, township)


def load_demo() -> list[tuple[str, str]]:
    """Build (or find) the demo township; return the (username, role label) of each login."""
    loader = _Loader()
    with transaction.atomic():
        loader.admin()
        loader.jurisdictions()
        loader.admin_grant()
        loader.organisations()
        loader.teams_and_members()
        loader.zones_and_places()
        loader.lines_and_routes()
        loader.posts()
        loader.calendar_records()
        loader.duty_rules()
        loader.planning_side()
        logins = loader.logins()
        loader.field_work()
        loader.cases()
        loader.governance()
        return logins


def publish_current_month(today: dt.date | None = None) -> Any:
    """Plan and publish this month's roster of the demo's patrol team, unless it has one.

    Gives the phone app and the field-work pages real duties to show. Runs outside the demo's
    transaction on purpose: planning solves with no transaction open (rostering/planning.py).
    """
    from shouwang.rostering.models import Roster, RosterStatus

    found = _demo_team_and_admin()
    if found is None:
        return None
    team, admin = found
    month = (today or timezone.localdate()).replace(day=1)
    existing = Roster.objects.filter(team=team, month=month).first()
    if existing is not None:
        return existing
    roster = rostering.generate_draft_roster(
        actor=admin, team=team, month=month, time_limit_s=10, deterministic_time=5
    )
    # So that the demo's patrol login has a duty on the phone today, placed by hand like an
    # office would (a hand placement survives re-planning).
    today_local = today or timezone.localdate()
    member = Member.objects.filter(user__username="patrol", teams=team).first()
    if member is not None and month.month == today_local.month:
        on_duty = roster.duties.filter(date=today_local, assignments__member=member).exists()
        tonight = roster.duties.filter(date=today_local).order_by("-start").first()
        if not on_duty and tonight is not None:
            rostering.assign_member(actor=admin, duty=tonight, member=member)
    rostering.transition_roster(roster, RosterStatus.REVIEWED, actor=admin)
    return rostering.transition_roster(roster, RosterStatus.PUBLISHED, actor=admin)


def _demo_team_and_admin() -> tuple[Any, Any] | None:
    township = Jurisdiction.objects.filter(stat_division_code=data.TOWNSHIP["code"]).first()
    admin = get_user_model().objects.filter(username=ADMIN_USERNAME).first()
    team = Team.objects.filter(name=data.TEAMS["patrol"][0], jurisdiction=township).first()
    if township is None or admin is None or team is None:
        return None
    return team, admin


def _attendance_of(duty: Any) -> list[dict[str, Any]]:
    """The rostered members of a demo duty: mostly present, now and then late or absent
    (fixed by the duty and the member, so every load writes the same)."""
    rows = []
    for assignment in duty.assignments.order_by("member_id"):
        turn = (duty.pk * 7 + assignment.member_id * 3) % 20
        status = "absent" if turn == 0 else "late" if turn in (1, 2) else "present"
        rows.append(
            {"member": assignment.member_id, "status": status, "substitute_for": None, "note": ""}
        )
    return rows


def patrol_last_month(today: dt.date | None = None) -> Any:
    """Last month as the patrol team lived it, unless it already has a roster: the roster
    planned and published, and for most of its duties a patrol log handed in by the team
    leader (a duty in twelve has none), confirmed except for the last three days. The
    dashboard, the monthly report and the assessment of the last full month then show real
    figures. Runs outside the demo's transaction, like `publish_current_month`."""
    from shouwang.patrols import review
    from shouwang.patrols import services as patrols
    from shouwang.rostering.models import Roster, RosterStatus

    found = _demo_team_and_admin()
    if found is None:
        return None
    team, admin = found
    today = today or timezone.localdate()
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    existing = Roster.objects.filter(team=team, month=month).first()
    if existing is not None:
        return existing
    roster = rostering.generate_draft_roster(
        actor=admin, team=team, month=month, time_limit_s=10, deterministic_time=5
    )
    rostering.transition_roster(roster, RosterStatus.REVIEWED, actor=admin)
    roster = rostering.transition_roster(roster, RosterStatus.PUBLISHED, actor=admin)
    leader = get_user_model().objects.filter(username="leader").first() or admin
    last_days = today.replace(day=1) - dt.timedelta(days=3)
    for duty in roster.duties.select_related("post").order_by("start", "pk"):
        if duty.pk % 12 == 5 or not duty.assignments.exists():
            continue  # not patrolled: the missed-duty sweep will list it
        outcome = patrols.save_patrol_log(
            actor=leader,
            uuid=str(uuid_lib.uuid5(uuid_lib.NAMESPACE_URL, f"shouwang-demo-duty-{duty.pk}")),
            data={
                "duty": duty.pk,
                "team": team.pk,
                "post": duty.post_id,
                "route": None,
                "place": duty.post.name,
                "method": "foot",
                "started_at": duty.start.isoformat(),
                "ended_at": duty.end.isoformat(),
                "attendance": _attendance_of(duty),
                "checklists": [],
                "findings": [],
                "publicity": "",
                "notes": "",
                "submit": True,
                "client_updated_at": duty.end.isoformat(),
            },
            base_version=None,
        )
        if outcome.status != patrols.SAVED or outcome.record is None:
            raise RuntimeError(f"demo patrol log of duty {duty.pk}: {outcome.errors}")
        if duty.date < last_days:
            review.confirm_log(outcome.record, actor=leader)
    return roster
