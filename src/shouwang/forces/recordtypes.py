"""Record types of the forces app."""

from shouwang.core.registry import RecordType, register
from shouwang.forces import services
from shouwang.forces.forms import MemberForm, OrganisationForm, TeamForm
from shouwang.forces.models import Member, Organisation, Team

register(
    RecordType(
        model=Organisation,
        form=OrganisationForm,
        create=services.create_organisation,
        update=services.update_organisation,
        delete=services.delete_organisation,
        slug="organisations",
        columns=["name", "kind", "jurisdiction", "address", "contact_person"],
        filters=["kind", "jurisdiction"],
        search=["name", "address", "contact_person"],
        select_related=["kind", "jurisdiction"],
        section="forces",
        on_map=True,
    )
)
register(
    RecordType(
        model=Team,
        form=TeamForm,
        create=services.create_team,
        update=services.update_team,
        delete=services.delete_team,
        slug="teams",
        columns=["name", "kind", "jurisdiction", "leader"],
        filters=["kind", "jurisdiction"],
        search=["name"],
        select_related=["kind", "jurisdiction", "leader"],
        section="forces",
        detail_extra="forces/team_extra.html",
    )
)
register(
    RecordType(
        model=Member,
        form=MemberForm,
        create=services.create_member,
        update=services.update_member,
        delete=services.delete_member,
        slug="members",
        columns=["name", "phone", "roles", "jurisdiction", "employment_type", "status"],
        filters=["jurisdiction", "roles", "teams", "employment_type", "status", "gender"],
        search=["name", "phone"],
        detail_fields=[
            "name",
            "citizen_id_masked",
            "phone",
            "gender",
            "roles",
            "jurisdiction",
            "home_village",
            "employer",
            "teams",
            "employment_type",
            "status",
            "admission_date",
        ],
        select_related=["jurisdiction", "home_village", "employer"],
        prefetch=["roles", "teams"],
        section="forces",
        detail_extra="forces/member_extra.html",
    )
)
