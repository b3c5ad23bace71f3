from __future__ import annotations

import uuid
from dataclasses import dataclass

from homeward_shared.contracts.handoffs import SignalSource, Urgency
from homeward_shared.personal import personal, register_personal


@dataclass(frozen=True, kw_only=True)
class RegisterSignal:
    idempotency_key: str
    source: SignalSource
    urgency: Urgency
    needs_shelter: bool
    apparent_minor: bool = False
    children_with_her: int = 0
    language: str | None = None
    name: str | None = personal(default=None)
    aliases: str | None = personal(default=None)
    phone: str | None = personal(default=None)
    notes: str | None = personal(default=None)


@dataclass(frozen=True, kw_only=True)
class RequestPlacement:
    signal_id: uuid.UUID
    reason: str


register_personal(RegisterSignal)
