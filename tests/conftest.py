"""Shared test world: two counties (A inside the test users' scope, B outside it).

The world is built once per test session through the services (the only writers), right
after the test database is migrated; every test then runs inside a transaction that is
rolled back, so tests may write freely without disturbing each other.

Layout (real-looking statistical division codes):

    side A: county 500230000000 → township 500230209000 → village 500230209200
            → grid 500230209200001
    side B: county 500231000000 → township 500231100000 → village 500231100200
            → grid 500231100200001

Each side holds one organisation, team, member, zone, key place, segment, route, post,
duty rule, (empty draft) roster, (global) code item and role grant. Users exist for every
role in core/data/roles.json, granted inside side A: county_supervisor at county A, team
roles (team_leader, patrol_member) at township A with team A, every other role at
township A.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

import pytest
from django.test import Client

JSON = "application/json"
PASSWORD = "Shouwang-test-2024!"
REQUEST_ID = "test-req-12345678"

COUNTY_CODES = {"A": "500230000000", "B": "500231000000"}
TOWNSHIP_CODES = {"A": "500230209000", "B": "500231100000"}
VILLAGE_CODES = {"A": "500230209200", "B": "500231100200"}
NAMES = {"A": "甲", "B": "乙"}

# Roles whose grant is narrowed to team A as well as township A.
TEAM_ROLES = ("team_leader", "patrol_member")

# Which world record stands for each record type (by registry key).
RECORD_ATTR = {
    "jurisdiction": "grid",
    "codeitem": "codeitem",
    "rolegrant": "rolegrant",
    "organisation": "organisation",
    "team": "team",
    "member": "member",
    "zone": "zone",
    "keyplace": "keyplace",
    "segment": "segment",
    "route": "route",
    "post": "post",
    "dutyrule": "dutyrule",
    "roster": "roster",
    "holidayarrangement": "holidayarrangement",
    "memberabsence": "memberabsence",
    "memberpostcap": "memberpostcap",
    "planningpolicy": "planningpolicy",
    "keyperiod": "keyperiod",
    "weatherwarning": "weatherwarning",
    "schoolcalendar": "schoolcalendar",
    "trainpassage": "trainpassage",
    "holidayyear": "holidayyear",
    "hazard": "hazard",
    "checklist": "checklist",
    "hazardcategorypolicy": "hazardcategorypolicy",
}


def load_roles() -> dict[str, Any]:
    text = resources.files("shouwang.core.data").joinpath("roles.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


ROLES: dict[str, Any] = load_roles()
ROLE_KEYS: list[str] = list(ROLES)


def polygon(lon: float, lat: float, size: float = 0.01) -> dict[str, Any]:
    ring = [
        [lon, lat],
        [lon + size, lat],
        [lon + size, lat + size],
        [lon, lat + size],
        [lon, lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def line(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.02, lat + 0.01]]}


BASE_LON = {"A": 107.73, "B": 107.35}
BASE_LAT = {"A": 29.88, "B": 30.33}


@dataclass
class Side:
    """The records of one county."""

    name: str
    county: Any = None
    township: Any = None
    village: Any = None
    grid: Any = None
    codeitem: Any = None
    organisation: Any = None
    team: Any = None
    member: Any = None
    citizen_id: str = ""
    zone: Any = None
    keyplace: Any = None
    segment: Any = None
    route: Any = None
    post: Any = None
    dutyrule: Any = None
    roster: Any = None
    holidayarrangement: Any = None
    memberabsence: Any = None
    memberpostcap: Any = None
    planningpolicy: Any = None
    # A second post (the world's post cap is on it) and a team without a planning policy,
    # so that payloads for new caps and policies never clash with the world's own.
    cap_post: Any = None
    policy_team: Any = None
    keyperiod: Any = None
    weatherwarning: Any = None
    schoolcalendar: Any = None
    trainpassage: Any = None
    holidayyear: Any = None
    hazard: Any = None
    checklist: Any = None
    hazardcategorypolicy: Any = None
    spare_user: Any = None
    rolegrant: Any = None
    # Records added by the world extensions (tests/world_extensions/), by record type key.
    extra: dict[str, Any] = field(default_factory=dict)

    def record(self, key: str) -> Any:
        """The world's record of the record type `key` on this side."""
        if key in self.extra:
            return self.extra[key]
        attr = RECORD_ATTR.get(key)
        if attr is None:
            pytest.fail(
                f"The test world has no record of type {key!r}: add one to build_world() "
                "and a builder to make_payload() in tests/conftest.py."
            )
        return getattr(self, attr)


