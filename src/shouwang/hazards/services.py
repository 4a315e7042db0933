"""Hazard register services: report a hazard (phone, patrol log, checklist item, office).

`report_hazard` is the one entry point of the field: the phone sync (`patrols.sync`), the
report API and `report_from_checklist_result` all go through it. A report carries the phone's
uuid, so an upload repeated any number of times yields one hazard; the same uuid with other
content is refused rather than silently overwritten. The generic record pages use
`create_hazard` / `update_hazard` / `delete_hazard` (the office registering a hazard by hand).

What happens to a hazard afterwards (assign, rectify, verify, close; deadlines, escalation) is
the case workflow, built on top of the `reported` state this module leaves it in.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid as uuid_lib
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core import records
from shouwang.core.audit import ACTIONS, record_event, snapshot
from shouwang.core.geo import position_errors
from shouwang.core.models import CodeItem, Jurisdiction
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.roles import users_with_role
from shouwang.core.scoping import can, get_for, in_scope, record_type_key, user_grants
from shouwang.hazards.forms import HazardCategoryPolicyForm, HazardForm
from shouwang.hazards.models import Hazard, HazardCategoryPolicy, HazardSeverity, HazardSource
from shouwang.patrols.models import ChecklistCategory, ChecklistResult, FieldPhoto, PatrolLog

HAZARD_REPORTED = "hazards.hazard.reported"
ACTIONS.setdefault(HAZARD_REPORTED, gettext_lazy("Hazard reported"))

HAZARD_CATEGORY_LIST = "hazard_category"

#: The hazard category a failed item of each kind of checklist defaults to
#: (codes of the `hazard_category` code list in core/data/codelists.json).
CHECKLIST_CATEGORY_TO_HAZARD: dict[str, str] = {
    ChecklistCategory.PUBLIC_ORDER: "public_order",
    ChecklistCategory.WORK_SAFETY: "work_safety",
    ChecklistCategory.FIRE_SAFETY: "fire",
    ChecklistCategory.OTHER: "other",
}

#: The role whose holders are "the office" of a jurisdiction (told of every new hazard).
OFFICE_ROLE = "township_staff"

#: Keys a report may carry; anything else is refused (a typo must not pass silently).
REPORT_KEYS = frozenset(
    {
        "log",
        "checklist_item",
        "category",
        "description",
        "place",
        "latitude",
        "longitude",
        "severity",
        "found_at",
        "jurisdiction",
        "photos",
        "note",
    }
)

# Labels of report fields that are not fields of the model.
_EXTRA_LABELS: dict[str, Any] = {
    "checklist_item": gettext_lazy("checklist item"),
    "photos": gettext_lazy("photos"),
    "reason": gettext_lazy("reason"),
    "new_deadline": gettext_lazy("new deadline"),
    "decision_reason": gettext_lazy("decision reason"),
    "passed": gettext_lazy("result"),
    "approve": gettext_lazy("decision"),
}


class LogNotReceived(RecordInvalid):
    """The report names a patrol log the server has not received (yet).

    The phone sync answers such an item `retry`: the log is probably later in the queue.
    """


def field_label(name: str) -> str:
    """The user-facing label of a report field (for {"field", "label", "message"} errors)."""
    if name in _EXTRA_LABELS:
        return str(_EXTRA_LABELS[name])
    if name == NON_FIELD:
        return ""
    try:
        field: Any = Hazard._meta.get_field(name)
    except Exception:
        return name
    return str(getattr(field, "verbose_name", name))


# -- the generic record pages (office) ---------------------------------------------------------


def _office_entry(instance: Hazard, form: Any) -> None:
    if instance.pk is None:
        instance.found_by = form.actor
        instance.source = HazardSource.OFFICE


def create_hazard(*, actor: Any, data: Mapping[str, Any]) -> Hazard:
    """Register a hazard by hand (office); the person saving it is recorded as the finder."""
    with transaction.atomic():
        hazard: Hazard = records.create_record(
            HazardForm, actor=actor, data=data, before_save=_office_entry
        )
        _tell_office(hazard, actor)
    return hazard


def update_hazard(hazard: Hazard, *, actor: Any, data: Mapping[str, Any]) -> Hazard:
    """Correct a hazard's details (category, place, description, severity, …)."""
    return records.update_record(HazardForm, hazard, actor=actor, data=data)


