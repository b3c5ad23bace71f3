"""Recovery's handlers: one transaction each, ``(cmd, uow)``."""

from __future__ import annotations

import uuid
from typing import Protocol

from homeward_shared.domain import NotFound, utcnow
from homeward_shared.personal import ReadPurpose
from homeward_shared.uow import AbstractUnitOfWork

from homeward_recovery.domain.commands import (
    AdmitResident,
    HandToReintegration,
    OpenAdmissionRequest,
)
from homeward_recovery.domain.model import (
    AdmissionRequest,
    Centre,
    Consent,
    Identity,
    Resident,
)


class Centres(Protocol):
    async def all(self) -> list[Centre]: ...
    async def get(self, code: str, *, for_update: bool = False) -> Centre | None: ...
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


async def when_placement_requested_open_admission_request(
    cmd: OpenAdmissionRequest, uow: RecoveryUoW
) -> None:
    """A survivor handed on for shelter waits in the admission queue with a proposed centre.
    A redelivered hand-off (same event) or a second one for the same case changes nothing."""
    async with uow:
        if not await uow.claim(cmd.received):
            return
        request = AdmissionRequest(
            case_id=cmd.case_id,
            case_number=cmd.case_number,
            correlation_id=cmd.correlation_id,
            source=cmd.source,
            urgency=cmd.urgency,
            apparent_minor=cmd.apparent_minor,
            children_with_her=cmd.children_with_her,
            language=cmd.language,
            received_at=utcnow(),
        )
        request.propose(await uow.centres.all(), await uow.centres.occupancy())
        if await uow.requests.add(request):
            uow.audit("admission_request_opened", cmd.case_id, proposed=request.proposed_centre)
        else:
            uow.audit("admission_request_duplicate_ignored", cmd.case_id)
        await uow.commit()


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


async def hand_to_reintegration(cmd: HandToReintegration, uow: RecoveryUoW) -> Resident:
    async with uow:
        resident = await uow.residents.get(cmd.case_id, for_update=True)
        if resident is None:
            raise NotFound(f"case {cmd.case_id} is not a resident")
        resident.hand_to_reintegration(cmd.skills, cmd.wishes_to_return_home)
        await uow.residents.save(resident)
        uow.scope.correlation_id = resident.correlation_id
        uow.track(resident)
        await uow.commit()
    return resident


async def waiting_requests(uow: RecoveryUoW) -> list[AdmissionRequest]:
    async with uow:
        return await uow.requests.waiting()


async def read_identity(case_id: uuid.UUID, purpose: ReadPurpose, uow: RecoveryUoW) -> Identity:
    async with uow:
        resident = await uow.residents.get(case_id)
        if resident is None:
            raise NotFound(f"case {case_id} is not a resident")
        identity = await uow.residents.open_identity(resident)
        uow.audit("personal_data_read", case_id, purpose=purpose.value, record="resident")
        await uow.commit()
    return identity
