"""Field-work writers: patrol logs, check-ins, GPS track parts and photos from the phone.

Each function is one business action with a keyword-only `actor`: one transaction, full_clean,
one audit event, and it returns a `SyncOutcome` only after its transaction has ended, so a
`saved` answer is never given for anything not committed (the caller, `sync.py`, also runs
each item in a durable transaction). Records carry the phone's uuid: a repeat with the same
content is `unchanged`, never a second record (docs/field-sync.md).

Bad input raises nothing out of these functions: it comes back as a `rejected` outcome with
field errors in the user's language. A record that refers to a patrol log the server has not
received yet comes back as `retry`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import io
import math
import re
import uuid as uuid_lib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.areas.models import KeyPlace, PatrolMethod, Post, Route
from shouwang.core import geo
from shouwang.core.audit import ACTIONS, record_event, snapshot
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import can, in_scope
from shouwang.forces.models import Member, Team
from shouwang.patrols import tallies
from shouwang.patrols.models import (
    AttendanceStatus,
    CheckIn,
    CheckInFlag,
    CheckInKind,
    Checklist,
    ChecklistResult,
    FieldPhoto,
    ItemResult,
    LogAttendance,
    LogStatus,
    PatrolLog,
    TrackBatch,
)
from shouwang.rostering.models import Duty, RosterStatus

LOG_SAVED = "patrols.patrollog.saved"
CHECK_IN_RECORDED = "patrols.checkin.recorded"
TRACK_SAVED = "patrols.trackbatch.saved"
PHOTO_STORED = "patrols.photo.stored"
ACTIONS.setdefault(LOG_SAVED, gettext_lazy("Patrol log saved from the phone"))
ACTIONS.setdefault(CHECK_IN_RECORDED, gettext_lazy("Check-in recorded"))
ACTIONS.setdefault(TRACK_SAVED, gettext_lazy("GPS track part saved"))
ACTIONS.setdefault(PHOTO_STORED, gettext_lazy("Field photo stored"))

SAVED = "saved"
UNCHANGED = "unchanged"
CONFLICT = "conflict"
REJECTED = "rejected"
RETRY = "retry"

#: Rosters whose duties a patrol log may be written for (a draft is not a plan yet).
LOGGABLE_ROSTERS = (RosterStatus.PUBLISHED, RosterStatus.AMENDED)
FINDING_KINDS = ("hazard", "dispute", "person_met", "help_given", "other")
MAX_TRACK_POINTS = 2000
MAX_TEXT = 5000
#: A phone photo shrunk to 1,600 px has under 3 megapixels; far larger ones are refused before
#: decoding, so a small file that unpacks into a huge bitmap cannot exhaust memory.
MAX_PHOTO_PIXELS = 50_000_000
PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
CHECKPOINT_RE = re.compile(r"shouwang:checkpoint:(\d{1,12}):([0-9A-Za-z]{1,64})")


@dataclass
class SyncOutcome:
    """The answer for one record: `status` is one of the five words of docs/field-sync.md."""

    status: str
    version: int | None = None
    server: dict[str, Any] | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    message: str = ""
    record: Any = None
    #: A new log refused because its duty already has one: that log's server copy (if the
    #: writer may see it), so the phone can offer to continue it.
    existing: dict[str, Any] | None = None


class _Retry(Exception):
    """The record refers to something not received yet (a patrol log, a hazard)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Errors(dict[str, list[str]]):
    def add(self, name: str, message: Any) -> None:
        self.setdefault(name, []).append(str(message))

    def raise_if_any(self) -> None:
        if self:
            raise RecordInvalid(dict(self))


def max_photo_bytes() -> int:
    return int(getattr(settings, "SHOUWANG_MAX_PHOTO_BYTES", 8 * 1024 * 1024))


def max_speed_kmh() -> float:
    return float(getattr(settings, "SHOUWANG_MAX_SPEED_KMH", 120))


def member_of(actor: Any) -> Member | None:
    """The member record behind a login (forces.Member.user), if any."""
    if not getattr(actor, "pk", None):
        return None
    return Member.objects.filter(user_id=actor.pk).first()


def _writing_member(actor: Any) -> Member:
    """The member a check-in or track is recorded for: the login's own member record."""
    member = member_of(actor)
    if member is None:
        raise RecordInvalid(
            {NON_FIELD: [_("Your login is not linked to a member; ask the office.")]}
        )
    return member


# ---- parsing what the phone sent --------------------------------------------------------------


def parse_uuid(value: Any) -> uuid_lib.UUID | None:
    if isinstance(value, uuid_lib.UUID):
        return value
    if not isinstance(value, str):
        return None
    try:
        return uuid_lib.UUID(value)
    except ValueError:
        return None


def _datetime(value: Any, name: str, errors: _Errors, required: bool) -> dt.datetime | None:
    if value in (None, ""):
        if required:
            errors.add(name, _("This field is required."))
        return None
    parsed = None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and len(value) <= 40:
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        errors.add(
            name, _("Enter a valid date and time (ISO 8601, e.g. 2026-11-23T20:00:00+08:00).")
        )
        return None
    if timezone.is_naive(parsed):
        # A phone time without an offset is read as local time (Asia/Shanghai).
        parsed = timezone.make_aware(parsed)
    return parsed


def _ref(value: Any, name: str, errors: _Errors, required: bool = False) -> int | None:
    """A record id as JSON gave it: an integer (or integer text); None when empty."""
    if value in (None, ""):
        if required:
            errors.add(name, _("This field is required."))
        return None
    if isinstance(value, bool):
        errors.add(name, _("Enter a record id (a whole number)."))
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 18:
        return int(value.strip())
    errors.add(name, _("Enter a record id (a whole number)."))
    return None


