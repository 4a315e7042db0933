"""Field work: patrol logs (巡查日志), on-site check-ins, checklists, photos, missed duties.

Every record made on a phone carries the phone-made `uuid`, so an upload repeated any number of
times yields one record (see `sync.py`). Times come in pairs: what the phone said (`*_at`, may be
wrong) and when the server received it (`received_at`, trusted), so a phone with a wrong clock
cannot rewrite history. Coordinates are WGS-84.
"""

from __future__ import annotations

import uuid as uuid_lib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.areas.models import KeyPlace, PatrolMethod, Post, Route
from shouwang.core.models import Jurisdiction
from shouwang.core.scoping import ScopedManager
from shouwang.forces.models import Member, Team
from shouwang.rostering.models import Duty


class ChecklistCategory(models.TextChoices):
    PUBLIC_ORDER = "public_order", _("Public order")
    WORK_SAFETY = "work_safety", _("Work safety")
    FIRE_SAFETY = "fire_safety", _("Fire safety")
    OTHER = "other", _("Other")


class Checklist(models.Model):
    """An inspection checklist a patrol works through (治安 / 安全生产 / 消防).

    `items` is a list of {"code": str, "text": str, "hint": str}: codes are stable (results refer
    to them), texts may be reworded; a result keeps the text it was answered against.
    """

    scope_path = "jurisdiction__path"

    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("category"), max_length=20, choices=ChecklistCategory.choices)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT
    )
    items = models.JSONField(
        _("items"),
        default=list,
        help_text=_('A list of items, each {"code": "…", "text": "…", "hint": "…"}.'),
    )
    active = models.BooleanField(_("active"), default=True)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        ordering = ["category", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"],
                name="checklist_unique_name",
                violation_error_message=_("A checklist with this name already exists here."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from shouwang.patrols.checklists import item_errors  # it imports this module

        errors = item_errors(self.items)
        if errors:
            raise ValidationError({"items": errors})


class LogStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    CONFIRMED = "confirmed", _("Confirmed by the leader")


class PatrolLog(models.Model):
    """The record of one patrol carried out (巡查日志): who, when, where, what was found.

    Planned patrols point at their roster duty; an unplanned patrol has no duty. Once the team
    leader confirms it the log is read-only; corrections are appended (`LogCorrection`).
    `version` grows with every accepted change: the phone sends the version it edited, and a
    mismatch is a conflict the member resolves explicitly (never silently overwritten).
    """

    scope_path = "jurisdiction__path"
    scope_team = "team"

    uuid = models.UUIDField(_("record id"), unique=True, default=uuid_lib.uuid4, editable=False)
    duty = models.ForeignKey(
        Duty,
        verbose_name=_("duty"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patrol_logs",
        help_text=_("Empty for an unplanned patrol."),
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="patrol_logs"
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT
    )
    post = models.ForeignKey(
        Post, verbose_name=_("post"), null=True, blank=True, on_delete=models.PROTECT
    )
    route = models.ForeignKey(
        Route, verbose_name=_("route"), null=True, blank=True, on_delete=models.SET_NULL
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    method = models.CharField(
        _("patrol method"), max_length=10, choices=PatrolMethod.choices, default=PatrolMethod.FOOT
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    findings = models.JSONField(
        _("findings"),
        default=list,
        blank=True,
        help_text=_('A list of {"kind": hazard|dispute|person_met|help_given|other, "text": "…"}.'),
    )
    publicity = models.TextField(_("publicity on the way"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=LogStatus.choices, default=LogStatus.OPEN
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="patrol_logs",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    # Derived from the attendance rows, kept by patrols.tallies (never entered).
    turnouts = models.PositiveIntegerField(_("turnouts"), default=0, editable=False)
    client_updated_at = models.DateTimeField(_("changed on the phone at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("patrol log")
        verbose_name_plural = _("patrol logs")
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["team", "started_at"], name="patrollog_team_started"),
            models.Index(fields=["jurisdiction", "started_at"], name="patrollog_place_started"),
            # The dashboard (reports.indicators) counts a period's logs of a whole county and
            # joins their attendance: read from the index alone, without the wide rows.
            models.Index(
                fields=["started_at"],
                include=["status", "jurisdiction", "turnouts", "id"],
                name="patrollog_started_tallies",
            ),
            # Whether a duty was covered, and by which logs (dashboard, attendance figures).
            models.Index(fields=["duty", "status"], include=["id"], name="patrollog_duty_status"),
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_confirmed(self) -> bool:
        return self.status == LogStatus.CONFIRMED


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    ABSENT = "absent", _("Absent")
    SUBSTITUTE = "substitute", _("Substitute")


class LogAttendance(models.Model):
    """One member's attendance on a patrol log, checked against the roster."""

    scope_path = "log__jurisdiction__path"
    scope_team = "log__team"

    log = models.ForeignKey(
        PatrolLog, verbose_name=_("patrol log"), on_delete=models.CASCADE, related_name="attendance"
    )
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT)
    status = models.CharField(_("attendance"), max_length=12, choices=AttendanceStatus.choices)
    rostered = models.BooleanField(
        _("on the roster"), default=False, help_text=_("The member was assigned to the duty.")
    )
    substitute_for = models.ForeignKey(
        Member,
        verbose_name=_("in place of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["log", "member__name"]
        indexes = [
            # Turnouts of a period's logs and "was this member present on the duty's log"
            # (dashboard attendance rate), read from the index alone.
            models.Index(fields=["log", "status", "member"], name="logattendance_log_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["log", "member"],
                name="logattendance_unique_member",
                violation_error_message=_("This member is already on the log."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.get_status_display()}"


class ItemResult(models.TextChoices):
    PASS = "pass", _("In order")
    FAIL = "fail", _("Problem found")
    NOT_APPLICABLE = "na", _("Not applicable")


class ChecklistResult(models.Model):
    """The answer to one checklist item on one patrol log."""

    scope_path = "log__jurisdiction__path"
    scope_team = "log__team"

    log = models.ForeignKey(
        PatrolLog,
        verbose_name=_("patrol log"),
        on_delete=models.CASCADE,
        related_name="checklist_results",
    )
    checklist = models.ForeignKey(Checklist, verbose_name=_("checklist"), on_delete=models.PROTECT)
    item_code = models.CharField(_("item"), max_length=50)
    item_text = models.CharField(_("item text"), max_length=300)
    result = models.CharField(_("result"), max_length=4, choices=ItemResult.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("checklist result")
        verbose_name_plural = _("checklist results")
        ordering = ["log", "checklist", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["log", "checklist", "item_code"],
                name="checklistresult_unique_item",
                violation_error_message=_("This item is already answered on the log."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_text}: {self.get_result_display()}"


class CheckInKind(models.TextChoices):
    START = "start", _("Start of duty")
    END = "end", _("End of duty")
    CHECKPOINT = "checkpoint", _("Checkpoint scan")


class CheckInFlag(models.TextChoices):
    NONE = "", _("None")
    OUTSIDE_GEOFENCE = "outside_geofence", _("Far outside the post's area")
    IMPLAUSIBLE_SPEED = "implausible_speed", _("Too fast after the previous check-in")
    NO_POSITION = "no_position", _("No position and no checkpoint scan")


class CheckIn(models.Model):
    """A member's presence on site at a moment: position, and/or a scanned QR checkpoint.

    Never refused for being far away: it is flagged with the distance for the leader's review.
    """

    scope_path = "log__jurisdiction__path"
    scope_team = "log__team"

    uuid = models.UUIDField(_("record id"), unique=True, default=uuid_lib.uuid4, editable=False)
    log = models.ForeignKey(
        PatrolLog, verbose_name=_("patrol log"), on_delete=models.CASCADE, related_name="check_ins"
    )
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=12, choices=CheckInKind.choices)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    key_place = models.ForeignKey(
        KeyPlace,
        verbose_name=_("checkpoint"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("The QR checkpoint scanned, if any."),
    )
    phone_time = models.DateTimeField(_("time on the phone"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    distance_m = models.FloatField(
        _("distance from the post (m)"), null=True, blank=True, editable=False
    )
    inside_geofence = models.BooleanField(_("inside the post's area"), null=True, editable=False)
    flag = models.CharField(
        _("flag"), max_length=20, choices=CheckInFlag.choices, blank=True, default=""
    )
    flag_detail = models.CharField(_("flag detail"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    review_accepted = models.BooleanField(
        _("accepted as presence on site"), null=True, blank=True, editable=False
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["phone_time", "pk"]
        indexes = [models.Index(fields=["flag", "reviewed_at"], name="checkin_flag_review")]

    def __str__(self) -> str:
        return f"{self.member} {self.get_kind_display()} {self.phone_time:%H:%M}"


class TrackBatch(models.Model):
    """Part of a patrol's GPS track, uploaded in batches: [[iso time, lat, lon, accuracy], …]."""

    scope_path = "log__jurisdiction__path"
    scope_team = "log__team"

    uuid = models.UUIDField(_("record id"), unique=True, default=uuid_lib.uuid4, editable=False)
    log = models.ForeignKey(
        PatrolLog, verbose_name=_("patrol log"), on_delete=models.CASCADE, related_name="tracks"
    )
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT)
    points = models.JSONField(_("points"), default=list)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("track part")
        verbose_name_plural = _("track parts")
        ordering = ["log", "pk"]

    def __str__(self) -> str:
        return f"{self.log} ({len(self.points)})"


def photo_path(instance: FieldPhoto, filename: str) -> str:
    # Named by the phone's uuid (the extension follows the checked content type, not the name
    # the phone gave): a repeated upload is recognised by the uuid, never stored twice.
    ext = {"image/png": "png", "image/webp": "webp"}.get(instance.content_type, "jpg")
    return f"photos/{instance.uuid.hex[:2]}/{instance.uuid.hex}.{ext}"


class FieldPhoto(models.Model):
    """A photo taken in the field, attached to a patrol log (and possibly a hazard report)."""

    scope_path = "jurisdiction__path"

    uuid = models.UUIDField(_("record id"), unique=True, default=uuid_lib.uuid4, editable=False)
    log = models.ForeignKey(
        PatrolLog,
        verbose_name=_("patrol log"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="photos",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT
    )
    image = models.ImageField(_("photo"), upload_to=photo_path)
    content_type = models.CharField(_("content type"), max_length=40, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), editable=False)
    width = models.PositiveIntegerField(_("width"), editable=False)
    height = models.PositiveIntegerField(_("height"), editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["received_at", "pk"]

    def __str__(self) -> str:
        return self.caption or str(self.uuid)


class LogCorrection(models.Model):
    """A correction appended to a confirmed patrol log; the log itself never changes again."""

    scope_path = "log__jurisdiction__path"
    scope_team = "log__team"

    log = models.ForeignKey(
        PatrolLog,
        verbose_name=_("patrol log"),
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    text = models.TextField(_("correction"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["log", "created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class MissedReason(models.TextChoices):
    NO_CHECK_IN = "no_check_in", _("No check-in")
    NO_LOG = "no_log", _("No patrol log")


class MissedDuty(models.Model):
    """A duty whose time (start + length + grace) passed without a check-in or a log.

    One per duty (the leader and office are told once); closed only with a comment.
    """

    scope_path = "duty__roster__team__jurisdiction__path"
    scope_team = "duty__roster__team"

    duty = models.OneToOneField(
        Duty, verbose_name=_("duty"), on_delete=models.PROTECT, related_name="missed"
    )
    reason = models.CharField(_("reason"), max_length=12, choices=MissedReason.choices)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("missed duty")
        verbose_name_plural = _("missed duties")
        ordering = ["-opened_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.duty} ({self.get_reason_display()})"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
