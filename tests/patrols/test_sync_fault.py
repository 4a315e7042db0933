"""Fault test of the phone sync: a server worker is killed in the middle of uploads.

A real `shouwang serve --workers 2` (gunicorn) on its own SQLite data directory with the demo
township; the demo patrol member signs in through the token endpoint, then phones send many
sync batches and photos concurrently while one worker is SIGKILLed (twice, at 30 % and 60 %).
Everything not acknowledged is sent again until all is acknowledged, as the app does. Then the
SQLite file must hold every acknowledged record exactly once: lost = 0, duplicated = 0.
"""

# Table names in the SQL below come from the models' _meta, never from input.
# ruff: noqa: S608

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from shouwang.config.server import worker_pids

pytestmark = pytest.mark.slow

LOGS = 160  # patrol logs, each with one photo
BATCH = 5  # logs per sync request
CLIENTS = 8  # concurrent uploads
KILL_AT = (0.3, 0.6)  # fractions of logs acknowledged before each SIGKILL
TIME_LIMIT_S = 240.0
MARK = "fault-test"


# ---- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "shouwang.cli", *args]


@dataclass
class Server:
    proc: subprocess.Popen
    base: str
    data_dir: Path
    log: Path


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    for name in ("DATABASE_URL", "SHOUWANG_ENV", "SHOUWANG_WORKERS"):
        env.pop(name, None)
    env.update(
        {
            "SHOUWANG_DATA_DIR": str(data_dir),
            "SHOUWANG_DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SHOUWANG_LOG_LEVEL": "ERROR",
        }
    )
    demo = subprocess.run(
        cli("demo", "--no-serve"),
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            cli("serve", "--workers", "2", "--threads", "4", "--port", str(port)),
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the server did not start"
            try:
                with urllib.request.urlopen(f"{base}/login/", timeout=5):  # noqa: S310
                    pass
                if len(worker_pids(proc.pid)) == 2:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        yield Server(proc=proc, base=base, data_dir=data_dir, log=log)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# ---- the phone ----------------------------------------------------------------------------


def call(
    method: str, url: str, *, token: str | None = None, body: bytes | None = None,
    content_type: str = "application/json",
) -> tuple[int, Any]:  # fmt: skip
    request = urllib.request.Request(url, data=body, method=method)  # noqa: S310
    if body is not None:
        request.add_header("Content-Type", content_type)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            status, raw = int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        status, raw = int(exc.code), exc.read()
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, None


def multipart(fields: dict[str, str], image: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + image
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def jpeg(key: str) -> bytes:
    """A small real JPEG whose bytes differ per key (a JPEG comment segment)."""
    from PIL import Image

    rng = random.Random(key)
    image = Image.frombytes("RGB", (64, 48), bytes(rng.getrandbits(8) for _ in range(64 * 48 * 3)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    data = buffer.getvalue()
    comment = key.encode()
    return data[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + data[2:]


@dataclass
class Phone:
    base: str
    token: str
    team: int
    member: int
    logs: dict[str, dict[str, Any]] = field(default_factory=dict)  # uuid → sync item
    photos: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # uuid → (log, bytes)
    acked_logs: set[str] = field(default_factory=set)
    acked_photos: set[str] = field(default_factory=set)
    failures: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, key: str) -> None:
        with self.lock:
            self.answers[key] = self.answers.get(key, 0) + 1

    def queue(self, count: int) -> None:
        started = time.time() - 86400
        for n in range(count):
            log_uuid, photo_uuid = str(uuid.uuid4()), str(uuid.uuid4())
            start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started + n * 600))
            end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started + n * 600 + 500))
            self.logs[log_uuid] = {
                "uuid": log_uuid,
                "kind": "patrol_log",
                "base_version": None,
                "data": {
                    "duty": None,
                    "team": self.team,
                    "place": f"{MARK} {n}",
                    "method": "foot",
                    "started_at": start,
                    "ended_at": end,
                    "attendance": [{"member": self.member, "status": "present"}],
                    "findings": [{"kind": "other", "text": f"巡查正常 {n}"}],
                    "submit": n % 2 == 0,
                },
            }
            self.photos[photo_uuid] = (log_uuid, jpeg(photo_uuid))

    def send_batch(self, uuids: list[str]) -> None:
        body = json.dumps({"items": [self.logs[u] for u in uuids]}).encode()
        try:
            url = f"{self.base}/api/v1/field/sync"
            status, answer = call("POST", url, token=self.token, body=body)
        except (OSError, http.client.HTTPException):  # refused, reset, cut off mid-answer
            self.failures += 1
            self.note("sync connection error")
            return
        self.note(f"sync {status}")
        if status != 200:
            if status < 500:
                self.refused.append(f"sync {status}: {answer}")
            return
        for result in answer["results"]:
            self.note(f"log {result['status']}")
            if result["status"] in ("saved", "unchanged"):
                with self.lock:
                    self.acked_logs.add(result["uuid"])
            elif result["status"] != "retry":
                self.refused.append(f"log {result}")

    def send_photo(self, photo_uuid: str) -> None:
        log_uuid, image = self.photos[photo_uuid]
        body, content_type = multipart({"log": log_uuid}, image)
        try:
            url = f"{self.base}/api/v1/field/photos/{photo_uuid}"
            status, answer = call(
                "PUT", url, token=self.token, body=body, content_type=content_type
            )
        except (OSError, http.client.HTTPException):
            self.failures += 1
            self.note("photo connection error")
            return
        self.note(f"photo {status}")
        if status in (200, 201):
            with self.lock:
                self.acked_photos.add(photo_uuid)
        elif status < 500 and not (status == 409 and (answer or {}).get("status") == "retry"):
            self.refused.append(f"photo {status}: {answer}")


