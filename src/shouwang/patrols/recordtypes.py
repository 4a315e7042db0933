"""Record types of field work: inspection checklists (patrol logs have their own office pages
under /patrols/, because they are written by the phone app and reviewed, not edited)."""

from shouwang.core.registry import RecordType, register
from shouwang.patrols import checklists
from shouwang.patrols.forms import ChecklistForm
from shouwang.patrols.models import Checklist

register(
    RecordType(
        model=Checklist,
        form=ChecklistForm,
        create=checklists.create_checklist,
        update=checklists.update_checklist,
        delete=checklists.delete_checklist,
        slug="checklists",
        columns=["name", "category", "jurisdiction", "active"],
        filters=["category", "jurisdiction", "active"],
        search=["name", "note"],
        detail_fields=list(ChecklistForm.base_fields),
        select_related=["jurisdiction"],
        section="field",
        detail_extra="patrols/office/checklist_items.html",
    )
)
