"""The AsyncAPI document of every contract: which topic carries which envelope, and who
produces it. Generated from the contracts themselves with faststream's specification
factory, so the document cannot drift from the code (a test compares it with docs/).

Run ``python -m homeward_shared.contracts.asyncapi > docs/asyncapi.json`` (``make docs``).
"""

from __future__ import annotations

import json
import sys

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from homeward_shared.contracts import handoffs
from homeward_shared.contracts.stage import CaseStageChanged
from homeward_shared.contracts.topics import Topics
from homeward_shared.envelope import Envelope, Payload

# (topic, contract, producing service). Keyed by case id; headers carry the event id.
CATALOGUE: list[tuple[str, type[Payload], str]] = [
    (Topics().stage_changed, CaseStageChanged, "every service"),
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
    (Topics().follow_up_overdue, handoffs.FollowUpVisitOverdue, "reintegration"),
]


def document() -> dict:
    broker = KafkaBroker()
    for topic, contract, producer in CATALOGUE:
        broker.publisher(
            topic,
            title=f"{topic}:publish",
            description=f"Produced by {producer}. {(contract.__doc__ or '').strip()}",
            schema=Envelope[contract],  # type: ignore[valid-type]
        )
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
