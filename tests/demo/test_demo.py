"""The demo township loader (`shouwang demo`): content, idempotency, logins.

`shouwang demo` runs on a fresh database, but tests/conftest.py commits a shared test world
(county 500230000000, user "admin", …) that would overlap the demo's natural keys. Each test
here therefore starts from an emptied database (reference data kept), inside the test's
transaction, so the world is back for the next test after the rollback.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.test import RequestFactory
from stdnum.cn import ric

from shouwang.areas.models import KeyPlace, Post, Route, Segment, Zone
from shouwang.core.models import AuditEvent, Jurisdiction, RoleGrant
from shouwang.core.validators import citizen_id_sex, validate_citizen_id
from shouwang.demo import data
from shouwang.demo.township import DEMO_PASSWORD, load_demo
from shouwang.forces.models import Member, Organisation, Team
from shouwang.patrols import tallies
from shouwang.patrols.models import PatrolLog

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXPECTED_LOGINS = [
    ("admin", "system_admin", "丰都县", None),
    ("county", "county_supervisor", "丰都县", None),
    ("office", "township_staff", "栗子乡", None),
    ("leader", "team_leader", "栗子乡", "栗子乡专（兼）职巡防队"),
    ("patrol", "patrol_member", "栗子乡", "栗子乡专（兼）职巡防队"),
    ("grid", "grid_worker", "栗子社区", None),
    ("concerns", "concern_officer", "栗子乡", None),
    ("auditor", "auditor", "栗子乡", None),
]


def _counts() -> dict[str, int]:
    labels = ("core", "forces", "areas")
    counts = {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label in labels
    }
    counts["auth.User"] = get_user_model().objects.count()
    return counts


# Reference data seeded by migrate, which `shouwang demo` finds in place.
KEEP = {"core.codelist", "core.codeitem", "core.role"}


@pytest.fixture(autouse=True)
def empty_db(db: None) -> None:
    """Remove every record but the reference data (rolled back with the test)."""
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        ours = model._meta.app_config.name.startswith("shouwang.")
        users = label == "auth.user" or label.startswith(("auth.user_", "admin."))
        if (ours or users or model._meta.app_label == "sessions") and label not in KEEP:
            # A raw delete: it bypasses the append-only guard of the audit trail, and the
            # deferred foreign-key checks never run because the transaction is rolled back.
            model._base_manager.all()._raw_delete(model._base_manager.db)
    assert not Jurisdiction.objects.exists()
    assert not get_user_model().objects.exists()


@pytest.fixture(autouse=True)
def fast_hashing(settings: Any) -> None:
    """Argon2 is most of the load time; the demo does not depend on the hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def logins() -> list[tuple[str, str]]:
    return load_demo()


def test_loading_twice_adds_nothing() -> None:
    first_logins = load_demo()
    first = _counts()
    audit_ids = set(AuditEvent.objects.values_list("pk", flat=True))
    # The demo's duties and patrol logs carry tallies equal to their records (the services
    # that loaded them kept them).
    assert not tallies.stale()
    assert PatrolLog.objects.filter(turnouts__gt=0).exists()

    assert load_demo() == first_logins
    assert _counts() == first
    assert set(AuditEvent.objects.values_list("pk", flat=True)) == audit_ids

    people = data.build_people()
    grids = sum(v.grids for v in data.VILLAGES)
    assert first["forces.Member"] == len(people) == 60
    assert first["forces.Team"] == 5
    assert first["forces.Organisation"] == len(data.ORGANISATIONS)
    assert first["areas.Zone"] == 4
    assert first["areas.Post"] >= 8
    assert first["areas.Segment"] == len(data.RAIL_SEGMENTS) + 1
    assert first["areas.Route"] == 3
    assert first["areas.KeyPlace"] == len(data.KEY_PLACES)
    assert first["core.Jurisdiction"] == 2 + len(data.VILLAGES) + grids
    assert first["auth.User"] == len(EXPECTED_LOGINS)
    # Everything went through the services: one audit event per record written.
    assert first["core.AuditEvent"] >= first["forces.Member"] + first["core.Jurisdiction"]