def _text(value: Any, name: str, errors: _Errors, max_length: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(name, _("Enter text."))
        return ""
    value = value.strip()
    if len(value) > max_length:
        errors.add(
            name,
            _("At most %(max)d characters (it has %(length)d).")
            % {"max": max_length, "length": len(value)},
        )
    return value


def _number(value: Any, name: str, errors: _Errors, minimum: float = 0.0) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        errors.add(name, _("Enter a number."))
        return None
    if value < minimum:
        errors.add(name, _("Must be at least %(min)s.") % {"min": minimum})
        return None
    return float(value)


def _flag(data: Mapping[str, Any], name: str, errors: _Errors) -> bool:
    """A true/false field (absent or null: false)."""
    value = data.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        errors.add(name, _("Give true or false."))
        return False
    return value


def _row_error(errors: _Errors, name: str, row: int, message: Any) -> None:
    errors.add(name, _("Row %(row)d: %(message)s") % {"row": row, "message": message})


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def _clean(instance: Model, **kwargs: Any) -> None:
    try:
        instance.full_clean(**kwargs)
    except ValidationError as exc:
        raise RecordInvalid.from_validation_error(exc) from exc


def _rejected(exc: RecordInvalid) -> SyncOutcome:
    return SyncOutcome(REJECTED, errors=exc.errors)


def _log_for(actor: Any, value: Any, name: str = "log") -> PatrolLog:
    """The patrol log a record belongs to: retry when not received, refused outside scope."""
    log_uuid = parse_uuid(value)
    if log_uuid is None:
        raise RecordInvalid({name: [_("Give the patrol log's record id (UUID).")]})
    log = (
        PatrolLog.objects.select_related(
            "post__key_place", "post__route", "post__segment", "post__zone", "route"
        )
        .filter(uuid=log_uuid)
        .first()
    )
    if log is None:
        raise _Retry(_("The patrol log of this record has not arrived yet; it will be sent again."))
    if not PatrolLog.objects.visible_to(actor).filter(pk=log.pk).exists():
        raise RecordInvalid({name: [_("This patrol log is not one of your team's logs.")]})
    return log


def _own(actor: Any, model: Any, record: Model) -> bool:
    """Whether an existing record (found by its uuid) lies in the actor's scope."""
    return bool(model.objects.visible_to(actor).filter(pk=record.pk).exists())


def _refuse_if_confirmed(log: PatrolLog, name: str = "log") -> None:
    if log.is_confirmed:
        raise RecordInvalid(
            {
                name: [
                    _(
                        "This patrol log has been confirmed by the leader and is read-only; "
                        "ask the leader to append a correction."
                    )
                ]
            }
        )


# ---- patrol logs ------------------------------------------------------------------------------


@dataclass
class _LogInput:
    duty: Duty | None
    team: Team
    post: Post | None
    route: Route | None
    place: str
    method: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    findings: list[dict[str, str]]
    publicity: str
    notes: str
    submit: bool
    client_updated_at: dt.datetime | None
    attendance: list[dict[str, Any]]
    results: list[dict[str, Any]]
    second_log: bool = False


LOG_KEYS = frozenset(
    {
        "duty",
        "team",
        "post",
        "route",
        "place",
        "method",
        "started_at",
        "ended_at",
        "attendance",
        "checklists",
        "findings",
        "publicity",
        "notes",
        "submit",
        "client_updated_at",
        "second_log",
    }
)


def _parse_log(actor: Any, data: Mapping[str, Any]) -> _LogInput:
    """Check a whole patrol log field by field; raise RecordInvalid naming every fault."""
    errors = _Errors()
    if not isinstance(data, Mapping):
        raise RecordInvalid({NON_FIELD: [_("The patrol log must be an object of fields.")]})
    for key in sorted(set(data) - LOG_KEYS):
        errors.add(key, _("Unknown field."))

    # Duty and team: a duty must be one the actor may see (their team, their jurisdiction).
    duty: Duty | None = None
    team: Team | None = None
    duty_id = _ref(data.get("duty"), "duty", errors)
    team_id = _ref(data.get("team"), "team", errors)
    if duty_id is not None:
        duty = (
            Duty.objects.visible_to(actor)
            .select_related("roster__team__jurisdiction", "post__jurisdiction")
            .filter(pk=duty_id)
            .first()
        )
        if duty is None:
            errors.add(
                "duty", _("This duty belongs to another team or jurisdiction, or does not exist.")
            )
        elif duty.roster.status not in LOGGABLE_ROSTERS:
            errors.add("duty", _("This duty is not on a published roster."))
            duty = None
        else:
            team = duty.roster.team
            if team_id is not None and team_id != team.pk:
                errors.add("team", _("The team must be the duty's team."))
    elif "duty" not in errors:
        if team_id is None:
            if "team" not in errors:
                errors.add("team", _("Give the team of an unplanned patrol."))
        else:
            team = (
                Team.objects.visible_to(actor)
                .select_related("jurisdiction")
                .filter(pk=team_id)
                .first()
            )
            if team is None:
                errors.add("team", _("This team is not in your scope, or does not exist."))

    post: Post | None = None
    post_id = _ref(data.get("post"), "post", errors)
    if post_id is not None:
        post = (
            Post.objects.visible_to(actor).select_related("jurisdiction").filter(pk=post_id).first()
        )
        if post is None:
            errors.add("post", _("This post is not in your scope, or does not exist."))
    elif duty is not None:
        post = duty.post
    route: Route | None = None
    route_id = _ref(data.get("route"), "route", errors)
    if route_id is not None:
        route = Route.objects.visible_to(actor).filter(pk=route_id).first()
        if route is None:
            errors.add("route", _("This route is not in your scope, or does not exist."))

    method = data.get("method") or PatrolMethod.FOOT
    if method not in PatrolMethod.values:
        errors.add(
            "method",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(PatrolMethod.values)},
        )
    started_at = _datetime(data.get("started_at"), "started_at", errors, required=True)
    ended_at = _datetime(data.get("ended_at"), "ended_at", errors, required=False)
    if started_at and ended_at and ended_at < started_at:
        errors.add("ended_at", _("The end must not be before the start."))
    client_updated_at = _datetime(
        data.get("client_updated_at"), "client_updated_at", errors, required=False
    )
    submit = _flag(data, "submit", errors)
    # A deliberate second log for a duty that already has one (never stored, only a consent).
    second_log = _flag(data, "second_log", errors)

    findings: list[dict[str, str]] = []
    raw_findings = data.get("findings") or []
    if not isinstance(raw_findings, list):
        errors.add("findings", _("Give a list of findings."))
    else:
        for row, finding in enumerate(raw_findings, start=1):
            if not isinstance(finding, Mapping):
                _row_error(errors, "findings", row, _('give {"kind": …, "text": …}.'))
                continue
            kind = finding.get("kind") or "other"
            text = finding.get("text")
            if kind not in FINDING_KINDS:
                _row_error(
                    errors,
                    "findings",
                    row,
                    _("choose one of: %(choices)s.") % {"choices": ", ".join(FINDING_KINDS)},
                )
            elif not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
                _row_error(errors, "findings", row, _("describe what was found."))
            else:
                findings.append({"kind": kind, "text": text.strip()})

    attendance = _parse_attendance(actor, data.get("attendance"), duty, errors)
    results = _parse_checklists(actor, data.get("checklists"), errors)
    place = _text(data.get("place"), "place", errors, 200)
    publicity = _text(data.get("publicity"), "publicity", errors, MAX_TEXT)
    notes = _text(data.get("notes"), "notes", errors, MAX_TEXT)
    errors.raise_if_any()
    assert team is not None and started_at is not None
    return _LogInput(
        duty=duty,
        team=team,
        post=post,
        route=route,
        place=place,
        method=str(method),
        started_at=started_at,
        ended_at=ended_at,
        findings=findings,
        publicity=publicity,
        notes=notes,
        submit=submit,
        client_updated_at=client_updated_at,
        attendance=attendance,
        results=results,
        second_log=second_log,
    )


