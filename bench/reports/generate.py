"""Reports benchmark data: a county-scale data set on PostgreSQL, generated fast.

One county of 200 townships and 2,500 villages, 20,000 patrol members in 800 teams, and one
year of work: published monthly rosters with ≈2,070,000 duties and their assignments,
≈2,000,000 patrol logs with attendance rows and on-site check-ins, missed duties, 200,000
hazards in realistic states (some overdue), 130,000 weekly dispute screenings and 100,000
disputes with their mediation sessions, 20,000 people of concern with their visits,
trainings with attendance, and railway segments, incidents and household representatives in
the railway townships (one township in ten).

    .venv/bin/python bench/reports/generate.py --database-url postgres://…/db          # full
    .venv/bin/python bench/reports/generate.py --database-url postgres://…/db --scale 0.01

The schema comes from the project's migrations (`migrate` on the database given, which must
hold no jurisdictions yet). Small tables (jurisdictions, users, teams, members, posts …) are
written with COPY from Python; the large ones with `INSERT … SELECT generate_series` inside
PostgreSQL, drawing "random" numbers from a hash of the row's key, so the data set is the same
on every run (`--seed`) without sending millions of rows through Python. Columns the
generator does not set get the model field's default (or '' / NULL), so every NOT NULL column
is filled as the ORM would fill it. `--scale` scales the number of townships (the density per
township stays the same): 0.01 is 2 townships. Ends with VACUUM ANALYZE and prints the rows
per table and the time taken.
"""

# The SQL here is assembled from this file's own constants and ids (no outside input).
# ruff: noqa: S608

from __future__ import annotations

import argparse
import atexit
import dataclasses
import datetime as dt
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SRC = ROOT / "src"
TZ = ZoneInfo("Asia/Shanghai")

# Full-scale shape (per township unless said otherwise).
TOWNSHIPS = 200
VILLAGES = 2500  # in the county: 12 or 13 per township
TEAMS_PER_TOWNSHIP = 4
MEMBERS_PER_TEAM = 25  # 100 members per township, 20,000 in the county
POSTS_PER_TEAM = 7  # one duty a day each: 5,600 posts × 370 days ≈ 2.07 M duties
HAZARDS_PER_TOWNSHIP = 1000  # 200,000
DISPUTES_PER_TOWNSHIP = 500  # 100,000
CONCERNS_PER_VILLAGE = 8  # 20,000
TRAININGS_PER_MONTH = 2  # per township
RAILWAY_EVERY = 10  # township 1, 11, 21 … has a railway line
LOG_RATE = 0.97  # share of past duties with a patrol log
UNROSTERED_RATE = 0.01  # extra patrol logs without a duty, per duty
SCREENING_RATE = 0.95  # share of village-weeks with a dispute screening

COUNTY_CODE = "370724"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰建华文玉红志国海燕斌鹏春辉波宁林峰"
TOWN_SUFFIX = ("镇", "乡", "街道")
POST_STARTS = (
    dt.time(7),
    dt.time(9),
    dt.time(14),
    dt.time(17),
    dt.time(19),
    dt.time(21),
    dt.time(23),
)


# --------------------------------------------------------------------------- options


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL database to fill")
    parser.add_argument("--scale", type=float, default=1.0, help="share of the 200 townships (1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        help="the day the data set ends (default: today in Asia/Shanghai); the year before it "
        "is filled, from the first day of the same month a year earlier",
    )
    return parser.parse_args(argv)


# --------------------------------------------------------------------------- shape


@dataclasses.dataclass(frozen=True)
class Shape:
    """Every id the generator hands out, derived from the scale (ids are assigned, not read)."""

    townships: int
    today: dt.date
    start: dt.date  # first day of the year's data
    villages_of: list[int]  # villages per township

    @property
    def county_id(self) -> int:
        return 1

    def township_id(self, t: int) -> int:  # t = 0 … townships-1
        return 2 + t

    @property
    def first_village_id(self) -> int:
        return 2 + self.townships

    @property
    def villages(self) -> int:
        return sum(self.villages_of)

    def village_lo(self, t: int) -> int:
        return self.first_village_id + sum(self.villages_of[:t])

    @property
    def teams(self) -> int:
        return self.townships * TEAMS_PER_TOWNSHIP

    @property
    def members(self) -> int:
        return self.teams * MEMBERS_PER_TEAM

    @property
    def months(self) -> list[dt.date]:
        out, d = [], self.start
        while d <= self.today:
            out.append(d)
            d = (d + dt.timedelta(days=32)).replace(day=1)
        return out

    # users: 1 admin, then one office user per township, one per team, one per village
    def office_user(self, t: int) -> int:
        return 2 + t

    def team_user(self, team: int) -> int:  # team = 1 … teams
        return 1 + self.townships + team

    def village_user_offset(self) -> int:  # village user id = village id + offset
        return 1 + self.townships + self.teams + 1 - self.first_village_id

    @property
    def users(self) -> int:
        return 1 + self.townships + self.teams + self.villages

    def is_railway(self, t: int) -> bool:
        return t % RAILWAY_EVERY == 0


def make_shape(scale: float, today: dt.date) -> Shape:
    townships = max(1, round(TOWNSHIPS * scale))
    per = VILLAGES / TOWNSHIPS
    villages_of = [int(per * (t + 1)) - int(per * t) for t in range(townships)]
    start = today.replace(day=1)
    start = start.replace(year=start.year - 1)
    return Shape(townships=townships, today=today, start=start, villages_of=villages_of)


# --------------------------------------------------------------------------- SQL helpers


