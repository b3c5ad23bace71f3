"""The settings base every service's one settings class extends. Nothing else reads the
environment."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from homeward_shared.crypto import Keyring
from homeward_shared.small_cells import DEFAULT_THRESHOLD
from homeward_shared.transport import TransportSettings, database_dsn

# A fixed key for local runs and tests only. Production sets MASTER_KEY from a KMS.
LOCAL_MASTER_KEY = base64.b64encode(b"homeward-local-master-key-32byte").decode()

# Tokens minted on this machine (``homeward token mint``) name this issuer and audience.
# Production sets AUTH_ISSUER to the identity provider's (Keycloak: https://HOST/realms/NAME).
LOCAL_ISSUER = "homeward-local"
LOCAL_AUDIENCE = "homeward"
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class ServiceSettings(TransportSettings):
    # Kafka and PostgreSQL connection and transport-security fields: transport.py.
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    service_name: str
    database_url: SecretStr = Field(
        description="the service's own login role; it owns its schema and reads no other"
    )
    db_schema: str
    topic_prefix: str = ""
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    master_key: SecretStr = Field(
        default=SecretStr(LOCAL_MASTER_KEY),
        description="the current master key (32 bytes, base64): wraps every new case key",
    )
    previous_master_keys: list[SecretStr] = Field(
        default_factory=list,
        description="other master keys this service unwraps with but never wraps with: the"
        " previous ones until `homeward keys rotate` re-wrapped every case key, or the next one"
        " before it becomes current (docs/security.md, rotation). JSON list in the environment",
    )
    log_level: str = "INFO"
    log_json: bool = True
    relay_poll_interval_s: float = Field(default=1.0, gt=0)
    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    db_pool_max: int = Field(default=10, ge=2)
    consumer_retry_backoff_s: float = Field(default=0.5, ge=0)
    # Consecutive transient failures double the pause up to this bound: never a hot loop,
    # and a database that comes back is noticed within this many seconds.
    consumer_retry_backoff_max_s: float = Field(default=10.0, ge=0)
    # What a 503 tells a client to wait before retrying while the database is unavailable.
    http_retry_after_s: int = Field(default=2, ge=1)
    # SIGTERM: in-flight events finish and commit within this bound, then the process exits.
    shutdown_grace_s: float = Field(default=10.0, gt=0)
    erasure_request_ttl_hours: float = Field(
        default=72, gt=0, le=24 * 30, description="an erasure request not approved in time expires"
    )
    # Tracing. The names are OpenTelemetry's own environment variables, so an operator sets
    # OTEL_TRACES_EXPORTER=otlp as for any instrumented process.
    otel_traces_exporter: Literal["none", "otlp", "console"] = Field(
        default="none",
        description="none: trace ids in logs and across hand-offs, nothing exported (local); "
        "otlp: to a collector (production); console: spans printed to stdout",
    )
    otel_exporter_otlp_traces_endpoint: str = Field(
        default="http://127.0.0.1:4318/v1/traces", description="OTLP over HTTP"
    )
    otel_traces_sampler_arg: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="share of new traces kept; a trace begun upstream keeps its decision",
    )
    metrics_min_refresh_s: float = Field(
        default=1.0,
        ge=0,
        description="scrapes of /metrics closer than this reuse the last database and broker "
        "gauges (outbox backlog, consumer lag): a scrape storm cannot load the database",
    )

    # Who is calling (homeward_shared.auth): bearer JWTs from the identity provider, checked
    # against its issuer, this audience and its keys (a JWKS URL, or a public key file).
    auth_issuer: str = LOCAL_ISSUER
    auth_audience: str = LOCAL_AUDIENCE
    auth_jwks_url: str | None = Field(
        default=None, description="the identity provider's JWKS (Keycloak: .../certs)"
    )
    auth_public_key_file: Path | None = Field(
        default=None, description="a PEM public key or a JWKS file (local runs and tests)"
    )
    auth_local_public_key_file: Path | None = Field(
        default=None,
        description="local runs only (make run): also trust tokens of the homeward-local "
        "issuer signed with this key (homeward token mint, make demo); never in production",
    )
    auth_algorithms: list[str] = Field(default_factory=lambda: ["ES256", "RS256"])
    auth_user_claim: str = "sub"
    auth_roles_claim: str = Field(
        default="roles", description="dotted path; Keycloak's realm roles: realm_access.roles"
    )
    auth_centres_claim: str = "centres"
    auth_leeway_s: float = Field(default=30, ge=0, le=300)
    auth_jwks_cache_s: float = Field(default=300, gt=0)
    auth_jwks_cooldown_s: float = Field(default=30, ge=0)
    auth_failure_limit: str = Field(
        default="30/minute", description="failed authentications per client (then 429)"
    )
    rate_limit_storage: str = Field(
        default="async+memory://", description="limits' storage URI (async+redis://... shared)"
    )
    forwarded_allow_ips: str = Field(
        default="",
        description="the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are"
        " believed: addresses or networks, comma-separated (uvicorn's syntax: '10.0.0.5,"
        "10.1.0.0/16'). Empty (the default): no one's, the client is the TCP peer. Whoever is"
        " trusted here decides which client the failed-authentication limit counts against",
    )
    small_cell_threshold: int = Field(
        default=DEFAULT_THRESHOLD,
        ge=2,
        description="every count a service publishes (live view, impact report, yearly figures)"
        " hides values from 1 to this minus 1 (CTDC standard: 11), and the cells that would"
        " give them away (homeward_shared.small_cells)",
    )
    # Limits on what a caller or a producer can make a service swallow.
    http_max_body_bytes: int = Field(default=1_048_576, ge=1_024)
    http_docs: bool = Field(default=True, description="serve /docs and /openapi.json")
    event_max_bytes: int = Field(default=262_144, ge=1_024)

    @field_validator("auth_algorithms")
    @classmethod
    def _asymmetric_only(cls, v: list[str]) -> list[str]:
        # A shared-secret (HS*) or "none" algorithm would let anyone holding the verification
        # material mint tokens; only the identity provider holds a private key.
        wrong = set(v) - ASYMMETRIC_ALGORITHMS
        if wrong or not v:
            raise ValueError(f"auth_algorithms must be among {sorted(ASYMMETRIC_ALGORITHMS)}")
        return v

    @field_validator("auth_failure_limit")
    @classmethod
    def _limit_parses(cls, v: str) -> str:
        import limits

        limits.parse(v)
        return v

    @field_validator("master_key")
    @classmethod
    def _key_is_32_bytes(cls, v: SecretStr) -> SecretStr:
        if len(base64.b64decode(v.get_secret_value())) != 32:
            raise ValueError("master_key must be 32 bytes, base64-encoded")
        return v

    @field_validator("previous_master_keys")
    @classmethod
    def _previous_are_32_bytes(cls, v: list[SecretStr]) -> list[SecretStr]:
        for key in v:
            if len(base64.b64decode(key.get_secret_value())) != 32:
                raise ValueError("each previous master key must be 32 bytes, base64-encoded")
        return v

    @property
    def dsn(self) -> str:
        """DATABASE_URL with the DATABASE_SSL* settings applied: every connection uses this."""
        return database_dsn(self.database_url.get_secret_value(), self)

    @property
    def master_key_bytes(self) -> bytes:
        return base64.b64decode(self.master_key.get_secret_value())

    @property
    def keyring(self) -> Keyring:
        return Keyring.of(
            self.master_key_bytes,
            [base64.b64decode(k.get_secret_value()) for k in self.previous_master_keys],
        )
