"""Wiring tier: numbers a caller sends are bounded where they meet the database. A cursor
past PostgreSQL's bigint was passed on and failed there (500); it is a 422 that does not
repeat the number, on the kernel's audit route that every service mounts."""

import json
from pathlib import Path

import httpx
import pytest
from homeward_shared import auth
from homeward_shared.runtime import build_service
from homeward_shared.settings import ServiceSettings
from homeward_shared.uow import PostgresUnitOfWork

NOWHERE = "postgresql://nobody:nothing@127.0.0.1:1/none"
ISSUER = "https://id.example.test/realms/homeward"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "openapi"


@pytest.mark.parametrize("after", ["9223372036854775808", "9" * 40, "-1"])
async def test_an_audit_cursor_out_of_bigint_range_is_422_without_echo(tmp_path, after):
    private, public = auth.keygen(tmp_path / "keys")
    app = build_service(
        ServiceSettings(
            service_name="bounds",
            db_schema="bounds",
            database_url=NOWHERE,
            auth_public_key_file=public,
            auth_issuer=ISSUER,
        ),
        uow_class=PostgresUnitOfWork,
        translate=lambda event, topics: [],
        migrations=Path("."),
        routers=[],
        policy={},
        title="bounds test",
    ).app
    token = auth.Signer.from_file(private, issuer=ISSUER).mint("u-aud", ["auditor"])
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.get(
            "/audit", params={"after": after}, headers={"Authorization": f"Bearer {token}"}
        )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["query", "after"]
    assert after not in r.text


@pytest.mark.parametrize("document", sorted(DOCS.glob("*.json")), ids=lambda p: p.stem)
def test_every_service_documents_the_bound(document):
    spec = json.loads(document.read_text())
    [after] = [p for p in spec["paths"]["/audit"]["get"]["parameters"] if p["name"] == "after"]
    assert after["schema"]["maximum"] == 2**63 - 1
