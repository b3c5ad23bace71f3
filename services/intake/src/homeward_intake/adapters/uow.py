from __future__ import annotations

from homeward_shared.uow import PostgresUnitOfWork

from homeward_intake.adapters.repository import (
    LeadRepository,
    OutreachRepository,
    SignalRepository,
)


class IntakeUnitOfWork(PostgresUnitOfWork):
    signals: SignalRepository
    leads: LeadRepository
    outreach: OutreachRepository
    # Set by ``bootstrap`` from the settings; a class attribute because the kernel builds
    # units of work with a fixed set of arguments.
    lead_match_secret: bytes = b""

    def open_repositories(self) -> None:
        self.signals = SignalRepository(self.conn, self.vault)
        self.leads = LeadRepository(self.conn, self.vault, self.lead_match_secret)
        self.outreach = OutreachRepository(self.conn)

    @classmethod
    def configured(cls, *, lead_match_secret: bytes) -> type[IntakeUnitOfWork]:
        if not lead_match_secret:
            raise ValueError("the lead match secret is empty")
        return type(cls.__name__, (cls,), {"lead_match_secret": lead_match_secret})
