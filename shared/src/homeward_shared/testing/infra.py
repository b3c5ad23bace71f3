"""Where the tests' real Kafka broker and PostgreSQL come from.

Where a Docker engine answers, testcontainers starts both. Otherwise the native services
that ``make infra-up`` started are used (``KAFKA_BOOTSTRAP_SERVERS``, ``DATABASE_URL``); a
test session never starts without them: it fails with what to run.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic_settings import BaseSettings, SettingsConfigDict

LOCAL_KAFKA = "127.0.0.1:9092"
# Plaintext on loopback, as in docker-compose.yml: the local cluster listens on 127.0.0.1 only,
# and asyncpg's default (sslmode=prefer) would encrypt with a certificate it never checks,
# which protects nothing and cost the rebuild a tenth of its CPU. Production says verify-full.
LOCAL_ADMIN_DSN = "postgresql://homeward:homeward@127.0.0.1:5433/homeward?sslmode=disable"


class InfraSettings(BaseSettings):
    """Where the native broker and database answer; the same names the services read."""

    model_config = SettingsConfigDict(extra="ignore")

    kafka_bootstrap_servers: str = LOCAL_KAFKA
    database_url: str = LOCAL_ADMIN_DSN
    homeward_tests_native: bool = False


@dataclass(frozen=True)
class Infra:
    kafka_bootstrap_servers: str
    admin_dsn: str
    origin: str


def _docker_answers(settings: InfraSettings) -> bool:
    if settings.homeward_tests_native:
        return False
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


def _port_open(hostport: str) -> bool:
    host, _, port = hostport.rpartition(":")
    with contextlib.suppress(OSError), socket.create_connection((host, int(port)), timeout=2):
        return True
    return False


@contextlib.contextmanager
def infrastructure() -> Iterator[Infra]:
    settings = InfraSettings()
    if _docker_answers(settings):
        from testcontainers.community.kafka import KafkaContainer
        from testcontainers.community.postgres import PostgresContainer

        # Confluent Platform 8.0 is Apache Kafka 4.0: the same major version as the native run.
        with (
            KafkaContainer("confluentinc/cp-kafka:8.0.0").with_kraft() as kafka,
            PostgresContainer("postgres:16", driver=None) as pg,
        ):
            yield Infra(kafka.get_bootstrap_server(), pg.get_connection_url(), "testcontainers")
        return
    kafka, admin = settings.kafka_bootstrap_servers, settings.database_url
    pg = urlsplit(admin)
    missing = [
        name
        for name, addr in (
            ("Kafka", kafka.split(",")[0]),
            ("PostgreSQL", f"{pg.hostname}:{pg.port}"),
        )
        if not _port_open(addr)
    ]
    if missing:
        raise RuntimeError(
            f"{' and '.join(missing)} not answering and no Docker engine: run `make infra-up`"
        )
    yield Infra(kafka, admin, "native")


async def wait_until(predicate, *, within: float = 15.0, interval: float = 0.05, what: str = ""):
    """Await ``predicate()`` (sync or async) until it returns a truthy value; bounded."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    last = None
    while True:
        last = predicate()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        if loop.time() > deadline:
            raise TimeoutError(f"not within {within}s: {what or predicate}")
        await asyncio.sleep(interval)
