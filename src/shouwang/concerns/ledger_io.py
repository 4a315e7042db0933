"""The people-of-concern register (重点人员管理台账) as a ledger kind: import from paper-era Excel
registers and export in the same layout (see docs/ledger-import.md and
docs/people-of-concern.md).

Privacy rules, as everywhere in this app:
* only roles with an explicit grant that adds people of concern may import (the imports
  framework asks for "add" on `PersonOfConcern`; `*`, a global role or a superuser's flag alone
  do not reach this explicit-only app); exporting needs "view";
* identity and phone numbers are validated, then kept only encrypted with a blind index and a
  masked form (`PersonOfConcern.set_citizen_id` / `set_phone`); a row is the same person as a
  stored one when the blind index of its identity number matches, else by name and village;
* an export writes full numbers only for rows inside a grant with the unmasked-export flag
  (`services.unmasked_export_paths`), masked numbers otherwise, and is audited
  (`concerns.person.exported`, as the app's own export, with `"via": "ledger"`);
* a masked number cannot be imported: the row is refused with a clear reason (a masked export
  imports back only once its numbers are complete; an unmasked export imports back unchanged);
* no message, run error or audit row repeats a number: errors say what is wrong, not the value;
  the mapping page shows sample cells with long digit runs masked.

`import_person` is the service path: the register's form validates the row as when the office
registers a person by hand, the numbers are encrypted, the last visit date written in the
ledger sets the last visit (no visit record is invented) and the next due date follows from
the level's cadence; one audit event `concerns.person.imported` holds no identifying data.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.concerns import services
from shouwang.concerns.forms import PersonCreateForm
from shouwang.concerns.models import AttentionLevel, PersonOfConcern
from shouwang.core import crypto, validators
from shouwang.core.audit import ACTIONS, record_event, snapshot
from shouwang.core.models import Jurisdiction
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import can
from shouwang.forces.models import Gender, Member
from shouwang.imports import historic, kinds
from shouwang.imports.kinds import CellInvalid, LedgerField, LedgerKind, ParseContext

PERSON_IMPORTED = "concerns.person.imported"
PERSON_EXPORTED = "concerns.person.exported"
ACTIONS.setdefault(PERSON_IMPORTED, gettext_lazy("Person of concern imported from a ledger"))

LEVEL_WORDS: dict[str, tuple[str, ...]] = {
    AttentionLevel.RED: ("红色", "红", "特别关注", "特殊关注", "红色关注"),
    AttentionLevel.YELLOW: ("黄色", "黄", "重点关注", "黄色关注"),
    AttentionLevel.BLUE: ("蓝色", "蓝", "一般关注", "蓝色关注"),
}

GENDER_WORDS: dict[str, tuple[str, ...]] = {
    Gender.MALE: ("男", "男性"),
    Gender.FEMALE: ("女", "女性"),
}


@dataclass(frozen=True)
class Secret:
    """An identity or phone number as a ledger cell holds it: the blind index of the full
    number (empty when the cell is masked) and the masked form. The full number rides along
    for a new record or an unmasked export; it is never compared, shown in a repr or put into
    a message."""

    digest: str
    masked: str
    full: str = field(default="", compare=False, repr=False)

    def __str__(self) -> str:
        return self.masked

    @property
    def is_masked(self) -> bool:
        return not self.digest


#: Identity and phone numbers in free text (messages, sample cells, audit reasons) masked.
mask_numbers = kinds.mask_numbers


# The identity number's validation messages without the digits (the core validators name the
# birth date or the check digit, which must not reach run errors).
_ID_MESSAGES: dict[str, Any] = {
    "citizen_id_format": gettext_lazy(
        "An identity number is 17 digits followed by a digit or the letter X."
    ),
    "citizen_id_region": gettext_lazy("The region code of the identity number is not valid."),
    "citizen_id_birth_date": gettext_lazy(
        "The birth date inside the identity number is not a real date between 1900 and today."
    ),
    "citizen_id_check_digit": gettext_lazy(
        "The check digit of the identity number is wrong: look for a typing error."
    ),
}


def parse_citizen_id(value: Any, ctx: ParseContext) -> Secret | None:
    """An 18-character identity number (spaces, full-width digits, a lower-case x accepted).
    A masked number (500230********123X) parses to a masked value that `check_row` refuses."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float):
        raise CellInvalid(
            _(
                "The identity number was typed as a number and Excel dropped its last digits: "
                "format the column as text and type it again."
            )
        )
    raw = validators.normalize_citizen_id(unicodedata.normalize("NFKC", kinds.cell_text(value)))
    if kinds.is_masked(raw):
        return Secret(digest="", masked=raw[:18])
    if len(raw) != 18:
        raise CellInvalid(
            _("An identity number has 18 characters; this one has %(n)s.") % {"n": len(raw)}
        )
    try:
        validators.validate_citizen_id(raw)
    except ValidationError as exc:
        message = _ID_MESSAGES.get(exc.code or "", _ID_MESSAGES["citizen_id_format"])
        raise CellInvalid(str(message)) from None
    return Secret(digest=crypto.blind_index(raw), masked=validators.mask_citizen_id(raw), full=raw)


