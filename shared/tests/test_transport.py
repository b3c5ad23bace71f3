"""Transport settings produce the client configuration each library takes (issue 8)."""

from __future__ import annotations

import ssl

import asyncpg.connect_utils
import pytest
from faststream.security import BaseSecurity, SASLScram256, SASLScram512
from homeward_reintegration.bootstrap import bootstrap
from homeward_reintegration.settings import ReintegrationSettings
from homeward_shared.testing.tls import TestCA, make_ca
from homeward_shared.transport import TransportSettings, transport
from pydantic import ValidationError

NOWHERE = "postgresql://nobody:nothing@127.0.0.1:1/none"
SECRET = "s3cret"  # noqa: S105 - a test value, never a real credential


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return make_ca(tmp_path_factory.mktemp("ca"))


def test_the_local_default_is_plaintext_and_leaves_the_url_alone():
    s = TransportSettings()
    wire = transport(s, NOWHERE)
    assert wire.security is None
    assert wire.kafka == {"bootstrap_servers": "127.0.0.1:9092"}
    assert wire.dsn == NOWHERE


def test_sasl_ssl_with_scram_512_verifies_the_broker_against_the_ca(ca: TestCA):
    s = TransportSettings(
        kafka_bootstrap_servers="k1:9094,k2:9094",
        kafka_security_protocol="sasl_ssl",  # any case, as an operator would type it
        kafka_sasl_username="homeward-intake",
        kafka_sasl_password=SECRET,
        kafka_ssl_cafile=ca.ca,
    )
    wire = transport(s, NOWHERE)
    assert isinstance(wire.security, SASLScram512)
    assert wire.kafka["bootstrap_servers"] == "k1:9094,k2:9094"
    assert wire.kafka["security_protocol"] == "SASL_SSL"
    assert wire.kafka["sasl_mechanism"] == "SCRAM-SHA-512"
    assert wire.kafka["sasl_plain_username"] == "homeward-intake"
    assert wire.kafka["sasl_plain_password"] == SECRET
    context: ssl.SSLContext = wire.kafka["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert [c["subject"] for c in context.get_ca_certs()] == [
        ((("commonName", "homeward test CA"),),)
    ]
    # The secret never shows in a repr, so never in a log line.
    assert SECRET not in repr(s) and SECRET not in repr(wire)


def test_sasl_plaintext_with_scram_256_has_no_tls():
    s = TransportSettings(
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="scram-sha-256",
        kafka_sasl_username="u",
        kafka_sasl_password=SECRET,
    )
    wire = transport(s, NOWHERE)
    assert isinstance(wire.security, SASLScram256)
    assert wire.kafka["security_protocol"] == "SASL_PLAINTEXT"
    assert wire.kafka["sasl_mechanism"] == "SCRAM-SHA-256"
    assert wire.kafka["ssl_context"] is None


def test_ssl_alone_with_a_client_certificate(ca: TestCA):
    s = TransportSettings(
        kafka_security_protocol="ssl",
        kafka_ssl_cafile=ca.ca,
        kafka_ssl_certfile=ca.server_keystore,
        kafka_ssl_keyfile=ca.server_keystore,
    )
    wire = transport(s, NOWHERE)
    assert type(wire.security) is BaseSecurity
    assert wire.kafka["security_protocol"] == "SSL"
    assert isinstance(wire.kafka["ssl_context"], ssl.SSLContext)
    assert "sasl_mechanism" not in wire.kafka


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"kafka_security_protocol": "SASL_SSL", "kafka_sasl_username": "u"}, "password"),
        ({"kafka_security_protocol": "GSSAPI"}, "kafka_security_protocol"),
        ({"kafka_sasl_mechanism": "PLAIN"}, "kafka_sasl_mechanism"),
        ({"kafka_ssl_certfile": "/c.pem"}, "kafka_ssl_keyfile"),
        ({"database_sslmode": "verify-full"}, "database_sslrootcert"),
        ({"database_sslmode": "sometimes"}, "database_sslmode"),
    ],
)
def test_incomplete_or_unknown_settings_are_refused_naming_the_field(fields, named):
    with pytest.raises(ValidationError, match=named):
        TransportSettings(**fields)


def test_database_tls_becomes_libpq_parameters_asyncpg_understands(ca: TestCA):
    s = TransportSettings(database_sslmode="verify-full", database_sslrootcert=ca.ca)
    dsn = transport(s, "postgresql://u:p@db.internal:5432/homeward?application_name=x").dsn
    assert dsn.startswith("postgresql://u:p@db.internal:5432/homeward?")
    assert "application_name=x" in dsn and "sslmode=verify-full" in dsn
    # asyncpg turns those parameters into a verifying TLS context with our CA.
    _, params = asyncpg.connect_utils._parse_connect_dsn_and_args(
        dsn=dsn,
        host=None,
        port=None,
        user=None,
        password=None,
        passfile=None,
        database=None,
        ssl=None,
        service=None,
        servicefile=None,
        direct_tls=None,
        server_settings=None,
        target_session_attrs=None,
        krbsrvname=None,
        gsslib=None,
    )
    assert isinstance(params.ssl, ssl.SSLContext)
    assert params.ssl.verify_mode == ssl.CERT_REQUIRED and params.ssl.check_hostname
    assert params.ssl.get_ca_certs()


async def test_a_service_wires_the_same_transport_into_broker_relay_and_pool(ca: TestCA):
    settings = ReintegrationSettings(
        database_url=NOWHERE,
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="homeward-reintegration",
        kafka_sasl_password=SECRET,
        kafka_ssl_cafile=ca.ca,
        database_sslmode="require",
    )
    service = bootstrap(settings)
    broker_kwargs = service.broker._connection_kwargs
    assert broker_kwargs["security_protocol"] == "SASL_SSL"
    assert broker_kwargs["sasl_mechanism"] == "SCRAM-SHA-512"
    assert broker_kwargs["sasl_plain_username"] == "homeward-reintegration"
    client = service.relay._producer_factory().client  # never started: no connection
    assert client._security_protocol == "SASL_SSL"
    assert client._sasl_mechanism == "SCRAM-SHA-512"
    assert client._ssl_context is not None
    assert settings.dsn == NOWHERE + "?sslmode=require"


async def test_plaintext_services_keep_the_plain_relay_producer():
    service = bootstrap(ReintegrationSettings(database_url=NOWHERE))
    assert service.relay._producer_factory().client._security_protocol == "PLAINTEXT"
    assert "security_protocol" not in service.broker._connection_kwargs or (
        service.broker._connection_kwargs["security_protocol"] == "PLAINTEXT"
    )
