"""Template helpers of the special-operation page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from shouwang.core.scoping import can
from shouwang.specialops import services
from shouwang.specialops.models import (
    DailyFigure,
    OperationPost,
    OperationRule,
    OperationStatus,
    SpecialOperation,
    figure_labels,
)

register = template.Library()


@register.simple_tag(takes_context=True)
def operation_panel(context: dict[str, Any], op: SpecialOperation) -> dict[str, Any]:
    """What the operation page shows below its fields: steps, extra posts, the duty rules it
    added, the rosters to plan again, the figure form, the summary."""
    user = context["request"].user
    result = services.summary(op, user=user)
    labels = figure_labels()
    return {
        "may_change": services.may_change(user, op),
        "may_report": can(user, DailyFigure, "add") and op.status != OperationStatus.CANCELLED,
        "may_add_post": can(user, OperationPost, "add"),
        "extra_posts": list(
            OperationPost.objects.visible_to(user).filter(operation=op).select_related("post")
        ),
        "rules": [
            link.rule
            for link in OperationRule.objects.filter(operation=op)
            .select_related("rule__post")
            .order_by("rule__post__name", "rule__start_time")
        ],
        "rosters": services.overlapping_rosters(op, user),
        "townships": list(op.townships.order_by("path")),
        "today": timezone.localdate(),
        "labels": labels,
        "totals": [(label, result.totals[name]) for name, label in labels],
        "days": [
            (row.date, row.townships, [row.values[name] for name, _label in labels])
            for row in result.days
        ],
        "missing": result.missing,
        "extra_rounds": op.extra_rounds,
    }
