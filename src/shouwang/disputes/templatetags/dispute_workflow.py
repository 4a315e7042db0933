"""`{% dispute_workflow obj request.user as wf %}`: what the file's workflow panel shows."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from shouwang.disputes import workflow
from shouwang.disputes.models import (
    AgreementForm,
    Dispute,
    FollowUpFinding,
    MediationOutcome,
    ReferralTarget,
)

register = template.Library()


@register.simple_tag
def dispute_workflow(dispute: Dispute, user: Any) -> dict[str, Any]:
    ladder = workflow.ladder_state(dispute)
    levels = dict(workflow.MediationLevel.choices)
    return {
        "actions": workflow.allowed_actions(user, dispute),
        "parties": list(dispute.parties.all()),
        "sessions": list(dispute.sessions.all()),
        "agreements": list(dispute.agreements.all()),
        "follow_ups": list(dispute.follow_ups.select_related("visitor")),
        "pending_follow_ups": list(dispute.follow_ups.filter(visited_on=None, cancelled=False)),
        "transitions": list(dispute.transitions.select_related("actor")),
        "checklist": workflow.case_file_items(dispute),
        "missing": workflow.missing_documents(dispute),
        "ladder": ladder,
        "level_choices": [(v, levels[v]) for v in ladder["levels"]],
        "ladder_rows": [
            (levels[k], ladder["used"][k], ladder["allowed"][k]) for k in ladder["used"]
        ],
        "outcomes": MediationOutcome.choices,
        "forms": AgreementForm.choices,
        "targets": ReferralTarget.choices,
        "findings": FollowUpFinding.choices,
        "today": timezone.localdate(),
        "is_overdue": dispute.is_overdue,
    }
