"""How tests and local tools say who is calling: a bearer token, minted here.

In a pytest session the plugin installs a key pair of the session's own (``use_key``) and
points every service it configures at its public half. Anywhere else (the fault harness run
by ``make faults``, a demo against ``make run``) tokens are signed with the machine's local
key under ``.local/auth/``, the one ``make run``'s services verify with.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from homeward_shared.auth import LOCAL_AUTH_DIR, PUBLIC_KEY, Signer, keygen
from homeward_shared.settings import LOCAL_AUDIENCE, LOCAL_ISSUER

# Long enough for the longest run of the fault harness; these keys sign nothing real.
TTL = timedelta(hours=12)

_signer: Signer | None = None
_public_key: Path | None = None


def use_key(directory: Path, *, issuer: str) -> None:
    """Sign with the key pair in ``directory`` (made there if missing) from now on."""
    global _signer, _public_key
    private, public = keygen(directory)
    _signer = Signer.from_file(private, issuer=issuer, audience=LOCAL_AUDIENCE)
    _public_key = public


def signer() -> Signer:
    if _signer is None:
        use_key(LOCAL_AUTH_DIR, issuer=LOCAL_ISSUER)
    assert _signer is not None
    return _signer


def token(user_id: str, *roles: str, centres: Iterable[str] = ()) -> str:
    return signer().mint(user_id, roles, centres=centres, ttl=TTL)


def as_user(user_id: str, role: str, *, centres: Iterable[str] = ()) -> dict[str, str]:
    """Request headers for a user with one role (and, for centre staff, their centres)."""
    return {"Authorization": f"Bearer {token(user_id, role, centres=centres)}"}


def service_env() -> dict[str, str]:
    """The environment a service process needs to accept the tokens ``as_user`` mints."""
    s = signer()
    public = _public_key or LOCAL_AUTH_DIR / PUBLIC_KEY
    return {
        "AUTH_ISSUER": s.issuer,
        "AUTH_AUDIENCE": s.audience,
        "AUTH_PUBLIC_KEY_FILE": str(public),
    }
