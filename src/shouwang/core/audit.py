"""The audit trail: a registry of action codes with labels, and the one writer of events."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shouwang.core.middleware import current_request_id
from shouwang.core.models import AuditEvent

# code → human label. Generic record actions are registered per record type by the registry.
ACTIONS: dict[str, Promise | str] = {
    "core.user.login": _("Signed in"),
    "core.user.created": _("User created"),
    "core.apitoken.created": _("API token issued"),
    "core.apitoken.revoked": _("API token revoked"),
    "forces.member.citizen_id_revealed": _("Full identity number viewed"),
    "forces.member.login_linked": _("Member's login linked"),
}

VERBS: dict[str, Promise] = {
    "created": _("created"),
    "changed": _("changed"),
    "deleted": _("deleted"),
}


def register_record_actions(model: type[models.Model]) -> None:
    key = model._meta.label_lower
    for verb, label in VERBS.items():
        ACTIONS.setdefault(f"{key}.{verb}", label)


def label_for(code: str) -> str:
    return str(ACTIONS.get(code, code))


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """Field values of a record as plain JSON; sensitive fields are left out.

    Models list fields that must never reach the audit trail in `audit_exclude`.
    """
    exclude = set(getattr(instance, "audit_exclude", ()))
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude or (not field.editable and field.name != "path"):
            continue
        data[field.name] = _plain(getattr(instance, field.attname))
    if instance.pk is not None:
        for field in instance._meta.many_to_many:
            if field.name not in exclude:
                data[field.name] = sorted(
                    getattr(instance, field.name).values_list("pk", flat=True)
                )
    for name in getattr(instance, "audit_extra", ()):
        data[name] = _plain(getattr(instance, name))
    return data


def jurisdiction_path_of(instance: models.Model | None) -> str:
    if instance is None:
        return ""
    lookup = getattr(instance, "scope_path", None)
    if not lookup:
        return ""
    value: Any = instance
    for part in lookup.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return str(value)


def record_event(
    code: str,
    *,
    actor: Any,
    target: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    parent: models.Model | None = None,
) -> AuditEvent:
    """Write one audit event. Called by services inside their transaction."""
    if code not in ACTIONS:
        raise KeyError(f"unregistered audit action {code!r}")
    return AuditEvent.objects.create(
        code=code,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        request_id=current_request_id.get(),
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        parent_type=parent._meta.label_lower if parent is not None else "",
        parent_id=str(parent.pk) if parent is not None else "",
        jurisdiction_path=jurisdiction_path_of(target) or jurisdiction_path_of(parent),
        before=before,
        after=after,
        reason=reason,
    )


def history_for(instance: models.Model) -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        target_type=instance._meta.label_lower, target_id=str(instance.pk)
    ).select_related("actor")


def record_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Sign-ins are audited (who, when, from which request)."""
    record_event("core.user.login", actor=user, target=user)
