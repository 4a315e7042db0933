"""Template helpers of the assessment pages."""

from __future__ import annotations

from typing import Any

from django import template

from shouwang.assessment import services
from shouwang.assessment.models import Adjustment, AdjustmentStatus, Run, Scheme
from shouwang.core.scoping import can, in_scope

register = template.Library()


@register.simple_tag
def adjustment_record_url(adjustment: Adjustment) -> str:
    """The page of the record behind a reward or penalty ("" when none)."""
    return services.adjustment_record_url(adjustment)


@register.simple_tag(takes_context=True)
def may_approve(context: Any, adjustment: Adjustment) -> bool:
    """Whether the viewer may approve: awaiting approval, may change it, did not enter it."""
    user = context["request"].user
    return bool(
        adjustment.status == AdjustmentStatus.PENDING
        and adjustment.entered_by_id != user.pk
        and in_scope(adjustment, user, "change")
    )


@register.simple_tag(takes_context=True)
def scheme_runs(context: Any, scheme: Scheme) -> dict[str, Any]:
    """The scheme's runs the viewer sees and whether the viewer may compute one."""
    user = context["request"].user
    return {
        "runs": list(Run.objects.visible_to(user).filter(scheme=scheme)[:24]),
        "may_compute": can(user, Run, "add"),
        "criteria": list(scheme.criteria.order_by("sort_order", "pk")),
    }
