from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "shouwang.hazards"
    label = "hazards"
    verbose_name = _("Hazards")

    def ready(self) -> None:
        from shouwang.hazards import recordtypes  # noqa: F401  (registers record types)
