"""Reintegration's AsyncAPI document: what it consumes and the events it publishes.
Print it with ``python -m homeward_reintegration.entrypoints.asyncapi``."""

from __future__ import annotations

import json
import sys
from typing import Any

from homeward_shared.contracts import CaseStageChanged, FigureRecorded, FollowUpVisitOverdue
from homeward_shared.contracts.asyncapi import service_document
from homeward_shared.runtime import Service


def asyncapi_document(service: Service[Any]) -> dict[str, Any]:
    return service_document(
        service,
        [
            (service.topics.stage_changed, CaseStageChanged),
            (service.topics.follow_up_overdue, FollowUpVisitOverdue),
            (service.topics.figure_recorded, FigureRecorded),
        ],
    )


if __name__ == "__main__":
    from homeward_reintegration.bootstrap import bootstrap

    sys.stdout.write(json.dumps(asyncapi_document(bootstrap()), indent=2) + "\n")