def _parse_attendance(
    actor: Any, raw: Any, duty: Duty | None, errors: _Errors
) -> list[dict[str, Any]]:
    """Attendance checked against the roster; every rostered member not listed is absent."""
    if raw in (None, ""):
        raw = []
    if not isinstance(raw, list):
        errors.add("attendance", _("Give a list of members."))
        return []
    assigned: list[int] = (
        list(duty.assignments.order_by("pk").values_list("member_id", flat=True)) if duty else []
    )
    wanted: set[int] = set()
    for entry in raw:
        if isinstance(entry, Mapping):
            for key in ("member", "substitute_for"):
                value = entry.get(key)
                if isinstance(value, int) and not isinstance(value, bool):
                    wanted.add(value)
    visible = set(
        Member.objects.visible_to(actor).filter(pk__in=wanted).values_list("pk", flat=True)
    )
    rows: list[dict[str, Any]] = []
    seen: set[int] = set()
    for row_no, entry in enumerate(raw, start=1):
        if not isinstance(entry, Mapping):
            _row_error(errors, "attendance", row_no, _('give {"member": id, "status": …}.'))
            continue
        member = entry.get("member")
        status = entry.get("status")
        substitute_for = entry.get("substitute_for")
        note = entry.get("note") or ""
        if isinstance(member, bool) or not isinstance(member, int) or member not in visible:
            _row_error(
                errors, "attendance", row_no, _("this member is not in your team, or unknown.")
            )
            continue
        if member in seen:
            _row_error(errors, "attendance", row_no, _("this member is listed twice."))
            continue
        seen.add(member)
        if status not in AttendanceStatus.values:
            _row_error(
                errors,
                "attendance",
                row_no,
                _("choose one of: %(choices)s.") % {"choices": ", ".join(AttendanceStatus.values)},
            )
            continue
        if not isinstance(note, str) or len(note) > 200:
            _row_error(errors, "attendance", row_no, _("the note must be text (200 characters)."))
            continue
        if substitute_for in (None, ""):
            substitute_for = None
        # A substitute may leave `substitute_for` empty (the phone adds a member who came along
        # before anyone says whom they replace); when named, it must be a rostered member.
        if substitute_for is not None:
            if status != AttendanceStatus.SUBSTITUTE:
                _row_error(
                    errors, "attendance", row_no, _("only a substitute stands in for someone.")
                )
                continue
            if (
                isinstance(substitute_for, bool)
                or not isinstance(substitute_for, int)
                or substitute_for not in assigned
                or substitute_for == member
            ):
                _row_error(
                    errors,
                    "attendance",
                    row_no,
                    _("a substitute stands in for a member on the roster of this duty."),
                )
                continue
        rows.append(
            {
                "member": member,
                "status": str(status),
                "rostered": member in assigned,
                "substitute_for": substitute_for,
                "note": note.strip(),
            }
        )
    for member in assigned:
        if member not in seen:
            rows.append(
                {
                    "member": member,
                    "status": AttendanceStatus.ABSENT.value,
                    "rostered": True,
                    "substitute_for": None,
                    "note": "",
                }
            )
    return rows


