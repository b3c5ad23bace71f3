"""``when_erasure_approved_destroy_case_keys``: mounted in every service by
``runtime.build_service``, so that no service can forget it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeward_shared.consumer import subscribe
from homeward_shared.contracts.erasure import CaseErasureApproved
from homeward_shared.envelope import Envelope
from homeward_shared.erasure import handlers
from homeward_shared.uow import Delivery, Received

if TYPE_CHECKING:
    from homeward_shared.runtime import Service

NAME = "when_erasure_approved_destroy_case_keys"


def group_id(topic_prefix: str, service_name: str) -> str:
    """The erasure consumer's group and inbox name; ``replay`` claims under the same name, so
    an event replayed and then consumed (or the other way round) acts once."""
    return f"{topic_prefix}{service_name}.erasure"


def register(service: Service[Any]) -> None:
    async def erasure_approved(env: Envelope[CaseErasureApproved], delivery: Delivery) -> None:
        cmd = handlers.DestroyCaseKeys(
            received=Received.of(env, delivery),
            case_id=env.case_id,
            erasure_id=env.payload.erasure_id,
            reason=env.payload.reason,
        )
        uow = service.uow(
            service.system_actor, correlation_id=env.correlation_id, causation_id=env.event_id
        )
        await handlers.when_erasure_approved_destroy_case_keys(cmd, uow)

    subscribe(
        service.broker,
        service.dead_letters,
        topic=service.topics.erasure_approved,
        group_id=group_id(service.settings.topic_prefix, service.settings.service_name),
        contract=CaseErasureApproved,
        react=erasure_approved,
        name=NAME,
    )
