"""Fixtures for the browser tests: Debian's Chromium through Playwright, and the demo township.

The browser is Debian's ``/usr/bin/chromium`` (``apt-get install chromium``); Playwright never
downloads one. Without it the tests are skipped, or fail when ``SHOUWANG_REQUIRE_BROWSER=1``
(as ``.ci/run`` sets).

The live server answers from another thread (on PostgreSQL, another connection), so these
tests need committed data: ``transactional_db``. That clashes with tests/conftest.py, which
commits a shared test world once per session and relies on it staying put. So the first
browser test takes a snapshot of the database, each test empties it and loads the demo
township, and when the module is done the snapshot is put back exactly (same primary keys),
so tests that run afterwards find the shared world as they expect.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
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


@pytest.fixture(scope="module")
def shared_data(django_db_setup: Any, django_db_blocker: Any) -> Iterator[SharedData]:
    data = SharedData()
    yield data
    with django_db_blocker.unblock():
        data.restore()


@pytest.fixture(scope="module")
def browser(shared_data: SharedData) -> Iterator[Any]:
    """Headless Debian Chromium; depends on `shared_data` so the restore runs after it closes."""
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


@dataclass
class Demo:
    password: str
    seconds: float


@pytest.fixture
def demo(browser: Any, shared_data: SharedData, transactional_db: Any) -> Demo:
    """An emptied database (reference data re-seeded) holding the demo township, committed."""
    from django.core.management import call_command

    from shouwang.demo.township import DEMO_PASSWORD, load_demo

    shared_data.take_once()
    # flush runs post_migrate, which seeds code lists and roles again, as `shouwang migrate`.
    call_command("flush", interactive=False, verbosity=0)
    started = time.monotonic()
    load_demo()
    return Demo(password=DEMO_PASSWORD, seconds=time.monotonic() - started)


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """`new_page(**context_options)` → a page in a fresh context; fails on JavaScript errors."""
    contexts: list[Any] = []
    errors: list[str] = []

    def _new_page(**options: Any) -> Any:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        options.setdefault("device_scale_factor", 1)
        # The office's browsers ask for Chinese; the default UI language is zh-hans anyway.
        options.setdefault("locale", "zh-CN")
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        return page

    yield _new_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def sign_in(live_server: Any) -> Any:
    """`sign_in(page, username, password)`: through the login form, as a person would."""

    def _sign_in(page: Any, username: str, password: str) -> None:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")

    return _sign_in