def _parse_checklists(actor: Any, raw: Any, errors: _Errors) -> list[dict[str, Any]]:
    """Checklist answers; the item's text is kept as it read when answered."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        errors.add("checklists", _("Give a list of checklists."))
        return []
    ids = {
        c.get("checklist")
        for c in raw
        if isinstance(c, Mapping) and isinstance(c.get("checklist"), int)
    }
    checklists = {c.pk: c for c in Checklist.objects.visible_to(actor).filter(pk__in=ids)}
    results: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()
    for row_no, entry in enumerate(raw, start=1):
        checklist = checklists.get(entry.get("checklist")) if isinstance(entry, Mapping) else None
        if checklist is None:
            _row_error(errors, "checklists", row_no, _("this checklist is unknown here."))
            continue
        texts = {
            str(i.get("code")): str(i.get("text", ""))
            for i in (checklist.items or [])
            if isinstance(i, Mapping)
        }
        items = entry.get("items") or []
        if not isinstance(items, list):
            _row_error(errors, "checklists", row_no, _("give a list of items."))
            continue
        for item in items:
            code = item.get("code") if isinstance(item, Mapping) else None
            if not isinstance(code, str) or code not in texts:
                _row_error(
                    errors,
                    "checklists",
                    row_no,
                    _("%(checklist)s has no item %(code)s.")
                    % {"checklist": checklist.name, "code": repr(code)[:60]},
                )
                continue
            assert isinstance(item, Mapping)
            if (checklist.pk, code) in seen:
                _row_error(
                    errors,
                    "checklists",
                    row_no,
                    _("item %(code)s is answered twice.") % {"code": code},
                )
                continue
            seen.add((checklist.pk, code))
            result = item.get("result")
            note = item.get("note") or ""
            if result not in ItemResult.values:
                _row_error(
                    errors,
                    "checklists",
                    row_no,
                    _("item %(code)s: choose one of: %(choices)s.")
                    % {"code": code, "choices": ", ".join(ItemResult.values)},
                )
                continue
            if not isinstance(note, str) or len(note) > 500:
                _row_error(
                    errors,
                    "checklists",
                    row_no,
                    _("item %(code)s: the note must be text (500 characters).") % {"code": code},
                )
                continue
            results.append(
                {
                    "checklist": checklist.pk,
                    "code": code,
                    "text": texts[code][:300],
                    "result": str(result),
                    "note": note.strip(),
                }
            )
    return results


def _new_status(incoming: _LogInput, existing: PatrolLog | None) -> str:
    if existing is not None and existing.is_confirmed:
        return LogStatus.CONFIRMED
    if incoming.submit:
        return LogStatus.SUBMITTED
    # Handing in is one-way from the phone: an older copy without it does not reopen the log.
    return existing.status if existing is not None else LogStatus.OPEN


def _attendance_key(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(
        (r["member"], r["status"], bool(r["rostered"]), r["substitute_for"], r["note"])
        for r in rows
    )


def _results_key(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((r["checklist"], r["code"], r["result"], r["note"]) for r in rows)


def _input_content(incoming: _LogInput, status: str) -> dict[str, Any]:
    return {
        "duty": incoming.duty.pk if incoming.duty else None,
        "team": incoming.team.pk,
        "post": incoming.post.pk if incoming.post else None,
        "route": incoming.route.pk if incoming.route else None,
        "place": incoming.place,
        "method": incoming.method,
        "started_at": _iso(incoming.started_at),
        "ended_at": _iso(incoming.ended_at),
        "findings": incoming.findings,
        "publicity": incoming.publicity,
        "notes": incoming.notes,
        "status": status,
        "attendance": _attendance_key(incoming.attendance),
        "checklists": _results_key(incoming.results),
    }


def _attendance_rows(log: PatrolLog) -> list[dict[str, Any]]:
    return [
        {
            "member": a.member_id,
            "status": a.status,
            "rostered": a.rostered,
            "substitute_for": a.substitute_for_id,
            "note": a.note,
        }
        for a in log.attendance.order_by("pk")
    ]


def _result_rows(log: PatrolLog) -> list[dict[str, Any]]:
    return [
        {
            "checklist": r.checklist_id,
            "code": r.item_code,
            "text": r.item_text,
            "result": r.result,
            "note": r.note,
        }
        for r in log.checklist_results.order_by("checklist_id", "pk")
    ]


def _log_content(log: PatrolLog) -> dict[str, Any]:
    return {
        "duty": log.duty_id,
        "team": log.team_id,
        "post": log.post_id,
        "route": log.route_id,
        "place": log.place,
        "method": log.method,
        "started_at": _iso(log.started_at),
        "ended_at": _iso(log.ended_at),
        "findings": [
            {"kind": str(f.get("kind", "")), "text": str(f.get("text", ""))}
            for f in (log.findings or [])
            if isinstance(f, Mapping)
        ],
        "publicity": log.publicity,
        "notes": log.notes,
        "status": log.status,
        "attendance": _attendance_key(_attendance_rows(log)),
        "checklists": _results_key(_result_rows(log)),
    }


def log_server_copy(log: PatrolLog) -> dict[str, Any]:
    """The server's copy of a log in the phone's shape (sent with a `conflict`)."""
    by_checklist: dict[int, list[dict[str, Any]]] = {}
    for r in _result_rows(log):
        by_checklist.setdefault(r["checklist"], []).append(
            {"code": r["code"], "text": r["text"], "result": r["result"], "note": r["note"]}
        )
    return {
        "uuid": str(log.uuid),
        "version": log.version,
        "status": log.status,
        "duty": log.duty_id,
        "team": log.team_id,
        "post": log.post_id,
        "route": log.route_id,
        "place": log.place,
        "method": log.method,
        "started_at": _iso(log.started_at),
        "ended_at": _iso(log.ended_at),
        "attendance": _attendance_rows(log),
        "checklists": [{"checklist": k, "items": v} for k, v in by_checklist.items()],
        "findings": log.findings or [],
        "publicity": log.publicity,
        "notes": log.notes,
        "submit": log.status != LogStatus.OPEN,
        "client_updated_at": _iso(log.client_updated_at),
        "updated_at": _iso(log.updated_at),
    }


def _log_snapshot(log: PatrolLog) -> dict[str, Any]:
    data = snapshot(log)
    data["attendance"] = _attendance_rows(log)
    data["checklists"] = [{k: v for k, v in r.items() if k != "text"} for r in _result_rows(log)]
    return data


def _write_children(log: PatrolLog, incoming: _LogInput) -> None:
    """Replace attendance and checklist answers by what was sent (rows kept where unchanged,
    so a hazard made from a checklist item stays linked to its item)."""
    current = {a.member_id: a for a in log.attendance.all()}
    keep: set[int] = set()
    for row in incoming.attendance:
        att = current.get(row["member"]) or LogAttendance(log=log, member_id=row["member"])
        att.status = row["status"]
        att.rostered = row["rostered"]
        att.substitute_for_id = row["substitute_for"]
        att.note = row["note"]
        _clean(att, exclude=["log"], validate_constraints=False)
        att.save()
        keep.add(att.pk)
    log.attendance.exclude(pk__in=keep).delete()

    answers = {(r.checklist_id, r.item_code): r for r in log.checklist_results.all()}
    kept: set[int] = set()
    for row in incoming.results:
        res = answers.get((row["checklist"], row["code"])) or ChecklistResult(
            log=log, checklist_id=row["checklist"], item_code=row["code"], item_text=row["text"]
        )
        res.result = row["result"]
        res.note = row["note"]
        _clean(res, exclude=["log"], validate_constraints=False)
        res.save()
        kept.add(res.pk)
    log.checklist_results.exclude(pk__in=kept).delete()


def _author_name(log: PatrolLog) -> str:
    """Who wrote a log, as the team knows them: the member's name, else the login."""
    if log.author_id is None:
        return ""
    member = Member.objects.filter(user_id=log.author_id).only("name").first()
    if member is not None:
        return member.name
    return str(log.author.get_username()) if log.author else ""


def _log_of_duty(actor: Any, duty: Duty) -> PatrolLog | None:
    """The log a duty already has, if any: an open one first (it can still be continued), the
    actor's own before a teammate's, the latest start first. Called under the duty's row lock,
    so two phones starting the same duty at once cannot both miss each other's log."""
    Duty.objects.select_for_update().filter(pk=duty.pk).first()
    logs = list(PatrolLog.objects.filter(duty=duty).select_related("author"))
    if not logs:
        return None
    logs.sort(key=lambda log: log.started_at, reverse=True)
    logs.sort(key=lambda log: (log.status != LogStatus.OPEN, log.author_id != actor.pk))
    return logs[0]