def lit(value: Any) -> str:
    """A Python value as an SQL literal (for field defaults and constants of our own)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return f"'{value.isoformat()}'::timestamptz"
    if isinstance(value, dt.date):
        return f"'{value.isoformat()}'::date"
    if isinstance(value, dict | list):
        return "'" + json.dumps(value).replace("'", "''") + "'::jsonb"
    return "'" + str(value).replace("'", "''") + "'"


class Writer:
    """Fills a model's table, giving every column the caller leaves out the field's default."""

    def __init__(self, conn: Any, now: dt.datetime, today: dt.date) -> None:
        self.conn = conn
        self.now = now
        self.today = today
        self.explicit_ids: set[str] = set()

    def _defaults(self, model: Any, given: Iterable[str]) -> list[tuple[str, Any]]:
        from django.db import models
        from django.utils import timezone

        given = set(given)
        out: list[tuple[str, Any]] = []
        for f in model._meta.concrete_fields:
            column = str(f.column)
            if column in given or f.name in given or f.attname in given:
                continue
            if f.primary_key:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                out.append((column, self.now))
            elif f.has_default():
                default = f.default
                if default is timezone.now:
                    value: Any = self.now
                elif default is timezone.localdate:
                    value = self.today
                elif callable(default) and default not in (dict, list):
                    raise ValueError(f"{model.__name__}.{f.name}: give a value (callable default)")
                else:
                    value = f.get_default()
                    if isinstance(value, models.Choices):
                        value = value.value
                out.append((column, value))
            elif f.null:
                out.append((column, None))
            elif isinstance(f, models.CharField | models.TextField):
                out.append((column, ""))
            else:
                raise ValueError(f"{model.__name__}.{f.name}: NOT NULL without default")
        return out

    def _column(self, model: Any, name: str) -> str:
        if name == "id":
            return "id"
        f = model._meta.get_field(name)
        return str(f.column)

    def copy(self, model: Any, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """COPY rows (values for `names`, in order) into the model's table."""
        defaults = self._defaults(model, names)
        columns = [self._column(model, n) for n in names] + [c for c, _ in defaults]
        tail = tuple(json.dumps(v) if isinstance(v, dict | list) else v for _, v in defaults)
        if "id" in names:
            self.explicit_ids.add(model._meta.db_table)
        n = 0
        cols = ", ".join(f'"{c}"' for c in columns)
        with (
            self.conn.cursor() as cur,
            cur.copy(
                f"COPY {model._meta.db_table} ({cols}) FROM STDIN"  # type: ignore[arg-type]
            ) as copy,
        ):
            for row in rows:
                copy.write_row(
                    tuple(json.dumps(v) if isinstance(v, dict | list) else v for v in row) + tail
                )
                n += 1
        return n

    def insert(self, model: Any, exprs: dict[str, str], source: str, with_: str = "") -> int:
        """INSERT INTO the model's table [WITH with_] SELECT exprs (SQL per field) source."""
        defaults = self._defaults(model, exprs)
        columns = [self._column(model, n) for n in exprs] + [c for c, _ in defaults]
        values = list(exprs.values()) + [lit(v) for _, v in defaults]
        if "id" in exprs:
            self.explicit_ids.add(model._meta.db_table)
        cols = ", ".join(f'"{c}"' for c in columns)
        sql = (
            f"INSERT INTO {model._meta.db_table} ({cols})\n{with_}\n"
            f"SELECT {', '.join(values)}\n{source}"
        )
        t0 = time.perf_counter()
        with self.conn.cursor() as cur:
            cur.execute(sql)  # type: ignore[arg-type]  # our own SQL, no outside input
            n = int(cur.rowcount)
        print(
            f"    {model._meta.db_table:<36} {n:>10,} rows {time.perf_counter() - t0:7.1f} s",
            flush=True,
        )
        return n

    def execute(self, sql: str) -> int:
        with self.conn.cursor() as cur:
            cur.execute(sql)  # type: ignore[arg-type]
            return int(cur.rowcount)

    def scalar(self, sql: str) -> Any:
        with self.conn.cursor() as cur:
            cur.execute(sql)  # type: ignore[arg-type]
            row = cur.fetchone()
            return row[0] if row else None


def install_random(w: Writer, seed: int) -> None:
    """pg_temp.r(key, salt): a deterministic uniform number in [0, 1) per key and salt."""
    w.execute(
        "CREATE FUNCTION pg_temp.r(k bigint, salt int) RETURNS double precision "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
        f"$$ SELECT (hashint8(k * 1000003 + salt * 7919 + {int(seed)}) & 2147483647)"
        "::double precision / 2147483648.0 $$"
    )
    # pg_temp.h(key, salt, n): a deterministic integer in [0, n).
    w.execute(
        "CREATE FUNCTION pg_temp.h(k bigint, salt int, n int) RETURNS int "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
        f"$$ SELECT ((hashint8(k * 1000003 + salt * 7919 + {int(seed)}) & 2147483647) % n)::int $$"
    )


def ids_of(w: Writer, list_key: str) -> dict[str, int]:
    with w.conn.cursor() as cur:
        cur.execute(
            "SELECT i.code, i.id FROM core_codeitem i JOIN core_codelist l "
            "ON l.id = i.code_list_id WHERE l.key = %s ORDER BY i.sort_order, i.code",
            (list_key,),
        )
        return {code: pk for code, pk in cur.fetchall()}


def choices(model: Any, field: str) -> list[str]:
    return [str(c[0]) for c in model._meta.get_field(field).choices]


def int_array(values: Iterable[int]) -> str:
    return "'{" + ",".join(str(v) for v in values) + "}'::int[]"


def text_array(values: Iterable[str]) -> str:
    return "'{" + ",".join(values) + "}'::text[]"


