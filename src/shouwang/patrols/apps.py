from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolsConfig(AppConfig):
    name = "shouwang.patrols"
    label = "patrols"
    verbose_name = _("Field work")

    def ready(self) -> None:
        from shouwang.patrols import recordtypes  # noqa: F401  (registers record types)
