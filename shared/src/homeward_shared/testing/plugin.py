"""pytest fixtures every service's tests share. The broker and the database start once per
test session; each session gets a throwaway database, each test its own topics."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
import pytest_asyncio

from homeward_shared import provision
from homeward_shared.contracts import Topics
from homeward_shared.runtime import Service
from homeward_shared.settings import ServiceSettings
from homeward_shared.testing.infra import Infra, infrastructure
from homeward_shared.testing.kafka import create_topics, delete_topics

S = TypeVar("S", bound=ServiceSettings)


@dataclass(frozen=True)
class TestDatabase:
    __test__ = False
    infra: Infra
    name: str

    def dsn(self, service: str) -> str:
        return provision.service_dsn(self.infra.admin_dsn, service, self.name)

    @property
    def admin_dsn(self) -> str:
        return provision.dsn_with(
            self.infra.admin_dsn,
            user=provision._user(self.infra.admin_dsn),
            password=provision._pw(self.infra.admin_dsn),
            database=self.name,
        )


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    with infrastructure() as found:
        yield found


@pytest_asyncio.fixture(scope="session")
async def database(infra: Infra) -> AsyncIterator[TestDatabase]:
    name = f"homeward_test_{uuid.uuid4().hex[:12]}"
    await provision.provision(infra.admin_dsn, name)
    try:
        yield TestDatabase(infra, name)
    finally:
        await provision.drop(infra.admin_dsn, name)


@pytest_asyncio.fixture
async def topics(infra: Infra) -> AsyncIterator[Topics]:
    """Topics of this test's own, created up front and deleted afterwards."""
    t = Topics(prefix=f"t{uuid.uuid4().hex[:10]}.")
    names = t.all() + [Topics.dead_letter(x) for x in t.all()]
    await create_topics(infra.kafka_bootstrap_servers, names)
    yield t
    await delete_topics(infra.kafka_bootstrap_servers, names)


def settings_for(cls: type[S], database: TestDatabase, topics: Topics, **overrides: Any) -> S:
    service = cls.model_fields["service_name"].default
    values: dict[str, Any] = {
        "database_url": database.dsn(service),
        "kafka_bootstrap_servers": database.infra.kafka_bootstrap_servers,
        "topic_prefix": topics.prefix,
        "relay_poll_interval_s": 0.2,
        "consumer_retry_backoff_s": 0.1,
        "log_json": True,
    }
    values.update(overrides)
    return cls(**values)


@contextlib.asynccontextmanager
async def running(*services: Service[Any]) -> AsyncIterator[None]:
    started: list[Service[Any]] = []
    try:
        for s in services:
            await s.start()
            started.append(s)
        yield
    finally:
        for s in reversed(started):
            await s.stop()
