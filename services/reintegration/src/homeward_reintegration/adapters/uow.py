from __future__ import annotations

from homeward_shared.set_aside import SetAsideRepository
from homeward_shared.uow import PostgresUnitOfWork

from homeward_reintegration.adapters.partners import PartnerRepository
from homeward_reintegration.adapters.repository import (
    AlertRepository,
    CaseRepository,
    FigureRepository,
)


class ReintegrationUnitOfWork(PostgresUnitOfWork):
    cases: CaseRepository
    alerts: AlertRepository
    figures: FigureRepository
    partners: PartnerRepository
    set_aside: SetAsideRepository

    def open_repositories(self) -> None:
        self.cases = CaseRepository(self.conn, self.vault)
        self.alerts = AlertRepository(self.conn)
        self.figures = FigureRepository(self.conn)
        self.partners = PartnerRepository(self.conn, self.vault)
        self.set_aside = SetAsideRepository(self.conn, "reintegration", self.vault)
