from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolsConfig(AppConfig):
    name = "shouwang.patrols"
    label = "patrols"
    verbose_name = _("Field work")

    def ready(self) -> None:
        from shouwang.core import cases
        from shouwang.patrols import inbox, recordtypes  # noqa: F401  (registers record types)

        cases.register_inbox("patrols", inbox.tasks_for)