def delete_hazard(hazard: Hazard, *, actor: Any) -> None:
    """Remove a hazard registered by mistake."""
    records.delete_record(hazard, actor=actor)


# -- category policies (office) ----------------------------------------------------------------


def create_category_policy(*, actor: Any, data: Mapping[str, Any]) -> HazardCategoryPolicy:
    """Set how a township handles a hazard category (unit, time limit, warning, public)."""
    return records.create_record(HazardCategoryPolicyForm, actor=actor, data=data)


def update_category_policy(
    policy: HazardCategoryPolicy, *, actor: Any, data: Mapping[str, Any]
) -> HazardCategoryPolicy:
    """Change a category policy; deadlines already set stay as they are."""
    return records.update_record(HazardCategoryPolicyForm, policy, actor=actor, data=data)


def delete_category_policy(policy: HazardCategoryPolicy, *, actor: Any) -> None:
    """Remove a category policy (the ancestors' policy or the defaults apply again)."""
    records.delete_record(policy, actor=actor)


# -- reporting ---------------------------------------------------------------------------------


def report_hazard(
    *,
    actor: Any,
    uuid: uuid_lib.UUID | None = None,
    data: Mapping[str, Any],
    source: str,
) -> tuple[Hazard, bool]:
    """Report a hazard found in the field; returns (hazard, created).

    `data` (see docs/field-sync.md, "hazard data"): `log` (patrol log uuid or None),
    `checklist_item` ({"checklist": id, "code": item code} or None, needs `log`), `category`
    (a hazard_category code), `description`, `place`, `latitude`/`longitude` (WGS-84),
    `severity`, `found_at` (the phone's time; now when absent), and for reports without a log
    `jurisdiction` (taken from the actor's grant when they hold only one place). Optional:
    `photos` (uuids of photos already uploaded), `note`.

    The log must be one the actor may see (another team's or jurisdiction's log is refused);
    the hazard belongs to the log's jurisdiction. Repeating a report with the same `uuid` and
    the same content returns the existing hazard and False; the same uuid with other content
    is refused on "uuid". One transaction, one audit event (`hazards.hazard.reported`); the
    office of the jurisdiction is told after the commit.
    """
    if not can(actor, Hazard, "add"):
        raise PermissionDenied
    with transaction.atomic():
        return _report(actor=actor, uuid=uuid, data=data, source=source)


def report_from_checklist_result(
    result: ChecklistResult, *, actor: Any, data: Mapping[str, Any] | None = None
) -> Hazard:
    """Turn a failed checklist item into a hazard report in one step.

    Defaults: the category follows the checklist's kind, the description is the item's text
    and note, place and position come from the log's post (its key place), the log and the
    item are linked. `data` may override any of them and pick photos of the log. An item has
    at most one hazard: a second call returns the first one.
    """
    if not can(actor, Hazard, "add"):
        raise PermissionDenied
    with transaction.atomic():
        # Lock the item, so two clicks at once make one hazard; 404 alike if out of scope.
        get_for(ChecklistResult, actor, result.pk)
        locked = (
            # `of=("self",)`: PostgreSQL cannot lock the nullable side of the outer joins.
            ChecklistResult.objects.select_for_update(of=("self",))
            .select_related("checklist", "log__post__key_place")
            .get(pk=result.pk)
        )
        existing = Hazard.objects.filter(checklist_result=locked).first()
        if existing is not None:
            return existing
        if locked.result != "fail":
            raise RecordInvalid(
                {"checklist_item": [_("Only an item with a problem found becomes a hazard.")]}
            )
        report = checklist_defaults(locked)
        report.update({k: v for k, v in (data or {}).items() if k in REPORT_KEYS})
        report["log"] = str(locked.log.uuid)
        report["checklist_item"] = {"checklist": locked.checklist_id, "code": locked.item_code}
        try:
            with transaction.atomic():
                hazard, _created = _report(
                    actor=actor, uuid=None, data=report, source=HazardSource.CHECKLIST
                )
        except RecordInvalid:
            # Another request may have linked the item first (databases without row locks).
            first = Hazard.objects.filter(checklist_result=locked).first()
            if first is None:
                raise
            return first
        return hazard


