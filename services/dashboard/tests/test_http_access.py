"""Wiring tier: every dashboard route needs a user and the manager role; the page holds no
data. No broker or database is started here."""

import re

import httpx
from homeward_dashboard.bootstrap import bootstrap
from homeward_dashboard.settings import DashboardSettings
from homeward_shared.testing.auth import as_user

NOWHERE = "postgresql://nobody:nothing@127.0.0.1:1/none"


async def test_every_route_needs_a_user_and_the_manager_role():
    app = bootstrap(DashboardSettings(database_url=NOWHERE)).app
    paths = [p for p in app.openapi()["paths"] if p != "/health"]
    assert {"/live", "/live/late-hand-offs", "/live/stream"} <= set(paths)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        for path in paths:
            path = re.sub(r"\{[^}]+\}", "x", path)
            assert (await c.get(path)).status_code == 401, path
            r = await c.get(path, headers=as_user("u-1", "intake"))
            assert r.status_code == 403, path
        page = await c.get("/")
    assert page.status_code == 200 and "live/stream" in page.text


def test_hand_off_rules_are_configurable_from_the_environment(monkeypatch):
    monkeypatch.setenv(
        "LATE_HAND_OFFS", '[{"stage":"rescued","waiting_for":"admitted","within_hours":48}]'
    )
    [rule] = DashboardSettings(database_url=NOWHERE).hand_off_rules
    assert rule.stage == "rescued" and rule.within.total_seconds() == 48 * 3600
