"""Hazard API (/api/v1/hazards-report/): report a hazard, from a checklist item in one step."""

from __future__ import annotations

from ninja import Router

router = Router()