def parse_phone(value: Any, ctx: ParseContext) -> Secret | None:
    """A mobile or landline number; a masked one (139****5678) parses to a masked value that
    `check_row` refuses."""
    text = unicodedata.normalize("NFKC", kinds.cell_text(value)).replace(" ", "")
    if not text:
        return None
    if kinds.is_masked(text):
        return Secret(digest="", masked=text[:30])
    try:
        validators.validate_phone(text)
    except ValidationError:
        raise CellInvalid(
            _(
                "Not a phone number: write an 11-digit mobile number or a landline with its "
                "area code (010-12345678)."
            )
        ) from None
    return Secret(digest=crypto.blind_index(text), masked=validators.mask_phone(text), full=text)


def secret_cell(value: Secret) -> str:
    """The full number when the export may carry it (see `export_values`), else masked."""
    return value.full or value.masked


def parse_helper_names(value: Any, ctx: ParseContext) -> tuple[Any, ...] | None:
    """Helpers by name, several in one cell ("王五、赵六"); `check_row` finds them among the
    members of the row's township."""
    text = kinds.cell_text(value)
    if not text:
        return None
    names = [n for n in kinds.split_list(text) if n]
    return tuple(dict.fromkeys(names)) or None


def helpers_cell(members: tuple[Any, ...]) -> str:
    return "、".join(getattr(m, "name", str(m)) for m in members)


