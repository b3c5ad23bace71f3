"""Reintegration's Kafka subscribers: validate the contract, build a command, call the handler."""

from __future__ import annotations

from homeward_shared.consumer import subscribe
from homeward_shared.contracts import ResidentReadyForReintegration
from homeward_shared.envelope import Envelope
from homeward_shared.runtime import Service
from homeward_shared.uow import Delivery, Received

from homeward_reintegration.adapters.uow import ReintegrationUnitOfWork
from homeward_reintegration.domain.commands import OpenReintegrationCase
from homeward_reintegration.service import handlers

GROUP = "reintegration"


def register(service: Service[ReintegrationUnitOfWork]) -> None:
    async def resident_ready(
        env: Envelope[ResidentReadyForReintegration], delivery: Delivery
    ) -> None:
        p = env.payload
        cmd = OpenReintegrationCase(
            received=Received.of(env, delivery),
            case_id=env.case_id,
            case_number=p.case_number,
            correlation_id=env.correlation_id,
            from_centre=p.centre,
            skills=tuple(p.skills),
            wishes_to_return_home=p.wishes_to_return_home,
        )
        uow = service.uow(
            service.system_actor, correlation_id=env.correlation_id, causation_id=env.event_id
        )
        await handlers.when_resident_ready_open_reintegration_case(cmd, uow)

    subscribe(
        service.broker,
        service.dead_letters,
        topic=service.topics.resident_ready_for_reintegration,
        group_id=service.group(GROUP),
        contract=ResidentReadyForReintegration,
        react=resident_ready,
        name="when_resident_ready_open_reintegration_case",
    )
