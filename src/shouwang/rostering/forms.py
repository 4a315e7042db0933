"""Forms of duty rules and rosters (also the API's validation layer)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from shouwang.core.form_fields import CodeCountsField, weekday_field
from shouwang.core.records import RecordForm
from shouwang.forces.models import Team
from shouwang.rostering.models import DutyRule, HolidayArrangement, Roster


class DutyRuleForm(RecordForm):
    # Picked, not typed: weekdays as checkboxes, a number per member role.
    weekdays = weekday_field()
    role_minimums = CodeCountsField("member_role")

    class Meta:
        model = DutyRule
        fields = [
            "post",
            "jurisdiction",
            "recurrence",
            "weekdays",
            "market_pattern",
            "market_calendar",
            "month_day",
            "times_per_week",
            "rrule",
            "school_event",
            "min_warning_level",
            "start_time",
            "duration_minutes",
            "lead_minutes",
            "head_count",
            "role_minimums",
            "priority",
            "active",
            "valid_from",
            "valid_until",
            "note",
        ]

    # Fields with a sensible default may be left out (API) or empty (page).
    DEFAULTS: dict[str, Any] = {"market_calendar": "lunar", "head_count": 1, "priority": 0}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.DEFAULTS:
            self.fields[name].required = False
        for name in ("weekdays", "role_minimums"):
            model_field: Any = DutyRule._meta.get_field(name)
            self.fields[name].label = capfirst(model_field.verbose_name)
        self.fields["weekdays"].help_text = _("For weekday rules: the days of the week.")
        self.fields["role_minimums"].help_text = _(
            "At least this many members holding each role (empty: no minimum)."
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, default in self.DEFAULTS.items():
            if name in cleaned and cleaned[name] in (None, ""):
                cleaned[name] = default
        return cleaned


class HolidayArrangementForm(RecordForm):
    """One day of a year's holiday arrangement, entered by an office."""

    class Meta:
        model = HolidayArrangement
        fields = ["jurisdiction", "date", "kind", "name", "note"]


class RosterForm(RecordForm):
    """Creates an empty roster; duties come from `generate_draft_roster`, status from
    `transition_roster`, never from this form."""

    class Meta:
        model = Roster
        fields = ["team", "month", "note"]


class GenerateRosterForm(forms.Form):
    """The "plan a draft" form on the roster pages."""

    team = forms.ModelChoiceField(queryset=Team.objects.none(), label=_("team"))
    month = forms.DateField(
        label=_("month"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        help_text=_("e.g. 2026-12"),
    )

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["team"]
        field.queryset = Team.objects.visible_to(actor, "view")

    def clean_month(self) -> Any:
        value = self.cleaned_data["month"]
        return value.replace(day=1)


class TransitionForm(forms.Form):
    to = forms.CharField(max_length=16)
    reason = forms.CharField(max_length=500, required=False, label=_("reason"))
