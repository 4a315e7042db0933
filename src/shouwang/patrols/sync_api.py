"""Phone sync API (/api/v1/field/): see docs/field-sync.md."""

from __future__ import annotations

from ninja import Router

router = Router()
