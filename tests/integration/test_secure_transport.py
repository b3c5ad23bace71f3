"""Transport security against real servers (issue 8): a Kafka broker of this module's own,
with a SASL_SSL (SCRAM) listener and an SSL listener on free ports (the shared broker is never
touched), and the shared PostgreSQL, which speaks TLS. The clients are configured only
through the settings, by ``homeward_shared.transport``."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import ssl
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, KafkaError
from homeward_reintegration.bootstrap import bootstrap
from homeward_reintegration.settings import ReintegrationSettings
from homeward_shared import topology
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.tls import TestCA, make_ca
from homeward_shared.transport import TransportSettings, transport

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
USER = "homeward-test"
PASSWORD = uuid.uuid4().hex
NOWHERE = "postgresql://nobody:nothing@127.0.0.1:1/none"


def _kafka_libs() -> Path | None:
    """The jars `make infra-up` cached (deploy/local/kafka.sh); absent under testcontainers."""
    pom = (ROOT / "deploy" / "local" / "pom.xml").read_text()
    [version] = re.findall(r"<kafka.version>([0-9.]+)</kafka.version>", pom)
    libs = Path.home() / ".cache" / "homeward" / f"kafka-{version}" / "libs"
    return libs if (libs / ".complete").exists() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class SecureKafka:
    sasl_ssl: str
    ssl: str
    ca: TestCA


SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
QUIET_LOG = """<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN"><Appenders>
<File name="f" fileName="{log}"><PatternLayout pattern="[%d] %p %m (%c)%n"/></File>
</Appenders><Loggers><Root level="INFO"><AppenderRef ref="f"/></Root></Loggers></Configuration>
"""


@pytest.fixture(scope="module")
def secure_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureKafka]:
    libs = _kafka_libs()
    if libs is None:
        pytest.skip("no cached Kafka jars (a testcontainers run): `make infra-up` caches them")
    home = tmp_path_factory.mktemp("secure-kafka")
    ca = make_ca(home / "tls")
    internal, sasl_port, ssl_port, controller = (_free_port() for _ in range(4))
    (home / "log4j2.xml").write_text(QUIET_LOG.format(log=home / "server.log"))
    (home / "server.properties").write_text(
        f"""process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:{controller}
