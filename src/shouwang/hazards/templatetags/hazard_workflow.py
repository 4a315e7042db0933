"""`{% hazard_workflow obj request.user as wf %}`: what the detail page's workflow panel shows."""

from __future__ import annotations

from typing import Any

from django import template

from shouwang.forces.models import Member, Organisation
from shouwang.hazards import workflow
from shouwang.hazards.models import ExtensionStatus, Hazard, HazardStatus

register = template.Library()


@register.simple_tag
def hazard_workflow(hazard: Hazard, user: Any) -> dict[str, Any]:
    actions = workflow.allowed_actions(user, hazard)
    policy = workflow.policy_for(hazard)
    return {
        "actions": actions,
        "transitions": list(hazard.transitions.select_related("actor")),
        "extensions": list(hazard.extensions.select_related("requested_by", "decided_by")),
        "pending": hazard.extensions.filter(status=ExtensionStatus.REQUESTED).first(),
        "units": list(Organisation.objects.visible_to(user))
        if {"assign", "reopen"} & actions
        else [],
        "members": list(Member.objects.visible_to(user).select_related("employer"))
        if "assign" in actions
        else [],
        "default_unit": policy.default_unit if policy else None,
        "default_deadline": workflow.deadline_for(hazard) if "assign" in actions else None,
        "is_overdue": hazard.is_overdue,
        # At 待验收, the reason a user who may not verify sees instead of the buttons.
        "verify_refusal": workflow.verification_refusal(user, hazard)
        if hazard.status == HazardStatus.AWAITING_VERIFICATION and "verify" not in actions
        else None,
    }
