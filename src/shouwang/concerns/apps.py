from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConcernsConfig(AppConfig):
    name = "shouwang.concerns"
    label = "concerns"
    verbose_name = _("People of concern")
    # Privacy: only roles that name "concerns.*" or an exact record type of this app see its
    # records; "*", global roles and the superuser flag alone do not (core.scoping).
    explicit_grants_only = True

    def ready(self) -> None:
        from shouwang.concerns import inbox, workflow
        from shouwang.core import cases

        cases.register_inbox("concerns", inbox.tasks_for)
        # No map layer: people of concern never go on the shared map.
        cases.register_sweep("concerns", _("People of concern"), workflow.daily_sweep)
