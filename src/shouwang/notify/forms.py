"""The notification channel form (also the API's validation layer for the record pages)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwang.core.records import RecordForm
from shouwang.notify.models import Channel, ChannelKind


class ChannelForm(RecordForm):
    """A township's or county's WeCom / DingTalk robot or e-mail list, and what it receives."""

    # Write-only: the secret is stored encrypted and never shown again.
    signing_secret = forms.CharField(
        label=_("DingTalk signing secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Only for DingTalk robots with signing (加签), starting with SEC. "
            "Leave empty to keep the stored one."
        ),
    )
    remove_signing_secret = forms.BooleanField(label=_("remove the signing secret"), required=False)
    # Write-only as well: the address carries the robot's key; it is stored encrypted.
    webhook_url = forms.CharField(
        label=_("webhook address"),
        required=False,
        max_length=500,
        help_text=_(
            "The group robot's address, e.g. https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
            "?key=… (WeCom) or https://oapi.dingtalk.com/robot/send?access_token=… (DingTalk). "
            "Leave empty to keep the stored one."
        ),
    )

    class Meta:
        model = Channel
        fields = [
            "name",
            "jurisdiction",
            "kind",
            "webhook_url",
            "signing_secret",
            "remove_signing_secret",
            "email_recipients",
            "receives_all",
            "receives_duty_reminder",
            "receives_roster",
            "receives_hazard_overdue",
            "receives_visit_overdue",
            "receives_daily_summary",
            "active",
            "note",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = getattr(self.instance, "webhook_url_masked", "")
        if stored:
            self.fields["webhook_url"].help_text = _("Stored: %(address)s. %(help)s") % {
                "address": stored,
                "help": self.fields["webhook_url"].help_text,
            }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Set before the model's own checks (they validate the address for the kind).
        raw = str(cleaned.get("webhook_url") or "").strip()
        if cleaned.get("kind") == ChannelKind.EMAIL:
            self.instance.webhook_url = ""
        elif raw:
            self.instance.webhook_url = raw
        return cleaned

    def clean_signing_secret(self) -> str:
        return str(self.cleaned_data.get("signing_secret") or "").strip()


def apply_signing_secret(channel: Channel, form: Any) -> None:
    """Encrypt a newly entered secret; keep the stored one when the field is left empty."""
    raw = form.cleaned_data.get("signing_secret") or ""
    if form.cleaned_data.get("remove_signing_secret"):
        channel.set_signing_secret("")
    elif raw:
        channel.set_signing_secret(raw)
