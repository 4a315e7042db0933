"""Record types of assessment (generic list/detail/edit pages and CRUD API)."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from shouwang.assessment import services
from shouwang.assessment.forms import (
    AdjustmentForm,
    BreachForm,
    ConductRuleForm,
    CriterionForm,
    SchemeForm,
)
from shouwang.assessment.models import Adjustment, Breach, ConductRule, Criterion, Scheme
from shouwang.core.registry import DateRange, ListLink, RecordType, register

RUNS = ListLink(_("Assessment runs and rankings"), reverse_lazy("assessment-runs"))

register(
    RecordType(
        model=Scheme,
        form=SchemeForm,
        create=services.create_scheme,
        update=services.update_scheme,
        delete=services.delete_scheme,
        slug="assessment-schemes",
        columns=["name", "jurisdiction", "subject_kind", "period_kind", "total_points", "active"],
        filters=["jurisdiction", "subject_kind", "period_kind", "active"],
        search=["name", "note"],
        detail_fields=[
            "jurisdiction",
            "name",
            "subject_kind",
            "period_kind",
            "total_points",
            "veto_kinds",
            "active",
            "note",
        ],
        select_related=["jurisdiction"],
        section="reports",
        detail_extra="assessment/scheme_extra.html",
        list_links=[RUNS],
    )
)

register(
    RecordType(
        model=Criterion,
        form=CriterionForm,
        create=services.create_criterion,
        update=services.update_criterion,
        delete=services.delete_criterion,
        slug="assessment-criteria",
        columns=["scheme", "measure_label", "max_points", "threshold", "sort_order"],
        filters=["scheme", "measure"],
        search=["measure"],
        detail_fields=["scheme", "measure_label", "max_points", "threshold", "sort_order"],
        select_related=["scheme"],
        section="reports",
        extra_labels={"measure_label": _("measure")},
    )
)

register(
    RecordType(
        model=Adjustment,
        form=AdjustmentForm,
        create=services.create_adjustment,
        update=services.update_adjustment,
        delete=services.delete_adjustment,
        slug="assessment-adjustments",
        dated=DateRange("on_date"),
        columns=["on_date", "subject", "kind", "points", "reason", "status", "approved_by"],
        filters=["jurisdiction", "kind", "status", "member", "team", "village"],
        search=["reason"],
        detail_fields=[
            "member",
            "team",
            "village",
            "kind",
            "on_date",
            "points",
            "reason",
            "record_type",
            "record_id",
            "status",
            "entered_by",
            "approved_by",
            "approved_at",
        ],
        select_related=["member", "team", "village", "entered_by", "approved_by"],
        section="reports",
        extra_labels={"subject": _("member, team or village")},
        detail_extra="assessment/adjustment_extra.html",
    )
)

register(
    RecordType(
        model=ConductRule,
        form=ConductRuleForm,
        create=services.create_rule,
        update=services.update_rule,
        delete=services.delete_rule,
        slug="conduct-rules",
        columns=["code", "kind", "text", "default_points", "active"],
        filters=["kind", "active"],
        search=["code", "text"],
        section="reports",
    )
)

register(
    RecordType(
        model=Breach,
        form=BreachForm,
        create=services.create_breach,
        update=services.update_breach,
        delete=services.delete_breach,
        slug="conduct-breaches",
        dated=DateRange("on_date"),
        columns=["on_date", "member", "rule", "points", "description"],
        filters=["jurisdiction", "member", "rule"],
        search=["description"],
        detail_fields=["member", "on_date", "rule", "description", "points", "entered_by"],
        select_related=["member", "rule", "entered_by"],
        section="reports",
    )
)
