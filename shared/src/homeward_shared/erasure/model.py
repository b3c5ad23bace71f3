"""The erasure request: framework-free domain.

Four eyes: the admin who asks is never the admin who approves. A request not decided within
its time to live expires, so that an approval much later cannot ride on an old request.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from homeward_shared.contracts.erasure import ErasureReason
from homeward_shared.domain import Aggregate, Conflict, DomainError, DomainEvent, utcnow


class ErasureStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"  # computed: pending past expires_at


class FourEyes(DomainError):
    """The approving admin is the requesting admin."""

    code = "four_eyes"


class Expired(Conflict):
    code = "erasure_request_expired"


@dataclasses.dataclass(frozen=True, kw_only=True)
class ErasureApproved(DomainEvent):
    """Becomes ``case.erasure_approved``: every service destroys her case keys."""

    erasure_id: uuid.UUID
    reason: ErasureReason


class ErasureRequest(Aggregate):
    def __init__(
        self,
        *,
        erasure_id: uuid.UUID,
        case_id: uuid.UUID,
        reason: ErasureReason,
        requested_by: str,
        requested_at: datetime,
        expires_at: datetime,
        status: ErasureStatus = ErasureStatus.PENDING,
        decided_by: str | None = None,
        decided_at: datetime | None = None,
        decision_reason: str | None = None,
    ) -> None:
        super().__init__()
        self.erasure_id = erasure_id
        self.case_id = case_id
        self.reason = reason
        self.requested_by = requested_by
        self.requested_at = requested_at
        self.expires_at = expires_at
        self._status = status
        self.decided_by = decided_by
        self.decided_at = decided_at
        self.decision_reason = decision_reason
        # The erasure is its own pathway: the host does not know the case's correlation id.
        self.correlation_id = erasure_id

    @classmethod
    def request(
        cls,
        case_id: uuid.UUID,
        reason: ErasureReason,
        requested_by: str,
        *,
        ttl: timedelta,
        now: datetime | None = None,
    ) -> ErasureRequest:
        now = now or utcnow()
        return cls(
            erasure_id=uuid.uuid4(),
            case_id=case_id,
            reason=reason,
            requested_by=requested_by,
            requested_at=now,
            expires_at=now + ttl,
        )

    @property
    def stored_status(self) -> ErasureStatus:
        return self._status

    def status_at(self, now: datetime) -> ErasureStatus:
        if self._status is ErasureStatus.PENDING and now >= self.expires_at:
            return ErasureStatus.EXPIRED
        return self._status

    def _decidable(self, now: datetime) -> None:
        status = self.status_at(now)
        if status is ErasureStatus.EXPIRED:
            raise Expired(f"erasure request {self.erasure_id} expired; request it again")
        if status is not ErasureStatus.PENDING:
            raise Conflict(f"erasure request {self.erasure_id} is {status.value} already")

    def approve(self, by: str, *, now: datetime | None = None) -> None:
        now = now or utcnow()
        self._decidable(now)
        if by == self.requested_by:
            raise FourEyes("a different admin must approve this erasure")
        self._status = ErasureStatus.APPROVED
        self.decided_by, self.decided_at = by, now
        self.record(
            ErasureApproved(
                case_id=self.case_id,
                erasure_id=self.erasure_id,
                reason=self.reason,
                occurred_at=now,
            )
        )

    def reject(self, by: str, reason: str, *, now: datetime | None = None) -> None:
        """Any admin may reject, the requester too (she withdraws her request)."""
        now = now or utcnow()
        self._decidable(now)
        self._status = ErasureStatus.REJECTED
        self.decided_by, self.decided_at, self.decision_reason = by, now, reason
