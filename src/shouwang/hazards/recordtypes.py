"""Record types of the hazard register."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shouwang.core.registry import DateRange, RecordType, flag_filter, register
from shouwang.hazards import services
from shouwang.hazards.forms import HazardCategoryPolicyForm, HazardForm
from shouwang.hazards.models import Hazard, HazardCategoryPolicy


def _overdue(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.overdue()  # type: ignore[attr-defined, no-any-return]


register(
    RecordType(
        model=Hazard,
        form=HazardForm,
        create=services.create_hazard,
        update=services.update_hazard,
        delete=services.delete_hazard,
        slug="hazards",
        dated=DateRange("found_at"),
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
        # `overdue=1`: deadline passed, not closed or rejected (pages, API and exports alike).
        computed_filters={"overdue": flag_filter(_("overdue"), _overdue)},
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
