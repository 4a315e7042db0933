"""Record types of the forces app."""

from shouwang.core.registry import DateRange, RecordType, register
from shouwang.forces import services
from shouwang.forces.forms import (
    MEMBER_LIMIT_FIELDS,
    MemberAbsenceForm,
    MemberForm,
    MemberPostCapForm,
    OrganisationForm,
    PlanningPolicyForm,
    TeamForm,
)
from shouwang.forces.models import (
    Member,
    MemberAbsence,
    MemberPostCap,
    Organisation,
    PlanningPolicy,
    Team,
)

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
            *MEMBER_LIMIT_FIELDS,
        ],
        select_related=["jurisdiction", "home_village", "employer"],
        prefetch=["roles", "teams"],
        section="forces",
        detail_extra="forces/member_extra.html",
    )
)
register(
    RecordType(
        model=MemberAbsence,
        form=MemberAbsenceForm,
        create=services.create_absence,
        update=services.update_absence,
        delete=services.delete_absence,
        slug="absences",
        dated=DateRange("start_date", end="end_date"),
        columns=["member", "kind", "start_date", "end_date", "status"],
        filters=["member", "kind", "status"],
        search=["member__name", "reason"],
        select_related=["member"],
        section="forces",
    )
)
register(
    RecordType(
        model=MemberPostCap,
        form=MemberPostCapForm,
        create=services.create_member_post_cap,
        update=services.update_member_post_cap,
        delete=services.delete_member_post_cap,
        slug="member-post-caps",
        columns=["member", "post", "max_per_month"],
        filters=["member", "post"],
        search=["member__name", "post__name"],
        select_related=["member", "post"],
        section="forces",
    )
)
register(
    RecordType(
        model=PlanningPolicy,
        form=PlanningPolicyForm,
        create=services.create_planning_policy,
        update=services.update_planning_policy,
        delete=services.delete_planning_policy,
        slug="planning-policies",
        columns=["team", "forbid_night_then_early", "min_rest_hours"],
        filters=["team"],
        search=["team__name"],
        select_related=["team"],
        section="forces",
    )
)
