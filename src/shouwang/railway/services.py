"""Railway services: the record pages' writes for incidents, joint-household representatives and
their activities.

Each action is one transaction with one audit event (through core.records: validate with the
record's form and the model's rules, save, re-check the actor's scope, audit). The 九无 /
四杜绝 / 四下降 figures are read-only aggregates in :mod:`shouwang.railway.status`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shouwang.core import records
from shouwang.railway.forms import (
    HouseholdRepresentativeForm,
    RailwayIncidentForm,
    RepresentativeActivityForm,
)
from shouwang.railway.models import HouseholdRepresentative, RailwayIncident, RepresentativeActivity


def create_incident(*, actor: Any, data: Mapping[str, Any]) -> RailwayIncident:
    """Record an incident on or beside the line (涉路案事件) in the village where it happened."""
    return records.create_record(RailwayIncidentForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_incident(
    incident: RailwayIncident, *, actor: Any, data: Mapping[str, Any]
) -> RailwayIncident:
    """Correct an incident (kind, place, handling, case number …)."""
    return records.update_record(RailwayIncidentForm, incident, actor=actor, data=data)


def delete_incident(incident: RailwayIncident, *, actor: Any) -> None:
    """Delete an incident recorded in error (the audit keeps what it was)."""
    records.delete_record(incident, actor=actor)


def create_representative(*, actor: Any, data: Mapping[str, Any]) -> HouseholdRepresentative:
    """Appoint a village's joint-household representative (爱路护路联户代表)."""
    return records.create_record(HouseholdRepresentativeForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_representative(
    representative: HouseholdRepresentative, *, actor: Any, data: Mapping[str, Any]
) -> HouseholdRepresentative:
    """Change a representative's details, or mark them as left."""
    return records.update_record(
        HouseholdRepresentativeForm, representative, actor=actor, data=data
    )


def delete_representative(representative: HouseholdRepresentative, *, actor: Any) -> None:
    """Delete a representative entered in error, with their activities (mark "left" instead
    to keep the history)."""
    records.delete_record(representative, actor=actor)


def create_activity(*, actor: Any, data: Mapping[str, Any]) -> RepresentativeActivity:
    """Record what a representative did (one line of the work dynamics, 工作开展动态)."""
    return records.create_record(RepresentativeActivityForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_activity(
    activity: RepresentativeActivity, *, actor: Any, data: Mapping[str, Any]
) -> RepresentativeActivity:
    return records.update_record(RepresentativeActivityForm, activity, actor=actor, data=data)


def delete_activity(activity: RepresentativeActivity, *, actor: Any) -> None:
    records.delete_record(activity, actor=actor)
