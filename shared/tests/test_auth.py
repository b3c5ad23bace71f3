"""Wiring tier: bearer tokens, roles, centres, the failure limit and the body limit, on a
small app built by the kernel (no broker or database started). The identity provider's
JWKS endpoint is a loopback HTTP server of the test's own."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import APIRouter
from homeward_shared import auth
from homeward_shared.runtime import ActorDep, build_service
from homeward_shared.settings import ServiceSettings
from homeward_shared.uow import PostgresUnitOfWork
from typer.testing import CliRunner

NOWHERE = "postgresql://nobody:nothing@127.0.0.1:1/none"
ISSUER = "https://id.example.test/realms/homeward"

router = APIRouter()


@router.get("/whoami")
async def whoami(actor: ActorDep) -> dict:
    return {
        "id": actor.id,
        "role": actor.role,
        "roles": sorted(actor.roles),
        "centres": sorted(actor.centres),
    }


@router.get("/legal")
async def legal_only(actor: ActorDep) -> dict:
    return {"role": actor.role}


@router.post("/echo")
async def echo(body: dict, actor: ActorDep) -> dict:
    return {"keys": len(body)}


POLICY = {
    "GET /whoami": {"investigator", "legal", "centre_staff"},
    "GET /legal": {"legal"},
    "POST /echo": {"intake"},
}


def app_with(**settings):
    values = {
        "service_name": "authtest",
        "db_schema": "authtest",
        "database_url": NOWHERE,
        "auth_issuer": ISSUER,
        "auth_jwks_url": None,
        "auth_public_key_file": None,
    }
    values.update(settings)
    return build_service(
        ServiceSettings(**values),
        uow_class=PostgresUnitOfWork,
        translate=lambda event, topics: [],
        migrations=Path("."),
        routers=[router],
        policy=POLICY,
        title="auth test",
    ).app


@pytest.fixture
def keys(tmp_path):
    private, public = auth.keygen(tmp_path / "keys")
    return auth.Signer.from_file(private, issuer=ISSUER), public


def client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_valid_token_names_the_user_her_roles_and_centres(keys):
    signer, public = keys
    app = app_with(auth_public_key_file=public)
    token = signer.mint("u-7", ["centre_staff", "offline_access"], centres=["TD", "SR"])
    async with client(app) as c:
        r = await c.get("/whoami", headers=bearer(token))
    assert r.status_code == 200
    # Roles the provider adds that Homeward does not know (offline_access) are dropped.
    assert r.json() == {
        "id": "u-7",
        "role": "centre_staff",
        "roles": ["centre_staff"],
        "centres": ["SR", "TD"],
    }


async def test_the_role_that_authorised_the_call_is_the_one_the_route_allows(keys):
    signer, public = keys
    app = app_with(auth_public_key_file=public)
    token = signer.mint("u-8", ["legal", "investigator"])
    async with client(app) as c:
        both = (await c.get("/whoami", headers=bearer(token))).json()
        legal = (await c.get("/legal", headers=bearer(token))).json()
    assert both["role"] == "investigator"  # the first of hers in ROLES' order
    assert legal["role"] == "legal"


async def test_keycloak_realm_roles_are_read_from_the_configured_claim_path(keys):
    signer, public = keys
    app = app_with(auth_public_key_file=public, auth_roles_claim="realm_access.roles")
    token = signer.mint("u-9", [], realm_access={"roles": ["legal", "default-roles-homeward"]})
    async with client(app) as c:
        r = await c.get("/legal", headers=bearer(token))
    assert r.status_code == 200 and r.json() == {"role": "legal"}


async def test_make_runs_second_issuer_is_the_local_key_and_only_for_its_own_tokens(tmp_path):
    # Keycloak's stand-in (realm roles) and the machine's local key, as make run sets them.
    kc_private, kc_public = auth.keygen(tmp_path / "provider")
    local_private, local_public = auth.keygen(tmp_path / "local")
    keycloak = auth.Signer.from_file(kc_private, issuer=ISSUER)
    local = auth.Signer.from_file(local_private, issuer=auth.LOCAL_ISSUER)
    settings = {"auth_public_key_file": kc_public, "auth_roles_claim": "realm_access.roles"}
    both = app_with(**settings, auth_local_public_key_file=local_public)
    provider_only = app_with(**settings)
    minted = local.mint("u-demo", ["legal"])
    from_keycloak = keycloak.mint("u-kc", [], realm_access={"roles": ["legal"]})
    # The local key signing a token that claims Keycloak's issuer, and the reverse.
    local_posing = auth.Signer.from_file(local_private, issuer=ISSUER).mint(
        "u-x", [], realm_access={"roles": ["legal"]}
    )
    keycloak_posing = auth.Signer.from_file(kc_private, issuer=auth.LOCAL_ISSUER).mint(
        "u-y", ["legal"]
    )
    async with client(both) as c:
        assert (await c.get("/legal", headers=bearer(minted))).status_code == 200
        assert (await c.get("/legal", headers=bearer(from_keycloak))).status_code == 200
        assert (await c.get("/legal", headers=bearer(local_posing))).status_code == 401
        assert (await c.get("/legal", headers=bearer(keycloak_posing))).status_code == 401
    async with client(provider_only) as c:
        assert (await c.get("/legal", headers=bearer(minted))).status_code == 401
        assert (await c.get("/legal", headers=bearer(from_keycloak))).status_code == 200


def _other_key_token(signer: auth.Signer) -> str:
    stranger = auth.Signer(ec.generate_private_key(ec.SECP256R1()), issuer=ISSUER)
    return stranger.mint("u-1", ["legal"])


def _none_alg_token(signer: auth.Signer) -> str:
    claims = jwt.decode(signer.mint("u-1", ["legal"]), options={"verify_signature": False})
    return jwt.encode(claims, None, algorithm="none")


def _hs256_with_the_public_key(signer: auth.Signer, public: Path) -> str:
    # Algorithm confusion: the public key used as an HMAC secret.
    claims = jwt.decode(signer.mint("u-1", ["legal"]), options={"verify_signature": False})
    header = json.dumps({"alg": "HS256", "typ": "JWT"}).encode()
    import base64
    import hashlib
    import hmac

    def b64(b: bytes) -> bytes:
        return base64.urlsafe_b64encode(b).rstrip(b"=")

    signing_input = b64(header) + b"." + b64(json.dumps(claims).encode())
    signature = hmac.new(public.read_bytes(), signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + b64(signature)).decode()


REFUSALS = {
    "no header": (lambda s, p: {}, "a bearer token is required"),
    "not bearer": (lambda s, p: {"Authorization": "Basic dTpw"}, "must be 'Bearer <token>'"),
    "garbage": (lambda s, p: bearer("not.a.jwt"), "not a well-formed JWT"),
    "expired": (
        lambda s, p: bearer(s.mint("u-1", ["legal"], ttl=timedelta(minutes=-5))),
        "has expired",
    ),
    "wrong audience": (
        lambda s, p: bearer(
            auth.Signer(s._key, issuer=ISSUER, audience="another-app").mint("u-1", ["legal"])
        ),
        "not meant for this service (audience)",
    ),
    "wrong issuer": (
        lambda s, p: bearer(auth.Signer(s._key, issuer="https://evil").mint("u-1", ["legal"])),
        "issuer this service does not trust",
    ),
    "another key": (lambda s, p: bearer(_other_key_token(s)), "signature does not verify"),
    "alg none": (lambda s, p: bearer(_none_alg_token(s)), "algorithm"),
    "hs256 confusion": (lambda s, p: bearer(_hs256_with_the_public_key(s, p)), "algorithm"),
    "no subject": (lambda s, p: bearer(s.mint("", ["legal"])), "names no user"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
async def test_a_missing_or_bad_token_is_401_with_the_reason(keys, case):
    signer, public = keys
    make_headers, reason = REFUSALS[case]
    app = app_with(auth_public_key_file=public)
    async with client(app) as c:
        r = await c.get("/legal", headers=make_headers(signer, public))
    assert r.status_code == 401, r.text
    assert reason in r.json()["detail"]
    challenge = r.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="homeward"')
    # RFC 6750: a request with no token gets the challenge without an error code.
    assert ("error=" in challenge) == (case != "no header")


async def test_a_token_within_the_clock_leeway_still_passes(keys):
    signer, public = keys
    app = app_with(auth_public_key_file=public, auth_leeway_s=30)
    token = signer.mint("u-1", ["legal"], ttl=timedelta(seconds=-5))
    async with client(app) as c:
        assert (await c.get("/legal", headers=bearer(token))).status_code == 200


async def test_a_role_the_route_does_not_name_or_centre_staff_without_a_centre_is_403(keys):
    signer, public = keys
    app = app_with(auth_public_key_file=public)
    async with client(app) as c:
        manager = await c.get("/whoami", headers=bearer(signer.mint("u-1", ["manager"])))
        no_role = await c.get("/whoami", headers=bearer(signer.mint("u-1", [])))
        homeless = await c.get("/whoami", headers=bearer(signer.mint("u-1", ["centre_staff"])))
    assert manager.status_code == no_role.status_code == homeless.status_code == 403
    assert "names none" in homeless.json()["detail"]


async def test_a_service_that_cannot_check_tokens_answers_503_not_401(keys):
    signer, _ = keys
    app = app_with()
    async with client(app) as c:
        r = await c.get("/legal", headers=bearer(signer.mint("u-1", ["legal"])))
    assert r.status_code == 503 and "not configured" in r.json()["detail"]


async def test_a_client_that_keeps_failing_gets_429_and_a_valid_token_still_passes(keys):
    signer, public = keys
    app = app_with(auth_public_key_file=public, auth_failure_limit="3/minute")
    async with client(app) as c:
        first = [(await c.get("/legal", headers=bearer("x.y.z"))).status_code for _ in range(3)]
        limited = await c.get("/legal", headers=bearer("x.y.z"))
        anonymous = await c.get("/legal")
        valid = await c.get("/legal", headers=bearer(signer.mint("u-1", ["legal"])))
    assert first == [401, 401, 401]
    assert limited.status_code == anonymous.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert valid.status_code == 200


async def test_request_bodies_over_the_limit_are_refused_with_413_and_the_limit(keys):
    signer, public = keys
    app = app_with(auth_public_key_file=public, http_max_body_bytes=2048)
    headers = {**bearer(signer.mint("u-1", ["intake"])), "content-type": "application/json"}
    big = json.dumps({f"k{i}": "x" * 50 for i in range(100)}).encode()

    async def streamed():
        yield big[:1000]
        yield big[1000:]

    async with client(app) as c:
        small = await c.post("/echo", headers=headers, json={"a": 1})
        declared = await c.post("/echo", headers=headers, content=big)
        chunked = await c.post("/echo", headers=headers, content=streamed())
    assert small.status_code == 200
    for r in (declared, chunked):
        assert r.status_code == 413
        assert (
            r.json()["detail"]
            == "the request body is larger than this service accepts (2048 bytes)"
        )


class JwksServer:
    """The identity provider's JWKS endpoint, on loopback; ``keys`` can change between
    calls (a rotation) and ``down`` makes it fail."""

    def __init__(self) -> None:
        self.keys: list[dict] = []
        self.down = False
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits += 1
                if outer.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                body = json.dumps({"keys": outer.keys}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/realms/homeward/certs"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def publish(self, *signers: auth.Signer) -> None:
        self.keys = []
        for s in signers:
            public = s._key.public_key()
            to_jwk = (
                jwt.algorithms.ECAlgorithm.to_jwk
                if isinstance(public, ec.EllipticCurvePublicKey)
                else jwt.algorithms.RSAAlgorithm.to_jwk
            )
            self.keys.append(
                {**json.loads(to_jwk(public)), "kid": s.kid, "use": "sig", "alg": s.algorithm}
            )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


async def test_keys_come_from_the_providers_jwks_and_a_rotation_is_picked_up():
    old = auth.Signer(rsa.generate_private_key(public_exponent=65537, key_size=2048), issuer=ISSUER)
    new = auth.Signer(ec.generate_private_key(ec.SECP256R1()), issuer=ISSUER)
    with JwksServer() as idp:
        idp.publish(old)
        app = app_with(auth_jwks_url=idp.url, auth_jwks_cooldown_s=0)
        async with client(app) as c:
            for _ in range(3):
                r = await c.get("/legal", headers=bearer(old.mint("u-1", ["legal"])))
                assert r.status_code == 200, r.text
            assert idp.hits == 1  # cached
            idp.publish(old, new)  # the provider rotates: a token names a key not seen yet
            r = await c.get("/legal", headers=bearer(new.mint("u-1", ["legal"])))
            assert r.status_code == 200, r.text
            assert idp.hits == 2
            stranger = auth.Signer(ec.generate_private_key(ec.SECP256R1()), issuer=ISSUER)
            r = await c.get("/legal", headers=bearer(stranger.mint("u-1", ["legal"])))
            assert r.status_code == 401 and "key this service does not know" in r.json()["detail"]


async def test_unknown_keys_do_not_make_the_service_hammer_the_provider():
    signer = auth.Signer(ec.generate_private_key(ec.SECP256R1()), issuer=ISSUER)
    with JwksServer() as idp:
        idp.publish(signer)
        app = app_with(auth_jwks_url=idp.url, auth_jwks_cooldown_s=60)
        async with client(app) as c:
            assert (
                await c.get("/legal", headers=bearer(signer.mint("u", ["legal"])))
            ).status_code == 200
            for _ in range(5):
                stranger = auth.Signer(ec.generate_private_key(ec.SECP256R1()), issuer=ISSUER)
                r = await c.get("/legal", headers=bearer(stranger.mint("u", ["legal"])))
                assert r.status_code == 401
        assert idp.hits == 1  # within the cooldown, an unknown kid fetches nothing


async def test_when_the_provider_is_down_known_keys_keep_working_and_unknown_ones_get_503():
    signer = auth.Signer(ec.generate_private_key(ec.SECP256R1()), issuer=ISSUER)
    with JwksServer() as idp:
        idp.publish(signer)
        app = app_with(auth_jwks_url=idp.url, auth_jwks_cache_s=0.001, auth_jwks_cooldown_s=0)
        async with client(app) as c:
            assert (
                await c.get("/legal", headers=bearer(signer.mint("u", ["legal"])))
            ).status_code == 200
            idp.down = True
            again = await c.get("/legal", headers=bearer(signer.mint("u", ["legal"])))
            other = auth.Signer(ec.generate_private_key(ec.SECP256R1()), issuer=ISSUER)
            unknown = await c.get("/legal", headers=bearer(other.mint("u", ["legal"])))
    assert again.status_code == 200
    assert unknown.status_code == 503


def test_keygen_is_idempotent_and_mint_signs_with_the_local_key(tmp_path):
    from homeward_shared.cli import app as cli

    runner = CliRunner()
    directory = tmp_path / "auth"
    first = runner.invoke(cli, ["token", "keygen", "--directory", str(directory)])
    key = (directory / auth.PRIVATE_KEY).read_bytes()
    second = runner.invoke(cli, ["token", "keygen", "--directory", str(directory)])
    assert first.exit_code == second.exit_code == 0
    assert (directory / auth.PRIVATE_KEY).read_bytes() == key
    assert (directory / auth.PRIVATE_KEY).stat().st_mode & 0o077 == 0
    minted = runner.invoke(
        cli,
        [
            "token",
            "mint",
            "--user",
            "u-5",
            "--role",
            "centre_staff",
            "--centre",
            "TD",
            "--centre",
            "KC",
            "--ttl",
            "600",
            "--directory",
            str(directory),
        ],
    )
    assert minted.exit_code == 0, minted.output
    claims = jwt.decode(
        minted.output.strip(),
        jwt.PyJWK.from_dict(
            json.loads(
                jwt.algorithms.ECAlgorithm.to_jwk(
                    auth.Signer.from_file(directory / auth.PRIVATE_KEY)._key.public_key()
                )
            )
        ),
        algorithms=["ES256"],
        audience=auth.LOCAL_AUDIENCE,
        issuer=auth.LOCAL_ISSUER,
    )
    assert claims["sub"] == "u-5" and claims["roles"] == ["centre_staff"]
    assert claims["centres"] == ["KC", "TD"] and claims["exp"] - claims["iat"] == 600
    wrong = runner.invoke(
        cli, ["token", "mint", "--user", "u", "--role", "wizard", "--directory", str(directory)]
    )
    assert wrong.exit_code != 0
