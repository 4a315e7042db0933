"""API endpoints of this app beyond the generic CRUD routers."""

from __future__ import annotations

from ninja import Router

router = Router()
