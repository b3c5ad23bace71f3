from __future__ import annotations

from homeward_shared.uow import PostgresUnitOfWork

from homeward_intake.adapters.repository import SignalRepository


class IntakeUnitOfWork(PostgresUnitOfWork):
    signals: SignalRepository

    def open_repositories(self) -> None:
        self.signals = SignalRepository(self.conn, self.vault)