def _fields() -> tuple[LedgerField, ...]:
    return (
        LedgerField(
            "name",
            gettext_lazy("name"),
            ("姓名", "人员姓名", "名字"),
            kinds.text(50),
            required=True,
            width=10,
        ),
        kinds.choice_field(
            "gender", gettext_lazy("gender"), ("性别",), GENDER_WORDS, Gender.choices, width=6
        ),
        LedgerField(
            "citizen_id",
            gettext_lazy("citizen ID number"),
            (
                "公民身份号码",
                "身份证号码",
                "身份证号",
                "身份证",
                "公民身份证号码",
                "身份证件号码",
                "身份号码",
                "证件号码",
            ),
            parse_citizen_id,
            to_cell=secret_cell,
            width=21,
        ),
        LedgerField(
            "birth_date",
            gettext_lazy("birth date"),
            ("出生日期", "生日"),
            kinds.date,
            width=11,
        ),
        LedgerField(
            "phone",
            gettext_lazy("phone"),
            ("联系电话", "电话", "手机号码", "手机", "电话号码", "联系方式"),
            parse_phone,
            to_cell=secret_cell,
            width=14,
        ),
        LedgerField(
            "address",
            gettext_lazy("address"),
            ("现住址", "住址", "家庭住址", "居住地址", "现居住地", "详细地址", "地址"),
            kinds.text(200),
            width=24,
        ),
        LedgerField(
            "jurisdiction",
            gettext_lazy("village / community"),
            (
                "所属村（社区）",
                "村（社区）",
                "村社区",
                "村（居）",
                "所属村",
                "所属社区",
                "所属网格",
                "网格",
                "所属辖区",
                "辖区",
            ),
            kinds.jurisdiction,
            to_cell=kinds.name_cell,
            width=12,
        ),
        LedgerField(
            "category",
            gettext_lazy("category"),
            ("人员类别", "类别", "人员类型", "重点人员类别", "管理类别", "类型"),
            kinds.code_item("concern_category", suffixes=("人员",)),
            required=True,
            to_cell=kinds.code_item_cell,
            width=14,
        ),
        LedgerField(
            "category_note",
            gettext_lazy("category note"),
            ("类别说明", "其他类别"),
            kinds.text(200),
            width=14,
        ),
        kinds.choice_field(
            "attention_level",
            gettext_lazy("attention level"),
            (
                "关注等级",
                "管控等级",
                "管理等级",
                "三色等级",
                "颜色等级",
                "风险等级",
                "等级",
                "级别",
            ),
            LEVEL_WORDS,
            AttentionLevel.choices,
            required=True,
            width=8,
        ),
        LedgerField(
            "helpers",
            gettext_lazy("helpers"),
            ("帮扶人", "帮扶责任人", "包保责任人", "管控责任人", "帮教人", "责任人"),
            parse_helper_names,
            to_cell=helpers_cell,
            width=14,
        ),
        LedgerField(
            "last_visit_on",
            gettext_lazy("last visit"),
            (
                "最近走访日期",
                "最后走访日期",
                "上次走访日期",
                "最近走访时间",
                "最近一次走访",
                "走访日期",
            ),
            kinds.date,
            width=11,
        ),
        LedgerField(
            "registered_on",
            gettext_lazy("registered on"),
            ("登记日期", "列管日期", "建档日期", "纳入管理日期", "登记时间"),
            kinds.date,
            width=11,
        ),
        LedgerField("guardian", gettext_lazy("guardian"), ("监护人",), kinds.text(100), width=10),
        LedgerField(
            "risk_notes",
            gettext_lazy("risk notes"),
            ("风险说明", "风险情况", "现实表现", "主要表现", "主要情况"),
            kinds.text(),
            width=24,
        ),
    )


# -- rules across fields --------------------------------------------------------------------


def _township_of(place: Jurisdiction, cache: dict[Any, Any]) -> Jurisdiction:
    key = ("township_of", place.pk)
    if key not in cache:
        ids = [int(p) for p in place.path.strip("/").split("/") if p]
        cache[key] = Jurisdiction.objects.filter(pk__in=ids, level="township").first() or place
    return cache[key]  # type: ignore[no-any-return]


def _find_helpers(
    names: tuple[str, ...], place: Jurisdiction, ctx: ParseContext
) -> tuple[tuple[Member, ...], str]:
    """The members of the row's township with these names (visible to the actor), sorted
    by name; or a message naming what is missing or ambiguous."""
    township = _township_of(place, ctx.cache)
    found: list[Member] = []
    for name in names:
        key = ("helper", township.pk, name)
        if key not in ctx.cache:
            ctx.cache[key] = list(
                Member.objects.visible_to(ctx.actor)
                .filter(jurisdiction__path__startswith=township.path, name=name)
                .distinct()[:2]
            )
        members = ctx.cache[key]
        if not members:
            return (), _("No member called “%(name)s” in %(township)s.") % {
                "name": name[:30],
                "township": township.name,
            }
        if len(members) > 1:
            return (), _(
                "Several members of %(township)s are called “%(name)s”; keep one name unique."
            ) % {"name": name[:30], "township": township.name}
        found.append(members[0])
    return tuple(sorted(found, key=lambda m: (m.name, m.pk))), ""


