"""Intake's handlers: one transaction each, ``(cmd, uow)``."""

from __future__ import annotations

import uuid
from typing import Protocol

from homeward_shared.domain import NotFound, utcnow
from homeward_shared.personal import ReadPurpose
from homeward_shared.uow import AbstractUnitOfWork

from homeward_intake.domain.commands import RegisterSignal, RequestPlacement
from homeward_intake.domain.model import PersonKnown, Signal


class Signals(Protocol):
    async def next_case_number(self, year: int) -> str: ...
    async def add(self, signal: Signal, idempotency_key: str) -> bool: ...
    async def by_idempotency_key(self, key: str) -> Signal | None: ...
    async def get(self, signal_id: uuid.UUID, *, for_update: bool = False) -> Signal | None: ...
    async def save(self, signal: Signal) -> None: ...
    async def open_person(self, signal: Signal) -> PersonKnown: ...


class IntakeUoW(AbstractUnitOfWork):
    signals: Signals


async def register_signal(cmd: RegisterSignal, uow: IntakeUoW) -> tuple[Signal, bool]:
    """Open a case for the person a signal is about (stage ``reported``). A retried submit
    with the same idempotency key returns the first signal. Returns (signal, created)."""
    async with uow:
        existing = await uow.signals.by_idempotency_key(cmd.idempotency_key)
        if existing is not None:
            return existing, False
        now = utcnow()
        signal = Signal.register(
            signal_id=uuid.uuid4(),
            case_id=uuid.uuid4(),
            case_number=await uow.signals.next_case_number(now.year),
            source=cmd.source,
            urgency=cmd.urgency,
            needs_shelter=cmd.needs_shelter,
            apparent_minor=cmd.apparent_minor,
            children_with_her=cmd.children_with_her,
            language=cmd.language,
            received_at=now,
            recorded_by=str(uow.scope.actor),
            person=PersonKnown(
                name=cmd.name, aliases=cmd.aliases, phone=cmd.phone, notes=cmd.notes
            ),
        )
        if not await uow.signals.add(signal, cmd.idempotency_key):
            # The same submit raced us and committed first: answer with its signal.
            raced = await uow.signals.by_idempotency_key(cmd.idempotency_key)
            assert raced is not None
            return raced, False
        uow.scope.correlation_id = signal.correlation_id
        uow.track(signal)
        await uow.commit()
    return signal, True


async def request_placement(cmd: RequestPlacement, uow: IntakeUoW) -> Signal:
    """Route a person who needs shelter now to recovery (stage ``rescued``)."""
    async with uow:
        signal = await uow.signals.get(cmd.signal_id, for_update=True)
        if signal is None:
            raise NotFound(f"signal {cmd.signal_id} does not exist")
        signal.request_placement(cmd.reason)
        await uow.signals.save(signal)
        uow.scope.correlation_id = signal.correlation_id
        uow.track(signal)
        await uow.commit()
    return signal


async def read_person(signal_id: uuid.UUID, purpose: ReadPurpose, uow: IntakeUoW) -> PersonKnown:
    """Open her personal fields; the read itself is written to the audit trail."""
    async with uow:
        signal = await uow.signals.get(signal_id)
        if signal is None:
            raise NotFound(f"signal {signal_id} does not exist")
        person = await uow.signals.open_person(signal)
        uow.audit("personal_data_read", signal.case_id, purpose=purpose.value, record="signal")
        await uow.commit()
    return person
