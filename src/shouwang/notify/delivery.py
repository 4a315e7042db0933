"""The delivery outbox: routing outbound messages to channels, and sending them with retries.

`enqueue` writes one `Delivery` row per channel inside the caller's transaction: an action
that rolls back sends nothing, and a process that dies loses nothing. Each row has a unique
dedupe key, so a job that runs twice (the duty reminder, the daily summary, a sweep) writes
no second row. After the commit a drain is kicked (a Celery task with a broker, else a thread
of this process); Celery beat also drains every minute, and `send_due_deliveries` is the
plain function behind both and the CLI.

A failed attempt is tried again after 1, 2, 4, 8 … minutes (settings
SHOUWANG_NOTIFY_RETRY_BASE_SECONDS, doubling) until SHOUWANG_NOTIFY_MAX_ATTEMPTS attempts;
then the row is marked failed, the office is told in its inbox, and the deliveries page
offers "retry now". WeCom and DingTalk answer HTTP 200 with an ``errcode`` in JSON: an
errcode other than 0 is a failure like an HTTP error.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.models import Jurisdiction
from shouwang.notify.models import (
    Channel,
    ChannelKind,
    Delivery,
    DeliveryStatus,
    Topic,
)

_log = logging.getLogger(__name__)

#: Seconds to wait for a group robot or the mail server before giving up (one attempt).
SEND_TIMEOUT_S = 10.0
#: How long a claimed row is left alone by other drains while it is being sent.
CLAIM_LEASE = dt.timedelta(minutes=5)
#: Rows claimed per round of a drain.
BATCH_SIZE = 20
#: WeCom refuses text longer than 2048 bytes (UTF-8); DingTalk allows far more.
MAX_TEXT_BYTES: dict[str, int] = {ChannelKind.WECOM_ROBOT: 2000, ChannelKind.DINGTALK_ROBOT: 18000}
#: The Celery task that drains the outbox (also scheduled every minute by beat).
SEND_TASK = "notify.send_deliveries"
SYSTEM_GLOBAL = "settings"


def max_attempts() -> int:
    return max(1, int(getattr(settings, "SHOUWANG_NOTIFY_MAX_ATTEMPTS", 6)))


def retry_base() -> dt.timedelta:
    return dt.timedelta(
        seconds=max(1, int(getattr(settings, "SHOUWANG_NOTIFY_RETRY_BASE_SECONDS", 60)))
    )


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the `attempts`-th failed attempt: base, 2×base, 4×base …"""
    return retry_base() * (2 ** max(0, attempts - 1))


# -- what a message is about ---------------------------------------------------------------------

#: notify() kinds → the topic a channel subscribes to; anything else is "other".
TOPIC_OF_KIND: dict[str, str] = {
    "notify.duty_reminder": Topic.DUTY_REMINDER,
    "roster.published": Topic.ROSTER,
    "roster.amended": Topic.ROSTER,
    "roster.changed": Topic.ROSTER,
    "hazards.supervised": Topic.HAZARD_OVERDUE,
    "hazards.escalated": Topic.HAZARD_OVERDUE,
    "hazards.overdue": Topic.HAZARD_OVERDUE,
    "notify.visit_overdue": Topic.VISIT_OVERDUE,
    "notify.daily_summary": Topic.DAILY_SUMMARY,
}

#: Kinds whose text must never leave the system (people of concern are sensitive data): they
#: stay in the inbox even when a caller asks for an outbound copy.
PRIVATE_KIND_PREFIXES = ("concerns.",)


def topic_of(kind: str) -> str:
    return TOPIC_OF_KIND.get(kind, Topic.OTHER)


def is_private(kind: str) -> bool:
    return kind.startswith(PRIVATE_KIND_PREFIXES)


# -- the global channel of the settings ----------------------------------------------------------


def webhook_url() -> str:
    return str(getattr(settings, "SHOUWANG_WEBHOOK_URL", "") or "")


def _kind_of_url(url: str) -> str:
    """DingTalk robots carry an access_token, WeCom robots a key."""
    if "dingtalk" in url or "access_token=" in url:
        return ChannelKind.DINGTALK_ROBOT
    return ChannelKind.WECOM_ROBOT


