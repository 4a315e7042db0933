"""Telling users about changes that concern them: the inbox, and outbound channels.

`notify` writes one inbox row per recipient inside the caller's transaction; with
``outbound`` it also writes the outbound copy to the delivery outbox (shouwang.notify.delivery):
one row per channel of the record's jurisdiction that receives this kind of message, plus the
global channel of SHOUWANG_WEBHOOK_URL. The rows commit or roll back with the business action;
the sender delivers them after the commit, retries with backoff, and a final failure is shown
to the office — it never undoes the action that caused the message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core import records
from shouwang.core.audit import ACTIONS, record_event, snapshot
from shouwang.core.models import Jurisdiction
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import get_for
from shouwang.notify import delivery as outbox
from shouwang.notify.forms import ChannelForm, apply_signing_secret
from shouwang.notify.models import Channel, Delivery, DeliveryStatus, Notification

_log = logging.getLogger(__name__)

ACTIONS.setdefault("notify.delivery.retried", gettext_lazy("Message delivery retried"))


def notify(
    recipients: Iterable[Any],
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    outbound: bool = True,
    jurisdiction: Jurisdiction | None = None,
    dedupe_key: str | None = None,
) -> list[Notification]:
    """Put one message in each recipient's inbox (users; None and duplicates are skipped).

    Call it inside the business action's transaction: the rows commit or roll back with it.
    With ``outbound`` the channels get a copy (see `broadcast`): those of ``jurisdiction`` (the
    record's township) that receive this kind, and the global channel. An action that tells
    many members one by one passes False and calls `broadcast` once instead. With
    ``dedupe_key`` a recipient gets the message once, however often the caller runs.
    """
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user is None or user.pk is None or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user,
                kind=kind[:40],
                title=title[:200],
                body=body,
                link=link[:300],
                dedupe_key=(dedupe_key or "")[:200],
            )
        )
    if dedupe_key and rows:
        known = set(
            Notification.objects.filter(
                dedupe_key=dedupe_key[:200], recipient_id__in=seen
            ).values_list("recipient_id", flat=True)
        )
        rows = [r for r in rows if r.recipient_id not in known]
        created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    else:
        created = Notification.objects.bulk_create(rows)
    if created and outbound:
        outbox.enqueue(
            kind=kind, title=title, body=body, jurisdiction=jurisdiction, dedupe_key=dedupe_key
        )
    return created


def broadcast(
    text: str,
    *,
    kind: str = "broadcast",
    jurisdiction: Jurisdiction | None = None,
    dedupe_key: str | None = None,
) -> int:
    """Send `text` to the channels (the global one, and those of ``jurisdiction`` that receive
    ``kind``) once the current transaction commits; answers how many deliveries were written.
    """
    lines = text.strip().split("\n", 1)
    return outbox.enqueue(
        kind=kind,
        title=lines[0],
        body=lines[1] if len(lines) > 1 else "",
        jurisdiction=jurisdiction,
        dedupe_key=dedupe_key,
    )


def inbox_for(user: Any) -> QuerySet[Notification]:
    """The user's own notifications, newest first (nobody reads another user's inbox)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk)


def unread_count(user: Any) -> int:
    """How many of the user's notifications are unread."""
    return inbox_for(user).filter(read_at__isnull=True).count()


def mark_read(user: Any, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications (all, or those ids) read; returns how many changed."""
    qs = inbox_for(user).filter(read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


# -- outbound channels ----------------------------------------------------------------------


def webhook_url() -> str:
    """The global group robot of the settings (SHOUWANG_WEBHOOK_URL), or ""."""
    return outbox.webhook_url()


def send_webhook(text: str, url: str | None = None, *, secret: str = "") -> bool:
    """POST a text message to a WeCom / DingTalk group robot now; True if it took it.

    Never raises (a robot that is down must not break anything); the outbox is the reliable
    way, this is for a quick test of an address.
    """
    target = url if url is not None else webhook_url()
    try:
        outbox.post_robot(target, text, kind=outbox._kind_of_url(target), secret=secret)
    except Exception:
        _log.warning("group-robot webhook failed", exc_info=True)
        return False
    return True


def create_channel(*, actor: Any, data: Mapping[str, Any]) -> Channel:
    """Add a township's or county's group robot or e-mail list."""
    return records.create_record(  # type: ignore[no-any-return]
        ChannelForm, actor=actor, data=data, before_save=apply_signing_secret
    )


def update_channel(channel: Channel, *, actor: Any, data: Mapping[str, Any]) -> Channel:
    """Change a channel; messages already waiting go to its new address."""
    return records.update_record(
        ChannelForm, channel, actor=actor, data=data, before_save=apply_signing_secret
    )


def delete_channel(channel: Channel, *, actor: Any) -> None:
    """Remove a channel (its delivery record stays; waiting messages fail as undeliverable)."""
    records.delete_record(channel, actor=actor)


def deliveries_for(user: Any) -> QuerySet[Delivery]:
    """The deliveries the user may see (those of channels in the user's jurisdictions)."""
    return Delivery.objects.visible_to(user, "view").select_related("channel", "jurisdiction")


def failed_count(user: Any) -> int:
    """How many deliveries in the user's scope have finally failed (for the office's header)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return deliveries_for(user).filter(status=DeliveryStatus.FAILED).count()


def retry_delivery(delivery: Delivery, *, actor: Any, reason: str = "") -> Delivery:
    """Send a failed delivery again now, with a fresh count of attempts (audited)."""
    with transaction.atomic():
        visible = get_for(Delivery, actor, delivery.pk, "change")
        locked = Delivery.objects.select_for_update().get(pk=visible.pk)
        if locked.status != DeliveryStatus.FAILED:
            raise RecordInvalid({"status": [_("Only failed deliveries can be retried.")]})
        before = snapshot(locked)
        locked.status = DeliveryStatus.PENDING
        locked.attempts = 0
        locked.next_attempt_at = timezone.now()
        locked.save(update_fields=["status", "attempts", "next_attempt_at"])
        record_event(
            "notify.delivery.retried",
            actor=actor,
            target=locked,
            parent=locked.channel,
            before=before,
            after=snapshot(locked),
            reason=reason,
        )
        transaction.on_commit(outbox.kick, robust=True)
    return locked
