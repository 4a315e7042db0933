"""Open311 GeoReport v2 (JSON) for hazards the public may see.

Civic tools read the hazard categories offered to the public (`services.json`), the public
hazards and their status (`requests.json`, `requests/<id>.json`) and file new ones
(`POST requests.json`, with a Shouwang API token as `api_key`). Only public data leaves here:
hazards whose category policy is public and that are not about a person; no finder, no names,
no phone numbers, no photos. See docs/field-work.md, "Open311 (GeoReport v2)".
"""

from __future__ import annotations

import datetime as dt
import json
import uuid as uuid_lib
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from shouwang.core.auth import TokenAuth
from shouwang.core.models import CodeItem, Jurisdiction
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.hazards.models import (
    FINISHED_STATUSES,
    Hazard,
    HazardCategoryPolicy,
    HazardSource,
)
from shouwang.hazards.services import HAZARD_CATEGORY_LIST, LogNotReceived, report_hazard

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-23T00:00:00+08:00"
FORMATS = ["application/json"]

#: Requests answered at most per call, and the default window without dates (days).
MAX_REQUESTS = 1000
DEFAULT_DAYS = 90

#: Workflow states that count as "closed" in Open311 terms (everything else is "open").
CLOSED_STATES = frozenset(str(s) for s in FINISHED_STATUSES)

#: Report fields (services.report_hazard) → the Open311 argument a client sent.
_OPEN311_FIELD = {
    "category": "service_code",
    "description": "description",
    "place": "address_string",
    "latitude": "lat",
    "longitude": "long",
    "jurisdiction": "jurisdiction_id",
    "found_at": "requested_datetime",
    "uuid": "attribute[uuid]",
}


# -- answers ------------------------------------------------------------------------------------


def _answer(data: Any, status: int = 200, *, cors: bool = True) -> JsonResponse:
    response = JsonResponse(
        data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
    )
    if cors:
        response["Access-Control-Allow-Origin"] = "*"
    return response


def _error(code: int, description: str, *, cors: bool = True) -> JsonResponse:
    return _answer([{"code": code, "description": description}], status=code, cors=cors)


def _errors(code: int, errors: Mapping[str, list[str]], *, cors: bool = False) -> JsonResponse:
    """One Open311 error per message, the Open311 argument named first."""
    out = []
    for field, messages in errors.items():
        name = _OPEN311_FIELD.get(field, field)
        for message in messages:
            text = str(message) if field == NON_FIELD else f"{name}: {message}"
            out.append({"code": code, "description": text})
    return _answer(out, status=code, cors=cors)


