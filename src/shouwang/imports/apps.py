from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "shouwang.imports"
    label = "imports"
    verbose_name = _("Ledger imports")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Each app declares its ledger kinds in <app>/ledger_io.py (docs/ledger-import.md).
        autodiscover_modules("ledger_io")
        from shouwang.imports import services  # noqa: F401  (registers the audit codes)

        self.add_list_links()

    def add_list_links(self) -> None:
        """Excel import and export buttons on the list page of every ledger's record type."""
        from django.urls import reverse_lazy

        from shouwang.core import registry
        from shouwang.imports.kinds import KINDS

        for kind in KINDS.values():
            record_type = registry.for_model(kind.model)
            if record_type is None:
                continue
            record_type.list_links[:] = [
                registry.ListLink(
                    _("Import from Excel"), reverse_lazy("imports-upload", args=[kind.key]), "add"
                ),
                registry.ListLink(
                    _("Export to Excel"),
                    reverse_lazy("imports-export", args=[kind.key]),
                    "view",
                    keep_filters=True,
                ),
            ]
