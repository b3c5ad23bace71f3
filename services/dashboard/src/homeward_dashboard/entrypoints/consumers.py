"""The dashboard's one Kafka subscriber: the stage feed."""

from __future__ import annotations

from homeward_shared.consumer import subscribe
from homeward_shared.contracts import CaseStageChanged
from homeward_shared.envelope import Envelope
from homeward_shared.runtime import Service
from homeward_shared.uow import Delivery, Received

from homeward_dashboard.adapters.live import Broadcaster
from homeward_dashboard.adapters.uow import DashboardUnitOfWork
from homeward_dashboard.domain.commands import RecordStageChange
from homeward_dashboard.service import handlers

GROUP = "dashboard"


def command_of(env: Envelope[CaseStageChanged], delivery: Delivery) -> RecordStageChange:
    return RecordStageChange(
        received=Received.of(env, delivery),
        case_id=env.case_id,
        stage=env.payload.stage,
        occurred_at=env.occurred_at,
        centre=env.payload.centre,
        previous_stage=env.payload.previous_stage,
    )


def register(service: Service[DashboardUnitOfWork], live: Broadcaster) -> None:
    async def stage_changed(env: Envelope[CaseStageChanged], delivery: Delivery) -> None:
        uow = service.uow(
            service.system_actor, correlation_id=env.correlation_id, causation_id=env.event_id
        )
        move = await handlers.when_stage_changed_update_live_view(command_of(env, delivery), uow)
        if move is not None:
            live.publish(
                {
                    "stage": move.stage.value,
                    "moved": move.moved,
                    "occurred_at": move.occurred_at.isoformat(),
                }
            )

    subscribe(
        service.broker,
        service.dead_letters,
        topic=service.topics.stage_changed,
        group_id=service.group(GROUP),
        contract=CaseStageChanged,
        react=stage_changed,
        name="when_stage_changed_update_live_view",
    )
