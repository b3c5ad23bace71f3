from __future__ import annotations

from homeward_shared.uow import PostgresUnitOfWork

from homeward_reintegration.adapters.repository import CaseRepository


class ReintegrationUnitOfWork(PostgresUnitOfWork):
    cases: CaseRepository

    def open_repositories(self) -> None:
        self.cases = CaseRepository(self.conn)
