"""What a web session is and when it ends. Framework-free.

The browser holds only ``secret`` (the cookie); the database holds its SHA-256 (``digest``),
so a copy of the table opens no session. Tokens are kept server-side, sealed.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class Ended(StrEnum):
    IDLE = "idle"
    ABSOLUTE = "absolute"
    REFRESH_REFUSED = "refresh_refused"
    LOGOUT = "logout"


@dataclass(frozen=True)
class Tokens:
    access_token: str
    access_expires_at: datetime
    refresh_token: str | None
    id_token: str | None

    def needs_refresh(self, now: datetime, margin: timedelta) -> bool:
        return now >= self.access_expires_at - margin

    def usable(self, now: datetime) -> bool:
        return now < self.access_expires_at


@dataclass(frozen=True)
class Person:
    """Who is logged in, as the access token says (the same claims the services read)."""

    subject: str
    username: str
    roles: tuple[str, ...]
    centres: tuple[str, ...]


@dataclass(frozen=True)
class Session:
    key: uuid.UUID
    person: Person
    tokens: Tokens
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime  # the absolute end

    def ended(self, now: datetime, idle: timedelta) -> Ended | None:
        if now >= self.expires_at:
            return Ended.ABSOLUTE
        if now >= self.last_seen_at + idle:
            return Ended.IDLE
        return None

    def refreshed(self, tokens: Tokens, person: Person) -> Session:
        return replace(self, tokens=tokens, person=person)


@dataclass(frozen=True)
class PendingLogin:
    """A login begun at /auth/login, waiting for the provider to send the person back."""

    code_verifier: str
    nonce: str
    next_path: str
    redirect_uri: str


def new_secret() -> str:
    """256 random bits, URL-safe: a session id or a login's browser binding."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def safe_next(value: str | None) -> str:
    """Where to go after login: a path on this site only (an open redirect otherwise)."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or any(c in value for c in "\\\r\n\t")
        or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)
        or len(value) > 2000
    ):
        return "/"
    return value