def _moment(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    # A date (a deadline): the end of that day, local time.
    end = dt.datetime.combine(value, dt.time(23, 59, 59))
    return timezone.make_aware(end).isoformat(timespec="seconds")


def _with_locale(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Honour Open311's `locale` argument (e.g. en, zh-CN) over the browser's language."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        locale = (request.GET.get("locale") or "").strip().lower().replace("_", "-")
        if locale.startswith("en"):
            with translation.override("en"):
                return view(request, *args, **kwargs)
        if locale.startswith("zh"):
            with translation.override("zh-hans"):
                return view(request, *args, **kwargs)
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# -- what the public may see ----------------------------------------------------------------------


class PublicRule:
    """Whether a category is public in a place: the nearest policy of the place or its
    ancestors says so, and without any policy it is public (as `Hazard.is_public`). All
    policies are read once, so a list of hazards costs no query per hazard."""

    def __init__(self) -> None:
        self.policies: dict[tuple[int, int], bool] = {
            (jid, cid): public
            for jid, cid, public in HazardCategoryPolicy.objects.values_list(
                "jurisdiction_id", "category_id", "public"
            )
        }

    def public(self, place: Jurisdiction, category_id: int) -> bool:
        ids = [int(p) for p in place.path.strip("/").split("/") if p] or [place.pk]
        for jid in reversed(ids):
            found = self.policies.get((jid, category_id))
            if found is not None:
                return found
        return True

    def hazard(self, hazard: Hazard) -> bool:
        return not hazard.about_person and self.public(hazard.jurisdiction, hazard.category_id)


def public_categories(place: Jurisdiction | None = None) -> list[CodeItem]:
    """Active hazard categories the public may see and report: in `place` if given, else in
    at least one top-level jurisdiction (a township may still hide one of them)."""
    items = CodeItem.objects.filter(code_list__key=HAZARD_CATEGORY_LIST, active=True).order_by(
        "sort_order", "code"
    )
    rule = PublicRule()
    places = [place] if place is not None else list(Jurisdiction.objects.filter(parent=None))
    if not places:
        return list(items)
    return [item for item in items if any(rule.public(p, item.pk) for p in places)]


def public_hazards(qs: QuerySet[Hazard] | None = None, limit: int = MAX_REQUESTS) -> list[Hazard]:
    """Hazards anyone may see (never about a person; the category public where it lies),
    newest first, at most `limit`."""
    qs = Hazard.objects.all() if qs is None else qs
    qs = qs.filter(about_person=False).select_related(
        "category", "jurisdiction", "responsible_unit"
    )
    rule = PublicRule()
    out: list[Hazard] = []
    for hazard in qs.order_by("-found_at", "-pk").iterator(chunk_size=500):
        if rule.hazard(hazard):
            out.append(hazard)
            if len(out) >= limit:
                break
    return out


def _group(item: CodeItem) -> str:
    if item.code.startswith("rail_"):
        return _("Railway")
    return str(item)


def _service(item: CodeItem) -> dict[str, Any]:
    keywords = [k for k in (item.label, item.label_en, item.code) if k]
    if item.code.startswith("rail_"):
        keywords.append(_("Railway"))
    return {
        "service_code": item.code,
        "service_name": str(item),
        "description": item.note or str(item),
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(keywords),
        "group": _group(item),
    }


def _updated(hazard: Hazard) -> dt.datetime:
    """The last step of the workflow (the list of transitions is not read, for speed)."""
    moments = [
        hazard.received_at,
        hazard.assigned_at,
        hazard.rectified_at,
        hazard.verified_at,
        hazard.closed_at,
    ]
    return max(m for m in moments if m is not None)


def _request(hazard: Hazard) -> dict[str, Any]:
    status = str(hazard.status)
    return {
        "service_request_id": str(hazard.uuid),
        "status": "closed" if status in CLOSED_STATES else "open",
        # Only the workflow state: reasons and notes may name people.
        "status_notes": str(hazard.get_status_display()),
        "service_name": str(hazard.category),
        "service_code": hazard.category.code,
        "description": hazard.description,
        "agency_responsible": hazard.responsible_unit.name if hazard.responsible_unit else None,
        "service_notice": None,
        "requested_datetime": _moment(hazard.found_at),
        "updated_datetime": _moment(_updated(hazard)),
        "expected_datetime": _moment(hazard.deadline),
        "address": hazard.place or hazard.jurisdiction.name,
        "address_id": None,
        "zipcode": None,
        "lat": hazard.latitude,
        "long": hazard.longitude,
        "media_url": None,
    }


def _jurisdiction(code: str) -> Jurisdiction | None:
    return Jurisdiction.objects.filter(stat_division_code=code.strip()).first()


# -- GET -------------------------------------------------------------------------------------------


@require_GET
def discovery(request: HttpRequest) -> HttpResponse:
    """Service discovery: where the GeoReport v2 endpoint is and what it speaks."""
    base = request.build_absolute_uri(reverse("open311-discovery").rsplit("/", 1)[0] + "/")
    return _answer(
        {
            "changeset": CHANGESET,
            "contact": _("The office of the county's patrol and joint-defence system."),
            "key_service": _("Ask the office for an API token; send it as api_key."),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": base,
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": FORMATS,
                }
            ],
        }
    )


@require_GET
@_with_locale
def services(request: HttpRequest) -> HttpResponse:
    """The hazard categories the public may see and report (one service each)."""
    code = request.GET.get("jurisdiction_id", "").strip()
    place = _jurisdiction(code) if code else None
    if code and place is None:
        return _error(
            404, _("jurisdiction_id: unknown jurisdiction “%(code)s”.") % {"code": code[:30]}
        )
    return _answer([_service(item) for item in public_categories(place)])


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_with_locale
def requests(request: HttpRequest) -> HttpResponse:
    """GET: public hazards, filtered. POST: file a hazard (API token required)."""
    if request.method == "POST":
        return _post_request(request)
    return _list_requests(request)


@require_GET
@_with_locale
def request_detail(request: HttpRequest, request_id: str) -> HttpResponse:
    """One public hazard by its id (the hazard's uuid)."""
    hazard = None
    try:
        wanted = uuid_lib.UUID(request_id)
    except ValueError:
        wanted = None
    if wanted is not None:
        found = public_hazards(Hazard.objects.filter(uuid=wanted), limit=1)
        hazard = found[0] if found else None
    if hazard is None:
        return _error(404, _("No public service request with this id."))
    return _answer([_request(hazard)])


