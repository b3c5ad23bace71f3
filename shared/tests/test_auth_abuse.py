"""Wiring tier: what an attacker sends before she holds a token. A hostile token is a 401
that the failure limiter counts and one log line, never a 500; forged X-Forwarded-For
headers do not spread one client's failures over made-up addresses. The app is the kernel's
(no broker or database started), served through the ASGI stack uvicorn would build for it
(``serve.uvicorn_options``), proxy middleware included when the settings ask for one."""

import base64
import json
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import APIRouter
from homeward_shared import auth
from homeward_shared.runtime import ActorDep, build_service
from homeward_shared.serve import uvicorn_options
from homeward_shared.settings import ServiceSettings
from homeward_shared.uow import PostgresUnitOfWork

NOWHERE = "postgresql://nobody:nothing@127.0.0.1:1/none"

router = APIRouter()


@router.get("/legal")
async def legal_only(actor: ActorDep) -> dict:
    return {"role": actor.role}


def settings_with(public: Path, **values) -> ServiceSettings:
    return ServiceSettings(
        service_name="abusetest",
        db_schema="abusetest",
        database_url=NOWHERE,
        auth_public_key_file=public,
        **values,
    )


def served(settings: ServiceSettings):
    """The ASGI app as uvicorn serves it with the service's options (not started)."""
    app = build_service(
        settings,
        uow_class=PostgresUnitOfWork,
        translate=lambda event, topics: [],
        migrations=Path("."),
        routers=[router],
        policy={"GET /legal": {"legal"}},
        title="abuse test",
    ).app
    options = {k: v for k, v in uvicorn_options(settings).items() if k != "loop"}
    config = uvicorn.Config(app, log_config=None, **options)
    config.load()
    return config.loaded_app


def client(app, peer: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app, client=(peer, 40_000))
    return httpx.AsyncClient(transport=transport, base_url="http://t")


@pytest.fixture
def public(tmp_path) -> Path:
    _, public = auth.keygen(tmp_path / "keys")
    return public


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


HOSTILE = {
    # 3,000 nested arrays: the JSON parser recursed past Python's limit (RecursionError, 500).
    "nested arrays": b64(b"[" * 3000 + b"]" * 3000) + ".x.y",
    # Nested below the size bound, still past the recursion limit.
    "nested within the size bound": b64(b"[" * 1500 + b"]" * 1500) + ".x.y",
    "nested objects": b64(b'{"a":' * 1200 + b"1" + b"}" * 1200) + ".x.y",
    "huge header": b64(json.dumps({"alg": "ES256", "pad": "x" * 50_000}).encode()) + ".x.y",
    "header is a list": b64(b'["ES256"]') + ".x.y",
    "not base64": "@@@@.x.y",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
async def test_a_hostile_token_is_a_counted_401_and_one_log_line(public, case, capfd):
    app = served(settings_with(public, auth_failure_limit="2/minute"))
    headers = {"Authorization": f"Bearer {HOSTILE[case]}"}
    capfd.readouterr()
    async with client(app) as c:
        first = await c.get("/legal", headers=headers)
        logged = capfd.readouterr().err.strip().splitlines()
        second = await c.get("/legal", headers=headers)
        third = await c.get("/legal", headers=headers)
    assert first.status_code == 401, first.text
    assert first.json()["detail"] == "the token is not a well-formed JWT"
    assert HOSTILE[case][:20] not in first.text
    assert second.status_code == 401 and third.status_code == 429
    # One refusal line (besides the request's access line), each a JSON record: no traceback.
    records = [json.loads(line) for line in logged]
    assert [r["event"] for r in records] == ["authentication_refused", "http_request"], logged
    assert "RecursionError" not in "".join(logged)


async def test_forwarded_for_is_ignored_unless_the_peer_is_a_configured_proxy(public):
    app = served(settings_with(public, auth_failure_limit="3/minute"))
    async with client(app) as c:
        codes = [
            (
                await c.get(
                    "/legal",
                    headers={"Authorization": "Bearer x.y.z", "X-Forwarded-For": f"198.51.100.{i}"},
                )
            ).status_code
            for i in range(40)
        ]
    # The loopback peer forging 40 addresses is one client: limited after three failures.
    assert codes[:3] == [401, 401, 401] and set(codes[3:]) == {429}


async def test_a_configured_proxy_is_believed_and_no_other_peer_is(public):
    app = served(
        settings_with(public, auth_failure_limit="3/minute", forwarded_allow_ips="10.0.0.5")
    )

    async def failures(peer: str, forwarded: str) -> int:
        async with client(app, peer) as c:
            r = await c.get(
                "/legal", headers={"Authorization": "Bearer x.y.z", "X-Forwarded-For": forwarded}
            )
        return r.status_code

    # Through the proxy, each real client has her own count.
    assert [await failures("10.0.0.5", f"203.0.113.{i}") for i in range(10)] == [401] * 10
    # Any other peer's header is not believed: its failures count against the peer itself.
    stranger = [await failures("10.0.0.9", f"192.0.2.{i}") for i in range(5)]
    assert stranger == [401, 401, 401, 429, 429]


def test_no_forwarded_header_is_trusted_by_default():
    options = uvicorn_options(
        ServiceSettings(service_name="s", db_schema="s", database_url=NOWHERE)
    )
    assert options["proxy_headers"] is False and options["forwarded_allow_ips"] == []
