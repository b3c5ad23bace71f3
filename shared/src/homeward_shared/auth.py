"""Who is calling: OAuth2 bearer tokens (JWT) issued by an identity provider.

Every HTTP call but ``/health`` carries ``Authorization: Bearer <token>``. The token is a JWT
signed by the identity provider (Keycloak in production; ``homeward token mint`` on a
developer's machine and in tests) and is checked here for:

- its signature, against the provider's public keys: a JWKS URL (fetched, cached, refreshed
  when a token names a key not seen yet) or a local public key file;
- its issuer and audience (a token minted for another application is refused);
- its expiry (with a small leeway for clock skew), and the presence of a subject.

Its claims give the user id (``sub``), her roles (a configurable dotted path, so that
Keycloak's ``realm_access.roles`` works) and, for centre staff, her centres (``centres``).
Whatever fails is a 401 with the reason and ``WWW-Authenticate: Bearer``; a client that keeps
failing gets 429 (``FailureLimiter``). Which role may call which route is ``policy``'s job.

Built on PyJWT (with ``cryptography``): it verifies the registered claims, refuses algorithm
confusion (the accepted algorithms are given on every decode, and only asymmetric ones are
allowed by the settings) and ships ``PyJWKClient``, whose JWKS cache and refresh cooldown we
use as they are, called off the event loop.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import math
import os
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import limits
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from homeward_shared.logging import get_logger
from homeward_shared.settings import LOCAL_AUDIENCE, LOCAL_ISSUER, ServiceSettings

log = get_logger(__name__)

REALM = "homeward"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller, as her token says."""

    user_id: str
    roles: frozenset[str]
    centres: frozenset[str]


class AuthError(Exception):
    """Authentication failed. ``reason`` is shown to the caller: it names the rule, never a
    claim's value."""

    status = 401

    def __init__(self, reason: str, *, error: str | None = "invalid_token") -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error

    def www_authenticate(self) -> str:
        # RFC 6750 section 3: no error code when the request carried no token at all.
        value = f'Bearer realm="{REALM}"'
        if self.error:
            value += f', error="{self.error}", error_description="{self.reason}"'
        return value


