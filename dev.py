#!/usr/bin/env python3.11
"""Shouwang developer bootstrap (standard library only).

Usage (from anywhere; paths are resolved relative to this file):

    python3.11 dev.py demo [ARGS...]    run the demo township on http://127.0.0.1:8000
    python3.11 dev.py test [PYTEST ARGS...]
                                        run the test suite (exit code is pytest's)
    python3.11 dev.py CMD [ARGS...]     run .venv/bin/CMD, e.g. `dev.py shouwang check`,
                                        `dev.py python -m django shell`, `dev.py ruff check .`
    python3.11 dev.py --help            show this help

Every command first makes sure `.venv/` (next to this file) exists and holds the
project installed with `pip install -e ".[dev]"`. The install is repeated only when
pyproject.toml changed since the last successful one: the sha256 of pyproject.toml
is kept in `.venv/.shouwang-installed`. Delete that file to force a reinstall, or
delete `.venv/` to start from scratch.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NoReturn

REQUIRED_PYTHON = (3, 11)
ROOT = Path(__file__).resolve().parent
PYPROJECT = ROOT / "pyproject.toml"
VENV = ROOT / ".venv"
VENV_BIN = VENV / "bin"
VENV_PYTHON = VENV_BIN / "python"
STAMP = VENV / ".shouwang-installed"
LOCK = VENV / ".shouwang-install.lock"
COMPILE_MESSAGES = ROOT / "scripts" / "compile_messages.py"
CHROMIUM = Path("/usr/bin/chromium")

HELP = """\
usage: python3.11 dev.py COMMAND [ARGS...]

commands:
  demo [ARGS...]     create the SQLite database, migrate, load the demo township and
                     serve it on http://127.0.0.1:8000  (runs `.venv/bin/shouwang demo`)
  test [ARGS...]     compile translations, then run `.venv/bin/python -m pytest ARGS`;
                     exits with pytest's exit code
  CMD [ARGS...]      run any program from .venv/bin, e.g.
                       python3.11 dev.py shouwang check
                       python3.11 dev.py python -m django makemigrations
                       python3.11 dev.py ruff check .
  -h, --help, help   show this message

