"""Record type of the notification app: the outbound channels the office manages."""

from django.utils.translation import gettext_lazy as _

from shouwang.core.registry import RecordType, register
from shouwang.notify import services
from shouwang.notify.forms import ChannelForm
from shouwang.notify.models import Channel

register(
    RecordType(
        model=Channel,
        form=ChannelForm,
        create=services.create_channel,
        update=services.update_channel,
        delete=services.delete_channel,
        slug="notification-channels",
        columns=["name", "jurisdiction", "kind", "active"],
        filters=["jurisdiction", "kind", "active"],
        search=["name", "note"],
        # The signing secret and the robot's address (its key) are write-only: pages and the
        # API show whether a secret is set and the address with its key masked.
        detail_fields=[
            "name",
            "jurisdiction",
            "kind",
            "webhook_url_masked",
            "has_signing_secret",
            "email_recipients",
            "receives_all",
            "receives_duty_reminder",
            "receives_roster",
            "receives_hazard_overdue",
            "receives_visit_overdue",
            "receives_daily_summary",
            "active",
            "note",
        ],
        select_related=["jurisdiction"],
        section="setup",
        extra_labels={"has_signing_secret": _("signing secret set")},
    )
)
