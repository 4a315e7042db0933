"""The delivery outbox against real local servers: a recording WeCom / DingTalk robot over
HTTP and an SMTP sink. Routing by jurisdiction and kind, rollback, retries with backoff on a
moved clock, final failure shown to the office with "retry now", DingTalk signing, e-mail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import send
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from notify_fakes import Robot, SmtpSink, running_robot, running_smtp

from shouwang.core.audit import history_for
from shouwang.core.models import Role
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import forget_grants
from shouwang.notify import delivery as outbox
from shouwang.notify import services
from shouwang.notify.models import Channel, Delivery, DeliveryStatus, Notification

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def robot() -> Iterator[Robot]:
    with running_robot() as robot:
        yield robot


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpSink]:
    with running_smtp(settings) as sink:
        yield sink


@pytest.fixture(autouse=True)
def _quiet(settings: Any) -> None:
    settings.SHOUWANG_WEBHOOK_URL = ""
    settings.SHOUWANG_WEBHOOK_SECRET = ""
    settings.SHOUWANG_NOTIFY_MAX_ATTEMPTS = 6
    settings.SHOUWANG_NOTIFY_RETRY_BASE_SECONDS = 60


def office_may_manage_channels(world: Any) -> Any:
    """Give the township office the notification permissions (as roles.json should)."""
    role = Role.objects.get(key="township_staff")
    role.permissions = {**role.permissions, "notify.*": ["view", "add", "change", "delete"]}
    role.save()
    staff = world.users["township_staff"]
    forget_grants(staff)
    return staff


def make_channel(world: Any, side: str = "A", **extra: Any) -> Channel:
    s = world.sides[side]
    data: dict[str, Any] = {
        "name": f"{side}群{Channel.objects.count()}",
        "jurisdiction": s.township.pk,
        "kind": "wecom_robot",
        "webhook_url": "http://127.0.0.1:9/cgi-bin/webhook/send?key=x",
        "receives_duty_reminder": True,
        "receives_roster": True,
        "receives_hazard_overdue": True,
        "receives_daily_summary": True,
        "active": True,
        "note": "",
        "email_recipients": "",
    }
    data.update(extra)
    return services.create_channel(actor=world.admin, data=data)


# -- channels ------------------------------------------------------------------------------------


def test_dingtalk_secret_is_stored_encrypted_and_never_shown(world: Any, login: Any) -> None:
    channel = make_channel(
        world,
        kind="dingtalk_robot",
        webhook_url="https://oapi.dingtalk.com/robot/send?access_token=abc",
        signing_secret="SECdeadbeef",
    )
    assert (
        channel.signing_secret_encrypted and "SECdeadbeef" not in channel.signing_secret_encrypted
    )
    assert channel.decrypted_secret() == "SECdeadbeef"
    event = history_for(channel).get()
    assert "SECdeadbeef" not in str(event.after) and event.after["has_signing_secret"] is True
    client = login(world.admin)
    body = client.get(f"/api/v1/notification-channels/{channel.pk}").json()
    assert body["has_signing_secret"] is True and "SECdeadbeef" not in str(body)
    # Leaving the field empty keeps the secret; "remove" drops it.
    services.update_channel(channel, actor=world.admin, data={"note": "新备注"})
    channel.refresh_from_db()
    assert channel.decrypted_secret() == "SECdeadbeef"
    services.update_channel(channel, actor=world.admin, data={"remove_signing_secret": True})
    channel.refresh_from_db()
    assert channel.signing_secret_encrypted == ""


def test_robot_address_is_stored_encrypted_and_shown_masked(world: Any, login: Any) -> None:
    url = (
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa"
    )
    channel = make_channel(world, webhook_url=url)
    stored = Channel.objects.filter(pk=channel.pk).values()[0]
    assert "693axxx6" not in str(stored) and channel.webhook_url == url
    assert channel.webhook_url_masked == (
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…5aaa"
    )
    event = history_for(channel).get()
    assert "693axxx6" not in str(event.after)
    client = login(world.admin)
    body = client.get(f"/api/v1/notification-channels/{channel.pk}").json()
    assert "693axxx6" not in str(body) and body["webhook_url_masked"].endswith("key=…5aaa")
    page = client.get(f"/r/notification-channels/{channel.pk}/").content.decode()
    assert "key=…5aaa" in page and "693axxx6" not in page
    edit = client.get(f"/r/notification-channels/{channel.pk}/edit/").content.decode()
    assert "key=…5aaa" in edit and "693axxx6" not in edit
    # Left empty, the address stays; a new one replaces it; an e-mail channel drops it.
    services.update_channel(channel, actor=world.admin, data={"note": "新备注"})
    channel.refresh_from_db()
    assert channel.webhook_url == url
    services.update_channel(
        channel, actor=world.admin, data={"webhook_url": "http://127.0.0.1:9/send?key=new"}
    )
    channel.refresh_from_db()
    assert channel.webhook_url == "http://127.0.0.1:9/send?key=new"
    services.update_channel(
        channel,
        actor=world.admin,
        data={"kind": "email", "email_recipients": "office@example.org"},
    )
    channel.refresh_from_db()
    assert channel.webhook_url == "" and channel.webhook_url_masked == ""


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"}, "webhook_url"),
        (
            {"kind": "dingtalk_robot", "webhook_url": "https://oapi.dingtalk.com/robot/send?key=1"},
            "webhook_url",
        ),
        ({"webhook_url": "ftp://example.org/?key=1"}, "webhook_url"),
        ({"kind": "email", "webhook_url": "", "email_recipients": ""}, "email_recipients"),
        ({"kind": "email", "email_recipients": "a@example.org, 不是地址"}, "email_recipients"),
        ({"signing_secret": "SEC1"}, "kind"),
    ],
)
def test_bad_channels_are_refused(world: Any, extra: dict[str, Any], field: str) -> None:
    before = Channel.objects.count()
    with pytest.raises(RecordInvalid) as refused:
        make_channel(world, **extra)
    assert field in refused.value.errors
    assert Channel.objects.count() == before


def test_a_channel_belongs_to_a_township_or_county(world: Any) -> None:
    with pytest.raises(RecordInvalid) as refused:
        make_channel(world, jurisdiction=world.a.village.pk)
    assert "jurisdiction" in refused.value.errors


# -- routing and the outbox ----------------------------------------------------------------------


def test_messages_go_to_the_channels_of_the_records_township_by_kind(world: Any) -> None:
    member = world.users["patrol_member"]
    roster_only = make_channel(world, receives_hazard_overdue=False)
    everything = make_channel(world, receives_all=True, receives_roster=False)
    make_channel(world, "B", receives_all=True)  # another county: never
    make_channel(world, active=False, receives_all=True)  # switched off: never
    services.notify(
        [member], kind="roster.published", title="排班已发布", jurisdiction=world.a.village
    )
    assert set(Delivery.objects.values_list("channel_id", flat=True)) == {
        roster_only.pk,
        everything.pk,
    }
    Delivery.objects.all().delete()
    services.notify(
        [member], kind="hazards.supervised", title="隐患超期", jurisdiction=world.a.township
    )
    assert list(Delivery.objects.values_list("channel_id", flat=True)) == [everything.pk]
    Delivery.objects.all().delete()
    # A message without a jurisdiction reaches only the global channel (none configured here).
    services.notify([member], kind="hazards.supervised", title="隐患超期")
    assert not Delivery.objects.exists()
    # People-of-concern messages never leave the system.
    services.notify(
        [member], kind="concerns.overdue", title="走访超期", jurisdiction=world.a.township
    )
    assert not Delivery.objects.exists()


def test_a_county_channel_receives_its_townships_messages(world: Any) -> None:
    county = make_channel(world, jurisdiction=world.a.county.pk)
    services.broadcast("排班已变更", kind="roster.amended", jurisdiction=world.a.village)
    delivery = Delivery.objects.get()
    assert delivery.channel == county and delivery.jurisdiction == world.a.county


def test_global_webhook_of_the_settings_receives_every_message(world: Any, settings: Any) -> None:
    settings.SHOUWANG_WEBHOOK_URL = "https://oapi.dingtalk.com/robot/send?access_token=g"
    settings.SHOUWANG_WEBHOOK_SECRET = "SECglobal"
    services.notify([world.users["patrol_member"]], kind="swap.decided", title="换班已批准")
    delivery = Delivery.objects.select_related("channel").get()
    channel = delivery.channel
    assert channel is not None and channel.system_key == "settings"
    assert channel.kind == "dingtalk_robot" and channel.jurisdiction is None
    assert channel.decrypted_secret() == "SECglobal"
    settings.SHOUWANG_WEBHOOK_URL = ""
    assert outbox.global_channel() is None
    assert not Channel.objects.get(pk=channel.pk).active


def test_a_rolled_back_action_sends_nothing(world: Any) -> None:
    make_channel(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.broadcast("排班已发布", kind="roster.published", jurisdiction=world.a.township)
        assert Delivery.objects.count() == 1
        raise RuntimeError("the action failed")
    assert not Delivery.objects.exists()


def test_the_same_message_is_written_once(world: Any) -> None:
    make_channel(world)
    for _ in range(2):
        services.broadcast("排班已发布", kind="roster.published", jurisdiction=world.a.township)
    assert Delivery.objects.count() == 1
    services.broadcast(
        "排班已发布", kind="roster.published", jurisdiction=world.a.township, dedupe_key="x"
    )
    services.broadcast(
        "排班已发布", kind="roster.published", jurisdiction=world.a.township, dedupe_key="x"
    )
    assert Delivery.objects.count() == 2


def test_send_is_kicked_after_the_commit(world: Any, settings: Any, robot: Robot) -> None:
    settings.SHOUWANG_JOBS_EAGER = True  # the drain runs in this thread (and transaction)
    make_channel(world, webhook_url=robot.url)
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        services.notify(
            [world.users["patrol_member"]],
            kind="roster.published",
            title="排班已发布",
            body="12月",
            jurisdiction=world.a.township,
        )
        assert robot.calls == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert robot.texts() == ["排班已发布\n12月"]
    assert (
        robot.calls[0].path == "/cgi-bin/webhook/send" and robot.calls[0].query["key"] == "test-key"
    )
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1


# -- retries, failure, retry now -----------------------------------------------------------------


def test_retries_with_backoff_then_failure_shown_to_the_office(
    world: Any, settings: Any, robot: Robot, login: Any
) -> None:
    settings.SHOUWANG_NOTIFY_MAX_ATTEMPTS = 4
    staff = office_may_manage_channels(world)
    channel = make_channel(world, webhook_url=robot.url, name="甲镇平安群")
    services.broadcast("隐患超期：K261", kind="hazards.supervised", jurisdiction=world.a.township)
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=T0)
    robot.answers = [
        (200, {"errcode": 93000, "errmsg": "invalid webhook url"}),
        (500, {"errcode": -1}),
        (200, {"errcode": 45009, "errmsg": "api freq out of limit"}),
        (502, {}),
    ]
    waits = []
    now = T0
    for attempt in range(1, 5):
        # Not due a moment before the wait is over.
        assert (
            outbox.send_due_deliveries(now=now - dt.timedelta(seconds=1)).counts()["retrying"] == 0
        )
        result = outbox.send_due_deliveries(now=now)
        delivery.refresh_from_db()
        assert delivery.attempts == attempt and len(robot.calls) == attempt
        if attempt < 4:
            assert result.retrying == [delivery.pk] and delivery.status == DeliveryStatus.PENDING
            waits.append(delivery.next_attempt_at - now)
            now = delivery.next_attempt_at
    assert waits == [dt.timedelta(minutes=1), dt.timedelta(minutes=2), dt.timedelta(minutes=4)]
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_error == "HTTP 502"
    assert result.failed == [delivery.pk]
    assert "errcode 93000" not in delivery.last_error
    # Later drains leave a failed row alone.
    assert outbox.send_due_deliveries(now=now + dt.timedelta(days=1)).counts() == {
        "sent": 0,
        "retrying": 0,
        "failed": 0,
    }
    assert len(robot.calls) == 4
    # The office finds it in the inbox, on the page (with the count) and retries it.
    told = Notification.objects.get(recipient=staff, kind="notify.delivery_failed")
    assert "甲镇平安群" in told.title and "HTTP 502" in told.body
    client = login("township_staff")
    page = client.get("/notifications/deliveries/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "failed-count" in html and "隐患超期：K261" in html and "HTTP 502" in html
    assert f"/notifications/deliveries/{delivery.pk}/retry/" in html
    assert services.failed_count(staff) == 1
    robot.answers = []
    with TestCase.captureOnCommitCallbacks(execute=False):
        answer = client.post(f"/notifications/deliveries/{delivery.pk}/retry/")
    assert answer.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0
    event = history_for(delivery).get()
    assert event.code == "notify.delivery.retried" and event.actor == staff
    outbox.send_due_deliveries(now=timezone.now())
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and robot.texts()[-1] == "隐患超期：K261"
    assert services.failed_count(staff) == 0
    # Only failed rows can be retried.
    with pytest.raises(RecordInvalid):
        services.retry_delivery(delivery, actor=staff)
    assert channel.deliveries.count() == 1


def test_failed_deliveries_are_scoped_to_the_office(world: Any, login: Any, settings: Any) -> None:
    settings.SHOUWANG_NOTIFY_MAX_ATTEMPTS = 1
    office_may_manage_channels(world)
    make_channel(world, "B")
    services.broadcast("乙镇消息", kind="roster.published", jurisdiction=world.b.township)
    outbox.send_due_deliveries()  # port 9 is closed: fails at once
    foreign = Delivery.objects.get()
    assert foreign.status == DeliveryStatus.FAILED
    client = login("township_staff")
    assert "乙镇消息" not in client.get("/notifications/deliveries/?status=all").content.decode()
    assert client.post(f"/notifications/deliveries/{foreign.pk}/retry/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == DeliveryStatus.FAILED
    # Without the permission the page is refused.
    assert login("patrol_member").get("/notifications/deliveries/").status_code == 403


def test_deliveries_page_is_in_the_setup_menu(world: Any, login: Any) -> None:
    office_may_manage_channels(world)
    html = login("township_staff").get("/notifications/").content.decode()
    assert "/notifications/deliveries/" in html and "/r/notification-channels/" in html


# -- DingTalk signing ----------------------------------------------------------------------------


def test_dingtalk_signature_is_checked_by_the_robot(world: Any, robot: Robot) -> None:
    robot.dingtalk_secret = "SECright"
    url = robot.url.replace("key=test-key", "access_token=tok")
    channel = make_channel(world, kind="dingtalk_robot", webhook_url=url, signing_secret="SECwrong")
    services.broadcast("钉钉消息", kind="roster.published", jurisdiction=world.a.township)
    outbox.send_due_deliveries()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and "errcode 310000" in delivery.last_error
    services.update_channel(channel, actor=world.admin, data={"signing_secret": "SECright"})
    outbox.send_due_deliveries(now=timezone.now() + dt.timedelta(minutes=2))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    last = robot.calls[-1]
    assert last.query["access_token"] == "tok" and last.answer["errcode"] == 0
    assert abs(int(last.query["timestamp"]) / 1000 - timezone.now().timestamp()) < 3600


def test_signature_matches_dingtalks_documented_example() -> None:
    # Computed as DingTalk's documentation does it (Python sample), for a fixed timestamp.
    url = outbox.dingtalk_signed_url(
        "https://oapi.dingtalk.com/robot/send?access_token=t", "SEC0", 1
    )
    assert url.startswith("https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1&sign=")
    import base64
    import hashlib
    import hmac
    import urllib.parse

    expected = urllib.parse.quote_plus(
        base64.b64encode(hmac.new(b"SEC0", b"1\nSEC0", hashlib.sha256).digest())
    )
    assert url.endswith("&sign=" + expected)


# -- e-mail ------------------------------------------------------------------------------------


def test_email_channel_sends_real_smtp(world: Any, smtp: SmtpSink) -> None:
    make_channel(
        world,
        kind="email",
        webhook_url="",
        email_recipients="office@example.org；leader@example.org",
    )
    services.broadcast(
        "排班已发布：甲镇巡防队 2026-12\n请查看本月值班",
        kind="roster.published",
        jurisdiction=world.a.township,
    )
    result = outbox.send_due_deliveries()
    assert len(result.sent) == 1
    (mail,) = smtp.mails
    assert sorted(mail.recipients) == ["leader@example.org", "office@example.org"]
    assert mail.sender == "shouwang@example.org"
    assert mail.subject == "排班已发布：甲镇巡防队 2026-12"
    assert "请查看本月值班" in mail.text()


def test_smtp_refusal_is_retried(world: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    make_channel(world, kind="email", webhook_url="", email_recipients="office@example.org")
    services.broadcast("测试", kind="roster.published", jurisdiction=world.a.township)
    result = outbox.send_due_deliveries(now=T0 + dt.timedelta(days=400))
    delivery = Delivery.objects.get()
    assert result.retrying == [delivery.pk] and delivery.last_error


def test_api_lists_and_retries_failed_deliveries(world: Any, login: Any, settings: Any) -> None:
    settings.SHOUWANG_NOTIFY_MAX_ATTEMPTS = 1
    office_may_manage_channels(world)
    make_channel(world)
    services.broadcast("甲镇消息", kind="roster.published", jurisdiction=world.a.township)
    outbox.send_due_deliveries()
    delivery = Delivery.objects.get()
    client = login("township_staff")
    listed = client.get("/api/v1/notifications/deliveries").json()
    assert listed["failed"] == 1 and [d["id"] for d in listed["results"]] == [delivery.pk]
    assert listed["results"][0]["last_error"]
    retried = send(client, "post", f"/api/v1/notifications/deliveries/{delivery.pk}/retry", {})
    assert retried.status_code == 200 and retried.json()["status"] == "pending"
    again = send(client, "post", f"/api/v1/notifications/deliveries/{delivery.pk}/retry", {})
    assert again.status_code == 422
    assert login("patrol_member").get("/api/v1/notifications/deliveries").status_code == 403