def global_channel() -> Channel | None:
    """The channel of SHOUWANG_WEBHOOK_URL (created or updated to match), or None if unset."""
    url = webhook_url()
    channel = Channel.objects.filter(system_key=SYSTEM_GLOBAL).first()
    if not url:
        if channel is not None and channel.active:
            Channel.objects.filter(pk=channel.pk).update(active=False)
        return None
    kind = _kind_of_url(url)
    secret = str(getattr(settings, "SHOUWANG_WEBHOOK_SECRET", "") or "")
    if channel is None:
        created = Channel(
            name=str(_("Global channel (SHOUWANG_WEBHOOK_URL)")),
            jurisdiction=None,
            kind=kind,
            receives_all=True,
            system_key=SYSTEM_GLOBAL,
        )
        created.webhook_url = url
        Channel.objects.bulk_create([created], ignore_conflicts=True)
        channel = Channel.objects.get(system_key=SYSTEM_GLOBAL)
    changed = channel.webhook_url != url or channel.kind != kind or not channel.active
    if secret and channel.decrypted_secret() != secret:
        channel.set_signing_secret(secret)
        changed = True
    elif not secret and channel.signing_secret_encrypted:
        channel.signing_secret_encrypted = ""
        changed = True
    if changed:
        channel.webhook_url, channel.kind, channel.active = url, kind, True
        channel.receives_all = True
        channel.save()
    return channel


def channels_for(topic: str, jurisdiction: Jurisdiction | None) -> list[Channel]:
    """Active channels that receive `topic` about a record of `jurisdiction`: those of the
    jurisdiction and the jurisdictions above it, plus the global channel. A message without a
    jurisdiction goes to the global channel only."""
    found: list[Channel] = []
    if jurisdiction is not None and jurisdiction.path:
        ids = [int(p) for p in jurisdiction.path.strip("/").split("/") if p]
        wanted = Q(receives_all=True)
        if topic != Topic.OTHER:
            wanted |= Q(**{f"receives_{topic}": True})
        found = list(
            Channel.objects.filter(active=True, system_key="", jurisdiction_id__in=ids)
            .filter(wanted)
            .select_related("jurisdiction")
            .order_by("pk")
        )
    glob = global_channel()
    if glob is not None:
        found.append(glob)
    return found


# -- writing the outbox --------------------------------------------------------------------------


def _day_key(now: dt.datetime | None = None) -> str:
    return timezone.localdate(now or timezone.now()).isoformat()


