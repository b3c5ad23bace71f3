"""The settings base every service's one settings class extends. Nothing else reads the
environment."""

from __future__ import annotations

import base64

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# A fixed key for local runs and tests only. Production sets MASTER_KEY from a KMS.
LOCAL_MASTER_KEY = base64.b64encode(b"homeward-local-master-key-32byte").decode()


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    service_name: str
    database_url: SecretStr = Field(
        description="the service's own login role; it owns its schema and reads no other"
    )
    db_schema: str
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    topic_prefix: str = ""
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    master_key: SecretStr = SecretStr(LOCAL_MASTER_KEY)
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

    @field_validator("master_key")
    @classmethod
    def _key_is_32_bytes(cls, v: SecretStr) -> SecretStr:
        if len(base64.b64decode(v.get_secret_value())) != 32:
            raise ValueError("master_key must be 32 bytes, base64-encoded")
        return v

    @property
    def dsn(self) -> str:
        return self.database_url.get_secret_value()

    @property
    def master_key_bytes(self) -> bytes:
        return base64.b64decode(self.master_key.get_secret_value())