class AuthUnavailable(AuthError):
    """The service cannot check tokens (not configured, or the provider's keys cannot be
    fetched): not the caller's fault, so 503 rather than 401."""

    status = 503


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (``realm_access.roles``), or None."""
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _strings(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, list | tuple):
        return frozenset(v for v in value if isinstance(v, str) and v)
    return frozenset()


# -- keys ------------------------------------------------------------------------------------


def _jwk_of_public_key(public_key: Any) -> jwt.PyJWK:
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        data = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(public_key))
    else:
        data = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public_key))
    return jwt.PyJWK.from_dict(data)


def key_id(public_key: Any) -> str:
    """The RFC 7638 thumbprint of a public key: the ``kid`` our local tokens carry."""
    data = json.loads(
        jwt.algorithms.ECAlgorithm.to_jwk(public_key)
        if isinstance(public_key, ec.EllipticCurvePublicKey)
        else jwt.algorithms.RSAAlgorithm.to_jwk(public_key)
    )
    members = ("crv", "kty", "x", "y") if data["kty"] == "EC" else ("e", "kty", "n")
    canonical = json.dumps({k: data[k] for k in members}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class StaticKeys:
    """Keys read once from a file: a PEM public key, or a JWKS document (several keys, for a
    rotation)."""

    def __init__(self, keys: dict[str | None, jwt.PyJWK]) -> None:
        self._keys = keys

    @classmethod
    def from_file(cls, path: Path) -> StaticKeys:
        text = path.read_text()
        if text.lstrip().startswith("{"):
            jwks = jwt.PyJWKSet.from_json(text)
            return cls({k.key_id: k for k in jwks.keys})
        return cls({None: _jwk_of_public_key(serialization.load_pem_public_key(text.encode()))})

    async def key_for(self, kid: str | None) -> jwt.PyJWK:
        if len(self._keys) == 1 and (kid is None or None in self._keys):
            # One key: only it can verify, whatever the token's kid says.
            return next(iter(self._keys.values()))
        if kid in self._keys:
            return self._keys[kid]
        raise AuthError("the token is signed with a key this service does not know")


class RemoteKeys:
    """The identity provider's JWKS, through PyJWT's client: the set is cached for
    ``cache_s`` and fetched again at once (at most every ``cooldown_s``) when a token names a
    key it does not hold, which is how a key rotation at the provider reaches us. Fetching
    blocks, so it runs in a thread. If the provider cannot be reached, keys that verified a
    token before keep serving (an outage of the provider does not log everybody out); a key
    the provider has withdrawn is refused as soon as it answers again."""

    def __init__(self, url: str, *, cache_s: float, cooldown_s: float, timeout_s: float = 5):
        self.client = jwt.PyJWKClient(
            url,
            cache_jwk_set=True,
            lifespan=cache_s,
            cooldown_duration=cooldown_s,
            timeout=timeout_s,
        )
        self._last_good: dict[str, jwt.PyJWK] = {}
        self._lock = asyncio.Lock()

    def _cached(self, kid: str) -> jwt.PyJWK | None:
        cache = self.client.jwk_set_cache
        jwks = cache.get() if cache is not None else None
        if jwks is None:
            return None
        return next((k for k in jwks.keys if k.key_id == kid), None)

    async def key_for(self, kid: str | None) -> jwt.PyJWK:
        if not kid:
            raise AuthError("the token names no signing key (kid)")
        if (key := self._cached(kid)) is not None:
            return self._remember(kid, key)
        async with self._lock:  # one fetch at a time; the others then find it cached
            if (key := self._cached(kid)) is not None:
                return self._remember(kid, key)
            try:
                key = await asyncio.to_thread(self.client.get_signing_key, kid)
            except jwt.PyJWKClientConnectionError as exc:
                if kid in self._last_good:
                    log.warning("auth_jwks_unreachable_using_last_keys")
                    return self._last_good[kid]
                raise AuthUnavailable(
                    "the identity provider's keys cannot be fetched", error=None
                ) from exc
            except jwt.PyJWKClientError as exc:
                raise AuthError(
                    "the token is signed with a key this service does not know"
                ) from exc
            return self._remember(kid, key)

    def _remember(self, kid: str, key: jwt.PyJWK) -> jwt.PyJWK:
        # Every key that verified a token here stays usable while the provider is down.
        if kid not in self._last_good:
            self._last_good[kid] = key
        return key


class Unconfigured:
    async def key_for(self, kid: str | None) -> jwt.PyJWK:
        raise AuthUnavailable("authentication is not configured on this service", error=None)


# -- checking a token ------------------------------------------------------------------------


# A real JOSE header (alg, kid, typ, x5t; even an x5c certificate) is a few KiB at most
# encoded; anything larger is not a header, and is refused before it is parsed.
MAX_HEADER_SEGMENT = 8192


def _unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header, read only to pick the key; ``jwt.decode`` checks everything again.
    (PyJWT's own reader validates the base64 alphabet character by character in Python,
    a third of the cost of a verification, and ``decode`` does that once more anyway.)
    Whatever the caller sent, the outcome is an ``AuthError`` (401, counted by the failure
    limiter), never an exception that escapes as a 500: deeply nested JSON makes the parser
    recurse past Python's limit, so ``RecursionError`` is one of the refusals."""
    segment = token.split(".", 1)[0]
    if len(segment) > MAX_HEADER_SEGMENT:
        raise AuthError("the token is not a well-formed JWT")
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise AuthError("the token is not a well-formed JWT") from exc
    if not isinstance(header, dict) or token.count(".") != 2:
        raise AuthError("the token is not a well-formed JWT")
    return header


def _unverified_issuer(token: str) -> Any:
    """The ``iss`` a token claims, read only to choose which trust checks it."""
    try:
        return jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.InvalidTokenError:
        return None


