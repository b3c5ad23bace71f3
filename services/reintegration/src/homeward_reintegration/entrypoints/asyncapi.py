"""The events reintegration publishes, declared for the AsyncAPI document.

They are sent by the outbox relay, never through these publisher objects: declaring them only
puts the topics and their envelope schemas into the document beside the subscribers.
"""

from __future__ import annotations

from typing import Any

from faststream.specification import AsyncAPI
from homeward_shared.contracts import CaseStageChanged, FollowUpVisitOverdue
from homeward_shared.envelope import Envelope
from homeward_shared.runtime import Service


def declare_published(service: Service[Any]) -> None:
    for topic, contract in (
        (service.topics.stage_changed, CaseStageChanged),
        (service.topics.follow_up_overdue, FollowUpVisitOverdue),
    ):
        service.broker.publisher(
            topic,
            title=contract.event_type,
            description=contract.__doc__,
            schema=Envelope[contract],  # type: ignore[valid-type]
        )


def asyncapi_document(service: Service[Any]) -> dict[str, Any]:
    spec = AsyncAPI(service.broker, title=service.app.title, schema_version="3.0.0")
    return spec.to_specification().to_jsonable()


if __name__ == "__main__":
    import json

    from homeward_reintegration.bootstrap import bootstrap

    print(json.dumps(asyncapi_document(bootstrap()), indent=2))
