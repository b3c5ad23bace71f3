"""Intake's handlers: one transaction each, ``(cmd, uow)``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from homeward_shared.contracts.handoffs import SignalSource
from homeward_shared.domain import DomainError, NotFound, utcnow
from homeward_shared.personal import ReadPurpose
from homeward_shared.uow import AbstractUnitOfWork

from homeward_intake.domain.commands import (
    CloseSignal,
    ListSignals,
    RecordOutreach,
    RegisterSignal,
    RequestPlacement,
    RouteToInvestigation,
)
from homeward_intake.domain.model import (
    Establishment,
    Lead,
    OutreachActivity,
    PersonKnown,
    Signal,
    SignalStatus,
)


class Signals(Protocol):
    async def next_case_number(self, year: int) -> str: ...
    async def add(self, signal: Signal, idempotency_key: str) -> bool: ...
    async def by_idempotency_key(self, key: str) -> Signal | None: ...
    async def get(self, signal_id: uuid.UUID, *, for_update: bool = False) -> Signal | None: ...
    async def save(self, signal: Signal) -> None: ...
    async def open_person(self, signal: Signal) -> PersonKnown: ...
    async def page(
        self,
        *,
        recorded_by: str | None,
        status: SignalStatus | None,
        source: SignalSource | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[Signal]: ...
    async def position(self, signal_id: uuid.UUID) -> tuple[datetime, uuid.UUID] | None: ...


class Leads(Protocol):
    def match_key(self, establishment: Establishment) -> str: ...
    async def add(self, lead: Lead) -> bool: ...
    async def open_for(self, key: str, *, for_update: bool = False) -> Lead | None: ...
    async def save(self, lead: Lead) -> None: ...


class Outreach(Protocol):
    async def add(self, activity: OutreachActivity, idempotency_key: str) -> bool: ...
    async def by_idempotency_key(self, key: str) -> OutreachActivity | None: ...
    async def get(self, activity_id: uuid.UUID) -> OutreachActivity | None: ...


class IntakeUoW(AbstractUnitOfWork):
    signals: Signals
    leads: Leads
    outreach: Outreach


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
        uow.track(signal)
        await uow.commit()
    return signal


async def route_to_investigation(
    cmd: RouteToInvestigation, uow: IntakeUoW
) -> tuple[Signal, Lead, bool]:
    """Hand a lead on an establishment to investigation (``LeadReported``), or link the
    signal to the open lead on the same place so that investigators see one lead, not two.
    Returns (signal, lead, linked)."""
    async with uow:
        signal = await uow.signals.get(cmd.signal_id, for_update=True)
        if signal is None:
            raise NotFound(f"signal {cmd.signal_id} does not exist")
        place = Establishment(
            kind=cmd.kind,
            province=cmd.province,
            district=cmd.district,
            name=cmd.establishment_name,
            address=cmd.address,
        )
        key = uow.leads.match_key(place)
        lead = await uow.leads.open_for(key, for_update=True)
        if lead is None:
            lead = Lead.open(
                lead_id=uuid.uuid4(),
                establishment=place,
                match_key=key,
                urgency=cmd.urgency,
                persons_reported=cmd.persons_reported,
                indicators=cmd.indicators,
                opened_at=utcnow(),
                opened_by=str(uow.scope.actor),
                first_signal_id=signal.signal_id,
            )
            if await uow.leads.add(lead):
                linked = False
            else:
                # Another officer routed the same place a moment ago and committed first.
                lead = await uow.leads.open_for(key, for_update=True)
                assert lead is not None
                linked = True
        else:
            linked = True
        if linked:
            lead.link(cmd.persons_reported, cmd.indicators)
            await uow.leads.save(lead)
            uow.audit("signal_linked_to_lead", signal.case_id, lead_id=str(lead.lead_id))
        signal.route_to_lead(lead, cmd.reason, linked=linked)
        await uow.signals.save(signal)
        uow.scope.correlation_id = signal.correlation_id
        uow.track(lead)
        uow.track(signal)
        await uow.commit()
    return signal, lead, linked


async def close_signal(cmd: CloseSignal, uow: IntakeUoW) -> Signal:
    """A signal that needs no action is closed with a reason code (stage ``closed``)."""
    async with uow:
        signal = await uow.signals.get(cmd.signal_id, for_update=True)
        if signal is None:
            raise NotFound(f"signal {cmd.signal_id} does not exist")
        signal.close_without_action(cmd.reason)
        await uow.signals.save(signal)
        uow.track(signal)
        await uow.commit()
    return signal


async def list_signals(query: ListSignals, uow: IntakeUoW) -> tuple[list[Signal], bool]:
    """A page of signals, newest first; with ``mine`` only those the actor recorded. Returns
    (page, more): ``more`` says a further page exists (one row past the limit was read)."""
    async with uow:
        after = None
        if query.before is not None:
            after = await uow.signals.position(query.before)
            if after is None:
                raise DomainError("before: no signal has this id")
        found = await uow.signals.page(
            recorded_by=str(uow.scope.actor) if query.mine else None,
            status=query.status,
            source=query.source,
            after=after,
            limit=query.limit + 1,
        )
    return found[: query.limit], len(found) > query.limit


async def get_signal(signal_id: uuid.UUID, uow: IntakeUoW) -> Signal:
    async with uow:
        signal = await uow.signals.get(signal_id)
    if signal is None:
        raise NotFound(f"signal {signal_id} does not exist")
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


async def record_outreach(cmd: RecordOutreach, uow: IntakeUoW) -> tuple[OutreachActivity, bool]:
    """An outreach day's counts, for the impact report. A retried submit with the same
    idempotency key returns the first record. Returns (activity, created)."""
    async with uow:
        existing = await uow.outreach.by_idempotency_key(cmd.idempotency_key)
        if existing is not None:
            return existing, False
        activity = OutreachActivity.record_day(
            activity_id=uuid.uuid4(),
            on=cmd.on,
            province=cmd.province,
            district=cmd.district,
            entertainment_areas_visited=cmd.entertainment_areas_visited,
            clinic_consultations=cmd.clinic_consultations,
            educational_contacts=cmd.educational_contacts,
            recorded_at=utcnow(),
            recorded_by=str(uow.scope.actor),
        )
        if not await uow.outreach.add(activity, cmd.idempotency_key):
            raced = await uow.outreach.by_idempotency_key(cmd.idempotency_key)
            assert raced is not None
            return raced, False
        uow.track(activity)
        await uow.commit()
    return activity, True


async def get_outreach(activity_id: uuid.UUID, uow: IntakeUoW) -> OutreachActivity:
    async with uow:
        activity = await uow.outreach.get(activity_id)
    if activity is None:
        raise NotFound(f"outreach record {activity_id} does not exist")
    return activity
