"""The inbox page: the signed-in user's own notifications; opening it marks them read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from shouwang.notify import services

#: Notifications shown on the inbox page.
INBOX_SIZE = 100


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    items = list(services.inbox_for(request.user)[:INBOX_SIZE])
    unread = services.unread_count(request.user)
    return render(request, "notify/inbox.html", {"items": items, "unread": unread})


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_read(request.user)
    return redirect("notify-inbox")