def killer(server: Server, phone: Phone, killed: list[int], stop: threading.Event) -> None:
    for fraction in KILL_AT:
        while len(phone.acked_logs) < fraction * LOGS:
            if stop.wait(0.01):
                return
        pids = worker_pids(server.proc.pid)
        if not pids:
            return
        victim = random.choice(sorted(pids))
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the master starts a replacement
            now = worker_pids(server.proc.pid)
            if victim not in now and len(now) == 2:
                break
            time.sleep(0.05)


# ---- the test -----------------------------------------------------------------------------


def table(app_model: str) -> str:
    from django.apps import apps

    return str(apps.get_model(app_model)._meta.db_table)


def server_errors(log: Path) -> dict[str, int]:
    """The exceptions the server logged (last line of each traceback), with their counts."""
    pattern = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception)\b.*")
    counts: dict[str, int] = {}
    for line in log.read_text(errors="replace").splitlines():
        if pattern.match(line):
            counts[line[:160]] = counts.get(line[:160], 0) + 1
    return counts


def member_teams_table() -> str:
    from shouwang.forces.models import Member

    return str(Member.teams.through._meta.db_table)


def test_killed_worker_loses_and_duplicates_nothing(server: Server) -> None:
    status, answer = call(
        "POST",
        f"{server.base}/api/v1/auth/tokens",
        body=json.dumps({"username": "patrol", "password": "shouwang-demo"}).encode(),
    )
    assert status == 201, answer
    token = answer["token"]
    database = server.data_dir / "shouwang.sqlite3"
    with sqlite3.connect(database) as db:
        member, team = db.execute(
            f"SELECT m.id, mt.team_id FROM {table('forces.Member')} m "
            f"JOIN {table('auth.User')} u ON u.id = m.user_id "
            f"JOIN {member_teams_table()} mt ON mt.member_id = m.id "
            "WHERE u.username = 'patrol' ORDER BY mt.team_id LIMIT 1"
        ).fetchone()
    phone = Phone(base=server.base, token=token, team=team, member=member)
    phone.queue(LOGS)

    killed: list[int] = []
    stop = threading.Event()
    kill_thread = threading.Thread(target=killer, args=(server, phone, killed, stop))
    kill_thread.start()
    deadline = time.monotonic() + TIME_LIMIT_S
    rounds = 0
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            while time.monotonic() < deadline:
                pending_logs = [u for u in phone.logs if u not in phone.acked_logs]
                pending_photos = [
                    p
                    for p, (log, _) in phone.photos.items()
                    if p not in phone.acked_photos and log in phone.acked_logs
                ]
                if not pending_logs and not pending_photos:
                    break
                rounds += 1
                random.shuffle(pending_logs)
                batches = [pending_logs[i : i + BATCH] for i in range(0, len(pending_logs), BATCH)]
                jobs = [pool.submit(phone.send_batch, b) for b in batches]
                jobs += [pool.submit(phone.send_photo, p) for p in pending_photos]
                for job in jobs:
                    job.result()
                assert not phone.refused, phone.refused[:5]
                if rounds > 1:
                    time.sleep(0.2)
    finally:
        stop.set()
        kill_thread.join()
    report = (
        f"rounds {rounds}, killed {killed}, connection failures {phone.failures}, "
        f"answers {phone.answers}, server errors {server_errors(server.log)}"
    )
    print(report)
    assert phone.acked_logs == set(phone.logs), report
    assert phone.acked_photos == set(phone.photos), report
    assert len(killed) == len(KILL_AT), f"no worker was killed: {report}"
    assert server.proc.poll() is None and len(worker_pids(server.proc.pid)) == 2

    log_table, photo_table = table("patrols.PatrolLog"), table("patrols.FieldPhoto")
    with sqlite3.connect(database) as db:
        # Django stores UUIDs in SQLite as 32 hex characters.
        logs = [
            str(uuid.UUID(u))
            for (u,) in db.execute(
                f"SELECT uuid FROM {log_table} WHERE place LIKE ?", (f"{MARK}%",)
            )
        ]
        photos = {
            str(uuid.UUID(u)): (sha, name, str(uuid.UUID(log)))
            for u, sha, name, log in db.execute(
                f"SELECT p.uuid, p.sha256, p.image, l.uuid FROM {photo_table} p "
                f"JOIN {log_table} l ON l.id = p.log_id WHERE l.place LIKE ?",
                (f"{MARK}%",),
            )
        }
        photo_rows = db.execute(
            f"SELECT COUNT(*) FROM {photo_table} p JOIN {log_table} l ON l.id = p.log_id "
            "WHERE l.place LIKE ?",
            (f"{MARK}%",),
        ).fetchone()[0]
        twice = db.execute(
            f"SELECT COUNT(*) FROM (SELECT uuid FROM {log_table} GROUP BY uuid HAVING COUNT(*) > 1"
            f" UNION ALL SELECT uuid FROM {photo_table} GROUP BY uuid HAVING COUNT(*) > 1)"
        ).fetchone()[0]
    lost_logs = phone.acked_logs - set(logs)
    lost_photos = phone.acked_photos - set(photos)
    assert not lost_logs and not lost_photos, f"lost: {lost_logs} {lost_photos}"
    assert twice == 0
    assert len(logs) == len(set(logs)) == LOGS, "a log is stored twice or one nobody sent"
    assert photo_rows == len(photos) == LOGS, "a photo is stored twice or one nobody sent"
    media = server.data_dir / "media"
    for photo_uuid, (sha, name, log_uuid) in photos.items():
        sent_log, image = phone.photos[photo_uuid]
        assert log_uuid == sent_log
        assert sha == hashlib.sha256(image).hexdigest()
        assert (media / name).read_bytes() == image, f"photo file {name} differs or is missing"