def default_dedupe_key(kind: str, text: str) -> str:
    """Without a key from the caller: the same message of the same kind, once a day."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:20]
    return f"{kind}:{digest}:{_day_key()}"


def enqueue(
    *,
    kind: str,
    title: str,
    body: str = "",
    jurisdiction: Jurisdiction | None = None,
    dedupe_key: str | None = None,
    channels: Iterable[Channel] | None = None,
) -> int:
    """Write one pending delivery per channel that receives this message (inside the
    caller's transaction) and kick a send after the commit. Answers how many rows were new."""
    if is_private(kind):
        return 0
    title = title.strip()
    text = "\n".join(part for part in (title, body.strip()) if part)
    if not text:
        return 0
    targets = list(channels) if channels is not None else channels_for(topic_of(kind), jurisdiction)
    if not targets:
        return 0
    key = dedupe_key or default_dedupe_key(kind, text)
    rows = []
    for channel in targets:
        rows.append(
            Delivery(
                channel=channel,
                jurisdiction_id=channel.jurisdiction_id,
                transport=channel.kind,
                recipients=", ".join(channel.addresses())
                if channel.kind == ChannelKind.EMAIL
                else "",
                kind=kind[:40],
                topic=topic_of(kind),
                subject=(title or text.splitlines()[0])[:200],
                text=text,
                dedupe_key=f"ch{channel.pk}:{key}"[:255],
                next_attempt_at=timezone.now(),
            )
        )
    return _write(rows)


def enqueue_email(
    *,
    user: Any,
    kind: str,
    title: str,
    body: str,
    dedupe_key: str,
    jurisdiction: Jurisdiction | None = None,
) -> int:
    """One e-mail to one user (if the user has an address); deduplicated per user and key."""
    address = str(getattr(user, "email", "") or "").strip()
    if not address or is_private(kind):
        return 0
    row = Delivery(
        channel=None,
        jurisdiction=jurisdiction,
        transport=ChannelKind.EMAIL,
        recipients=address,
        kind=kind[:40],
        topic=topic_of(kind),
        subject=title[:200],
        text=body,
        dedupe_key=f"user{user.pk}:{dedupe_key}"[:255],
        next_attempt_at=timezone.now(),
    )
    return _write([row])


def _write(rows: list[Delivery]) -> int:
    keys = [r.dedupe_key for r in rows]
    existing = set(
        Delivery.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )
    new = [r for r in rows if r.dedupe_key not in existing]
    if not new:
        return 0
    # A concurrent run that wrote the same key first wins; this one skips it quietly.
    Delivery.objects.bulk_create(new, ignore_conflicts=True)
    kick_after_commit()
    return len(new)


def kick_after_commit() -> None:
    """Kick one send when the current transaction commits (once, however many rows it wrote)."""
    if connection.in_atomic_block and any(
        len(entry) > 1 and entry[1] is kick for entry in connection.run_on_commit
    ):
        return
    transaction.on_commit(kick, robust=True)


# -- kicking a send after the commit -------------------------------------------------------------

_drain_lock = threading.Lock()
_drain_state = {"running": False, "again": False}
_drain_thread: list[threading.Thread] = []


def kick() -> None:
    """Start draining the outbox now: a Celery task with a broker, else one thread of this
    process (a kick while it runs makes it run once more); eager mode drains right here."""
    from shouwang.core.jobs import broker_url

    if broker_url():
        from shouwang.config.celery import app

        try:
            app.send_task(SEND_TASK)
        except Exception:  # the broker is down: beat (or the CLI) drains later
            _log.warning("could not queue the notification sender", exc_info=True)
        return
    if getattr(settings, "SHOUWANG_JOBS_EAGER", False):
        send_due_deliveries()
        return
    with _drain_lock:
        if _drain_state["running"]:
            _drain_state["again"] = True
            return
        _drain_state["running"] = True
    thread = threading.Thread(target=_drain_in_thread, name="notify-sender", daemon=True)
    _drain_thread[:] = [thread]
    thread.start()


def _drain_in_thread() -> None:
    try:
        while True:
            try:
                send_due_deliveries()
            except Exception:
                _log.exception("notification sender failed")
            with _drain_lock:
                if not _drain_state["again"]:
                    _drain_state["running"] = False
                    return
                _drain_state["again"] = False
    finally:
        # A thread's database connection is its own; close it rather than leak it.
        connection.close()


def wait_for_sender(timeout: float | None = None) -> None:
    """Wait for the in-process sender thread (tests and the CLI)."""
    for thread in list(_drain_thread):
        thread.join(timeout)


# -- sending -------------------------------------------------------------------------------------


@dataclass
class SendResult:
    """What one drain did (pks per outcome)."""

    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"sent": len(self.sent), "retrying": len(self.retrying), "failed": len(self.failed)}


class SendError(Exception):
    """One attempt failed; the message says why (shown on the deliveries page)."""


def send_due_deliveries(now: dt.datetime | None = None, *, limit: int = 500) -> SendResult:
    """Send every pending delivery that is due at `now`; retry or fail the ones that do not go.

    Safe to run in several processes at once: rows are claimed under
    ``select_for_update(skip_locked=True)`` (PostgreSQL) and leased while being sent.
    """
    now = now or timezone.now()
    result = SendResult()
    done = 0
    while done < limit:
        claimed = _claim(now, min(BATCH_SIZE, limit - done))
        if not claimed:
            break
        for pk in claimed:
            _attempt(pk, now, result)
        done += len(claimed)
    return result


def _claim(now: dt.datetime, size: int) -> list[int]:
    with transaction.atomic():
        qs = Delivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        ).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        pks = list(qs.values_list("pk", flat=True)[:size])
        if pks:
            Delivery.objects.filter(pk__in=pks).update(
                next_attempt_at=now + CLAIM_LEASE, attempts=F("attempts") + 1
            )
    return pks


def _attempt(pk: int, now: dt.datetime, result: SendResult) -> None:
    delivery = Delivery.objects.select_related("channel").get(pk=pk)
    try:
        send_one(delivery)
    except Exception as exc:
        error = str(exc) if isinstance(exc, SendError) else f"{type(exc).__name__}: {exc}"
        _failed_attempt(delivery, error[:2000], now, result)
        return
    Delivery.objects.filter(pk=pk).update(status=DeliveryStatus.SENT, sent_at=now, last_error="")
    result.sent.append(pk)


def _failed_attempt(delivery: Delivery, error: str, now: dt.datetime, result: SendResult) -> None:
    if delivery.attempts >= max_attempts():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, last_error=error, next_attempt_at=now
        )
        result.failed.append(delivery.pk)
        _tell_office_of_failure(delivery, error)
        return
    Delivery.objects.filter(pk=delivery.pk).update(
        last_error=error, next_attempt_at=now + backoff(delivery.attempts)
    )
    result.retrying.append(delivery.pk)