def test_jurisdiction_tree(logins: list[tuple[str, str]]) -> None:
    county = Jurisdiction.objects.get(stat_division_code="500230000000")
    township = Jurisdiction.objects.get(stat_division_code="500230209000")
    assert (county.name, county.level, county.parent) == ("丰都县", "county", None)
    assert (township.name, township.parent) == ("栗子乡", county)
    villages = Jurisdiction.objects.filter(level="village")
    assert {v.parent_id for v in villages} == {township.pk}
    assert all(v.stat_division_code.startswith("500230209") for v in villages)
    for grid in Jurisdiction.objects.filter(level="grid"):
        assert grid.parent.level == "village"
        assert grid.stat_division_code[:12] == grid.parent.stat_division_code
        assert grid.path.startswith(township.path)
    assert township.boundary["type"] == "Polygon"
    assert all(v.boundary for v in villages)


def test_identity_numbers_are_valid_and_encrypted(logins: list[tuple[str, str]]) -> None:
    members = list(Member.objects.all())
    numbers = [m.citizen_id_full() for m in members]
    assert len(set(numbers)) == len(members) == 60
    for member, number in zip(members, numbers, strict=True):
        validate_citizen_id(number)
        # An independent GB 11643 check (python-stdnum). Its birth-place test is left out:
        # it rejects 500230 for births before Chongqing's 1997 codes, which re-issued
        # numbers do carry.
        assert ric.calc_check_digit(number) == number[-1]
        assert ric.get_birth_date(number).year >= 1950
        assert number.startswith(data.REGION6)
        assert citizen_id_sex(number) == member.gender
        assert member.citizen_id_masked == number[:6] + "********" + number[-4:]
        assert number not in member.citizen_id_encrypted
        assert member.phone.startswith("1389") and len(member.phone) == 11
    # Deterministic: the data describes the same people every time.
    assert [p.citizen_id for p in data.build_people()] == [
        p.citizen_id for p in data.build_people()
    ]


def test_teams(logins: list[tuple[str, str]]) -> None:
    patrol = Team.objects.get(name="栗子乡专（兼）职巡防队")
    assert patrol.kind.code == "part_time_patrol"
    assert patrol.composition_rule == data.PATROL_RULE
    assert patrol.composition_shortfalls() == []
    for team in Team.objects.all():
        assert team.leader is not None
        assert team.members.filter(pk=team.leader.pk).exists()
        assert team.composition_shortfalls() == []

    guards = Team.objects.get(name="栗子乡保安联防队")
    assert guards.kind.code == "guard_team"
    by_employer = Counter(
        m.employer.name for m in guards.members.filter(roles__code="security_guard")
    )
    assert by_employer == {"栗子乡中心校": 3, "栗子乡中学": 3, "农商银行栗子支行": 1}
    assert guards.members.count() == 7

    kinds = set(Team.objects.values_list("kind__code", flat=True))
    assert kinds == {
        "part_time_patrol",
        "guard_team",
        "rail_protection",
        "red_armband",
        "mediators",
    }
    assert Organisation.objects.filter(kind__code="school").count() == 2


