from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "shouwang.assessment"
    label = "assessment"
    verbose_name = _("Assessment")

    def ready(self) -> None:
        from shouwang.assessment import recordtypes  # noqa: F401
