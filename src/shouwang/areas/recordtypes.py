"""Record types of the areas app."""

from django.utils.translation import gettext_lazy as _

from shouwang.areas import services
from shouwang.areas.forms import KeyPlaceForm, PostForm, RouteForm, SegmentForm, ZoneForm
from shouwang.areas.models import KeyPlace, Post, Route, Segment, Zone
from shouwang.core.registry import RecordType, register

register(
    RecordType(
        model=Zone,
        form=ZoneForm,
        create=services.create_zone,
        update=services.update_zone,
        delete=services.delete_zone,
        slug="zones",
        columns=["name", "kind", "jurisdiction", "frequency_count", "frequency_period"],
        filters=["kind", "jurisdiction", "frequency_period"],
        search=["name"],
        select_related=["kind", "jurisdiction"],
        prefetch=["villages"],
        section="areas",
        on_map=True,
    )
)
register(
    RecordType(
        model=KeyPlace,
        form=KeyPlaceForm,
        create=services.create_key_place,
        update=services.update_key_place,
        delete=services.delete_key_place,
        slug="key-places",
        columns=["name", "kind", "zone", "jurisdiction", "is_checkpoint"],
        filters=["kind", "jurisdiction", "zone", "is_checkpoint"],
        search=["name", "address"],
        select_related=["kind", "jurisdiction", "zone", "organisation"],
        section="areas",
        on_map=True,
        detail_extra="areas/keyplace_extra.html",
    )
)
register(
    RecordType(
        model=Segment,
        form=SegmentForm,
        create=services.create_segment,
        update=services.update_segment,
        delete=services.delete_segment,
        slug="segments",
        columns=["line_name", "name", "chainage_display", "section_chief", "patrol_method"],
        filters=["line_kind", "jurisdiction", "patrol_method"],
        search=["name", "line_name"],
        detail_fields=[
            "name",
            "line_kind",
            "line_name",
            "jurisdiction",
            "chainage_display",
            "length_km",
            "section_chief",
            "rail_section_chief",
            "patrol_method",
            "geometry",
            "note",
        ],
        select_related=["jurisdiction", "section_chief"],
        extra_labels={"chainage_display": _("chainage"), "length_km": _("length (km)")},
        section="areas",
        on_map=True,
    )
)
register(
    RecordType(
        model=Route,
        form=RouteForm,
        create=services.create_route,
        update=services.update_route,
        delete=services.delete_route,
        slug="routes",
        columns=["name", "zone", "jurisdiction", "patrol_method"],
        filters=["jurisdiction", "zone", "patrol_method"],
        search=["name"],
        select_related=["jurisdiction", "zone"],
        section="areas",
        on_map=True,
    )
)
register(
    RecordType(
        model=Post,
        form=PostForm,
        create=services.create_post,
        update=services.update_post,
        delete=services.delete_post,
        slug="posts",
        columns=["name", "kind", "start_time", "duration_minutes", "team", "jurisdiction"],
        filters=["kind", "jurisdiction", "team", "zone"],
        search=["name"],
        select_related=["kind", "jurisdiction", "team", "zone", "key_place", "route", "segment"],
        section="areas",
    )
)
