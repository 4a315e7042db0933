"""The phone app in a real browser: offline patrol, back online, one record on the office side.

A patrol member of the demo township opens /app/ on a 360 px phone, lets the service worker
cache the app, loses the network, reloads (the cached shell opens), starts today's duty with
a GPS check-in, marks attendance, answers a checklist with one failed item that is reported
as a hazard, takes a photo, records a stretch of route track and ends the duty — all offline,
with the upload count visible.
Back online the queue empties; the database then holds exactly one log with its check-ins,
checklist answers, hazard, track and photo, which the team leader finds through the office
API and page. The
same queue is then put back on the phone (as if the answers had been lost on the way) and sent
again: the server answers `unchanged` and still holds one of each. A hazard seen outside any
duty is reported with its own photo.

The second test covers what goes wrong: an upload whose answer is lost, a checkpoint code the
server refuses, and two edits of one log resolved by the member.

Same set-up as tests/e2e/test_browser.py (read its docstring): headless Debian Chromium
(``/usr/bin/chromium``) through Playwright, never a browser download; committed data through
``transactional_db``, with a snapshot of the shared test world taken first and put back
afterwards. The module-scoped fixtures are built here from tests/e2e/browser_support.py, so
this module restores the world after its own browser has closed.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    SharedData,
    chromium,
    context_factory,
    shared_data_fixture,
    sign_in,
)
from django.utils import timezone
from PIL import Image

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PATROL = "patrol"  # the demo's patrol member login (linked to a member of the patrol team)
LEADER = "leader"  # the demo's team leader of the same team
PHONE = {"width": 360, "height": 740}
NOTE = "消防通道被杂物堵塞"
PLACE = "栗子村村委会门口"
# The fields of a patrol_log item (docs/field-sync.md).
CONTRACT_LOG_FIELDS = (
    "duty", "team", "post", "route", "place", "method", "started_at", "ended_at",
    "attendance", "checklists", "findings", "publicity", "notes", "submit",
)  # fmt: skip


@pytest.fixture(scope="module")
def shared_data(django_db_setup: Any, django_db_blocker: Any) -> Iterator[SharedData]:
    yield from shared_data_fixture(django_db_blocker)


@pytest.fixture(scope="module")
def browser(shared_data: SharedData) -> Iterator[Any]:
    """Headless Debian Chromium; depends on `shared_data` so the restore runs after it closes."""
    with chromium() as instance:
        yield instance


@dataclass
class Field:
    """The demo township plus a published duty for the patrol member, starting now."""

    password: str
    duty: Any
    member: Any
    teammate: Any
    post: Any


@pytest.fixture
def field(browser: Any, shared_data: SharedData, transactional_db: Any) -> Field:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from shouwang.areas.models import Post
    from shouwang.demo.township import ADMIN_USERNAME, DEMO_PASSWORD, load_demo
    from shouwang.forces.models import Member
    from shouwang.patrols.checklists import install_standard_checklists
    from shouwang.patrols.models import Checklist
    from shouwang.rostering import services as rostering
    from shouwang.rostering.models import Duty, Roster, RosterStatus

    shared_data.take_once()
    call_command("flush", interactive=False, verbosity=0)
    load_demo()
    admin = get_user_model().objects.get(username=ADMIN_USERNAME)
    member = Member.objects.get(user__username=PATROL)
    team = member.teams.order_by("pk").first()
    assert team is not None
    teammate = team.members.exclude(pk=member.pk).order_by("name", "pk").first()
    post = Post.objects.filter(team=team).order_by("pk").first()
    assert post is not None, "the demo's patrol team has no post"
    if not Checklist.objects.filter(active=True).exists():
        install_standard_checklists(team.jurisdiction, actor=admin)
    # Today's duty for the member and a teammate, on a published roster (the demo plans none).
    now = timezone.localtime()
    month = now.date().replace(day=1)
    roster = Roster.objects.filter(team=team, month=month).first()
    if roster is None:
        roster = rostering.create_roster(
            actor=admin, data={"team": team.pk, "month": month, "note": ""}
        )
    elif roster.status == RosterStatus.PUBLISHED:
        roster = rostering.transition_roster(
            roster, RosterStatus.AMENDED, actor=admin, reason="浏览器测试：今天加一班"
        )
    start = now - dt.timedelta(minutes=10)
    if start.date() != now.date():  # just after midnight: the duty must be today's
        start = now
    duty = Duty.objects.create(  # test setup: planning normally creates duties
        roster=roster,
        post=post,
        date=start.date(),
        start=start,
        end=start + dt.timedelta(hours=2),
        required_count=2,
    )
    rostering.assign_member(actor=admin, duty=duty, member=member)
    rostering.assign_member(actor=admin, duty=duty, member=teammate)
    rostering.transition_roster(roster, RosterStatus.REVIEWED, actor=admin)
    rostering.transition_roster(roster, RosterStatus.PUBLISHED, actor=admin)
    return Field(password=DEMO_PASSWORD, duty=duty, member=member, teammate=teammate, post=post)


@pytest.fixture
def new_context(browser: Any) -> Iterator[Any]:
    """`new_context(**options)` → (context, page); fails on JavaScript errors in any page."""
    with context_factory(browser, PHONE) as new:
        yield new


def fits_width(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def jpeg(width: int = 2400, height: int = 1800) -> bytes:
    """A photo bigger than the app's 1,600 px limit, so the phone must shrink it."""
    image = Image.new("RGB", (width, height), (40, 120, 60))
    for x in range(0, width, 200):
        image.paste((230, 200, 40), (x, 0, x + 100, height))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def shot(page: Any, name: str) -> None:
    """A screenshot for looking at the screens by eye, when SHOUWANG_APP_SCREENSHOTS names a
    folder; nothing otherwise."""
    folder = os.environ.get("SHOUWANG_APP_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def waiting(page: Any) -> int:
    return int(page.get_attribute("#waiting", "data-count") or "0")


def wait_waiting(page: Any, predicate: Any, timeout_s: float = 30) -> int:
    deadline = time.monotonic() + timeout_s
    while True:
        count = waiting(page)
        if predicate(count) or time.monotonic() > deadline:
            return count
        page.wait_for_timeout(250)


# Copies of the phone's queue (items and photo blobs) kept in the page, then put back.
OPEN_DB = """(name) => new Promise((ok, no) => {
  const r = indexedDB.open(name);
  r.onsuccess = () => ok(r.result);
  r.onerror = () => no(r.error);
})"""
SNAPSHOT_QUEUE = f"""async (name) => {{
  const db = await ({OPEN_DB})(name);
  const all = (store) => new Promise((ok, no) => {{
    const r = db.transaction(store).objectStore(store).getAll();
    r.onsuccess = () => ok(r.result);
    r.onerror = () => no(r.error);
  }});
  window.__queueCopy = {{ outbox: await all("outbox"), photos: await all("photos") }};
  db.close();
  return [window.__queueCopy.outbox.length, window.__queueCopy.photos.filter((p) => p.blob).length];
}}"""
RESTORE_QUEUE = f"""async (name) => {{
  const db = await ({OPEN_DB})(name);
  await new Promise((ok, no) => {{
    const tx = db.transaction(["outbox", "photos"], "readwrite");
    for (const item of window.__queueCopy.outbox) tx.objectStore("outbox").put(item);
    for (const photo of window.__queueCopy.photos) tx.objectStore("photos").put(photo);
    tx.oncomplete = () => ok();
    tx.onerror = () => no(tx.error);
  }});
  db.close();
}}"""


def test_offline_patrol_syncs_to_one_record(
    field: Field, live_server: Any, new_context: Any
) -> None:
    from shouwang.hazards.models import Hazard
    from shouwang.patrols.models import (
        CheckIn,
        ChecklistResult,
        FieldPhoto,
        LogAttendance,
        LogStatus,
        PatrolLog,
        TrackBatch,
    )

    base = live_server.url
    key_place = field.post.key_place
    lat = key_place.latitude if key_place and key_place.latitude else 29.88
    lon = key_place.longitude if key_place and key_place.longitude else 107.73
    context, page = new_context(
        is_mobile=True,
        has_touch=True,
        service_workers="allow",
        permissions=["geolocation"],
        geolocation={"latitude": lat, "longitude": lon, "accuracy": 18},
    )
    sign_in(page, base, PATROL, field.password)
    page.goto(f"{base}/app/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.wait_for_selector("html[data-app-ready=yes]")
    page.wait_for_selector("html[data-offline-ready=yes]")  # the worker cached the shell
    duty_card = page.locator(f"article.duty[data-duty='{field.duty.pk}']")
    duty_card.wait_for()
    shot(page, "1-duties")
    assert field.post.name in duty_card.inner_text()
    assert page.locator("#net").inner_text() == "在线" or "online" in (
        page.get_attribute("#net", "class") or ""
    )
    assert waiting(page) == 0
    logs_before = PatrolLog.objects.count()
    hazards_before = Hazard.objects.count()
    assert fits_width(page)
    user_id = page.evaluate("JSON.parse(document.getElementById('app-config').textContent).user")
    db_name = f"shouwang-field-u{user_id}"

    # ---- offline from here on: the app opens from the worker's cache -----------------------
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("html[data-app-ready=yes]")
    assert "offline" in (page.get_attribute("#net", "class") or "")
    page.locator(f"a[data-duty='{field.duty.pk}']").click()
    page.wait_for_selector("#position.ok")  # the GPS fix, with its accuracy shown
    shot(page, "2-start")
    assert page.get_attribute("#position", "data-accuracy") == "18"
    assert "18" in page.locator("#position").inner_text()
    page.click("#start-now")
    page.wait_for_selector("#attendance")
    assert waiting(page) >= 2  # the log and its start check-in

    # Attendance, pre-filled from the roster: the teammate came late.
    rows = page.locator("#attendance .att-row")
    assert rows.count() == 2
    page.locator(f".att-row[data-member='{field.teammate.pk}'] .seg[data-value='late']").click()
    page.wait_for_selector(
        f".att-row[data-member='{field.teammate.pk}'] .seg[data-value='late'][aria-checked=true]"
    )
    page.fill("#log-place", PLACE)

    # The first checklist: first item in order, second item failed with a note.
    checklist = page.locator("details.checklist").first
    checklist_id = int(checklist.get_attribute("data-checklist") or "0")
    checklist.locator("summary").click()
    items = checklist.locator(".item")
    first_code = items.nth(0).get_attribute("data-code")
    failed_code = items.nth(1).get_attribute("data-code")
    items.nth(0).locator(".seg[data-value='pass']").click()
    checklist = page.locator(f"details.checklist[data-checklist='{checklist_id}']")
    failed = checklist.locator(f".item[data-code='{failed_code}']")
    failed.locator(".seg[data-value='fail']").click()
    # Answering updates the row in place: a note typed straight away, key by key while the
    # answer is being saved, keeps its focus and every keystroke.
    failed.locator("input.note").press_sequentially(NOTE)
    failed_row = (
        f"details.checklist[data-checklist='{checklist_id}'] "
        f".item[data-code='{failed_code}'][data-result=fail]"
    )
    page.wait_for_selector(failed_row)
    failed = page.locator(failed_row)
    assert failed.locator("input.note").input_value() == NOTE
    page.wait_for_timeout(600)  # the note is saved after a short pause in typing

    # A failed item becomes a hazard report in one step.
    failed.locator("a.report").click()
    page.wait_for_selector("#hazard-category")
    shot(page, "4-hazard")
    page.select_option("#hazard-category", index=1)
    assert NOTE in page.input_value("#hazard-description")
    page.click("#save-hazard")
    page.wait_for_selector("#attendance")
    failed = page.locator(
        f"details.checklist[data-checklist='{checklist_id}'] .item[data-code='{failed_code}']"
    )
    assert failed.locator(".chip").count() == 1  # "reported as hazard"

    # A photo, shrunk on the phone before it is stored.
    page.set_input_files(
        "#log-photo", files=[{"name": "site.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
    )
    page.wait_for_selector("#photos figure.photo")
    shot(page, "3-log")
    assert fits_width(page)  # the whole log form fits a 360 px phone

    # The route, recorded while walking (kept on the phone, queued in batches).
    page.click("#track-toggle")
    page.wait_for_function("/[1-9]/.test(document.getElementById('track-status').textContent)")
    context.set_geolocation({"latitude": lat + 0.0005, "longitude": lon, "accuracy": 12})
    context.set_geolocation({"latitude": lat + 0.0010, "longitude": lon, "accuracy": 10})

    # End the duty: end check-in and the log is handed in, still offline.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#end-duty")
    page.wait_for_selector("p.flash")
    shot(page, "5-ended-offline")
    assert "offline" in (page.get_attribute("#net", "class") or "")
    queued = waiting(page)
    # log + start and end check-ins + hazard + track + photo
    assert queued == 6, queued
    assert "6" in page.locator("#waiting").inner_text()
    assert PatrolLog.objects.count() == logs_before  # nothing reached the server
    assert page.evaluate(SNAPSHOT_QUEUE, db_name) == [5, 1]

    # ---- back online: the queue empties by itself --------------------------------------------
    context.set_offline(False)
    assert wait_waiting(page, lambda n: n == 0) == 0, "the queue did not empty"
    assert "online" in (page.get_attribute("#net", "class") or "")

    assert PatrolLog.objects.count() == logs_before + 1
    log = PatrolLog.objects.get(duty=field.duty)
    assert log.author.username == PATROL
    assert log.status == LogStatus.SUBMITTED
    assert log.place == PLACE
    assert log.ended_at is not None
    attendance = {a.member_id: a.status for a in LogAttendance.objects.filter(log=log)}
    assert attendance == {field.member.pk: "present", field.teammate.pk: "late"}
    kinds = sorted(CheckIn.objects.filter(log=log).values_list("kind", flat=True))
    assert kinds == ["end", "start"]
    start_check_in = CheckIn.objects.get(log=log, kind="start")
    assert start_check_in.accuracy_m == 18
    assert abs((start_check_in.latitude or 0) - lat) < 1e-6
    results = {
        r.item_code: r for r in ChecklistResult.objects.filter(log=log, checklist_id=checklist_id)
    }
    assert set(results) == {first_code, failed_code}
    assert results[first_code].result == "pass"
    assert results[failed_code].result == "fail"
    assert results[failed_code].note == NOTE
    track = TrackBatch.objects.get(log=log)
    assert len(track.points) >= 1
    assert track.points[0][1:3] == [lat, lon]
    assert Hazard.objects.count() == hazards_before + 1
    hazard = Hazard.objects.get(log=log)
    assert hazard.checklist_result_id == results[failed_code].pk
    photo = FieldPhoto.objects.get(log=log)
    assert max(photo.width, photo.height) == 1600  # shrunk from 2400 × 1800
    assert photo.content_type == "image/jpeg"

    # ---- the office side: the team leader finds the log -------------------------------------
    _office, leader = new_context(viewport={"width": 1280, "height": 800})
    sign_in(leader, base, LEADER, field.password)
    listing = leader.request.get(f"{base}/api/v1/patrols/logs")
    assert listing.ok, listing.text()
    found = [row for row in listing.json()["results"] if row["uuid"] == str(log.uuid)]
    assert len(found) == 1
    assert found[0]["status"] == "submitted"
    assert found[0]["present"] >= 1
    detail = leader.goto(f"{base}/patrols/logs/{log.pk}/")
    assert detail is not None and detail.ok
    assert PLACE in leader.content()

    # ---- the same queue again (as if every answer had been lost): still one record -----------
    page.evaluate(RESTORE_QUEUE, db_name)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/field/sync")) as answer:
        page.reload()
    statuses = {r["status"] for r in answer.value.json()["results"]}
    assert statuses == {"unchanged"}, answer.value.json()
    assert wait_waiting(page, lambda n: n == 0) == 0
    assert PatrolLog.objects.count() == logs_before + 1
    assert CheckIn.objects.filter(log=log).count() == 2
    assert ChecklistResult.objects.filter(log=log).count() == 2
    assert Hazard.objects.count() == hazards_before + 1
    assert FieldPhoto.objects.filter(log=log).count() == 1
    assert TrackBatch.objects.filter(log=log).count() == 1
    version = log.version
    log.refresh_from_db()
    assert log.version == version  # "unchanged" changed nothing

    # ---- a hazard seen outside any duty, with a photo ------------------------------------------
    page.wait_for_selector("html[data-app-ready=yes]")
    page.click("#report-hazard")
    page.wait_for_selector("#hazard-category")
    page.select_option("#hazard-category", index=1)
    page.fill("#hazard-description", "河边护栏缺失约 5 米")
    page.fill("#hazard-place", "栗子河小学段")
    page.set_input_files(
        "#hazard-photo",
        files=[{"name": "rail.jpg", "mimeType": "image/jpeg", "buffer": jpeg(800, 600)}],
    )
    page.wait_for_selector("figure.photo")
    page.click("#save-hazard")
    page.wait_for_selector("p.flash")
    assert wait_waiting(page, lambda n: n == 0) == 0
    assert Hazard.objects.count() == hazards_before + 2
    seen = Hazard.objects.get(description="河边护栏缺失约 5 米")
    assert seen.log_id is None
    assert seen.found_by.username == PATROL
    # Where the phone was last (it moved along the route).
    assert seen.latitude == pytest.approx(lat + 0.0010)
    assert seen.longitude == pytest.approx(lon)
    assert seen.photos.count() == 1
    assert seen.photos.get().width == 800  # small photos are not enlarged


def test_two_edits_of_one_log_are_resolved_by_the_member(
    field: Field, live_server: Any, new_context: Any
) -> None:
    """An answer lost on the way back is sent again without a duplicate; a refused checkpoint
    code is shown with its message until discarded; the same log changed on a second phone is
    shown side by side and the member chooses, once "keep mine", once "take the server's"."""
    import json

    from django.contrib.auth import get_user_model
    from django.test import Client

    from shouwang.patrols.models import CheckIn, PatrolLog
    from shouwang.patrols.services import log_server_copy

    base = live_server.url
    _context, page = new_context(is_mobile=True, has_touch=True, service_workers="allow")
    sign_in(page, base, PATROL, field.password)
    page.goto(f"{base}/app/")
    page.wait_for_selector("html[data-app-ready=yes]")
    # The first upload reaches the server, but its answer is lost on the way back (a cut
    # connection): the phone keeps the items, backs off, sends them again, and the server
    # recognises them by their uuids.
    answers_lost: list[int] = []

    def lose_first_answer(route: Any) -> None:
        if answers_lost:
            route.continue_()
            return
        answers_lost.append(route.fetch().status)  # processed and committed on the server
        route.abort("connectionreset")

    page.route("**/api/v1/field/sync", lose_first_answer)
    page.locator(f"a[data-duty='{field.duty.pk}']").click()
    page.click("#start-now")
    page.wait_for_selector("#attendance")
    assert wait_waiting(page, lambda n: n == 0) == 0
    assert answers_lost == [200]
    page.unroute("**/api/v1/field/sync")
    log = PatrolLog.objects.get(duty=field.duty)
    assert log.version == 1
    assert CheckIn.objects.filter(log=log, kind="start").count() == 1

    other_phone = Client()
    other_phone.force_login(get_user_model().objects.get(username=PATROL))

    def edit_elsewhere(**changes: Any) -> None:
        log.refresh_from_db()
        copy = log_server_copy(log)
        data = {key: copy[key] for key in CONTRACT_LOG_FIELDS}
        data["attendance"] = [
            {key: row[key] for key in ("member", "status", "substitute_for", "note")}
            for row in copy["attendance"]
        ]
        data.update(changes)
        item = {"uuid": str(log.uuid), "kind": "patrol_log", "base_version": log.version}
        response = other_phone.post(
            "/api/v1/field/sync",
            data=json.dumps({"items": [{**item, "data": data}]}),
            content_type="application/json",
        )
        assert response.status_code == 200
        assert response.json()["results"][0]["status"] == "saved", response.json()

    # 1. Changed on the other phone, then here: "keep mine" wins, on top of the server's.
    edit_elsewhere(notes="另一台手机写的")
    page.fill("#log-notes", "我这台手机写的")
    page.wait_for_selector("#needs:not([hidden])")
    page.click("#needs")
    conflict = page.locator("article.conflict")
    conflict.wait_for()
    shot(page, "6-conflict")
    assert fits_width(page)
    assert "我这台手机写的" in conflict.locator(".version").nth(0).inner_text()
    assert "另一台手机写的" in conflict.locator(".version").nth(1).inner_text()
    log.refresh_from_db()
    assert log.notes == "另一台手机写的"  # nothing overwritten before the member chose
    conflict.locator("[data-action=keep-mine]").click()
    assert wait_waiting(page, lambda n: n == 0) == 0
    log.refresh_from_db()
    assert log.notes == "我这台手机写的"
    assert log.version == 3

    # A checkpoint code that is no checkpoint: refused with the field's message, kept until
    # the member discards it.
    page.goto(f"{base}/app/#/log/{log.uuid}")
    page.wait_for_selector("#checkpoint-code")
    page.fill("#checkpoint-code", "shouwang:checkpoint:999999:not-a-token")
    page.click("#add-checkpoint")
    page.wait_for_selector("#needs:not([hidden])")
    page.click("#needs")
    rejected = page.locator("article.rejected")
    rejected.wait_for()
    assert rejected.locator("ul.errors li").count() >= 1
    shot(page, "7-rejected")
    page.once("dialog", lambda dialog: dialog.accept())
    rejected.locator("[data-action=discard]").click()
    page.wait_for_selector("article.rejected", state="detached")
    assert wait_waiting(page, lambda n: n == 0) == 0
    assert CheckIn.objects.filter(log=log, kind="checkpoint").count() == 0

    # 2. Again, and this time "take the server's": the phone's copy is replaced.
    edit_elsewhere(notes="服务器上的版本")
    page.goto(f"{base}/app/#/log/{log.uuid}")
    page.wait_for_selector("#log-publicity")
    page.fill("#log-publicity", "发放反诈传单 30 份")
    page.wait_for_selector("#needs:not([hidden])")
    page.click("#needs")
    page.locator("article.conflict [data-action=take-server]").click()
    page.wait_for_selector("article.conflict", state="detached")
    assert waiting(page) == 0
    page.goto(f"{base}/app/#/log/{log.uuid}")
    page.wait_for_selector("#log-notes")
    assert page.input_value("#log-notes") == "服务器上的版本"
    log.refresh_from_db()
    assert (log.notes, log.publicity, log.version) == ("服务器上的版本", "", 4)
    # The next edit goes on top of the version taken: no conflict.
    page.fill("#log-place", "村口")
    page.wait_for_timeout(500)
    assert wait_waiting(page, lambda n: n == 0) == 0
    log.refresh_from_db()
    assert (log.place, log.notes, log.version) == ("村口", "服务器上的版本", 5)
    assert PatrolLog.objects.filter(duty=field.duty).count() == 1
