from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "shouwang.governance"
    label = "governance"
    verbose_name = _("Governance")

    def ready(self) -> None:
        from shouwang.core import cases
        from shouwang.governance import inbox, recordtypes, services  # noqa: F401

        cases.register_inbox("governance", inbox.tasks_for)
        cases.register_sweep(
            "governance", _("Training and drill gaps"), services.sweep_for_registry
        )
