from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RailwayConfig(AppConfig):
    name = "shouwang.railway"
    label = "railway"
    verbose_name = _("Railway protection")

    def ready(self) -> None:
        from shouwang.railway import recordtypes  # noqa: F401  (registers record types)
