#!/usr/bin/env python3
"""Take the README screenshots with headless Chromium against a running demo server.

Usage (from the repository root, with the demo loaded and served)::

    SHOUWANG_DATA_DIR=/tmp/swshots .venv/bin/shouwang demo --no-serve
    SHOUWANG_DATA_DIR=/tmp/swshots .venv/bin/shouwang serve --port 8765 &
    .venv/bin/python scripts/screenshots.py --base-url http://127.0.0.1:8765

It signs in as the township office login (``office``, the demo password) and writes
``docs/screenshots/{home,list,detail,map,roster-job,roster,home-phone,patrol-logs,patrol-log,
app-duties,app-log,tasks,hazard,dispute,concerns,cases-map,import}.png`` (the phone app as the
``patrol`` login, the people-of-concern list as the ``concerns`` login). ``--only tasks,dispute``
takes only the named shots. It uses Debian's chromium (``/usr/bin/chromium``) through Playwright
and never downloads a browser. Pages are shot at 1280×800 (phone: 390×844) with a device scale
factor of 1 so that each PNG stays small. Besides reading pages it changes the demo a little:
it plans one draft roster (next month, the patrol team), registers one hazard and assigns it
when the demo has no hazard in rectification, and uploads a small hazard ledger (CSV) with one bad
row that a trial run rejects (nothing is imported).
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import re
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


SHOTS = (
    "home",
    "list",
    "detail",
    "map",
    "roster-job",
    "roster",
    "home-phone",
    "patrol-logs",
    "patrol-log",
    "app-duties",
    "app-log",
    "tasks",
    "hazard",
    "dispute",
    "concerns",
    "cases-map",
    "import",
    "dashboard",
    "railway-status",
    "plan",
    "assessment",
    "monthly-report",
)
#: A full 18-character mainland identity number; none may be on a shot of a list page.
FULL_CITIZEN_ID = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
#: A small paper-era hazard ledger typed into Excel and saved as CSV (title row above the header).
HAZARD_LEDGER_CSV = (
    "栗子乡铁路沿线安全隐患排查台账\n"
    "序号,排查日期,所属村（社区）,隐患地点,隐患类别,存在问题,隐患等级,责任单位,整改时限,"
    "整改状态,销号日期,备注\n"
    "1,2026年11月3日,复兴村,复兴村铁路工区以东200米,防护网破损,"
    "防护网被掀开约2米缺口，有村民穿越,一般,工务段栗子线路工区,2026/11/20,已销号,,\n"
    "2,2026/11/12,金龙村,金龙村下坝组道口,大牲畜上道,"
    "放养耕牛多次进入线路防护栏以内,一般,金龙村村民委员会,2026-12-30,整改中,,已约谈牛主\n"
    "3,2026-11-25,栗子村,栗子村二组,轻飘物,线路旁堆放农用薄膜未固定,一般,,,待处理,,\n"
)

#: An element's top and bottom edges in page (not viewport) coordinates.
PAGE_EDGES = (
    "el => [el.getBoundingClientRect().top + scrollY, el.getBoundingClientRect().bottom + scrollY]"
)


class Shots:
    """The shots to take (all, or those named with --only) and where they go."""

    def __init__(self, wanted: set[str]) -> None:
        self.wanted = wanted

    def want(self, *names: str) -> bool:
        return any(name in self.wanted for name in names)

    def shoot(
        self, page: Any, name: str, full_page: bool = False, top: str = "", bottom: str = ""
    ) -> Path | None:
        if name not in self.wanted:
            return None
        return shoot(page, f"{name}.png", full_page=full_page, top=top, bottom=bottom)


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.record-form button[type=submit]")
    # Office logins land on the home page, patrol members in the phone app.
    page.wait_for_url(lambda url: "/login/" not in url)


def shoot(page: Any, name: str, full_page: bool = False, top: str = "", bottom: str = "") -> Path:
    """Shoot the viewport, the whole page, or the part of the page from the top of the element
    `top` (default: the page's top) to the bottom of the element `bottom` (long detail pages)."""
    path = OUT_DIR / name
    page.wait_for_load_state("networkidle")
    if top or bottom:
        y0 = page.eval_on_selector(top, PAGE_EDGES)[0] - 16 if top else 0
        y1 = page.eval_on_selector(bottom or top, PAGE_EDGES)[1] + 16
        width = page.viewport_size["width"]
        clip = {"x": 0, "y": max(0, y0), "width": width, "height": y1 - max(0, y0)}
        page.screenshot(path=str(path), full_page=True, clip=clip)
    else:
        page.screenshot(path=str(path), full_page=full_page)
    print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")
    return path


def goto(page: Any, url: str) -> None:
    """Open a page and stop with its URL when the server answers with an error."""
    response = page.goto(url)
    if response is not None and response.status >= 400:
        raise SystemExit(f"{url}: HTTP {response.status}")


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


def last_month() -> str:
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    return (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")


def detail_links(page: Any, base: str, list_path: str, pattern: str) -> list[str]:
    """The detail-page URLs linked from a list page (hrefs matching `pattern`), in order."""
    goto(page, f"{base}{list_path}")
    hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")
    seen: list[str] = []
    for href in hrefs:
        if re.fullmatch(pattern, href) and f"{base}{href}" not in seen:
            seen.append(f"{base}{href}")
    return seen


def hazard_in_rectification(page: Any, base: str) -> str:
    """URL of an open hazard with a workflow history: an assigned one from the list if any;
    otherwise a reported one (or a new one at the railway, registered on the office form) is
    assigned to the railway line work area with the default deadline, so that its workflow
    section shows a step and the next actions."""
    reported = None
    for url in detail_links(page, base, "/r/hazards/", r"/r/hazards/\d+/")[:20]:
        goto(page, url)
        if page.locator("#workflow form[action$='/rectified/']").count():
            return str(url)
        if reported is None and page.locator("#workflow form[action$='/assign/']").count():
            reported = url
    if reported is None:
        goto(page, f"{base}/r/hazards/new/")
        page.select_option("#id_category", label="防护网破损")
        page.select_option("#id_jurisdiction", label="复兴村")
        page.fill("#id_description", "铁路防护网被掀开约2米缺口，附近村民抄近路穿越线路。")
        page.fill("#id_place", "复兴村铁路工区以东200米")
        page.fill("#id_longitude", "107.7662")
        page.fill("#id_latitude", "29.8702")
        now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(hours=2)
        page.fill("#id_found_at", now.strftime("%Y-%m-%d %H:%M"))
        page.click("form.record-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/r/hazards/\d+/$"))
        reported = page.url
    goto(page, reported)
    form = "#workflow form[action$='/assign/']"
    units = page.locator(f"{form} select[name=responsible_unit] option")
    labels = [units.nth(i).inner_text().strip() for i in range(units.count())]
    unit = next((label for label in labels if "线路工区" in label), labels[-1])
    page.select_option(f"{form} select[name=responsible_unit]", label=unit)
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector("#workflow form[action$='/rectified/']")
    return str(reported)


def dispute_with_agreement(page: Any, base: str) -> str:
    """URL of a dispute file with a written agreement (the demo's resolved one), else the first."""
    urls = detail_links(page, base, "/r/disputes/", r"/r/disputes/\d+/")
    if not urls:
        raise SystemExit("no dispute file in the demo")
    for url in urls:
        goto(page, url)
        if page.locator("#workflow a[href*='/agreements/']").count():
            return url
    return urls[0]


def show_only_case_layers(page: Any) -> None:
    """Switch off the map's planning overlays, keeping the jurisdictions (the first overlay) and
    the open-case layers named in the legend below the map."""
    cases = {
        text.strip()
        for text in page.locator("#case-legend li[data-layer^='case:']").all_inner_texts()
    }
    overlays = page.locator(".leaflet-control-layers-overlays label")
    for index in range(1, overlays.count()):
        label = overlays.nth(index)
        box = label.locator("input[type=checkbox]")
        if label.inner_text().strip() not in cases and box.is_checked():
            box.uncheck(force=True)


def desktop_context(browser: Any, base: str, language: str) -> Any:
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1, locale=language)
    context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    return context


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="office")
    parser.add_argument("--password", default=None, help="default: the demo password")
    parser.add_argument("--language", default="zh-hans", help="UI language (zh-hans or en)")
    parser.add_argument(
        "--only",
        default="",
        help=f"comma-separated shots to take (default: all): {','.join(SHOTS)}",
    )
    args = parser.parse_args(argv)
    base = args.base_url.rstrip("/")
    password = args.password or demo_password()
    wanted = {name.strip().removesuffix(".png") for name in args.only.split(",") if name.strip()}
    unknown = wanted - set(SHOTS)
    if unknown:
        parser.error(
            f"unknown shots: {', '.join(sorted(unknown))} (choose from {', '.join(SHOTS)})"
        )
    shots = Shots(wanted or set(SHOTS))

    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        print(f"error: {CHROMIUM} not found (apt-get install chromium)", file=sys.stderr)
        return 1
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = desktop_context(browser, base, args.language)
            page = context.new_page()
            sign_in(page, base, args.username, password)
            shots.shoot(page, "home")

            if shots.want("list"):
                goto(page, f"{base}/r/members/")
                shots.shoot(page, "list")

            if shots.want("detail"):
                page.goto(first_member_with_id(page, base))
                shots.shoot(page, "detail", full_page=True)

            if shots.want("map"):
                goto(page, f"{base}/map/")
                page.wait_for_selector("#map .leaflet-interactive", timeout=15_000)
                page.wait_for_timeout(500)  # let fitBounds finish its animation
                shots.shoot(page, "map")

            # Plan the patrol team's next month: the job page with its progress bar, then the
            # roster (month grid, explanations of uncovered needs).
            if shots.want("roster-job", "roster"):
                goto(page, f"{base}/rostering/generate/")
                team = page.locator("select[name=team] option", has_text="巡防").first
                page.select_option("select[name=team]", value=team.get_attribute("value"))
                page.fill("input[name=month]", next_month())
                page.click("form:has(select[name=team]) button[type=submit]")
                page.wait_for_selector("#job-progress")
                shots.shoot(page, "roster-job")
                page.wait_for_selector("#job-progress[data-status=succeeded] a", timeout=120_000)
                page.click("#job-progress a")
                page.wait_for_selector(".roster-grid")
                shots.shoot(page, "roster", full_page=True)

            if shots.want("home-phone"):
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
                shots.shoot(phone_page, "home-phone")

            # Field work, office side: the patrol log list and one log (the demo's confirmed one).
            if shots.want("patrol-logs", "patrol-log"):
                goto(page, f"{base}/patrols/logs/")
                shots.shoot(page, "patrol-logs")
                page.locator("table a[href*='/patrols/logs/']").last.click()
                page.wait_for_selector("h1")
                shots.shoot(page, "patrol-log", full_page=True)

            # Open cases: the office's task inbox, one hazard in rectification, one dispute file
            # (the resolved one with its agreement and follow-up visit), the map of open cases.
            if shots.want("hazard"):
                goto(page, hazard_in_rectification(page, base))
                page.wait_for_selector("#workflow")
                shots.shoot(page, "hazard", bottom="#workflow")

            if shots.want("tasks"):
                goto(page, f"{base}/tasks/")
                shots.shoot(page, "tasks", full_page=True)

            if shots.want("dispute"):
                goto(page, dispute_with_agreement(page, base))
                page.wait_for_selector("#workflow")
                shots.shoot(page, "dispute", top="#workflow")

            if shots.want("cases-map"):
                goto(page, f"{base}/map/")
                page.wait_for_selector("#case-legend")
                page.wait_for_selector("#map .leaflet-interactive", timeout=15_000)
                show_only_case_layers(page)
                page.wait_for_timeout(500)  # let fitBounds finish its animation
                shots.shoot(page, "cases-map", full_page=True)

            # Ledger import: a small hazard ledger uploaded, its columns matched by their headers
            # and every row checked in a trial run, which lists the one bad row (a hazard marked
            # closed without a closing date); nothing is imported, so running this again adds
            # no hazards.
            if shots.want("import"):
                goto(page, f"{base}/imports/hazards/upload/")
                page.set_input_files(
                    "#id_file",
                    {
                        "name": "铁路沿线隐患排查台账.csv",
                        "mimeType": "text/csv",
                        "buffer": HAZARD_LEDGER_CSV.encode("utf-8-sig"),
                    },
                )
                page.click("form.record-form button[type=submit]")
                page.wait_for_url(re.compile(r".*/imports/runs/\d+/mapping/$"))
                page.click("button[name=dry_run][value='1']")
                page.wait_for_url(re.compile(r".*/imports/runs/\d+/$"))
                shots.shoot(page, "import")

            # Figures and reports: the dashboard (charts drawn by the project's own ECharts), the
            # 九无 table, an emergency plan's drill–review–revision cycle, the assessment runs and
            # a monthly report built in the background.
            if shots.want("dashboard"):
                goto(page, f"{base}/reports/dashboard/")
                page.wait_for_selector("canvas", timeout=15_000)
                page.wait_for_timeout(800)  # chart animations
                shots.shoot(page, "dashboard", full_page=True)

            if shots.want("railway-status"):
                goto(page, f"{base}/railway/status/")
                shots.shoot(page, "railway-status", full_page=True)

            if shots.want("plan"):
                goto(page, f"{base}/r/emergency-plans/")
                page.locator("table a[href*='/r/emergency-plans/']").first.click()
                page.wait_for_selector("h1")
                shots.shoot(page, "plan", full_page=True)

            if shots.want("assessment"):
                # Last month's assessment of the demo's village scheme (computed again as a
                # draft on each run), then its ranking table.
                goto(page, f"{base}/assessment/")
                page.fill("input[name=period]", last_month())
                page.click("form[action$='/runs/compute/'] button[type=submit]")
                page.wait_for_url(re.compile(r".*/assessment/runs/\d+/$"))
                shots.shoot(page, "assessment", full_page=True)

            if shots.want("monthly-report"):
                goto(page, f"{base}/reports/monthly/")
                page.click("main form button[type=submit]")
                page.wait_for_selector("a[href$='/pdf/']", timeout=60_000)
                shots.shoot(page, "monthly-report", full_page=True)

            # The people of concern as their officer: identity numbers only masked.
            if shots.want("concerns"):
                officer = desktop_context(browser, base, args.language)
                officer_page = officer.new_page()
                sign_in(officer_page, base, "concerns", password)
                goto(officer_page, f"{base}/concerns/")
                officer_page.wait_for_selector("td.masked")
                if FULL_CITIZEN_ID.search(officer_page.inner_text("main")):
                    raise SystemExit("/concerns/ shows a full identity number")
                shots.shoot(officer_page, "concerns")

            # The phone app as the patrol member: duties, then a started duty's log form.
            if shots.want("app-duties", "app-log"):
                member = browser.new_context(
                    viewport=PHONE,
                    device_scale_factor=1,
                    is_mobile=True,
                    has_touch=True,
                    locale=args.language,
                    permissions=["geolocation"],
                    geolocation={"latitude": 29.87, "longitude": 107.72, "accuracy": 18},
                )
                member.add_cookies(
                    [{"name": "django_language", "value": args.language, "url": base}]
                )
                app = member.new_page()
                sign_in(app, base, "patrol", password)
                app.goto(f"{base}/app/")
                app.wait_for_selector("html[data-app-ready=yes]")
                app.wait_for_timeout(1_000)  # today's duties from the server
                shots.shoot(app, "app-duties")
                start = app.locator("a[data-duty]").first
                if start.count() and shots.want("app-log"):
                    start.click()
                    app.wait_for_selector("#start-now")
                    app.click("#start-now")
                    app.wait_for_selector("#attendance")
                    shots.shoot(app, "app-log", full_page=True)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
