"""The pages in a real browser: sign in, find a member, masked identity number, map, language.

Runs headless Debian Chromium (``/usr/bin/chromium``, ``apt-get install chromium``) through
Playwright against pytest-django's live server; Playwright never downloads a browser. Without
Chromium the tests are skipped, or fail when ``SHOUWANG_REQUIRE_BROWSER=1`` (as ``.ci/run``
sets).

The live server answers from another thread (on PostgreSQL, another connection), so these
tests need committed data: ``transactional_db``. That clashes with tests/conftest.py, which
commits a shared test world once per session and relies on it staying put. So the first
browser test takes a snapshot of the database, each test empties it and loads the demo
township through the services, and when the module is done the snapshot is put back exactly
(same primary keys), so tests that run afterwards find the shared world as they expect.

The fixtures live in the test modules on purpose (built from tests/e2e/browser_support.py), not
in tests/e2e/conftest.py: other test modules do ``from conftest import …``, and a second
conftest.py would shadow tests/conftest.py under that module name whenever both directories
are named on the command line.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from browser_support import SharedData, chromium, shared_data_fixture

from shouwang.core.models import AuditEvent
from shouwang.forces.models import Member

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OFFICE = "office"  # the demo's township office login (乡镇平安办, township_staff)


@pytest.fixture(scope="module")
def shared_data(django_db_setup: Any, django_db_blocker: Any) -> Iterator[SharedData]:
    yield from shared_data_fixture(django_db_blocker)


@pytest.fixture(scope="module")
def browser(shared_data: SharedData) -> Iterator[Any]:
    """Headless Debian Chromium; depends on `shared_data` so the restore runs after it closes."""
    with chromium() as instance:
        yield instance


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


def fits_width(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_office_finds_a_member_sees_the_map_and_switches_language(
    demo: Any, live_server: Any, new_page: Any, sign_in: Any
) -> None:
    assert demo.seconds < 30, f"loading the demo took {demo.seconds:.1f} s"
    member = Member.objects.exclude(citizen_id_encrypted="").select_related("jurisdiction").first()
    assert member is not None
    full_id = member.citizen_id_full()
    assert len(full_id) == 18
    total = Member.objects.count()

    page = new_page()
    sign_in(page, OFFICE, demo.password)
    # Default language: Simplified Chinese.
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("button", name="退出登录").is_visible()

    # Members list, filtered by a search term.
    page.goto(f"{live_server.url}/r/members/")
    rows = page.locator("table.records tbody tr")
    assert rows.count() == min(total, 50)
    page.fill("form.filters input[name=q]", member.name)
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"[?&]q="))
    names = page.locator("table.records tbody td:first-child a").all_inner_texts()
    assert member.name in names
    assert 0 < len(names) < total
    assert all(member.name in name for name in names)

    # Detail page: the identity number is masked, and the full number is nowhere in the HTML.
    page.locator("table.records tbody a", has_text=member.name).first.click()
    page.wait_for_url(re.compile(rf"/r/members/{member.pk}/$"))
    assert page.locator("h1").inner_text().startswith(member.name)
    assert member.citizen_id_masked in page.locator(".masked").first.inner_text()
    assert "*" in member.citizen_id_masked
    html = page.content()
    assert full_id not in html
    assert member.citizen_id_encrypted not in html
    # History shows the creation event.
    assert page.locator("ol.history > li").count() >= 1

    # Revealing needs a reason, shows the number once, and is written to the audit trail.
    page.fill("#reveal-reason", "核对身份（浏览器测试）")
    page.locator("#reveal-reason ~ button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/members/{member.pk}/reveal-id/$"))
    assert page.locator(".masked").inner_text() == full_id
    reveal = AuditEvent.objects.get(
        code="forces.member.citizen_id_revealed", target_id=str(member.pk)
    )
    assert reveal.actor_name == OFFICE
    assert reveal.reason == "核对身份（浏览器测试）"

    # Map: the GeoJSON layers are drawn by Leaflet.
    page.goto(f"{live_server.url}/map/")
    page.wait_for_selector("#map .leaflet-interactive", state="attached")
    assert page.locator("#map .leaflet-interactive").count() >= 1
    assert page.locator("#map-error").inner_text().strip() == ""

    # Switch to English with the language selector.
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert page.url.endswith("/map/")


def test_phone_width_pages_do_not_overflow(
    demo: Any, live_server: Any, new_page: Any, sign_in: Any
) -> None:
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    sign_in(page, OFFICE, demo.password)
    for path in ("/", "/r/members/", "/map/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        nav = page.locator("nav.main-nav")
        assert nav.is_visible(), path
        nav_right = nav.evaluate("el => el.getBoundingClientRect().right")
        assert nav_right <= 390 + 1, (path, nav_right)
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert fits_width(page), (path, widths)
