"""`shouwang roster`: plan a team's month from the command line, as a real process."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

TEAM = "栗子乡专（兼）职巡防队"
SRC = Path(__file__).resolve().parent.parent.parent / "src"


def run_cli(*args: str, site: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    for name in ("DATABASE_URL", "SHOUWANG_BROKER_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    env["SHOUWANG_DATA_DIR"] = str(site)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run(
        [sys.executable, "-m", "shouwang.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: Any) -> Path:
    site = tmp_path_factory.mktemp("cli-demo")
    result = run_cli("demo", "--no-serve", site=site)
    assert result.returncode == 0, result.stderr[-3000:]
    return site


@pytest.fixture
def site(demo_site: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(demo_site, copy)
    return copy


def test_roster_plans_the_month_printing_progress_and_summary(site: Path) -> None:
    result = run_cli("roster", "--team", TEAM, "--month", "2026-10", "--time-limit", "3", site=site)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    progress = [line for line in lines if "objective" in line and "bound" in line]
    assert progress, result.stdout
    objectives = [float(re.search(r"objective\s+(\S+)", line).group(1)) for line in progress]  # type: ignore[union-attr]
    assert objectives == sorted(objectives, reverse=True)  # each line a better roster
    assert any(line.startswith("Draft roster:") for line in lines)
    summary = next(line for line in lines if "duties" in line and "assignments" in line)
    assert int(re.search(r"(\d+) assignments", summary).group(1)) > 0  # type: ignore[union-attr]
    # Planning the draft again, naming the team by its number, replaces the solver's part.
    team_pk = re.search(r"\(#(\d+)\)", lines[0]).group(1)  # type: ignore[union-attr]
    again = run_cli(
        "roster", "--team", team_pk, "--month", "2026-10", "--time-limit", "2", site=site
    )
    assert again.returncode == 0, again.stderr
    assert f"(#{team_pk})" in again.stdout.splitlines()[0]


def test_roster_refuses_bad_input_clearly(site: Path) -> None:
    bad_month = run_cli("roster", "--team", TEAM, "--month", "2026-13", site=site)
    assert bad_month.returncode == 2 and "not a month" in bad_month.stderr
    bad_limit = run_cli(
        "roster", "--team", TEAM, "--month", "2026-10", "--time-limit", "0", site=site
    )
    assert bad_limit.returncode == 2 and "not a time limit" in bad_limit.stderr
    no_team = run_cli("roster", "--team", "没有这个队", "--month", "2026-10", site=site)
    assert no_team.returncode == 1 and "no team" in no_team.stderr
    no_user = run_cli("roster", "--team", TEAM, "--month", "2026-10", "--user", "nobody", site=site)
    assert no_user.returncode == 1 and "no active user" in no_user.stderr
    missing = run_cli("roster", "--month", "2026-10", site=site)
    assert missing.returncode == 2 and "--team" in missing.stderr


def test_roster_help_explains_the_options(tmp_path: Path) -> None:
    result = run_cli("roster", "--help", site=tmp_path)
    assert result.returncode == 0
    for option in ("--team", "--month", "--time-limit", "--seed", "--user", "objective", "bound"):
        assert option in result.stdout
    assert "roster" in run_cli("--help", site=tmp_path).stdout
