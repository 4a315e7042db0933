"""API of the caller's own notifications (/api/v1/notifications/) and, for the office, the
outbound message deliveries with "retry now" (/api/v1/notifications/deliveries)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema

from shouwang.core.scoping import can, get_for
from shouwang.notify import services
from shouwang.notify.models import Delivery

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class InboxOut(Schema):
    unread: int
    results: list[NotificationOut]


class ReadIn(Schema):
    ids: list[int] | None = None


class ReadOut(Schema):
    marked: int


@router.get("/", response=InboxOut)
def inbox(request: HttpRequest, unread_only: bool = False, limit: int = 50) -> Any:
    """The caller's notifications, newest first, with the unread count."""
    qs = services.inbox_for(request.user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return {
        "unread": services.unread_count(request.user),
        "results": list(qs[: max(1, min(limit, 500))]),
    }


@router.post("/read", response=ReadOut)
def mark_read(request: HttpRequest, payload: ReadIn) -> Any:
    """Mark the caller's notifications read (all, or the given ids)."""
    return {"marked": services.mark_read(request.user, payload.ids)}


class DeliveryOut(Schema):
    id: int
    channel: str
    transport: str
    kind: str
    subject: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str
    created_at: dt.datetime
    sent_at: dt.datetime | None


class DeliveriesOut(Schema):
    failed: int
    results: list[DeliveryOut]


def _delivery(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.pk,
        "channel": d.channel.name if d.channel is not None else d.recipients,
        "transport": d.transport,
        "kind": d.kind,
        "subject": d.subject,
        "status": d.status,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at,
        "last_error": d.last_error,
        "created_at": d.created_at,
        "sent_at": d.sent_at,
    }


@router.get("/deliveries", response=DeliveriesOut)
def deliveries(request: HttpRequest, status: str = "failed", limit: int = 50) -> Any:
    """Outbound deliveries of the channels in the caller's scope (status: failed, pending,
    sent or all), newest first, with the count of failed ones."""
    if not can(request.user, Delivery, "view"):
        raise PermissionDenied
    qs = services.deliveries_for(request.user).order_by("-created_at", "-pk")
    if status != "all":
        qs = qs.filter(status=status)
    return {
        "failed": services.failed_count(request.user),
        "results": [_delivery(d) for d in qs[: max(1, min(limit, 500))]],
    }


@router.post("/deliveries/{delivery_id}/retry", response=DeliveryOut)
def retry(request: HttpRequest, delivery_id: int) -> Any:
    """Send a failed delivery again now (404 alike for missing and out-of-scope)."""
    delivery = get_for(Delivery, request.user, delivery_id, "change")
    return _delivery(services.retry_delivery(delivery, actor=request.user))
