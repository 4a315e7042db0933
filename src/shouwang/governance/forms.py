"""Forms of the governance records (also the API's validation layer for the record pages)."""

from __future__ import annotations

from shouwang.core.records import RecordForm
from shouwang.governance.models import Decision, JointMeeting, Training


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
        ]


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
