"""Investigation's AsyncAPI document: every event it publishes (through the outbox) and
consumes, each as its full envelope. Print it with ``python -m homeward_investigation.asyncapi``.

The outbox relay publishes with aiokafka, so faststream knows nothing of those topics; they
are declared here, for the document only, on a service that is never started.
"""

from __future__ import annotations

import json
from typing import Any

from faststream.specification import AsyncAPI
from homeward_shared.contracts import (
    CaseStageChanged,
    LegalMilestoneRecorded,
    LegalReferralIssued,
    PersonRescued,
)
from homeward_shared.envelope import Envelope
from homeward_shared.runtime import Service

PUBLISHED = {
    "stage_changed": CaseStageChanged,
    "legal_referral_issued": LegalReferralIssued,
    "person_rescued": PersonRescued,
    "legal_milestone_recorded": LegalMilestoneRecorded,
}


def document(service: Service[Any]) -> dict[str, Any]:
    for attr, contract in PUBLISHED.items():
        service.broker.publisher(
            getattr(service.topics, attr),
            title=f"publish_{contract.event_type}",
            description=f"{contract.__doc__} Keyed by the envelope's case_id; published"
            " from the outbox.",
            schema=Envelope[contract],  # type: ignore[valid-type]
        )
    spec = AsyncAPI(
        service.broker,
        title=service.app.title,
        description="Events investigation publishes and consumes (DESIGN.md).",
        schema_version="3.0.0",
    ).to_specification()
    return json.loads(spec.to_json())


if __name__ == "__main__":
    from homeward_investigation.bootstrap import bootstrap
    from homeward_investigation.settings import InvestigationSettings

    # Never connected to: the document needs the wiring, not a database.
    nowhere = "postgresql://nobody:nothing@127.0.0.1:1/none"
    print(json.dumps(document(bootstrap(InvestigationSettings(database_url=nowhere))), indent=2))