@dataclass
class World:
    admin: Any = None
    users: dict[str, Any] = field(default_factory=dict)
    sides: dict[str, Side] = field(default_factory=dict)

    @property
    def a(self) -> Side:
        return self.sides["A"]

    @property
    def b(self) -> Side:
        return self.sides["B"]

    def all_users(self) -> list[Any]:
        users = [self.admin, *self.users.values()]
        users += [s.spare_user for s in self.sides.values()]
        return users


def code_item(list_key: str, index: int = 0) -> Any:
    from shouwang.core.models import CodeItem

    return CodeItem.objects.filter(code_list__key=list_key, is_local=False).order_by(
        "sort_order", "pk"
    )[index]


def citizen_id_for(side: str, seq: int = 123) -> str:
    from shouwang.core.validators import make_citizen_id

    region = COUNTY_CODES[side][:6]
    return make_citizen_id(region, date(1985, 5, 17), seq)


# ---- valid create data per record type ------------------------------------------------------


def _jurisdiction(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "name": f"{NAMES[side]}新网格{n}",
        "level": "grid",
        "stat_division_code": f"{VILLAGE_CODES[side]}{n + 2:03d}",
        "parent": s.village.pk,
        "urban_rural_code": "111",
        "boundary": polygon(BASE_LON[side] + 0.05, BASE_LAT[side] + 0.05),
    }


