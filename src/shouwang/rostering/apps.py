from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RosteringConfig(AppConfig):
    name = "shouwang.rostering"
    label = "rostering"
    verbose_name = _("Duty planning")

    def ready(self) -> None:
        from shouwang.core import cases
        from shouwang.rostering import inbox, recordtypes  # noqa: F401  (registers record types)

        cases.register_inbox("rostering", inbox.tasks_for)
