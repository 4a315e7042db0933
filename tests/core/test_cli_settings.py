"""The command line and production settings, run as real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def run_cli(
    *args: str, env: dict[str, str] | None = None, tmp: Path
) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    full_env["SHOUWANG_DATA_DIR"] = str(tmp)
    full_env.pop("DATABASE_URL", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "shouwang.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


def test_help_explains_every_command(tmp_path: Path) -> None:
    result = run_cli("--help", tmp=tmp_path)
    assert result.returncode == 0
    for command in ("demo", "serve", "migrate", "createadmin", "check"):
        assert command in result.stdout
    demo_help = run_cli("demo", "--help", tmp=tmp_path)
    assert "idempotent" in demo_help.stdout


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    env = {
        "SHOUWANG_ENV": "production",
        "SECRET_KEY": "x" * 20 + "production-secret-key-with-enough-entropy-0123456789",
        "SHOUWANG_FIELD_KEY": "field-key-for-test",
        "ALLOWED_HOSTS": "shouwang.example.org",
    }
    result = run_cli("check", "--deploy", env=env, tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    result = run_cli("check", env={"SHOUWANG_ENV": "production"}, tmp=tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_development_secrets_are_generated_outside_the_repository(tmp_path: Path) -> None:
    result = run_cli("check", tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    secret = (tmp_path / "secret_key").read_text()
    assert len(secret) >= 50
    assert oct((tmp_path / "field_key").stat().st_mode)[-3:] == "600"


def test_migrate_then_createadmin(tmp_path: Path) -> None:
    assert run_cli("migrate", "--quiet", tmp=tmp_path).returncode == 0
    env = {"SHOUWANG_ADMIN_PASSWORD": "a-Long-enough-pass-2024"}
    created = run_cli("createadmin", "--username", "chief", env=env, tmp=tmp_path)
    assert created.returncode == 0, created.stderr
    again = run_cli("createadmin", "--username", "chief", env=env, tmp=tmp_path)
    assert again.returncode == 1
    assert "already exists" in again.stderr
    weak = run_cli(
        "createadmin", "--username", "weak", env={"SHOUWANG_ADMIN_PASSWORD": "123"}, tmp=tmp_path
    )
    assert weak.returncode == 1
