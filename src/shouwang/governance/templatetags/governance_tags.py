"""Template helpers of the governance pages."""

from __future__ import annotations

from typing import Any

from django import template

from shouwang.core.scoping import can
from shouwang.forces.models import Member
from shouwang.governance import services
from shouwang.governance.models import DrillFinding, DrillReview, EmergencyPlan, Presence, Training

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


@register.simple_tag(takes_context=True)
def may_change(context: dict[str, Any], obj: Any) -> bool:
    """Whether the user may change this record (shows the step forms)."""
    user = context["request"].user
    return bool(type(obj).objects.visible_to(user, "change").filter(pk=obj.pk).exists())


@register.simple_tag(takes_context=True)
def plan_cycle(context: dict[str, Any], plan: EmergencyPlan) -> list[Any]:
    """The plan's drill–review–improve cycle as the user may see it (services.plan_cycle)."""
    return services.plan_cycle(plan, user=context["request"].user)


@register.simple_tag(takes_context=True)
def drill_reviews(context: dict[str, Any], training: Training) -> list[Any]:
    """The reviews of a drill with their findings, as the user may see them."""
    user = context["request"].user
    reviews = DrillReview.objects.visible_to(user).filter(drill=training).order_by("held_on", "pk")
    findings = list(
        DrillFinding.objects.visible_to(user)
        .filter(review__in=reviews)
        .select_related("addressed_by__plan")
        .order_by("pk")
    )
    return [(r, [f for f in findings if f.review_id == r.pk]) for r in reviews]