Each command first creates .venv/ next to dev.py (if missing) and runs
`pip install -e ".[dev]"` whenever pyproject.toml changed since the last install.
Commands run with the repository root as working directory.
"""


def say(message: str) -> None:
    print(f"dev.py: {message}", flush=True)


def fail(message: str, code: int = 1) -> NoReturn:
    print(f"dev.py: error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def check_interpreter() -> None:
    if sys.version_info[:2] != REQUIRED_PYTHON:
        want = ".".join(map(str, REQUIRED_PYTHON))
        have = ".".join(map(str, sys.version_info[:3]))
        fail(
            f"Shouwang needs Python {want}, but this is Python {have} ({sys.executable}).\n"
            f"    Please run it as:  python{want} dev.py ..."
        )


def pyproject_hash() -> str:
    try:
        return hashlib.sha256(PYPROJECT.read_bytes()).hexdigest()
    except OSError as exc:
        fail(f"cannot read {PYPROJECT}: {exc}")


def venv_version() -> str | None:
    """The Python version recorded in .venv/pyvenv.cfg, or None if there is none."""
    try:
        text = (VENV / "pyvenv.cfg").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() in ("version", "version_info"):
            return value.strip()
    return ""


@contextlib.contextmanager
def install_lock() -> Iterator[None]:
    """Serialise concurrent dev.py runs while they create/update the venv."""
    VENV.mkdir(exist_ok=True)
    with open(LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def create_venv() -> None:
    say(f"creating virtual environment in {VENV} …")
    result = subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=False)
    if result.returncode != 0 or not VENV_PYTHON.exists():
        fail(
            "could not create the virtual environment "
            f"(`{sys.executable} -m venv {VENV}` exited with {result.returncode}).\n"
            "    On Debian/Ubuntu the venv module may need `apt-get install python3.11-venv`."
        )


def check_existing_venv() -> None:
    version = venv_version()
    want = ".".join(map(str, REQUIRED_PYTHON))
    if version and not (version == want or version.startswith(want + ".")):
        fail(
            f"{VENV} was made with Python {version}, not {want}.\n"
            f"    Delete it (rm -rf {VENV}) and run dev.py again."
        )
    if not VENV_PYTHON.exists():  # e.g. a dangling symlink after the interpreter moved
        fail(
            f"{VENV} is broken ({VENV_PYTHON} does not run).\n"
            f"    Delete it (rm -rf {VENV}) and run dev.py again."
        )


def install_project(digest: str) -> None:
    say('installing dependencies (pip install -e ".[dev]") …')
    STAMP.unlink(missing_ok=True)  # a failed or interrupted install must be retried next time
    cmd = [str(VENV_PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    cmd += ["-e", ".[dev]"]
    result = subprocess.run(cmd, cwd=ROOT, check=False)
    if result.returncode != 0:
        STAMP.unlink(missing_ok=True)
        fail(
            f"pip install failed (exit code {result.returncode}); see pip's output above.\n"
            "    Fix the problem and run dev.py again: the install will be retried.",
            result.returncode or 1,
        )
    STAMP.write_text(digest + "\n", encoding="utf-8")
    say("dependencies installed.")


def ensure_environment() -> None:
    check_interpreter()
    with install_lock():
        if VENV_PYTHON.exists() or venv_version() is not None:
            check_existing_venv()
        else:
            create_venv()
        digest = pyproject_hash()
        try:
            installed = STAMP.read_text(encoding="utf-8").strip()
        except OSError:
            installed = ""
        # The console script doubles as a cheap "is the project really installed?" check.
        if installed != digest or not (VENV_BIN / "shouwang").exists():
            install_project(digest)


def child_env() -> dict[str, str]:
    """Environment for programs from the venv: as if the venv were activated."""
    env = dict(os.environ)
    env.pop("PYTHONHOME", None)
    env["VIRTUAL_ENV"] = str(VENV)
    env["PATH"] = os.pathsep.join([str(VENV_BIN), env.get("PATH", os.defpath)])
    return env


def run(cmd: Sequence[str]) -> int:
    try:
        return subprocess.run(list(cmd), cwd=ROOT, env=child_env(), check=False).returncode
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        fail(f"cannot run {cmd[0]}: {exc}")


def exec_program(cmd: Sequence[str]) -> NoReturn:
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(ROOT)
    try:
        os.execve(cmd[0], list(cmd), child_env())  # noqa: S606 (exec, no shell)
    except OSError as exc:
        fail(f"cannot run {cmd[0]}: {exc}")


def venv_program(name: str) -> str:
    if not name or "/" in name or name in (".", ".."):
        fail(f"unknown command {name!r}; see `python3.11 dev.py --help`.", 2)
    path = VENV_BIN / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        fail(
            f"unknown command {name!r}: there is no {path}.\n"
            "    Commands: demo, test, or any program in .venv/bin; see --help.",
            2,
        )
    return str(path)


def cmd_demo(args: list[str]) -> NoReturn:
    exec_program([venv_program("shouwang"), "demo", *args])


def cmd_test(args: list[str]) -> int:
    if COMPILE_MESSAGES.is_file():
        say("compiling translations (scripts/compile_messages.py) …")
        code = run([str(VENV_PYTHON), str(COMPILE_MESSAGES)])
        if code != 0:
            fail(f"scripts/compile_messages.py failed (exit code {code}).", code)
    if not CHROMIUM.exists():
        say(
            f"{CHROMIUM} not found: browser tests will be skipped "
            "(CI installs Debian's chromium: apt-get install chromium chromium-driver)."
        )
    return run([str(VENV_PYTHON), "-m", "pytest", *args])


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(HELP, end="")
        return 0 if argv else 2
    command, args = argv[0], argv[1:]
    ensure_environment()
    if command == "demo":
        cmd_demo(args)
    if command == "test":
        return cmd_test(args)
    exec_program([venv_program(command), *args])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
