"""The phone's sync batch, processed item by item (docs/field-sync.md).

A batch is checked as a whole first (JSON, `items`, at most 200, each item an object with a
uuid): a malformed envelope is refused before anything is written. Then each item runs in its
own durable transaction, in order, so an answer of `saved` always means committed, and a
refused item never undoes the others. Every item is idempotent by its phone-made uuid.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.patrols import services
from shouwang.patrols.models import (
    CheckIn,
    ChecklistResult,
    FieldPhoto,
    LogAttendance,
    PatrolLog,
    TrackBatch,
)
from shouwang.patrols.services import REJECTED, RETRY, SAVED, UNCHANGED, SyncOutcome

logger = logging.getLogger(__name__)

MAX_ITEMS = 200
KINDS = ("patrol_log", "check_in", "track", "hazard")

_MODELS: dict[str, Any] = {
    "patrol_log": PatrolLog,
    "check_in": CheckIn,
    "track": TrackBatch,
    "photo": FieldPhoto,
}

# Labels of item fields that are not fields of the record's model.
_EXTRA_LABELS: dict[str, Any] = {
    "attendance": LogAttendance._meta.verbose_name_plural,
    "checklists": ChecklistResult._meta.verbose_name_plural,
    "checkpoint": CheckIn._meta.get_field("key_place").verbose_name,
    "log": PatrolLog._meta.verbose_name,
    "base_version": PatrolLog._meta.get_field("version").verbose_name,
    "submit": gettext_lazy("hand in"),
    "uuid": gettext_lazy("record id"),
    "data": gettext_lazy("data"),
    "file": FieldPhoto._meta.get_field("image").verbose_name,
    "hazard": gettext_lazy("hazard"),
}


class EnvelopeInvalid(Exception):
    """The request as a whole is malformed: answered 422, nothing written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def field_label(kind: str, name: str) -> str:
    """The user-facing label of a field of an item of `kind` (the model's verbose_name)."""
    if name == NON_FIELD:
        return ""
    if kind == "hazard":
        try:
            from shouwang.hazards.services import field_label as hazard_label

            return str(hazard_label(name))
        except ImportError:  # pragma: no cover - the hazards app is always installed
            pass
    if name in _EXTRA_LABELS:
        return str(_EXTRA_LABELS[name])
    model = _MODELS.get(kind)
    try:
        return str(model._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
    except Exception:
        return name


def error_list(kind: str, errors: Mapping[str, list[str]]) -> list[dict[str, str]]:
    """{field: [messages]} → [{"field", "label", "message"}] as in core/api.py."""
    return [
        {"field": name, "label": field_label(kind, name), "message": str(message)}
        for name, messages in errors.items()
        for message in messages
    ]


def parse_envelope(raw: bytes | str) -> list[dict[str, Any]]:
    """The items of a sync request, or EnvelopeInvalid (nothing is written then)."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise EnvelopeInvalid(_("The request is not valid JSON.")) from None
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise EnvelopeInvalid(_('Send an object {"items": [...]}.'))
    items = body["items"]
    if len(items) > MAX_ITEMS:
        raise EnvelopeInvalid(
            _("At most %(max)d items per request; got %(count)d.")
            % {"max": MAX_ITEMS, "count": len(items)}
        )
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or services.parse_uuid(item.get("uuid")) is None:
            raise EnvelopeInvalid(
                _("Item %(number)d has no valid uuid: every item needs its record id.")
                % {"number": number}
            )
    return items


def process_batch(actor: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Answer each item in order; each one is committed (or not written) before the next."""
    return [process_item(actor, item) for item in items]


def process_item(actor: Any, item: Mapping[str, Any]) -> dict[str, Any]:
    """Process one item in its own durable transaction and shape its result."""
    kind = item.get("kind")
    uuid = str(item.get("uuid"))
    if kind not in KINDS:
        outcome = SyncOutcome(
            REJECTED,
            errors={"kind": [_("Unknown kind; expected one of: %s.") % ", ".join(KINDS)]},
        )
        return _result(uuid, str(kind), outcome)
    data = item.get("data")
    if not isinstance(data, dict):
        outcome = SyncOutcome(REJECTED, errors={"data": [_("Give the record as an object.")]})
        return _result(uuid, str(kind), outcome)
    for attempt in (1, 2):
        try:
            # Durable: never nested in an outer transaction, so leaving the block commits.
            with transaction.atomic(durable=True):
                outcome = _dispatch(actor, str(kind), uuid, data, item.get("base_version"))
            break
        except IntegrityError:
            # The same uuid arrived twice at once (a resend while the first was in flight):
            # the other one won; the second attempt compares with it.
            if attempt == 2:
                outcome = _busy()
        except DatabaseError:
            logger.exception("sync item %s (%s) failed on the database", uuid, kind)
            outcome = _busy()
            break
        except Exception:
            logger.exception("sync item %s (%s) failed", uuid, kind)
            outcome = _busy()
            break
    return _result(uuid, str(kind), outcome)


def _busy() -> SyncOutcome:
    return SyncOutcome(
        RETRY, message=_("The server could not save this record now; it will be sent again.")
    )


def _dispatch(
    actor: Any, kind: str, uuid: str, data: dict[str, Any], base_version: Any
) -> SyncOutcome:
    if kind == "patrol_log":
        return services.save_patrol_log(
            actor=actor, uuid=uuid, data=data, base_version=base_version
        )
    if kind == "check_in":
        return services.record_check_in(actor=actor, uuid=uuid, data=data)
    if kind == "track":
        return services.save_track_batch(actor=actor, uuid=uuid, data=data)
    return _report_hazard(actor, uuid, data)


def _report_hazard(actor: Any, uuid: str, data: dict[str, Any]) -> SyncOutcome:
    """Hazard items go through the hazard register's own service."""
    from shouwang.hazards import services as hazards
    from shouwang.hazards.models import HazardSource

    # A hazard reported on a patrol log waits for that log.
    log_uuid = services.parse_uuid(data.get("log")) if data.get("log") else None
    if log_uuid is not None and not PatrolLog.objects.filter(uuid=log_uuid).exists():
        return SyncOutcome(
            RETRY,
            message=_("The patrol log of this record has not arrived yet; it will be sent again."),
        )
    if data.get("checklist_item"):
        source = HazardSource.CHECKLIST
    elif log_uuid is not None:
        source = HazardSource.PATROL_LOG
    else:
        source = HazardSource.PHONE
    not_received = getattr(hazards, "LogNotReceived", None)
    try:
        hazard, created = hazards.report_hazard(
            actor=actor, uuid=services.parse_uuid(uuid), data=data, source=source
        )
    except PermissionDenied:
        return SyncOutcome(REJECTED, errors={NON_FIELD: [_("You may not report hazards.")]})
    except Http404:
        return SyncOutcome(
            REJECTED, errors={NON_FIELD: [_("A record this report refers to was not found.")]}
        )
    except RecordInvalid as exc:
        if not_received is not None and isinstance(exc, not_received):
            return SyncOutcome(
                RETRY, message="; ".join(m for ms in exc.errors.values() for m in ms)
            )
        return SyncOutcome(REJECTED, errors=exc.errors)
    return SyncOutcome(SAVED if created else UNCHANGED, record=hazard)


def _result(uuid: str, kind: str, outcome: SyncOutcome) -> dict[str, Any]:
    result: dict[str, Any] = {"uuid": uuid, "kind": kind, "status": outcome.status}
    if outcome.version is not None:
        result["version"] = outcome.version
    if outcome.status == services.CONFLICT:
        result["server"] = outcome.server or {}
    elif kind == "check_in" and outcome.server:
        # distance_m, inside_geofence, flag: what the server made of the check-in.
        result.update(outcome.server)
    if outcome.status == REJECTED:
        result["errors"] = error_list(kind, outcome.errors)
        if outcome.existing is not None:
            # The duty's log that a new one would duplicate: the phone offers to continue it.
            result["existing"] = outcome.existing
    if outcome.status == RETRY:
        result["message"] = outcome.message
    return result
