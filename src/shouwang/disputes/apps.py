from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "shouwang.disputes"
    label = "disputes"
    verbose_name = _("Disputes")

    def ready(self) -> None:
        from shouwang.core import cases
        from shouwang.disputes import inbox, recordtypes, services  # noqa: F401

        cases.register_inbox("disputes", inbox.tasks_for)
        cases.register_map_layer("disputes", _("Disputes"), inbox.markers_for)
        cases.register_sweep("disputes", _("Dispute deadlines"), services.sweep_for_registry)
