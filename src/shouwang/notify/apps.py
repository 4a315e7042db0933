from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "shouwang.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from shouwang.notify import recordtypes  # noqa: F401  (registers record types)
