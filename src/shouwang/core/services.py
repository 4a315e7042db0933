"""Business actions on core records. Every write goes through one of these functions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shouwang.core import records
from shouwang.core.audit import record_event, snapshot
from shouwang.core.forms import CodeItemForm, JurisdictionForm, RoleGrantForm
from shouwang.core.models import ApiToken, CodeItem, CodeList, Jurisdiction, RoleGrant
from shouwang.core.scoping import can, forget_grants


def create_jurisdiction(*, actor: Any, data: Mapping[str, Any]) -> Jurisdiction:
    """Add a township, village, community or grid under a node the actor manages."""
    return records.create_record(JurisdictionForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_jurisdiction(
    jurisdiction: Jurisdiction, *, actor: Any, data: Mapping[str, Any]
) -> Jurisdiction:
    """Rename, recode, re-parent or redraw a jurisdiction (its subtree follows)."""
    return records.update_record(JurisdictionForm, jurisdiction, actor=actor, data=data)


def delete_jurisdiction(jurisdiction: Jurisdiction, *, actor: Any) -> None:
    """Delete a jurisdiction that nothing refers to any more."""
    records.delete_record(jurisdiction, actor=actor)


def _bump_version(item: CodeItem) -> None:
    CodeList.objects.filter(pk=item.code_list_id).update(version=F("version") + 1)


def create_code_item(*, actor: Any, data: Mapping[str, Any]) -> CodeItem:
    """Add a (local) value to a code list; the list's version goes up."""

    def mark_local(item: CodeItem, form: Any) -> None:
        if not item.national_code:
            item.is_local = True

    item: CodeItem = records.create_record(
        CodeItemForm, actor=actor, data=data, before_save=mark_local
    )
    _bump_version(item)
    return item


def update_code_item(item: CodeItem, *, actor: Any, data: Mapping[str, Any]) -> CodeItem:
    """Relabel or deactivate a code value; the list's version goes up."""
    updated = records.update_record(CodeItemForm, item, actor=actor, data=data)
    _bump_version(updated)
    return updated


def delete_code_item(item: CodeItem, *, actor: Any) -> None:
    """Remove a code value that no record uses (otherwise deactivate it instead)."""
    records.delete_record(item, actor=actor)
    CodeList.objects.filter(pk=item.code_list_id).update(version=F("version") + 1)


def create_role_grant(*, actor: Any, data: Mapping[str, Any]) -> RoleGrant:
    """Grant a role at a jurisdiction (and optionally a team) to a user."""
    grant: RoleGrant = records.create_record(RoleGrantForm, actor=actor, data=data)
    forget_grants(grant.user)
    return grant


def update_role_grant(grant: RoleGrant, *, actor: Any, data: Mapping[str, Any]) -> RoleGrant:
    """Change a grant's role, place or team."""
    return records.update_record(RoleGrantForm, grant, actor=actor, data=data)


def delete_role_grant(grant: RoleGrant, *, actor: Any) -> None:
    """Revoke a grant."""
    records.delete_record(grant, actor=actor)


def create_user(
    *, actor: Any, username: str, password: str, full_name: str = "", email: str = ""
) -> Any:
    """Create a login. Who may do it is itself a permission (core.user add)."""
    user_model = get_user_model()
    if actor is not None and not can(actor, user_model, "add"):
        raise PermissionDenied
    with transaction.atomic():
        user = user_model(username=username, first_name=full_name[:150], email=email)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise records.RecordInvalid({"password": [str(m) for m in exc.messages]}) from exc
        user.set_password(password)
        try:
            user.full_clean()
        except ValidationError as exc:
            raise records.RecordInvalid.from_validation_error(exc) from exc
        user.save()
        after = {"username": user.username, "first_name": user.first_name, "email": user.email}
        record_event("core.user.created", actor=actor, target=user, after=after)
        return user


def issue_api_token(*, actor: Any, name: str) -> tuple[ApiToken, str]:
    """Issue a token for the actor's phone; the raw value is shown once and never stored."""
    raw = ApiToken.new_raw()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor, name=name[:100] or "phone", prefix=raw[:10], digest=ApiToken.hash(raw)
        )
        record_event("core.apitoken.created", actor=actor, target=token, after=snapshot(token))
    return token, raw


def revoke_api_token(token: ApiToken, *, actor: Any) -> ApiToken:
    """Revoke a token at once; a revoked token never works again."""
    if token.user_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event("core.apitoken.revoked", actor=actor, target=token)
    return token


def grant_system_admin(*, username: str, password: str, email: str = "") -> Any:
    """Create a system administrator (command line set-up; no acting user yet)."""
    from shouwang.core.models import Role

    with transaction.atomic():
        user = create_user(actor=None, username=username, password=password, email=email)
        user.is_staff = True
        user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
        root = Jurisdiction.objects.filter(parent=None).order_by("pk").first()
        if root is not None:
            grant = RoleGrant.objects.create(
                user=user, role=Role.objects.get(key="system_admin"), jurisdiction=root
            )
            record_event("core.rolegrant.created", actor=None, target=grant, after=snapshot(grant))
        return user


IMPORT_COLUMNS = ("name", "level", "stat_division_code", "parent_code")


def import_jurisdictions(*, actor: Any, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Import villages, communities and grids from a ledger: all rows or none.

    Columns: name, level (village/grid or 村/社区/网格), stat_division_code, parent_code.
    A row whose code already exists with the same name and parent is skipped, so importing
    the same file twice creates nothing twice. Every failed row is reported with its number.
    """
    from django.utils.translation import gettext as _

    level_aliases = {
        "村": "village",
        "社区": "village",
        "村（社区）": "village",
        "网格": "grid",
        "乡镇": "township",
        "街道": "township",
        "区县": "county",
    }
    errors: dict[str, list[str]] = {}
    created = skipped = 0
    with transaction.atomic():
        for number, row in enumerate(rows, start=2):  # row 1 is the header
            missing = [c for c in ("name", "stat_division_code", "parent_code") if not row.get(c)]
            if missing:
                errors[_("row %(n)s") % {"n": number}] = [
                    _("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)}
                ]
                continue
            parent = (
                Jurisdiction.objects.visible_to(actor, "view")
                .filter(stat_division_code=str(row["parent_code"]).strip())
                .first()
            )
            if parent is None:
                errors[_("row %(n)s") % {"n": number}] = [
                    _("Parent %(code)s is unknown or outside your jurisdiction.")
                    % {"code": row["parent_code"]}
                ]
                continue
            code = str(row["stat_division_code"]).strip()
            existing = Jurisdiction.objects.filter(stat_division_code=code).first()
            if (
                existing is not None
                and existing.parent_id == parent.pk
                and (existing.name == str(row["name"]).strip())
            ):
                skipped += 1
                continue
            level = str(row.get("level") or "").strip()
            level = level_aliases.get(level, level) or ("grid" if len(code) == 15 else "village")
            data = {
                "name": row["name"],
                "level": level,
                "stat_division_code": code,
                "parent": parent.pk,
            }
            try:
                with transaction.atomic():
                    create_jurisdiction(actor=actor, data=data)
            except records.RecordInvalid as exc:
                errors[_("row %(n)s") % {"n": number}] = [
                    f"{field}: {message}" if field != records.NON_FIELD else message
                    for field, messages in exc.errors.items()
                    for message in messages
                ]
            else:
                created += 1
        if errors:
            transaction.set_rollback(True)
            raise records.RecordInvalid(errors)
    return {"created": created, "skipped": skipped}
