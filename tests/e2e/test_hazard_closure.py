"""One hazard from a phone report to closure (销号), in a real browser.

A patrol member of the demo township reports a hazard from the phone app (360 px, GPS on);
the office finds it in "my tasks" and assigns it on the hazard page to that member; the member
reports the rectification from their own "my tasks"; the team leader — someone other than the
rectifier — verifies it, and it is closed. Each step is checked on the page and in the
database (status, who did it, one transition row per step).

Same set-up as tests/e2e/test_phone_app.py: headless Debian Chromium through Playwright
(tests/e2e/browser_support.py: skipped without /usr/bin/chromium, failed instead when
SHOUWANG_REQUIRE_BROWSER=1), committed data through ``transactional_db`` with the shared test
world snapshotted first and put back after this module's browser has closed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import (
    SharedData,
    chromium,
    context_factory,
    shared_data_fixture,
    sign_in,
)
from django.utils import translation

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PATROL = "patrol"  # the demo's patrol member login (linked to a member of the patrol team)
OFFICE = "office"  # the demo's township office
LEADER = "leader"  # the demo's leader of the patrol team
PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}
WHAT = "铁路护网被剪开约 2 米缺口"
WHERE = "栗子村 3 号道口北侧"
NOTE = "已用钢丝网修补并加固立柱"


@pytest.fixture(scope="module")
def shared_data(django_db_setup: Any, django_db_blocker: Any) -> Iterator[SharedData]:
    yield from shared_data_fixture(django_db_blocker)


@pytest.fixture(scope="module")
def browser(shared_data: SharedData) -> Iterator[Any]:
    """Headless Debian Chromium; depends on `shared_data` so the restore runs after it closes."""
    with chromium() as instance:
        yield instance


@pytest.fixture
def demo(browser: Any, shared_data: SharedData, transactional_db: Any) -> str:
    """The demo township, freshly loaded; returns the demo password."""
    from django.core.management import call_command

    from shouwang.demo.township import DEMO_PASSWORD, load_demo

    shared_data.take_once()
    call_command("flush", interactive=False, verbosity=0)
    load_demo()
    return DEMO_PASSWORD


@pytest.fixture
def new_context(browser: Any) -> Iterator[Any]:
    """`new_context(**options)` → (context, page); fails on JavaScript errors in any page."""
    with context_factory(browser, DESK) as new:
        yield new


def status_label(status: str) -> str:
    from shouwang.hazards.models import HazardStatus

    with translation.override("zh-hans"):
        return str(HazardStatus(status).label)


def open_task(page: Any, base: str, hazard_pk: int, kind: str) -> None:
    """Open "my tasks", find the hazard's task of `kind` and follow its link."""
    page.goto(f"{base}/tasks/")
    row = page.locator(f"tr.task[data-kind='{kind}'][data-record='hazards.hazard:{hazard_pk}']")
    row.wait_for()
    assert WHERE in row.inner_text()
    row.locator("a").click()
    page.wait_for_url(f"{base}/r/hazards/{hazard_pk}/#workflow")


def shown_status(page: Any) -> str:
    return str(page.locator("#workflow p strong").first.inner_text()).strip()


