"""The real Keycloak of local runs and tests (``deploy/local/keycloak.sh``), and a login at it
the way a person's browser does: the authorization-code flow with PKCE through Keycloak's own
login form, driven with httpx. Tests use it to get real access tokens for the local users
of ``deploy/keycloak/homeward-realm.json``."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from pydantic_settings import BaseSettings, SettingsConfigDict

# Every local user's password; the realm file is for local runs only.
LOCAL_PASSWORD = "homeward"  # noqa: S105
WEB_CLIENT = "homeward-web"
WEB_REDIRECT = "http://127.0.0.1:8000/auth/callback"


class KeycloakSettings(BaseSettings):
    """Where the realm answers; the same names ``make run`` gives the services."""

    model_config = SettingsConfigDict(extra="ignore")

    keycloak_url: str = "http://127.0.0.1:8080"
    keycloak_realm: str = "homeward"
    web_oidc_client_secret: str = "homeward-web-local-secret"  # noqa: S105 (local realm)
    # Set by `make test`: Keycloak must answer there (a skip would hide a broken start).
    homeward_require_keycloak: bool = False


@dataclass(frozen=True)
class Keycloak:
    url: str
    realm: str
    web_client_secret: str

    @property
    def issuer(self) -> str:
        return f"{self.url}/realms/{self.realm}"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/certs"

    def service_settings(self) -> dict[str, Any]:
        """Settings overrides that make a service trust this realm's tokens and only them."""
        return {
            "auth_issuer": self.issuer,
            "auth_jwks_url": self.jwks_url,
            "auth_public_key_file": None,
            "auth_roles_claim": "realm_access.roles",
        }

    def answers(self) -> bool:
        try:
            r = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=3)
        except httpx.HTTPError:
            return False
        return r.status_code == 200 and r.json().get("issuer") == self.issuer

    async def login(
        self,
        username: str,
        password: str = LOCAL_PASSWORD,
        *,
        client_id: str = WEB_CLIENT,
        client_secret: str | None = None,
        redirect_uri: str = WEB_REDIRECT,
    ) -> dict[str, Any]:
        """The token response for a user who logs in through the login form; a public
        client (``client_secret=""``) authenticates with the PKCE verifier alone."""
        secret = self.web_client_secret if client_secret is None else client_secret
        verifier = secrets.token_urlsafe(48)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        oidc = f"{self.issuer}/protocol/openid-connect"
        async with httpx.AsyncClient(timeout=15) as c:
            form = await c.get(
                f"{oidc}/auth",
                params={
                    "client_id": client_id,
                    "response_type": "code",
                    "scope": "openid",
                    "redirect_uri": redirect_uri,
                    "state": state,
                    "nonce": nonce,
                    "code_challenge": challenge,
                    "code_challenge_method": "S256",
                },
            )
            if form.status_code != 200:
                raise LoginFailed(f"the authorize endpoint answered {form.status_code}")
            action = re.search(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', form.text)
            if action is None:
                raise LoginFailed("no login form in Keycloak's page")
            # Keycloak marks its login cookies Secure; a browser sends them to http://127.0.0.1
            # (a secure context), httpx's cookie jar does not, so they go back by hand.
            cookies = "; ".join(f"{k}={v}" for k, v in form.cookies.items())
            posted = await c.post(
                html.unescape(action.group(1)),
                data={"username": username, "password": password, "credentialId": ""},
                headers={"Cookie": cookies},
            )
            # Success is a redirect to the client's redirect URI with the code; a wrong
            # password is the form again (200).
            location = posted.headers.get("location", "")
            if posted.status_code != 302 or not location.startswith(redirect_uri):
                raise LoginFailed(f"the login was not accepted ({posted.status_code})")
            query = parse_qs(urlsplit(location).query)
            if query.get("state") != [state]:
                raise LoginFailed("the redirect carried another state")
            data = {
                "grant_type": "authorization_code",
                "code": query["code"][0],
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
                "client_id": client_id,
            }
            auth = (client_id, secret) if secret else None
            token = await c.post(f"{oidc}/token", data=data, auth=auth)
            if token.status_code != 200:
                raise LoginFailed(f"the token endpoint answered {token.status_code}")
            return token.json()

    async def access_token(self, username: str, **kw: Any) -> str:
        return (await self.login(username, **kw))["access_token"]


class LoginFailed(AssertionError):
    pass


def local_keycloak() -> Keycloak:
    s = KeycloakSettings()
    return Keycloak(s.keycloak_url.rstrip("/"), s.keycloak_realm, s.web_oidc_client_secret)
