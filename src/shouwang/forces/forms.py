"""Forms of the forces records (also the API's validation layer)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shouwang.core import crypto, validators
from shouwang.core.records import RecordForm
from shouwang.forces.models import (
    AbsenceStatus,
    Member,
    MemberAbsence,
    MemberPostCap,
    Organisation,
    PlanningPolicy,
    Team,
)


class OrganisationForm(RecordForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "kind",
            "jurisdiction",
            "address",
            "longitude",
            "latitude",
            "contact_person",
            "contact_phone",
            "uscc",
        ]


class TeamForm(RecordForm):
    class Meta:
        model = Team
        fields = ["name", "kind", "jurisdiction", "leader", "composition_rule", "note"]


#: The member's own planning limits (empty = the team's default, else no limit).
MEMBER_LIMIT_FIELDS = [
    "max_duties_per_week",
    "max_duties_per_month",
    "min_duty_hours_per_month",
    "max_duty_hours_per_month",
    "max_consecutive_duty_days",
    "min_consecutive_duty_days",
    "min_consecutive_days_off",
    "max_weekends_per_month",
]


class MemberForm(RecordForm):
    # Write-only: the number is validated, encrypted and only ever shown masked.
    citizen_id_number = forms.CharField(
        label=_("citizen ID number"),
        required=False,
        max_length=18,
        help_text=_("18 characters; stored encrypted and shown masked. Leave empty to keep."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = Member
        fields = [
            "name",
            "phone",
            "gender",
            "roles",
            "jurisdiction",
            "home_village",
            "employer",
            "teams",
            "employment_type",
            "status",
            "admission_date",
            *MEMBER_LIMIT_FIELDS,
        ]

    def clean_citizen_id_number(self) -> str:
        raw = self.cleaned_data.get("citizen_id_number") or ""
        if not raw:
            return ""
        value = validators.normalize_citizen_id(raw)
        validators.validate_citizen_id(value)
        # The unique constraint is on the digest, which is no form field: check here so the
        # error names this field instead of "__all__".
        clash = Member.objects.filter(citizen_id_digest=crypto.blind_index(value))
        if clash.exclude(pk=self.instance.pk).exists():
            raise ValidationError(
                _("A member with this identity number already exists."), code="unique"
            )
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        jurisdiction = cleaned.get("jurisdiction")
        for team in cleaned.get("teams") or []:
            if jurisdiction is not None and not (
                team.jurisdiction.path.startswith(jurisdiction.path)
                or jurisdiction.path.startswith(team.jurisdiction.path)
            ):
                self.add_error(
                    "teams",
                    ValidationError(
                        _("Team %(team)s belongs to another jurisdiction."),
                        params={"team": team},
                        code="team_jurisdiction",
                    ),
                )
        return cleaned


class MemberAbsenceForm(RecordForm):
    """Leave or unavailable dates entered by the office or the team leader."""

    # Entered by the office or the leader: approved unless they say otherwise.
    status = forms.TypedChoiceField(
        label=_("status"),
        choices=AbsenceStatus.choices,
        required=False,
        empty_value=AbsenceStatus.APPROVED,
        initial=AbsenceStatus.APPROVED,
        help_text=_("Only approved absences keep the member off the roster."),
    )

    class Meta:
        model = MemberAbsence
        fields = ["member", "kind", "start_date", "end_date", "reason", "status"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # After entry the status moves only through decide_absence (a rejection needs a
            # reason, the member is told).
            del self.fields["status"]


class AbsenceRequestForm(forms.ModelForm):
    """A member asking for leave with their own login: the member and status are fixed."""

    class Meta:
        model = MemberAbsence
        fields = ["kind", "start_date", "end_date", "reason"]


class MemberPostCapForm(RecordForm):
    class Meta:
        model = MemberPostCap
        fields = ["member", "post", "max_per_month", "note"]


class PlanningPolicyForm(RecordForm):
    class Meta:
        model = PlanningPolicy
        fields = [
            "team",
            "full_time_max_per_week",
            "full_time_max_per_month",
            "part_time_max_per_week",
            "part_time_max_per_month",
            "volunteer_max_per_week",
            "volunteer_max_per_month",
            "min_rest_hours",
            "forbid_night_then_early",
            "max_consecutive_duty_days",
            "min_consecutive_duty_days",
            "min_consecutive_days_off",
            "max_weekends_per_month",
            *[f.name for f in PlanningPolicy._meta.fields if f.name.startswith("weight_")],
            "note",
        ]
