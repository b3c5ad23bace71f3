"""Wiring tier: every service's routes refuse a call with no user (401) or the wrong role
(403) before anything touches the database. No broker or database is started here."""

import re

import httpx
import pytest
from homeward_intake.bootstrap import bootstrap as intake
from homeward_intake.settings import IntakeSettings
from homeward_investigation.bootstrap import bootstrap as investigation
from homeward_investigation.settings import InvestigationSettings
from homeward_recovery.bootstrap import bootstrap as recovery
from homeward_recovery.settings import RecoverySettings
from homeward_reintegration.bootstrap import bootstrap as reintegration
from homeward_reintegration.settings import ReintegrationSettings
from homeward_shared.testing.auth import as_user

NOWHERE = "postgresql://nobody:nothing@127.0.0.1:1/none"

APPS = {
    "intake": (lambda: intake(IntakeSettings(database_url=NOWHERE)), "intake"),
    "investigation": (
        lambda: investigation(InvestigationSettings(database_url=NOWHERE)),
        "investigator",
    ),
    "recovery": (lambda: recovery(RecoverySettings(database_url=NOWHERE)), "centre_staff"),
    "reintegration": (
        lambda: reintegration(ReintegrationSettings(database_url=NOWHERE)),
        "reintegration",
    ),
}


ANY_ID = "00000000-0000-0000-0000-000000000001"


def api_routes(app):
    """Every operation of the service's OpenAPI document but /health."""
    for path, operations in app.openapi()["paths"].items():
        if path == "/health":
            continue
        concrete = re.sub(r"\{[^}]+\}", ANY_ID, path)
        for method, op in operations.items():
            yield method.upper(), concrete, "figures" in op.get("tags", [])


@pytest.mark.parametrize("name", sorted(APPS))
async def test_every_route_needs_a_user_and_refuses_a_role_it_does_not_serve(name):
    make, _ = APPS[name]
    app = make().app
    routes = list(api_routes(app))
    assert routes, f"{name} has no API routes"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        for method, path, aggregates in routes:
            r = await c.request(method, path, json={})
            assert r.status_code == 401, (method, path, r.status_code)
            if aggregates:
                continue  # figures are what managers are for (aggregates only, DESIGN.md)
            r = await c.request(method, path, json={}, headers=as_user("u-1", "manager"))
            assert r.status_code == 403, (method, path, r.status_code)
