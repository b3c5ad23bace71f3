from __future__ import annotations

import hashlib
import hmac

from homeward_shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    service_name: str = "intake"
    db_schema: str = "intake"
    http_port: int = 8001

    @property
    def lead_match_secret(self) -> bytes:
        """The key of the leads' matching hash, derived from the master key (one secret to
        manage); a different purpose label would give an unrelated key."""
        return hmac.new(
            self.master_key_bytes, b"homeward.intake.lead_match", hashlib.sha256
        ).digest()
