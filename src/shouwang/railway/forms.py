"""Forms of the railway records (also the API's validation layer for the record pages), and the
period form of the 九无 / 四杜绝 / 四下降 status page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import Jurisdiction
from shouwang.core.periods import month_bounds, previous_period
from shouwang.core.records import RecordForm
from shouwang.railway.models import HouseholdRepresentative, RailwayIncident, RepresentativeActivity


def _railway_segments_only(form: forms.BaseForm) -> None:
    field: Any = form.fields.get("segment")
    if field is not None:
        field.queryset = field.queryset.filter(line_kind="railway")


class RailwayIncidentForm(RecordForm):
    """An incident on or beside the line, where and when it happened, and how it was handled."""

    class Meta:
        model = RailwayIncident
        fields = [
            "jurisdiction",
            "segment",
            "chainage",
            "occurred_at",
            "kind",
            "deaths",
            "injuries",
            "description",
            "handling",
            "police_case_number",
            "reported_by",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _railway_segments_only(self)


class HouseholdRepresentativeForm(RecordForm):
    """A village's joint-household representative (爱路护路联户代表)."""

    class Meta:
        model = HouseholdRepresentative
        fields = [
            "jurisdiction",
            "name",
            "phone",
            "villager_group",
            "households",
            "segment",
            "appointed_on",
            "status",
            "note",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _railway_segments_only(self)


class RepresentativeActivityForm(RecordForm):
    """One line of a representative's work dynamics (工作开展动态)."""

    class Meta:
        model = RepresentativeActivity
        fields = ["representative", "done_on", "kind", "description"]


class StatusPeriodForm(forms.Form):
    """Place and period of the status page and the ledger download (GET).

    Defaults: the user's top jurisdiction, this month; the previous period defaults to the
    one just before (the previous month for a whole month).
    """

    jurisdiction = forms.ModelChoiceField(
        queryset=Jurisdiction.objects.none(), label=_("jurisdiction"), required=False
    )
    start = forms.DateField(label=_("from"), required=False)
    end = forms.DateField(label=_("to"), required=False)
    prev_start = forms.DateField(label=_("compared with: from"), required=False)
    prev_end = forms.DateField(label=_("compared with: to"), required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        places: Any = Jurisdiction.objects.visible_to(user).filter(
            level__in=["county", "township", "village"]
        )
        self.fields["jurisdiction"].queryset = places.order_by("path")  # type: ignore[attr-defined]
        self.user = user

    def clean(self) -> dict[str, Any]:

        cleaned = super().clean() or {}
        if cleaned.get("jurisdiction") is None and "jurisdiction" not in self.errors:
            top = Jurisdiction.objects.visible_to(self.user).order_by("path").first()
            if top is None:
                raise forms.ValidationError(_("You may not see any jurisdiction."))
            cleaned["jurisdiction"] = top
        default_start, default_end = month_bounds(timezone.localdate())
        start = cleaned.get("start") or default_start
        end = cleaned.get("end") or default_end
        cleaned["start"], cleaned["end"] = start, end
        if end < start:
            self.add_error("end", _("The end is before the start."))
            return cleaned
        prev_start, prev_end = cleaned.get("prev_start"), cleaned.get("prev_end")
        if prev_start is None or prev_end is None:
            prev_start, prev_end = previous_period(start, end)
        cleaned["prev_start"], cleaned["prev_end"] = prev_start, prev_end
        if prev_end < prev_start:
            self.add_error("prev_end", _("The end is before the start."))
        return cleaned