def check_row(values: dict[str, Any], ctx: ParseContext) -> dict[str, str]:
    """Place, dates, masked numbers and helpers of a register row (helpers become members)."""
    errors: dict[str, str] = {}
    today = timezone.localdate()
    place: Jurisdiction = values["jurisdiction"]
    if place.level not in ("village", "grid"):
        errors["jurisdiction"] = _("Choose a village, community or grid.")
    for name, what in (("citizen_id", _("identity number")), ("phone", _("phone number"))):
        secret = values.get(name)
        if secret is not None and secret.is_masked:
            errors[name] = _(
                "This %(what)s is masked (an export without full numbers): a masked number "
                "cannot be imported. Write the full number, leave the cell empty, or export "
                "with full numbers (needs the unmasked-export grant)."
            ) % {"what": what}
    registered_on = values.get("registered_on")
    last_visit = values.get("last_visit_on")
    birth_date = values.get("birth_date")
    if registered_on is not None and registered_on > today:
        errors["registered_on"] = _("The registration date lies in the future.")
    # A last visit before the registration day is fine: a register kept on paper for years
    # is often registered in the system only now (an empty registration day is today).
    if last_visit is not None and last_visit > today:
        errors["last_visit_on"] = _("A visit cannot be recorded for a future day.")
    if birth_date is not None and birth_date > today:
        errors["birth_date"] = _("The birth date cannot be in the future.")
    names = values.get("helpers")
    if names and "jurisdiction" not in errors:
        helpers, problem = _find_helpers(names, place, ctx)
        if problem:
            errors["helpers"] = problem
        else:
            values["helpers"] = helpers
    return errors


# -- the service path ------------------------------------------------------------------------

#: Form fields that are named otherwise in the ledger (errors land in the ledger's column).
_FORM_TO_LEDGER = {"citizen_id_number": "citizen_id", "phone_number": "phone"}


def import_person(
    *,
    actor: Any,
    values: Mapping[str, Any],
    row: int,
    source: str,
    context: ParseContext | None = None,
) -> PersonOfConcern:
    """Register one person from a ledger row (see the module docstring)."""
    if not can(actor, PersonOfConcern, "add"):
        raise PermissionDenied
    reason = historic.import_reason(mask_numbers(source), row)
    citizen_id: Secret | None = values.get("citizen_id")
    phone: Secret | None = values.get("phone")
    if (citizen_id and citizen_id.is_masked) or (phone and phone.is_masked):
        raise RecordInvalid({NON_FIELD: [_("A masked number cannot be imported.")]})

    data = {
        "name": values["name"],
        **historic.form_values(
            values, "gender", "address", "category_note", "guardian", "risk_notes"
        ),
        **historic.form_dates(values, "birth_date", "registered_on"),
        "jurisdiction": values["jurisdiction"].pk,
        "category": values["category"].pk,
        "attention_level": values["attention_level"],
        "helpers": [m.pk for m in values.get("helpers") or ()],
        "citizen_id_number": citizen_id.full if citizen_id else "",
        "phone_number": phone.full if phone else "",
    }
    with transaction.atomic():
        form = PersonCreateForm(data=data, actor=actor)
        person: PersonOfConcern = historic.unsaved_from_form(
            form, field_of=_FORM_TO_LEDGER, message=mask_numbers
        )
        try:
            person.set_citizen_id(citizen_id.full if citizen_id else "")
            person.set_phone(phone.full if phone else "")
        except ValidationError:  # checked by the parsers already; never echo the number
            raise RecordInvalid({"citizen_id": [_("The number is not valid.")]}) from None
        person.last_visit_on = values.get("last_visit_on")
        historic.save_in_scope(
            person, actor, exclude=["jurisdiction", "category"], after_save=form.save_m2m
        )
        person.next_visit_due = person.compute_next_visit_due()
        person.save(update_fields=["next_visit_due"])
        after = {
            **snapshot(person),  # masked name and numbers only (audit_exclude, audit_extra)
            "last_visit_on": person.last_visit_on.isoformat() if person.last_visit_on else None,
            "next_visit_due": person.next_visit_due.isoformat() if person.next_visit_due else None,
        }
        record_event(PERSON_IMPORTED, actor=actor, target=person, after=after, reason=reason)
    return person


# -- duplicates and export ------------------------------------------------------------------


def natural_key(values: Mapping[str, Any]) -> tuple[Any, ...]:
    """The same person: the blind index of the identity number when there is one (wherever
    the person is registered: the number is unique in the whole system), else the same name in
    the same village or grid. A masked number never matches (such rows are refused)."""
    citizen_id: Secret | None = values.get("citizen_id")
    if citizen_id is not None:
        return ("id", citizen_id.digest or f"masked:{citizen_id.masked}")
    return ("name", kinds.squash(values.get("name")), values["jurisdiction"].pk)