class Authenticator:
    def __init__(self, settings: ServiceSettings) -> None:
        s = settings
        self.issuer = s.auth_issuer
        self.audience = s.auth_audience
        self.algorithms = list(s.auth_algorithms)
        self.leeway = s.auth_leeway_s
        self.user_claim = s.auth_user_claim
        self.roles_claim = s.auth_roles_claim
        self.centres_claim = s.auth_centres_claim
        self.keys: StaticKeys | RemoteKeys | Unconfigured
        if s.auth_jwks_url:
            self.keys = RemoteKeys(
                s.auth_jwks_url, cache_s=s.auth_jwks_cache_s, cooldown_s=s.auth_jwks_cooldown_s
            )
        elif s.auth_public_key_file:
            self.keys = StaticKeys.from_file(s.auth_public_key_file)
        else:
            log.error("auth_not_configured", hint="set AUTH_JWKS_URL or AUTH_PUBLIC_KEY_FILE")
            self.keys = Unconfigured()
        # make run's second issuer: the machine's own key (homeward token mint, make demo)
        # beside Keycloak. A token naming it is checked against that key only, and its roles
        # read where Signer writes them; a token naming any other issuer never meets the key.
        self.local: StaticKeys | None = None
        if s.auth_local_public_key_file and s.auth_issuer != LOCAL_ISSUER:
            self.local = StaticKeys.from_file(s.auth_local_public_key_file)

    async def authenticate(self, token: str) -> Principal:
        header = _unverified_header(token)
        if header.get("alg") not in self.algorithms:
            raise AuthError("the token is signed with an algorithm this service does not accept")
        issuer, keys, roles_claim = self.issuer, self.keys, self.roles_claim
        if self.local is not None and _unverified_issuer(token) == LOCAL_ISSUER:
            issuer, keys, roles_claim = LOCAL_ISSUER, self.local, "roles"
        key = await keys.key_for(header.get("kid"))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=self.algorithms,
                audience=self.audience,
                issuer=issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("the token has expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise AuthError("the token is not meant for this service (audience)") from exc
        except jwt.InvalidIssuerError as exc:
            raise AuthError("the token comes from an issuer this service does not trust") from exc
        except jwt.ImmatureSignatureError as exc:
            raise AuthError("the token is not valid yet") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(f"the token lacks the {exc.claim} claim") from exc
        except jwt.InvalidSignatureError as exc:
            raise AuthError("the token's signature does not verify") from exc
        except jwt.InvalidTokenError as exc:
            raise AuthError("the token is not valid") from exc
        user = claim_at(claims, self.user_claim)
        if not isinstance(user, str) or not user:
            raise AuthError(f"the token names no user ({self.user_claim})")
        return Principal(
            user_id=user,
            roles=_strings(claim_at(claims, roles_claim)),
            centres=_strings(claim_at(claims, self.centres_claim)),
        )


class FailureLimiter:
    """Failed authentications per client, in a moving window (``limits``: the same library
    slowapi and Flask-Limiter use; its storages include Redis, so replicas behind one load
    balancer can share the count by setting ``RATE_LIMIT_STORAGE``). The login itself is at
    the identity provider, which limits password guessing; here the limit stops a client
    from probing tokens, or from making the service verify signatures, without end."""

    def __init__(self, limit: str, storage_uri: str) -> None:
        self.item = limits.parse(limit)
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))

    async def failed(self, client: str) -> int | None:
        """Count one failure. None while the client is within its limit, else the seconds
        after which it may try again."""
        if await self.limiter.hit(self.item, "auth-failures", client):
            return None
        stats = await self.limiter.get_window_stats(self.item, "auth-failures", client)
        return max(1, math.ceil(stats.reset_time - time.time()))


# -- minting tokens (local runs and tests; production tokens come from the provider) ---------


def _repo_root() -> Path:
    here = Path(__file__).resolve()
    root = here.parents[3]  # shared/src/homeward_shared/auth.py
    return root if (root / "shared").is_dir() and (root / "services").is_dir() else Path.cwd()


LOCAL_AUTH_DIR = _repo_root() / ".local" / "auth"
PRIVATE_KEY = "token-signing-key.pem"
PUBLIC_KEY = "token-signing-key.pub.pem"


def keygen(directory: Path = LOCAL_AUTH_DIR) -> tuple[Path, Path]:
    """An ES256 key pair for minting local tokens, made once: a second call keeps the keys
    (tokens minted before stay valid). The private key is readable by its owner only."""
    directory.mkdir(parents=True, exist_ok=True)
    private, public = directory / PRIVATE_KEY, directory / PUBLIC_KEY
    if private.exists() and public.exists():
        return private, public
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = directory / f".{PRIVATE_KEY}.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    pub = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    tmp_pub = directory / f".{PUBLIC_KEY}.{os.getpid()}"
    tmp_pub.write_bytes(pub)
    # Renames are atomic: two processes running keygen at once leave one whole pair.
    os.replace(tmp, private)
    os.replace(tmp_pub, public)
    return private, public


class Signer:
    """Mints tokens shaped like the identity provider's, with a local private key."""

    def __init__(
        self, private_key: Any, *, issuer: str = LOCAL_ISSUER, audience: str = LOCAL_AUDIENCE
    ) -> None:
        self._key = private_key
        self.issuer = issuer
        self.audience = audience
        self.kid = key_id(private_key.public_key())
        self.algorithm = "ES256" if isinstance(private_key, ec.EllipticCurvePrivateKey) else "RS256"

    @classmethod
    def from_file(cls, path: Path, **kw: Any) -> Signer:
        return cls(serialization.load_pem_private_key(path.read_bytes(), password=None), **kw)

    @classmethod
    def local(cls, directory: Path = LOCAL_AUTH_DIR, **kw: Any) -> Signer:
        private, _ = keygen(directory)
        return cls.from_file(private, **kw)

    def mint(
        self,
        user: str,
        roles: Iterable[str],
        *,
        centres: Iterable[str] = (),
        ttl: timedelta = timedelta(hours=1),
        **claims: Any,
    ) -> str:
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": user,
            "iat": now,
            "nbf": now,
            "exp": now + int(ttl.total_seconds()),
            "jti": str(uuid.uuid4()),
            "roles": sorted(set(roles)),
        }
        centres = sorted(set(centres))
        if centres:
            body["centres"] = centres
        body.update(claims)
        return jwt.encode(body, self._key, algorithm=self.algorithm, headers={"kid": self.kid})
