"""The versioned event envelope every message on Kafka travels in (DESIGN.md)."""

from __future__ import annotations

import functools
import re
import uuid
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import from_json

from homeward_shared.personal import personal_field_names

P = TypeVar("P", bound="Payload")

# Kafka header names. The event id travels as a header (Debezium's outbox convention) so a
# consumer or an operator can see it without parsing the body.
_TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}\.[a-z][a-z0-9_]{0,60}$")

PRODUCER_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"

H_EVENT_ID = "event_id"
H_EVENT_TYPE = "event_type"
H_SCHEMA_VERSION = "schema_version"
H_CORRELATION_ID = "correlation_id"
H_CAUSATION_ID = "causation_id"
H_PRODUCER = "producer"


class Payload(BaseModel):
    """Base of every event payload. A payload never carries personal data: declaring a
    personal field on one is refused when the class is created."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        leaked = personal_field_names(cls)
        if leaked:
            raise TypeError(f"{cls.__name__} declares personal fields {sorted(leaked)}")


class Envelope(BaseModel, Generic[P]):
    model_config = ConfigDict(frozen=True)

    event_id: uuid.UUID
    # Codes: a type name (``case.stage_changed``) and the producing service's name.
    event_type: str = Field(pattern=_TYPE_NAME.pattern, json_schema_extra={"x-code": "event-type"})
    # Strict: ``true``, ``1.0`` and ``"1"`` are no version number (``parse_envelope``).
    schema_version: int = Field(ge=1, strict=True)
    case_id: uuid.UUID
    occurred_at: datetime
    producer: str = Field(pattern=PRODUCER_PATTERN, json_schema_extra={"x-code": "service"})
    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None = None
    payload: P

    @classmethod
    def wrap(
        cls,
        payload: P,
        *,
        case_id: uuid.UUID,
        producer: str,
        correlation_id: uuid.UUID,
        causation_id: uuid.UUID | None = None,
        event_id: uuid.UUID | None = None,
        occurred_at: datetime,
    ) -> Envelope[P]:
        return envelope_of(type(payload))(
            event_id=event_id or uuid.uuid4(),
            event_type=payload.event_type,
            schema_version=payload.schema_version,
            case_id=case_id,
            occurred_at=occurred_at,
            producer=producer,
            correlation_id=correlation_id,
            causation_id=causation_id,
            payload=payload,
        )

    def headers(self) -> dict[str, str]:
        headers = {
            H_EVENT_ID: str(self.event_id),
            H_EVENT_TYPE: self.event_type,
            H_SCHEMA_VERSION: str(self.schema_version),
            H_CORRELATION_ID: str(self.correlation_id),
            H_PRODUCER: self.producer,
        }
        if self.causation_id:
            headers[H_CAUSATION_ID] = str(self.causation_id)
        return headers


@functools.cache
def envelope_of(payload_type: type[P]) -> type[Envelope[P]]:
    """``Envelope[payload_type]``, made once: pydantic's ``__class_getitem__`` costs tens of
    microseconds a call even when it finds the class in its cache (measured: 45 us of a
    rebuild's 250 us per event)."""
    return Envelope[payload_type]  # type: ignore[valid-type]


class ContractInvalid(ValueError):
    """The bytes are not an envelope at all (not UTF-8 JSON, not an object)."""


class UnsupportedSchemaVersion(ValueError):
    """An envelope of another event type, or of a version this consumer does not read."""


def parse_envelope(raw: bytes | str, payload_type: type[P]) -> Envelope[P]:
    """Validate raw bytes against one contract. Raises ``ContractInvalid``,
    ``UnsupportedSchemaVersion`` or ``pydantic.ValidationError``: each means the event can
    never be processed here. Type and version are checked before the payload, so that a
    newer version is reported as such and not as a pile of field errors."""
    # The common case in one pass: pydantic-core parses and validates without building
    # Python objects first. Only an envelope that fails, or is of another type or version,
    # is read again to say why (reading every envelope twice cost 4 us of a rebuild's event).
    try:
        env = envelope_of(payload_type).model_validate_json(raw)
    except ValueError:
        _refuse(raw, payload_type)
        raise
    if (
        env.event_type != payload_type.event_type
        or env.schema_version != payload_type.schema_version
    ):
        _refuse(raw, payload_type)
    return env


def _refuse(raw: bytes | str, payload_type: type[Payload]) -> None:
    """Raise the reason an envelope is not one of ``payload_type``'s, if it is one the type
    and version checks give; return if they pass (the payload is what is wrong)."""
    try:
        data = from_json(raw)
    except ValueError as exc:
        raise ContractInvalid(f"contract invalid: not UTF-8 JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise ContractInvalid("contract invalid: the envelope is not a JSON object")
    event_type, version = data.get("event_type"), data.get("schema_version")
    # Only a well-formed type name or version number is repeated in the reason: anything
    # else is input, and input may be personal.
    shown_type = event_type if isinstance(event_type, str) and _TYPE_NAME.match(event_type) else "?"
    if event_type != payload_type.event_type:
        raise UnsupportedSchemaVersion(
            f"expected event_type {payload_type.event_type}, got {shown_type}"
        )
    # ``true`` and ``1.0`` equal 1 in Python but are no version number.
    if type(version) is not int or version != payload_type.schema_version:
        shown = version if type(version) is int else f"of type {type(version).__name__}"
        raise UnsupportedSchemaVersion(
            f"{event_type} schema_version {shown} is not supported "
            f"(this consumer reads {payload_type.schema_version})"
        )