def candidates(rows: list[dict[str, Any]]) -> QuerySet[PersonOfConcern]:
    """Stored people who may repeat the rows: by identity number, or by name and place."""
    digests = {r["citizen_id"].digest for r in rows if r.get("citizen_id") is not None}
    digests.discard("")
    condition = Q(citizen_id_digest__in=digests) | Q(
        jurisdiction_id__in={r["jurisdiction"].pk for r in rows},
        name__in={r["name"] for r in rows},
        citizen_id_digest="",
    )
    return (
        PersonOfConcern.objects.filter(condition)
        .select_related("jurisdiction", "category")
        .prefetch_related("helpers")
    )


def _secret(digest: str, masked: str, full: str = "") -> Secret | None:
    return Secret(digest=digest, masked=masked, full=full) if digest or masked else None


def values_of(person: PersonOfConcern) -> dict[str, Any]:
    """A stored person in the shape the ledger fields parse to (numbers masked)."""
    helpers = sorted(person.helpers.all(), key=lambda m: (m.name, m.pk))
    return {
        "name": person.name,
        "gender": person.gender or None,
        "citizen_id": _secret(person.citizen_id_digest, person.citizen_id_masked),
        "birth_date": person.birth_date,
        "phone": _secret(person.phone_digest, person.phone_masked),
        "address": person.address,
        "jurisdiction": person.jurisdiction,
        "category": person.category,
        "category_note": person.category_note,
        "attention_level": person.attention_level,
        "helpers": tuple(helpers) or None,
        "last_visit_on": person.last_visit_on,
        "registered_on": person.registered_on,
        "guardian": person.guardian,
        "risk_notes": person.risk_notes,
    }


def _unmasked_for(user: Any, person: PersonOfConcern) -> bool:
    return any(person.jurisdiction.path.startswith(p) for p in services.unmasked_export_paths(user))


def export_values(user: Any, person: PersonOfConcern) -> dict[str, Any]:
    """What the user's export writes: full numbers only for rows inside a grant with the
    unmasked-export flag; masked numbers otherwise."""
    values = values_of(person)
    if _unmasked_for(user, person):
        values["citizen_id"] = _secret(
            person.citizen_id_digest, person.citizen_id_masked, person.citizen_id_full()
        )
        values["phone"] = _secret(person.phone_digest, person.phone_masked, person.phone_full())
    return values


def export_queryset(user: Any, params: Mapping[str, Any]) -> QuerySet[PersonOfConcern]:
    """The people the user may see, filtered like the list page (jurisdiction, level,
    category, status, overdue, search); anonymised records are left out (nothing to import)."""
    qs = PersonOfConcern.objects.visible_to(user)
    qs = services.filter_people(qs, params).filter(anonymised_at__isnull=True)
    return (
        qs.select_related("jurisdiction", "category")
        .prefetch_related("helpers")
        .order_by("jurisdiction__path", "name", "pk")
    )


def audit_export(user: Any, params: Mapping[str, Any], people: list[Any]) -> None:
    """Every export is audited: rows, ids, filters and whether full numbers left the system
    (no names, no numbers)."""
    unmasked = any(
        _unmasked_for(user, p) and bool(p.citizen_id_encrypted or p.phone_encrypted) for p in people
    )
    anchor = services.export_anchor(user, params)
    if anchor is None:
        raise PermissionDenied
    with transaction.atomic():
        services.record_export(
            user,
            anchor,
            people,
            unmasked=unmasked,
            filters={k: mask_numbers(str(v)) for k, v in params.items() if v},
            via="ledger",
        )


CONCERN_LEDGER = kinds.register(
    LedgerKind(
        key="concerns",
        label=gettext_lazy("People-of-concern register"),
        model=PersonOfConcern,
        fields=_fields(),
        natural_key=natural_key,
        candidates=candidates,
        values_of=values_of,
        create=import_person,
        export_queryset=export_queryset,
        check_row=check_row,
        title="重点人员管理台账",
        export_values=export_values,
        exported=audit_export,
        mask_text=mask_numbers,
    )
)
