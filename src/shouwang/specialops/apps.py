from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpecialOpsConfig(AppConfig):
    name = "shouwang.specialops"
    label = "specialops"
    verbose_name = _("Special operations")

    def ready(self) -> None:
        from shouwang.specialops import recordtypes  # noqa: F401
