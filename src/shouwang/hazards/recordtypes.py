"""Record types of the hazard register."""

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shouwang.core.registry import RecordType, register
from shouwang.hazards import services
from shouwang.hazards.forms import HazardCategoryPolicyForm, HazardForm
from shouwang.hazards.models import Hazard, HazardCategoryPolicy


class HazardRecordType(RecordType):
    """The hazard register also filters on `overdue=1` (deadline passed, not closed/rejected)
    for pages, API and exports alike."""

    def filter_queryset(self, qs: QuerySet[Any], params: Mapping[str, Any]) -> QuerySet[Any]:
        qs = super().filter_queryset(qs, params)
        if str(params.get("overdue") or "").lower() in ("1", "true", "yes", "on"):
            qs = qs.overdue()  # type: ignore[attr-defined]
        return qs


register(
    HazardRecordType(
        model=Hazard,
        form=HazardForm,
        create=services.create_hazard,
        update=services.update_hazard,
        delete=services.delete_hazard,
        slug="hazards",
        columns=[
            "category",
            "description",
            "jurisdiction",
            "severity",
            "source",
            "status",
            "deadline",
            "is_overdue",
            "found_at",
        ],
        filters=["category", "jurisdiction", "severity", "source", "status"],
        search=["description", "place"],
        detail_fields=[
            "category",
            "description",
            "jurisdiction",
            "place",
            "longitude",
            "latitude",
            "severity",
            "status",
            "responsible_unit",
            "responsible_person",
            "deadline",
            "is_overdue",
            "escalation_level",
            "reopen_count",
            "rejection_reason",
            "rectification_note",
            "about_person",
            "source",
            "found_by",
            "found_at",
            "received_at",
            "log",
            "checklist_result",
            "note",
        ],
        # Every detail field is serialised for list rows too: no query per row.
        select_related=[
            "category",
            "jurisdiction",
            "found_by",
            "log__team",
            "checklist_result",
            "responsible_unit",
            "responsible_person",
        ],
        section="field",
        extra_labels={"is_overdue": _("overdue")},
        detail_extra="hazards/hazard_extra.html",
    )
)

register(
    RecordType(
        model=HazardCategoryPolicy,
        form=HazardCategoryPolicyForm,
        create=services.create_category_policy,
        update=services.update_category_policy,
        delete=services.delete_category_policy,
        slug="hazard-category-policies",
        columns=[
            "jurisdiction",
            "category",
            "default_unit",
            "time_limit_working_days",
            "warn_days_before",
            "public",
        ],
        filters=["jurisdiction", "category", "public"],
        search=["category__label", "jurisdiction__name"],
        select_related=["jurisdiction", "category", "default_unit"],
        section="setup",
    )
)
