from __future__ import annotations

import base64
import hashlib
import hmac

from homeward_shared.settings import ServiceSettings
from pydantic import Field, SecretStr


class IntakeSettings(ServiceSettings):
    service_name: str = "intake"
    db_schema: str = "intake"
    http_port: int = 8001
    lead_match_key: SecretStr | None = Field(
        default=None,
        description=(
            "LEAD_MATCH_KEY (base64, 32 bytes): the key of the leads' matching hash. Set it in "
            "production: without it the key is derived from MASTER_KEY, and rotating the master "
            "key would stop new leads from matching the open ones."
        ),
    )

    @property
    def lead_match_secret(self) -> bytes:
        """The key of the leads' matching hash: its own key where one is set; otherwise
        derived from the master key (a different purpose label gives an unrelated key)."""
        if self.lead_match_key is not None:
            key = base64.b64decode(self.lead_match_key.get_secret_value())
            if len(key) < 32:
                raise ValueError("LEAD_MATCH_KEY must be at least 32 bytes (base64)")
            return key
        return hmac.new(
            self.master_key_bytes, b"homeward.intake.lead_match", hashlib.sha256
        ).digest()