def duty_log_summary(log: PatrolLog, actor: Any) -> dict[str, Any]:
    """A duty's existing log as the phone shows it on the duty card (and with a refusal)."""
    return {
        **log_server_copy(log),
        "author": _author_name(log),
        "mine": log.author_id == getattr(actor, "pk", None),
    }


def _second_log_refusal(actor: Any, log: PatrolLog) -> SyncOutcome:
    """A new log for a duty that already has one: refused on `duty`, naming the log, with its
    copy (when the writer may see it) so the phone can continue it instead."""
    message = _(
        "This duty already has a patrol log (%(who)s, started %(time)s, %(status)s); "
        "continue that log instead of starting another."
    ) % {
        "who": _author_name(log) or "—",
        "time": timezone.localtime(log.started_at).strftime("%m-%d %H:%M"),
        "status": log.get_status_display(),
    }
    visible = PatrolLog.objects.visible_to(actor).filter(pk=log.pk).exists()
    return SyncOutcome(
        REJECTED,
        errors={"duty": [message]},
        existing=duty_log_summary(log, actor) if visible else None,
    )


def save_patrol_log(
    *, actor: Any, uuid: Any, data: Mapping[str, Any], base_version: int | None
) -> SyncOutcome:
    """Create or replace a whole patrol log sent by the phone (docs/field-sync.md).

    Same content → `unchanged`; a confirmed log → `rejected` (field `status`); the server's
    version differs from `base_version` and the content differs → `conflict` with the server's
    copy. `base_version` null on a log the server already has at version 1, written by the
    same login, is the phone's own first upload whose answer was lost: it is saved, not a
    conflict. Attendance is checked against the duty's roster (every rostered member not
    listed is recorded absent). The author of a new log is the actor. A new log for a duty
    that already has a log is `rejected` on `duty` (with the existing log's copy in
    `existing`) unless `data.second_log` is true.
    """
    log_uuid = parse_uuid(uuid)
    if log_uuid is None:
        return SyncOutcome(REJECTED, errors={"uuid": [_("Enter a valid record id (UUID).")]})
    if base_version is not None and (
        isinstance(base_version, bool) or not isinstance(base_version, int)
    ):
        return SyncOutcome(REJECTED, errors={"base_version": [_("Give a whole number or null.")]})
    try:
        with transaction.atomic():
            existing = PatrolLog.objects.select_for_update().filter(uuid=log_uuid).first()
            if existing is None:
                if not can(actor, PatrolLog, "add"):
                    raise RecordInvalid({NON_FIELD: [_("You may not write patrol logs.")]})
            elif not PatrolLog.objects.visible_to(actor, "change").filter(pk=existing.pk).exists():
                raise RecordInvalid({NON_FIELD: [_("You may not change this patrol log.")]})
            incoming = _parse_log(actor, data)
            # One log per duty: a NEW log (a uuid not seen before) for a duty that already has
            # one is refused unless the writer asks for a second log on purpose. A resend of a
            # known uuid never reaches this rule, so idempotency is untouched.
            if existing is None and incoming.duty is not None and not incoming.second_log:
                earlier = _log_of_duty(actor, incoming.duty)
                if earlier is not None:
                    return _second_log_refusal(actor, earlier)
            status = _new_status(incoming, existing)
            if existing is not None:
                if _log_content(existing) == _input_content(incoming, status):
                    return SyncOutcome(UNCHANGED, version=existing.version, record=existing)
                if existing.is_confirmed:
                    raise RecordInvalid(
                        {
                            "status": [
                                _(
                                    "This patrol log has been confirmed by the leader and is "
                                    "read-only; ask the leader to append a correction."
                                )
                            ]
                        }
                    )
                base = base_version
                if base is None and existing.version == 1 and existing.author_id == actor.pk:
                    base = 1
                if base != existing.version:
                    return SyncOutcome(
                        CONFLICT,
                        version=existing.version,
                        server=log_server_copy(existing),
                        record=existing,
                    )
            before = _log_snapshot(existing) if existing is not None else None
            previous_duty = existing.duty_id if existing is not None else None
            log = existing or PatrolLog(uuid=log_uuid, author=actor, version=0)
            log.duty = incoming.duty
            log.team = incoming.team
            log.post = incoming.post
            log.route = incoming.route
            log.place = incoming.place
            log.method = incoming.method
            log.started_at = incoming.started_at
            log.ended_at = incoming.ended_at
            log.findings = incoming.findings
            log.publicity = incoming.publicity
            log.notes = incoming.notes
            log.status = status
            log.client_updated_at = incoming.client_updated_at
            log.jurisdiction = (incoming.post or incoming.team).jurisdiction
            log.version = log.version + 1
            _clean(log, validate_constraints=False, validate_unique=False)
            log.save()
            _write_children(log, incoming)
            tallies.refresh_logs([log.pk])
            tallies.refresh_duties([previous_duty, log.duty_id])
            if not in_scope(log, actor, "change" if existing else "add"):
                raise RecordInvalid(
                    {
                        NON_FIELD: [
                            _("You may not write patrol logs outside your team or jurisdiction.")
                        ]
                    }
                )
            record_event(
                LOG_SAVED, actor=actor, target=log, before=before, after=_log_snapshot(log)
            )
            outcome = SyncOutcome(SAVED, version=log.version, record=log)
    except RecordInvalid as exc:
        return _rejected(exc)
    return outcome


# ---- check-ins --------------------------------------------------------------------------------

CHECK_IN_KEYS = frozenset(
    {"log", "kind", "latitude", "longitude", "accuracy_m", "checkpoint", "phone_time"}
)


def _checkpoint(actor: Any, text: Any, errors: _Errors) -> KeyPlace | None:
    """The key place of a scanned QR text, if it is a checkpoint in the actor's scope."""
    if text in (None, ""):
        return None
    refused = _("This code is not a checkpoint of your area.")
    match = CHECKPOINT_RE.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        errors.add("checkpoint", refused)
        return None
    place = (
        KeyPlace.objects.visible_to(actor)
        .filter(pk=int(match.group(1)), is_checkpoint=True)
        .first()
    )
    # Constant-time comparison: the token is what makes a printed code unforgeable.
    if (
        place is None
        or not place.checkpoint_token
        or not hmac.compare_digest(place.checkpoint_token.encode(), match.group(2).encode())
    ):
        errors.add("checkpoint", refused)
        return None
    return place