def test_areas(logins: list[tuple[str, str]]) -> None:
    zones = {z.kind.code: z for z in Zone.objects.all()}
    assert set(zones) == {"town_centre", "enterprise", "mountain", "railway_corridor"}
    assert (zones["town_centre"].frequency_count, zones["town_centre"].frequency_period) == (
        1,
        "day",
    )
    assert zones["enterprise"].frequency_period == "week"
    assert zones["mountain"].frequency_period == "month"
    assert all(z.geometry and z.villages.exists() for z in zones.values())

    school_gate = Post.objects.get(name="中心校护学岗")
    assert school_gate.start_time.strftime("%H:%M") == "16:00"
    assert (school_gate.lead_minutes, school_gate.duration_minutes) == (20, 60)
    assert school_gate.key_place.name == "栗子乡中心校"
    assert school_gate.team.kind.code == "part_time_patrol"
    assert Post.objects.get(name="中学护学岗（周五）").start_time.strftime("%H:%M") == "13:25"
    assert Post.objects.get(name="场镇夜巡岗").route is not None

    railway = Segment.objects.filter(line_kind="railway").order_by("start_m")
    assert railway.count() == 3
    assert railway[0].chainage_display.startswith("K261+160")
    for before, after in itertools.pairwise(railway):
        assert before.end_m == after.start_m
    for segment in Segment.objects.all():
        assert segment.section_chief is not None and segment.rail_section_chief
        assert segment.geometry["type"] == "LineString"
    rail_posts = Post.objects.filter(kind__code="railway_patrol")
    assert {p.segment_id for p in rail_posts} == {s.pk for s in railway}
    assert all(p.team.kind.code == "rail_protection" for p in rail_posts)

    checkpoints = KeyPlace.objects.filter(is_checkpoint=True)
    assert {"栗子乡中心校", "栗子乡中学", "场镇铁路道口", "栗子河特大桥"} <= {
        k.name for k in checkpoints
    }
    assert all(k.checkpoint_token for k in checkpoints)
    assert all(k.longitude and k.latitude for k in KeyPlace.objects.all())
    assert all(r.geometry["type"] == "LineString" for r in Route.objects.all())


def test_logins(logins: list[tuple[str, str]]) -> None:
    assert [u for u, _label in logins] == [u for u, *_ in EXPECTED_LOGINS]
    assert logins[0] == ("admin", "系统管理员")
    factory = RequestFactory()
    for (username, role, place, team), (_u, label) in zip(EXPECTED_LOGINS, logins, strict=True):
        request = factory.post("/login/")
        user = authenticate(request, username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        validate_password(DEMO_PASSWORD, user)
        grants = RoleGrant.objects.filter(user=user).select_related("role", "jurisdiction", "team")
        # The demo administrator also grants himself the people-of-concern role (audited): his
        # superuser flag alone does not reach that register.
        extra = [("concern_officer", "栗子乡", None)] if username == "admin" else []
        assert sorted(
            (g.role.key, g.jurisdiction.name, g.team.name if g.team else None) for g in grants
        ) == sorted([(role, place, team), *extra])
        assert grants.get(role__key=role).role.name == label
        if username != "admin":
            assert user.first_name and not user.is_superuser
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser
    leader = Team.objects.get(name="栗子乡专（兼）职巡防队").leader
    assert get_user_model().objects.get(username="leader").first_name == leader.name


def test_last_month_is_patrolled(logins: list[tuple[str, str]]) -> None:
    """`shouwang demo` also records last month: a published roster and handed-in logs, so the
    last full month's dashboard has duty and attendance figures; a second run adds nothing."""
    import datetime as dt

    from shouwang.demo.township import patrol_last_month
    from shouwang.reports.indicators import Period, compute
    from shouwang.rostering.models import RosterStatus

    today = dt.date(2026, 4, 10)
    roster = patrol_last_month(today)
    assert roster.month == dt.date(2026, 3, 1)
    assert roster.status == RosterStatus.PUBLISHED
    logs = PatrolLog.objects.filter(duty__roster=roster)
    duties = roster.duties.count()
    assert 0 < logs.count() < duties  # a duty in twelve is left unpatrolled
    assert logs.filter(status="submitted").exists() and logs.filter(status="confirmed").exists()
    assert not tallies.stale()

    township = Jurisdiction.objects.get(stat_division_code=data.TOWNSHIP["code"])
    march = compute(township, Period.month(2026, 3), today=today).figures
    assert march["duties_planned"].value == duties
    assert march["duties_covered"].value == logs.count()
    assert 80.0 <= march["attendance_rate"].value < 100.0

    audit = AuditEvent.objects.count()
    assert patrol_last_month(today) == roster
    assert AuditEvent.objects.count() == audit
