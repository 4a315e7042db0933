"""Forms of the governance records (also the API's validation layer for the record pages)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from shouwang.core.records import RecordForm
from shouwang.governance.models import (
    Decision,
    DrillFinding,
    DrillReview,
    EmergencyPlan,
    FindingStatus,
    JointMeeting,
    PlanVersion,
    PlanVersionStatus,
    ResponsibilityPledge,
    Training,
)


class TrainingForm(RecordForm):
    """A training or drill as planned (the status moves only through the workflow)."""

    class Meta:
        model = Training
        fields = [
            "jurisdiction",
            "kind",
            "topic",
            "topic_other",
            "starts_at",
            "place",
            "organiser",
            "materials",
            "note",
            "plan_version",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["plan_version"]
        field.queryset = field.queryset.exclude(status=PlanVersionStatus.DRAFT).select_related(
            "plan"
        )


class JointMeetingForm(RecordForm):
    """A joint meeting: date, units present, situation analysis, next month's roster."""

    class Meta:
        model = JointMeeting
        fields = ["jurisdiction", "held_on", "units", "situation", "next_roster", "note"]


class DecisionForm(RecordForm):
    """A decision of a joint meeting (it is marked done through `complete_decision`)."""

    class Meta:
        model = Decision
        fields = ["meeting", "text", "owner_unit", "owner_person", "deadline"]


class PledgeForm(RecordForm):
    """A responsibility pledge as drafted (signing, fulfilment and breach are steps)."""

    class Meta:
        model = ResponsibilityPledge
        fields = ["jurisdiction", "year", "village", "unit", "targets", "signatories"]


class EmergencyPlanForm(RecordForm):
    """An emergency plan: township, name, scenario (its text lives in the versions)."""

    class Meta:
        model = EmergencyPlan
        fields = ["jurisdiction", "name", "scenario", "note"]


class PlanVersionForm(RecordForm):
    """A draft version of a plan; `addresses` are open findings of drills run against the
    plan (adopting the version marks them addressed)."""

    class Meta:
        model = PlanVersion
        fields = ["plan", "content", "effective_from", "change_summary", "approved_by", "addresses"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["addresses"]
        field.queryset = field.queryset.select_related("review__drill")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        plan = data.get("plan")
        findings = list(data.get("addresses") or [])
        if plan is not None and findings:
            own = set(
                DrillFinding.objects.filter(
                    pk__in=[f.pk for f in findings], review__drill__plan_version__plan=plan
                ).values_list("pk", flat=True)
            )
            if any(f.pk not in own for f in findings):
                self.add_error(
                    "addresses",
                    _("Choose findings of drills run against this plan."),
                )
            elif any(f.status != FindingStatus.OPEN for f in findings):
                self.add_error("addresses", _("Choose findings that are still open."))
        return data


class DrillReviewForm(RecordForm):
    """The review meeting of a held drill."""

    class Meta:
        model = DrillReview
        fields = ["drill", "held_on", "participants", "summary"]


class DrillFindingForm(RecordForm):
    """A finding of a drill review (it becomes addressed through a plan revision)."""

    class Meta:
        model = DrillFinding
        fields = ["review", "text", "owner_unit", "owner_person", "deadline"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["review"]
        field.queryset = field.queryset.select_related("drill")
