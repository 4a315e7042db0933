from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    name = "shouwang.areas"
    label = "areas"
    verbose_name = _("Areas")

    def ready(self) -> None:
        from shouwang.areas import recordtypes  # noqa: F401  (registers record types)