def test_phone_report_to_closure(demo: str, live_server: Any, new_context: Any) -> None:
    from shouwang.forces.models import Member
    from shouwang.hazards.models import Hazard, HazardSource, HazardStatus, HazardTransition

    base = live_server.url
    member = Member.objects.get(user__username=PATROL)

    # ---- 1. the patrol member reports it from the phone app ------------------------------------
    _phone_context, phone = new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        service_workers="allow",
        permissions=["geolocation"],
        geolocation={"latitude": 29.8801, "longitude": 107.7302, "accuracy": 15},
    )
    sign_in(phone, base, PATROL, demo)
    phone.goto(f"{base}/app/")
    phone.wait_for_selector("html[data-app-ready=yes]")
    before = Hazard.objects.count()
    phone.click("#report-hazard")
    phone.wait_for_selector("#hazard-category")
    phone.select_option("#hazard-category", index=1)
    phone.fill("#hazard-description", WHAT)
    phone.fill("#hazard-place", WHERE)
    phone.click("#save-hazard")
    phone.wait_for_selector("p.flash")
    phone.wait_for_function(
        "() => document.getElementById('waiting')?.dataset.count === '0'", timeout=30_000
    )
    assert Hazard.objects.count() == before + 1
    hazard = Hazard.objects.get(description=WHAT)
    assert hazard.source == HazardSource.PHONE
    assert hazard.found_by.username == PATROL
    assert hazard.status == HazardStatus.REPORTED
    assert hazard.place == WHERE

    # ---- 2. the office assigns it from "my tasks" ----------------------------------------------
    _office_context, office = new_context()
    sign_in(office, base, OFFICE, demo)
    assert int(office.locator("#task-count").inner_text()) >= 1  # the header badge
    open_task(office, base, hazard.pk, "assign")
    assert shown_status(office) == status_label(HazardStatus.REPORTED)
    form = office.locator("form[action$='/assign/']")
    # The responsible person must belong to the responsible unit (their employer); choosing
    # the unit narrows the person list to its people.
    assert member.employer_id is not None
    form.locator("select[name=responsible_unit]").select_option(str(member.employer_id))
    form.locator("select[name=responsible_person]").select_option(str(member.pk))
    form.locator("button[value=assign]").click()
    office.wait_for_selector(".messages .success")
    assert shown_status(office) == status_label(HazardStatus.ASSIGNED)
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.ASSIGNED
    assert hazard.responsible_person_id == member.pk
    assert hazard.deadline is not None
    assert hazard.assigned_by is not None and hazard.assigned_by.username == OFFICE
    assert hazard.deadline.strftime("%Y-%m-%d") in office.locator("#workflow").inner_text()

    # ---- 3. the responsible person reports the rectification ------------------------------------
    open_task(phone, base, hazard.pk, "rectify")
    assert shown_status(phone) == status_label(HazardStatus.ASSIGNED)
    assert phone.locator("form[action$='/assign/']").count() == 0  # not theirs to assign
    rectified = phone.locator("form[action$='/rectified/']")
    rectified.locator("textarea[name=note]").fill(NOTE)
    rectified.locator("button[type=submit]").click()
    phone.wait_for_selector(".messages .success")
    assert shown_status(phone) == status_label(HazardStatus.AWAITING_VERIFICATION)
    assert phone.locator("form[action$='/verify/']").count() == 0  # never their own work
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.AWAITING_VERIFICATION
    assert hazard.rectified_by is not None and hazard.rectified_by.username == PATROL
    assert hazard.rectification_note == NOTE
    phone.goto(f"{base}/tasks/")
    assert phone.locator(f"tr.task[data-record='hazards.hazard:{hazard.pk}']").count() == 0

    # ---- 4. the team leader verifies it: closed ------------------------------------------------
    _leader_context, leader = new_context()
    sign_in(leader, base, LEADER, demo)
    open_task(leader, base, hazard.pk, "verify")
    leader.locator("form[action$='/verify/'] button[name=passed][value='1']").click()
    leader.wait_for_selector(".messages .success")
    assert shown_status(leader) == status_label(HazardStatus.CLOSED)
    assert NOTE in leader.locator("#workflow").inner_text()  # in the workflow history
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.CLOSED
    assert hazard.verified_by is not None and hazard.verified_by.username == LEADER
    assert hazard.closed_at is not None
    steps = list(
        HazardTransition.objects.filter(hazard=hazard).values_list("from_status", "to_status")
    )
    assert steps == [
        (HazardStatus.REPORTED, HazardStatus.ASSIGNED),
        (HazardStatus.ASSIGNED, HazardStatus.AWAITING_VERIFICATION),
        (HazardStatus.AWAITING_VERIFICATION, HazardStatus.CLOSED),
    ]
    # Nobody has a task on it any more.
    for page in (office, leader):
        page.goto(f"{base}/tasks/")
        assert page.locator(f"tr.task[data-record='hazards.hazard:{hazard.pk}']").count() == 0