def _codeitem(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    from shouwang.core.models import CodeList

    return {
        "code_list": CodeList.objects.get(key="zone_kind").pk,
        "code": f"local_{side.lower()}_{n}",
        "label": f"{NAMES[side]}本地区域类型{n}",
        "label_en": f"Local zone kind {side}{n}",
        "national_code": "",
        "sort_order": 900 + n,
        "active": True,
        "note": "test",
    }


GRANT_COMBOS = [
    (role, level)
    for level in ("grid", "village", "township")
    for role in ("patrol_member", "team_leader", "grid_worker", "auditor", "township_staff")
    # the world's own grant: spare user, grid_worker at the village
    if (role, level) != ("grid_worker", "village")
]


def _rolegrant(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    role, level = GRANT_COMBOS[n % len(GRANT_COMBOS)]
    return {
        "user": s.spare_user.username,
        "role": role,
        "jurisdiction": getattr(s, level).pk,
        "team": None,
    }


def _organisation(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "name": f"{NAMES[side]}新单位{n}",
        "kind": code_item("organisation_kind").pk,
        "jurisdiction": s.township.pk,
        "address": f"{NAMES[side]}路{n}号",
        "longitude": BASE_LON[side],
        "latitude": BASE_LAT[side],
        "contact_person": "张三",
        "contact_phone": "13800138000",
        "uscc": "",
    }


def _team(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "name": f"{NAMES[side]}新巡防队{n}",
        "kind": code_item("team_kind").pk,
        "jurisdiction": s.township.pk,
        "leader": None,
        "composition_rule": [{"roles": ["police_officer"], "min": 1}],
        "note": "test",
    }


def _member(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "name": f"{NAMES[side]}新队员{n}",
        "phone": f"139{n:08d}",
        "gender": "female",
        "roles": [code_item("member_role").pk],
        "jurisdiction": s.village.pk,
        "home_village": s.village.pk,
        "employer": s.organisation.pk,
        "teams": [s.team.pk],
        "employment_type": "volunteer",
        "status": "active",
        "admission_date": "2024-03-01",
        "citizen_id_number": citizen_id_for(side, 200 + n),
    }


def _zone(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "name": f"{NAMES[side]}新区域{n}",
        "kind": code_item("zone_kind").pk,
        "jurisdiction": s.township.pk,
        "villages": [s.village.pk],
        "frequency_count": 2,
        "frequency_period": "day",
        "geometry": polygon(BASE_LON[side], BASE_LAT[side]),
        "note": "test",
    }


def _keyplace(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "name": f"{NAMES[side]}新场所{n}",
        "kind": code_item("place_kind").pk,
        "jurisdiction": s.village.pk,
        "zone": s.zone.pk,
        "organisation": s.organisation.pk,
        "address": f"{NAMES[side]}街{n}号",
        "longitude": BASE_LON[side] + 0.001,
        "latitude": BASE_LAT[side] + 0.001,
        "is_checkpoint": True,
        "note": "test",
    }


def _segment(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "name": f"{NAMES[side]}新区段{n}",
        "line_kind": "railway",
        "line_name": "渝怀铁路",
        "jurisdiction": s.township.pk,
        "start_m": f"K{300 + n}+160",
        "end_m": f"K{300 + n}+900",
        "section_chief": s.member.pk,
        "rail_section_chief": "李四",
        "patrol_method": "foot",
        "geometry": line(BASE_LON[side], BASE_LAT[side]),
        "note": "test",
    }


def _route(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "name": f"{NAMES[side]}新路线{n}",
        "jurisdiction": s.township.pk,
        "zone": s.zone.pk,
        "patrol_method": "vehicle",
        "geometry": line(BASE_LON[side], BASE_LAT[side]),
        "note": "test",
    }


def _post(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "name": f"{NAMES[side]}新岗位{n}",
        "kind": code_item("post_kind").pk,
        "jurisdiction": s.township.pk,
        "team": s.team.pk,
        "zone": s.zone.pk,
        "key_place": s.keyplace.pk,
        "route": s.route.pk,
        "segment": s.segment.pk,
        "start_time": "07:30",
        "duration_minutes": 60,
        "lead_minutes": 20,
        "note": "test",
    }


def _dutyrule(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "post": s.post.pk,
        "jurisdiction": s.township.pk,
        "recurrence": "weekdays",
        "weekdays": [1, 3, 5],
        "market_pattern": "",
        "market_calendar": "lunar",
        "month_day": None,
        "start_time": "16:00",
        "duration_minutes": 40,
        "lead_minutes": 20,
        "head_count": 2,
        "role_minimums": {code_item("member_role").code: 1},
        "priority": n,
        "active": True,
        "note": "test",
    }


def _roster(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    # The world's own rosters are for 2026-01; these months never clash with them.
    return {"team": s.team.pk, "month": f"{2030 + n // 12}-{n % 12 + 1:02d}-01", "note": "test"}


def _holidayarrangement(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    # The world's own arrangements are in 2035; these dates never clash with them (nor make
    # the years the holiday tests treat as unknown "known").
    day = date(2036, 1, 1).toordinal() + n
    return {
        "jurisdiction": s.township.pk,
        "date": date.fromordinal(day).isoformat(),
        "kind": "holiday",
        "name": f"{NAMES[side]}测试假日{n}",
        "note": "test",
    }


# Calendar records (calendars app): all in 2035 or later, so they never call out the world's
# daily duty rule nor make a year the holiday tests treat as unknown "known".
SCHOOL_TIMETABLE = {
    str(day): [{"kind": "arrival", "time": "07:50"}, {"kind": "dismissal", "time": "16:30"}]
    for day in range(1, 6)
}


def _keyperiod(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "name": f"{NAMES[side]}重点时段{n}",
        "jurisdiction": s.township.pk,
        "start_date": f"{2036 + n}-02-01",
        "end_date": f"{2036 + n}-02-10",
        "daily_start": "08:00",
        "daily_end": "20:00",
        "zones": [s.zone.pk],
        "level": "一级",
        "note": "test",
    }


def _weatherwarning(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "kind": "rainstorm",
        "level": "orange",
        "starts_at": f"{2036 + n}-07-01T08:00:00+08:00",
        "ends_at": f"{2036 + n}-07-02T08:00:00+08:00",
        "zones": [s.zone.pk],
        "issuer": "县气象台",
        "jurisdiction": s.township.pk,
        "note": "test",
    }


def _schoolcalendar(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "school": s.keyplace.pk,
        "jurisdiction": s.village.pk,
        "terms": [{"name": "秋季学期", "start": f"{2036 + n}-09-01", "end": f"{2037 + n}-01-20"}],
        "vacations": [{"name": "国庆", "start": f"{2036 + n}-10-01", "end": f"{2036 + n}-10-07"}],
        "summer_from": "05-01",
        "summer_timetable": SCHOOL_TIMETABLE,
        "winter_from": "10-01",
        "winter_timetable": SCHOOL_TIMETABLE,
        "overrides": {},
        "note": "test",
    }


def _trainpassage(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "segment": s.segment.pk,
        "chainage_m": "K261+500",
        "train_no": f"K{100 + n}",
        "direction": "up",
        "passes_at": "21:15",
        "days": "daily",
        "valid_from": f"{2036 + n}-01-01",
        "valid_to": f"{2036 + n}-12-31",
        "jurisdiction": s.township.pk,
        "note": "test",
    }


def _holidayyear(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {"jurisdiction": s.township.pk, "year": 2040 + n, "complete": False, "note": "test"}


def _hazard(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "category": code_item("hazard_category").pk,
        "jurisdiction": s.village.pk,
        "description": f"{NAMES[side]}防护网破损{n}",
        "place": f"{NAMES[side]}K261+{500 + n}",
        "longitude": BASE_LON[side] + 0.003,
        "latitude": BASE_LAT[side] + 0.003,
        "severity": "general",
        "found_at": "2026-11-20T08:30:00+08:00",
        "note": "test",
    }


def _hazardcategorypolicy(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    # Unique (jurisdiction, category) per n: the world's own policy (n = -1) is on the grid
    # (below the world's hazards' village) with the first category; payloads take the next
    # categories, then the village's and the township's.
    from shouwang.core.models import CodeItem

    count = CodeItem.objects.filter(code_list__key="hazard_category", is_local=False).count()
    index = n + 1
    place = [s.grid, s.village, s.township][(index // count) % 3]
    return {
        "jurisdiction": place.pk,
        "category": code_item("hazard_category", index % count).pk,
        "default_unit": s.organisation.pk,
        "time_limit_working_days": 10 + n,
        "warn_days_before": 2,
        "public": True,
    }


def _checklist(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "name": f"{NAMES[side]}检查清单{n}",
        "category": "work_safety",
        "jurisdiction": s.township.pk,
        "items": [
            {"code": "ws-01", "text": "安全出口是否畅通", "hint": "逐层查看"},
            {"code": "ws-02", "text": "灭火器是否有效", "hint": "", "text_en": "Extinguishers"},
        ],
        "active": True,
        "note": "test",
    }


def _memberabsence(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    # The world's own absence is in 2035; these never overlap it nor each other.
    day = date(2036, 3, 1).toordinal() + 3 * n
    return {
        "member": s.member.pk,
        "kind": "leave",
        "start_date": date.fromordinal(day).isoformat(),
        "end_date": date.fromordinal(day + 1).isoformat(),
        "reason": "探亲",
        "status": "approved",
    }


def _memberpostcap(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    # One cap per member and post: further payloads need further posts, made directly (no
    # audit event) so the tests that count events and side B's rows are not disturbed.
    post = s.post if n == 0 else _spare_post(s, side, n)
    return {"member": s.member.pk, "post": post.pk, "max_per_month": n % 5, "note": "test"}


def _spare_post(s: Side, side: str, n: int) -> Any:
    from shouwang.areas.models import Post

    post, _created = Post.objects.get_or_create(
        name=f"{NAMES[side]}限次岗{n}",
        jurisdiction=s.township,
        defaults={
            "kind": code_item("post_kind"),
            "team": s.team,
            "zone": s.zone,
            "start_time": "09:00",
        },
    )
    return post


def _planningpolicy(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    # One policy per team: likewise, further payloads get further teams.
    team = s.policy_team
    if n:
        from shouwang.forces.models import Team

        team, _created = Team.objects.get_or_create(
            name=f"{NAMES[side]}备勤队{n}",
            jurisdiction=s.township,
            defaults={"kind": code_item("team_kind")},
        )
    return {
        "team": team.pk,
        "full_time_max_per_week": 5,
        "full_time_max_per_month": 22,
        "volunteer_max_per_week": 2,
        "forbid_night_then_early": True,
        "max_consecutive_duty_days": 6,
        "weight_fair_nights": 30 + n,
        "note": "test",
    }


PAYLOAD_BUILDERS = {
    "jurisdiction": _jurisdiction,
    "codeitem": _codeitem,
    "rolegrant": _rolegrant,
    "organisation": _organisation,
    "team": _team,
    "member": _member,
    "zone": _zone,
    "keyplace": _keyplace,
    "segment": _segment,
    "route": _route,
    "post": _post,
    "dutyrule": _dutyrule,
    "roster": _roster,
    "holidayarrangement": _holidayarrangement,
    "memberabsence": _memberabsence,
    "memberpostcap": _memberpostcap,
    "planningpolicy": _planningpolicy,
    "keyperiod": _keyperiod,
    "weatherwarning": _weatherwarning,
    "schoolcalendar": _schoolcalendar,
    "trainpassage": _trainpassage,
    "holidayyear": _holidayyear,
    "hazard": _hazard,
    "checklist": _checklist,
    "hazardcategorypolicy": _hazardcategorypolicy,
}

# A small, always-valid change per record type (PATCH body) and how to read it back.
CHANGE_FIELD = {
    "codeitem": ("label", "改过的标签"),
    "rolegrant": ("role", "auditor"),
    "dutyrule": ("priority", 42),
    "roster": ("note", "改过的备注"),
    "memberabsence": ("reason", "改过的原因"),
    "memberpostcap": ("max_per_month", 9),
    "planningpolicy": ("note", "改过的备注"),
    "weatherwarning": ("note", "改过的备注"),
    "schoolcalendar": ("note", "改过的备注"),
    "trainpassage": ("train_no", "K9999"),
    "holidayyear": ("note", "改过的备注"),
    "hazard": ("description", "改过的描述"),
    "hazardcategorypolicy": ("time_limit_working_days", 7),
}


# Apps may keep their part of the world in tests/world_extensions/<app>.py: a module with
# `BUILDERS` and `CHANGE_FIELD` (as above) and `build(world, side, side_name, admin)`, which
# creates that side's records and stores them in `side.extra[record type key]`.
def _load_world_extensions() -> list[Any]:
    import importlib
    import pkgutil

    import world_extensions

    modules = [
        importlib.import_module(f"world_extensions.{info.name}")
        for info in pkgutil.iter_modules(world_extensions.__path__)
    ]
    for module in modules:
        PAYLOAD_BUILDERS.update(module.BUILDERS)
        CHANGE_FIELD.update(module.CHANGE_FIELD)
    return modules


WORLD_EXTENSIONS = _load_world_extensions()


def change_payload(key: str) -> tuple[dict[str, Any], str, Any]:
    """(PATCH body, model attribute to check, expected value) for record type `key`."""
    name, value = CHANGE_FIELD.get(key, ("name", "改过的名称"))
    if key == "rolegrant":
        return {name: value}, "role.key", value
    return {name: value}, name, value


def make_payload(slug: str, world: World, side: str, n: int = 0) -> dict[str, Any]:
    """Valid create data (API JSON shape) for the record type `slug` within side A or B.

    `n` makes names and codes unique when several records are created in one test.
    """
    from shouwang.core import registry

    rt = registry.get(slug)
    builder = PAYLOAD_BUILDERS.get(rt.key)
    if builder is None:
        pytest.fail(f"make_payload() has no builder for record type {rt.key!r} ({slug}).")
    return builder(world, world.sides[side], side, n)


def as_form_data(slug: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The same data as an HTML form would post it (JSON fields as text, no None)."""
    from django import forms

    from shouwang.core import registry
    from shouwang.core.form_fields import CodeCountsField

    rt = registry.get(slug)
    data: dict[str, Any] = {}
    for name, value in payload.items():
        form_field = rt.form.base_fields.get(name)
        if value is None:
            data[name] = ""
        elif isinstance(form_field, forms.JSONField):
            data[name] = json.dumps(value, ensure_ascii=False)
        elif isinstance(form_field, CodeCountsField) and isinstance(value, dict):
            for code, count in value.items():  # one number box per code
                data[f"{name}__{code}"] = count
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    return data


def create_record(slug: str, world: World, side: str, n: int = 0, actor: Any = None) -> Any:
    """Create a record through its service (as the administrator by default)."""
    from shouwang.core import registry

    rt = registry.get(slug)
    data = make_payload(slug, world, side, n)
    return rt.create(actor=actor or world.admin, data=_service_data(data))


def _service_data(data: dict[str, Any]) -> dict[str, Any]:
    return {k: ("" if v is None else v) for k, v in data.items()}


# ---- building the world ----------------------------------------------------------------------


def build_world() -> World:
    from shouwang.areas import services as areas
    from shouwang.core import services as core
    from shouwang.forces import services as forces
    from shouwang.rostering import services as rostering

    world = World()
    admin = core.grant_system_admin(username="admin", password=PASSWORD)
    world.admin = admin

    for side in ("A", "B"):
        s = Side(name=side)
        world.sides[side] = s
        n = NAMES[side]
        s.county = core.create_jurisdiction(
            actor=admin,
            data={"name": f"{n}县", "level": "county", "stat_division_code": COUNTY_CODES[side]},
        )
        s.township = core.create_jurisdiction(
            actor=admin,
            data={
                "name": f"{n}街道",
                "level": "township",
                "stat_division_code": TOWNSHIP_CODES[side],
                "parent": s.county.pk,
            },
        )
        s.village = core.create_jurisdiction(
            actor=admin,
            data={
                "name": f"{n}社区",
                "level": "village",
                "stat_division_code": VILLAGE_CODES[side],
                "parent": s.township.pk,
                "urban_rural_code": "111",
                "boundary": polygon(BASE_LON[side], BASE_LAT[side], 0.05),
            },
        )
        s.grid = core.create_jurisdiction(
            actor=admin,
            data={
                "name": f"{n}网格",
                "level": "grid",
                "stat_division_code": VILLAGE_CODES[side] + "001",
                "parent": s.village.pk,
            },
        )
        s.codeitem = core.create_code_item(
            actor=admin,
            data={
                "code_list": code_item("team_kind").code_list_id,
                "code": f"world_{side.lower()}",
                "label": f"{n}本地队伍类型",
                "sort_order": 500,
                "active": True,
            },
        )
        s.organisation = forces.create_organisation(
            actor=admin,
            data={
                "name": f"{n}派出所",
                "kind": code_item("organisation_kind").pk,
                "jurisdiction": s.township.pk,
                "address": f"{n}大道1号",
                "longitude": BASE_LON[side],
                "latitude": BASE_LAT[side],
                "contact_phone": "023-70601234",
            },
        )
        s.team = forces.create_team(
            actor=admin,
            data={
                "name": f"{n}巡防队",
                "kind": code_item("team_kind").pk,
                "jurisdiction": s.township.pk,
                "composition_rule": [{"roles": ["police_officer"], "min": 1}],
            },
        )
        s.citizen_id = citizen_id_for(side)
        s.member = forces.create_member(
            actor=admin,
            data={
                "name": f"{n}队员",
                "phone": "13900001111",
                "gender": "male",
                "roles": [code_item("member_role").pk],
                "jurisdiction": s.village.pk,
                "home_village": s.village.pk,
                "employer": s.organisation.pk,
                "teams": [s.team.pk],
                "employment_type": "part_time",
                "status": "active",
                "citizen_id_number": s.citizen_id,
            },
        )
        s.team = forces.update_team(s.team, actor=admin, data={"leader": s.member.pk})
        s.zone = areas.create_zone(
            actor=admin,
            data={
                "name": f"{n}场镇集中区",
                "kind": code_item("zone_kind").pk,
                "jurisdiction": s.township.pk,
                "villages": [s.village.pk],
                "frequency_count": 3,
                "frequency_period": "day",
                "geometry": polygon(BASE_LON[side], BASE_LAT[side]),
            },
        )
        s.keyplace = areas.create_key_place(
            actor=admin,
            data={
                "name": f"{n}小学",
                "kind": code_item("place_kind").pk,
                "jurisdiction": s.village.pk,
                "zone": s.zone.pk,
                "organisation": s.organisation.pk,
                "longitude": BASE_LON[side] + 0.002,
                "latitude": BASE_LAT[side] + 0.002,
                "is_checkpoint": True,
            },
        )
        s.segment = areas.create_segment(
            actor=admin,
            data={
                "name": f"{n}区段",
                "line_kind": "railway",
                "line_name": "渝怀铁路",
                "jurisdiction": s.township.pk,
                "start_m": "K261+160",
                "end_m": "K262+600",
                "section_chief": s.member.pk,
                "patrol_method": "foot",
                "geometry": line(BASE_LON[side], BASE_LAT[side]),
            },
        )
        s.route = areas.create_route(
            actor=admin,
            data={
                "name": f"{n}巡逻路线",
                "jurisdiction": s.township.pk,
                "zone": s.zone.pk,
                "patrol_method": "foot",
                "geometry": line(BASE_LON[side], BASE_LAT[side]),
            },
        )
        s.post = areas.create_post(
            actor=admin,
            data={
                "name": f"{n}护学岗",
                "kind": code_item("post_kind").pk,
                "jurisdiction": s.township.pk,
                "team": s.team.pk,
                "zone": s.zone.pk,
                "key_place": s.keyplace.pk,
                "start_time": "07:30",
                "duration_minutes": 60,
                "lead_minutes": 20,
            },
        )
        s.dutyrule = rostering.create_duty_rule(
            actor=admin,
            data={
                "post": s.post.pk,
                "jurisdiction": s.township.pk,
                "recurrence": "daily",
                "head_count": 1,
                "role_minimums": {},
                "priority": 1,
                "active": True,
            },
        )
        s.roster = rostering.create_roster(
            actor=admin, data={"team": s.team.pk, "month": "2026-01-01", "note": ""}
        )
        s.holidayarrangement = rostering.create_holiday_arrangement(
            actor=admin,
            data={
                "jurisdiction": s.township.pk,
                "date": "2035-10-01",
                "kind": "holiday",
                "name": "国庆节",
                "note": "",
            },
        )
        from shouwang.calendars import services as calendars

        s.keyperiod = calendars.create_key_period(
            actor=admin, data=_service_data(_keyperiod(world, s, side, -1))
        )
        s.weatherwarning = calendars.create_weather_warning(
            actor=admin, data=_service_data(_weatherwarning(world, s, side, -1))
        )
        s.schoolcalendar = calendars.create_school_calendar(
            actor=admin, data=_service_data(_schoolcalendar(world, s, side, -1))
        )
        s.trainpassage = calendars.create_train_passage(
            actor=admin, data=_service_data(_trainpassage(world, s, side, -1))
        )
        s.holidayyear = calendars.create_holiday_year(
            actor=admin, data=_service_data(_holidayyear(world, s, side, -1))
        )
        from shouwang.hazards import services as hazards

        s.hazard = hazards.create_hazard(
            actor=admin, data=_service_data(_hazard(world, s, side, -1))
        )
        s.hazardcategorypolicy = hazards.create_category_policy(
            actor=admin, data=_service_data(_hazardcategorypolicy(world, s, side, -1))
        )
        from shouwang.patrols import checklists

        # Inactive, so the phone app's list of checklists stays what each test makes.
        s.checklist = checklists.create_checklist(
            actor=admin, data={**_service_data(_checklist(world, s, side, -1)), "active": False}
        )
        # The members' side of planning (forces app).
        s.memberabsence = forces.create_absence(
            actor=admin,
            data={
                "member": s.member.pk,
                "kind": "leave",
                "start_date": "2035-03-01",
                "end_date": "2035-03-03",
                "reason": "探亲",
                "status": "approved",
            },
        )
        s.cap_post = areas.create_post(
            actor=admin,
            data={
                "name": f"{n}夜巡岗",
                "kind": code_item("post_kind").pk,
                "jurisdiction": s.township.pk,
                "team": s.team.pk,
                "zone": s.zone.pk,
                "start_time": "20:00",
                "duration_minutes": 120,
                "lead_minutes": 0,
            },
        )
        s.memberpostcap = forces.create_member_post_cap(
            actor=admin,
            data={"member": s.member.pk, "post": s.cap_post.pk, "max_per_month": 0},
        )
        s.planningpolicy = forces.create_planning_policy(
            actor=admin, data={"team": s.team.pk, "forbid_night_then_early": True}
        )
        s.policy_team = forces.create_team(
            actor=admin,
            data={
                "name": f"{n}备勤队",
                "kind": code_item("team_kind").pk,
                "jurisdiction": s.township.pk,
                "composition_rule": [],
            },
        )
        s.spare_user = core.create_user(
            actor=admin, username=f"spare_{side.lower()}", password=PASSWORD
        )
        for extension in WORLD_EXTENSIONS:
            extension.build(world, s, side, admin)
        s.rolegrant = core.create_role_grant(
            actor=admin,
            data={
                "user": s.spare_user.username,
                "role": "grid_worker",
                "jurisdiction": s.village.pk,
            },
        )

    a = world.a
    for key in ROLE_KEYS:
        user = core.create_user(
            actor=admin, username=f"u_{key}", password=PASSWORD, full_name=ROLES[key]["name"]
        )
        place = a.county if key == "county_supervisor" else a.township
        core.create_role_grant(
            actor=admin,
            data={
                "user": user.username,
                "role": key,
                "jurisdiction": place.pk,
                "team": a.team.pk if key in TEAM_ROLES else "",
            },
        )
        world.users[key] = user
    return world


_WORLD: list[World] = []


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Migrate the test database, then build the shared world once (committed)."""
    with django_db_blocker.unblock():
        _WORLD.append(build_world())


@pytest.fixture
def world(db: Any, django_db_setup: Any) -> World:
    """The shared world; each test's writes are rolled back afterwards."""
    from shouwang.core.scoping import forget_grants

    w = _WORLD[0]
    for user in w.all_users():
        forget_grants(user)
    return w


@pytest.fixture
def login(world: World) -> Any:
    """`login(user_or_role_key)` → a test Client with that user signed in (session auth)."""

    def _login(who: Any, **client_kwargs: Any) -> Client:
        user = world.users[who] if isinstance(who, str) else who
        client = Client(**client_kwargs)
        client.force_login(user)
        return client

    return _login


def api_url(slug: str, pk: Any = None) -> str:
    return f"/api/v1/{slug}/" if pk is None else f"/api/v1/{slug}/{pk}"


def page_url(slug: str, pk: Any = None, action: str = "") -> str:
    if pk is None:
        return f"/r/{slug}/{action + '/' if action else ''}"
    return f"/r/{slug}/{pk}/{action + '/' if action else ''}"


def send(client: Client, method: str, url: str, data: Any = None, **extra: Any) -> Any:
    """Send JSON to the API."""
    call = getattr(client, method.lower())
    if data is None:
        return call(url, **extra)
    return call(url, data=json.dumps(data), content_type=JSON, **extra)


def error_fields(response: Any) -> dict[str, list[str]]:
    """field → messages of a 422 answer in the documented shape."""
    body = response.json()
    out: dict[str, list[str]] = {}
    for err in body.get("errors", []):
        out.setdefault(err["field"], []).append(err["message"])
    return out