def post_geometries(log: PatrolLog) -> list[dict[str, Any]]:
    """The places a check-in on this log is measured against: the post's key place point,
    route and segment lines and zone polygon; or the log's route for an unplanned patrol."""
    geometries: list[dict[str, Any]] = []
    post = log.post
    if post is not None:
        place = post.key_place
        if place is not None and place.latitude is not None and place.longitude is not None:
            geometries.append(geo.point(place.latitude, place.longitude))
        for related in (post.route, post.segment, post.zone):
            if related is not None and isinstance(related.geometry, dict):
                geometries.append(related.geometry)
    if not geometries and log.route is not None and isinstance(log.route.geometry, dict):
        geometries.append(log.route.geometry)
    return geometries


def _position_of(check_in: CheckIn) -> tuple[float, float, float] | None:
    """(lat, lon, accuracy) of a check-in: its fix, else the scanned checkpoint's place."""
    if check_in.latitude is not None and check_in.longitude is not None:
        return check_in.latitude, check_in.longitude, check_in.accuracy_m or 0.0
    place = check_in.key_place
    if place is not None and place.latitude is not None and place.longitude is not None:
        return place.latitude, place.longitude, 0.0
    return None


def _assess(check_in: CheckIn, log: PatrolLog) -> None:
    """Distance to the post, inside the geofence or not, and the flags for review."""
    flags: list[str] = []
    details: list[str] = []
    position = _position_of(check_in)
    if position is None:
        flags.append(CheckInFlag.NO_POSITION)
        details.append(str(_("No position and no checkpoint scan.")))
    else:
        lat, lon, _acc = position
        distance = geo.nearest_distance_m(lat, lon, post_geometries(log))
        if distance is not None:
            check_in.distance_m = round(distance, 1)
            radius = log.post.geofence_radius_m if log.post is not None else 300
            check_in.inside_geofence = distance <= radius
            if not check_in.inside_geofence:
                flags.append(CheckInFlag.OUTSIDE_GEOFENCE)
                details.append(
                    str(_("%(distance)d m from the post (radius %(radius)d m)."))
                    % {"distance": round(distance), "radius": radius}
                )
        speed = _speed_from_previous(check_in, position)
        if speed is not None and speed > max_speed_kmh():
            flags.insert(0, CheckInFlag.IMPLAUSIBLE_SPEED)
            details.append(
                str(_("%(speed)d km/h since the previous check-in (limit %(limit)d km/h)."))
                % {"speed": round(speed), "limit": round(max_speed_kmh())}
            )
    check_in.flag = flags[0] if flags else CheckInFlag.NONE
    check_in.flag_detail = " ".join(details)[:200]


def _speed_from_previous(check_in: CheckIn, position: tuple[float, float, float]) -> float | None:
    """km/h from the same member's previous check-in (by phone time) with a position.

    The fixes' accuracies are taken off the distance, so GPS jitter between two check-ins a
    few seconds apart is not mistaken for speed.
    """
    previous_list = (
        CheckIn.objects.filter(member=check_in.member, phone_time__lte=check_in.phone_time)
        .exclude(uuid=check_in.uuid)
        .select_related("key_place")
        .order_by("-phone_time", "-pk")[:5]
    )
    for previous in previous_list:
        before = _position_of(previous)
        if before is None:
            continue
        lat, lon, acc = position
        distance = geo.haversine_m(before[0], before[1], lat, lon) - acc - before[2]
        if distance <= 0:
            return 0.0
        seconds = max((check_in.phone_time - previous.phone_time).total_seconds(), 1.0)
        return distance / 1000 / (seconds / 3600)
    return None


def _check_in_content(check_in: CheckIn) -> dict[str, Any]:
    return {
        "log": check_in.log_id,
        "kind": check_in.kind,
        "latitude": check_in.latitude,
        "longitude": check_in.longitude,
        "accuracy_m": check_in.accuracy_m,
        "key_place": check_in.key_place_id,
        "phone_time": _iso(check_in.phone_time),
    }


def check_in_server_copy(check_in: CheckIn) -> dict[str, Any]:
    return {
        "uuid": str(check_in.uuid),
        "log": str(check_in.log.uuid),
        "kind": check_in.kind,
        "latitude": check_in.latitude,
        "longitude": check_in.longitude,
        "accuracy_m": check_in.accuracy_m,
        "key_place": check_in.key_place_id,
        "phone_time": _iso(check_in.phone_time),
        "received_at": _iso(check_in.received_at),
        "distance_m": check_in.distance_m,
        "inside_geofence": check_in.inside_geofence,
        "flag": check_in.flag,
    }


def _record_outcome(check_in: CheckIn) -> dict[str, Any]:
    return {
        "distance_m": check_in.distance_m,
        "inside_geofence": check_in.inside_geofence,
        "flag": check_in.flag,
    }


