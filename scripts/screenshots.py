#!/usr/bin/env python3
"""Take the README screenshots with headless Chromium against a running demo server.

Usage (from the repository root, with the demo loaded and served)::

    SHOUWANG_DATA_DIR=/tmp/swshots .venv/bin/shouwang demo --no-serve
    SHOUWANG_DATA_DIR=/tmp/swshots .venv/bin/shouwang serve --port 8765 &
    .venv/bin/python scripts/screenshots.py --base-url http://127.0.0.1:8765

It signs in as the township office login (``office``, the demo password) and writes
``docs/screenshots/{home,list,detail,map,roster-job,roster,home-phone,patrol-logs,patrol-log,
app-duties,app-log}.png`` (the phone app as the ``patrol`` login). It uses Debian's
chromium (``/usr/bin/chromium``) through Playwright and never downloads a browser. Pages are shot at
1280×800 (phone: 390×844) with a device scale factor of 1 so that each PNG stays small.
Besides reading pages it plans one draft roster (next month, the patrol team) in the demo.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
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
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def demo_password() -> str:
    """`shouwang.demo.township.DEMO_PASSWORD`, read from the source.

    Importing the module would import Django models, which needs configured settings (and
    would create secrets in a data directory), so the constant is read with `ast` instead.
    """
    source = (ROOT / "src" / "shouwang" / "demo" / "township.py").read_text("utf-8")
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "DEMO_PASSWORD" for t in node.targets)
            and isinstance(node.value, ast.Constant)
        ):
            return str(node.value.value)
    raise SystemExit("DEMO_PASSWORD not found in src/shouwang/demo/township.py; use --password")


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.record-form button[type=submit]")
    page.wait_for_url(f"{base}/")


def shoot(page: Any, name: str, full_page: bool = False) -> Path:
    path = OUT_DIR / name
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(path), full_page=full_page)
    print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")
    return path


def first_member_with_id(page: Any, base: str) -> str:
    """URL of a member's detail page that shows a masked identity number."""
    page.goto(f"{base}/r/members/")
    links = page.locator("table.records tbody a")
    for index in range(min(links.count(), 20)):
        href = links.nth(index).get_attribute("href")
        page.goto(f"{base}{href}")
        if page.locator(".masked").count():
            return f"{base}{href}"
        page.goto(f"{base}/r/members/")
    raise SystemExit("no member with an identity number found in the demo")


def next_month() -> str:
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return first.strftime("%Y-%m")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="office")
    parser.add_argument("--password", default=None, help="default: the demo password")
    parser.add_argument("--language", default="zh-hans", help="UI language (zh-hans or en)")
    args = parser.parse_args(argv)
    base = args.base_url.rstrip("/")
    password = args.password or demo_password()

    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        print(f"error: {CHROMIUM} not found (apt-get install chromium)", file=sys.stderr)
        return 1
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(
                viewport=DESKTOP, device_scale_factor=1, locale=args.language
            )
            context.add_cookies([{"name": "django_language", "value": args.language, "url": base}])
            page = context.new_page()
            sign_in(page, base, args.username, password)
            shoot(page, "home.png")

            page.goto(f"{base}/r/members/")
            shoot(page, "list.png")

            page.goto(first_member_with_id(page, base))
            shoot(page, "detail.png", full_page=True)

            page.goto(f"{base}/map/")
            page.wait_for_selector("#map .leaflet-interactive", timeout=15_000)
            page.wait_for_timeout(500)  # let fitBounds finish its animation
            shoot(page, "map.png")

            # Plan the patrol team's next month: the job page with its progress bar, then the
            # roster (month grid, explanations of uncovered needs).
            page.goto(f"{base}/rostering/generate/")
            team = page.locator("select[name=team] option", has_text="巡防").first
            page.select_option("select[name=team]", value=team.get_attribute("value"))
            page.fill("input[name=month]", next_month())
            page.click("form:has(select[name=team]) button[type=submit]")
            page.wait_for_selector("#job-progress")
            shoot(page, "roster-job.png")
            page.wait_for_selector("#job-progress[data-status=succeeded] a", timeout=120_000)
            page.click("#job-progress a")
            page.wait_for_selector(".roster-grid")
            shoot(page, "roster.png", full_page=True)

            phone = browser.new_context(
                viewport=PHONE,
                device_scale_factor=1,
                is_mobile=True,
                has_touch=True,
                locale=args.language,
            )
            phone.add_cookies(context.cookies())
            phone_page = phone.new_page()
            phone_page.goto(f"{base}/")
            shoot(phone_page, "home-phone.png")

            # Field work, office side: the patrol log list and one log (the demo's confirmed one).
            page.goto(f"{base}/patrols/logs/")
            shoot(page, "patrol-logs.png")
            page.locator("table a[href*='/patrols/logs/']").last.click()
            page.wait_for_selector("h1")
            shoot(page, "patrol-log.png", full_page=True)

            # The phone app as the patrol member: duties, then a started duty's log form.
            member = browser.new_context(
                viewport=PHONE,
                device_scale_factor=1,
                is_mobile=True,
                has_touch=True,
                locale=args.language,
                permissions=["geolocation"],
                geolocation={"latitude": 29.87, "longitude": 107.72, "accuracy": 18},
            )
            member.add_cookies([{"name": "django_language", "value": args.language, "url": base}])
            app = member.new_page()
            sign_in(app, base, "patrol", password)
            app.goto(f"{base}/app/")
            app.wait_for_selector("html[data-app-ready=yes]")
            app.wait_for_timeout(1_000)  # today's duties from the server
            shoot(app, "app-duties.png")
            start = app.locator("a[data-duty]").first
            if start.count():
                start.click()
                app.wait_for_selector("#start-now")
                app.click("#start-now")
                app.wait_for_selector("#attendance")
                shoot(app, "app-log.png", full_page=True)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
