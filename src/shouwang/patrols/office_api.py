"""Office-side patrol log API (/api/v1/patrols/): list, detail, confirm, corrections, ledger."""

from __future__ import annotations

from ninja import Router

router = Router()
