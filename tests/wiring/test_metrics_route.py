"""Wiring tier: every service serves Prometheus metrics on /metrics without a user, and a
request moves its route's latency histogram (by route template, never by id). No broker or
database is started here: the gauges that need them keep their last value."""

import httpx
import pytest
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.metrics import scrape

from tests.wiring.test_access_policy import SERVICES as NAMES
from tests.wiring.test_access_policy import make

SERVICES = {name: (lambda name=name: make(name)) for name in NAMES}
CASE = "00000000-0000-0000-0000-0000000000aa"


@pytest.mark.parametrize("name", sorted(SERVICES))
async def test_every_service_serves_its_metrics_without_a_user(name):
    app = SERVICES[name]().app
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        samples = await scrape(c)
    names = {n for n, _ in samples}
    for expected in (
        "homeward_outbox_backlog",
        "homeward_outbox_oldest_unpublished_age_seconds",
    ):
        assert expected in names, (name, expected)
    assert "/metrics" not in app.openapi()["paths"]  # not an API operation; see metrics.py


async def test_a_request_moves_its_route_latency_labelled_by_template():
    app = SERVICES["reintegration"]().app
    route = "/cases/{case_id}"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        before = await scrape(c)
        # Refused before the database is touched: a request all the same.
        r = await c.get(f"/cases/{CASE}", headers=as_user("u-1", "manager"))
        assert r.status_code == 403
        after = await scrape(c)
    count = "http_request_duration_seconds_count"
    assert after.value(count, handler=route, method="GET") == (
        before.value(count, handler=route, method="GET") + 1
    )
    assert after.value("http_requests_total", handler=route, status="4xx") == 1
    assert not any(CASE in str(labels) for _, labels in after)
