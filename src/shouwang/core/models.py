"""Core records: the jurisdiction tree, code lists, roles and grants, API tokens, audit trail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from shouwang.core import crypto, validators
from shouwang.core.scoping import ACTIONS, ScopedManager, ScopedQuerySet, is_explicit_only


class JurisdictionLevel(models.TextChoices):
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township / street")
    VILLAGE = "village", _("Village / community")
    GRID = "grid", _("Grid")


LEVEL_ORDER = [
    JurisdictionLevel.COUNTY,
    JurisdictionLevel.TOWNSHIP,
    JurisdictionLevel.VILLAGE,
    JurisdictionLevel.GRID,
]


class Jurisdiction(models.Model):
    """A node of the county → township → village → grid tree (行政区划/网格).

    `path` is a materialised path of primary keys ("/3/17/42/"), so a grant at a node covers
    its whole subtree with one prefix filter, and codes stay editable without re-keying.
    """

    scope_path = "path"

    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=JurisdictionLevel.choices)
    stat_division_code = models.CharField(
        _("statistical division code"),
        max_length=15,
        unique=True,
        error_messages={"unique": _("This division code is already used by another record.")},
        help_text=_("12 digits (grids: the village's 12 digits plus a 3-digit sequence)."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    boundary = models.JSONField(
        _("boundary"), null=True, blank=True, help_text=_("GeoJSON Polygon or MultiPolygon.")
    )
    urban_rural_code = models.CharField(_("urban-rural code"), max_length=3, blank=True)
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")

    objects = ScopedManager()

    class Meta:
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        ordering = ["stat_division_code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        code = (self.stat_division_code or "").strip()
        self.stat_division_code = code
        try:
            validators.validate_division_code(code, self.level)
        except ValidationError as exc:
            errors.setdefault("stat_division_code", []).extend(exc.error_list)
        if self.level and self.level != JurisdictionLevel.COUNTY and self.parent is None:
            errors.setdefault("parent", []).append(
                ValidationError(
                    _("A %(level)s needs a parent."),
                    params={"level": self.get_level_display()},
                    code="parent_required",
                )
            )
        if self.parent is not None and not errors.get("stat_division_code"):
            try:
                validators.validate_division_code_in_parent(
                    code, self.level, self.parent.stat_division_code, self.parent.level
                )
            except ValidationError as exc:
                field = "parent" if exc.code == "division_parent_level" else "stat_division_code"
                errors.setdefault(field, []).extend(exc.error_list)
            if self.pk and self.parent.path.startswith(self.path or "\0"):
                errors.setdefault("parent", []).append(
                    ValidationError(
                        _("A jurisdiction cannot be placed under itself."), code="parent_cycle"
                    )
                )
        if self.boundary not in (None, "", {}):
            try:
                self.boundary = validators.validate_geojson_polygon(self.boundary)
            except ValidationError as exc:
                errors.setdefault("boundary", []).extend(exc.error_list)
        else:
            self.boundary = None
        if errors:
            raise ValidationError(errors)

    def after_save(self) -> None:
        """Keep the materialised path of this node and its subtree in step with `parent`."""
        new_path = self.compute_path()
        if new_path == self.path:
            return
        old_path = self.path
        Jurisdiction.objects.filter(pk=self.pk).update(path=new_path)
        if old_path:
            for node in Jurisdiction.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                node.path = new_path + node.path[len(old_path) :]
                node.save(update_fields=["path"])
        self.path = new_path

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id and self.parent else "/"
        return f"{prefix}{self.pk}/"

    def ancestors(self) -> list[Jurisdiction]:
        ids = [int(p) for p in self.path.strip("/").split("/") if p]
        nodes = {j.pk: j for j in Jurisdiction.objects.filter(pk__in=ids)}
        return [nodes[i] for i in ids if i in nodes]

    def descendants(self) -> models.QuerySet[Jurisdiction]:
        return Jurisdiction.objects.filter(path__startswith=self.path).exclude(pk=self.pk)

    @property
    def full_name(self) -> str:
        return " / ".join(j.name for j in self.ancestors())


class CodeList(models.Model):
    """An editable, versioned code list (team kinds, member roles, zone kinds, …).

    Seeded with national values (GB/T 31000 and others, see DOMAIN.md); offices may add
    local values. Items are never deleted, only deactivated, so old records keep meaning.
    """

    key = models.SlugField(_("key"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("code list")
        verbose_name_plural = _("code lists")
        ordering = ["key"]

    def __str__(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class CodeItem(models.Model):
    """One value of a code list."""

    code_list = models.ForeignKey(
        CodeList, verbose_name=_("code list"), on_delete=models.PROTECT, related_name="items"
    )
    code = models.SlugField(_("code"), max_length=50)
    label = models.CharField(_("label"), max_length=100)
    label_en = models.CharField(_("English label"), max_length=100, blank=True)
    national_code = models.CharField(
        _("national code"), max_length=20, blank=True, help_text=_("Code in the national standard.")
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    is_local = models.BooleanField(
        _("local value"), default=False, help_text=_("Added by an office, not national.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("code item")
        verbose_name_plural = _("code items")
        ordering = ["code_list__key", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code_list", "code"],
                name="codeitem_unique_code_in_list",
                violation_error_message=_("This code already exists in the list."),
            )
        ]

    def __str__(self) -> str:
        if (get_language() or "").startswith("en") and self.label_en:
            return self.label_en
        return self.label


def code_list_choices(key: str) -> dict[str, Any]:
    """`limit_choices_to` for a foreign key to the items of one code list."""
    return {"code_list__key": key}


class Role(models.Model):
    """A role and what it may do, as data: {record type: [actions]} ("*" for all types)."""

    key = models.SlugField(_("key"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    permissions = models.JSONField(_("permissions"), default=dict)
    is_global = models.BooleanField(
        _("global"), default=False, help_text=_("Not narrowed by jurisdiction (administrators).")
    )
    sees_sensitive = models.BooleanField(
        _("may see sensitive data"),
        default=False,
        help_text=_("May reveal full identity numbers; every reveal is logged."),
    )
    home_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["home_order", "key"]

    def __str__(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name

    def clean(self) -> None:
        if not isinstance(self.permissions, dict):
            raise ValidationError({"permissions": _("Permissions must be an object.")})
        for key, actions in self.permissions.items():
            if not isinstance(actions, list) or not set(actions) <= set(ACTIONS):
                raise ValidationError(
                    {"permissions": _("Unknown action for %(key)s.") % {"key": key}}
                )

    def allows(self, record_type: str, action: str) -> bool:
        perms = self.permissions or {}
        app = record_type.split(".")[0]
        keys: tuple[str, ...] = (record_type, f"{app}.*", "*")
        if is_explicit_only(record_type):
            # Sensitive apps (people of concern): "*" does not cover them; see scoping.
            keys = keys[:2]
        return any(action in perms.get(key, []) for key in keys)


class RoleGrant(models.Model):
    """A role granted to a user at a jurisdiction (covering its subtree), optionally a team."""

    scope_path = "jurisdiction__path"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_grants",
    )
    role = models.ForeignKey(Role, verbose_name=_("role"), on_delete=models.PROTECT)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT
    )
    team = models.ForeignKey(
        "forces.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        ordering = ["jurisdiction__stat_division_code", "user__username", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "jurisdiction", "team"],
                name="rolegrant_unique",
                violation_error_message=_("This user already has this role here."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} @ {self.jurisdiction}"

    def clean(self) -> None:
        if (
            self.team_id
            and self.jurisdiction_id
            and self.team is not None
            and not self.team.jurisdiction.path.startswith(self.jurisdiction.path)
        ):
            raise ValidationError({"team": _("The team must belong to the granted jurisdiction.")})


class ApiToken(models.Model):
    """A revocable API token for a phone; only its SHA-256 digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return crypto.secret_digest(raw)

    @classmethod
    def new_raw(cls) -> str:
        return crypto.new_secret_token("sw_")