def checklist_defaults(result: ChecklistResult) -> dict[str, Any]:
    """What a hazard from this failed item says unless the finder says otherwise."""
    log = result.log
    place = log.place
    longitude = latitude = None
    key_place = log.post.key_place if log.post_id and log.post else None
    if key_place is not None:
        place = place or key_place.name
        longitude, latitude = key_place.longitude, key_place.latitude
    if not place and log.post_id and log.post:
        place = log.post.name
    description = result.item_text
    if result.note:
        description = f"{description}：{result.note}"
    return {
        "category": CHECKLIST_CATEGORY_TO_HAZARD.get(result.checklist.category, "other"),
        "description": description,
        "place": place[:200],
        "longitude": longitude,
        "latitude": latitude,
        "severity": HazardSeverity.GENERAL,
        # The item was answered on the patrol: its end if over, else now.
        "found_at": log.ended_at or timezone.now(),
    }


def offered_photos(result: ChecklistResult, actor: Any) -> list[FieldPhoto]:
    """The photos of the item's patrol log the finder may attach (none is required)."""
    return list(FieldPhoto.objects.visible_to(actor).filter(log_id=result.log_id))


def _report(
    *, actor: Any, uuid: uuid_lib.UUID | None, data: Mapping[str, Any], source: str
) -> tuple[Hazard, bool]:
    if uuid is not None and not isinstance(uuid, uuid_lib.UUID):
        try:
            uuid = uuid_lib.UUID(str(uuid))
        except ValueError:
            raise RecordInvalid({"uuid": [_("Enter a valid record id (UUID).")]}) from None
    existing = Hazard.objects.filter(uuid=uuid).first() if uuid is not None else None
    values, photos = _validated(actor, data, source, existing)
    if existing is not None:
        return _repeat(existing, actor, values, photos), False

    hazard = Hazard(**values, found_by=actor)
    if uuid is not None:
        hazard.uuid = uuid
    try:
        # The uuid's uniqueness is left to the insert below, which tells a concurrent repeat
        # (same content: unchanged) from a clash.
        hazard.full_clean(exclude=["uuid"])
    except ValidationError as exc:
        raise RecordInvalid.from_validation_error(exc) from exc
    try:
        with transaction.atomic():
            hazard.save()
    except IntegrityError:
        # The same uuid arrived twice at once: the other upload won; compare with it.
        winner = Hazard.objects.filter(uuid=hazard.uuid).first() if uuid is not None else None
        if winner is None:
            if values.get("checklist_result") is not None:
                raise RecordInvalid(
                    {"checklist_item": [_("A hazard is already reported for this item.")]}
                ) from None
            raise
        return _repeat(winner, actor, values, photos), False
    if photos:
        hazard.photos.set(photos)
    if not in_scope(hazard, actor, "add"):
        transaction.set_rollback(True)
        raise RecordInvalid(
            {"jurisdiction": [_("You may not report hazards outside your jurisdiction.")]}
        )
    record_event(
        HAZARD_REPORTED,
        actor=actor,
        target=hazard,
        after=snapshot(hazard),
        parent=hazard.log,
    )
    _tell_office(hazard, actor)
    return hazard, True


