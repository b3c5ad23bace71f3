from __future__ import annotations

from homeward_shared.uow import PostgresUnitOfWork

from homeward_dashboard.adapters.repository import CaseProgressRepository, FigureRepository


class DashboardUnitOfWork(PostgresUnitOfWork):
    cases: CaseProgressRepository
    figures: FigureRepository

    def open_repositories(self) -> None:
        self.cases = CaseProgressRepository(self.conn)
        self.figures = FigureRepository(self.conn)
