"""The joint-household representatives (爱路护路联户代表基本情况台账) as a ledger kind: import
from the offices' Excel lists and export in the same layout (see docs/ledger-import.md).

A row becomes a representative through `services.create_representative`, exactly as when the
office enters one by hand (same form, same rules, one audit event per row). The same village
and name is the same person (the duplicate check). The work dynamics (工作开展动态) are not
imported: they are recorded as they happen; the office ledger with them is
`railway/exports.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.areas.models import LineKind, Segment
from shouwang.imports import kinds
from shouwang.imports.kinds import CellInvalid, LedgerField, LedgerKind, ParseContext
from shouwang.railway import services
from shouwang.railway.models import HouseholdRepresentative, RepresentativeStatus

#: The words the offices' lists use for each status (the first is what our export writes).
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    RepresentativeStatus.ACTIVE: ("在任", "在岗", "正常", "现任"),
    RepresentativeStatus.LEFT: ("离任", "已离任", "不再担任", "调离", "辞去"),
}


def households(value: Any, ctx: ParseContext) -> int | None:
    """A whole number of households, at least one."""
    number = kinds.number(value, ctx)
    if number is None:
        return None
    if number != int(number) or number < 1:
        raise CellInvalid(_("Write a whole number of households, at least 1."))
    return int(number)


def railway_segment(value: Any, ctx: ParseContext) -> Segment | None:
    """A railway segment the actor sees, by its name (渝利铁路栗子村段)."""
    if value is None or not kinds.cell_text(value):
        return None
    wanted = kinds.cell_text(value)
    key = ("railway-segment", wanted)
    if key not in ctx.cache:
        ctx.cache[key] = list(
            Segment.objects.visible_to(ctx.actor).filter(line_kind=LineKind.RAILWAY, name=wanted)[
                :2
            ]
        )
    found: list[Segment] = ctx.cache[key]
    if not found:
        raise CellInvalid(
            _("No railway segment called “%(name)s” in your jurisdiction.") % {"name": wanted[:50]}
        )
    if len(found) > 1:
        raise CellInvalid(
            _("Several railway segments are called “%(name)s”; keep one name unique.")
            % {"name": wanted[:50]}
        )
    return found[0]


def _fields() -> tuple[LedgerField, ...]:
    return (
        LedgerField(
            "jurisdiction",
            gettext_lazy("village"),
            ("村（社区）", "所属村（社区）", "所属村", "村社区", "村（居）", "村名"),
            kinds.jurisdiction,
            to_cell=kinds.name_cell,
            width=12,
        ),
        LedgerField(
            "name",
            gettext_lazy("name"),
            ("姓名", "联户代表姓名", "代表姓名", "联户代表"),
            kinds.text(50),
            required=True,
            width=10,
        ),
        LedgerField(
            "phone",
            gettext_lazy("phone"),
            ("联系电话", "电话", "手机号码", "手机", "联系方式"),
            kinds.text(30),
            width=14,
        ),
        LedgerField(
            "villager_group",
            gettext_lazy("villager group"),
            ("村民小组", "所在组", "组别", "小组", "社"),
            kinds.text(50),
            width=9,
        ),
        LedgerField(
            "households",
            gettext_lazy("households linked"),
            ("联系户数", "联户户数", "联户数", "户数", "联系农户数"),
            households,
            width=8,
        ),
        LedgerField(
            "segment",
            gettext_lazy("segment"),
            ("负责区段", "护路区段", "责任区段", "区段"),
            railway_segment,
            to_cell=kinds.name_cell,
            width=20,
        ),
        LedgerField(
            "appointed_on",
            gettext_lazy("appointed on"),
            ("聘任时间", "聘任日期", "任职时间", "担任时间"),
            kinds.date,
            to_cell=kinds.date_cell,
            number_format="yyyy-mm-dd",
            width=12,
        ),
        kinds.choice_field(
            "status",
            gettext_lazy("status"),
            ("状态", "在任情况", "是否在任"),
            STATUS_WORDS,
            RepresentativeStatus.choices,
            width=8,
        ),
        LedgerField("note", gettext_lazy("note"), ("备注", "说明"), kinds.text(), width=20),
    )


def import_representative(
    *,
    actor: Any,
    values: Mapping[str, Any],
    row: int,
    source: str,
    context: ParseContext | None = None,
) -> HouseholdRepresentative:
    """One representative from a ledger row, through the service (form, rules, audit)."""
    segment = values.get("segment")
    appointed = values.get("appointed_on")
    count = values.get("households")
    data = {
        "jurisdiction": values["jurisdiction"].pk,
        "name": values["name"],
        "phone": values.get("phone") or "",
        "villager_group": values.get("villager_group") or "",
        "households": count if count is not None else 10,
        "segment": segment.pk if segment is not None else "",
        "appointed_on": appointed.isoformat() if appointed else "",
        "status": values.get("status") or RepresentativeStatus.ACTIVE,
        "note": values.get("note") or "",
    }
    return services.create_representative(actor=actor, data=data)


def natural_key(values: Mapping[str, Any]) -> tuple[Any, ...]:
    """The same representative: the same village and name."""
    return (values["jurisdiction"].pk, kinds.squash(values.get("name")))


def candidates(rows: list[dict[str, Any]]) -> QuerySet[HouseholdRepresentative]:
    return HouseholdRepresentative.objects.filter(
        jurisdiction_id__in={r["jurisdiction"].pk for r in rows}
    ).select_related("jurisdiction", "segment")


def values_of(rep: HouseholdRepresentative) -> dict[str, Any]:
    """A stored representative in the shape the ledger fields parse to."""
    return {
        "jurisdiction": rep.jurisdiction,
        "name": rep.name,
        "phone": rep.phone,
        "villager_group": rep.villager_group,
        "households": rep.households,
        "segment": rep.segment,
        "appointed_on": rep.appointed_on,
        "status": rep.status,
        "note": rep.note,
    }


def export_queryset(user: Any, params: Mapping[str, Any]) -> QuerySet[HouseholdRepresentative]:
    """The representatives of the list page with the same filters."""
    return kinds.list_page_records("household-representatives", user, params).order_by(
        "jurisdiction__stat_division_code", "name", "pk"
    )


REPRESENTATIVES_LEDGER = kinds.register(
    LedgerKind(
        key="railway-representatives",
        label=gettext_lazy("Railway joint-household representatives"),
        model=HouseholdRepresentative,
        fields=_fields(),
        natural_key=natural_key,
        candidates=candidates,
        values_of=values_of,
        create=import_representative,
        export_queryset=export_queryset,
        title="爱路护路联户代表基本情况台账",
    )
)
