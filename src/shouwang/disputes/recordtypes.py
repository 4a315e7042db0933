"""Record types of the dispute register (generic list/detail/edit pages and CRUD API)."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shouwang.core.registry import DateRange, RecordType, flag_filter, register
from shouwang.disputes import services
from shouwang.disputes.forms import (
    DisputeForm,
    DisputePartyForm,
    DisputePolicyForm,
    ScreeningForm,
)
from shouwang.disputes.models import Dispute, DisputeParty, DisputePolicy, Screening


def _overdue(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.overdue()  # type: ignore[attr-defined, no-any-return]


register(
    RecordType(
        model=Dispute,
        form=DisputeForm,
        create=services.create_dispute,
        update=services.update_dispute,
        delete=services.delete_dispute,
        slug="disputes",
        dated=DateRange("registered_on"),
        columns=[
            "title",
            "jurisdiction",
            "category",
            "risk_level",
            "status",
            "civil_to_criminal",
            "resolve_by",
            "is_overdue",
            "registered_on",
        ],
        filters=["jurisdiction", "category", "risk_level", "source", "status", "civil_to_criminal"],
        # `overdue=1`: deadline passed, still open (pages, API and exports alike).
        computed_filters={"overdue": flag_filter(_("overdue"), _overdue)},
        search=["title", "description"],
        detail_fields=[
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
            "registered_by",
            "civil_to_criminal",
            "civil_to_criminal_note",
            "longitude",
            "latitude",
            "responsible_unit",
            "responsible_person",
            "plan",
            "resolve_by",
            "is_overdue",
            "expected_result",
            "segment",
            "key_place",
            "key_point",
            "status",
            "outcome",
            "referral_target",
            "result_note",
            "resolved_on",
            "reopen_count",
        ],
        select_related=[
            "jurisdiction",
            "category",
            "screening__village",
            "registered_by",
            "responsible_unit",
            "responsible_person",
            "segment",
            "key_place",
        ],
        section="cases",
        extra_labels={"is_overdue": _("overdue")},
        detail_extra="disputes/dispute_extra.html",
    )
)

register(
    RecordType(
        model=Screening,
        form=ScreeningForm,
        create=services.create_screening,
        update=services.update_screening,
        delete=services.delete_screening,
        slug="dispute-screenings",
        dated=DateRange("screened_on"),
        columns=["village", "week", "screened_on", "disputes_found", "screened_by"],
        filters=["village", "week", "disputes_found"],
        search=["note", "village__name"],
        detail_fields=["village", "week", "screened_on", "screened_by", "disputes_found", "note"],
        select_related=["village", "screened_by"],
        section="cases",
    )
)

register(
    RecordType(
        model=DisputeParty,
        form=DisputePartyForm,
        create=services.create_party,
        update=services.update_party,
        delete=services.delete_party,
        slug="dispute-parties",
        columns=["name", "role", "dispute", "phone_masked"],
        filters=["dispute", "role"],
        search=["name"],
        detail_fields=["dispute", "name", "role", "phone_masked", "note"],
        select_related=["dispute"],
        section="cases",
    )
)

register(
    RecordType(
        model=DisputePolicy,
        form=DisputePolicyForm,
        create=services.create_policy,
        update=services.update_policy,
        delete=services.delete_policy,
        slug="dispute-policies",
        columns=[
            "jurisdiction",
            "resolve_days",
            "village_rounds",
            "township_rounds",
            "follow_up_days",
        ],
        filters=["jurisdiction"],
        search=["jurisdiction__name"],
        select_related=["jurisdiction"],
        section="setup",
    )
)
