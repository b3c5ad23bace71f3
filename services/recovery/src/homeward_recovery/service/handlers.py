"""Recovery's handlers: one transaction each, ``(cmd, uow)``.

Lock order, everywhere, so that two commands on one case never deadlock: the admission
request, then the resident, then the centre.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from homeward_shared.domain import Conflict, NotFound, utcnow
from homeward_shared.personal import ReadPurpose
from homeward_shared.uow import AbstractUnitOfWork

from homeward_recovery.domain.commands import (
    AdmitResident,
    ConfigureCentre,
    HandToReintegration,
    OpenAdmissionRequest,
    ReceiveTransfer,
    RecordDeparture,
    RequestTransfer,
)
from homeward_recovery.domain.model import (
    AdmissionRequest,
    Centre,
    Consent,
    Identity,
    RequestStatus,
    Resident,
    out_of_scope,
)


class Centres(Protocol):
    async def all(self) -> list[Centre]: ...
    async def get(self, code: str, *, for_update: bool = False) -> Centre | None: ...
    async def upsert(self, centre: Centre) -> None: ...
    async def occupancy(self) -> dict[str, int]: ...


class Requests(Protocol):
    async def add(self, req: AdmissionRequest) -> bool: ...
    async def get(
        self, case_id: uuid.UUID, *, for_update: bool = False
    ) -> AdmissionRequest | None: ...
    async def waiting(self) -> list[AdmissionRequest]: ...
    async def save(self, req: AdmissionRequest) -> None: ...


class Residents(Protocol):
    async def add(self, res: Resident) -> None: ...
    async def get(self, case_id: uuid.UUID, *, for_update: bool = False) -> Resident | None: ...
    async def save(self, res: Resident) -> None: ...
    async def open_identity(self, res: Resident) -> Identity: ...


class RecoveryUoW(AbstractUnitOfWork):
    centres: Centres
    requests: Requests
    residents: Residents


async def _open_admission_request(cmd: OpenAdmissionRequest, uow: RecoveryUoW) -> None:
    async with uow:
        if not await uow.claim(cmd.received):
            return
        request = AdmissionRequest(
            case_id=cmd.case_id,
            case_number=cmd.case_number,
            correlation_id=cmd.correlation_id,
            origin=cmd.origin,
            source=cmd.source,
            urgency=cmd.urgency,
            apparent_minor=cmd.apparent_minor,
            children_with_her=cmd.children_with_her,
            language=cmd.language,
            operation_id=cmd.operation_id,
            received_at=utcnow(),
        )
        request.propose(await uow.centres.all(), await uow.centres.occupancy())
        if await uow.requests.add(request):
            uow.audit(
                "admission_request_opened",
                cmd.case_id,
                origin=cmd.origin.value,
                proposed=request.proposed_centre,
                waiting_reason=request.waiting_reason,
            )
        else:
            uow.audit("admission_request_duplicate_ignored", cmd.case_id, origin=cmd.origin.value)
        await uow.commit()


async def when_placement_requested_open_admission_request(
    cmd: OpenAdmissionRequest, uow: RecoveryUoW
) -> None:
    """A survivor handed on by intake waits in the admission queue with a proposed centre.
    A redelivered hand-off (same event) or a second one for the same case changes nothing."""
    await _open_admission_request(cmd, uow)


async def when_person_rescued_open_admission_request(
    cmd: OpenAdmissionRequest, uow: RecoveryUoW
) -> None:
    """A person rescued in an operation waits in the admission queue, as a placement does."""
    await _open_admission_request(cmd, uow)


async def admit_resident(cmd: AdmitResident, uow: RecoveryUoW) -> Resident:
    async with uow:
        request = await uow.requests.get(cmd.case_id, for_update=True)
        if request is None:
            raise NotFound(f"no admission request for case {cmd.case_id}")
        centre = await uow.centres.get(cmd.centre, for_update=True)
        if centre is None:
            raise NotFound(f"no centre {cmd.centre}")
        occupancy = (await uow.centres.occupancy()).get(centre.code, 0)
        resident = Resident.admit(
            request,
            centre,
            occupancy,
            Consent(
                informed=cmd.informed_consent,
                house_rules_accepted=cmd.house_rules_accepted,
                given_on=cmd.consent_given_on,
            ),
            cmd.identity,
            admitted_by=str(uow.scope.actor),
        )
        await uow.requests.save(request)
        await uow.residents.add(resident)
        uow.scope.correlation_id = resident.correlation_id
        uow.track(resident)
        await uow.commit()
    return resident


async def _resident_in_scope(
    uow: RecoveryUoW, case_id: uuid.UUID, centre: str, *, for_update: bool = False
) -> Resident:
    resident = await uow.residents.get(case_id, for_update=for_update)
    if resident is None:
        raise out_of_scope(case_id, centre)
    resident.check_scope(centre)
    return resident


async def request_transfer(cmd: RequestTransfer, uow: RecoveryUoW) -> AdmissionRequest:
    """Her centre asks another to take her; she keeps her place until she is received, so a
    full target centre leaves her where she is, waiting visibly."""
    async with uow:
        request = await uow.requests.get(cmd.case_id, for_update=True)
        resident = await _resident_in_scope(uow, cmd.case_id, cmd.acting_centre, for_update=True)
        resident.require_resident()
        assert request is not None, "every resident was admitted from a request"
        if cmd.to_centre == resident.centre:
            raise Conflict(f"case {cmd.case_id} is already at centre {cmd.to_centre}")
        if await uow.centres.get(cmd.to_centre) is None:
            raise NotFound(f"no centre {cmd.to_centre}")
        request.reopen_for_transfer(resident.centre, cmd.to_centre, cmd.urgency, utcnow())
        request.propose(await uow.centres.all(), await uow.centres.occupancy())
        await uow.requests.save(request)
        uow.audit(
            "transfer_requested",
            cmd.case_id,
            from_centre=resident.centre,
            to_centre=cmd.to_centre,
            waiting_reason=request.waiting_reason,
        )
        await uow.commit()
    return request


async def receive_transfer(cmd: ReceiveTransfer, uow: RecoveryUoW) -> Resident:
    async with uow:
        request = await uow.requests.get(cmd.case_id, for_update=True)
        if request is None or request.requested_centre != cmd.acting_centre:
            raise NotFound(f"no transfer of case {cmd.case_id} to centre {cmd.acting_centre}")
        resident = await uow.residents.get(cmd.case_id, for_update=True)
        if resident is None:
            raise NotFound(f"no transfer of case {cmd.case_id} to centre {cmd.acting_centre}")
        centre = await uow.centres.get(cmd.acting_centre, for_update=True)
        assert centre is not None, "requested_centre references recovery.centres"
        occupancy = (await uow.centres.occupancy()).get(centre.code, 0)
        from_centre = resident.centre
        resident.receive_transfer(request, centre, occupancy, cmd.consent_given)
        await uow.requests.save(request)
        await uow.residents.save(resident)
        uow.audit("transfer_received", cmd.case_id, from_centre=from_centre, to_centre=centre.code)
        uow.scope.correlation_id = resident.correlation_id
        uow.track(resident)
        await uow.commit()
    return resident


async def record_departure(cmd: RecordDeparture, uow: RecoveryUoW) -> Resident:
    """She left of her own will: stage ``left_centre`` with the reason code, her place freed
    (occupancy counts residents only) and any transfer she was waiting for withdrawn."""
    async with uow:
        request = await uow.requests.get(cmd.case_id, for_update=True)
        resident = await _resident_in_scope(uow, cmd.case_id, cmd.acting_centre, for_update=True)
        resident.leave(cmd.reason, cmd.left_on)
        await _withdraw_pending(request, uow)
        await uow.residents.save(resident)
        uow.scope.correlation_id = resident.correlation_id
        uow.track(resident)
        await uow.commit()
    return resident


async def hand_to_reintegration(cmd: HandToReintegration, uow: RecoveryUoW) -> Resident:
    async with uow:
        request = await uow.requests.get(cmd.case_id, for_update=True)
        resident = await _resident_in_scope(uow, cmd.case_id, cmd.acting_centre, for_update=True)
        resident.hand_to_reintegration(cmd.skills, cmd.wishes_to_return_home)
        await _withdraw_pending(request, uow)
        await uow.residents.save(resident)
        uow.scope.correlation_id = resident.correlation_id
        uow.track(resident)
        await uow.commit()
    return resident


async def _withdraw_pending(request: AdmissionRequest | None, uow: RecoveryUoW) -> None:
    if request is not None and request.status is RequestStatus.WAITING:
        request.withdraw()
        await uow.requests.save(request)
        uow.audit("transfer_withdrawn", request.case_id)


async def waiting_requests(uow: RecoveryUoW, centre: str | None = None) -> list[AdmissionRequest]:
    """The visible queue, proposals computed against the places free now: a place freed a
    minute ago shows at once. ``centre`` keeps the requests proposed or sent to it."""
    async with uow:
        waiting = await uow.requests.waiting()
        centres, occupancy = await uow.centres.all(), await uow.centres.occupancy()
    for r in waiting:
        r.propose(centres, occupancy)
    if centre is not None:
        waiting = [r for r in waiting if centre in (r.proposed_centre, r.requested_centre)]
    return waiting


async def get_resident(case_id: uuid.UUID, centre: str, uow: RecoveryUoW) -> Resident:
    async with uow:
        return await _resident_in_scope(uow, case_id, centre)


async def read_identity(
    case_id: uuid.UUID, centre: str, purpose: ReadPurpose, uow: RecoveryUoW
) -> Identity:
    async with uow:
        resident = await _resident_in_scope(uow, case_id, centre)
        identity = await uow.residents.open_identity(resident)
        uow.audit("personal_data_read", case_id, purpose=purpose.value, record="resident")
        await uow.commit()
    return identity


async def list_centres(uow: RecoveryUoW) -> list[tuple[Centre, int]]:
    async with uow:
        centres, occupancy = await uow.centres.all(), await uow.centres.occupancy()
    return [(c, occupancy.get(c.code, 0)) for c in centres]


async def configure_centre(cmd: ConfigureCentre, uow: RecoveryUoW) -> Centre:
    """Centres are the organisation's configuration. Lowering a capacity below the residents
    present moves nobody: it only stops new admissions until places free."""
    centre = Centre(
        code=cmd.code,
        name=cmd.name,
        province=cmd.province,
        capacity=cmd.capacity,
        childcare=cmd.childcare,
        for_youngest=cmd.for_youngest,
        languages=cmd.languages,
    )
    async with uow:
        await uow.centres.upsert(centre)
        uow.audit("centre_configured", None, centre=cmd.code, capacity=cmd.capacity)
        await uow.commit()
    return centre
