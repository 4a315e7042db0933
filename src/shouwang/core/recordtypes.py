"""Record types of the core app."""

from shouwang.core import services
from shouwang.core.forms import CodeItemForm, JurisdictionForm, RoleGrantForm
from shouwang.core.models import CodeItem, Jurisdiction, RoleGrant
from shouwang.core.registry import RecordType, register

register(
    RecordType(
        model=Jurisdiction,
        form=JurisdictionForm,
        create=services.create_jurisdiction,
        update=services.update_jurisdiction,
        delete=services.delete_jurisdiction,
        slug="jurisdictions",
        columns=["name", "level", "stat_division_code", "parent"],
        detail_fields=[
            "name",
            "level",
            "stat_division_code",
            "parent",
            "urban_rural_code",
            "boundary",
        ],
        filters=["level", "parent"],
        search=["name", "stat_division_code"],
        select_related=["parent"],
        section="setup",
        on_map=True,
    )
)
register(
    RecordType(
        model=CodeItem,
        form=CodeItemForm,
        create=services.create_code_item,
        update=services.update_code_item,
        delete=services.delete_code_item,
        slug="code-items",
        columns=["code_list", "code", "label", "national_code", "active", "is_local"],
        filters=["code_list", "active", "is_local"],
        search=["code", "label", "label_en"],
        detail_fields=[
            "code_list",
            "code",
            "label",
            "label_en",
            "national_code",
            "sort_order",
            "active",
            "is_local",
            "note",
        ],
        select_related=["code_list"],
        section="setup",
    )
)
register(
    RecordType(
        model=RoleGrant,
        form=RoleGrantForm,
        create=services.create_role_grant,
        update=services.update_role_grant,
        delete=services.delete_role_grant,
        slug="role-grants",
        columns=["user", "role", "jurisdiction", "team"],
        filters=["role", "jurisdiction", "team"],
        search=["user__username", "user__first_name"],
        select_related=["user", "role", "jurisdiction", "team"],
        section="setup",
    )
)
