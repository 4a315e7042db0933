"""The notification app's part of the shared test world (see tests/conftest.py).

Per side: one group-robot channel of the township. World channels are inactive and point at
a closed local port, so that no other app's test ever sends anything anywhere.
"""

from __future__ import annotations

from typing import Any

# conftest imports this module while it is still loading: read its names at call time.
import conftest

NAMES = conftest.NAMES
Side = Any
World = Any


def _channel(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "name": f"{NAMES[side]}镇平安群{n}",
        "jurisdiction": s.township.pk,
        "kind": "wecom_robot",
        "webhook_url": f"http://127.0.0.1:9/cgi-bin/webhook/send?key=world-{side}-{n}",
        "signing_secret": "",
        "remove_signing_secret": False,
        "email_recipients": "",
        "receives_all": False,
        "receives_duty_reminder": True,
        "receives_roster": True,
        "receives_hazard_overdue": True,
        "receives_visit_overdue": False,
        "receives_daily_summary": True,
        "active": False,
        "note": f"test {n}",
    }


BUILDERS = {"channel": _channel}

CHANGE_FIELD = {"channel": ("name", "改过的群名")}


def build(world: World, s: Side, side: str, admin: Any) -> None:
    from shouwang.notify import services

    data = {k: ("" if v is None else v) for k, v in _channel(world, s, side, -1).items()}
    s.extra["channel"] = services.create_channel(actor=admin, data=data)
