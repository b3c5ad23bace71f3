"""Recovery's Kafka subscribers: validate the contract, build a command, call the handler."""

from __future__ import annotations

import re

from homeward_shared.consumer import subscribe
from homeward_shared.contracts import PersonRescued, PlacementRequested
from homeward_shared.envelope import Envelope
from homeward_shared.runtime import Service
from homeward_shared.uow import Delivery, Received

from homeward_recovery.adapters.uow import RecoveryUnitOfWork
from homeward_recovery.domain.commands import OpenAdmissionRequest
from homeward_recovery.domain.model import RequestOrigin
from homeward_recovery.service import handlers

GROUP = "recovery"
# A group per subscription: a rebalance of one never pauses the other. (The first keeps its
# original name: the inbox is keyed by group, and renaming it would forget what it claimed.)
RESCUE_GROUP = "recovery.person_rescued"

_LANGUAGE = re.compile(r"[a-z]{2,3}")


def language_code(value: str | None) -> str | None:
    """The language as an ISO 639 code, or none. Recovery keeps codes only in clear
    (``admission_requests.language`` refuses anything else by CHECK, migration 007); a
    producer whose contract still lets words through must not make the event fail for ever
    (a CHECK violation is retried), so a value that is not a code is not kept."""
    if value is None:
        return None
    code = value.strip().lower()
    return code if _LANGUAGE.fullmatch(code) else None


def register(service: Service[RecoveryUnitOfWork]) -> None:
    def uow_for(env: Envelope) -> RecoveryUnitOfWork:
        return service.uow(
            service.system_actor, correlation_id=env.correlation_id, causation_id=env.event_id
        )

    async def placement_requested(env: Envelope[PlacementRequested], delivery: Delivery) -> None:
        p = env.payload
        cmd = OpenAdmissionRequest(
            received=Received.of(env, delivery),
            case_id=env.case_id,
            case_number=p.case_number,
            correlation_id=env.correlation_id,
            origin=RequestOrigin.PLACEMENT,
            source=p.source,
            urgency=p.urgency,
            apparent_minor=p.apparent_minor,
            children_with_her=p.children_with_her,
            language=language_code(p.language),
        )
        await handlers.when_placement_requested_open_admission_request(cmd, uow_for(env))

    async def person_rescued(env: Envelope[PersonRescued], delivery: Delivery) -> None:
        p = env.payload
        cmd = OpenAdmissionRequest(
            received=Received.of(env, delivery),
            case_id=env.case_id,
            case_number=p.case_number,
            correlation_id=env.correlation_id,
            origin=RequestOrigin.RESCUE,
            source=None,
            urgency=p.urgency,
            apparent_minor=p.apparent_minor,
            children_with_her=p.children_with_her,
            language=language_code(p.language),
            operation_id=p.operation_id,
        )
        await handlers.when_person_rescued_open_admission_request(cmd, uow_for(env))

    subscribe(
        service.broker,
        service.dead_letters,
        topic=service.topics.placement_requested,
        group_id=service.group(GROUP),
        contract=PlacementRequested,
        react=placement_requested,
        name="when_placement_requested_open_admission_request",
    )
    subscribe(
        service.broker,
        service.dead_letters,
        topic=service.topics.person_rescued,
        group_id=service.group(RESCUE_GROUP),
        contract=PersonRescued,
        react=person_rescued,
        name="when_person_rescued_open_admission_request",
    )