def record_check_in(*, actor: Any, uuid: Any, data: Mapping[str, Any]) -> SyncOutcome:
    """Record a member's presence on site: position and/or a scanned QR checkpoint.

    Never refused for distance: the distance to the post is stored and the check-in flagged
    (`outside_geofence`, `implausible_speed`, `no_position`) for the leader's review. A scanned
    text that is not a checkpoint in the actor's scope is refused (field `checkpoint`). The
    phone's time is kept as `phone_time`; the server's receive time is stored beside it.
    """
    check_in_uuid = parse_uuid(uuid)
    if check_in_uuid is None:
        return SyncOutcome(REJECTED, errors={"uuid": [_("Enter a valid record id (UUID).")]})
    try:
        with transaction.atomic():
            if not isinstance(data, Mapping):
                raise RecordInvalid({NON_FIELD: [_("The check-in must be an object of fields.")]})
            existing = CheckIn.objects.select_related("log").filter(uuid=check_in_uuid).first()
            errors = _Errors()
            for key in sorted(set(data) - CHECK_IN_KEYS):
                errors.add(key, _("Unknown field."))
            kind = data.get("kind")
            if kind not in CheckInKind.values:
                errors.add(
                    "kind",
                    _("Choose one of: %(choices)s.") % {"choices": ", ".join(CheckInKind.values)},
                )
            latitude, longitude = data.get("latitude"), data.get("longitude")
            for name, messages in geo.position_errors(latitude, longitude).items():
                for message in messages:
                    errors.add(name, message)
            accuracy = _number(data.get("accuracy_m"), "accuracy_m", errors)
            phone_time = _datetime(data.get("phone_time"), "phone_time", errors, required=True)
            place = _checkpoint(actor, data.get("checkpoint"), errors)
            if kind == CheckInKind.CHECKPOINT and data.get("checkpoint") in (None, ""):
                errors.add("checkpoint", _("Scan the checkpoint's code."))
            errors.raise_if_any()
            assert phone_time is not None
            log = _log_for(actor, data.get("log"))
            candidate = CheckIn(
                uuid=check_in_uuid,
                log=log,
                kind=str(kind),
                latitude=float(latitude) if latitude is not None else None,
                longitude=float(longitude) if longitude is not None else None,
                accuracy_m=accuracy if latitude is not None else None,
                key_place=place,
                phone_time=phone_time,
            )
            if existing is not None and not _own(actor, CheckIn, existing):
                raise RecordInvalid({NON_FIELD: [_("This record id belongs to another record.")]})
            if existing is not None:
                if _check_in_content(existing) == _check_in_content(candidate):
                    return SyncOutcome(UNCHANGED, record=existing, server=_record_outcome(existing))
                return SyncOutcome(CONFLICT, server=check_in_server_copy(existing), record=existing)
            if not can(actor, CheckIn, "add"):
                raise RecordInvalid({NON_FIELD: [_("You may not record check-ins.")]})
            member = _writing_member(actor)
            _refuse_if_confirmed(log)
            candidate.member = member
            _assess(candidate, log)
            _clean(candidate, validate_constraints=False, validate_unique=False)
            candidate.save()
            if not in_scope(candidate, actor, "add"):
                raise RecordInvalid(
                    {NON_FIELD: [_("You may not record check-ins outside your team.")]}
                )
            record_event(
                CHECK_IN_RECORDED,
                actor=actor,
                target=candidate,
                parent=log,
                after=snapshot(candidate) | _record_outcome(candidate),
            )
            outcome = SyncOutcome(SAVED, record=candidate, server=_record_outcome(candidate))
    except _Retry as exc:
        return SyncOutcome(RETRY, message=exc.message)
    except RecordInvalid as exc:
        return _rejected(exc)
    return outcome


# ---- GPS track parts --------------------------------------------------------------------------


def _parse_points(raw: Any, errors: _Errors) -> list[list[Any]]:
    if not isinstance(raw, list) or not raw:
        errors.add("points", _("Give a non-empty list of points."))
        return []
    if len(raw) > MAX_TRACK_POINTS:
        errors.add(
            "points",
            _("At most %(max)d points per part; got %(count)d.")
            % {"max": MAX_TRACK_POINTS, "count": len(raw)},
        )
        return []
    points: list[list[Any]] = []
    for number, point in enumerate(raw, start=1):
        if not isinstance(point, list) or len(point) not in (3, 4):
            _row_error(errors, "points", number, _("give [time, latitude, longitude, accuracy]."))
            break
        point_errors = _Errors()
        when = _datetime(point[0], "time", point_errors, required=True)
        for messages in geo.position_errors(point[1], point[2], required=True).values():
            for message in messages:
                point_errors.add("position", message)
        accuracy = _number(point[3] if len(point) == 4 else None, "accuracy", point_errors)
        if point_errors:
            first = next(iter(point_errors.values()))[0]
            _row_error(errors, "points", number, first)
            break  # one clear message, not two thousand
        points.append([_iso(when), float(point[1]), float(point[2]), accuracy])
    return points


def save_track_batch(*, actor: Any, uuid: Any, data: Mapping[str, Any]) -> SyncOutcome:
    """Store one part of a patrol's GPS track (at most 2,000 points, each checked)."""
    batch_uuid = parse_uuid(uuid)
    if batch_uuid is None:
        return SyncOutcome(REJECTED, errors={"uuid": [_("Enter a valid record id (UUID).")]})
    try:
        with transaction.atomic():
            if not isinstance(data, Mapping):
                raise RecordInvalid({NON_FIELD: [_("The track must be an object of fields.")]})
            errors = _Errors()
            for key in sorted(set(data) - {"log", "points"}):
                errors.add(key, _("Unknown field."))
            points = _parse_points(data.get("points"), errors)
            errors.raise_if_any()
            log = _log_for(actor, data.get("log"))
            existing = TrackBatch.objects.filter(uuid=batch_uuid).first()
            if existing is not None and not _own(actor, TrackBatch, existing):
                raise RecordInvalid({NON_FIELD: [_("This record id belongs to another record.")]})
            if existing is not None:
                if existing.log_id == log.pk and existing.points == points:
                    return SyncOutcome(UNCHANGED, record=existing)
                return SyncOutcome(
                    CONFLICT,
                    server={
                        "uuid": str(existing.uuid),
                        "log": str(log.uuid),
                        "points": len(existing.points),
                    },
                    record=existing,
                )
            if not can(actor, TrackBatch, "add"):
                raise RecordInvalid({NON_FIELD: [_("You may not upload tracks.")]})
            member = _writing_member(actor)
            _refuse_if_confirmed(log)
            batch = TrackBatch(uuid=batch_uuid, log=log, member=member, points=points)
            _clean(batch, validate_constraints=False, validate_unique=False)
            batch.save()
            if not in_scope(batch, actor, "add"):
                raise RecordInvalid(
                    {NON_FIELD: [_("You may not upload tracks outside your team.")]}
                )
            record_event(
                TRACK_SAVED,
                actor=actor,
                target=batch,
                parent=log,
                after={"log": str(log.uuid), "points": len(points)},
            )
            outcome = SyncOutcome(SAVED, record=batch)
    except _Retry as exc:
        return SyncOutcome(RETRY, message=exc.message)
    except RecordInvalid as exc:
        return _rejected(exc)
    return outcome


# ---- photos -----------------------------------------------------------------------------------


