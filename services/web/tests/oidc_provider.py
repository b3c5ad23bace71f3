"""A small OpenID provider for the web service's tests, shaped like Keycloak's realm: discovery,
JWKS, authorize (code + PKCE S256), token (code and refresh grants, client secret), end
session. It signs with a key of its own (RS256, as Keycloak does) and puts realm roles in
``realm_access.roles`` and centres in ``centres``. Served in-process (httpx's ASGI transport)
or on a loopback port; nothing here is Homeward's code under test."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

ISSUER = "http://op.test/realms/homeward"
CLIENT_ID = "homeward-web"
CLIENT_SECRET = "test-client-secret"  # noqa: S105 - a test provider's


@dataclass
class User:
    sub: str
    username: str
    roles: tuple[str, ...]
    centres: tuple[str, ...] = ()


@dataclass
class Provider:
    issuer: str = ISSUER
    redirect_uris: tuple[str, ...] = (
        "http://127.0.0.1:8000/auth/callback",
        "http://localhost:8000/auth/callback",
    )
    access_ttl_s: int = 300
    key: Any = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    kid: str = "test-key-1"
    next_user: User | None = None
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    refresh_tokens: dict[str, User] = field(default_factory=dict)
    issued_access_tokens: list[str] = field(default_factory=list)
    issued_other_tokens: list[str] = field(default_factory=list)  # id and refresh tokens
    refreshes: int = 0
    refuse_refresh: bool = False
    ended_sessions: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def public_pem(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def jwks(self) -> dict[str, Any]:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def access_token(self, user: User) -> str:
        now = int(time.time())
        token = self._sign(
            {
                "iss": self.issuer,
                "aud": "homeward",
                "azp": CLIENT_ID,
                "sub": user.sub,
                "iat": now,
                "exp": now + self.access_ttl_s,
                "jti": str(uuid.uuid4()),
                "preferred_username": user.username,
                "realm_access": {"roles": list(user.roles)},
                **({"centres": list(user.centres)} if user.centres else {}),
            }
        )
        self.issued_access_tokens.append(token)
        return token

    def _tokens(self, user: User, nonce: str | None) -> dict[str, Any]:
        now = int(time.time())
        access = self.access_token(user)
        refresh = secrets.token_urlsafe(24)
        self.refresh_tokens[refresh] = user
        body: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.access_ttl_s,
            "refresh_token": refresh,
            "refresh_expires_in": 1800,
        }
        id_claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": user.sub,
            "iat": now,
            "exp": now + self.access_ttl_s,
            "preferred_username": user.username,
        }
        if nonce is not None:
            id_claims["nonce"] = nonce
        body["id_token"] = self._sign(id_claims)
        self.issued_other_tokens += [refresh, body["id_token"]]
        return body

    # -- endpoints -------------------------------------------------------------------------

    async def discovery(self, _: Request) -> Response:
        base = self.issuer + "/protocol/openid-connect"
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": base + "/auth",
                "token_endpoint": base + "/token",
                "jwks_uri": base + "/certs",
                "end_session_endpoint": base + "/logout",
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def certs(self, _: Request) -> Response:
        return JSONResponse(self.jwks())

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        if (
            q.get("client_id") != CLIENT_ID
            or q.get("response_type") != "code"
            or q.get("redirect_uri") not in self.redirect_uris
            or q.get("code_challenge_method") != "S256"
            or not q.get("code_challenge")
            or "openid" not in (q.get("scope") or "").split()
            or not q.get("state")
        ):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        assert self.next_user is not None, "the test names who logs in (next_user)"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "user": self.next_user,
            "challenge": q["code_challenge"],
            "redirect_uri": q["redirect_uri"],
            "nonce": q.get("nonce"),
        }
        query = urlencode({"code": code, "state": q["state"]})
        return RedirectResponse(f"{q['redirect_uri']}?{query}", status_code=302)

    def _client_ok(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return False
        given = base64.b64decode(header[6:]).decode()
        return given == f"{CLIENT_ID}:{CLIENT_SECRET}"

    async def token(self, request: Request) -> Response:
        if not self._client_ok(request):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        form = dict(parse_qsl((await request.body()).decode()))
        self.token_requests.append({k: str(v) for k, v in form.items()})
        if form.get("grant_type") == "authorization_code":
            grant = self.codes.pop(str(form.get("code")), None)
            verifier = str(form.get("code_verifier", ""))
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            if (
                grant is None
                or grant["redirect_uri"] != form.get("redirect_uri")
                or challenge != grant["challenge"]
            ):
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            return JSONResponse(self._tokens(grant["user"], grant["nonce"]))
        if form.get("grant_type") == "refresh_token":
            user = self.refresh_tokens.pop(str(form.get("refresh_token")), None)
            if user is None or self.refuse_refresh:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            self.refreshes += 1
            return JSONResponse(self._tokens(user, None))  # rotates the refresh token
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)

    async def logout(self, request: Request) -> Response:
        self.ended_sessions.append(dict(request.query_params))
        return Response("logged out")

    def app(self) -> Starlette:
        base = "/realms/homeward"
        oidc = base + "/protocol/openid-connect"
        return Starlette(
            routes=[
                Route(base + "/.well-known/openid-configuration", self.discovery),
                Route(oidc + "/certs", self.certs),
                Route(oidc + "/auth", self.authorize),
                Route(oidc + "/token", self.token, methods=["POST"]),
                Route(oidc + "/logout", self.logout),
            ]
        )
