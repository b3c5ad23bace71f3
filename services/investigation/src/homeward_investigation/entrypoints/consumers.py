"""Investigation's Kafka subscribers: validate the contract, build a command, call the
handler."""

from __future__ import annotations

from homeward_shared.consumer import subscribe
from homeward_shared.contracts import LeadReported, LegalAssistanceRequested
from homeward_shared.envelope import Envelope
from homeward_shared.runtime import Service
from homeward_shared.uow import Delivery, Received

from homeward_investigation.adapters.uow import InvestigationUnitOfWork
from homeward_investigation.domain.commands import (
    OpenInvestigationFromLead,
    OpenLegalAssistanceRequest,
)
from homeward_investigation.service import handlers

GROUP = "investigation"


def register(service: Service[InvestigationUnitOfWork]) -> None:
    async def lead_reported(env: Envelope[LeadReported], delivery: Delivery) -> None:
        p = env.payload
        cmd = OpenInvestigationFromLead(
            received=Received.of(env, delivery),
            correlation_id=env.correlation_id,
            lead_id=p.lead_id,
            kind=p.establishment_kind,
            province=p.province,
            district=p.district,
            urgency=p.urgency,
            persons_reported=p.persons_reported,
            indicators=frozenset(p.indicators),
        )
        uow = service.uow(
            service.system_actor, correlation_id=env.correlation_id, causation_id=env.event_id
        )
        await handlers.when_lead_reported_open_investigation(cmd, uow)

    subscribe(
        service.broker,
        service.dead_letters,
        topic=service.topics.lead_reported,
        group_id=service.group(GROUP),
        contract=LeadReported,
        react=lead_reported,
        name="when_lead_reported_open_investigation",
    )

    async def legal_assistance_requested(
        env: Envelope[LegalAssistanceRequested], delivery: Delivery
    ) -> None:
        p = env.payload
        cmd = OpenLegalAssistanceRequest(
            received=Received.of(env, delivery),
            request_id=p.request_id,
            case_id=env.case_id,
            kind=p.kind,
            urgency=p.urgency,
            centre=p.centre,
            requested_at=env.occurred_at,
        )
        uow = service.uow(
            service.system_actor, correlation_id=env.correlation_id, causation_id=env.event_id
        )
        await handlers.when_legal_assistance_requested_open_request(cmd, uow)

    subscribe(
        service.broker,
        service.dead_letters,
        topic=service.topics.legal_assistance_requested,
        group_id=service.group(f"{GROUP}.legal_assistance_requested"),
        contract=LegalAssistanceRequested,
        react=legal_assistance_requested,
        name="when_legal_assistance_requested_open_request",
    )
