"""Record types of governance (generic list/detail/edit pages and CRUD API)."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from shouwang.core.registry import DateRange, ListLink, RecordType, register
from shouwang.governance import services
from shouwang.governance.forms import (
    DecisionForm,
    DrillFindingForm,
    DrillReviewForm,
    EmergencyPlanForm,
    JointMeetingForm,
    PlanVersionForm,
    PledgeForm,
    TrainingForm,
)
from shouwang.governance.models import (
    Decision,
    DrillFinding,
    DrillReview,
    EmergencyPlan,
    JointMeeting,
    PlanVersion,
    ResponsibilityPledge,
    Training,
)

register(
    RecordType(
        model=Training,
        form=TrainingForm,
        create=services.create_training,
        update=services.update_training,
        delete=services.delete_training,
        slug="trainings",
        dated=DateRange("starts_at"),
        columns=["starts_at", "jurisdiction", "kind", "topic", "place", "organiser", "status"],
        filters=["jurisdiction", "kind", "topic", "status"],
        search=["place", "organiser", "topic_other", "note"],
        detail_fields=[
            "jurisdiction",
            "kind",
            "topic",
            "topic_other",
            "starts_at",
            "place",
            "organiser",
            "materials",
            "note",
            "status",
            "cancel_reason",
            "plan_version",
        ],
        select_related=["jurisdiction", "plan_version__plan"],
        section="governance",
        detail_extra="governance/training_extra.html",
        list_links=[ListLink(_("Training and drill gaps"), reverse_lazy("governance-gaps"))],
    )
)

register(
    RecordType(
        model=JointMeeting,
        form=JointMeetingForm,
        create=services.create_meeting,
        update=services.update_meeting,
        delete=services.delete_meeting,
        slug="joint-meetings",
        dated=DateRange("held_on"),
        columns=["held_on", "jurisdiction", "next_roster"],
        filters=["jurisdiction", "held_on"],
        search=["situation", "note"],
        detail_fields=["jurisdiction", "held_on", "units", "situation", "next_roster", "note"],
        select_related=["jurisdiction", "next_roster__team"],
        prefetch=["units"],
        section="governance",
        detail_extra="governance/meeting_extra.html",
    )
)

register(
    RecordType(
        model=Decision,
        form=DecisionForm,
        create=services.create_decision,
        update=services.update_decision,
        delete=services.delete_decision,
        slug="meeting-decisions",
        dated=DateRange("deadline"),
        columns=["text", "meeting", "owner_unit", "owner_person", "deadline", "status", "done_on"],
        filters=["meeting", "status", "owner_unit"],
        search=["text"],
        detail_fields=[
            "meeting",
            "text",
            "owner_unit",
            "owner_person",
            "deadline",
            "status",
            "done_on",
        ],
        select_related=["meeting__jurisdiction", "owner_unit", "owner_person"],
        section="governance",
    )
)

register(
    RecordType(
        model=ResponsibilityPledge,
        form=PledgeForm,
        create=services.create_pledge,
        update=services.update_pledge,
        delete=services.delete_pledge,
        slug="responsibility-pledges",
        columns=["year", "jurisdiction", "village", "unit", "status", "signed_on"],
        filters=["jurisdiction", "year", "status"],
        search=["targets", "signatories", "village__name", "unit__name"],
        detail_fields=[
            "jurisdiction",
            "year",
            "village",
            "unit",
            "targets",
            "signatories",
            "status",
            "signed_on",
            "assessed_on",
            "breach_reason",
        ],
        select_related=["jurisdiction", "village", "unit"],
        section="governance",
        detail_extra="governance/pledge_extra.html",
        list_links=[
            ListLink(_("Without a signed pledge"), reverse_lazy("governance-pledges-missing"))
        ],
    )
)

register(
    RecordType(
        model=EmergencyPlan,
        form=EmergencyPlanForm,
        create=services.create_plan,
        update=services.update_plan,
        delete=services.delete_plan,
        slug="emergency-plans",
        columns=["name", "jurisdiction", "scenario"],
        filters=["jurisdiction", "scenario"],
        search=["name", "note"],
        detail_fields=["jurisdiction", "name", "scenario", "note"],
        select_related=["jurisdiction"],
        section="governance",
        detail_extra="governance/plan_extra.html",
    )
)

register(
    RecordType(
        model=PlanVersion,
        form=PlanVersionForm,
        create=services.create_plan_version,
        update=services.update_plan_version,
        delete=services.delete_plan_version,
        slug="plan-versions",
        columns=["plan", "number", "status", "effective_from", "approved_by"],
        filters=["plan", "status"],
        search=["content", "change_summary", "approved_by"],
        detail_fields=[
            "plan",
            "number",
            "status",
            "effective_from",
            "superseded_on",
            "approved_by",
            "change_summary",
            "content",
            "addresses",
        ],
        select_related=["plan__jurisdiction"],
        prefetch=["addresses"],
        section="governance",
        detail_extra="governance/version_extra.html",
    )
)

register(
    RecordType(
        model=DrillReview,
        form=DrillReviewForm,
        create=services.create_review,
        update=services.update_review,
        delete=services.delete_review,
        slug="drill-reviews",
        dated=DateRange("held_on"),
        columns=["held_on", "drill", "participants"],
        filters=["drill", "held_on"],
        search=["participants", "summary"],
        detail_fields=["drill", "held_on", "participants", "summary"],
        select_related=["drill__jurisdiction"],
        section="governance",
        detail_extra="governance/review_extra.html",
    )
)

register(
    RecordType(
        model=DrillFinding,
        form=DrillFindingForm,
        create=services.create_finding,
        update=services.update_finding,
        delete=services.delete_finding,
        slug="drill-findings",
        dated=DateRange("deadline"),
        columns=["text", "review", "owner_unit", "owner_person", "deadline", "status"],
        filters=["review", "status", "owner_unit"],
        search=["text"],
        detail_fields=[
            "review",
            "text",
            "owner_unit",
            "owner_person",
            "deadline",
            "status",
            "addressed_by",
            "addressed_on",
        ],
        select_related=[
            "review__drill__jurisdiction",
            "owner_unit",
            "owner_person",
            "addressed_by__plan",
        ],
        section="governance",
    )
)
