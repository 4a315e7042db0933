"""Telling users about changes that concern them: the inbox, and an optional group robot.

`notify` writes one inbox row per recipient inside the caller's transaction; the optional
outbound copy (a WeCom / DingTalk group-robot webhook, setting ``SHOUWANG_WEBHOOK_URL``) is
sent after the commit, in a background thread, and a failure there is logged, never raised:
a message that cannot be delivered must not undo the business action that caused it.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.request
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from shouwang.notify.models import Notification

_log = logging.getLogger(__name__)

#: Seconds to wait for the group robot before giving up.
WEBHOOK_TIMEOUT_S = 5.0


def notify(
    recipients: Iterable[Any],
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    outbound: bool = True,
) -> list[Notification]:
    """Put one message in each recipient's inbox (users; None and duplicates are skipped).

    Call it inside the business action's transaction: the rows commit or roll back with it.
    With ``outbound`` the group robot (if configured) gets a copy after the commit; an action
    that tells many members one by one passes False and calls `broadcast` once instead.
    """
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user is None or user.pk is None or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user, kind=kind[:40], title=title[:200], body=body, link=link[:300]
            )
        )
    created = Notification.objects.bulk_create(rows)
    if created and outbound:
        broadcast(f"{title}\n{body}".strip())
    return created


def broadcast(text: str) -> None:
    """Send `text` to the group robot after the current transaction commits (if configured)."""
    if webhook_url():
        transaction.on_commit(lambda: send_webhook_in_background(text))


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


# -- outbound group robot ---------------------------------------------------------------------


def webhook_url() -> str:
    return str(getattr(settings, "SHOUWANG_WEBHOOK_URL", "") or "")


def send_webhook(text: str, url: str | None = None) -> bool:
    """POST a text message to a WeCom / DingTalk group robot; True if it answered 2xx.

    Both robots accept ``{"msgtype": "text", "text": {"content": ...}}``. Never raises.
    """
    target = url if url is not None else webhook_url()
    if not target.startswith(("https://", "http://")):
        return False
    payload = json.dumps({"msgtype": "text", "text": {"content": text}}).encode()
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        target, data=payload, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as response:  # noqa: S310
            return 200 <= int(response.status) < 300
    except Exception:  # a robot that is down must not break anything
        _log.warning("group-robot webhook failed", exc_info=True)
        return False


def send_webhook_in_background(text: str) -> threading.Thread:
    """Send the message in a daemon thread (the request does not wait for the robot)."""
    thread = threading.Thread(target=send_webhook, args=(text,), daemon=True)
    thread.start()
    return thread
