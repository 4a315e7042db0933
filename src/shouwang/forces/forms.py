"""Forms of the forces records (also the API's validation layer)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shouwang.core import crypto, validators
from shouwang.core.records import RecordForm
from shouwang.forces.models import Member, Organisation, Team


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
