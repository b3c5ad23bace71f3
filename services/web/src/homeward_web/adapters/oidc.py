"""The identity provider, through authlib's OpenID Connect client.

authlib does the protocol: discovery from the issuer's ``.well-known/openid-configuration``,
the authorization URL with ``state``, ``nonce`` and a PKCE S256 challenge, the code exchange
(client authenticated with its secret), the refresh grant, the id token's validation (its
signature against the provider's JWKS, fetched again when a key is unknown; issuer, audience,
expiry, nonce, ``at_hash``) and the end-session URL. authlib keeps its login state in a
Starlette session cookie by default; here nothing of it goes to the browser: the caller
stores what ``begin`` returns server-side (``adapters.store``).

The access token is for the services, which check it; it is read here only for the same
claims they read (user, roles, centres), after its signature and issuer are checked with the
provider's keys, so what ``/auth/me`` says matches what the services will decide.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import jwt
from authlib.deprecate import AuthlibDeprecationWarning
from homeward_shared.auth import claim_at

from homeward_web.domain.sessions import Person, Tokens

with warnings.catch_warnings():
    # authlib 1.9 prefers the httpx2 fork and warns when it falls back to httpx, which the
    # rest of Homeward uses (tests route it to an in-process provider through its transport).
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
from homeward_web.settings import WebSettings


class LoginRefused(Exception):
    """The provider refused the code or the refresh token, or sent an id token that does not
    validate. ``reason`` is ours, never the provider's text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ProviderUnavailable(Exception):
    """The provider could not be reached, or answered with a server error."""


@dataclass(frozen=True)
class Begun:
    url: str
    state: str
    code_verifier: str
    nonce: str


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(sorted({v for v in value if isinstance(v, str) and v}))
    return ()


