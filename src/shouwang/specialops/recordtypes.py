"""Record types of special operations (generic list/detail/edit pages and CRUD API)."""

from shouwang.core.registry import DateRange, RecordType, register
from shouwang.specialops import services
from shouwang.specialops.forms import DailyFigureForm, OperationPostForm, SpecialOperationForm
from shouwang.specialops.models import DailyFigure, OperationPost, SpecialOperation

SECTION = "governance"

register(
    RecordType(
        model=SpecialOperation,
        form=SpecialOperationForm,
        create=services.create_operation,
        update=services.update_operation,
        delete=services.delete_operation,
        slug="special-operations",
        dated=DateRange("start_date", end="end_date"),
        columns=["name", "kind", "jurisdiction", "start_date", "end_date", "level", "status"],
        filters=["jurisdiction", "kind", "level", "status"],
        search=["name", "summary", "note"],
        detail_fields=[
            "name",
            "kind",
            "jurisdiction",
            "start_date",
            "end_date",
            "zones",
            "level",
            "status",
            "cancel_reason",
            "summary",
            "note",
        ],
        select_related=["jurisdiction"],
        prefetch=["zones"],
        section=SECTION,
        detail_extra="specialops/operation_extra.html",
    )
)

register(
    RecordType(
        model=OperationPost,
        form=OperationPostForm,
        create=services.create_operation_post,
        update=services.update_operation_post,
        delete=services.delete_operation_post,
        slug="operation-posts",
        columns=["operation", "post", "start_time", "duration_minutes", "head_count"],
        filters=["operation", "post"],
        search=["post__name", "note"],
        detail_fields=list(OperationPostForm.base_fields),
        select_related=["operation", "post"],
        section=SECTION,
    )
)

register(
    RecordType(
        model=DailyFigure,
        form=DailyFigureForm,
        create=services.record_daily_figures,
        update=services.update_daily_figures,
        delete=services.delete_daily_figures,
        slug="daily-figures",
        dated=DateRange("date"),
        columns=[
            "date",
            "operation",
            "township",
            "person_turnouts",
            "checks",
            "people_verified",
            "items_seized",
            "incidents_handled",
        ],
        filters=["operation", "township", "date"],
        search=["note"],
        detail_fields=list(DailyFigureForm.base_fields),
        select_related=["operation", "township"],
        section=SECTION,
    )
)
