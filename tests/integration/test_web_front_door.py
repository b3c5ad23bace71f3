"""The web service in front of a real service: a person logged in at the (in-test) identity
provider reaches the dashboard through /api with her own token, the service still decides
what her role may do, and the legal inbox hears of a referral live, relayed from the
dashboard's feed over the real broker."""

import asyncio
import json
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from homeward_dashboard.bootstrap import bootstrap as dashboard_app
from homeward_dashboard.settings import DashboardSettings
from homeward_shared.stages import Stage
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.plugin import running, settings_for

from services.web.tests.harness import LEGAL, MANAGER, on_a_port, web_running
from services.web.tests.oidc_provider import ISSUER, Provider
from tests.integration.dashboard import empty_read_model
from tests.integration.serving import serving
from tests.integration.test_dashboard import counts, publisher, stage_event

pytestmark = pytest.mark.integration


def trusting(provider: Provider, tmp_path) -> dict[str, object]:
    """A service's settings that accept the provider's tokens, as they will Keycloak's."""
    key = tmp_path / "provider.pub.pem"
    key.write_bytes(provider.public_pem)
    return {
        "auth_issuer": ISSUER,
        "auth_public_key_file": key,
        "auth_roles_claim": "realm_access.roles",
    }


async def test_a_manager_reads_the_dashboard_through_the_web_and_legal_is_refused(
    database, topics, tmp_path
):
    provider = Provider()
    dashboard = dashboard_app(
        settings_for(DashboardSettings, database, topics, **trusting(provider, tmp_path))
    )
    async with running(dashboard), serving(dashboard) as dashboard_url:
        async with web_running(
            database, provider=provider, web_service_urls={"dashboard": dashboard_url}
        ) as h:
            h.web.client = httpx.AsyncClient()
            manager, legal = h.browser(), h.browser()
            await manager.login(MANAGER, provider)
            await legal.login(LEGAL, provider)
            r = await manager.get("/api/dashboard/live")
            assert r.status_code == 200, r.text
            assert set(r.json()) >= {"as_of", "by_stage", "threshold"}
            assert r.headers["cache-control"] == "no-store"
            refused = await legal.get("/api/dashboard/live")
            assert refused.status_code == 403  # the service decides, not the web


async def test_the_legal_inbox_hears_of_a_referral_live(database, topics, tmp_path):
    provider = Provider()
    dashboard = dashboard_app(
        settings_for(DashboardSettings, database, topics, **trusting(provider, tmp_path))
    )
    seen: list[tuple[str, dict]] = []

    async def follow(base: str, cookie: str) -> None:
        async with (
            httpx.AsyncClient(base_url=base, timeout=30) as http,
            http.stream("GET", "/api/live", headers={"cookie": cookie}) as r,
        ):
            name = None
            async for line in r.aiter_lines():
                if line.startswith("event:"):
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    seen.append((name, json.loads(line.split(":", 1)[1])))

    async with (
        running(dashboard),
        serving(dashboard) as dashboard_url,
        publisher(database.infra.kafka_bootstrap_servers) as send,
        web_running(
            database, provider=provider, web_service_urls={"dashboard": dashboard_url}
        ) as h,
    ):
        h.web.client = httpx.AsyncClient()
        await empty_read_model(dashboard)
        async with on_a_port(h.web.app) as web_url:
            legal = h.browser()
            await legal.login(LEGAL, provider)
            following = asyncio.create_task(
                follow(web_url, f"homeward_session={legal.cookies['homeward_session']}")
            )
            try:
                await wait_until(lambda: ("ready", {}) in seen, what="the feed listens")
                admitted, referred = uuid.uuid4(), uuid.uuid4()
                now = datetime.now(UTC)
                # A move legal workers do not follow, taken in by the dashboard first ...
                env = stage_event(admitted, Stage.ADMITTED, now, centre="SR")
                await send(topics.stage_changed, admitted, env.model_dump_json().encode())
                await wait_until(
                    lambda: _equal(counts(dashboard), {"admitted": 1}), what="admitted counted"
                )
                # ... then the referral, which they do.
                env = stage_event(referred, Stage.REFERRED_TO_LEGAL, now)
                await send(topics.stage_changed, referred, env.model_dump_json().encode())
                await wait_until(
                    lambda: [e for n, e in seen if n == "stage"], what="the referral is pushed"
                )
            finally:
                following.cancel()
                await asyncio.gather(following, return_exceptions=True)
    [pushed] = [e for n, e in seen if n == "stage"]
    assert pushed["stage"] == "referred_to_legal"
    assert set(pushed) == {"stage", "occurred_at"}
    assert str(referred) not in json.dumps(seen) and str(admitted) not in json.dumps(seen)


async def _equal(current, expected) -> bool:
    return await current == expected
