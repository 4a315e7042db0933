"""API of the caller's own notifications (/api/v1/notifications/)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from shouwang.notify import services

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