def inspect_image(content: bytes) -> tuple[str, int, int]:
    """(content type, width, height) of a JPEG/PNG/WebP image; RecordInvalid on `file` else."""
    from PIL import Image, UnidentifiedImageError

    not_image = _("This file is not a photo: send a JPEG, PNG or WebP image.")
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind = image.format or ""
            image.verify()
        with Image.open(io.BytesIO(content)) as image:
            width, height = image.size
            if width * height > MAX_PHOTO_PIXELS:
                raise RecordInvalid(
                    {
                        "file": [
                            _("The photo has too many pixels (%(w)d × %(h)d); shrink it first.")
                            % {"w": width, "h": height}
                        ]
                    }
                )
            image.load()  # decodes fully: a truncated file is refused here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise RecordInvalid({"file": [not_image]}) from None
    if kind not in PHOTO_FORMATS:
        raise RecordInvalid({"file": [not_image]})
    return PHOTO_FORMATS[kind], width, height


def store_photo(
    *,
    actor: Any,
    uuid: Any,
    content: bytes,
    log: Any = None,
    hazard: Any = None,
    caption: Any = "",
    taken_at: Any = None,
) -> SyncOutcome:
    """Store a field photo under its phone-made uuid, attached to a patrol log or a hazard.

    JPEG/PNG/WebP only, at most `SHOUWANG_MAX_PHOTO_BYTES`, checked by opening and decoding it
    (Pillow). The same uuid with the same bytes → `unchanged`; other bytes → `conflict`. A log
    or hazard not received yet → `retry`. The photo belongs to the log's (or hazard's)
    jurisdiction; its file is named by the uuid under MEDIA_ROOT.
    """
    from shouwang.hazards.models import Hazard

    photo_uuid = parse_uuid(uuid)
    if photo_uuid is None:
        return SyncOutcome(REJECTED, errors={"uuid": [_("Enter a valid record id (UUID).")]})
    digest = hashlib.sha256(content).hexdigest()
    stored_name = ""
    try:
        existing = FieldPhoto.objects.filter(uuid=photo_uuid).first()
        if existing is not None:
            if not FieldPhoto.objects.visible_to(actor).filter(pk=existing.pk).exists():
                raise RecordInvalid({NON_FIELD: [_("You may not change this photo.")]})
            if existing.sha256 == digest:
                return SyncOutcome(UNCHANGED, record=existing)
            return SyncOutcome(
                CONFLICT,
                server={
                    "uuid": str(existing.uuid),
                    "sha256": existing.sha256,
                    "size": existing.size,
                },
                record=existing,
            )
        limit = max_photo_bytes()
        if len(content) > limit:
            raise RecordInvalid(
                {
                    "file": [
                        _("The photo is too large: %(size)s; at most %(max)s.")
                        % {"size": _megabytes(len(content)), "max": _megabytes(limit)}
                    ]
                }
            )
        if not content:
            raise RecordInvalid({"file": [_("The file is empty.")]})
        errors = _Errors()
        caption_text = _text(caption, "caption", errors, 200)
        taken = _datetime(taken_at, "taken_at", errors, required=False)
        if bool(log) == bool(hazard):
            errors.add("log", _("Give either the patrol log or the hazard the photo belongs to."))
        errors.raise_if_any()
        content_type, width, height = inspect_image(content)
        if not can(actor, FieldPhoto, "add"):
            raise RecordInvalid({NON_FIELD: [_("You may not upload photos.")]})
        with transaction.atomic():
            target_log: PatrolLog | None = None
            target_hazard: Any = None
            if log:
                target_log = _log_for(actor, log)
                _refuse_if_confirmed(target_log)
            else:
                hazard_uuid = parse_uuid(hazard)
                if hazard_uuid is None:
                    raise RecordInvalid({"hazard": [_("Give the hazard's record id (UUID).")]})
                target_hazard = Hazard.objects.filter(uuid=hazard_uuid).first()
                if target_hazard is None:
                    raise _Retry(
                        _("The hazard of this photo has not arrived yet; it will be sent again.")
                    )
                if not Hazard.objects.visible_to(actor).filter(pk=target_hazard.pk).exists():
                    raise RecordInvalid({"hazard": [_("This hazard is not in your scope.")]})
                target_log = target_hazard.log
            photo = FieldPhoto(
                uuid=photo_uuid,
                log=target_log,
                jurisdiction=(target_hazard or target_log).jurisdiction,
                content_type=content_type,
                size=len(content),
                width=width,
                height=height,
                sha256=digest,
                caption=caption_text,
                taken_at=taken,
                uploaded_by=actor,
            )
            # Named by the uuid; if a file of that name is left from an upload that never
            # committed, storage picks a free variant of the name (never overwrites).
            photo.image.save(photo_path_for(photo), ContentFile(content), save=False)
            stored_name = photo.image.name or ""
            _clean(photo, validate_constraints=False, validate_unique=False)
            photo.save()
            if target_hazard is not None:
                target_hazard.photos.add(photo)
            if not in_scope(photo, actor, "add"):
                raise RecordInvalid(
                    {NON_FIELD: [_("You may not upload photos outside your area.")]}
                )
            record_event(
                PHOTO_STORED,
                actor=actor,
                target=photo,
                parent=target_hazard or target_log,
                after=snapshot(photo)
                | {"image": photo.image.name, "sha256": digest, "size": len(content)},
            )
            outcome = SyncOutcome(SAVED, record=photo)
    except _Retry as exc:
        _discard(stored_name)
        return SyncOutcome(RETRY, message=exc.message)
    except RecordInvalid as exc:
        _discard(stored_name)
        return _rejected(exc)
    except BaseException:
        _discard(stored_name)
        raise
    return outcome


def photo_path_for(photo: FieldPhoto) -> str:
    """The storage name of a photo (`photos/ab/<uuid hex>.<ext>`), fixed by its uuid."""
    ext = {"image/png": "png", "image/webp": "webp"}.get(photo.content_type, "jpg")
    return f"photos/{photo.uuid.hex[:2]}/{photo.uuid.hex}.{ext}"


def _discard(name: str) -> None:
    if name:
        from django.core.files.storage import default_storage

        with contextlib.suppress(OSError):
            default_storage.delete(name)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


#: Handlers of the sync item kinds other than hazards, for `sync.py`.
HANDLERS: dict[str, Callable[..., SyncOutcome]] = {
    "check_in": record_check_in,
    "track": save_track_batch,
}