def _parse_moment(value: str, *, end: bool) -> dt.datetime | None:
    value = value.strip()
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        try:
            day = parse_date(value)
        except ValueError:
            day = None
        if day is None:
            return None
        moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _list_requests(request: HttpRequest) -> HttpResponse:
    args = request.GET
    qs = Hazard.objects.all()
    ids = [v.strip() for v in args.get("service_request_id", "").split(",") if v.strip()]
    if ids:
        # Open311: a list of ids overrides every other argument.
        uuids = []
        for value in ids:
            try:
                uuids.append(uuid_lib.UUID(value))
            except ValueError:
                continue
        qs = qs.filter(uuid__in=uuids)
    else:
        errors: dict[str, list[str]] = {}
        start = end = None
        for name in ("start_date", "end_date"):
            raw = args.get(name, "").strip()
            if raw:
                moment = _parse_moment(raw, end=name == "end_date")
                if moment is None:
                    errors[name] = [
                        _("Enter an ISO 8601 date and time, e.g. 2026-11-23T08:00:00+08:00.")
                    ]
                elif name == "start_date":
                    start = moment
                else:
                    end = moment
        if start is None and end is None:
            start = timezone.now() - dt.timedelta(days=DEFAULT_DAYS)
        if start is not None:
            qs = qs.filter(found_at__gte=start)
        if end is not None:
            qs = qs.filter(found_at__lte=end)
        codes = [v.strip() for v in args.get("service_code", "").split(",") if v.strip()]
        if codes:
            qs = qs.filter(category__code__in=codes)
        status = args.get("status", "").strip().lower()
        if status:
            states = [s.strip() for s in status.split(",") if s.strip()]
            if not set(states) <= {"open", "closed"}:
                errors["status"] = [_("Choose open or closed.")]
            elif states == ["open"]:
                qs = qs.exclude(status__in=CLOSED_STATES)
            elif states == ["closed"]:
                qs = qs.filter(status__in=CLOSED_STATES)
        code = args.get("jurisdiction_id", "").strip()
        if code:
            place = _jurisdiction(code)
            if place is None:
                errors["jurisdiction_id"] = [_("Unknown jurisdiction.")]
            else:
                qs = qs.filter(Q(jurisdiction=place) | Q(jurisdiction__path__startswith=place.path))
        if errors:
            return _errors(400, errors, cors=True)
    return _answer([_request(h) for h in public_hazards(qs)])


# -- POST ------------------------------------------------------------------------------------------


def _token_user(request: HttpRequest, fields: Mapping[str, Any]) -> Any:
    """The user of the API token sent as `api_key` or `Authorization: Bearer` (never a session)."""
    raw = str(fields.get("api_key") or "").strip()
    if not raw:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, value = header.partition(" ")
        if scheme.lower() == "bearer":
            raw = value.strip()
    if not raw:
        return None
    return TokenAuth().authenticate(request, raw)


def _fields(request: HttpRequest) -> dict[str, Any] | None:
    """The request's arguments: a form (as the spec says) or a JSON object."""
    if (request.content_type or "").startswith("application/json"):
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(data, dict):
            return None
        attrs = data.get("attribute")
        if isinstance(attrs, dict):
            for key, value in attrs.items():
                data.setdefault(f"attribute[{key}]", value)
        return data
    return {key: request.POST.get(key) for key in request.POST}


def _post_request(request: HttpRequest) -> HttpResponse:
    fields = _fields(request)
    if fields is None:
        return _errors(400, {NON_FIELD: [_("Send the arguments as a form or a JSON object.")]})
    has_key = bool(fields.get("api_key")) or request.META.get(
        "HTTP_AUTHORIZATION", ""
    ).lower().startswith("bearer ")
    if not has_key:
        return _error(403, _("api_key: an API token is required to file a request."), cors=False)
    actor = _token_user(request, fields)
    if actor is None:
        return _error(403, _("api_key: invalid or revoked API token."), cors=False)

    errors: dict[str, list[str]] = {}
    code = str(fields.get("service_code") or "").strip()
    if not code:
        errors["service_code"] = [_("Choose a service (hazard category).")]
    elif code not in {item.code for item in public_categories()}:
        errors["service_code"] = [_("Unknown service “%(code)s”.") % {"code": code[:50]}]
    lat, lon = fields.get("lat"), fields.get("long")
    address = str(fields.get("address_string") or fields.get("address") or "").strip()
    if lat in (None, "") and lon in (None, "") and not address:
        errors["lat"] = [_("Give the position (lat and long) or the address.")]
    elif (lat in (None, "")) != (lon in (None, "")):
        errors["long" if lat not in (None, "") else "lat"] = [_("Give both lat and long.")]
    data: dict[str, Any] = {
        "category": code,
        "description": fields.get("description") or "",
        "place": address,
        "latitude": lat,
        "longitude": lon,
    }
    place_code = str(fields.get("jurisdiction_id") or "").strip()
    if place_code:
        place = _jurisdiction(place_code)
        if place is None:
            errors["jurisdiction_id"] = [_("Unknown jurisdiction.")]
        else:
            data["jurisdiction"] = place.pk
    if errors:
        return _errors(400, errors)
    key = fields.get("attribute[uuid]") or None
    try:
        with transaction.atomic():
            hazard, created = report_hazard(
                actor=actor, uuid=key, data=data, source=HazardSource.OPEN311
            )
            if created and not PublicRule().hazard(hazard):
                # The category is not public where the hazard lies: not offered here.
                raise RecordInvalid(
                    {"category": [_("This service is not offered in this jurisdiction.")]}
                )
    except PermissionDenied:
        return _error(403, _("This API token may not report hazards."), cors=False)
    except LogNotReceived as exc:  # pragma: no cover - no log is ever sent from here
        return _errors(400, exc.errors)
    except RecordInvalid as exc:
        return _errors(400, exc.errors)
    notice = (
        _("Received: the office of the jurisdiction will look into it.")
        if created
        else _("Already received.")
    )
    return _answer([{"service_request_id": str(hazard.uuid), "service_notice": notice}], cors=False)


__all__ = [
    "discovery",
    "public_categories",
    "public_hazards",
    "request_detail",
    "requests",
    "services",
]
