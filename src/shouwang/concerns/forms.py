"""Forms of the people-of-concern register (validation shared by pages and API)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.concerns.models import PersonOfConcern, VisitPolicy
from shouwang.core import validators
from shouwang.core.records import RecordForm

PERSON_FIELDS = [
    "name",
    "gender",
    "birth_date",
    "jurisdiction",
    "address",
    "category",
    "category_note",
    "helpers",
    "guardian",
    "risk_notes",
    "registered_on",
]


class PersonForm(RecordForm):
    """Edit a person's details. The attention level changes only through an approved request,
    the register status only through taking off; identity and phone numbers are written
    encrypted (left empty: unchanged)."""

    citizen_id_number = forms.CharField(
        label=_("citizen ID number"),
        required=False,
        max_length=30,
        help_text=_("Stored encrypted and shown masked. Leave empty to keep the stored number."),
    )
    phone_number = forms.CharField(
        label=_("phone"),
        required=False,
        max_length=30,
        help_text=_("Stored encrypted and shown masked. Leave empty to keep the stored number."),
    )

    class Meta:
        model = PersonOfConcern
        fields = PERSON_FIELDS
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}),
            "registered_on": forms.DateInput(attrs={"type": "date"}),
            "risk_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["registered_on"].required = False

    def clean_registered_on(self) -> Any:
        return self.cleaned_data.get("registered_on") or timezone.localdate()

    def clean_citizen_id_number(self) -> str:
        value = validators.normalize_citizen_id(self.cleaned_data.get("citizen_id_number") or "")
        if value:
            validators.validate_citizen_id(value)
        return value

    def clean_phone_number(self) -> str:
        value = (self.cleaned_data.get("phone_number") or "").strip()
        if value:
            validators.validate_phone(value)
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        number = cleaned.get("citizen_id_number")
        if number:
            from shouwang.core import crypto

            clash = PersonOfConcern.objects.filter(citizen_id_digest=crypto.blind_index(number))
            if self.instance.pk is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error(
                    "citizen_id_number",
                    ValidationError(
                        _("A person of concern with this identity number is already registered.")
                    ),
                )
        return cleaned


class PersonCreateForm(PersonForm):
    """Register a person: the first attention level is chosen here."""

    class Meta(PersonForm.Meta):
        fields = [*PERSON_FIELDS[:6], "attention_level", *PERSON_FIELDS[6:]]


class VisitPolicyForm(RecordForm):
    class Meta:
        model = VisitPolicy
        fields = ["jurisdiction", "red_days", "yellow_days", "blue_days"]
