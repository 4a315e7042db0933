from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForcesConfig(AppConfig):
    name = "shouwang.forces"
    label = "forces"
    verbose_name = _("Forces")

    def ready(self) -> None:
        from shouwang.forces import recordtypes  # noqa: F401  (registers record types)
