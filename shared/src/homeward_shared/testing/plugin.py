"""pytest fixtures every service's tests share. The broker and the database start once per
test session; each session gets a throwaway database, each test its own topics, and a
token-signing key pair of its own: ``as_user`` signs with it, and every service the session
makes (in this process through the environment and ``settings_for``, or as a child process
that inherits the environment) verifies with its public half."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import pytest_asyncio

from homeward_shared import provision
from homeward_shared.contracts import Topics
from homeward_shared.runtime import Service
from homeward_shared.settings import ServiceSettings
from homeward_shared.testing import auth
from homeward_shared.testing.infra import Infra, infrastructure
from homeward_shared.testing.kafka import create_topics, delete_topics
from homeward_shared.testing.keycloak import Keycloak, KeycloakSettings, local_keycloak

S = TypeVar("S", bound=ServiceSettings)

# Not the local issuer: a token minted for `make run` is no good in a test, nor the reverse.
SESSION_ISSUER = "homeward-test-session"
_AUTH = pytest.StashKey[tuple[Path, pytest.MonkeyPatch]]()


def pytest_configure(config: pytest.Config) -> None:
    directory = Path(tempfile.mkdtemp(prefix="homeward-auth-"))
    auth.use_key(directory, issuer=SESSION_ISSUER)
    # Tests send many refused calls from one client on purpose; the limiter's own tests set
    # a small limit explicitly. Exported for the session, so that every service settings
    # object (and every service process a test starts) verifies the session's tokens;
    # MonkeyPatch puts the environment back afterwards.
    env = pytest.MonkeyPatch()
    for key, value in {**auth.service_env(), "AUTH_FAILURE_LIMIT": "1000000/minute"}.items():
        env.setenv(key, value)
    config.stash[_AUTH] = (directory, env)


def pytest_unconfigure(config: pytest.Config) -> None:
    stashed = config.stash.get(_AUTH, None)
    if stashed is not None:
        directory, env = stashed
        env.undo()
        shutil.rmtree(directory, ignore_errors=True)


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


@pytest.fixture(scope="session")
def keycloak() -> Keycloak:
    """The real Keycloak with the local realm (deploy/local/keycloak.sh). `make test` starts
    it and requires it (HOMEWARD_REQUIRE_KEYCLOAK=1): a test that needs it then fails rather
    than skips; a run of pytest alone skips those tests, saying what to start."""
    found = local_keycloak()
    if found.answers():
        return found
    message = f"Keycloak's realm does not answer at {found.issuer}: run deploy/local/keycloak.sh up"
    if KeycloakSettings().homeward_require_keycloak:
        pytest.fail(message + " (make test starts it)", pytrace=False)
    pytest.skip(message)


@pytest_asyncio.fixture(scope="session")
async def database(infra: Infra) -> AsyncIterator[TestDatabase]:
    name = f"homeward_test_{uuid.uuid4().hex[:12]}"
    await provision.provision(infra.admin_dsn, name)
    try:
        yield TestDatabase(infra, name)
    finally:
        await provision.drop(infra.admin_dsn, name)


@pytest_asyncio.fixture
async def fresh_database(infra: Infra) -> AsyncIterator[TestDatabase]:
    """A database of one test's own, for a test that leaves state the session's database must
    not keep: unpublished outbox rows (a service run without its relay), or reference data
    registered at random (API fuzzing)."""
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
        **{k.lower(): v for k, v in auth.service_env().items()},
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
