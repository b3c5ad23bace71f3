"""What a Kafka record carries besides its value, as JSON Schema for the AsyncAPI documents:
the key and the headers, exactly as the outbox relay and the dead-letter middleware set them.

Header names are the constants the code sends (``envelope.H_*``, ``telemetry.H_WRITTEN_AT``,
``dead_letters.H_*``), so renaming one changes the documents. Header values are text on the
wire; the schemas describe that text. The headers of an event are closed (no header beyond
these is sent); a dead letter keeps whatever headers the refused record had, so its headers
are open.
"""

from __future__ import annotations

from typing import Any

from homeward_shared import dead_letters as dl
from homeward_shared.codes import KERNEL_WRITTEN
from homeward_shared.envelope import (
    H_CAUSATION_ID,
    H_CORRELATION_ID,
    H_EVENT_ID,
    H_EVENT_TYPE,
    H_PRODUCER,
    H_SCHEMA_VERSION,
    Payload,
)
from homeward_shared.telemetry import H_WRITTEN_AT

BINDING_VERSION = "0.4.0"
UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
# W3C trace context, version 00: the only one the propagator writes.
TRACEPARENT_PATTERN = "^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
DIGITS = "^[0-9]+$"


def _uuid(description: str) -> dict[str, Any]:
    return {"type": "string", "format": "uuid", "pattern": UUID_PATTERN, "description": description}


def key_schema() -> dict[str, Any]:
    return _uuid(
        "The envelope's `case_id`, as text: one case's events stay on one partition, in order."
    )


def _event_headers(contract: type[Payload] | None, producers: tuple[str, ...]) -> dict[str, Any]:
    event_type: dict[str, Any] = {"type": "string", "description": "The envelope's `event_type`."}
    version: dict[str, Any] = {
        "type": "string",
        "pattern": DIGITS,
        "description": "The envelope's `schema_version`, as text.",
    }
    if contract is not None:
        event_type["const"] = contract.event_type
        version["const"] = str(contract.schema_version)
    producer: dict[str, Any] = {
        "type": "string",
        "description": "The envelope's `producer`: the service whose outbox held the event.",
    }
    if producers:
        producer["enum"] = list(producers)
    return {
        H_EVENT_ID: _uuid("The envelope's `event_id`: consumers drop an id they have seen."),
        H_EVENT_TYPE: event_type,
        H_SCHEMA_VERSION: version,
        H_CORRELATION_ID: _uuid("The envelope's `correlation_id`: one pathway, end to end."),
        H_CAUSATION_ID: _uuid(
            "The envelope's `causation_id`, when the event was caused by another event."
        ),
        H_PRODUCER: producer,
        H_WRITTEN_AT: {
            "type": "string",
            "pattern": r"^[0-9]+\.[0-9]{6}$",
            "description": "When the producer's transaction wrote the event to its outbox, in "
            "seconds since the epoch: the start of a hand-off's measured latency.",
        },
        "traceparent": {
            "type": "string",
            "pattern": TRACEPARENT_PATTERN,
            "description": "W3C trace context of the relay's publish span (absent when the "
            "producer does not trace): the consumer's span is its child.",
        },
        "tracestate": {"type": "string", "description": "W3C trace state, when there is one."},
        dl.H_REDRIVEN: {
            "type": "string",
            "pattern": DIGITS,
            "description": "Only on an event an operator redrove from `<topic>.dlq` "
            "(`homeward dlq redrive`): its offset there.",
        },
    }


_EVENT_REQUIRED = [
    H_EVENT_ID,
    H_EVENT_TYPE,
    H_SCHEMA_VERSION,
    H_CORRELATION_ID,
    H_PRODUCER,
    H_WRITTEN_AT,
]


def event_headers_schema(contract: type[Payload], producers: tuple[str, ...]) -> dict[str, Any]:
    """The headers of one event on its topic, as the outbox relay sends them."""
    return {
        **KERNEL_WRITTEN,
        "type": "object",
        "properties": _event_headers(contract, producers),
        "required": list(_EVENT_REQUIRED),
        "additionalProperties": False,
    }


_DLQ: dict[str, tuple[str, dict[str, Any]]] = {
    dl.H_REASON: ("Why it was set aside: the contract's fields and rules, never the values.", {}),
    dl.H_ERROR: ("The class of the error, e.g. `ValidationError`, `EventTooLarge`.", {}),
    dl.H_TOPIC: ("The topic the event was refused on (or, from a relay, meant for).", {}),
    dl.H_SERVICE: ("The service that set it aside.", {}),
    dl.H_PARTITION: (
        "The refused record's partition (absent from the relay).",
        {"pattern": DIGITS},
    ),
    dl.H_OFFSET: ("The refused record's offset (absent from the relay).", {"pattern": DIGITS}),
    dl.H_GROUP: ("The consumer group that refused it (absent from the relay).", {}),
    dl.H_FAILED_AT: ("When it was refused, ISO 8601 (absent from the relay).", {}),
}
# Set by both writers of dead letters: a consumer's middleware and the outbox relay (an event
# too large to publish).
_DLQ_REQUIRED = [dl.H_REASON, dl.H_ERROR, dl.H_TOPIC, dl.H_SERVICE]


def dead_letter_headers_schema() -> dict[str, Any]:
    """A dead letter keeps the refused record's own headers (any: it was refused) and adds
    the ``dlq.*`` ones. Published by a consumer through faststream, it also carries
    faststream's ``content-type`` (empty: the value is the original bytes), a
    ``correlation_id`` and the publishing span's ``traceparent``."""
    properties: dict[str, Any] = {
        name: {"type": "string", "description": text, **extra}
        for name, (text, extra) in _DLQ.items()
    }
    properties["content-type"] = {
        "type": "string",
        "description": "Set by faststream when a consumer publishes the dead letter: empty.",
    }
    properties[H_CORRELATION_ID] = {
        "type": "string",
        "description": "The refused record's own; one faststream made up if it had none.",
    }
    properties["traceparent"] = {
        "type": "string",
        "pattern": TRACEPARENT_PATTERN,
        "description": "W3C trace context of the span that published the dead letter.",
    }
    return {
        **KERNEL_WRITTEN,
        "type": "object",
        "properties": properties,
        "required": list(_DLQ_REQUIRED),
        "additionalProperties": {"type": "string"},
    }


def dead_letter_key_schema() -> dict[str, Any]:
    return {
        **KERNEL_WRITTEN,
        "type": ["string", "null"],
        "description": "The refused record's key, as it came (a case id when a Homeward "
        "service wrote it).",
    }


def dead_letter_payload_schema() -> dict[str, Any]:
    return {
        "type": "string",
        "format": "binary",
        "description": "The refused record's value, byte for byte: possibly not JSON, not an "
        "envelope, or too large. Read it with `homeward dlq list <topic>`.",
    }


def message_bindings(key: dict[str, Any]) -> dict[str, Any]:
    return {"kafka": {"key": key, "bindingVersion": BINDING_VERSION}}
