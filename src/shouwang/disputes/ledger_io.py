"""The dispute ledger (矛盾纠纷排查化解台账) as a ledger kind: import from paper-era Excel ledgers
and export in the same layout (see docs/ledger-import.md).

The headers our export writes are the Chinese headers of the register's report ledger
(`exports.LEDGER_HEADERS`: 登记日期, 村（社区）, 类别, 当事人, …) wherever both have the column, so
either file's header row is recognised; the export of this kind adds the dates and notes the
report leaves out and is the one that imports back unchanged.

Historic rows are imported in the state the ledger records: a row that says 已化解 (with the day
it was resolved) becomes a resolved file, 调解不成已移交 a referred one, 已办结 a closed one, not
a fresh registration. `import_dispute` is that service path: the file's own fields are
validated by the register's form (as when the office registers a file by hand), the workflow
fields are written as the ledger says, the parties written in one cell ("张三、李四" or
"张三（申请人）、李四（被申请人）") become `DisputeParty` rows with their phone numbers
encrypted, one `DisputeTransition` from nothing to the final state records the import (reason:
"imported from …"), and one audit event `disputes.dispute.imported` is written. Nobody is
notified: the rows are history; open imported files enter the daily sweep like any other, and a
(partly) resolved file gets its follow-up visits scheduled from the day it was resolved.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core import validators
from shouwang.core.audit import ACTIONS, snapshot
from shouwang.core.models import CodeItem
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import can
from shouwang.disputes import workflow
from shouwang.disputes.forms import DisputeForm
from shouwang.disputes.models import (
    Dispute,
    DisputeParty,
    DisputeSource,
    DisputeStatus,
    DisputeTransition,
    FollowUp,
    PartyRole,
    ReferralTarget,
    RiskLevel,
    Screening,
    week_start,
)
from shouwang.imports import historic, kinds
from shouwang.imports.kinds import CellInvalid, LedgerField, LedgerKind, ParseContext

DISPUTE_IMPORTED = "disputes.dispute.imported"
ACTIONS.setdefault(DISPUTE_IMPORTED, gettext_lazy("Dispute imported from a ledger"))

S = DisputeStatus

#: The words paper ledgers use (the first is what our export writes; it is also the label
#: the report ledger writes, so that file's cells parse too).
RISK_WORDS: dict[str, tuple[str, ...]] = {
    RiskLevel.LOW: ("低", "低风险", "一般", "蓝色"),
    RiskLevel.MEDIUM: ("中", "中风险", "较大", "较高", "黄色"),
    RiskLevel.HIGH: ("高", "高风险", "重大", "红色"),
}

SOURCE_WORDS: dict[str, tuple[str, ...]] = {
    DisputeSource.SCREENING: ("每周排查", "排查", "摸排", "日常排查", "排查发现"),
    DisputeSource.PATROL_LOG: ("巡查日志", "巡查", "巡查发现", "巡逻发现"),
    DisputeSource.PHONE: ("手机上报", "电话反映", "来电", "电话"),
    DisputeSource.VISIT: ("走访", "入户走访", "走访发现"),
    DisputeSource.WALK_IN: ("来访登记", "来访", "群众来访", "来信来访"),
    DisputeSource.REFERRAL: ("移交", "转办", "上级交办", "交办", "转交"),
    DisputeSource.OTHER: ("其他",),
}

STATUS_WORDS: dict[str, tuple[str, ...]] = {
    S.REGISTERED: ("已登记", "登记", "待调解", "未调解", "待处理", "新发现"),
    S.MEDIATING: ("调解中", "正在调解", "化解中", "正在化解", "调处中", "稳控中", "未化解"),
    S.RESOLVED: ("已化解", "化解", "调解成功", "化解成功", "已调处", "已解决"),
    S.PARTLY_RESOLVED: ("部分化解", "基本化解", "部分调解成功"),
    S.FAILED_REFERRED: ("调解不成已移交", "已移交", "调解不成", "调解失败", "已转办"),
    S.CLOSED: ("已办结", "办结", "已结案", "结案", "已归档"),
}

OUTCOME_WORDS: dict[str, tuple[str, ...]] = {
    S.RESOLVED: ("已化解", "化解", "调解成功", "化解成功", "成功"),
    S.PARTLY_RESOLVED: ("部分化解", "基本化解", "部分调解成功"),
    S.FAILED_REFERRED: ("调解不成已移交", "调解不成", "调解失败", "已移交", "移交", "不成功"),
}

REFERRAL_WORDS: dict[str, tuple[str, ...]] = {
    ReferralTarget.COURT: ("法院", "人民法院", "诉讼", "司法诉讼"),
    ReferralTarget.PETITION_OFFICE: ("信访部门", "信访", "信访局", "信访办"),
    ReferralTarget.POLICE: ("公安机关", "公安", "派出所", "公安局"),
    ReferralTarget.OTHER: ("其他",),
}

ROLE_WORDS: dict[str, tuple[str, ...]] = {
    PartyRole.APPLICANT: ("申请人", "申请方", "甲方"),
    PartyRole.RESPONDENT: ("被申请人", "被申请方", "乙方"),
    PartyRole.OTHER: ("其他当事人", "第三人", "其他"),
}

YES_WORDS = frozenset({"是", "有", "√", "✓", "yes", "y", "true", "1"})
NO_WORDS = frozenset({"否", "无", "没有", "×", "no", "n", "false", "0"})

#: Files with a result: resolved, partly resolved, referred, and closed ones.
RESULT_STATES = (S.RESOLVED, S.PARTLY_RESOLVED, S.FAILED_REFERRED)
OPEN_STATES = (S.REGISTERED, S.MEDIATING)

_PARTY = re.compile(r"^(?P<name>.+?)\s*[（(]\s*(?P<role>[^()（）]+?)\s*[)）]$")


# -- parsers of this ledger -------------------------------------------------------------------


def _split(text: str) -> list[str]:
    """A list written in one cell: 、 , ， ; ； / or line breaks between the entries; empty
    entries keep their place (a party without a phone number), trailing ones are dropped."""
    parts = kinds.split_list(text.strip())
    if len(parts) == 1:
        parts = text.split()
    while parts and not parts[-1]:
        parts.pop()
    return parts


def _role_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for stored, words in ROLE_WORDS.items():
        for word in (stored, *words):
            lookup[kinds.normalise_header(word)] = stored
    return lookup


_ROLES = _role_lookup()


def parse_parties(value: Any, ctx: ParseContext) -> tuple[tuple[str, str], ...] | None:
    """The parties in one cell: "张三、李四" (the first is the applicant, the others respondents)
    or with the role in brackets, "张三（申请人）、李四（被申请人）" as our export writes."""
    text = kinds.cell_text(value)
    if not text:
        return None
    names = [p for p in _split(text) if p]
    parties: list[tuple[str, str]] = []
    for index, entry in enumerate(names):
        match = _PARTY.match(entry)
        name, role = entry, ""
        if match is not None:
            name = match.group("name").strip()
            role = _ROLES.get(kinds.normalise_header(match.group("role")), "")
            if not role:
                raise CellInvalid(
                    _("Unknown role “%(role)s” of %(name)s; use one of: %(accepted)s.")
                    % {
                        "role": match.group("role")[:20],
                        "name": name[:30],
                        "accepted": "、".join(words[0] for words in ROLE_WORDS.values()),
                    }
                )
        if len(name) > 100:
            raise CellInvalid(_("A party's name has at most 100 characters."))
        parties.append(
            (name, role or (PartyRole.APPLICANT if index == 0 else PartyRole.RESPONDENT))
        )
    return tuple(parties) or None


def parties_cell(parties: tuple[tuple[str, str], ...]) -> str:
    return "、".join(f"{name}（{ROLE_WORDS[role][0]}）" for name, role in parties)


is_masked = kinds.is_masked


def parse_phones(value: Any, ctx: ParseContext) -> tuple[str, ...] | None:
    """The parties' phone numbers, in the order of the parties (an empty entry: no number).
    A masked number (139****5678, as our export writes) is kept as it is: it matches a stored
    file, but a new file cannot be created with it. Messages never repeat a number."""
    text = kinds.cell_text(value)
    if not text:
        return None
    phones = []
    for position, entry in enumerate(_split(text), start=1):
        entry = entry.replace(" ", "")
        if entry and not is_masked(entry):
            try:
                validators.validate_phone(entry)
            except ValidationError:
                raise CellInvalid(
                    _(
                        "Number %(n)s is not a phone number: write an 11-digit mobile number "
                        "or a landline with its area code."
                    )
                    % {"n": position}
                ) from None
        phones.append(entry)
    return tuple(phones) or None


def phones_cell(phones: tuple[str, ...]) -> str:
    return "、".join(phones)


_CATEGORY = kinds.code_item("dispute_category", suffixes=("纠纷",))


def parse_category(value: Any, ctx: ParseContext) -> CodeItem | None:
    """A dispute category by its label or code, also as paper ledgers write it: with 纠纷
    after it ("邻里纠纷") or by a part of a label in brackets ("劳资纠纷" for 劳动争议（劳资）)."""
    try:
        return _CATEGORY(value, ctx)  # type: ignore[no-any-return]
    except CellInvalid as refused:
        wanted = kinds.normalise_header(kinds.cell_text(value)).removesuffix("纠纷")
        key = ("dispute_category_parts",)
        if key not in ctx.cache:
            index: dict[str, CodeItem] = {}
            for item in CodeItem.objects.filter(code_list__key="dispute_category", active=True):
                for part in re.split(r"[()]", kinds.normalise_header(item.label)):
                    if part:
                        index.setdefault(part, item)
            ctx.cache[key] = index
        found: CodeItem | None = ctx.cache[key].get(wanted)
        if found is None:
            raise refused
        return found


def whole_number(value: Any, ctx: ParseContext) -> int | None:
    number = kinds.number(value, ctx)
    if number is None:
        return None
    if not float(number).is_integer() or number < 1:
        raise CellInvalid(_("Enter a whole number of at least 1."))
    return int(number)


def yes_no(value: Any, ctx: ParseContext) -> bool:
    """是 / 否 (also 有, 无, √, yes, no); empty is no."""
    text = kinds.normalise_header(kinds.cell_text(value))
    if not text or text in NO_WORDS:
        return False
    if text in YES_WORDS:
        return True
    raise CellInvalid(_("Write %(yes)s or %(no)s.") % {"yes": "是", "no": "否"})


def yes_no_cell(value: bool) -> str:
    return "是" if value else "否"


def _fields() -> tuple[LedgerField, ...]:
    return (
        LedgerField(
            "registered_on",
            gettext_lazy("registered on"),
            (
                "登记日期",
                "排查日期",
                "排查时间",
                "登记时间",
                "受理日期",
                "受理时间",
                "发现日期",
                "发现时间",
                "日期",
            ),
            kinds.date,
            required=True,
            width=11,
        ),
        LedgerField(
            "jurisdiction",
            gettext_lazy("village / community"),
            (
                "村（社区）",
                "所属村（社区）",
                "村社区",
                "村（居）",
                "村居",
                "所属村",
                "所属社区",
                "所属辖区",
                "辖区",
                "属地",
            ),
            kinds.jurisdiction,
            to_cell=kinds.name_cell,
            width=12,
        ),
        LedgerField(
            "title",
            gettext_lazy("title"),
            ("纠纷名称", "标题", "矛盾纠纷名称", "纠纷事项", "纠纷简称", "事由", "案由", "名称"),
            kinds.text(200),
            required=True,
            width=24,
        ),
        LedgerField(
            "category",
            gettext_lazy("category"),
            ("类别", "纠纷类别", "纠纷类型", "矛盾纠纷类型", "矛盾纠纷类别", "类型", "纠纷种类"),
            parse_category,
            required=True,
            to_cell=kinds.code_item_cell,
            width=10,
        ),
        LedgerField(
            "description",
            gettext_lazy("description"),
            (
                "纠纷简要情况",
                "简要情况",
                "矛盾纠纷简要情况",
                "基本情况",
                "纠纷情况",
                "主要情况",
                "纠纷内容",
                "情况简介",
                "内容",
            ),
            kinds.text(),
            width=36,
        ),
        LedgerField(
            "parties",
            gettext_lazy("parties"),
            ("当事人", "当事人姓名", "双方当事人", "涉及当事人"),
            parse_parties,
            to_cell=parties_cell,
            width=22,
        ),
        LedgerField(
            "party_phones",
            gettext_lazy("parties' phone numbers"),
            ("当事人电话", "当事人联系电话", "联系电话", "电话", "联系方式"),
            parse_phones,
            to_cell=phones_cell,
            width=16,
        ),
        LedgerField(
            "people_involved",
            gettext_lazy("people involved"),
            ("涉及人数", "人数", "涉及人员", "涉及人员数"),
            whole_number,
            width=8,
        ),
        kinds.choice_field(
            "risk_level",
            gettext_lazy("risk level"),
            ("风险等级", "风险级别", "预警等级", "等级"),
            RISK_WORDS,
            RiskLevel.choices,
            width=8,
        ),
        kinds.choice_field(
            "source",
            gettext_lazy("source"),
            ("来源", "纠纷来源", "线索来源", "来源渠道", "发现途径"),
            SOURCE_WORDS,
            DisputeSource.choices,
            width=10,
        ),
        LedgerField(
            "source_record",
            gettext_lazy("application or source record"),
            ("来源记录", "申请书或来源记录", "受理登记号", "登记编号", "来源说明"),
            kinds.text(200),
            width=16,
        ),
        LedgerField(
            "civil_to_criminal",
            gettext_lazy("civil-to-criminal risk"),
            ("民转刑风险", "是否有民转刑风险", "是否民转刑", "民转刑"),
            yes_no,
            to_cell=yes_no_cell,
            width=8,
        ),
        LedgerField(
            "civil_to_criminal_note",
            gettext_lazy("civil-to-criminal note"),
            ("民转刑风险说明", "民转刑风险情况", "风险情况"),
            kinds.text(),
            width=20,
        ),
        *kinds.responsible_fields(
            ("责任单位", "化解责任单位", "包案单位", "牵头单位"),
            ("责任人", "化解责任人", "包案责任人", "包案人", "包案领导"),
            unit_width=14,
        ),
        LedgerField(
            "plan",
            gettext_lazy("resolution plan"),
            ("化解方案", "化解措施", "调处措施", "工作措施", "方案", "措施"),
            kinds.text(),
            width=24,
        ),
        LedgerField(
            "resolve_by",
            gettext_lazy("resolve by"),
            ("化解期限", "化解时限", "办结时限", "完成时限", "期限"),
            kinds.date,
            width=11,
        ),
        LedgerField(
            "expected_result",
            gettext_lazy("expected result"),
            ("预期效果", "预期结果"),
            kinds.text(),
            width=16,
        ),
        *kinds.coordinate_fields(),
        kinds.choice_field(
            "status",
            gettext_lazy("status"),
            ("状态", "化解状态", "化解情况", "办理状态", "进展情况", "处理情况", "调处情况"),
            STATUS_WORDS,
            DisputeStatus.choices,
            width=10,
        ),
        kinds.choice_field(
            "outcome",
            gettext_lazy("result"),
            ("结果", "化解结果", "调解结果", "调处结果"),
            OUTCOME_WORDS,
            [(k, S(k).label) for k in OUTCOME_WORDS],
            width=10,
        ),
        kinds.choice_field(
            "referral_target",
            gettext_lazy("referred to"),
            ("移交单位", "移交去向", "移交部门", "转交单位"),
            REFERRAL_WORDS,
            ReferralTarget.choices,
            width=10,
        ),
        LedgerField(
            "resolved_on",
            gettext_lazy("resolved on"),
            ("化解日期", "化解时间", "调处日期", "调处时间", "移交日期"),
            kinds.date,
            width=11,
        ),
        LedgerField(
            "closed_at",
            gettext_lazy("closed at"),
            ("办结日期", "办结时间", "结案日期", "结案时间", "归档日期"),
            kinds.moment,
            to_cell=kinds.moment_cell,
            width=16,
        ),
        LedgerField(
            "result_note",
            gettext_lazy("result note"),
            ("结果说明", "化解结果说明", "调处结果说明", "化解情况说明", "处理结果"),
            kinds.text(),
            width=24,
        ),
    )


# -- rules across fields --------------------------------------------------------------------


def _complete_status(values: dict[str, Any]) -> str:
    """The state of the row: as written; else 已办结 with a closing date, the result when one
    is written, else 已登记."""
    status = values.get("status")
    if status:
        return str(status)
    if values.get("closed_at") is not None:
        return S.CLOSED
    if values.get("outcome"):
        return str(values["outcome"])
    return S.REGISTERED


def check_row(values: dict[str, Any], ctx: ParseContext) -> dict[str, str]:
    """What a ledger row must say to become a file in its recorded state (completes the
    status and the result, see `_complete_status`)."""
    errors: dict[str, str] = {}
    today = timezone.localdate()
    registered_on: dt.date = values["registered_on"]
    if registered_on > today:
        errors["registered_on"] = _("The registration date lies in the future.")
    place = values["jurisdiction"]
    if place.level != "village":
        errors["jurisdiction"] = _("Choose a village or community.")
    status = _complete_status(values)
    values["status"] = status
    outcome = values.get("outcome")
    if status in RESULT_STATES:
        if outcome and outcome != status:
            errors["outcome"] = _("The result does not match the status.")
        outcome = values["outcome"] = status
    elif status == S.CLOSED and not outcome:
        errors["outcome"] = _("A closed file needs its result (%(accepted)s).") % {
            "accepted": "、".join(words[0] for words in OUTCOME_WORDS.values())
        }
    resolved_on = values.get("resolved_on")
    closed_at = values.get("closed_at")
    if status in OPEN_STATES:
        for name in ("outcome", "resolved_on", "closed_at", "referral_target"):
            if values.get(name):
                errors[name] = _("Only a file with a result has this; the status is “%(s)s”.") % {
                    "s": S(status).label
                }
    else:
        if resolved_on is None:
            errors["resolved_on"] = _("Give the day the dispute was resolved or referred.")
        elif resolved_on < registered_on:
            errors["resolved_on"] = _("The day resolved is before the registration.")
        elif resolved_on > today:
            errors["resolved_on"] = _("The day resolved lies in the future.")
    if status == S.CLOSED and closed_at is None:
        errors["closed_at"] = _("A closed file needs its closing date.")
    if closed_at is not None and status != S.CLOSED:
        errors.setdefault("closed_at", _("Only a closed file has a closing date."))
    elif closed_at is not None:
        closed_day = timezone.localdate(closed_at)
        if resolved_on is not None and closed_day < resolved_on:
            errors["closed_at"] = _("The closing date is before the day resolved.")
        elif closed_day > today:
            errors["closed_at"] = _("The closing date lies in the future.")
    referral = values.get("referral_target")
    if outcome == S.FAILED_REFERRED:
        if not referral:
            errors["referral_target"] = _("Say where the dispute was referred to.")
        elif referral == ReferralTarget.OTHER and not values.get("result_note"):
            errors["result_note"] = _("Say where the dispute is referred to.")
    elif referral and status not in OPEN_STATES:
        errors["referral_target"] = _("Only a referred dispute has a referral target.")
    resolve_by = values.get("resolve_by")
    if resolve_by is not None and resolve_by < registered_on:
        errors["resolve_by"] = _("The deadline cannot be before the registration.")
    parties = values.get("parties") or ()
    phones = values.get("party_phones") or ()
    if len(phones) > len(parties):
        errors["party_phones"] = _(
            "%(phones)s phone numbers for %(parties)s parties: write one number per party, "
            "in the order of the parties."
        ) % {"phones": len(phones), "parties": len(parties)}
    return errors


# -- the service path for historic rows ------------------------------------------------------


def _screening_of(place: Any, day: dt.date) -> Screening | None:
    return Screening.objects.filter(village=place, week=week_start(day)).first()


def import_dispute(
    *,
    actor: Any,
    values: Mapping[str, Any],
    row: int,
    source: str,
    context: ParseContext | None = None,
) -> Dispute:
    """Create one dispute file from a ledger row in the state the ledger records (see the
    module docstring). `values` are parsed and checked ledger values; `source` names the
    ledger. A row found in the weekly screening is linked to that week's screening of the
    village; without a source the file is linked to it when there is one, else its source is
    "other" and the ledger (file and row) is its source record."""
    if not can(actor, Dispute, "add"):
        raise PermissionDenied
    reason = historic.import_reason(source, row)
    place = values["jurisdiction"]
    registered_on: dt.date = values["registered_on"]
    screening = _screening_of(place, registered_on)
    dispute_source = values.get("source")
    if dispute_source is None:
        dispute_source = DisputeSource.SCREENING if screening else DisputeSource.OTHER
    if dispute_source == DisputeSource.SCREENING and screening is None:
        raise RecordInvalid(
            {
                "source": [
                    _(
                        "No weekly screening of %(place)s is recorded for the week of "
                        "%(week)s: record it first, or write another source."
                    )
                    % {"place": place.name, "week": f"{week_start(registered_on):%Y-%m-%d}"}
                ]
            }
        )
    phones = list(values.get("party_phones") or ())
    if any(is_masked(p) for p in phones):
        raise RecordInvalid(
            {
                "party_phones": [
                    _(
                        "A masked phone number (with *) cannot be imported: write the full "
                        "number or leave it empty."
                    )
                ]
            }
        )

    def pk(name: str) -> Any:
        value = values.get(name)
        return "" if value is None else value.pk

    people = values.get("people_involved")
    data = {
        "jurisdiction": place.pk,
        "title": values["title"],
        "category": values["category"].pk,
        **historic.form_values(
            values,
            "description",
            "civil_to_criminal_note",
            "longitude",
            "latitude",
            "plan",
            "expected_result",
        ),
        "people_involved": people
        if people is not None
        else max(2, len(values.get("parties") or ())),
        "risk_level": values.get("risk_level") or RiskLevel.LOW,
        "source": dispute_source,
        "screening": screening.pk
        if dispute_source == DisputeSource.SCREENING and screening
        else "",
        "source_record": values.get("source_record") or reason[:200],
        "registered_on": registered_on.isoformat(),
        "civil_to_criminal": bool(values.get("civil_to_criminal")),
        "responsible_unit": pk("responsible_unit"),
        "responsible_person": pk("responsible_person"),
        **historic.form_dates(values, "resolve_by"),
    }
    with transaction.atomic():
        dispute: Dispute = historic.unsaved_from_form(DisputeForm(data=data, actor=actor))
        dispute.registered_by = actor
        if dispute.resolve_by is None:
            dispute.resolve_by = workflow.default_resolve_by(place, registered_on)
        status = values.get("status") or S.REGISTERED
        dispute.status = status
        if status not in OPEN_STATES:
            dispute.outcome = values.get("outcome") or ""
            dispute.resolved_on = values.get("resolved_on")
            dispute.referral_target = values.get("referral_target") or ""
            dispute.result_note = values.get("result_note") or ""
        if status == S.CLOSED:
            dispute.closed_at = values.get("closed_at")
        historic.save_in_scope(
            dispute,
            actor,
            exclude=[
                "jurisdiction",
                "category",
                "registered_by",
                "responsible_unit",
                "responsible_person",
                "screening",
            ],
        )
        parties = []
        for index, (name, role) in enumerate(values.get("parties") or ()):
            party = DisputeParty(dispute=dispute, name=name, role=role)
            try:
                party.set_phone(phones[index] if index < len(phones) else "")
            except ValidationError as exc:  # checked by the parser already
                raise RecordInvalid({"party_phones": [str(m) for m in exc.messages]}) from exc
            party.save()
            parties.append(party)
        if status in (S.RESOLVED, S.PARTLY_RESOLVED) and dispute.resolved_on is not None:
            for days in workflow.follow_up_offsets(place):
                FollowUp.objects.create(
                    dispute=dispute, due_on=dispute.resolved_on + dt.timedelta(days=days)
                )
        after = {
            **snapshot(dispute),
            # Names and masked numbers only: the phone numbers never enter the audit trail.
            "parties": [{"name": p.name, "role": p.role, "phone": p.phone_masked} for p in parties],
        }
        historic.record_import(
            dispute,
            history=DisputeTransition,
            code=DISPUTE_IMPORTED,
            actor=actor,
            reason=reason,
            after=after,
        )
    return dispute


# -- duplicates and export ------------------------------------------------------------------


def natural_key(values: Mapping[str, Any]) -> tuple[Any, ...]:
    """The same file: same village, day registered, category and title."""
    return (
        values["jurisdiction"].pk,
        values["registered_on"],
        values["category"].pk,
        kinds.squash(values.get("title")),
    )


def _with_parties(qs: QuerySet[Dispute]) -> QuerySet[Dispute]:
    return qs.select_related(
        "jurisdiction", "category", "responsible_unit", "responsible_person"
    ).prefetch_related(Prefetch("parties", queryset=DisputeParty.objects.order_by("pk")))


def candidates(rows: list[dict[str, Any]]) -> QuerySet[Dispute]:
    """Stored files that may repeat the rows: same villages, same days registered."""
    if not rows:
        return Dispute.objects.none()
    return _with_parties(
        Dispute.objects.filter(
            jurisdiction_id__in={r["jurisdiction"].pk for r in rows},
            registered_on__in={r["registered_on"] for r in rows},
        )
    )


def values_of(dispute: Dispute) -> dict[str, Any]:
    """A stored file in the shape the ledger fields parse to (phones masked: the full numbers
    never leave the system in a ledger)."""
    parties = list(dispute.parties.all())
    phones = [p.phone_masked for p in parties]
    while phones and not phones[-1]:
        phones.pop()
    return {
        "registered_on": dispute.registered_on,
        "jurisdiction": dispute.jurisdiction,
        "title": dispute.title,
        "category": dispute.category,
        "description": dispute.description,
        "parties": tuple((p.name, p.role) for p in parties) or None,
        "party_phones": tuple(phones) or None,
        "people_involved": dispute.people_involved,
        "risk_level": dispute.risk_level,
        "source": dispute.source,
        "source_record": dispute.source_record,
        "civil_to_criminal": dispute.civil_to_criminal,
        "civil_to_criminal_note": dispute.civil_to_criminal_note,
        "responsible_unit": dispute.responsible_unit,
        "responsible_person": dispute.responsible_person,
        "plan": dispute.plan,
        "resolve_by": dispute.resolve_by,
        "expected_result": dispute.expected_result,
        "longitude": dispute.longitude,
        "latitude": dispute.latitude,
        "status": dispute.status,
        "outcome": dispute.outcome or None,
        "referral_target": dispute.referral_target or None,
        "resolved_on": dispute.resolved_on,
        "closed_at": dispute.closed_at,
        "result_note": dispute.result_note,
    }


def export_queryset(user: Any, params: Mapping[str, Any]) -> QuerySet[Dispute]:
    """The files of the list page with the same filters (jurisdiction, status, category, …)."""
    qs = kinds.list_page_records("disputes", user, params)
    return _with_parties(qs).order_by("registered_on", "pk")


DISPUTE_LEDGER = kinds.register(
    LedgerKind(
        key="disputes",
        label=gettext_lazy("Dispute register"),
        model=Dispute,
        fields=_fields(),
        natural_key=natural_key,
        candidates=candidates,
        values_of=values_of,
        create=import_dispute,
        export_queryset=export_queryset,
        check_row=check_row,
        title="矛盾纠纷排查化解台账",
        mask_text=kinds.mask_numbers,  # party phones stay masked in samples and errors
    )
)
