"""In-memory unit of work for unit tests of handlers: same contract, no database."""

from __future__ import annotations

from typing import Any

from homeward_shared.contracts import Topics
from homeward_shared.envelope import Envelope
from homeward_shared.messages import Translator, envelopes_for
from homeward_shared.uow import AbstractUnitOfWork, Actor, AuditEntry, Received, Scope, audit_of


class FakeUnitOfWork(AbstractUnitOfWork):
    """Commits move the recorded events to ``outbox`` (as envelopes, through the service's
    real translator) and audit entries to ``audit_trail``; a rollback drops them. A service's
    fake subclasses it and adds in-memory repositories."""

    def __init__(
        self,
        translate: Translator,
        *,
        producer: str = "test",
        actor: Actor | None = None,
        topics: Topics | None = None,
    ) -> None:
        super().__init__()
        self._translate = translate
        self._producer = producer
        self._topics = topics or Topics()
        self.scope = Scope(actor or Actor("u-test", "tester"))
        self.outbox: list[tuple[str, Envelope[Any]]] = []
        self.audit_trail: list[AuditEntry] = []
        self.inbox: set[tuple[str, Any]] = set()
        self.commits = 0
        self.rollbacks = 0
        self._claimed: list[tuple[str, Any]] = []

    async def __aenter__(self) -> FakeUnitOfWork:
        self.committed = False
        self._claimed = []
        self._seen = []
        self._audit = []
        return self

    async def claim(self, received: Received) -> bool:
        key = (received.delivery.consumer, received.event_id)
        if key in self.inbox or key in self._claimed:
            return False
        self._claimed.append(key)
        return True

    async def commit(self) -> None:
        for event, correlation in self._collect():
            self.outbox.extend(
                envelopes_for(
                    event,
                    self._translate,
                    self._topics,
                    producer=self._producer,
                    correlation_id=correlation,
                    causation_id=self.scope.causation_id,
                )
            )
            self.audit_trail.append(audit_of(event))
        self.audit_trail.extend(self._audit)
        self.inbox.update(self._claimed)
        self._claimed = []
        self.commits += 1
        self.committed = True

    async def rollback(self) -> None:
        self._claimed = []
        self.rollbacks += 1

    def published(self, topic: str) -> list[Envelope[Any]]:
        return [env for t, env in self.outbox if t == topic]


def utc_now_envelope(payload: Any, *, case_id: Any = None) -> Envelope[Any]:
    """An envelope as a producer would make it, for tests that publish by hand."""
    import uuid
    from datetime import UTC, datetime

    return Envelope.wrap(
        payload,
        case_id=case_id or uuid.uuid4(),
        producer="test",
        correlation_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
    )
