from __future__ import annotations

from homeward_shared.set_aside import SetAsideRepository
from homeward_shared.uow import PostgresUnitOfWork

from homeward_recovery.adapters.care_training import (
    CareRepository,
    EducationRepository,
    TrainingRepository,
)
from homeward_recovery.adapters.legal import LegalAssistanceRepository
from homeward_recovery.adapters.repository import (
    AdmissionRequestRepository,
    CentreRepository,
    ResidentRepository,
)


class RecoveryUnitOfWork(PostgresUnitOfWork):
    centres: CentreRepository
    requests: AdmissionRequestRepository
    residents: ResidentRepository
    care: CareRepository
    training: TrainingRepository
    education: EducationRepository
    legal: LegalAssistanceRepository
    set_aside: SetAsideRepository

    def open_repositories(self) -> None:
        self.centres = CentreRepository(self.conn, self.vault)
        self.requests = AdmissionRequestRepository(self.conn)
        self.residents = ResidentRepository(self.conn, self.vault)
        self.care = CareRepository(self.conn, self.vault)
        self.training = TrainingRepository(self.conn, self.vault)
        self.education = EducationRepository(self.conn)
        self.legal = LegalAssistanceRepository(self.conn, self.vault)
        self.set_aside = SetAsideRepository(self.conn, "recovery", self.vault)
