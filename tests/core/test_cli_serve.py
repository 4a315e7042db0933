"""`shouwang serve --workers N`: the production server (gunicorn) as a real process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from shouwang.config.server import gunicorn_options, worker_pids

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    for name in ("DATABASE_URL", "SHOUWANG_ENV", "SHOUWANG_WORKERS"):
        env.pop(name, None)
    env["SHOUWANG_DATA_DIR"] = str(data_dir)
    return env


def get_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local test URL
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited with code {proc.returncode}")
        try:
            return get_status(url)
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout:g} s")


def wait_workers(master: int, count: int, timeout: float = 30) -> set[int]:
    deadline = time.monotonic() + timeout
    pids = worker_pids(master)
    while len(pids) != count and time.monotonic() < deadline:
        time.sleep(0.2)
        pids = worker_pids(master)
    return pids


def test_production_options_are_sensible() -> None:
    options = gunicorn_options(host="127.0.0.1", port=8000, workers=3, threads=4)
    assert options["bind"] == ["127.0.0.1:8000"]
    assert options["workers"] == 3
    assert options["worker_class"] == "gthread"
    assert options["threads"] == 4
    assert options["preload_app"] is False
    assert options["graceful_timeout"] > 0
    assert options["max_requests"] > 0 and options["max_requests_jitter"] > 0
    shm = Path("/dev/shm")  # noqa: S108 - gunicorn's heartbeat files, our own
    if shm.is_dir() and os.access(shm, os.W_OK):
        assert options["worker_tmp_dir"] == str(shm)
    assert gunicorn_options(host="::1", port=80, workers=1, threads=1)["bind"] == ["[::1]:80"]


def test_serve_with_two_workers_answers_survives_a_killed_worker_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    env = cli_env(tmp_path / "data")
    migrate = subprocess.run(
        [sys.executable, "-m", "shouwang.cli", "migrate", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stderr
    port = free_port()
    log = (tmp_path / "serve.log").open("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "shouwang.cli", "serve", "--workers", "2", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    try:
        url = f"http://127.0.0.1:{port}/login/"
        assert wait_for(url, proc) == 200
        workers = wait_workers(proc.pid, 2)
        assert len(workers) == 2, workers

        # A worker killed outright is replaced, and the server keeps answering.
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        replaced = worker_pids(proc.pid)
        while (victim in replaced or len(replaced) != 2) and time.monotonic() < deadline:
            time.sleep(0.2)
            replaced = worker_pids(proc.pid)
        assert victim not in replaced and len(replaced) == 2, replaced
        assert all(get_status(url) == 200 for _ in range(6))

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=40) == 0
        assert not worker_pids(proc.pid)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.seek(0)
        output = log.read()
        log.close()
    assert "gunicorn" in output
    assert "Shutting down" in output