def _tell_office_of_failure(delivery: Delivery, error: str) -> None:
    """The office of the channel's jurisdiction finds the failure in its inbox (no outbound
    copy: the channel that failed may be the one that would carry it)."""
    from django.urls import reverse

    from shouwang.core.models import RoleGrant
    from shouwang.notify.services import notify

    if delivery.jurisdiction_id is None:
        return
    place = Jurisdiction.objects.filter(pk=delivery.jurisdiction_id).first()
    if place is None:
        return
    ids = [int(p) for p in place.path.strip("/").split("/") if p]
    users = [
        g.user
        for g in RoleGrant.objects.filter(
            role__key="township_staff", jurisdiction_id__in=ids, user__is_active=True
        ).select_related("user")
    ]
    if not users:
        return
    name = delivery.channel.name if delivery.channel else delivery.recipients
    try:
        notify(
            users,
            kind="notify.delivery_failed",
            title=_("A message could not be delivered to %(channel)s") % {"channel": name},
            body=f"{delivery.subject}\n{error}",
            link=reverse("notify-deliveries") + "?status=failed",
            outbound=False,
        )
    except Exception:  # telling is a courtesy: the failed row is what counts
        _log.warning("could not tell the office about delivery %s", delivery.pk, exc_info=True)


def send_one(delivery: Delivery) -> None:
    """One attempt to send one delivery; raises SendError (or any error) if it did not go."""
    if delivery.transport == ChannelKind.EMAIL:
        send_email(delivery.subject, delivery.text, _recipients(delivery))
        return
    channel = delivery.channel
    if channel is None:
        raise SendError(_("The channel was deleted."))
    secret = channel.decrypted_secret() if channel.kind == ChannelKind.DINGTALK_ROBOT else ""
    post_robot(channel.webhook_url, delivery.text, kind=channel.kind, secret=secret)


def _recipients(delivery: Delivery) -> list[str]:
    from shouwang.notify.models import split_addresses

    if delivery.channel is not None and delivery.channel.kind == ChannelKind.EMAIL:
        # The channel's list as it is now (an address corrected after a failure is used).
        return delivery.channel.addresses()
    return split_addresses(delivery.recipients)


def send_email(subject: str, body: str, to: list[str]) -> None:
    if not to:
        raise SendError(_("No e-mail address."))
    mail_connection = get_connection(fail_silently=False, timeout=SEND_TIMEOUT_S)
    message = EmailMessage(
        subject=subject.replace("\n", " ")[:200],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        connection=mail_connection,
    )
    message.send(fail_silently=False)


def _truncate(text: str, max_bytes: int) -> str:
    data = text.encode()
    if len(data) <= max_bytes:
        return text
    return data[: max_bytes - 3].decode(errors="ignore") + "…"


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """Add DingTalk's signature: HMAC-SHA256 over "timestamp\\nsecret" keyed with the secret,
    Base64, URL-encoded; the robot refuses a timestamp more than an hour off."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else round(time.time() * 1000))
    digest = hmac.new(
        secret.encode(), f"{timestamp}\n{secret}".encode(), digestmod=hashlib.sha256
    ).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp}&sign={sign}"


def post_robot(url: str, text: str, *, kind: str, secret: str = "") -> None:
    """POST a text message to a WeCom / DingTalk group robot; raise SendError unless it
    answered 2xx with errcode 0."""
    if not url.startswith(("https://", "http://")):
        raise SendError(_("Not a web address."))
    limit = MAX_TEXT_BYTES.get(kind, 2000)
    payload = json.dumps(
        {"msgtype": "text", "text": {"content": _truncate(text, limit)}}, ensure_ascii=False
    ).encode()
    target = dingtalk_signed_url(url, secret) if secret else url
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        target,
        data=payload,
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT_S) as response:  # noqa: S310
            status = int(response.status)
            body = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise SendError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise SendError(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from exc
    if not 200 <= status < 300:
        raise SendError(f"HTTP {status}")
    try:
        answer = json.loads(body or b"{}")
    except ValueError as exc:
        raise SendError(_("The robot's answer was not JSON.")) from exc
    errcode = answer.get("errcode", 0) if isinstance(answer, dict) else 0
    if errcode not in (0, "0"):
        raise SendError(f"errcode {errcode}: {answer.get('errmsg', '')}")
