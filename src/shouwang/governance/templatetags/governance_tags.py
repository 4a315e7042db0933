"""Template helpers of the governance pages."""

from __future__ import annotations

from typing import Any

from django import template

from shouwang.core.scoping import can
from shouwang.forces.models import Member
from shouwang.governance.models import Presence, Training

register = template.Library()


@register.simple_tag(takes_context=True)
def attendance_rows(context: dict[str, Any], training: Training) -> dict[str, Any]:
    """The township's members the user may see, each with the presence recorded so far, for
    the attendance form (members not yet recorded show no choice)."""
    user = context["request"].user
    recorded = dict(training.attendance.values_list("member_id", "presence"))
    members = Member.objects.visible_to(user, "view").filter(
        jurisdiction__path__startswith=training.jurisdiction.path
    )
    return {
        "may_change": can(user, Training, "change"),
        "choices": Presence.choices,
        "rows": [(member, recorded.get(member.pk, "")) for member in members.order_by("name")],
    }
