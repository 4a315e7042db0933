"""Notifications: in-app messages to one user, outbound channels (group robots, e-mail) and
the delivery outbox that carries every outbound message to its channel."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core import crypto
from shouwang.core.models import Jurisdiction, JurisdictionLevel
from shouwang.core.scoping import ScopedManager, ScopedQuerySet


class Notification(models.Model):
    """A message in one user's inbox (e.g. "your duties changed"); read once, kept for record.

    Not a jurisdictional record: only its recipient ever reads it (see `services.inbox_for`).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Set by jobs that may run twice (the duty reminder): one message per recipient and key.
    dedupe_key = models.CharField(max_length=200, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notify_recipient_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notify_notification_unique_dedupe",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class ChannelKind(models.TextChoices):
    WECOM_ROBOT = "wecom_robot", _("WeCom group robot")
    DINGTALK_ROBOT = "dingtalk_robot", _("DingTalk group robot")
    EMAIL = "email", _("E-mail")


class Topic(models.TextChoices):
    """What a message is about, as a channel chooses what it receives."""

    DUTY_REMINDER = "duty_reminder", _("Tomorrow's duty reminder")
    ROSTER = "roster", _("Roster published or changed")
    HAZARD_OVERDUE = "hazard_overdue", _("Hazard overdue")
    VISIT_OVERDUE = "visit_overdue", _("Visit overdue")
    DAILY_SUMMARY = "daily_summary", _("Daily summary")
    OTHER = "other", _("Other messages")


#: The query parameter marking a WeCom / DingTalk robot address (its key or access token).
ROBOT_TOKEN_PARAM = {
    ChannelKind.WECOM_ROBOT: "key=",
    ChannelKind.DINGTALK_ROBOT: "access_token=",
}


def mask_webhook_url(url: str) -> str:
    """The address with its key or token hidden but for the last four characters, so that the
    office can tell robots apart without the key being readable."""
    if "?" not in url:
        return url
    base, query = url.split("?", 1)
    parts = []
    for part in query.split("&"):
        name, sep, value = part.partition("=")
        if sep and name.lower() in ("key", "access_token", "token", "secret", "sign"):
            value = "…" + value[-4:] if len(value) > 8 else "…"
        parts.append(f"{name}{sep}{value}")
    return f"{base}?{'&'.join(parts)}"


def split_addresses(text: str) -> list[str]:
    """E-mail addresses separated by commas, semicolons, spaces or new lines."""
    for sep in (";", "，", "；", "\n", "\r", "\t", " "):
        text = text.replace(sep, ",")
    return [a.strip() for a in text.split(",") if a.strip()]


class Channel(models.Model):
    """Where a jurisdiction's outbound messages go: a WeCom or DingTalk group robot, or e-mail.

    A channel of a township receives the messages about records of that township (and of its
    villages); a county channel receives those of the whole county. The channel chooses the
    kinds of message it receives. The settings' SHOUWANG_WEBHOOK_URL is kept as one global
    channel (`system_key`), which receives every outbound message, as it always did.
    """

    scope_path = "jurisdiction__path"
    # The robot's signing secret is never written to the audit trail.
    audit_exclude = ("signing_secret_encrypted", "webhook_url_encrypted")
    audit_extra = ("has_signing_secret",)

    name = models.CharField(_("name"), max_length=100)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        help_text=_("The township or county whose messages the channel receives."),
    )
    kind = models.CharField(_("channel kind"), max_length=16, choices=ChannelKind.choices)
    # The robot's address carries its key: stored encrypted, shown masked (`webhook_url`).
    webhook_url_encrypted = models.TextField(editable=False, blank=True)
    webhook_url_masked = models.CharField(
        _("webhook address"), max_length=300, editable=False, blank=True
    )
    signing_secret_encrypted = models.TextField(editable=False, blank=True)
    email_recipients = models.TextField(
        _("e-mail recipients"),
        blank=True,
        help_text=_("E-mail addresses, separated by commas or new lines."),
    )
    receives_all = models.BooleanField(_("all messages"), default=False)
    receives_duty_reminder = models.BooleanField(Topic.DUTY_REMINDER.label, default=True)
    receives_roster = models.BooleanField(Topic.ROSTER.label, default=True)
    receives_hazard_overdue = models.BooleanField(Topic.HAZARD_OVERDUE.label, default=True)
    receives_visit_overdue = models.BooleanField(Topic.VISIT_OVERDUE.label, default=False)
    receives_daily_summary = models.BooleanField(Topic.DAILY_SUMMARY.label, default=True)
    active = models.BooleanField(_("active"), default=True)
    note = models.TextField(_("note"), blank=True)
    # "settings" for the global channel kept in step with SHOUWANG_WEBHOOK_URL; else empty.
    system_key = models.CharField(max_length=20, blank=True, default="", editable=False)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        ordering = ["jurisdiction__path", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"],
                name="notify_channel_unique_jurisdiction_name",
                violation_error_message=_("This jurisdiction already has a channel of this name."),
            ),
            models.UniqueConstraint(
                fields=["system_key"],
                condition=~models.Q(system_key=""),
                name="notify_channel_unique_system_key",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def webhook_url(self) -> str:
        """The robot's full address (decrypted; never shown on pages or in the API)."""
        if not self.webhook_url_encrypted:
            return ""
        return crypto.decrypt(self.webhook_url_encrypted)

    @webhook_url.setter
    def webhook_url(self, raw: str) -> None:
        raw = (raw or "").strip()
        self.webhook_url_encrypted = crypto.encrypt(raw) if raw else ""
        self.webhook_url_masked = mask_webhook_url(raw)

    @property
    def has_signing_secret(self) -> bool:
        return bool(self.signing_secret_encrypted)

    def set_signing_secret(self, raw: str) -> None:
        self.signing_secret_encrypted = crypto.encrypt(raw) if raw else ""

    def decrypted_secret(self) -> str:
        if not self.signing_secret_encrypted:
            return ""
        return crypto.decrypt(self.signing_secret_encrypted)

    def addresses(self) -> list[str]:
        return split_addresses(self.email_recipients)

    def receives(self, topic: str) -> bool:
        if self.receives_all:
            return True
        return bool(getattr(self, f"receives_{topic}", False))

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        place = self.jurisdiction if self.jurisdiction_id else None
        if place is not None and place.level not in (
            JurisdictionLevel.COUNTY,
            JurisdictionLevel.TOWNSHIP,
        ):
            errors["jurisdiction"] = [_("Choose a township or a county.")]
        if self.kind == ChannelKind.EMAIL:
            addresses = self.addresses()
            if not addresses:
                errors["email_recipients"] = [_("Enter at least one e-mail address.")]
            for address in addresses:
                try:
                    validate_email(address)
                except ValidationError:
                    errors.setdefault("email_recipients", []).append(
                        _("Not an e-mail address: %(address)s") % {"address": address}
                    )
        elif self.kind in ROBOT_TOKEN_PARAM:
            url = self.webhook_url.strip()
            token = ROBOT_TOKEN_PARAM[ChannelKind(self.kind)]
            if not url.startswith(("https://", "http://")) or "?" not in url:
                errors["webhook_url"] = [_("Enter the robot's full web address.")]
            elif token not in url.split("?", 1)[1]:
                errors["webhook_url"] = [
                    _("The address of this robot carries %(param)s… in its query.")
                    % {"param": token}
                ]
        if self.signing_secret_encrypted and self.kind != ChannelKind.DINGTALK_ROBOT:
            errors.setdefault("kind", []).append(_("Only DingTalk robots use a signing secret."))
        if errors:
            raise ValidationError(errors)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class DeliveryQuerySet(ScopedQuerySet["Delivery"]):
    def failed(self) -> DeliveryQuerySet:
        return self.filter(status=DeliveryStatus.FAILED)


class DeliveryManager(models.Manager.from_queryset(DeliveryQuerySet)):  # type: ignore[misc]
    """Scoped manager (`visible_to`) with `failed()`."""


class Delivery(models.Model):
    """One outbound message to one channel (or one person's e-mail): the outbox row.

    Written in the transaction of the action that caused it, so a rolled-back action sends
    nothing and a process that dies loses nothing; the sender drains due rows, retries with
    backoff and finally marks a row failed for the office to see. `dedupe_key` is unique: a
    job that runs twice writes no second row.
    """

    scope_path = "jurisdiction__path"

    channel = models.ForeignKey(
        Channel,
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    transport = models.CharField(_("channel kind"), max_length=16, choices=ChannelKind.choices)
    recipients = models.TextField(_("e-mail recipients"), blank=True)
    kind = models.CharField(_("kind"), max_length=40)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    subject = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("message"))
    dedupe_key = models.CharField(_("dedupe key"), max_length=255, unique=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), db_index=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = DeliveryManager()

    class Meta:
        verbose_name = _("message delivery")
        verbose_name_plural = _("message deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notify_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_transport_display()}: {self.subject}"
