"""Navigation: the record types the user may see, grouped by section."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shouwang.core import registry
from shouwang.core.scoping import Action, can

SECTIONS = [
    ("forces", _("Forces")),
    ("areas", _("Areas")),
    ("rostering", _("Duty planning")),
    ("field", _("Field work")),
    ("cases", _("Cases")),
    ("governance", _("Governance")),
    ("railway", _("Railway protection")),
    ("reports", _("Figures and reports")),
    ("setup", _("Setup")),
]

# Pages that are not record lists but belong in a section's menu:
# (section, URL name, label, record type, the action a user needs to see the link).
SECTION_PAGES: list[tuple[str, str, Any, str, Action]] = [
    ("forces", "forces-leave-requests", _("Leave requests"), "forces.memberabsence", "change"),
    ("rostering", "roster-generate", _("Plan a month's roster"), "rostering.roster", "change"),
    ("rostering", "rostering-swap-inbox", _("Swap requests"), "rostering.swaprequest", "change"),
    ("field", "field-app", _("Phone app"), "patrols.patrollog", "add"),
    ("field", "patrol-log-list", _("Patrol logs"), "patrols.patrollog", "view"),
    ("field", "patrol-ledger", _("Monthly ledger"), "patrols.patrollog", "view"),
    ("field", "missed-duty-list", _("Missed duties"), "patrols.missedduty", "view"),
    ("field", "checkin-review-list", _("Check-ins to review"), "patrols.missedduty", "change"),
    ("field", "attendance-figures", _("Attendance"), "patrols.missedduty", "view"),
    ("cases", "concern-list", _("People of concern"), "concerns.personofconcern", "view"),
    ("cases", "dispute-screening-gaps", _("Screening gaps"), "disputes.screening", "view"),
    ("cases", "dispute-figures", _("Dispute figures"), "disputes.dispute", "view"),
    ("cases", "imports-home", _("Ledger import and export"), "hazards.hazard", "view"),
    ("cases", "my-tasks", _("My tasks"), "hazards.hazard", "view"),
    ("cases", "map", _("Map of open cases"), "hazards.hazard", "view"),
    ("governance", "governance-gaps", _("Training and drill gaps"), "governance.training", "view"),
    (
        "governance",
        "governance-pledges-missing",
        _("Without a signed pledge"),
        "governance.responsibilitypledge",
        "view",
    ),
    ("railway", "railway-status", _("Safe-railway indicators"), "railway.railwayincident", "view"),
    ("reports", "reports-dashboard", _("Dashboard"), "reports.monthlyreport", "view"),
    ("reports", "reports-monthly", _("Monthly report"), "reports.monthlyreport", "view"),
    ("reports", "assessment-runs", _("Assessment runs and rankings"), "assessment.run", "view"),
    ("setup", "notify-deliveries", _("Message deliveries"), "notify.delivery", "view"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": []}
    sections = []
    for key, label in SECTIONS:
        items = [
            rt
            for rt in registry.REGISTRY.values()
            if rt.section == key and can(user, rt.model, "view")
        ]
        pages = [
            {"url": reverse(url_name), "label": page_label}
            for section, url_name, page_label, record_type, action in SECTION_PAGES
            if section == key and can(user, apps.get_model(record_type), action)
        ]
        if items or pages:
            sections.append({"label": label, "items": items, "pages": pages})
    return {"nav_sections": sections}
