from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "shouwang.hazards"
    label = "hazards"
    verbose_name = _("Hazards")

    def ready(self) -> None:
        from shouwang.core import cases as case_registry
        from shouwang.hazards import cases, recordtypes  # noqa: F401  (registers record types)

        case_registry.register_inbox("hazards", cases.hazard_tasks)
        case_registry.register_map_layer(cases.LAYER, cases.LAYER_LABEL, cases.hazard_markers)
        case_registry.register_sweep("hazards", cases.SWEEP_LABEL, cases.hazard_sweep)
