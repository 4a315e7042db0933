"""Record types of the hazard register."""

from shouwang.core.registry import RecordType, register
from shouwang.hazards import services
from shouwang.hazards.forms import HazardForm
from shouwang.hazards.models import Hazard

register(
    RecordType(
        model=Hazard,
        form=HazardForm,
        create=services.create_hazard,
        update=services.update_hazard,
        delete=services.delete_hazard,
        slug="hazards",
        columns=[
            "category",
            "description",
            "jurisdiction",
            "severity",
            "source",
            "status",
            "found_at",
        ],
        filters=["category", "jurisdiction", "severity", "source", "status"],
        search=["description", "place"],
        detail_fields=[
            "category",
            "description",
            "jurisdiction",
            "place",
            "longitude",
            "latitude",
            "severity",
            "status",
            "source",
            "found_by",
            "found_at",
            "received_at",
            "log",
            "checklist_result",
            "note",
        ],
        # Every detail field is serialised for list rows too: no query per row.
        select_related=["category", "jurisdiction", "found_by", "log__team", "checklist_result"],
        section="field",
        detail_extra="hazards/hazard_extra.html",
    )
)
