"""The hazard register (隐患排查整改台账) as a ledger kind: import from paper-era Excel ledgers and
export in the same layout (see docs/ledger-import.md).

Historic rows are imported in the state the ledger records: a row that says 已销号 with a
closing date becomes a closed hazard, not a fresh report. `import_hazard` is that service
path: the hazard's own fields are validated by the register's form (as when the office
registers a hazard by hand), the workflow fields are written as the ledger says, one
`HazardTransition` from nothing to the final state records the import (reason: "imported from
…"), and one audit event `hazards.hazard.imported` is written. Nobody is notified: the rows
are history, not news; open imported hazards enter the deadline sweep like any other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.audit import ACTIONS
from shouwang.core.scoping import can
from shouwang.hazards import workflow
from shouwang.hazards.forms import HazardForm
from shouwang.hazards.models import (
    Hazard,
    HazardCategoryPolicy,
    HazardSeverity,
    HazardSource,
    HazardStatus,
    HazardTransition,
)
from shouwang.imports import historic, kinds
from shouwang.imports.kinds import LedgerField, LedgerKind, ParseContext

HAZARD_IMPORTED = "hazards.hazard.imported"
ACTIONS.setdefault(HAZARD_IMPORTED, gettext_lazy("Hazard imported from a ledger"))

S = HazardStatus

#: The words paper ledgers use for each severity (the first is what our export writes).
SEVERITY_WORDS: dict[str, tuple[str, ...]] = {
    HazardSeverity.GENERAL: ("一般", "一般隐患", "较小", "轻微"),
    HazardSeverity.MAJOR: ("重大", "重大隐患", "较大", "严重"),
}

#: The words paper ledgers use for each state. 已整改 in a paper ledger means done and closed.
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    S.REPORTED: ("待处理", "未整改", "已上报", "待交办", "未处理", "新发现"),
    S.ASSIGNED: ("已交办", "已指派", "已分派", "已移交", "待整改"),
    S.RECTIFYING: ("整改中", "正在整改", "未完成", "限期整改"),
    S.AWAITING_VERIFICATION: ("待验收", "待核查", "待销号", "待复查"),
    S.CLOSED: ("已销号", "销号", "已整改", "已完成", "已关闭", "整改完毕", "完成"),
    S.REJECTED: ("已驳回", "驳回", "不予受理", "不属实"),
}

#: States in which a hazard has been assigned to a responsible unit.
ASSIGNED_STATES = (S.ASSIGNED, S.RECTIFYING, S.AWAITING_VERIFICATION)


def _fields() -> tuple[LedgerField, ...]:
    moment_cell = kinds.moment_cell
    return (
        LedgerField(
            "found_at",
            gettext_lazy("found at"),
            ("发现时间", "发现日期", "排查时间", "排查日期", "登记时间", "登记日期", "日期"),
            kinds.moment,
            required=True,
            to_cell=moment_cell,
            width=16,
        ),
        LedgerField(
            "jurisdiction",
            gettext_lazy("jurisdiction"),
            (
                "所属村（社区）",
                "村（社区）",
                "村社区",
                "村（居）",
                "所属村",
                "所属社区",
                "所属辖区",
                "辖区",
                "属地",
                "所属网格",
                "网格",
            ),
            kinds.jurisdiction,
            to_cell=kinds.name_cell,
        ),
        LedgerField(
            "place",
            gettext_lazy("place"),
            ("隐患地点", "地点", "隐患位置", "具体位置", "位置", "发现地点", "详细地址", "地址"),
            kinds.text(200),
            width=20,
        ),
        LedgerField(
            "category",
            gettext_lazy("category"),
            ("隐患类别", "类别", "隐患类型", "类型", "隐患分类"),
            kinds.code_item("hazard_category", suffixes=("隐患",)),
            required=True,
            to_cell=kinds.code_item_cell,
        ),
        LedgerField(
            "description",
            gettext_lazy("description"),
            (
                "隐患内容",
                "隐患描述",
                "隐患情况",
                "隐患名称",
                "存在问题",
                "存在的问题",
                "主要问题",
                "问题描述",
                "内容",
            ),
            kinds.text(),
            required=True,
            width=36,
        ),
        kinds.choice_field(
            "severity",
            gettext_lazy("severity"),
            ("隐患等级", "等级", "严重程度", "隐患级别", "级别"),
            SEVERITY_WORDS,
            HazardSeverity.choices,
            width=8,
        ),
        *kinds.coordinate_fields(),
        *kinds.responsible_fields(
            ("责任单位", "整改责任单位", "整改单位", "责任部门"),
            ("责任人", "整改责任人", "整改人", "包保责任人"),
            unit_width=16,
        ),
        LedgerField(
            "deadline",
            gettext_lazy("rectification deadline"),
            ("整改时限", "整改期限", "限期整改时间", "完成时限", "整改截止日期", "限改时间"),
            kinds.date,
            width=12,
        ),
        kinds.choice_field(
            "status",
            gettext_lazy("status"),
            ("整改状态", "状态", "整改情况", "整改进度", "是否销号", "处理状态", "进展情况"),
            STATUS_WORDS,
            HazardStatus.choices,
            width=9,
        ),
        LedgerField(
            "closed_at",
            gettext_lazy("closed at"),
            ("销号时间", "销号日期", "整改完成时间", "整改完成日期", "完成时间", "完成日期"),
            kinds.moment,
            to_cell=moment_cell,
            width=16,
        ),
        LedgerField(
            "rectification_note",
            gettext_lazy("rectification note"),
            ("整改措施", "整改结果", "整改措施及结果", "处理结果", "整改情况说明"),
            kinds.text(),
            width=30,
        ),
        LedgerField(
            "rejection_reason",
            gettext_lazy("rejection reason"),
            ("驳回原因", "不予受理原因", "退回原因"),
            kinds.text(),
            width=20,
        ),
        LedgerField("note", gettext_lazy("note"), ("备注", "说明"), kinds.text(), width=20),
    )


# -- rules across fields --------------------------------------------------------------------


def check_row(values: dict[str, Any], ctx: ParseContext) -> dict[str, str]:
    """What a ledger row must say to become a hazard in its recorded state. Completes the
    status: empty with a closing date is 已销号, otherwise 待处理 (reported)."""
    errors: dict[str, str] = {}
    found_at: dt.datetime = values["found_at"]
    found_day = timezone.localdate(found_at)
    today = timezone.localdate()
    if found_day > today:
        errors["found_at"] = _("The date found lies in the future.")
    status = values.get("status") or (S.CLOSED if values.get("closed_at") else S.REPORTED)
    values["status"] = status
    closed_at = values.get("closed_at")
    if status == S.CLOSED and closed_at is None:
        errors["closed_at"] = _("A closed (销号) hazard needs its closing date.")
    if closed_at is not None:
        if status != S.CLOSED:
            errors["closed_at"] = _("Only a closed (销号) hazard has a closing date.")
        elif timezone.localdate(closed_at) < found_day:
            errors["closed_at"] = _("The closing date is before the date found.")
        elif timezone.localdate(closed_at) > today:
            errors["closed_at"] = _("The closing date lies in the future.")
    deadline = values.get("deadline")
    if deadline is not None and deadline < found_day:
        errors["deadline"] = _("The rectification deadline is before the date found.")
    if status in ASSIGNED_STATES and values.get("responsible_unit") is None:
        key = ("policy", values["jurisdiction"].pk, values["category"].pk)
        if key not in ctx.cache:
            ctx.cache[key] = HazardCategoryPolicy.for_hazard(
                values["jurisdiction"], values["category"].pk
            )
        policy = ctx.cache[key]
        if policy is None or policy.default_unit_id is None:
            errors["responsible_unit"] = _(
                "An assigned hazard needs its responsible unit (no default unit is set "
                "for this category)."
            )
    if status == S.REJECTED and not values.get("rejection_reason"):
        errors["rejection_reason"] = _("A rejected hazard needs the reason.")
    if status != S.REJECTED and values.get("rejection_reason"):
        errors["rejection_reason"] = _("Only a rejected hazard has a rejection reason.")
    return errors


# -- the service path for historic rows ------------------------------------------------------


def _policy(hazard: Hazard, cache: dict[Any, Any]) -> HazardCategoryPolicy | None:
    key = ("policy", hazard.jurisdiction_id, hazard.category_id)
    if key not in cache:
        cache[key] = workflow.policy_for(hazard)
    return cache[key]  # type: ignore[no-any-return]


def _deadline(hazard: Hazard, cache: dict[Any, Any]) -> dt.date:
    """workflow.deadline_for with the policy and the holiday calendar kept for the run."""
    policy = _policy(hazard, cache)
    limit = policy.time_limit_working_days if policy else workflow.DEFAULT_TIME_LIMIT
    key = ("holidays", hazard.jurisdiction_id)
    if key not in cache:
        cache[key] = workflow.holidays_for_jurisdiction(hazard.jurisdiction)
    return cache[key].working_days_between(  # type: ignore[no-any-return]
        timezone.localdate(hazard.found_at), limit
    )


def import_hazard(
    *,
    actor: Any,
    values: Mapping[str, Any],
    row: int,
    source: str,
    context: ParseContext | None = None,
) -> Hazard:
    """Create one hazard from a ledger row in the state the ledger records (see the module
    docstring). `values` are parsed and checked ledger values; `source` names the ledger;
    `context` (the run's) lends its cache for policies and holiday calendars."""
    cache = context.cache if context is not None else {}
    if not can(actor, Hazard, "add"):
        raise PermissionDenied
    data = {
        "category": values["category"].pk,
        "jurisdiction": values["jurisdiction"].pk,
        "description": values["description"],
        "place": values.get("place") or "",
        **historic.form_values(values, "longitude", "latitude"),
        "severity": values.get("severity") or HazardSeverity.GENERAL,
        "found_at": values["found_at"].isoformat(),
        "note": values.get("note") or "",
    }
    reason = historic.import_reason(source, row)
    with transaction.atomic():
        hazard: Hazard = historic.unsaved_from_form(HazardForm(data=data, actor=actor))
        hazard.found_by = actor
        hazard.source = HazardSource.OFFICE
        status = values.get("status") or S.REPORTED
        hazard.status = status
        hazard.rectification_note = values.get("rectification_note") or ""
        hazard.rejection_reason = values.get("rejection_reason") or ""
        hazard.responsible_person = values.get("responsible_person")
        unit = values.get("responsible_unit")
        if unit is None and status in (*ASSIGNED_STATES, S.CLOSED):
            policy = _policy(hazard, cache)
            unit = policy.default_unit if policy is not None else None
        hazard.responsible_unit = unit
        hazard.deadline = values.get("deadline")
        if status in (*ASSIGNED_STATES, S.CLOSED):
            if hazard.deadline is None:
                hazard.deadline = _deadline(hazard, cache)
            if unit is not None:
                hazard.assigned_at = timezone.now()
                hazard.assigned_by = actor
        if status == S.CLOSED:
            hazard.closed_at = values.get("closed_at")
            hazard.verified_at = hazard.closed_at
        # The related records were checked already: by the form (category, jurisdiction) or
        # resolved from the actor's visible records (unit, person); uuid is fresh.
        historic.save_in_scope(
            hazard,
            actor,
            exclude=[
                "uuid",
                "category",
                "jurisdiction",
                "found_by",
                "assigned_by",
                "responsible_unit",
                "responsible_person",
            ],
        )
        historic.record_import(
            hazard, history=HazardTransition, code=HAZARD_IMPORTED, actor=actor, reason=reason
        )
    return hazard


# -- duplicates and export ------------------------------------------------------------------


def natural_key(values: Mapping[str, Any]) -> tuple[Any, ...]:
    """The same hazard: same place of the register, day found, category, place and text."""
    return (
        values["jurisdiction"].pk,
        timezone.localdate(values["found_at"]),
        values["category"].pk,
        kinds.squash(values.get("place")),
        kinds.squash(values.get("description")),
    )


def candidates(rows: list[dict[str, Any]]) -> QuerySet[Hazard]:
    """Stored hazards that may repeat the rows: same jurisdictions, found around the same days."""
    if not rows:
        return Hazard.objects.none()
    days = [timezone.localdate(r["found_at"]) for r in rows]
    start = timezone.make_aware(dt.datetime.combine(min(days) - dt.timedelta(days=1), dt.time(0)))
    end = timezone.make_aware(dt.datetime.combine(max(days) + dt.timedelta(days=2), dt.time(0)))
    return Hazard.objects.filter(
        jurisdiction_id__in={r["jurisdiction"].pk for r in rows},
        found_at__gte=start,
        found_at__lt=end,
    ).select_related("jurisdiction", "category", "responsible_unit", "responsible_person")


def values_of(hazard: Hazard) -> dict[str, Any]:
    """A stored hazard in the shape the ledger fields parse to."""
    return {
        "found_at": hazard.found_at,
        "jurisdiction": hazard.jurisdiction,
        "place": hazard.place,
        "category": hazard.category,
        "description": hazard.description,
        "severity": hazard.severity,
        "longitude": hazard.longitude,
        "latitude": hazard.latitude,
        "responsible_unit": hazard.responsible_unit,
        "responsible_person": hazard.responsible_person,
        "deadline": hazard.deadline,
        "status": hazard.status,
        "closed_at": hazard.closed_at,
        "rectification_note": hazard.rectification_note,
        "rejection_reason": hazard.rejection_reason,
        "note": hazard.note,
    }


def export_queryset(user: Any, params: Mapping[str, Any]) -> QuerySet[Hazard]:
    """The hazards of the list page with the same filters (jurisdiction, status, category, …)."""
    return kinds.list_page_records("hazards", user, params).order_by("found_at", "pk")


HAZARD_LEDGER = kinds.register(
    LedgerKind(
        key="hazards",
        label=gettext_lazy("Hazard register"),
        model=Hazard,
        fields=_fields(),
        natural_key=natural_key,
        candidates=candidates,
        values_of=values_of,
        create=import_hazard,
        export_queryset=export_queryset,
        check_row=check_row,
        title="隐患排查整改台账",
    )
)