class LoginFailure(models.Model):
    """A failed login, kept briefly to rate-limit guessing per username and per address."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} @ {self.address}"


class AuditQuerySet(ScopedQuerySet["AuditEvent"]):
    """Audit rows cannot be bulk-updated or bulk-deleted either."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit events are append-only")


class AuditEvent(models.Model):
    """One audited action. Rows are append-only: no page, API or model method edits them."""

    scope_path = "jurisdiction_path"

    code = models.CharField(_("action"), max_length=80, db_index=True)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    target_type = models.CharField(_("record type"), max_length=80, db_index=True)
    target_id = models.CharField(_("record id"), max_length=64, db_index=True)
    target_repr = models.CharField(_("record"), max_length=200, blank=True)
    parent_type = models.CharField(max_length=80, blank=True)
    parent_id = models.CharField(max_length=64, blank=True)
    jurisdiction_path = models.CharField(max_length=255, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = models.Manager.from_queryset(AuditQuerySet)()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "at"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.code} {self.target_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit events are append-only")

    def changes(self) -> list[tuple[str, Any, Any]]:
        before = self.before or {}
        after = self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class BackgroundJob(models.Model):
    """A piece of work run in the background (planning a month's roster), with its progress.

    Written only by shouwang.core.jobs: `submit` records it, the worker (Celery, or a thread
    of the web process when no broker is configured) moves it along and keeps its result or
    error readable afterwards.
    """

    scope_path = "jurisdiction__path"

    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress"), default=0, help_text=_("Percent done (0–100).")
    )
    message = models.CharField(_("message"), max_length=255, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    started = models.DateTimeField(_("started at"), null=True, blank=True)
    finished = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100),
                name="backgroundjob_progress_percent",
                violation_error_message=_("Progress is a percentage (0–100)."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def done(self) -> bool:
        """Whether the job has finished, well or not."""
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


class CaseTransition(models.Model):
    """One step of a case's history: from which status to which, who, when and why.

    Abstract: each case type adds its case foreign key (named by `case_field`), the two status
    fields with its own choices, `scope_path` and its verbose names.
    """

    #: The name of the subclass's foreign key to the case (for `__str__`).
    case_field: str = ""
    # Declared by each subclass with its own status choices.
    from_status: str
    to_status: str

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    objects = ScopedManager()

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        case_id = getattr(self, f"{self.case_field}_id")
        return f"{case_id}: {self.from_status} → {self.to_status}"
