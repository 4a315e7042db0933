"""Record types of governance (generic list/detail/edit pages and CRUD API)."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from shouwang.core.registry import ListLink, RecordType, register
from shouwang.governance import services
from shouwang.governance.forms import DecisionForm, JointMeetingForm, TrainingForm
from shouwang.governance.models import Decision, JointMeeting, Training

register(
    RecordType(
        model=Training,
        form=TrainingForm,
        create=services.create_training,
        update=services.update_training,
        delete=services.delete_training,
        slug="trainings",
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
        ],
        select_related=["jurisdiction"],
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
