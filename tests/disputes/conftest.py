"""Helpers of the dispute tests: a fresh file on side A, and the steps that bring it along."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from shouwang.disputes import services, workflow
from shouwang.disputes.models import Dispute


@pytest.fixture
def office(world: Any) -> Any:
    return world.users["township_staff"]


@pytest.fixture
def mediator(world: Any) -> Any:
    return world.users["grid_worker"]


def new_dispute(world: Any, side: str = "A", **over: Any) -> Dispute:
    """A file registered by the office (walk-in, with a source record)."""
    from world_extensions.disputes import _dispute, _service_data

    s = world.sides[side]
    data = {**_dispute(world, s, side, 0), "title": "测试纠纷", **over}
    actor = world.users["township_staff"] if side == "A" else world.admin
    return services.create_dispute(actor=actor, data=_service_data(data))


def session(d: Dispute, actor: Any, level: str = "village", outcome: str = "no_agreement") -> Any:
    return workflow.record_session(
        d,
        actor=actor,
        held_on=dt.date(2026, 11, 10),
        level=level,
        participants="张三、李四、调解员王五",
        summary="双方陈述，未达成一致",
        outcome=outcome,
    )


def resolved(world: Any, actor: Any, **over: Any) -> Dispute:
    """A file mediated at village level, agreed, investigated and resolved on 2026-11-12."""
    d = new_dispute(world, **over)
    session(d, actor, outcome="agreement")
    workflow.record_investigation(
        d, actor=actor, text="走访双方及邻居，核实边界", investigated_on="2026-11-09"
    )
    workflow.record_agreement(
        d, actor=actor, terms="以原界桩为界，各自拆除越界围墙", signed_on="2026-11-12"
    )
    return workflow.resolve_dispute(d, actor=actor, resolved_on="2026-11-12")
