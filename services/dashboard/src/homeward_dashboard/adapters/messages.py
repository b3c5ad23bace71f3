"""The dashboard only reads: it publishes nothing."""

from __future__ import annotations

from homeward_shared.contracts import Topics
from homeward_shared.domain import DomainEvent
from homeward_shared.messages import Outgoing


def translate(event: DomainEvent, topics: Topics) -> list[Outgoing]:
    return []
