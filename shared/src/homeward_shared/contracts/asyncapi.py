"""The AsyncAPI documents: the catalogue of every contract (which topic carries which
envelope, and who produces it) and each service's own (what it receives, what it sends, its
dead letters). faststream's specification factory builds the channels and operations from the
broker's subscribers and declared publishers, so they cannot drift from the wiring (a test
compares the documents with docs/). faststream knows nothing of a subscriber's contract (the
kernel's subscribers take raw batches), of Kafka keys or of headers, so ``complete`` then
sets, on every message: the payload (the envelope of the topic's contract, from the pydantic
models), the key (a Kafka message binding) and the headers, as on the wire (``wire``).

Run ``python -m homeward_shared.contracts.asyncapi > docs/asyncapi.json`` (``make docs``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from homeward_shared.contracts import handoffs, wire
from homeward_shared.contracts.erasure import CaseErasureApproved
from homeward_shared.contracts.figures import FigureRecorded
from homeward_shared.contracts.stage import CaseStageChanged
from homeward_shared.contracts.topics import DLQ_SUFFIX, Topics
from homeward_shared.envelope import Payload, envelope_of

if TYPE_CHECKING:
    from homeward_shared.runtime import Service

# The services whose cases move through stages: each writes its own stage changes and
# figures (the dashboard only reads).
MOVES_CASES = ("intake", "investigation", "recovery", "reintegration")

# (topic, contract, producing services). Keyed by case id; headers carry the event id.
CATALOGUE: list[tuple[str, type[Payload], tuple[str, ...]]] = [
    (Topics().stage_changed, CaseStageChanged, MOVES_CASES),
    (Topics().figure_recorded, FigureRecorded, MOVES_CASES),
    (Topics().placement_requested, handoffs.PlacementRequested, ("intake",)),
    (Topics().lead_reported, handoffs.LeadReported, ("intake",)),
    (Topics().legal_referral_issued, handoffs.LegalReferralIssued, ("investigation",)),
    (Topics().person_rescued, handoffs.PersonRescued, ("investigation",)),
    (Topics().legal_milestone_recorded, handoffs.LegalMilestoneRecorded, ("investigation",)),
    (
        Topics().resident_ready_for_reintegration,
        handoffs.ResidentReadyForReintegration,
        ("recovery",),
    ),
    (Topics().training_recorded, handoffs.TrainingRecorded, ("recovery",)),
    (Topics().legal_assistance_requested, handoffs.LegalAssistanceRequested, ("recovery",)),
    (Topics().follow_up_overdue, handoffs.FollowUpVisitOverdue, ("reintegration",)),
    (Topics().erasure_approved, CaseErasureApproved, ("intake",)),  # hosts the erasure workflow
]


PRODUCERS: dict[str, tuple[str, ...]] = {t: p for t, _, p in CATALOGUE}


def published_by(service: str, prefix: str = "") -> list[tuple[str, type[Payload]]]:
    """What a service's outbox publishes (its translator's topics and the kernel's)."""
    return [(prefix + t, c) for t, c, p in CATALOGUE if service in p]


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
            schema=envelope_of(contract),
        )


def declare_dead_letters(broker: KafkaBroker, topics: Iterable[str], service: str) -> None:
    """A consumer sets an event it can never process aside on ``<topic>.dlq`` (the
    dead-letter middleware), and the relay an event too large to publish."""
    for topic in sorted(set(topics)):
        dlq = Topics.dead_letter(topic)
        broker.publisher(
            dlq,
            title=f"{dlq}:publish",
            description=f"{service} sets aside here an event of `{topic}` it can never "
            "process (or, from its outbox, one too large to publish), with the reason.",
        )


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{quote(name)}"}


def _envelope(contract: type[Payload], producers: tuple[str, ...], schemas: dict) -> dict:
    """The envelope of ``contract`` as pydantic validates it, its type and version fixed."""
    schema = envelope_of(contract).model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        # Components are named by class: two different models of one name would overwrite
        # each other silently, and a message would then document the wrong one.
        if schemas.setdefault(name, definition) != definition:
            raise ValueError(f"two contract models are both named {name}: rename one")
    props = schema["properties"]
    props["event_type"]["const"] = contract.event_type
    props["schema_version"]["const"] = contract.schema_version
    if producers:
        props["producer"]["enum"] = list(producers)
    schemas[schema["title"]] = schema
    return _ref(schema["title"])


def complete(
    doc: dict[str, Any],
    contracts: dict[str, type[Payload]],
    producers: Callable[[str], tuple[str, ...]],
) -> dict[str, Any]:
    """Set every message's payload, key and headers; ``contracts`` maps each address that
    is not a dead-letter topic to the contract its events carry."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    messages = doc["components"]["messages"]
    for channel in doc.get("channels", {}).values():
        address = channel["address"]
        for ref in channel["messages"].values():
            message = messages[ref["$ref"].rsplit("/", 1)[-1]]
            if address.endswith(DLQ_SUFFIX):
                schemas["DeadLetterHeaders"] = wire.dead_letter_headers_schema()
                message["payload"] = wire.dead_letter_payload_schema()
                message["contentType"] = "application/octet-stream"
                message["headers"] = _ref("DeadLetterHeaders")
                message["bindings"] = wire.message_bindings(wire.dead_letter_key_schema())
                continue
            contract = contracts.get(address)
            if contract is None:
                raise LookupError(
                    f"no contract is known for {address}: subscribe through "
                    "homeward_shared.consumer.subscribe, publish through the catalogue"
                )
            made_by = producers(address)
            headers = f"Headers[{contract.__name__}]"
            schemas[headers] = wire.event_headers_schema(contract, made_by)
            message["payload"] = _envelope(contract, made_by, schemas)
            message["headers"] = _ref(headers)
            message["bindings"] = wire.message_bindings(wire.key_schema())
    used = json.dumps(doc["components"]["messages"])
    if "EmptyPayload" in schemas and "EmptyPayload" not in used:
        del schemas["EmptyPayload"]
    doc["components"]["schemas"] = dict(sorted(schemas.items()))
    return doc


def service_document(
    service: Service[Any], published: Iterable[tuple[str, type[Payload]]] | None = None
) -> dict:
    """One service's document: what its subscribers receive (each with the contract it parses
    with), what its outbox publishes (by default: the catalogue's topics it produces) and its
    dead-letter topics."""
    name = service.settings.service_name
    prefix = service.settings.topic_prefix
    sent = list(published_by(name, prefix) if published is None else published)
    received = dict(service.dead_letters.contracts)
    declare_published(service.broker, sent, name)
    declare_dead_letters(service.broker, [*received, *(t for t, _ in sent)], name)
    spec = AsyncAPI(service.broker, title=service.app.title, schema_version="3.0.0")
    doc = spec.to_specification().to_jsonable()
    return complete(
        doc,
        {**dict(sent), **received},
        lambda address: PRODUCERS.get(address.removeprefix(prefix), ()),
    )


def document() -> dict:
    broker = KafkaBroker()
    for topic, contract, producers in CATALOGUE:
        declare_published(broker, [(topic, contract)], ", ".join(producers))
    spec = AsyncAPI(
        broker,
        title="Homeward events",
        version="1",
        description="What crosses between Homeward's services. No event carries personal data.",
    )
    return complete(
        spec.to_specification().to_jsonable(),
        {t: c for t, c, _ in CATALOGUE},
        lambda address: PRODUCERS[address],
    )


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