# Fields compared when a report is repeated (what the phone sent, as stored).
_COMPARED = (
    "category_id",
    "jurisdiction_id",
    "description",
    "place",
    "longitude",
    "latitude",
    "severity",
    "source",
    "log_id",
    "checklist_result_id",
    "found_at",
    "note",
)


def _repeat(
    existing: Hazard, actor: Any, values: dict[str, Any], photos: list[FieldPhoto]
) -> Hazard:
    """A repeated upload: the same content is the same hazard; other content is refused."""
    visible = Hazard.objects.visible_to(actor).filter(pk=existing.pk).exists()
    wanted = Hazard(**values)
    compared = list(_COMPARED)
    if existing.checklist_result_id is None:
        # The item's answer was removed from the log since (the link was cleared): the
        # repeat is still the same report.
        compared.remove("checklist_result_id")
    same = visible and all(getattr(existing, f) == getattr(wanted, f) for f in compared)
    if same and photos:
        same = {p.pk for p in photos} <= set(existing.photos.values_list("pk", flat=True))
    if not same:
        raise RecordInvalid(
            {"uuid": [_("A hazard with this record id already exists with other content.")]}
        )
    return existing


def _validated(
    actor: Any, data: Mapping[str, Any], source: str, existing: Hazard | None
) -> tuple[dict[str, Any], list[FieldPhoto]]:
    """Check a report field by field; return model values and photos, or raise RecordInvalid
    naming every field at fault."""
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not isinstance(data, Mapping):
        raise RecordInvalid({NON_FIELD: [_("The report must be an object of fields.")]})
    for key in sorted(set(data) - REPORT_KEYS):
        refuse(key, _("Unknown field."))
    if source not in HazardSource.values:
        refuse("source", _("Unknown source of the report."))

    # The patrol log (the phone's uuid), within the actor's scope.
    log = _resolve_log(actor, data.get("log"), refuse)

    # The checklist item it came from, on that log.
    result = None
    item = data.get("checklist_item")
    if item not in (None, "", {}):
        if not isinstance(item, Mapping) or not item.get("code") or not item.get("checklist"):
            refuse("checklist_item", _('Give the item as {"checklist": id, "code": "…"}.'))
        elif log is None:
            if "log" not in errors:
                refuse("checklist_item", _("A checklist item needs its patrol log."))
        else:
            result = (
                ChecklistResult.objects.filter(
                    log=log, checklist_id=_int(item.get("checklist")), item_code=str(item["code"])
                )
                .select_related("log")
                .first()
            )
            if result is not None:
                taken = Hazard.objects.filter(checklist_result=result)
                if existing is not None:
                    taken = taken.exclude(pk=existing.pk)
                if taken.exists():
                    refuse("checklist_item", _("A hazard is already reported for this item."))
            elif existing is None or existing.checklist_result_id is not None:
                # (A repeat whose item was taken off the log since is still the same report.)
                refuse("checklist_item", _("This item is not answered on the patrol log."))

    if source == HazardSource.CHECKLIST and item in (None, "", {}) and existing is None:
        refuse("checklist_item", _("Name the checklist item the hazard was found at."))
    if source == HazardSource.PATROL_LOG and data.get("log") in (None, ""):
        refuse("log", _("Name the patrol log the hazard was found on."))

    category = _resolve_category(data.get("category"), existing, refuse)

    description = data.get("description")
    description = description.strip() if isinstance(description, str) else ""
    if not description:
        refuse("description", _("Describe the hazard."))

    place = data.get("place") or ""
    if not isinstance(place, str):
        refuse("place", _("Enter a text."))
        place = ""
    place = place.strip()
    if len(place) > 200:
        refuse("place", _("At most %(max)d characters.") % {"max": 200})

    note = data.get("note") or ""
    if not isinstance(note, str):
        refuse("note", _("Enter a text."))
        note = ""

    longitude = _coordinate(data.get("longitude"), "longitude", refuse)
    latitude = _coordinate(data.get("latitude"), "latitude", refuse)
    if "longitude" not in errors and "latitude" not in errors:
        for field, messages in position_errors(latitude, longitude).items():
            for message in messages:
                refuse(field, message)

    severity = data.get("severity") or HazardSeverity.GENERAL
    if severity not in HazardSeverity.values:
        refuse("severity", _("Choose general or major."))

    found_at = _moment(data.get("found_at"), existing, refuse)

    jurisdiction = _resolve_jurisdiction(actor, data.get("jurisdiction"), log, refuse)

    photos = _resolve_photos(actor, data.get("photos"), log, refuse)

    if errors:
        raise RecordInvalid(errors)
    values: dict[str, Any] = {
        "category": category,
        "jurisdiction": jurisdiction,
        "description": description,
        "place": place,
        "longitude": longitude,
        "latitude": latitude,
        "severity": severity,
        "source": source,
        "log": log,
        "checklist_result": result,
        "found_at": found_at,
        "note": note.strip(),
    }
    return values, photos


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _resolve_log(actor: Any, value: Any, refuse: Any) -> PatrolLog | None:
    if value in (None, ""):
        return None
    try:
        log_uuid = value if isinstance(value, uuid_lib.UUID) else uuid_lib.UUID(str(value))
    except ValueError:
        refuse("log", _("Enter a valid record id (UUID)."))
        return None
    log = (
        PatrolLog.objects.visible_to(actor)
        .filter(uuid=log_uuid)
        .select_related("jurisdiction", "post__key_place")
        .first()
    )
    if log is not None:
        return log  # type: ignore[no-any-return]
    if PatrolLog.objects.filter(uuid=log_uuid).exists():
        refuse("log", _("This patrol log belongs to another team or jurisdiction."))
        return None
    raise LogNotReceived({"log": [_("The patrol log has not arrived yet.")]})


