"""Jurisdiction scoping: the one place that decides which records a user may read or write.

A user holds role grants; each grant names a role (a data row with its allowed actions per
record type) and a jurisdiction node (optionally a team). A grant covers the node's whole
subtree. `visible_to(user, action)` compiles the user's grants into one queryset filter, and
every page, API call and export starts from it (STYLE.md rules 2-3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.http import Http404

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

Action = Literal["view", "add", "change", "delete"]
ACTIONS: tuple[Action, ...] = ("view", "add", "change", "delete")

M = TypeVar("M", bound=models.Model)


def record_type_key(model: type[models.Model]) -> str:
    """The key under which roles list their permissions, e.g. ``forces.member``."""
    return model._meta.label_lower


def is_explicit_only(record_type: str) -> bool:
    """Whether only explicit grants reach this record type (people of concern, …).

    An app declares ``explicit_grants_only = True`` on its AppConfig. Its record types are then
    covered only by a role that names "<app>.*" or the exact type: neither "*", nor a global
    role, nor a superuser's flag alone reaches them (an administrator must grant himself a
    role, and that grant is audited). See docs/permissions.md.
    """
    from django.apps import apps

    config = apps.app_configs.get(record_type.split(".")[0])
    return bool(getattr(config, "explicit_grants_only", False))


def user_grants(user: AbstractBaseUser | AnonymousUser | None) -> list[Any]:
    """The user's active role grants, cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_shouwang_grants", None)
    if cached is None:
        from shouwang.core.models import RoleGrant

        cached = list(
            RoleGrant.objects.filter(user=user).select_related("role", "jurisdiction", "team")
        )
        user._shouwang_grants = cached  # type: ignore[union-attr, attr-defined]
    return cached


def forget_grants(user: Any) -> None:
    """Drop the cached grants (after a grant is added or revoked)."""
    if hasattr(user, "_shouwang_grants"):
        del user._shouwang_grants


def scope_filter(model: type[models.Model], user: Any, action: Action) -> Q | None:
    """Compile the user's grants into a filter for `model`.

    Returns ``None`` when nothing is allowed, ``Q()`` when everything is.
    """
    key = record_type_key(model)
    if getattr(user, "is_superuser", False) and user.is_active and not is_explicit_only(key):
        return Q()
    path_lookup: str | None = getattr(model, "scope_path", None)
    team_lookup: str | None = getattr(model, "scope_team", None)
    # A model may narrow what one grant covers (e.g. a helper sees only the people they help).
    narrow = getattr(model, "scope_narrow_grant", None)
    combined: Q | None = None
    for grant in user_grants(user):
        if not grant.role.allows(key, action):
            continue
        extra: Q | None = narrow(grant, user, action) if narrow is not None else Q()
        if extra is None:
            continue
        if grant.role.is_global or path_lookup is None:
            # Global roles, and record types that are not jurisdictional (code lists), are
            # not narrowed by place.
            if not extra:
                return Q()
            combined = extra if combined is None else combined | extra
            continue
        q = Q(**{f"{path_lookup}__startswith": grant.jurisdiction.path}) & extra
        if grant.team_id is not None and team_lookup is not None:
            q &= Q(**{team_lookup: grant.team_id})
        combined = q if combined is None else combined | q
    return combined


def can(user: Any, model: type[models.Model], action: Action) -> bool:
    """Whether the user may perform `action` on some record of `model` at all."""
    return scope_filter(model, user, action) is not None


class ScopedQuerySet(models.QuerySet[M]):
    """QuerySet with `visible_to`, the only entry point for reads in views and the API."""

    def visible_to(self, user: Any, action: Action = "view") -> ScopedQuerySet[M]:
        q = scope_filter(self.model, user, action)
        if q is None:
            return self.none()
        qs = self.filter(q)
        # Team lookups across a many-to-many relation can repeat rows.
        return qs.distinct() if getattr(self.model, "scope_team_is_multi", False) else qs


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    """Manager exposing `visible_to`."""


def get_for(model: type[M], user: Any, pk: Any, action: Action = "view") -> M:
    """Fetch one record for `user`; missing and forbidden both answer 404."""
    try:
        return model.objects.visible_to(user, action).get(pk=pk)  # type: ignore[attr-defined, no-any-return]
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404("not found") from exc


def in_scope(instance: models.Model, user: Any, action: Action) -> bool:
    """Whether a saved record lies inside the user's scope for `action`."""
    manager = type(instance).objects  # type: ignore[attr-defined]
    return bool(manager.visible_to(user, action).filter(pk=instance.pk).exists())


def may_see_sensitive(user: Any) -> bool:
    """Whether any of the user's roles may reveal full identity numbers (each reveal is logged)."""
    return bool(getattr(user, "is_superuser", False)) or any(
        g.role.sees_sensitive for g in user_grants(user)
    )
