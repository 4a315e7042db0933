"""Sync benchmark: many phones upload their queued patrol logs and photos while a worker dies.

Against the production server set-up — `shouwang serve --workers N` (gunicorn, several worker
processes) on PostgreSQL, with the demo township loaded — N simulated phones (default 1,000),
each holding 20 queued patrol logs with one photo each (a small real JPEG, distinct bytes per
photo), upload concurrently exactly as the phone app does (docs/field-sync.md): sync the log
(`POST /api/v1/field/sync`), then upload its photo (`PUT /api/v1/field/photos/{uuid}`),
retrying with backoff on connection errors and 5xx answers until each is acknowledged. When
30 % of the logs are acknowledged one gunicorn worker is killed with SIGKILL.

Afterwards the database is compared with what the phones were told: every log and photo
acknowledged must exist exactly once (lost = 0), no uuid may appear twice and no record may
appear that no phone sent (duplicated = 0), every photo's stored bytes must match what was sent
and its file must be on disk. Exit code 1 otherwise.

Baseline, measured in the same run first: the same phone behaviour for a sample of phones
(`--baseline-phones`, default 10 %) against the same server set-up with ONE worker process and
no kill. The ratio printed is throughput (logs/s) with N workers and a kill ÷ throughput with
one worker; on a 2-core machine shared with the client, expect well under N.

    .venv/bin/python bench/sync/run.py                              # 1,000 phones × 20 logs
    .venv/bin/python bench/sync/run.py --phones 50 --logs-per-phone 4   # short (CI)

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth): a fresh database
bench_sync_<pid> is created and dropped afterwards (or pass --database-url to use one).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import hashlib
import io
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SRC = ROOT / "src"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
TEAM_SIZE = 25
# A request failing this many times in a row (5xx, refused connections) ends the run: the
# server is broken rather than restarting, and the phone would wait forever.
MAX_ATTEMPTS = 40
REQUEST_TIMEOUT_S = 300


# --------------------------------------------------------------------------- options


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=1000, help="simulated phones (1000)")
    parser.add_argument("--logs-per-phone", type=int, default=20, help="queued logs each (20)")
    parser.add_argument(
        "--batch",
        type=int,
        default=1,
        help="logs per sync request (1: each log, then its photo; up to 200: the app's batch, "
        "all queued logs first, then the photos)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (2)")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker (8)")
    parser.add_argument(
        "--kill",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="SIGKILL one worker part-way (default: yes)",
    )
    parser.add_argument(
        "--kill-at", type=float, default=0.3, help="fraction of logs acknowledged first (0.3)"
    )
    parser.add_argument(
        "--baseline-phones",
        type=int,
        help="phones in the one-worker baseline (default 10%% of --phones, at least 10; 0: skip)",
    )
    parser.add_argument(
        "--database-url",
        help="use this (PostgreSQL) database instead of creating bench_sync_<pid>; kept after",
    )
    parser.add_argument(
        "--timeout", type=float, default=1800, help="give up after this many seconds (1800)"
    )
    parser.add_argument("--seed", type=int, default=1)
    ns = parser.parse_args(argv)
    if min(ns.phones, ns.logs_per_phone, ns.workers, ns.batch) < 1:
        parser.error("--phones, --logs-per-phone, --workers and --batch must be at least 1")
    if ns.batch > 200:
        parser.error("--batch: the server takes at most 200 items per request")
    if ns.baseline_phones is None:
        ns.baseline_phones = min(ns.phones, max(10, ns.phones // 10))
    return ns


# --------------------------------------------------------------------------- database


class Database:
    """A throw-away PostgreSQL database (or the one given with --database-url)."""

    def __init__(self, url: str | None) -> None:
        self.owned = url is None
        self.name = f"bench_sync_{os.getpid()}"
        self.url = url or f"postgres://postgres@127.0.0.1:5432/{self.name}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)  # type: ignore[arg-type]  # a fixed, validated name

    def create(self) -> None:
        if self.owned:
            self._admin(f"CREATE DATABASE \"{self.name}\" ENCODING 'UTF8' TEMPLATE template0")

    def drop(self) -> None:
        if self.owned:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# --------------------------------------------------------------------------- fixtures


@dataclasses.dataclass(frozen=True)
class Phone:
    index: int
    username: str
    token: str
    team: int
    member: int


def django_setup(env: dict[str, str]) -> None:
    for key in ("DATABASE_URL", "SHOUWANG_DATA_DIR", "SHOUWANG_DEBUG", "ALLOWED_HOSTS"):
        os.environ[key] = env[key]
    os.environ["DJANGO_SETTINGS_MODULE"] = "shouwang.config.settings"
    sys.path.insert(0, str(SRC))
    import django

    django.setup()


def make_phones(count: int) -> list[Phone]:
    """Create `count` patrol members with logins and API tokens, in teams of TEAM_SIZE.

    Teams go through the team service (audited, validated). The members, logins, role grants
    and tokens are benchmark fixtures made with bulk ORM inserts: going through the services
    one by one (each audited, each password hashed with Argon2) would take minutes and measure
    nothing the benchmark is about.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connections, transaction

    from shouwang.core.models import ApiToken, Role, RoleGrant
    from shouwang.forces import services as forces
    from shouwang.forces.models import Member, Team

    user_model = get_user_model()
    admin = user_model.objects.filter(is_superuser=True).order_by("pk").first()
    patrol_member = Member.objects.get(user__username="patrol")
    home_team = patrol_member.teams.select_related("jurisdiction", "kind").first()
    assert admin is not None and home_team is not None, "the demo township is not loaded"
    township = home_team.jurisdiction
    role = Role.objects.get(key="patrol_member")
    teams: list[Team] = []
    for t in range((count + TEAM_SIZE - 1) // TEAM_SIZE):
        name = f"压测巡防队 {t + 1:03d}"
        team = Team.objects.filter(jurisdiction=township, name=name).first()
        if team is None:
            team = forces.create_team(
                actor=admin,
                data={"name": name, "kind": home_team.kind_id, "jurisdiction": township.pk},
            )
        teams.append(team)
    run = uuid.uuid4().hex[:6]
    no_password = make_password(None)  # unusable: bench phones hold API tokens, never sign in
    with transaction.atomic():
        users = user_model.objects.bulk_create(
            [
                user_model(username=f"bench_{run}_{i:05d}", password=no_password)
                for i in range(count)
            ]
        )
        members = Member.objects.bulk_create(
            [
                Member(name=f"压测队员{i:05d}", jurisdiction=township, user=user)
                for i, user in enumerate(users)
            ]
        )
        through = Member.teams.through
        through.objects.bulk_create(
            [
                through(member_id=m.pk, team_id=teams[i // TEAM_SIZE].pk)
                for i, m in enumerate(members)
            ]
        )
        RoleGrant.objects.bulk_create(
            [
                RoleGrant(user=u, role=role, jurisdiction=township, team=teams[i // TEAM_SIZE])
                for i, u in enumerate(users)
            ]
        )
        raws = [ApiToken.new_raw() for _ in users]
        ApiToken.objects.bulk_create(
            [
                ApiToken(user=u, name="bench phone", prefix=raw[:10], digest=ApiToken.hash(raw))
                for u, raw in zip(users, raws, strict=True)
            ]
        )
    connections.close_all()
    return [
        Phone(
            index=i,
            username=users[i].username,
            token=raws[i],
            team=teams[i // TEAM_SIZE].pk,
            member=int(members[i].pk),
        )
        for i in range(count)
    ]


class Photos:
    """Small real JPEGs (~20–40 KB), each made distinct by a JPEG comment segment."""

    def __init__(self, seed: int) -> None:
        from PIL import Image

        rng = random.Random(seed)
        self.bases: list[bytes] = []
        for n in range(8):
            width, height = 240 + 8 * n, 180
            noise = bytes(rng.getrandbits(8) for _ in range(width * height * 3))
            image = Image.frombytes("RGB", (width, height), noise)
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=55 + 3 * n)
            self.bases.append(buffer.getvalue())

    def make(self, key: str, n: int) -> bytes:
        base = self.bases[n % len(self.bases)]
        comment = f"shouwang bench photo {key}".encode()
        segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
        return base[:2] + segment + base[2:]  # after SOI: still a valid JPEG


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(database_url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.pop("SHOUWANG_ENV", None)
    env.update(
        {
            "DATABASE_URL": database_url,
            "SHOUWANG_DATA_DIR": str(data_dir),
            "SHOUWANG_DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SHOUWANG_LOG_LEVEL": "ERROR",
            "PYTHONPATH": os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        }
    )
    return env


def shouwang(*args: str) -> list[str]:
    return [sys.executable, "-m", "shouwang.cli", *args]


ONE_WORKER = """
import django, os
os.environ["DJANGO_SETTINGS_MODULE"] = "shouwang.config.settings"
django.setup()
from shouwang.config import server
opts = server.gunicorn_options(host="127.0.0.1", port={port}, workers=1, threads={threads})
server.run_gunicorn(opts)
"""


def worker_pids(master: int) -> set[int]:
    sys.path.insert(0, str(SRC))
    from shouwang.config.server import worker_pids as pids_of

    return pids_of(master)


class Server:
    def __init__(self, env: dict[str, str], workers: int, threads: int, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log = log
        # `shouwang serve --workers N`; the one-worker baseline runs the very same gunicorn
        # set-up (`serve --workers 1` would pick waitress).
        command = (
            shouwang("serve", "--port", str(self.port), "--workers", str(workers),
                     "--threads", str(threads))
            if workers > 1
            else [sys.executable, "-c", ONE_WORKER.format(port=self.port, threads=threads)]
        )  # fmt: skip
        self.proc = subprocess.Popen(
            command,
            env=env,
            cwd=str(log.parent),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 120) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode}); see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.base}/login/", timeout=5):  # noqa: S310
                    pass
            except OSError:
                time.sleep(0.3)
                continue
            if len(worker_pids(self.proc.pid)) >= self.workers:
                return
            time.sleep(0.3)
        raise RuntimeError(f"the server did not answer within {timeout:g} s; see {self.log}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=45)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


# --------------------------------------------------------------------------- phones


class Fatal(Exception):
    """An answer no retry can fix (rejected, conflict, 4xx): the run fails."""


@dataclasses.dataclass
class Stats:
    total_logs: int
    latencies: dict[str, list[float]] = dataclasses.field(
        default_factory=lambda: {"sync": [], "photo": []}
    )
    requests: int = 0
    retries: int = 0
    connection_errors: int = 0
    server_errors: int = 0
    acked_logs: dict[str, Phone] = dataclasses.field(default_factory=dict)
    acked_photos: dict[str, str] = dataclasses.field(default_factory=dict)  # uuid → sha256
    sent_logs: set[str] = dataclasses.field(default_factory=set)
    sent_photos: set[str] = dataclasses.field(default_factory=set)
    fatal: list[str] = dataclasses.field(default_factory=list)
    statuses: dict[str, int] = dataclasses.field(default_factory=dict)
    kill: dict[str, Any] = dataclasses.field(default_factory=dict)
    wall_s: float = 0.0

    def count(self, key: str) -> None:
        self.statuses[key] = self.statuses.get(key, 0) + 1


def iso(moment: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(moment, tz=dt.UTC).isoformat(timespec="seconds")


def log_item(phone: Phone, log_uuid: str, n: int, now: float) -> dict[str, Any]:
    started = now - 86400 + phone.index * 7 + n * 1800  # yesterday: logs written offline
    return {
        "uuid": log_uuid,
        "kind": "patrol_log",
        "base_version": None,
        "data": {
            "duty": None,
            "team": phone.team,
            "post": None,
            "route": None,
            "place": f"压测点 {phone.index}-{n}",
            "method": "foot" if n % 2 else "vehicle",
            "started_at": iso(started),
            "ended_at": iso(started + 1500),
            "attendance": [
                {"member": phone.member, "status": "present", "substitute_for": None, "note": ""}
            ],
            "checklists": [],
            "findings": [{"kind": "other", "text": f"巡查正常（压测 {n}）"}],
            "publicity": "发放反诈传单 10 份",
            "notes": "",
            "submit": True,
            "client_updated_at": iso(started + 1500),
        },
    }


async def until_acknowledged(
    stats: Stats,
    kind: str,
    attempt: Callable[[], Awaitable[tuple[int, Any]]],
    verdict: Callable[[int, Any], str],
    deadline: float,
) -> None:
    """Send until `verdict` says "ok"; back off and resend on "again"; "fatal" raises."""
    import aiohttp

    delay = 0.2
    attempts = 0
    while True:
        attempts += 1
        started = time.perf_counter()
        try:
            status, body = await attempt()
        except (TimeoutError, aiohttp.ClientError, ConnectionError) as exc:
            stats.requests += 1
            stats.connection_errors += 1
            stats.count(f"{kind} {type(exc).__name__}")
            outcome, last = "again", type(exc).__name__
        else:
            stats.requests += 1
            stats.latencies[kind].append(time.perf_counter() - started)
            outcome, last = verdict(status, body), f"HTTP {status}"
            if status >= 500:
                stats.server_errors += 1
        if outcome == "ok":
            return
        if outcome != "again":
            raise Fatal(outcome)
        if time.monotonic() > deadline:
            raise Fatal(f"{kind}: not acknowledged before the time limit")
        if attempts >= MAX_ATTEMPTS:
            raise Fatal(f"{kind}: still failing after {attempts} attempts ({last})")
        stats.retries += 1
        await asyncio.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, 5.0)


async def run_phone(
    session: Any,
    base: str,
    phone: Phone,
    logs: int,
    batch: int,
    photos: Photos,
    stats: Stats,
    deadline: float,
) -> None:
    """One phone back online, sending every item until it is acknowledged.

    `batch` 1: each log, then its photo. Larger: the logs in batches of that size (the app,
    `static/patrols/app/sync.js`, sends up to 200), then the photos one by one.
    """

    headers = {"Authorization": f"Bearer {phone.token}"}
    now = time.time()
    queued: list[dict[str, Any]] = []
    queued_photos: list[tuple[str, str, bytes]] = []  # (photo uuid, log uuid, bytes)
    for n in range(logs):
        log_uuid, photo_uuid = str(uuid.uuid4()), str(uuid.uuid4())
        queued.append(log_item(phone, log_uuid, n, now))
        image = photos.make(photo_uuid, phone.index * logs + n)
        queued_photos.append((photo_uuid, log_uuid, image))
        stats.sent_logs.add(log_uuid)
        stats.sent_photos.add(photo_uuid)

    for first in range(0, logs, batch):
        waiting = queued[first : first + batch]  # answered items leave it; the rest is resent

        async def send_batch(waiting: list[dict[str, Any]] = waiting) -> tuple[int, Any]:
            async with session.post(
                f"{base}/api/v1/field/sync", json={"items": waiting}, headers=headers
            ) as r:
                body = await r.json(content_type=None) if r.status < 500 else None
                return r.status, body

        def batch_verdict(status: int, body: Any, waiting: list[dict[str, Any]] = waiting) -> str:
            stats.count(f"sync {status}")
            if status >= 500 or status == 429:
                return "again"
            if status != 200 or not isinstance(body, dict):
                return f"sync answered {status}: {str(body)[:300]}"
            answers = {r.get("uuid"): r for r in body.get("results", [])}
            for item in list(waiting):
                result = answers.get(item["uuid"], {})
                answer = result.get("status")
                stats.count(f"log {answer}")
                if answer in ("saved", "unchanged"):
                    stats.acked_logs[item["uuid"]] = phone
                    waiting.remove(item)
                elif answer not in ("retry", None):
                    return f"log {item['uuid']} answered {answer}: {str(result)[:300]}"
            return "again" if waiting else "ok"

        await until_acknowledged(stats, "sync", send_batch, batch_verdict, deadline)
        for photo_uuid, log_uuid, image in queued_photos[first : first + batch]:
            await upload_photo(
                session, base, headers, photo_uuid, log_uuid, image, now, stats, deadline
            )


async def upload_photo(
    session: Any,
    base: str,
    headers: dict[str, str],
    photo_uuid: str,
    log_uuid: str,
    image: bytes,
    taken: float,
    stats: Stats,
    deadline: float,
) -> None:
    import aiohttp

    async def send_photo() -> tuple[int, Any]:
        form = aiohttp.FormData()
        form.add_field("log", log_uuid)
        form.add_field("caption", "巡查照片")
        form.add_field("taken_at", iso(taken))
        form.add_field("file", image, filename=f"{photo_uuid}.jpg", content_type="image/jpeg")
        async with session.put(
            f"{base}/api/v1/field/photos/{photo_uuid}", data=form, headers=headers
        ) as r:
            body = await r.json(content_type=None) if r.status < 500 else None
            return r.status, body

    def photo_verdict(status: int, body: Any) -> str:
        stats.count(f"photo {status}")
        if status in (200, 201):
            return "ok"
        if status >= 500 or status == 429:
            return "again"
        if status == 409 and isinstance(body, dict) and body.get("status") == "retry":
            return "again"
        return f"photo answered {status}: {str(body)[:300]}"

    await until_acknowledged(stats, "photo", send_photo, photo_verdict, deadline)
    stats.acked_photos[photo_uuid] = hashlib.sha256(image).hexdigest()


async def killer(stats: Stats, server: Server, at: float) -> None:
    threshold = max(1, int(stats.total_logs * at))
    while len(stats.acked_logs) < threshold:
        await asyncio.sleep(0.02)
    pids = sorted(worker_pids(server.proc.pid))
    if not pids:
        stats.kill["error"] = "no worker found to kill"
        return
    victim = random.choice(pids)
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()
    stats.kill.update({"pid": victim, "acked_logs": len(stats.acked_logs)})
    while time.monotonic() - killed_at < 60:
        now = worker_pids(server.proc.pid)
        if victim not in now and len(now) >= server.workers:
            stats.kill["replaced_after_s"] = round(time.monotonic() - killed_at, 2)
            return
        await asyncio.sleep(0.05)


async def run_phase(
    server: Server, phones: list[Phone], logs: int, batch: int, photos: Photos,
    kill_at: float | None, time_limit: float,
) -> Stats:  # fmt: skip
    import aiohttp

    stats = Stats(total_logs=len(phones) * logs)
    deadline = time.monotonic() + time_limit
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
    # A phone's fetch waits long for an answer; with every phone sending at once, a request
    # waits in the server's queue for about (requests in flight ÷ requests per second).
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S, sock_connect=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        kill_task = (
            asyncio.create_task(killer(stats, server, kill_at)) if kill_at is not None else None
        )
        started = time.perf_counter()
        outcomes = await asyncio.gather(
            *(
                run_phone(session, server.base, p, logs, batch, photos, stats, deadline)
                for p in phones
            ),
            return_exceptions=True,
        )
        stats.wall_s = time.perf_counter() - started
        if kill_task is not None:
            if not kill_task.done() and not stats.kill:
                kill_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await kill_task
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            stats.fatal.append(f"{type(outcome).__name__}: {outcome}")
    return stats


# --------------------------------------------------------------------------- checking


@dataclasses.dataclass
class Audit:
    lost_logs: int
    lost_photos: int
    duplicated_logs: int
    duplicated_photos: int
    unknown_logs: int
    unknown_photos: int
    wrong_bytes: int
    missing_files: int
    logs_in_db: int
    photos_in_db: int

    @property
    def lost(self) -> int:
        return self.lost_logs + self.lost_photos + self.missing_files + self.wrong_bytes

    @property
    def duplicated(self) -> int:
        return (
            self.duplicated_logs + self.duplicated_photos + self.unknown_logs + self.unknown_photos
        )


def audit_database(phases: list[Stats], phone_users: list[str]) -> Audit:
    """Compare the database with what the phones were told was saved."""
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count

    from shouwang.patrols.models import FieldPhoto, PatrolLog

    acked_logs: set[str] = set()
    acked_photos: dict[str, str] = {}
    for stats in phases:
        acked_logs |= set(stats.acked_logs)
        acked_photos |= stats.acked_photos
    sent_logs = set().union(*(s.sent_logs for s in phases))
    sent_photos = set().union(*(s.sent_photos for s in phases))

    logs = PatrolLog.objects.filter(author__username__in=phone_users)
    log_rows = [str(u) for u in logs.values_list("uuid", flat=True)]
    photos = FieldPhoto.objects.filter(uploaded_by__username__in=phone_users)
    photo_rows = list(photos.values_list("uuid", "sha256", "image"))
    dup_logs = PatrolLog.objects.values("uuid").annotate(n=Count("pk")).filter(n__gt=1).count()
    dup_photos = FieldPhoto.objects.values("uuid").annotate(n=Count("pk")).filter(n__gt=1).count()
    stored_photos = {str(u): (sha, name) for u, sha, name in photo_rows}
    media = Path(settings.MEDIA_ROOT)
    wrong = sum(
        1 for u, sha in acked_photos.items() if u in stored_photos and stored_photos[u][0] != sha
    )
    missing_files = sum(
        1
        for u in acked_photos
        if u in stored_photos and not (media / stored_photos[u][1]).is_file()
    )
    connection.close()
    return Audit(
        lost_logs=len(acked_logs - set(log_rows)),
        lost_photos=len(set(acked_photos) - set(stored_photos)),
        duplicated_logs=dup_logs + (len(log_rows) - len(set(log_rows))),
        duplicated_photos=dup_photos + (len(photo_rows) - len(stored_photos)),
        unknown_logs=len(set(log_rows) - sent_logs),
        unknown_photos=len(set(stored_photos) - sent_photos),
        wrong_bytes=wrong,
        missing_files=missing_files,
        logs_in_db=len(log_rows),
        photos_in_db=len(photo_rows),
    )  # fmt: skip


# --------------------------------------------------------------------------- report


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def describe(title: str, stats: Stats, workers: int) -> float:
    every = stats.latencies["sync"] + stats.latencies["photo"]
    logs_per_s = len(stats.acked_logs) / stats.wall_s if stats.wall_s else 0.0
    print(f"\n{title}: {workers} worker process(es)")
    print(
        f"  logs acknowledged   {len(stats.acked_logs)} of {stats.total_logs}, "
        f"photos {len(stats.acked_photos)}"
    )
    print(f"  wall time           {stats.wall_s:.1f} s")
    print(
        f"  throughput          {logs_per_s:.1f} logs/s (+ their photos), "
        f"{stats.requests / stats.wall_s if stats.wall_s else 0:.1f} requests/s"
    )
    print(
        f"  latency per request p50 {percentile(every, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(every, 0.99) * 1000:.0f} ms  (sync p50/p99 "
        f"{percentile(stats.latencies['sync'], 0.5) * 1000:.0f}/"
        f"{percentile(stats.latencies['sync'], 0.99) * 1000:.0f} ms, photo "
        f"{percentile(stats.latencies['photo'], 0.5) * 1000:.0f}/"
        f"{percentile(stats.latencies['photo'], 0.99) * 1000:.0f} ms)"
    )
    print(
        f"  requests            {stats.requests}, retries {stats.retries} "
        f"(connection errors {stats.connection_errors}, 5xx {stats.server_errors})"
    )
    if stats.kill:
        print(f"  worker killed       {stats.kill}")
    print(
        f"  resends recognised  {stats.statuses.get('log unchanged', 0)} logs answered "
        f"'unchanged', {stats.statuses.get('photo 200', 0)} photos answered 200 (stored "
        "before, the answer lost)"
    )
    answers = ", ".join(f"{k}: {v}" for k, v in sorted(stats.statuses.items()))
    print(f"  answers             {answers}")
    for line in stats.fatal[:5]:
        print(f"  FAILED              {line}")
    return logs_per_s


def server_errors(log: Path) -> list[str]:
    """The exceptions in a server log (the last line of each traceback), most frequent first."""
    pattern = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*")
    counts: dict[str, int] = {}
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    for line in lines:
        if pattern.match(line):
            counts[line[:200]] = counts.get(line[:200], 0) + 1
    return [f"{n} × {line}" for line, n in sorted(counts.items(), key=lambda kv: -kv[1])]


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def main(argv: list[str] | None = None) -> int:
    ns = parse_args(argv)
    # Interrupted or killed (CI time-out): still stop the servers and drop the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    random.seed(ns.seed)
    import platform

    print(
        f"Sync benchmark: {ns.phones} phones × {ns.logs_per_phone} logs (+1 photo each), "
        f"{ns.workers} gunicorn workers × {ns.threads} threads, "
        f"kill: {'at ' + format(ns.kill_at, '.0%') + ' of logs' if ns.kill else 'no'}; "
        f"baseline {ns.baseline_phones} phones on 1 worker"
    )
    print(
        f"  machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load {load_average():.2f}, Python {platform.python_version()}"
    )
    db = Database(ns.database_url)
    try:
        db.create()
    except Exception as exc:
        print(f"error: cannot create the database on PostgreSQL 127.0.0.1:5432: {exc}")
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench_sync_"))
    env = server_env(db.url, work / "data")
    servers: list[Server] = []
    keep = bool(os.environ.get("BENCH_KEEP"))
    try:
        started = time.perf_counter()
        demo = subprocess.run(
            shouwang("demo", "--no-serve"), env=env, cwd=str(work), capture_output=True,
            text=True, check=False,
        )  # fmt: skip
        if demo.returncode != 0:
            print(demo.stdout[-2000:], demo.stderr[-4000:])
            return 2
        django_setup(env)
        phones = make_phones(ns.phones + ns.baseline_phones)
        photos = Photos(ns.seed)
        print(
            f"  set-up (migrate, demo, {len(phones)} members with tokens): "
            f"{time.perf_counter() - started:.1f} s; database {db.url}"
        )
        phases: list[Stats] = []
        baseline_rate = None
        if ns.baseline_phones:
            server = Server(env, 1, ns.threads, work / "baseline.log")
            servers.append(server)
            server.wait_ready()
            stats = asyncio.run(
                run_phase(
                    server,
                    phones[ns.phones :],
                    ns.logs_per_phone,
                    ns.batch,
                    photos,
                    None,
                    ns.timeout,
                )
            )
            server.stop()
            phases.append(stats)
            baseline_rate = describe("Baseline (same phones' behaviour, no kill)", stats, 1)
        server = Server(env, ns.workers, ns.threads, work / "server.log")
        servers.append(server)
        server.wait_ready()
        stats = asyncio.run(
            run_phase(
                server,
                phones[: ns.phones],
                ns.logs_per_phone,
                ns.batch,
                photos,
                ns.kill_at if ns.kill else None,
                ns.timeout,
            )
        )
        server.stop()
        phases.append(stats)
        rate = describe(f"Run ({ns.phones} phones)", stats, ns.workers)
        for server in servers:
            for line in server_errors(server.log)[:8]:
                print(f"  server error        {line}  ({server.log.name})")
        audit = audit_database(phases, [p.username for p in phones])
        print("\nDatabase against what the phones were told")
        print(
            f"  logs in the database {audit.logs_in_db}, photos {audit.photos_in_db}; "
            f"acknowledged {sum(len(s.acked_logs) for s in phases)} logs, "
            f"{sum(len(s.acked_photos) for s in phases)} photos"
        )
        print(
            f"  lost        {audit.lost}  (logs {audit.lost_logs}, photos {audit.lost_photos}, "
            f"photo files missing {audit.missing_files}, photo bytes differ {audit.wrong_bytes})"
        )
        print(
            f"  duplicated  {audit.duplicated}  (logs {audit.duplicated_logs}, photos "
            f"{audit.duplicated_photos}, records no phone sent: {audit.unknown_logs} logs, "
            f"{audit.unknown_photos} photos)"
        )
        if baseline_rate:
            print(
                f"\nRatio: {rate / baseline_rate:.2f}× the one-worker baseline's throughput "
                f"(logs/s, {ns.workers} workers with{'' if ns.kill else 'out'} a kill ÷ 1 worker, "
                "same machine, same run)"
            )
        failed = bool(
            audit.lost
            or audit.duplicated
            or any(s.fatal for s in phases)
            or (ns.kill and "pid" not in stats.kill)
            or any(len(s.acked_logs) != s.total_logs for s in phases)
        )
        print(f"\nResult: {'FAILED' if failed else 'ok'}: lost {audit.lost}, "
              f"duplicated {audit.duplicated}")  # fmt: skip
        if failed:
            keep = True
            print(f"(server logs kept in {work})")
        return 1 if failed else 0
    finally:
        for server in servers:
            server.stop()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        try:
            db.drop()
        except Exception as exc:
            print(f"warning: could not drop {db.name}: {exc}")
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