def _resolve_category(value: Any, existing: Hazard | None, refuse: Any) -> CodeItem | None:
    if isinstance(value, CodeItem):
        value = value.code
    if value in (None, ""):
        refuse("category", _("Choose the category of the hazard."))
        return None
    item = CodeItem.objects.filter(code_list__key=HAZARD_CATEGORY_LIST, code=str(value)).first()
    if item is None:
        refuse("category", _("Unknown hazard category “%(code)s”.") % {"code": str(value)[:50]})
        return None
    # A retired category stays valid for the hazard that already carries it (a repeat).
    if not item.active and (existing is None or existing.category_id != item.pk):
        refuse(
            "category", _("The hazard category “%(code)s” is no longer in use.") % {"code": value}
        )
        return None
    return item


def _coordinate(value: Any, field: str, refuse: Any) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        refuse(field, _("Enter a number."))
        return None
    try:
        number = float(Decimal(str(value)) if isinstance(value, str) else value)
    except (TypeError, ValueError, InvalidOperation):
        refuse(field, _("Enter a number."))
        return None
    if not math.isfinite(number):
        refuse(field, _("Enter a number."))
        return None
    return number


def _moment(value: Any, existing: Hazard | None, refuse: Any) -> dt.datetime | None:
    if value in (None, ""):
        # The finder reports as they find it; a repeat keeps the first time.
        return existing.found_at if existing is not None else timezone.now()
    moment: dt.datetime | None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            moment = None
    else:
        moment = None
    if moment is None:
        refuse("found_at", _("Enter a date and time, e.g. 2026-11-23T20:05:00+08:00."))
        return None
    if timezone.is_naive(moment):
        # A time without an offset is read as local time (Asia/Shanghai), like page forms.
        moment = timezone.make_aware(moment)
    return moment


