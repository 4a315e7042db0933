"""Forms of the dispute records (also the API's validation layer for the record pages)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shouwang.core import validators
from shouwang.core.records import RecordForm
from shouwang.disputes.models import Dispute, DisputeParty, DisputePolicy, Screening


class ScreeningForm(RecordForm):
    """A village's weekly screening; whoever saves it is recorded as the screener."""

    class Meta:
        model = Screening
        fields = ["village", "week", "screened_on", "disputes_found", "note"]


class DisputeForm(RecordForm):
    """A dispute file: what, who, where from, the 五定 plan and 两包."""

    class Meta:
        model = Dispute
        fields = [
            "jurisdiction",
            "title",
            "category",
            "description",
            "people_involved",
            "risk_level",
            "source",
            "screening",
            "source_record",
            "registered_on",
            "civil_to_criminal",
            "civil_to_criminal_note",
            "longitude",
            "latitude",
            "responsible_unit",
            "responsible_person",
            "plan",
            "resolve_by",
            "expected_result",
            "segment",
            "key_place",
            "key_point",
        ]


class DisputePartyForm(RecordForm):
    # Write-only: the number is encrypted at rest and only ever shown masked.
    phone_number = forms.CharField(
        label=_("phone"),
        required=False,
        max_length=30,
        help_text=_("Stored encrypted and shown masked. Leave empty to keep."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    clear_phone = forms.BooleanField(label=_("remove the phone number"), required=False)

    class Meta:
        model = DisputeParty
        fields = ["dispute", "name", "role", "note"]

    def clean_phone_number(self) -> str:
        raw = (self.cleaned_data.get("phone_number") or "").strip()
        if raw:
            try:
                validators.validate_phone(raw)
            except ValidationError as exc:
                raise ValidationError(exc.messages) from None
        return raw


def apply_party_phone(instance: DisputeParty, form: Any) -> None:
    """`before_save` hook: encrypt a newly entered number (empty keeps the stored one)."""
    raw = form.cleaned_data.get("phone_number") or ""
    if raw:
        instance.set_phone(raw)
    elif form.cleaned_data.get("clear_phone"):
        instance.set_phone("")


class DisputePolicyForm(RecordForm):
    class Meta:
        model = DisputePolicy
        fields = [
            "jurisdiction",
            "resolve_days",
            "village_rounds",
            "township_rounds",
            "follow_up_days",
            "note",
        ]
