"""Transport security: how every client reaches Kafka and PostgreSQL (issue 8).

Plaintext on loopback is the local default. Production switches to TLS, and for Kafka to
SASL/SCRAM, by settings alone (deploy/README.md). One function, :func:`transport`, turns the
settings into what each client library takes, so that the faststream broker, the outbox
relay's producer, the operator's admin clients and the asyncpg pool can never disagree:

- ``Transport.security`` is the faststream ``BaseSecurity`` for ``KafkaBroker(security=...)``;
- ``Transport.kafka`` is the same thing as aiokafka keyword arguments (derived with faststream's
  own ``parse_security``, so both paths are one mapping), bootstrap servers included;
- ``Transport.dsn`` is the database URL with libpq's ``sslmode`` / ``sslrootcert`` /
  ``sslcert`` / ``sslkey`` parameters added. asyncpg reads them, and so do ``psql``,
  ``pg_dump`` and ``pg_restore``, so the runbook's commands take the very same URL.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiokafka.helpers import create_ssl_context
from faststream.kafka.security import parse_security
from faststream.security import BaseSecurity, SASLScram256, SASLScram512
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

KafkaProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["SCRAM-SHA-256", "SCRAM-SHA-512"]
SslMode = Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]


class TransportSettings(BaseSettings):
    """Fields every process that talks to Kafka or PostgreSQL reads (services and the
    operator's CLI). Secrets are SecretStr: they never appear in a repr or a log line."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_security_protocol: KafkaProtocol = Field(
        default="PLAINTEXT", description="plaintext | ssl | sasl_plaintext | sasl_ssl"
    )
    kafka_sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = Field(
        default=None, description="CA bundle that signed the brokers' certificates"
    )
    kafka_ssl_certfile: Path | None = Field(default=None, description="client cert (mTLS)")
    kafka_ssl_keyfile: Path | None = None
    kafka_ssl_key_password: SecretStr | None = None

    database_sslmode: SslMode | None = Field(
        default=None, description="libpq sslmode; unset keeps whatever DATABASE_URL says"
    )
    database_sslrootcert: Path | None = Field(
        default=None, description="CA that signed the server's certificate (verify-*)"
    )
    database_sslcert: Path | None = None
    database_sslkey: Path | None = None

    @field_validator("kafka_security_protocol", mode="before")
    @classmethod
    def _protocol_any_case(cls, v: object) -> object:
        return v.upper().replace("-", "_") if isinstance(v, str) else v

    @field_validator("kafka_sasl_mechanism", mode="before")
    @classmethod
    def _mechanism_any_case(cls, v: object) -> object:
        return v.upper().replace("_", "-") if isinstance(v, str) else v

    @model_validator(mode="after")
    def _complete(self) -> TransportSettings:
        if self.kafka_security_protocol.startswith("SASL") and not (
            self.kafka_sasl_username and self.kafka_sasl_password
        ):
            raise ValueError(
                f"kafka_security_protocol={self.kafka_security_protocol} needs"
                " kafka_sasl_username and kafka_sasl_password"
            )
        if (self.kafka_ssl_certfile is None) != (self.kafka_ssl_keyfile is None):
            raise ValueError("kafka_ssl_certfile and kafka_ssl_keyfile go together")
        if self.database_sslmode in ("verify-ca", "verify-full") and not (
            self.database_sslrootcert
        ):
            raise ValueError(f"database_sslmode={self.database_sslmode} needs database_sslrootcert")
        return self


@dataclass(frozen=True)
class Transport:
    security: BaseSecurity | None
    kafka: dict[str, Any] = field(repr=False)
    dsn: str = field(repr=False)

    @property
    def bootstrap_servers(self) -> str:
        return self.kafka["bootstrap_servers"]


def kafka_ssl_context(s: TransportSettings) -> ssl.SSLContext:
    """Verifies the broker's certificate and host name against the CA file (or the
    system's trust store when none is given); presents a client certificate if one is set."""
    return create_ssl_context(
        cafile=s.kafka_ssl_cafile,
        certfile=s.kafka_ssl_certfile,
        keyfile=s.kafka_ssl_keyfile,
        password=(
            s.kafka_ssl_key_password.get_secret_value() if s.kafka_ssl_key_password else None
        ),
    )


def kafka_security(s: TransportSettings) -> BaseSecurity | None:
    protocol = s.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return None
    context = kafka_ssl_context(s) if protocol.endswith("SSL") else None
    if protocol == "SSL":
        return BaseSecurity(ssl_context=context, use_ssl=True)
    assert s.kafka_sasl_username and s.kafka_sasl_password  # the validator made sure
    scram = SASLScram512 if s.kafka_sasl_mechanism == "SCRAM-SHA-512" else SASLScram256
    return scram(
        s.kafka_sasl_username,
        s.kafka_sasl_password.get_secret_value(),
        ssl_context=context,
        use_ssl=protocol == "SASL_SSL",
    )


def database_dsn(url: str, s: TransportSettings) -> str:
    """``url`` with the TLS settings as libpq query parameters (settings win over the URL)."""
    extra = {
        "sslmode": s.database_sslmode,
        "sslrootcert": s.database_sslrootcert,
        "sslcert": s.database_sslcert,
        "sslkey": s.database_sslkey,
    }
    extra = {k: str(v) for k, v in extra.items() if v is not None}
    if not extra:
        return url
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(extra)
    return urlunsplit(parts._replace(query=urlencode(query)))


def transport(s: TransportSettings, database_url: str | SecretStr | None = None) -> Transport:
    """The one place settings become client configuration (see the module docstring)."""
    security = kafka_security(s)
    kafka = {"bootstrap_servers": s.kafka_bootstrap_servers, **parse_security(security)}
    if database_url is None:
        database_url = getattr(s, "database_url", "")
    if isinstance(database_url, SecretStr):
        database_url = database_url.get_secret_value()
    return Transport(security=security, kafka=kafka, dsn=database_dsn(str(database_url), s))
