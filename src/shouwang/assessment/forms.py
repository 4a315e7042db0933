"""Forms of the assessment records (also the API's validation layer for the record pages)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst

from shouwang.assessment.measures import measure_choices
from shouwang.assessment.models import (
    Adjustment,
    Breach,
    ConductRule,
    Criterion,
    Scheme,
    default_veto_kinds,
)
from shouwang.core.records import RecordForm
from shouwang.railway.models import IncidentKind


class SchemeForm(RecordForm):
    """A scheme: where, who is assessed, the period, the points in total, the veto kinds."""

    # Ticked from the railway incident kinds (stored as a list of their codes).
    veto_kinds = forms.MultipleChoiceField(
        choices=IncidentKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=default_veto_kinds,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_field = Scheme._meta.get_field("veto_kinds")
        self.fields["veto_kinds"].label = capfirst(model_field.verbose_name)
        self.fields["veto_kinds"].help_text = model_field.help_text

    class Meta:
        model = Scheme
        fields = [
            "jurisdiction",
            "name",
            "subject_kind",
            "period_kind",
            "total_points",
            "veto_kinds",
            "active",
            "note",
        ]


class CriterionForm(RecordForm):
    """One criteria line: a measure from the fixed registry, maximum points, threshold."""

    measure = forms.ChoiceField(choices=measure_choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measure"].label = Criterion._meta.get_field("measure").verbose_name

    class Meta:
        model = Criterion
        fields = ["scheme", "measure", "max_points", "threshold", "sort_order"]


class AdjustmentForm(RecordForm):
    """A reward or penalty for one member, team or village (approved separately)."""

    class Meta:
        model = Adjustment
        fields = [
            "member",
            "team",
            "village",
            "kind",
            "on_date",
            "points",
            "reason",
            "record_type",
            "record_id",
        ]


class ConductRuleForm(RecordForm):
    """A conduct rule of the 五要十不准 list."""

    class Meta:
        model = ConductRule
        fields = ["code", "kind", "text", "default_points", "active", "sort_order"]


class BreachForm(RecordForm):
    """A member's breach of a conduct rule."""

    class Meta:
        model = Breach
        fields = ["member", "on_date", "rule", "description", "points"]
