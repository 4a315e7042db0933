"""What the browser test modules share: Debian Chromium's launch and the snapshot of the shared
test world (see tests/e2e/test_browser.py's docstring for why tests need both).

A plain module, not a conftest.py: each test module keeps its own module-scoped fixtures built
from these pieces, so each restores the world after its own browser has closed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


class SharedData:
    """A snapshot of the committed test data, restored once the browser tests are done."""

    def __init__(self) -> None:
        self.snapshot: str | None = None

    def take_once(self) -> None:
        from django.db import connection

        if self.snapshot is None:
            self.snapshot = connection.creation.serialize_db_to_string()

    def restore(self) -> None:
        from django.contrib.contenttypes.models import ContentType
        from django.core.management import call_command
        from django.db import connection

        if self.snapshot is None:
            return
        # No post_migrate: the snapshot already holds the reference data with its own keys.
        call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
        connection.creation.deserialize_db_from_string(self.snapshot)
        ContentType.objects.clear_cache()


def shared_data_fixture(django_db_blocker: Any) -> Iterator[SharedData]:
    """Body of a module-scoped `shared_data` fixture: restore the world when the module ends."""
    data = SharedData()
    yield data
    with django_db_blocker.unblock():
        data.restore()


@contextmanager
def chromium() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright (never a browser download).

    Skips without Chromium, or fails when `SHOUWANG_REQUIRE_BROWSER=1` (as `.ci/run` sets).
    """
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)"
        if os.environ.get("SHOUWANG_REQUIRE_BROWSER") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, which makes Django believe it
    # is called from async code; the test code itself is plain synchronous code. The guard
    # is switched back on once the browser is closed, for the tests that follow.
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as pw:
            instance = pw.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            try:
                yield instance
            finally:
                instance.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@contextmanager
def context_factory(browser: Any, viewport: dict[str, int]) -> Iterator[Any]:
    """Body of a `new_context` fixture: `new_context(**options)` → (context, page), at
    `viewport` unless told otherwise; fails on JavaScript errors in any page."""
    contexts: list[Any] = []
    errors: list[str] = []

    def _new(**options: Any) -> tuple[Any, Any]:
        options.setdefault("viewport", viewport)
        options.setdefault("device_scale_factor", 1)
        options.setdefault("locale", "zh-CN")
        context = browser.new_context(**options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        return context, page

    yield _new
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    """Through the login form, as a person would."""
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    # Office logins land on the home page, patrol members in the phone app.
    page.wait_for_url(lambda url: "/login/" not in url)