listeners=INTERNAL://127.0.0.1:{internal},SASL_SSL://127.0.0.1:{sasl_port},SSL://127.0.0.1:{ssl_port},CONTROLLER://127.0.0.1:{controller}
advertised.listeners=INTERNAL://127.0.0.1:{internal},SASL_SSL://127.0.0.1:{sasl_port},SSL://127.0.0.1:{ssl_port},CONTROLLER://127.0.0.1:{controller}
inter.broker.listener.name=INTERNAL
controller.listener.names=CONTROLLER
listener.security.protocol.map=INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config={SCRAM_LOGIN}
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config={SCRAM_LOGIN}
ssl.keystore.type=PEM
ssl.keystore.location={ca.server_keystore}
ssl.client.auth=none
log.dirs={home / "data"}
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
"""
    )
    java = ["java", f"-Dlog4j2.configurationFile={home / 'log4j2.xml'}", "-cp", f"{libs}/*"]
    subprocess.run(  # noqa: S603 - fixed arguments, our own files
        [
            *java[:1],
            "-Xmx256m",
            *java[1:],
            "kafka.tools.StorageTool",
            "format",
            "--standalone",
            "-t",
            "homewardSecureTestAAAAA"[:22],
            "-c",
            str(home / "server.properties"),
            "--add-scram",
            f"SCRAM-SHA-512=[name={USER},password={PASSWORD}]",
            "--add-scram",
            f"SCRAM-SHA-256=[name={USER},password={PASSWORD}]",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    broker = subprocess.Popen(  # noqa: S603
        [
            *java[:1],
            "-Xmx384m",
            "-Xms128m",
            *java[1:],
            "kafka.Kafka",
            str(home / "server.properties"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield SecureKafka(f"127.0.0.1:{sasl_port}", f"127.0.0.1:{ssl_port}", ca)
    finally:
        broker.terminate()  # this module's own broker, by its pid
        try:
            broker.wait(30)
        except subprocess.TimeoutExpired:
            broker.kill()
            broker.wait(10)


def sasl_settings(k: SecureKafka, **extra: Any) -> TransportSettings:
    values = {
        "kafka_bootstrap_servers": k.sasl_ssl,
        "kafka_security_protocol": "sasl_ssl",
        "kafka_sasl_username": USER,
        "kafka_sasl_password": PASSWORD,
        "kafka_ssl_cafile": k.ca.ca,
        **extra,
    }
    return TransportSettings(**values)


async def _ready(kafka: dict[str, Any], within: float = 120) -> None:
    async def answers() -> bool:
        producer = AIOKafkaProducer(**kafka, request_timeout_ms=5000)
        try:
            await producer.start()
            return True
        except KafkaError:
            return False
        finally:
            await producer.stop()

    await wait_until(answers, within=within, interval=1, what="the secure broker answers")


async def _round_trip(kafka: dict[str, Any], topic: str) -> bytes:
    producer = AIOKafkaProducer(**kafka, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"over tls", key=b"k")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic, **kafka, group_id=f"g-{uuid.uuid4().hex}", auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), 30)
        return record.value
    finally:
        await consumer.stop()


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-512", "SCRAM-SHA-256"])
async def test_sasl_scram_over_tls_admin_producer_and_consumer(secure_kafka, mechanism):
    wire = transport(sasl_settings(secure_kafka, kafka_sasl_mechanism=mechanism), NOWHERE)
    await _ready(wire.kafka)
    specs = [s for s in topology.declared(f"s{uuid.uuid4().hex[:8]}.", partitions=1)][:1]
    outcomes = await topology.apply(wire.kafka, specs)  # the admin client, over SASL_SSL
    assert [o.action for o in outcomes] == ["created"]
    assert await _round_trip(wire.kafka, specs[0].name) == b"over tls"


async def test_a_service_built_from_settings_reaches_the_secure_broker(secure_kafka):
    settings = ReintegrationSettings(
        database_url=NOWHERE,
        **sasl_settings(secure_kafka).model_dump(),
    )
    await _ready(transport(settings).kafka)
    service = bootstrap(settings)
    await service.broker.start()  # faststream, with the security from the settings
    try:
        assert await service.broker.ping(timeout=10)
    finally:
        await service.broker.stop()
    producer = service.relay._producer_factory()  # the outbox relay's producer
    await producer.start()
    try:
        topic = f"s{uuid.uuid4().hex[:8]}.relay"
        await producer.send_and_wait(topic, b"x", key=b"k")  # auto-created on the test broker
    finally:
        await producer.stop()


async def test_a_wrong_password_is_refused(secure_kafka):
    good = transport(sasl_settings(secure_kafka), NOWHERE)
    await _ready(good.kafka)
    bad = transport(sasl_settings(secure_kafka, kafka_sasl_password=PASSWORD[::-1]), NOWHERE)
    producer = AIOKafkaProducer(**bad.kafka, request_timeout_ms=5000)
    with pytest.raises(KafkaError):
        await producer.start()
    await producer.stop()


async def test_tls_without_sasl_verifies_the_broker_against_the_ca(secure_kafka):
    trusted = transport(
        TransportSettings(
            kafka_bootstrap_servers=secure_kafka.ssl,
            kafka_security_protocol="SSL",
            kafka_ssl_cafile=secure_kafka.ca.ca,
        ),
        NOWHERE,
    )
    await _ready(trusted.kafka)
    assert await _round_trip(trusted.kafka, f"s{uuid.uuid4().hex[:8]}.tls") == b"over tls"
    # Without our CA the system's trust store does not know the broker: refused.
    untrusted = transport(
        TransportSettings(kafka_bootstrap_servers=secure_kafka.ssl, kafka_security_protocol="SSL"),
        NOWHERE,
    )
    producer = AIOKafkaProducer(**untrusted.kafka, request_timeout_ms=5000)
    with pytest.raises((KafkaConnectionError, KafkaError, ssl.SSLError)):
        await producer.start()
    with contextlib.suppress(Exception):
        await producer.stop()


async def _uses_tls(dsn: str) -> bool:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    finally:
        await conn.close()


async def test_database_tls_follows_the_settings(database, tmp_path):
    dsn = database.dsn("intake")
    assert await _uses_tls(transport(TransportSettings(database_sslmode="require"), dsn).dsn)
    assert not await _uses_tls(transport(TransportSettings(database_sslmode="disable"), dsn).dsn)
    # verify-full with a CA that did not sign the server's certificate: refused, so the
    # setting really makes the client check whom it talks to.
    stranger = make_ca(tmp_path / "stranger")
    checked = transport(
        TransportSettings(database_sslmode="verify-full", database_sslrootcert=stranger.ca), dsn
    ).dsn
    with pytest.raises((ssl.SSLCertVerificationError, ConnectionError, OSError)):
        await asyncpg.connect(checked)
