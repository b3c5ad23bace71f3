"""In-memory repositories for recovery's unit tests."""

from __future__ import annotations

import copy
import uuid

from homeward_recovery.adapters.messages import translate
from homeward_recovery.domain.education import EducationClass, MonthAttended
from homeward_recovery.domain.legal import LegalAssistanceRequest
from homeward_recovery.domain.model import (
    AdmissionRequest,
    Centre,
    Identity,
    RequestStatus,
    Resident,
    ResidentStatus,
)
from homeward_recovery.domain.training import Enrolment
from homeward_shared.testing.fakes import FakeUnitOfWork


def fresh(aggregate):
    """A copy with events of its own, as a row loaded from the database has none."""
    out = copy.copy(aggregate)
    out.events = []
    return out


CENTRES = [
    Centre(
        code="TD",
        name="Tom Dy",
        province="KH-12",
        capacity=3,
        childcare=True,
        for_youngest=False,
        languages=("km", "vi", "en"),
    ),
    Centre(
        code="KC",
        name="Kompong Cham",
        province="KH-3",
        capacity=1,
        childcare=False,
        for_youngest=True,
        languages=("km",),
    ),
    Centre(
        code="SR",
        name="Siem Reap",
        province="KH-17",
        capacity=2,
        childcare=False,
        for_youngest=False,
        languages=("km", "th"),
    ),
]


class FakeCentres:
    def __init__(self, residents: FakeResidents) -> None:
        self.rows = {c.code: c for c in CENTRES}
        self._residents = residents

    async def all(self) -> list[Centre]:
        return sorted(self.rows.values(), key=lambda c: c.code)

    async def get(self, code: str, *, for_update: bool = False) -> Centre | None:
        return self.rows.get(code)

    async def upsert(self, centre: Centre) -> None:
        self.rows[centre.code] = centre

    async def occupancy(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self._residents.rows.values():
            if r.status is ResidentStatus.RESIDENT:
                out[r.centre] = out.get(r.centre, 0) + 1
        return out

    async def with_occupancy(self) -> tuple[list[Centre], dict[str, int]]:
        return await self.all(), await self.occupancy()

    async def names(self) -> dict[str, str | None]:
        return {c.code: c.name for c in self.rows.values()}


class FakeRequests:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, AdmissionRequest] = {}

    async def add(self, req: AdmissionRequest) -> bool:
        if req.case_id in self.rows:
            return False
        self.rows[req.case_id] = copy.copy(req)
        return True

    async def get(self, case_id: uuid.UUID, *, for_update: bool = False) -> AdmissionRequest | None:
        row = self.rows.get(case_id)
        return copy.copy(row) if row else None

    async def waiting(self) -> list[AdmissionRequest]:
        return [copy.copy(r) for r in self.rows.values() if r.status is RequestStatus.WAITING]

    async def save(self, req: AdmissionRequest) -> None:
        self.rows[req.case_id] = copy.copy(req)


class FakeResidents:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Resident] = {}
        self.identities: dict[uuid.UUID, Identity] = {}

    async def add(self, res: Resident) -> None:
        self.rows[res.case_id] = copy.copy(res)
        self.identities[res.case_id] = res.identity

    async def get(self, case_id: uuid.UUID, *, for_update: bool = False) -> Resident | None:
        row = self.rows.get(case_id)
        if row is None:
            return None
        return fresh(row)

    async def save(self, res: Resident) -> None:
        self.rows[res.case_id] = copy.copy(res)

    async def save_readmission(self, res: Resident, identity: Identity) -> None:
        self.rows[res.case_id] = copy.copy(res)

    async def open_identity(self, res: Resident) -> Identity:
        return self.identities[res.case_id]


class FakeTraining:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Enrolment] = {}

    async def add(self, e: Enrolment) -> None:
        self.rows[e.enrolment_id] = copy.copy(e)

    async def get(self, case_id: uuid.UUID, enrolment_id: uuid.UUID) -> Enrolment | None:
        row = self.rows.get(enrolment_id)
        if row is None or row.case_id != case_id:
            return None
        return fresh(row)

    async def of_case(self, case_id: uuid.UUID) -> list[Enrolment]:
        return [fresh(e) for e in self.rows.values() if e.case_id == case_id]

    async def save(self, e: Enrolment) -> None:
        self.rows[e.enrolment_id] = copy.copy(e)


class FakeEducation:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, EducationClass] = {}

    async def add(self, c: EducationClass) -> None:
        self.rows[c.class_id] = copy.deepcopy(c)

    async def of_case(self, case_id: uuid.UUID) -> list[EducationClass]:
        return [copy.deepcopy(c) for c in self.rows.values() if c.case_id == case_id]

    async def save(self, c: EducationClass, month: MonthAttended | None) -> None:
        self.rows[c.class_id] = copy.deepcopy(c)


class FakeLegal:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, tuple[LegalAssistanceRequest, str | None]] = {}

    async def add(self, r: LegalAssistanceRequest, idempotency_key: str | None) -> None:
        self.rows[r.request_id] = (copy.copy(r), idempotency_key)

    async def by_idempotency_key(self, case_id, key):
        for r, k in self.rows.values():
            if (r.case_id, k) == (case_id, key):
                return r
        return None

    async def of_case(self, case_id, *, with_notes: bool):
        found = [copy.copy(r) for r, _ in self.rows.values() if r.case_id == case_id]
        if not with_notes:
            for r in found:
                r.note = None
        return found


class FakeRecoveryUoW(FakeUnitOfWork):
    """Writes go straight to the fakes: enough for handlers that raise before any write, which
    is how every refusal in the domain is built."""

    def __init__(self) -> None:
        super().__init__(translate, producer="recovery")
        self.residents = FakeResidents()
        self.requests = FakeRequests()
        self.centres = FakeCentres(self.residents)
        self.training = FakeTraining()
        self.education = FakeEducation()
        self.legal = FakeLegal()
