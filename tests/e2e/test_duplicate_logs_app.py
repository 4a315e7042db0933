"""The phone app never starts a second log for a duty by accident (docs/field-sync.md, "One log
per duty"): a duty whose log was started in another browser session offers "continue" (the
server's copy is taken onto the phone and edited there), not "start"; starting a duty long
after its window asks first.

The browser, the shared-data snapshot and the demo-township `field` fixture are those of
tests/e2e/test_phone_app.py (read its docstring).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from browser_support import sign_in
from django.utils import timezone
from test_phone_app import (  # noqa: F401 - fixtures used by name
    PATROL,
    Field,
    browser,
    field,
    new_context,
    shared_data,
    shot,
    wait_waiting,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_duty_started_elsewhere_is_continued_not_started_again(
    field: Field,  # noqa: F811
    live_server: Any,
    new_context: Any,  # noqa: F811
) -> None:
    from django.contrib.auth import get_user_model

    from shouwang.patrols import services
    from shouwang.patrols.models import PatrolLog
    from shouwang.rostering.models import Duty

    user = get_user_model().objects.get(username=PATROL)
    duty = field.duty
    # The first browser session: the log was started and uploaded there.
    first = services.save_patrol_log(
        actor=user,
        uuid="6f1c0c1e-5d1a-4b8e-9a61-2b3c4d5e6f70",
        base_version=None,
        data={
            "duty": duty.pk,
            "started_at": duty.start.isoformat(),
            "attendance": [
                {"member": field.member.pk, "status": "present"},
                {"member": field.teammate.pk, "status": "late", "note": "晚到十分钟"},
            ],
            "notes": "第一部手机写的",
        },
    )
    assert first.status == services.SAVED, first.errors

    # A duty of today that ended more than an hour ago (none just after midnight).
    now = timezone.localtime()
    past = None
    if now.hour >= 4:
        past = Duty.objects.create(  # test setup: planning normally creates duties
            roster=duty.roster,
            post=duty.post,
            date=now.date(),
            start=now - dt.timedelta(hours=4),
            end=now - dt.timedelta(hours=2),
            required_count=1,
        )
        past.assignments.create(member=field.member)

    base = live_server.url
    _context, page = new_context(is_mobile=True, has_touch=True)
    sign_in(page, base, PATROL, field.password)
    page.goto(f"{base}/app/")
    page.wait_for_selector("html[data-app-ready=yes]")
    card = page.locator(f"article.duty[data-duty='{duty.pk}']")
    card.locator("[data-action=continue]").wait_for()
    assert card.locator(f"a[data-duty='{duty.pk}']").count() == 0  # no "start duty"
    shot(page, "dup-1-continue-card")
    card.locator("[data-action=continue]").click()
    page.wait_for_selector("#log-notes")
    assert page.input_value("#log-notes") == "第一部手机写的"
    page.fill("#log-notes", "在第二个会话里接着写")
    page.wait_for_timeout(500)
    assert wait_waiting(page, lambda n: n == 0) == 0
    log = PatrolLog.objects.get(duty=duty)  # still exactly one log for the duty
    assert (log.uuid.hex, log.notes, log.version) == (
        "6f1c0c1e5d1a4b8e9a612b3c4d5e6f70",
        "在第二个会话里接着写",
        2,
    )
    assert {(a.member_id, a.status) for a in log.attendance.all()} >= {(field.teammate.pk, "late")}

    # A duty whose log was handed in elsewhere: "view" (read-only), never "start".
    later = Duty.objects.create(  # test setup
        roster=duty.roster,
        post=duty.post,
        date=duty.date,
        start=duty.start + dt.timedelta(minutes=1),
        end=duty.end,
        required_count=1,
    )
    later.assignments.create(member=field.member)
    handed_in = services.save_patrol_log(
        actor=get_user_model().objects.get(username="leader"),
        uuid="3a9d8c7b-6e5f-4a3b-9c2d-1e0f9a8b7c6d",
        base_version=None,
        data={
            "duty": later.pk,
            "started_at": later.start.isoformat(),
            "notes": "队长已提交",
            "submit": True,
        },
    )
    assert handed_in.status == services.SAVED, handed_in.errors
    page.goto(f"{base}/app/")
    page.wait_for_selector("html[data-app-ready=yes]")
    page.click("#sync-now")  # fetch the day again
    later_card = page.locator(f"article.duty[data-duty='{later.pk}']")
    later_card.locator("[data-action=view]").wait_for()
    assert later_card.locator(f"a[data-duty='{later.pk}']").count() == 0
    later_card.locator("[data-action=view]").click()
    page.wait_for_selector("#server-log-line")
    assert "队长已提交" in page.inner_text("#screen")
    assert page.locator("#log-notes").count() == 0  # read-only

    if past is None:
        return
    # Long after the window: the start asks; "cancel" starts nothing, "OK" starts the log.
    page.goto(f"{base}/app/#/start/{past.pk}")
    page.wait_for_selector("#late-start")
    shot(page, "dup-3-late-start")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("#start-now")
    page.wait_for_timeout(300)
    assert page.locator("#attendance").count() == 0
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#start-now")
    page.wait_for_selector("#attendance")
    assert wait_waiting(page, lambda n: n == 0) == 0
    assert PatrolLog.objects.filter(duty=past).count() == 1


def test_log_refused_as_a_duplicate_is_kept_and_the_existing_one_continued(
    field: Field,  # noqa: F811
    live_server: Any,
    new_context: Any,  # noqa: F811
) -> None:
    """Started offline while a teammate's phone uploaded a log for the same duty: the upload
    is refused on `duty`, the phone keeps its log in the queue and offers to continue the
    existing one; a second log is still possible, on purpose, and the server then saves it."""
    from django.contrib.auth import get_user_model

    from shouwang.patrols import services
    from shouwang.patrols.models import PatrolLog

    duty = field.duty
    base = live_server.url
    context, page = new_context(is_mobile=True, has_touch=True)
    sign_in(page, base, PATROL, field.password)
    page.goto(f"{base}/app/")
    page.wait_for_selector("html[data-app-ready=yes]")
    context.set_offline(True)
    page.locator(f"a[data-duty='{duty.pk}']").click()
    page.click("#start-now")
    page.wait_for_selector("#log-notes")
    page.fill("#log-notes", "离线写的")
    page.wait_for_timeout(500)
    # Meanwhile the log of the duty arrives from elsewhere (here: the team leader's login).
    other = services.save_patrol_log(
        actor=get_user_model().objects.get(username="leader"),
        uuid="0b7e2f7a-9c4d-4e21-8f3a-5d6c7b8a9e01",
        base_version=None,
        data={"duty": duty.pk, "started_at": duty.start.isoformat(), "notes": "队长先写的"},
    )
    assert other.status == services.SAVED, other.errors
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#needs:not([hidden])")
    page.click("#needs")
    refused = page.locator("article.rejected")
    refused.wait_for()
    assert "队长先写的" not in refused.inner_text()  # the message, not the copy
    assert refused.locator("ul.errors li").count() == 1
    assert PatrolLog.objects.filter(duty=duty).count() == 1
    shot(page, "dup-2-refused")
    refused.locator("[data-action=continue-existing]").click()
    page.wait_for_selector("#log-notes")
    assert page.input_value("#log-notes") == "队长先写的"
    # The refused log is still on the phone, waiting for the member's decision.
    page.goto(f"{base}/app/#/queue")
    page.locator("article.rejected [data-action=send-as-second]").wait_for()

    # On purpose: upload it as a second log, after the warning.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("article.rejected [data-action=send-as-second]")
    page.wait_for_selector("article.rejected", state="detached")
    assert wait_waiting(page, lambda n: n == 0) == 0
    notes = PatrolLog.objects.filter(duty=duty).values_list("notes", flat=True)
    assert sorted(notes) == sorted(["队长先写的", "离线写的"])
