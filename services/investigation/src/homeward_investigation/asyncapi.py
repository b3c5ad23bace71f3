"""Investigation's AsyncAPI document: every event it consumes and publishes, each as its full
envelope. Print it with ``python -m homeward_investigation.asyncapi``."""

from __future__ import annotations

import json
import sys
from typing import Any

from homeward_shared.contracts import (
    CaseStageChanged,
    FigureRecorded,
    LegalMilestoneRecorded,
    LegalReferralIssued,
    PersonRescued,
)
from homeward_shared.contracts.asyncapi import service_document
from homeward_shared.runtime import Service

PUBLISHED = {
    "stage_changed": CaseStageChanged,
    "legal_referral_issued": LegalReferralIssued,
    "person_rescued": PersonRescued,
    "legal_milestone_recorded": LegalMilestoneRecorded,
    "figure_recorded": FigureRecorded,
}


def document(service: Service[Any]) -> dict[str, Any]:
    return service_document(
        service, [(getattr(service.topics, attr), c) for attr, c in PUBLISHED.items()]
    )


if __name__ == "__main__":
    from homeward_investigation.bootstrap import bootstrap
    from homeward_investigation.settings import InvestigationSettings

    # Never connected to: the document needs the wiring, not a database.
    nowhere = "postgresql://nobody:nothing@127.0.0.1:1/none"
    doc = document(bootstrap(InvestigationSettings(database_url=nowhere)))
    sys.stdout.write(json.dumps(doc, indent=2) + "\n")
