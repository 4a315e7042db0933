"""The pages in a real browser: sign in, find a member, masked identity number, map, language.

Runs headless Debian Chromium against pytest-django's live server, with the demo township
loaded through the services (see conftest.py).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from shouwang.core.models import AuditEvent
from shouwang.forces.models import Member

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OFFICE = "office"  # the demo's township office login (乡镇平安办, township_staff)


def fits_width(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_office_finds_a_member_sees_the_map_and_switches_language(
    demo: Any, live_server: Any, new_page: Any, sign_in: Any
) -> None:
    assert demo.seconds < 30, f"loading the demo took {demo.seconds:.1f} s"
    member = (
        Member.objects.exclude(citizen_id_encrypted="").select_related("jurisdiction").first()
    )
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


@pytest.mark.parametrize("path", ["/", "/r/members/", "/map/"])
def test_phone_width_pages_do_not_overflow(
    demo: Any, live_server: Any, new_page: Any, sign_in: Any, path: str
) -> None:
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    sign_in(page, OFFICE, demo.password)
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    assert page.locator("nav.main-nav").is_visible()
    nav_right = page.evaluate("document.querySelector('nav.main-nav').getBoundingClientRect().right")
    assert nav_right <= 390 + 1
    assert fits_width(page), page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
