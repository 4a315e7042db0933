"""Header counts: `{% unread_notifications as n %}` (the signed-in user's unread messages) and
`{% failed_deliveries as n %}` (outbound messages that finally failed, in the user's scope)."""

from __future__ import annotations

from typing import Any

from django import template

from shouwang.notify.services import failed_count, unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return unread_count(user)


@register.simple_tag(takes_context=True)
def failed_deliveries(context: dict[str, Any]) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return failed_count(user)
