"""The production server: gunicorn with several worker processes (`shouwang serve --workers N`).

The master process only supervises: it binds the socket, starts N workers and starts a new one
whenever a worker dies (killed, out of memory, or recycled after `max_requests`). Each worker
imports the WSGI application itself (no `--preload`), so a replacement worker starts from a
clean import with fresh database connections. Waitress (one process, threads) stays the
default for `--workers 1` and on Windows, where gunicorn does not run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

# Workers recycle after about this many requests (plus a random jitter so that they do not all
# restart together): bounds the damage of a slow leak in a long-running process.
MAX_REQUESTS = 2000
MAX_REQUESTS_JITTER = 200
# A worker silent for this long is killed and replaced (gthread workers heartbeat from their
# main loop, so a long upload does not count as silence).
TIMEOUT_S = 60
# SIGTERM: stop accepting, let requests in flight finish for up to this long, then stop.
GRACEFUL_TIMEOUT_S = 30
KEEPALIVE_S = 5


def multiprocess_available() -> bool:
    """gunicorn needs fork(): POSIX only."""
    return os.name == "posix"


def gunicorn_options(
    *, host: str, port: int, workers: int, threads: int, access_log: bool = False
) -> dict[str, Any]:
    """The gunicorn settings of `shouwang serve --workers N` (see docs/operations.md)."""
    # Only the heartbeat files of our own workers go there (gunicorn's documented advice).
    shm = Path("/dev/shm")  # noqa: S108
    options: dict[str, Any] = {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": max(1, workers),
        # Threads inside each worker: a request waiting on the database or a slow phone upload
        # does not hold the whole process.
        "worker_class": "gthread",
        "threads": max(1, threads),
        "timeout": TIMEOUT_S,
        "graceful_timeout": GRACEFUL_TIMEOUT_S,
        "keepalive": KEEPALIVE_S,
        "max_requests": MAX_REQUESTS,
        "max_requests_jitter": MAX_REQUESTS_JITTER,
        # The workers' heartbeat files: in memory, never on a slow or full disk.
        "worker_tmp_dir": str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None,
        # Each worker imports the application itself: a killed worker restarts cleanly.
        "preload_app": False,
        # The runtime control socket would be shared by every server of the same Unix user.
        "control_socket_disable": True,
        "proc_name": "shouwang",
        "errorlog": "-",
        "loglevel": "info",
        "accesslog": "-" if access_log else None,
    }
    # Trust X-Forwarded-* only from the local reverse proxy unless told otherwise.
    options["forwarded_allow_ips"] = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
    return options


def run_gunicorn(options: dict[str, Any]) -> None:
    """Run the gunicorn master in this process until SIGTERM/SIGINT (then exit)."""
    from gunicorn.app.base import BaseApplication
    from gunicorn.config import Config

    class ShouwangServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            cfg: Config = self.cfg
            for key, value in options.items():
                if value is not None and key in cfg.settings:
                    cfg.set(key, value)

        def load(self) -> Any:
            from shouwang.config.wsgi import application

            return application

    ShouwangServer().run()


def worker_pids(master: int) -> set[int]:
    """Live child processes of a gunicorn master (its workers), read from /proc (Linux).

    What `ps --ppid` would print, without needing procps; the benchmark and the fault tests use
    it to kill one worker and to see the master replace it.
    """
    pids: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == master and state not in ("Z", "X"):
            pids.add(int(entry.name))
    return pids