def _resolve_jurisdiction(
    actor: Any, value: Any, log: PatrolLog | None, refuse: Any
) -> Jurisdiction | None:
    if log is not None:
        if value not in (None, "") and _int(value) != log.jurisdiction_id:
            refuse("jurisdiction", _("The hazard belongs to the patrol log's jurisdiction."))
        return log.jurisdiction
    if value not in (None, ""):
        place = Jurisdiction.objects.visible_to(actor).filter(pk=_int(value)).first()
        if place is None:
            refuse("jurisdiction", _("Choose a jurisdiction inside your own."))
        return place  # type: ignore[no-any-return]
    # Without a log: the one place the actor reports for, if there is exactly one.
    key = record_type_key(Hazard)
    places = {g.jurisdiction_id for g in user_grants(actor) if g.role.allows(key, "add")}
    if len(places) == 1:
        return Jurisdiction.objects.get(pk=places.pop())
    refuse("jurisdiction", _("Choose the jurisdiction where the hazard was found."))
    return None


def _resolve_photos(actor: Any, value: Any, log: PatrolLog | None, refuse: Any) -> list[FieldPhoto]:
    if value in (None, "", []):
        return []
    if not isinstance(value, list | tuple):
        refuse("photos", _("Give a list of photos."))
        return []
    uuids: list[uuid_lib.UUID] = []
    pks: list[int] = []
    for v in value:
        if isinstance(v, int) and not isinstance(v, bool):
            pks.append(v)
            continue
        if isinstance(v, str) and v.isdigit():
            pks.append(int(v))
            continue
        try:
            uuids.append(v if isinstance(v, uuid_lib.UUID) else uuid_lib.UUID(str(v)))
        except ValueError:
            refuse("photos", _("Enter valid photo ids."))
            return []
    qs = FieldPhoto.objects.visible_to(actor)
    found = list(qs.filter(uuid__in=uuids)) + list(qs.filter(pk__in=pks))
    if len({p.pk for p in found}) != len(set(uuids)) + len(set(pks)):
        refuse("photos", _("Some of these photos were not found."))
        return []
    if log is not None and any(p.log_id not in (None, log.pk) for p in found):
        refuse("photos", _("Attach only photos of this patrol log."))
        return []
    return found


# -- telling the office --------------------------------------------------------------------------


def office_users(jurisdiction: Jurisdiction) -> list[Any]:
    """Users holding the office role at the jurisdiction or above it (active users only)."""
    return users_with_role(jurisdiction, OFFICE_ROLE)


def _tell_office(hazard: Hazard, actor: Any) -> None:
    """After the commit, put the new hazard in the office's inbox (not the finder's own)."""
    hazard_pk = hazard.pk
    actor_pk = getattr(actor, "pk", None)

    def send() -> None:
        from shouwang.notify.services import notify

        fresh = Hazard.objects.select_related("category", "jurisdiction", "found_by").get(
            pk=hazard_pk
        )
        recipients = [u for u in office_users(fresh.jurisdiction) if u.pk != actor_pk]
        if not recipients:
            return
        title = _("Hazard reported: %(category)s, %(place)s") % {
            "category": str(fresh.category),
            "place": fresh.place or fresh.jurisdiction.name,
        }
        body = "\n".join(
            line
            for line in (
                fresh.description,
                str(fresh.get_severity_display()),
                _("Found by %(name)s") % {"name": _person(fresh.found_by)},
            )
            if line
        )
        notify(
            recipients,
            kind="hazards.reported",
            title=title,
            body=body,
            link=reverse("record-detail", args=["hazards", hazard_pk]),
            jurisdiction=fresh.jurisdiction,
        )

    transaction.on_commit(send, robust=True)


def _person(user: Any) -> str:
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return str(full or getattr(user, "username", ""))


def hazards_of(results: Iterable[ChecklistResult]) -> dict[int, Hazard]:
    """The hazard of each checklist result that has one (for log pages): result pk → hazard."""
    pks = [r.pk for r in results]
    return {
        h.checklist_result_id: h
        for h in Hazard.objects.filter(checklist_result_id__in=pks)
        if h.checklist_result_id is not None
    }
