"""Pages: the user's own inbox, and the office's list of outbound message deliveries.

Thin views: reads start from scope (`visible_to` / `get_for`); the one write on the
deliveries page is `services.retry_delivery`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.notify import services
from shouwang.notify.models import Delivery, DeliveryStatus

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


def _status_options() -> list[tuple[str, str]]:
    return [
        ("failed", _("Failed")),
        ("pending", _("Pending")),
        ("sent", _("Sent")),
        ("all", _("All")),
    ]


@login_required
@require_GET
def deliveries(request: HttpRequest) -> HttpResponse:
    """Outbound messages of the channels in the user's scope; failed ones first by default."""
    if not can(request.user, Delivery, "view"):
        raise PermissionDenied
    status = request.GET.get("status", "failed")
    if status not in {value for value, _label in _status_options()}:
        status = "failed"
    qs = services.deliveries_for(request.user)
    if status != "all":
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-created_at", "-pk"), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "status": status,
        "status_options": _status_options(),
        "failed": services.failed_count(request.user),
        "pending": services.deliveries_for(request.user)
        .filter(status=DeliveryStatus.PENDING)
        .count(),
        "may_retry": can(request.user, Delivery, "change"),
        "querystring": urlencode({"status": status}),
    }
    return render(request, "notify/deliveries.html", context)


@login_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Retry now" for one failed delivery (404 alike for missing and out-of-scope)."""
    delivery = get_for(Delivery, request.user, pk, "change")
    try:
        services.retry_delivery(delivery, actor=request.user)
    except RecordInvalid as exc:
        for problems in exc.errors.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.success(request, _("The message will be sent again now."))
    return redirect(reverse("notify-deliveries") + "?status=failed")