class Provider:
    def __init__(
        self,
        settings: WebSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        client_kwargs: dict[str, Any] = {
            "scope": settings.web_oidc_scope,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "timeout": settings.web_oidc_timeout_s,
        }
        if transport is not None:  # tests: an identity provider served in-process
            client_kwargs["transport"] = transport
        oauth = OAuth()
        oauth.register(
            "idp",
            client_id=settings.web_oidc_client_id,
            client_secret=settings.web_oidc_client_secret.get_secret_value(),
            server_metadata_url=settings.discovery_url,
            client_kwargs=client_kwargs,
        )
        self.client: StarletteOAuth2App = oauth.create_client("idp")

    async def _call(self, coro: Any) -> Any:
        try:
            return await coro
        except OAuthError as exc:
            raise LoginRefused("the identity provider refused the grant") from exc
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code >= 500:
                raise ProviderUnavailable() from exc
            raise LoginRefused("the identity provider refused the request") from exc
        except (httpx.TransportError, ValueError) as exc:
            # ValueError: a body that is not JSON (a proxy's error page, say).
            raise ProviderUnavailable() from exc

    async def metadata(self) -> dict[str, Any]:
        return await self._call(self.client.load_server_metadata())

    async def begin(self, redirect_uri: str) -> Begun:
        extra = {"prompt": "login"} if self.settings.web_oidc_prompt_login else {}
        rv = await self._call(self.client.create_authorization_url(redirect_uri, **extra))
        return Begun(rv["url"], rv["state"], rv["code_verifier"], rv["nonce"])

    async def exchange(
        self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str, now: datetime
    ) -> tuple[Tokens, Person]:
        token = await self._call(
            self.client.fetch_access_token(
                redirect_uri=redirect_uri, code=code, code_verifier=code_verifier
            )
        )
        if "id_token" not in token:
            raise LoginRefused("the identity provider sent no id token")
        try:
            id_claims = await self._call(self.client.parse_id_token(token, nonce=nonce))
        except LoginRefused:
            raise
        except Exception as exc:  # joserfc's errors: bad signature, claims, nonce
            raise LoginRefused("the id token does not validate") from exc
        return await self._tokens(token, now, id_token=token["id_token"], id_claims=id_claims)

    async def refresh(self, tokens: Tokens, now: datetime) -> tuple[Tokens, Person]:
        if not tokens.refresh_token:
            raise LoginRefused("the session holds no refresh token")
        token = await self._call(
            self.client.fetch_access_token(
                grant_type="refresh_token", refresh_token=tokens.refresh_token
            )
        )
        # A provider may rotate the refresh token (send a new one) or keep it (send none).
        return await self._tokens(
            {**token, "refresh_token": token.get("refresh_token") or tokens.refresh_token},
            now,
            id_token=token.get("id_token") or tokens.id_token,
            id_claims=None,
        )

    async def _tokens(
        self,
        token: dict[str, Any],
        now: datetime,
        *,
        id_token: str | None,
        id_claims: dict[str, Any] | None,
    ) -> tuple[Tokens, Person]:
        access = token.get("access_token")
        if not isinstance(access, str) or not access:
            raise LoginRefused("the identity provider sent no access token")
        claims = await self.access_claims(access)
        expires_in = token.get("expires_in")
        if isinstance(expires_in, int | float) and expires_in > 0:
            expires_at = now + timedelta(seconds=float(expires_in))
        else:
            expires_at = now + timedelta(seconds=max(0, int(claims["exp"]) - now.timestamp()))
        s = self.settings
        subject = claim_at(claims, s.auth_user_claim)
        if not isinstance(subject, str) or not subject:
            raise LoginRefused("the access token names no user")
        username = claims.get("preferred_username") or (id_claims or {}).get("preferred_username")
        person = Person(
            subject=subject,
            username=username if isinstance(username, str) else subject,
            roles=_strings(claim_at(claims, s.auth_roles_claim)),
            centres=_strings(claim_at(claims, s.auth_centres_claim)),
        )
        return (
            Tokens(
                access_token=access,
                access_expires_at=expires_at,
                refresh_token=token.get("refresh_token"),
                id_token=id_token,
            ),
            person,
        )

    async def access_claims(self, access_token: str) -> dict[str, Any]:
        """The access token's claims, its signature and issuer checked (PyJWT, as the
        services do); a key the cached set lacks makes one fresh fetch of the JWKS."""
        meta = await self.metadata()
        try:
            kid = jwt.get_unverified_header(access_token).get("kid")
        except jwt.InvalidTokenError as exc:
            raise LoginRefused("the access token is not a JWT") from exc
        keys = await self._call(self.client.fetch_jwk_set())
        key = _key(keys, kid)
        if key is None:
            keys = await self._call(self.client.fetch_jwk_set(force=True))
            key = _key(keys, kid)
        if key is None:
            raise LoginRefused("the access token is signed with an unknown key")
        try:
            return jwt.decode(
                access_token,
                key,
                algorithms=list(self.settings.auth_algorithms),
                issuer=meta.get("issuer", self.settings.web_oidc_issuer),
                audience=self.settings.auth_audience,
                leeway=self.settings.auth_leeway_s,
                options={"require": ["exp", "iss"]},
            )
        except jwt.InvalidTokenError as exc:
            raise LoginRefused("the access token does not validate") from exc

    async def logout_url(self, *, id_token: str | None, post_logout_redirect_uri: str) -> str:
        rv = await self._call(
            self.client.create_logout_url(
                post_logout_redirect_uri=post_logout_redirect_uri,
                id_token_hint=id_token,
                client_id=self.settings.web_oidc_client_id,
            )
        )
        return rv["url"]


def _key(jwks: dict[str, Any], kid: str | None) -> jwt.PyJWK | None:
    try:
        keys = jwt.PyJWKSet.from_dict(jwks).keys
    except jwt.PyJWKSetError:
        return None
    if kid is None and len(keys) == 1:
        return keys[0]
    return next((k for k in keys if k.key_id == kid), None)