# --------------------------------------------------------------------------- generation


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def fill_small(w: Writer, s: Shape, seed: int) -> None:
    """Jurisdictions, users, organisations, teams, members, posts, rules, rosters (COPY)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from shouwang.areas.models import Post, Segment
    from shouwang.core.models import Jurisdiction
    from shouwang.forces.models import Member, Organisation, Team
    from shouwang.railway.models import HouseholdRepresentative
    from shouwang.rostering.models import DutyRule, Roster

    rng = random.Random(seed)
    user_model = get_user_model()
    county = (s.county_id, "示范县", "county", f"{COUNTY_CODE}000000", None, f"/{s.county_id}/")
    jur: list[tuple[Any, ...]] = [county]
    for t in range(s.townships):
        tid = s.township_id(t)
        name = f"第{t + 1:03d}{TOWN_SUFFIX[t % 3]}"
        jur.append((tid, name, "township", f"{COUNTY_CODE}{t + 1:03d}000", 1, f"/1/{tid}/"))
    for t in range(s.townships):
        tid = s.township_id(t)
        for v in range(s.villages_of[t]):
            vid = s.village_lo(t) + v
            jur.append(
                (vid, f"第{t + 1:03d}镇{v + 1:02d}村", "village",
                 f"{COUNTY_CODE}{t + 1:03d}{v + 1:03d}", tid, f"/1/{tid}/{vid}/")
            )  # fmt: skip
    w.copy(Jurisdiction, ["id", "name", "level", "stat_division_code", "parent", "path"], jur)

    unusable = make_password(None)
    users: list[tuple[Any, ...]] = [(1, "bench_admin", True, True)]
    users += [(s.office_user(t), f"office_{t + 1:03d}", False, False) for t in range(s.townships)]
    users += [(s.team_user(k), f"team_{k:04d}", False, False) for k in range(1, s.teams + 1)]
    off = s.village_user_offset()
    users += [
        (v + off, f"grid_{v:05d}", False, False)
        for v in range(s.first_village_id, s.first_village_id + s.villages)
    ]
    w.copy(
        user_model,
        ["id", "username", "is_superuser", "is_staff", "password", "date_joined", "is_active"],
        ((*u, unusable, w.now, True) for u in users),
    )

    org_kind = ids_of(w, "organisation_kind")
    orgs: list[tuple[Any, ...]] = []
    for t in range(s.townships):
        for v in range(s.villages_of[t]):
            vid = s.village_lo(t) + v
            orgs.append(
                (
                    vid - s.first_village_id + 1,
                    f"村民委员会{vid}",
                    org_kind["village_committee"],
                    vid,
                )
            )
    for t in range(s.townships):
        base = s.villages + 1 + 2 * t
        tid = s.township_id(t)
        orgs.append((base, "人民政府", org_kind["township_office"], tid))
        orgs.append((base + 1, "派出所", org_kind["police_station"], tid))
    w.copy(Organisation, ["id", "name", "kind", "jurisdiction"], orgs)

    team_kind = ids_of(w, "team_kind")
    kinds = [team_kind["part_time_patrol"], team_kind["volunteer_patrol"], team_kind["red_armband"]]
    teams = []
    for k in range(1, s.teams + 1):
        t = (k - 1) // TEAMS_PER_TOWNSHIP
        kind = team_kind["rail_protection"] if s.is_railway(t) and k % 4 == 0 else kinds[k % 3]
        teams.append((k, f"巡防{(k - 1) % TEAMS_PER_TOWNSHIP + 1}队", kind, s.township_id(t)))
    w.copy(Team, ["id", "name", "kind", "jurisdiction"], teams)

    members = []
    member_teams = []
    roles = ids_of(w, "member_role")
    role_ids = [
        roles["auxiliary_police"],
        roles["security_guard"],
        roles["volunteer"],
        roles["grid_worker"],
    ]
    member_roles = []
    for m in range(1, s.members + 1):
        team = (m - 1) // MEMBERS_PER_TEAM + 1
        t = (team - 1) // TEAMS_PER_TOWNSHIP
        village = s.village_lo(t) + (m % s.villages_of[t])
        leader = (m - 1) % MEMBERS_PER_TEAM == 0
        status = "left" if rng.random() < 0.02 and not leader else "active"
        employment = "full_time" if leader else rng.choice(("part_time", "part_time", "volunteer"))
        admitted = s.start - dt.timedelta(days=rng.randrange(30, 3000))
        members.append(
            (m, person_name(rng), f"13{rng.randrange(10**9):09d}",
             rng.choice(("male", "male", "female")), s.township_id(t), village, employment,
             status, admitted, s.team_user(team) if leader else None)
        )  # fmt: skip
        member_teams.append((m, team))
        member_roles.append((m, role_ids[m % len(role_ids)]))
    w.copy(
        Member,
        ["id", "name", "phone", "gender", "jurisdiction", "home_village", "employment_type",
         "status", "admission_date", "user"],
        members,
    )  # fmt: skip
    w.copy(Member.teams.through, ["member_id", "team_id"], member_teams)
    w.copy(Member.roles.through, ["member_id", "codeitem_id"], member_roles)
    w.execute(f"UPDATE forces_team SET leader_id = (id - 1) * {MEMBERS_PER_TEAM} + 1")

    post_kind = ids_of(w, "post_kind")
    posts, rules = [], []
    for k in range(1, s.teams + 1):
        t = (k - 1) // TEAMS_PER_TOWNSHIP
        for p in range(POSTS_PER_TEAM):
            pid = (k - 1) * POSTS_PER_TEAM + p + 1
            n = (k - 1) % TEAMS_PER_TOWNSHIP * POSTS_PER_TEAM + p
            village = s.village_lo(t) + n % s.villages_of[t]
            start = POST_STARTS[p]
            code = ("school_gate" if start.hour in (7, 17) else "night_patrol" if start.hour >= 21
                    else "street")  # fmt: skip
            posts.append((pid, f"{k}队{p + 1}号岗", post_kind[code], village, k, start, 120))
            rules.append((pid, pid, village, "daily", 1 + (pid % 4 == 0)))
    w.copy(
        Post,
        ["id", "name", "kind", "jurisdiction", "team", "start_time", "duration_minutes"],
        posts,
    )
    w.copy(DutyRule, ["id", "post", "jurisdiction", "recurrence", "head_count"], rules)

    months = s.months
    rosters = []
    for k in range(1, s.teams + 1):
        for i, month in enumerate(months):
            rosters.append(
                ((k - 1) * len(months) + i + 1, k, month, "published",
                 dt.datetime.combine(month - dt.timedelta(days=5), dt.time(10), TZ))
            )  # fmt: skip
    w.copy(Roster, ["id", "team", "month", "status", "generated_at"], rosters)

    segments: list[tuple[Any, ...]] = []
    reps: list[tuple[Any, ...]] = []
    for t in range(s.townships):
        if not s.is_railway(t):
            continue
        for g in range(3):
            sid = len(segments) + 1
            segments.append(
                (sid, f"京沪线K{t * 30 + g * 10}段", "railway", "京沪线", s.township_id(t),
                 (t * 30 + g * 10) * 1000, (t * 30 + g * 10 + 10) * 1000, "foot")
            )  # fmt: skip
            for r in range(7):
                reps.append(
                    (len(reps) + 1, s.village_lo(t) + r % s.villages_of[t], person_name(rng),
                     f"13{rng.randrange(10**9):09d}", f"{r + 1}组", 10, sid, s.start, "active")
                )  # fmt: skip
    w.copy(
        Segment,
        ["id", "name", "line_kind", "line_name", "jurisdiction", "start_m", "end_m",
         "patrol_method"],
        segments,
    )  # fmt: skip
    w.copy(
        HouseholdRepresentative,
        ["id", "jurisdiction", "name", "phone", "villager_group", "households", "segment",
         "appointed_on", "status"],
        reps,
    )  # fmt: skip


def fill_helpers(w: Writer, s: Shape) -> None:
    """Temp tables: townships with their village range, users and railway flag."""
    w.execute(
        "CREATE TEMP TABLE bt (t int PRIMARY KEY, tid int, vil_lo int, vil_n int, "
        "office_user int, railway bool, org_office int, org_police int)"
    )
    rows = [
        (t, s.township_id(t), s.village_lo(t), s.villages_of[t], s.office_user(t),
         s.is_railway(t), s.villages + 1 + 2 * t, s.villages + 2 + 2 * t)
        for t in range(s.townships)
    ]  # fmt: skip
    with w.conn.cursor() as cur, cur.copy("COPY bt FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    w.execute("ANALYZE bt")


def fill_patrols(w: Writer, s: Shape) -> None:
    from shouwang.patrols.models import CheckIn, LogAttendance, MissedDuty, PatrolLog
    from shouwang.rostering.models import Duty, DutyAssignment

    m0 = s.start.year * 12 + s.start.month - 1
    nm = len(s.months)
    end_day = s.today - dt.timedelta(days=1)
    now = lit(w.now)
    # Duties: every post, every day of the year up to yesterday.
    w.insert(
        Duty,
        {
            "roster": f"(p.team_id - 1) * {nm} + (extract(year from d)::int * 12 "
            f"+ extract(month from d)::int - 1 - {m0}) + 1",
            "post": "p.id",
            "rule": "p.id",
            "date": "d::date",
            "start": "(d::date + p.start_time) AT TIME ZONE 'Asia/Shanghai'",
            "end": "(d::date + p.start_time + make_interval(mins => p.duration_minutes)) "
            "AT TIME ZONE 'Asia/Shanghai'",
            "required_count": "1 + (p.id % 4 = 0)::int",
        },
        f"FROM generate_series({lit(s.start)}, {lit(end_day)}, interval '1 day') d "
        "CROSS JOIN areas_post p ORDER BY d, p.id",
    )
    w.insert(
        DutyAssignment,
        {
            "duty": "d.id",
            "member": f"(p.team_id - 1) * {MEMBERS_PER_TEAM} + 1 + "
            f"(pg_temp.h(d.id, 1, {MEMBERS_PER_TEAM}) + k) % {MEMBERS_PER_TEAM}",
            "is_manual": "false",
        },
        "FROM rostering_duty d JOIN areas_post p ON p.id = d.post_id "
        "CROSS JOIN LATERAL generate_series(0, d.required_count - 1) k",
    )
    # Patrol logs: most past duties, started a little before or after the duty's start.
    recent = lit(s.today - dt.timedelta(days=7))
    status = (
        f"CASE WHEN d.date >= {recent} THEN (CASE WHEN pg_temp.r(d.id, 3) < 0.5 THEN 'submitted' "
        "WHEN pg_temp.r(d.id, 3) < 0.8 THEN 'confirmed' ELSE 'open' END) "
        "WHEN pg_temp.r(d.id, 3) < 0.93 THEN 'confirmed' ELSE 'submitted' END"
    )
    w.insert(
        PatrolLog,
        {
            "uuid": "md5('log:' || d.id)::uuid",
            "duty": "d.id",
            "team": "p.team_id",
            "jurisdiction": "p.jurisdiction_id",
            "post": "p.id",
            "place": "p.name",
            "method": "CASE WHEN p.id % 3 = 0 THEN 'vehicle' ELSE 'foot' END",
            "started_at": "d.start + make_interval(mins => pg_temp.h(d.id, 4, 30) - 10)",
            "ended_at": "d.end + make_interval(mins => pg_temp.h(d.id, 5, 30) - 10)",
            "status": "s.status",
            "author": f"{s.team_user(0)} + p.team_id",
            "confirmed_by": f"CASE WHEN s.status = 'confirmed' THEN {s.office_user(0)} "
            f"+ (p.team_id - 1) / {TEAMS_PER_TOWNSHIP} END",
            "confirmed_at": "CASE WHEN s.status = 'confirmed' THEN d.end + interval '20 hours' END",
            "client_updated_at": "d.end",
            "received_at": "d.end + interval '5 minutes'",
            "updated_at": "d.end + interval '5 minutes'",
        },
        f"FROM rostering_duty d JOIN areas_post p ON p.id = d.post_id "
        f"CROSS JOIN LATERAL (SELECT {status} AS status) s "
        f"WHERE d.end < {now} AND pg_temp.r(d.id, 2) < {LOG_RATE} ORDER BY d.id",
    )
    # A few patrols without a duty (a leader's extra round): jurisdiction of a post.
    w.insert(
        PatrolLog,
        {
            "uuid": "md5('extra:' || d.id)::uuid",
            "team": "p.team_id",
            "jurisdiction": "p.jurisdiction_id",
            "place": "p.name || '（临时）'",
            "method": "'foot'",
            "started_at": "d.start + interval '3 hours'",
            "ended_at": "d.start + interval '4 hours'",
            "status": "'confirmed'",
            "author": f"{s.team_user(0)} + p.team_id",
            "confirmed_by": f"{s.office_user(0)} + (p.team_id - 1) / {TEAMS_PER_TOWNSHIP}",
            "confirmed_at": "d.start + interval '24 hours'",
            "client_updated_at": "d.start + interval '4 hours'",
            "received_at": "d.start + interval '4 hours'",
            "updated_at": "d.start + interval '4 hours'",
        },
        f"FROM rostering_duty d JOIN areas_post p ON p.id = d.post_id "
        f"WHERE d.end < {now} AND pg_temp.r(d.id, 6) < {UNROSTERED_RATE} ORDER BY d.id",
    )
    w.insert(
        LogAttendance,
        {
            "log": "l.id",
            "member": "a.member_id",
            "status": "CASE WHEN pg_temp.r(a.id, 7) < 0.90 THEN 'present' "
            "WHEN pg_temp.r(a.id, 7) < 0.95 THEN 'late' ELSE 'absent' END",
            "rostered": "true",
        },
        "FROM patrols_patrollog l JOIN rostering_dutyassignment a ON a.duty_id = l.duty_id "
        "ORDER BY l.id, a.member_id",
    )
    w.insert(
        LogAttendance,
        {
            "log": "l.id",
            "member": f"(l.team_id - 1) * {MEMBERS_PER_TEAM} + 1",
            "status": "'present'",
            "rostered": "false",
        },
        "FROM patrols_patrollog l WHERE l.duty_id IS NULL ORDER BY l.id",
    )
    # One start check-in per member on site; 4 % outside the post's geofence.
    w.insert(
        CheckIn,
        {
            "uuid": "md5('checkin:' || a.id)::uuid",
            "log": "a.log_id",
            "member": "a.member_id",
            "kind": "'start'",
            "latitude": "35.5 + pg_temp.r(a.id, 8) / 10",
            "longitude": "118.5 + pg_temp.r(a.id, 9) / 10",
            "accuracy_m": "10 + pg_temp.h(a.id, 10, 30)",
            "phone_time": "l.started_at",
            "received_at": "l.received_at",
            "distance_m": "CASE WHEN pg_temp.r(a.id, 11) < 0.04 THEN 400 + pg_temp.h(a.id, 12, 900)"
            " ELSE pg_temp.h(a.id, 12, 250) END",
            "inside_geofence": "pg_temp.r(a.id, 11) >= 0.04",
            "flag": "CASE WHEN pg_temp.r(a.id, 11) < 0.04 THEN 'outside_geofence' ELSE '' END",
        },
        "FROM patrols_logattendance a JOIN patrols_patrollog l ON l.id = a.log_id "
        "WHERE a.status <> 'absent' ORDER BY a.id",
    )
    # Past duties with no log: a missed duty, closed by the office unless recent.
    w.insert(
        MissedDuty,
        {
            "duty": "d.id",
            "reason": "CASE WHEN pg_temp.r(d.id, 13) < 0.5 THEN 'no_check_in' ELSE 'no_log' END",
            "opened_at": "d.end + interval '2 hours'",
            "closed_at": f"CASE WHEN d.date < {recent} THEN d.end + interval '2 days' END",
            "closed_by": f"CASE WHEN d.date < {recent} THEN {s.office_user(0)} "
            f"+ (p.team_id - 1) / {TEAMS_PER_TOWNSHIP} END",
            "comment": f"CASE WHEN d.date < {recent} THEN '已核实：队员临时请假' ELSE '' END",
        },
        f"FROM rostering_duty d JOIN areas_post p ON p.id = d.post_id WHERE d.end < {now} "
        "AND NOT EXISTS (SELECT 1 FROM patrols_patrollog l WHERE l.duty_id = d.id) ORDER BY d.id",
    )


def fill_tallies() -> None:
    """The dashboard tallies of the duties and logs, computed by the app's own code (the same
    function as the migration that added them) over the committed rows."""
    from django.db import connection

    from shouwang.patrols import tallies

    duties, logs = tallies.rebuild()
    print(f"    tallies of {duties:,} duties and {logs:,} logs", flush=True)
    connection.close()


def fill_hazards(w: Writer, s: Shape) -> None:
    from shouwang.hazards.models import Hazard

    cats = ids_of(w, "hazard_category")
    rail = [v for k, v in cats.items() if k.startswith("rail_")]
    other = [v for k, v in cats.items() if not k.startswith("rail_")]
    total = HAZARDS_PER_TOWNSHIP * s.townships
    from_logs = int(total * 0.4)
    nlogs = int(w.scalar("SELECT count(*) FROM patrols_patrollog WHERE duty_id IS NOT NULL"))
    every = max(1, nlogs // max(1, from_logs))
    days = (s.today - s.start).days
    today, now = lit(s.today), lit(w.now)
    # base: one row per hazard with its place, finder, time found and a key for the draws.
    base = f"""
      WITH from_logs AS (
        SELECT l.id AS k, l.id AS log_id, l.jurisdiction_id AS jid,
               l.started_at + interval '40 minutes' AS found_at, 'patrol_log' AS source
        FROM patrols_patrollog l
        WHERE l.duty_id IS NOT NULL AND l.id % {every} = 0 ORDER BY l.id LIMIT {from_logs}
      ), other AS (
        SELECT -i AS k, NULL::bigint AS log_id,
               bt.vil_lo + pg_temp.h(i, 21, bt.vil_n) AS jid,
               ({lit(s.start)}::timestamp
                + make_interval(secs => pg_temp.r(i, 22) * {days * 86400}))
                 AT TIME ZONE 'Asia/Shanghai' AS found_at,
               CASE WHEN pg_temp.r(i, 23) < 0.5 THEN 'phone' ELSE 'office' END AS source
        FROM generate_series(1, {total} - (SELECT count(*) FROM from_logs)) i
        JOIN bt ON bt.t = i % {s.townships}
      ), base AS (
        SELECT b.*, bt.railway, bt.office_user, bt.org_office,
               (b.found_at AT TIME ZONE 'Asia/Shanghai')::date + 14 AS deadline,
               pg_temp.r(b.k, 24) AS u, pg_temp.r(b.k, 25) AS v
        FROM (SELECT * FROM from_logs UNION ALL SELECT * FROM other) b
        JOIN core_jurisdiction j ON j.id = b.jid
        JOIN bt ON bt.tid = j.parent_id
      ), st AS (
        SELECT base.*, CASE
          WHEN u < 0.02 THEN 'rejected'
          WHEN deadline >= {today} THEN (ARRAY['reported','assigned','rectifying',
               'awaiting_verification','closed','closed'])[1 + floor(v * 6)::int]
          WHEN u < 0.91 THEN 'closed'
          ELSE (ARRAY['assigned','rectifying','awaiting_verification'])[1 + floor(v * 3)::int]
        END AS status FROM base
      )"""
    late = "st.u > 0.80"  # closed after the deadline (of the closed ones)
    closed_at = (
        f"CASE WHEN {late} THEN (st.deadline + 3 + floor(st.v * 20)::int) "
        "ELSE (st.found_at AT TIME ZONE 'Asia/Shanghai')::date + floor(st.v * 14)::int END"
    )
    closed_ts = f"LEAST(({closed_at} + time '16:30') AT TIME ZONE 'Asia/Shanghai', {now})"
    assigned = "st.status NOT IN ('reported', 'rejected')"
    cat = (
        f"CASE WHEN st.railway AND pg_temp.r(st.k, 26) < 0.3 THEN "
        f"({int_array(rail)})[1 + pg_temp.h(st.k, 27, {len(rail)})] "
        f"ELSE ({int_array(other)})[1 + pg_temp.h(st.k, 27, {len(other)})] END"
    )
    w.insert(
        Hazard,
        {
            "uuid": "md5('hazard:' || st.k)::uuid",
            "category": cat,
            "jurisdiction": "st.jid",
            "description": "'巡查发现隐患，需整改'",
            "place": "'村道旁'",
            "severity": "CASE WHEN pg_temp.r(st.k, 28) < 0.05 THEN 'major' ELSE 'general' END",
            "source": "st.source",
            "log": "st.log_id",
            "status": "st.status",
            "found_by": f"st.jid + {s.village_user_offset()}",
            "found_at": "st.found_at",
            "received_at": "st.found_at + interval '2 minutes'",
            "responsible_unit": f"CASE WHEN {assigned} THEN st.jid - {s.first_village_id} + 1 END",
            "deadline": f"CASE WHEN {assigned} THEN st.deadline END",
            "assigned_at": f"CASE WHEN {assigned} THEN st.found_at + interval '1 day' END",
            "assigned_by": f"CASE WHEN {assigned} THEN st.office_user END",
            "rectified_at": f"CASE WHEN st.status IN ('awaiting_verification', 'closed') THEN "
            f"LEAST({closed_ts} - interval '1 day', {now}) END",
            "rectified_by": "CASE WHEN st.status IN ('awaiting_verification', 'closed') THEN "
            "st.office_user END",
            "verified_at": f"CASE WHEN st.status = 'closed' THEN {closed_ts} END",
            "verified_by": "CASE WHEN st.status = 'closed' THEN st.office_user END",
            "closed_at": f"CASE WHEN st.status = 'closed' THEN {closed_ts} END",
            "rejection_reason": "CASE WHEN st.status = 'rejected' THEN '非隐患' ELSE '' END",
            "escalation_level": f"CASE WHEN st.status NOT IN ('closed','rejected','reported') AND "
            f"st.deadline < {today} THEN 1 + floor(st.v * 3)::int ELSE 0 END",
            "warned_at": f"CASE WHEN {assigned} AND st.deadline < {today} AND "
            f"(st.status <> 'closed' OR {late}) THEN (st.deadline - 2 + time '08:00') "
            "AT TIME ZONE 'Asia/Shanghai' END",
        },
        "FROM st ORDER BY st.found_at, st.k",
        with_=base,
    )


def fill_disputes(w: Writer, s: Shape) -> None:
    from shouwang.disputes.models import Dispute, MediationSession, Screening

    # Weekly screenings: every village, every week (Monday) of the year; 5 % missed.
    first_monday = s.start - dt.timedelta(days=s.start.weekday())
    last_monday = s.today - dt.timedelta(days=s.today.weekday() + 7)
    today = lit(s.today)
    w.insert(
        Screening,
        {
            "village": "j.id",
            "week": "wk::date",
            "screened_on": f"LEAST(wk::date + pg_temp.h(j.id * 100000 + "
            f"(wk::date - {lit(first_monday)}), 31, 5), {today})",
            "screened_by": f"j.id + {s.village_user_offset()}",
            "disputes_found": "0",
            "note": "''",
        },
        f"FROM generate_series({lit(first_monday)}, {lit(last_monday)}, interval '7 days') wk "
        "CROSS JOIN core_jurisdiction j WHERE j.level = 'village' AND "
        f"pg_temp.r(j.id * 100000 + (wk::date - {lit(first_monday)}), 32) < {SCREENING_RATE} "
        "ORDER BY wk, j.id",
    )
    cats = list(ids_of(w, "dispute_category").values())
    total = DISPUTES_PER_TOWNSHIP * s.townships
    days = (s.today - s.start).days
    base = f"""
      WITH b AS (
        SELECT i AS k, bt.vil_lo + pg_temp.h(i, 41, bt.vil_n) AS jid, bt.office_user,
               {lit(s.start)} + floor(pg_temp.r(i, 42) * {days})::int AS reg,
               pg_temp.r(i, 43) AS u, pg_temp.r(i, 44) AS v, pg_temp.r(i, 45) AS src
        FROM generate_series(1, {total}) i JOIN bt ON bt.t = i % {s.townships}
      ), sc AS (
        SELECT b.*, b.reg + 30 AS due,
          CASE WHEN b.src < 0.6 THEN (SELECT s.id FROM disputes_screening s
               WHERE s.village_id = b.jid AND s.week = date_trunc('week', b.reg)::date) END AS scr
        FROM b
      ), st AS (
        SELECT sc.*, CASE
          WHEN due >= {today} THEN (ARRAY['registered','mediating','mediating','resolved',
               'closed'])[1 + floor(v * 5)::int]
          WHEN u < 0.70 THEN 'closed' WHEN u < 0.85 THEN 'resolved'
          WHEN u < 0.89 THEN 'partly_resolved' WHEN u < 0.93 THEN 'failed_referred'
          ELSE (ARRAY['registered','mediating'])[1 + floor(v * 2)::int]
        END AS status FROM sc
      )"""
    done = "st.status IN ('resolved','partly_resolved','failed_referred','closed')"
    resolved_on = (
        "LEAST(st.reg + 2 + floor(st.v * (CASE WHEN st.u > 0.6 THEN 40 ELSE 27 END))::int, "
        f"{today})"
    )
    outcome = (
        "CASE st.status WHEN 'closed' THEN (CASE WHEN st.v < 0.9 THEN 'resolved' "
        "ELSE 'partly_resolved' END) WHEN 'resolved' THEN 'resolved' WHEN 'partly_resolved' "
        "THEN 'partly_resolved' WHEN 'failed_referred' THEN 'failed_referred' ELSE '' END"
    )
    w.insert(
        Dispute,
        {
            "jurisdiction": "st.jid",
            "title": "'纠纷' || st.k",
            "category": f"({int_array(cats)})[1 + pg_temp.h(st.k, 46, {len(cats)})]",
            "description": "'双方因琐事发生矛盾'",
            "people_involved": "2 + pg_temp.h(st.k, 47, 4)",
            "risk_level": "CASE WHEN st.u > 0.97 THEN 'high' WHEN st.v > 0.8 THEN 'medium' "
            "ELSE 'low' END",
            "source": "CASE WHEN st.scr IS NOT NULL THEN 'screening' ELSE "
            "(ARRAY['phone','visit','walk_in','patrol_log','referral'])"
            "[1 + pg_temp.h(st.k, 48, 5)] END",
            "screening": "st.scr",
            "registered_on": "st.reg",
            "registered_by": f"st.jid + {s.village_user_offset()}",
            "responsible_unit": f"st.jid - {s.first_village_id} + 1",
            "resolve_by": "st.due",
            "status": "st.status",
            "outcome": outcome,
            "referral_target": "CASE WHEN st.status = 'failed_referred' THEN 'court' ELSE '' END",
            "resolved_on": f"CASE WHEN {done} THEN {resolved_on} END",
            "closed_at": f"CASE WHEN st.status = 'closed' THEN LEAST(({resolved_on} + 7 + "
            f"time '10:00') AT TIME ZONE 'Asia/Shanghai', {lit(w.now)}) END",
        },
        "FROM st ORDER BY st.reg, st.k",
        with_=base,
    )
    w.execute(
        "UPDATE disputes_screening s SET disputes_found = c.n FROM (SELECT screening_id, "
        "count(*) AS n FROM disputes_dispute WHERE screening_id IS NOT NULL "
        "GROUP BY screening_id) c WHERE c.screening_id = s.id"
    )
    w.insert(
        MediationSession,
        {
            "dispute": "d.id",
            "held_on": f"LEAST(d.registered_on + 3, {today})",
            "level": "'village'",
            "round_no": "1",
            "participants": "'双方当事人、调解员'",
            "summary": "'讲清政策，双方各让一步'",
            "outcome": "CASE d.outcome WHEN 'resolved' THEN 'agreement' WHEN 'partly_resolved' "
            "THEN 'partial' WHEN 'failed_referred' THEN 'no_agreement' ELSE 'no_agreement' END",
            "recorded_by": f"d.jurisdiction_id + {s.village_user_offset()}",
        },
        "FROM disputes_dispute d WHERE d.status <> 'registered' ORDER BY d.id",
    )


def fill_concerns(w: Writer, s: Shape) -> None:
    from shouwang.concerns.models import PersonOfConcern, Visit

    cats = list(ids_of(w, "concern_category").values())
    level = (
        "CASE WHEN pg_temp.r(n, 51) < 0.1 THEN 'red' WHEN pg_temp.r(n, 51) < 0.4 "
        "THEN 'yellow' ELSE 'blue' END"
    )
    w.insert(
        PersonOfConcern,
        {
            "name": f"(ARRAY[{','.join(lit(c) for c in SURNAMES[:40])}])"
            "[1 + pg_temp.h(n, 52, 40)] || '某'",
            "gender": "CASE WHEN pg_temp.r(n, 53) < 0.8 THEN 'male' ELSE 'female' END",
            "address": "j.name || '组'",
            "jurisdiction": "j.id",
            "category": f"({int_array(cats)})[1 + pg_temp.h(n, 54, {len(cats)})]",
            "attention_level": level,
            "status": "CASE WHEN pg_temp.r(n, 55) < 0.05 THEN 'off_register' "
            "ELSE 'on_register' END",
            "registered_on": f"{lit(s.start)} - pg_temp.h(n, 56, 700)",
            "off_register_on": f"CASE WHEN pg_temp.r(n, 55) < 0.05 THEN {lit(s.today)} "
            "- pg_temp.h(n, 57, 300) END",
            "off_register_reason": "CASE WHEN pg_temp.r(n, 55) < 0.05 THEN '已稳定，销号' "
            "ELSE '' END",
            "created_at": lit(w.now),
        },
        f"FROM core_jurisdiction j CROSS JOIN generate_series(0, {CONCERNS_PER_VILLAGE - 1}) g "
        "CROSS JOIN LATERAL (SELECT j.id * 100 + g AS n) x WHERE j.level = 'village' "
        "ORDER BY j.id, g",
    )
    # Visits at the level's cadence (red 7, yellow 30, blue 91 days), 6 % skipped; one person
    # in twenty stopped being visited two months ago (overdue).
    cadence = "CASE p.attention_level WHEN 'red' THEN 7 WHEN 'yellow' THEN 30 ELSE 91 END"
    w.insert(
        Visit,
        {
            "person": "p.id",
            "visited_on": "vd::date",
            "visitor": f"(bt.t * {TEAMS_PER_TOWNSHIP * MEMBERS_PER_TEAM}) + 1 + "
            f"pg_temp.h(p.id, 61, {TEAMS_PER_TOWNSHIP * MEMBERS_PER_TEAM})",
            "form": "(ARRAY['home','face_to_face','phone','home'])[1 + pg_temp.h(p.id * 1000 "
            f"+ (vd::date - {lit(s.start)}), 62, 4)]",
            "situation": "'情况稳定'",
            "found_risk": f"pg_temp.r(p.id * 1000 + (vd::date - {lit(s.start)}), 63) < 0.03",
            "recorded_by": f"p.jurisdiction_id + {s.village_user_offset()}",
            "recorded_at": "(vd::date + time '18:00') AT TIME ZONE 'Asia/Shanghai'",
        },
        f"FROM concerns_personofconcern p JOIN core_jurisdiction j ON j.id = p.jurisdiction_id "
        "JOIN bt ON bt.tid = j.parent_id "
        f"CROSS JOIN LATERAL generate_series({lit(s.start)} + pg_temp.h(p.id, 64, {cadence}), "
        f"LEAST(COALESCE(p.off_register_on, {lit(s.today)}), CASE WHEN pg_temp.r(p.id, 65) < 0.05 "
        f"THEN {lit(s.today)} - 60 ELSE {lit(s.today)} END), make_interval(days => {cadence})) vd "
        f"WHERE pg_temp.r(p.id * 1000 + (vd::date - {lit(s.start)}), 66) >= 0.06 "
        "ORDER BY vd, p.id",
    )
    w.execute(
        "UPDATE concerns_personofconcern p SET last_visit_on = v.last, next_visit_due = "
        "v.last + (CASE p.attention_level WHEN 'red' THEN 7 WHEN 'yellow' THEN 30 ELSE 91 END) "
        "FROM (SELECT person_id, max(visited_on) AS last FROM concerns_visit GROUP BY person_id) v "
        "WHERE v.person_id = p.id"
    )


def fill_governance(w: Writer, s: Shape) -> None:
    from shouwang.governance.models import Attendance, Training

    topics = choices(Training, "topic")
    topics = [t for t in topics if t != "other"]
    key = f"bt.t * 10000 + (m::date - {lit(s.start)}) * 10 + g"
    w.insert(
        Training,
        {
            "jurisdiction": "bt.tid",
            "kind": "CASE WHEN g = 1 THEN 'drill' ELSE 'training' END",
            "topic": f"({text_array(topics)})[1 + pg_temp.h({key}, 71, {len(topics)})]",
            "starts_at": "((m::date + 9 + g * 10) + time '14:30') AT TIME ZONE 'Asia/Shanghai'",
            "place": "'镇综治中心会议室'",
            "organiser": "'镇平安办'",
            "status": f"CASE WHEN m::date + 9 + g * 10 >= {lit(s.today)} THEN 'planned' "
            f"WHEN pg_temp.r({key}, 73) < 0.05 THEN 'cancelled' ELSE 'held' END",
            "cancel_reason": f"CASE WHEN m::date + 9 + g * 10 < {lit(s.today)} AND "
            f"pg_temp.r({key}, 73) < 0.05 THEN '天气原因' ELSE '' END",
        },
        f"FROM bt CROSS JOIN generate_series({lit(s.start)}, {lit(s.today)}, interval '1 month') m "
        f"CROSS JOIN generate_series(0, {TRAININGS_PER_MONTH - 1}) g ORDER BY m, bt.t, g",
    )
    per = TEAMS_PER_TOWNSHIP * MEMBERS_PER_TEAM
    w.insert(
        Attendance,
        {
            "training": "tr.id",
            "member": f"bt.t * {per} + 1 + (pg_temp.h(tr.id, 74, {per}) + k * 5) % {per}",
            "presence": "CASE WHEN pg_temp.r(tr.id * 100 + k, 75) < 0.85 THEN 'present' "
            "WHEN pg_temp.r(tr.id * 100 + k, 75) < 0.95 THEN 'absent' ELSE 'excused' END",
        },
        "FROM governance_training tr JOIN bt ON bt.tid = tr.jurisdiction_id "
        "CROSS JOIN generate_series(0, 19) k WHERE tr.status = 'held' ORDER BY tr.id, k",
    )


def fill_railway(w: Writer, s: Shape) -> None:
    from shouwang.railway.models import RailwayIncident, RepresentativeActivity

    kinds = choices(RailwayIncident, "kind")
    usual = {"fence_damage", "obstacle", "livestock", "stone_throwing", "illegal_farming",
             "public_order_case", "other"}  # fmt: skip
    common = [k for k in kinds if k in usual]
    days = (s.today - s.start).days
    w.insert(
        RailwayIncident,
        {
            "jurisdiction": "g.jurisdiction_id",
            "segment": "g.id",
            "chainage": "'K' || (g.start_m / 1000 + pg_temp.h(g.id * 1000 + i, 81, 10))::text",
            "occurred_at": f"({lit(s.start)}::timestamp + make_interval(secs => "
            f"pg_temp.r(g.id * 1000 + i, 82) * {days * 86400})) AT TIME ZONE 'Asia/Shanghai'",
            "kind": f"CASE WHEN pg_temp.r(g.id * 1000 + i, 83) < 0.97 THEN ({text_array(common)})"
            f"[1 + pg_temp.h(g.id * 1000 + i, 84, {len(common)})] ELSE 'cable_theft' END",
            "injuries": "(pg_temp.r(g.id * 1000 + i, 85) < 0.02)::int",
            "description": "'巡查发现并处置'",
            "handling": "'已报告车间并恢复'",
            "reported_by": f"(bt.t * {TEAMS_PER_TOWNSHIP * MEMBERS_PER_TEAM}) + 1",
            "created_at": lit(w.now),
        },
        "FROM areas_segment g JOIN bt ON bt.tid = g.jurisdiction_id "
        "CROSS JOIN generate_series(1, 40) i ORDER BY g.id, i",
    )
    w.insert(
        RepresentativeActivity,
        {
            "representative": "r.id",
            "done_on": f"{lit(s.start)} + pg_temp.h(r.id * 100 + i, 86, {days})",
            "kind": "(ARRAY['publicity','dissuasion','hazard_report','patrol','help'])"
            "[1 + pg_temp.h(r.id * 100 + i, 87, 5)]",
            "description": "'爱路护路宣传'",
        },
        "FROM railway_householdrepresentative r CROSS JOIN generate_series(1, 24) i "
        "ORDER BY r.id, i",
    )


TABLES = (
    "core_jurisdiction", "auth_user", "forces_organisation", "forces_team", "forces_member",
    "forces_member_teams", "areas_post", "rostering_dutyrule", "rostering_roster",
    "rostering_duty", "rostering_dutyassignment", "patrols_patrollog", "patrols_logattendance",
    "patrols_checkin", "patrols_missedduty", "hazards_hazard", "disputes_screening",
    "disputes_dispute", "disputes_mediationsession", "concerns_personofconcern",
    "concerns_visit", "governance_training", "governance_attendance", "areas_segment",
    "railway_railwayincident", "railway_householdrepresentative",
    "railway_representativeactivity",
)  # fmt: skip


def check_choices(w: Writer) -> list[str]:
    """Every value of a field with choices is one of the choices (a cheap validity check)."""
    from django.apps import apps

    problems = []
    for model in apps.get_models():
        if model._meta.db_table not in TABLES:
            continue
        for f in model._meta.concrete_fields:
            if not f.choices:
                continue
            allowed = {str(c[0]) for c in f.choices} | ({""} if f.blank else set())
            with w.conn.cursor() as cur:
                cur.execute(
                    f'SELECT DISTINCT "{f.column}"::text FROM {model._meta.db_table}'  # type: ignore[arg-type]
                )
                found = {r[0] for r in cur.fetchall() if r[0] is not None}
            bad = found - allowed
            if bad:
                problems.append(f"{model._meta.db_table}.{f.column}: {sorted(bad)}")
    return problems


def check_foreign_keys(w: Writer) -> list[str]:
    """Every foreign key of the filled tables points at an existing row (one anti-join each)."""
    with w.conn.cursor() as cur:
        cur.execute(
            "SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, "
            "fa.attname FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1] "
            "WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)",
            (list(TABLES),),
        )
        keys = cur.fetchall()
    problems = []
    for table, column, target, target_column in keys:
        n = w.scalar(
            f'SELECT count(*) FROM {table} c WHERE c."{column}" IS NOT NULL AND NOT EXISTS '
            f'(SELECT 1 FROM {target} p WHERE p."{target_column}" = c."{column}")'
        )
        if n:
            problems.append(f"{table}.{column}: {n} rows point at no {target}")
    return problems


def reset_sequences(w: Writer) -> None:
    for table in sorted(w.explicit_ids):
        w.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"GREATEST(1, (SELECT max(id) FROM {table})))"
        )


def django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "shouwang.config.settings"
    if not os.environ.get("SHOUWANG_DATA_DIR"):  # a private data folder, removed at exit
        data_dir = tempfile.mkdtemp(prefix="bench_reports_")
        atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
        os.environ["SHOUWANG_DATA_DIR"] = data_dir
    if str(SRC) not in sys.path:
        sys.path.insert(0, str(SRC))
    import django

    django.setup()


def count_rows(conn: Any) -> dict[str, int]:
    out = {}
    with conn.cursor() as cur:
        for table in TABLES:
            cur.execute(f"SELECT count(*) FROM {table}")  # type: ignore[arg-type]
            row = cur.fetchone()
            out[table] = int(row[0]) if row else 0
    return out


def generate(
    database_url: str, scale: float, seed: int, today: dt.date | None = None
) -> dict[str, int]:
    """Migrate and fill the database; print the steps and the rows; return the rows per table."""
    import psycopg

    started = time.perf_counter()
    django_setup(database_url)
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0, interactive=False)
    connections.close_all()
    print(f"  migrate                 {time.perf_counter() - started:7.1f} s", flush=True)
    today = today or dt.datetime.now(TZ).date()
    shape = make_shape(scale, today)
    now = dt.datetime.combine(today, dt.time(8), TZ)
    with psycopg.connect(database_url, autocommit=False) as conn:
        if conn.execute("SELECT count(*) FROM core_jurisdiction").fetchone() != (0,):
            raise SystemExit("error: the database already holds jurisdictions; use a fresh one")
        conn.execute("SET max_parallel_workers_per_gather = 0")  # same plan, same rows
        conn.execute("SET synchronous_commit = off")
        # Bulk load: no per-row foreign-key triggers (queued to the commit, they would cost more
        # than the inserts); every foreign key is checked afterwards with one anti-join each.
        conn.execute("SET session_replication_role = replica")
        w = Writer(conn, now, today)
        install_random(w, seed)
        steps = (
            ("jurisdictions, users, teams, members, posts, rosters",
             lambda: fill_small(w, shape, seed)),
            ("helper tables", lambda: fill_helpers(w, shape)),
            ("duties, assignments, patrol logs, attendance, check-ins",
             lambda: fill_patrols(w, shape)),
            ("tallies of duties and logs (patrols.tallies.rebuild)", fill_tallies),
            ("hazards", lambda: fill_hazards(w, shape)),
            ("screenings, disputes, mediation sessions", lambda: fill_disputes(w, shape)),
            ("people of concern, visits", lambda: fill_concerns(w, shape)),
            ("trainings, attendance", lambda: fill_governance(w, shape)),
            ("railway incidents, representatives' activities", lambda: fill_railway(w, shape)),
            ("sequences", lambda: reset_sequences(w)),
        )  # fmt: skip
        for title, step in steps:
            t0 = time.perf_counter()
            step()
            conn.commit()
            print(f"  {title:<55} {time.perf_counter() - t0:7.1f} s", flush=True)
        conn.execute("SET session_replication_role = DEFAULT")
        t0 = time.perf_counter()
        problems = check_choices(w) + check_foreign_keys(w)
        print(f"  {'checks (choices, foreign keys)':<55} {time.perf_counter() - t0:7.1f} s")
        if problems:
            raise SystemExit("error: values outside the choices: " + "; ".join(problems))
    t0 = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        rows = count_rows(conn)
    print(f"  {'VACUUM ANALYZE':<55} {time.perf_counter() - t0:7.1f} s")
    print(
        f"Generated {shape.townships} townships, {shape.villages} villages, "
        f"{shape.start} – {today - dt.timedelta(days=1)} in {time.perf_counter() - started:.1f} s"
    )
    for table, n in rows.items():
        print(f"  {table:<34} {n:>12,}")
    return rows


def main(argv: list[str] | None = None) -> int:
    ns = parse_args(argv)
    print(f"Reports benchmark data: scale {ns.scale:g}, seed {ns.seed}", flush=True)
    generate(ns.database_url, ns.scale, ns.seed, ns.today)
    return 0


if __name__ == "__main__":
    sys.exit(main())
