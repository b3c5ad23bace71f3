from __future__ import annotations

from homeward_shared.uow import PostgresUnitOfWork

from homeward_investigation.adapters.drafts import DraftRepository
from homeward_investigation.adapters.repository import (
    AssistanceRequestRepository,
    InvestigationRepository,
    OperationRepository,
    ReferralRepository,
    ReportRepository,
)


class InvestigationUnitOfWork(PostgresUnitOfWork):
    reports: ReportRepository
    referrals: ReferralRepository
    operations: OperationRepository
    investigations: InvestigationRepository
    assistance: AssistanceRequestRepository
    drafts: DraftRepository

    def open_repositories(self) -> None:
        self.reports = ReportRepository(self.conn, self.vault)
        self.referrals = ReferralRepository(self.conn)
        self.operations = OperationRepository(self.conn)
        self.investigations = InvestigationRepository(self.conn, self.vault)
        self.assistance = AssistanceRequestRepository(self.conn)
        self.drafts = DraftRepository(self.conn, self.vault, self.schema)
