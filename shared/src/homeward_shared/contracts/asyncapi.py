"""The AsyncAPI document of every contract: which topic carries which envelope, and who
produces it. Generated from the contracts themselves with faststream's specification
factory, so the document cannot drift from the code (a test compares it with docs/).

Run ``python -m homeward_shared.contracts.asyncapi > docs/asyncapi.json`` (``make docs``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from homeward_shared.contracts import handoffs
from homeward_shared.contracts.erasure import CaseErasureApproved
from homeward_shared.contracts.figures import FigureRecorded
from homeward_shared.contracts.stage import CaseStageChanged
from homeward_shared.contracts.topics import Topics
from homeward_shared.envelope import Envelope, Payload

if TYPE_CHECKING:
    from homeward_shared.runtime import Service

# (topic, contract, producing service). Keyed by case id; headers carry the event id.
CATALOGUE: list[tuple[str, type[Payload], str]] = [
    (Topics().stage_changed, CaseStageChanged, "every service"),
    (Topics().figure_recorded, FigureRecorded, "every service"),
    (Topics().placement_requested, handoffs.PlacementRequested, "intake"),
    (Topics().lead_reported, handoffs.LeadReported, "intake"),
    (Topics().legal_referral_issued, handoffs.LegalReferralIssued, "investigation"),
    (Topics().person_rescued, handoffs.PersonRescued, "investigation"),
    (Topics().legal_milestone_recorded, handoffs.LegalMilestoneRecorded, "investigation"),
    (
        Topics().resident_ready_for_reintegration,
        handoffs.ResidentReadyForReintegration,
        "recovery",
    ),
    (Topics().training_recorded, handoffs.TrainingRecorded, "recovery"),
    (Topics().legal_assistance_requested, handoffs.LegalAssistanceRequested, "recovery"),
    (Topics().follow_up_overdue, handoffs.FollowUpVisitOverdue, "reintegration"),
    (Topics().erasure_approved, CaseErasureApproved, "intake (hosts the erasure workflow)"),
]


def declare_published(
    broker: KafkaBroker, published: Iterable[tuple[str, type[Payload]]], producer: str
) -> None:
    """Declare, for the document only, what a producer publishes. The outbox relay sends
    these with aiokafka, so faststream would otherwise know nothing of them."""
    for topic, contract in published:
        broker.publisher(
            topic,
            title=f"{topic}:publish",
            description=f"Produced by {producer}. {(contract.__doc__ or '').strip()}",
            schema=Envelope[contract],  # type: ignore[valid-type]
        )


def service_document(service: Service[Any], published: Iterable[tuple[str, type[Payload]]]) -> dict:
    """One service's document: the subscribers it registered and the events it publishes."""
    declare_published(service.broker, published, service.settings.service_name)
    spec = AsyncAPI(service.broker, title=service.app.title, schema_version="3.0.0")
    return spec.to_specification().to_jsonable()


def document() -> dict:
    broker = KafkaBroker()
    for topic, contract, producer in CATALOGUE:
        declare_published(broker, [(topic, contract)], producer)
    spec = AsyncAPI(
        broker,
        title="Homeward events",
        version="1",
        description="What crosses between Homeward's services. No event carries personal data.",
    )
    return spec.to_specification().to_jsonable()


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
