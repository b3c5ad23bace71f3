"""The forwarding proxy: what goes to a service, what comes back, CSRF, refresh and expiry,
and that no token ever reaches the browser."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from services.web.tests.harness import INVESTIGATOR, LEGAL, ORIGIN, sha, web_running

pytestmark = pytest.mark.integration

UNSAFE = ["POST", "PUT", "PATCH", "DELETE"]


async def test_a_call_goes_to_its_service_unchanged_with_the_bearer(database):
    async with web_running(database) as h:
        b = h.browser()
        await b.login(INVESTIGATOR, h.provider)
        body = json.dumps({"persons": [{"name": "Srey Neang"}]}).encode()
        r = await b.request(
            "POST",
            "/api/investigation/reports/a%2Fb/persons?x=1&y=%C3%A9&x=2",
            content=body,
            headers={
                "origin": ORIGIN,
                "content-type": "application/json",
                "accept-language": "km",
                "x-echo-status": "201",
            },
        )
        assert r.status_code == 201
        seen = r.json()
        assert seen["host"] == "127.0.0.1:8002"  # investigation is base + 2
        assert seen["method"] == "POST"
        assert seen["raw_path"] == "/reports/a%2Fb/persons"
        assert seen["query"] == "x=1&y=%C3%A9&x=2"
        assert seen["body"] == body.decode()
        assert seen["content_type"] == "application/json"
        access = h.provider.issued_access_tokens[-1]
        assert seen["authorization_sha256"] == sha(f"Bearer {access}")
        assert "cookie" not in seen["headers"]
        assert "accept-language" in seen["headers"]
        # What comes back: the service's answer, never cached, no cookie of its own.
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["x-upstream"] == "yes"
        assert "upstream=1" not in " ".join(r.headers.get_list("set-cookie"))


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
async def test_every_method_is_forwarded(database, method):
    async with web_running(database) as h:
        b = h.browser()
        await b.login(LEGAL, h.provider)
        r = await b.request(method, "/api/intake/signals/1", headers={"origin": ORIGIN})
        assert r.status_code == 200
        assert h.echo.calls[-1]["method"] == method
        assert h.echo.calls[-1]["host"] == "127.0.0.1:8001"


@pytest.mark.parametrize("status", [400, 404, 409, 422, 500])
async def test_the_services_status_comes_back(database, status):
    async with web_running(database) as h:
        b = h.browser()
        await b.login(LEGAL, h.provider)
        r = await b.get("/api/recovery/x", headers={"x-echo-status": str(status)})
        assert r.status_code == status


@pytest.mark.parametrize("method", UNSAFE)
async def test_an_unsafe_call_without_our_origin_is_refused(database, method):
    async with web_running(database) as h:
        b = h.browser()
        await b.login(LEGAL, h.provider)
        for headers in ({}, {"origin": "https://evil.example"}, {"origin": "null"}):
            r = await b.request(method, "/api/investigation/referrals/1/ack", headers=headers)
            assert r.status_code == 403
            assert r.json() == {
                "error": "origin_refused",
                "detail": "this request did not come from the Homeward app",
            }
            assert r.headers["cache-control"] == "no-store"
        assert h.echo.calls == []
        ok = await b.request(
            method, "/api/investigation/referrals/1/ack", headers={"origin": ORIGIN}
        )
        assert ok.status_code == 200
        local = await b.request(
            method, "/api/investigation/x", headers={"origin": "http://localhost:8000"}
        )
        assert local.status_code == 200


async def test_a_safe_call_needs_no_origin(database):
    async with web_running(database) as h:
        b = h.browser()
        await b.login(LEGAL, h.provider)
        assert (await b.get("/api/investigation/referrals")).status_code == 200


async def test_without_a_session_nothing_is_forwarded(database):
    async with web_running(database) as h:
        r = await h.browser().get("/api/intake/signals")
        assert r.status_code == 401 and r.json()["error"] == "not_logged_in"
        assert h.echo.calls == []


async def test_an_unknown_service_is_404(database):
    async with web_running(database) as h:
        b = h.browser()
        await b.login(LEGAL, h.provider)
        r = await b.get("/api/payroll/x")
        assert r.status_code == 404 and r.json()["error"] == "unknown_service"


async def test_a_service_that_is_down_is_502_without_detail(database):
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused to 127.0.0.1:8001", request=request)

    async with web_running(database, upstream=httpx.MockTransport(down)) as h:
        b = h.browser()
        await b.login(LEGAL, h.provider)
        r = await b.get("/api/intake/signals")
        assert r.status_code == 502
        assert r.json() == {"error": "service_unavailable"}
        assert r.headers["cache-control"] == "no-store"


async def test_the_access_token_is_refreshed_when_near_expiry(database):
    async with web_running(database) as h:
        b = h.browser()
        await b.login(LEGAL, h.provider)
        first = h.provider.issued_access_tokens[-1]
        await b.get("/api/intake/a")
        assert h.echo.calls[-1]["authorization_sha256"] == sha(f"Bearer {first}")
        assert h.provider.refreshes == 0

        h.clock.advance(280)  # the token lives 300 s; the margin is 30 s
        await b.get("/api/intake/b")
        assert h.provider.refreshes == 1
        second = h.provider.issued_access_tokens[-1]
        assert second != first
        assert h.echo.calls[-1]["authorization_sha256"] == sha(f"Bearer {second}")
        await b.get("/api/intake/c")
        assert h.provider.refreshes == 1


async def test_one_refresh_at_a_time_per_session(database):
    async with web_running(database) as h:
        b = h.browser()
        await b.login(LEGAL, h.provider)
        h.clock.advance(290)
        answers = await asyncio.gather(*(b.get(f"/api/intake/{i}") for i in range(8)))
        assert [a.status_code for a in answers] == [200] * 8
        # The provider rotates refresh tokens: a second refresh with the old one would fail.
        assert h.provider.refreshes == 1
        latest = sha(f"Bearer {h.provider.issued_access_tokens[-1]}")
        assert {c["authorization_sha256"] for c in h.echo.calls} == {latest}


async def test_a_refused_refresh_ends_the_session(database):
    async with web_running(database) as h:
        b = h.browser()
        await b.login(LEGAL, h.provider)
        h.provider.refuse_refresh = True
        h.clock.advance(290)
        r = await b.get("/api/intake/x")
        assert r.status_code == 401
        assert (await b.get("/auth/me")).status_code == 401
        assert h.echo.calls == []


async def test_a_session_ends_after_idle_time(database):
    async with web_running(database, web_session_idle_s=900) as h:
        b = h.browser()
        await b.login(LEGAL, h.provider)
        h.clock.advance(600)
        assert (await b.get("/api/intake/x")).status_code == 200  # in use: the clock restarts
        h.clock.advance(899)
        assert (await b.get("/auth/me")).status_code == 200
        h.clock.advance(2)  # 901 s since the last use; /auth/me does not count as use
        r = await b.get("/api/intake/x")
        assert r.status_code == 401
        assert (await b.get("/auth/me")).status_code == 401
        async with h.web.pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM web.sessions") == 0


async def test_a_session_ends_at_its_absolute_lifetime_however_used(database):
    async with web_running(database, web_session_max_s=3600, web_refresh_margin_s=0) as h:
        h.provider.access_ttl_s = 7200
        b = h.browser()
        await b.login(LEGAL, h.provider)
        for _ in range(5):
            h.clock.advance(600)
            assert (await b.get("/api/intake/x")).status_code == 200
        h.clock.advance(600)  # an hour since login
        assert (await b.get("/api/intake/x")).status_code == 401


async def test_no_token_ever_reaches_the_browser(database):
    async with web_running(database) as h:
        b = h.browser()
        await b.login(LEGAL, h.provider, next_path="/legal")
        await b.get("/auth/me")
        await b.get("/api/investigation/referrals")
        await b.request("POST", "/api/investigation/x", headers={"origin": ORIGIN}, content=b"{}")
        h.clock.advance(290)
        await b.get("/api/investigation/referrals")  # refreshed
        await b.get("/api/payroll/x")
        await b.get("/legal/inbox")
        assert h.provider.refreshes == 1
        logout = await b.request("POST", "/auth/logout", headers={"origin": ORIGIN})
        await b.get("/api/intake/x")

        secrets = h.provider.issued_access_tokens + h.provider.issued_other_tokens
        # The id token goes out once, by design: at logout, after the session was deleted,
        # as the provider's end-session hint. It grants nothing at the services (its
        # audience is the web client, theirs is "homeward").
        hint = logout.json()["logout_url"]
        for answer in b.answers:
            text = answer.content.decode("latin-1")
            if answer is logout:
                text = text.replace(hint, "")
            heads = "\n".join(f"{k}: {v}" for k, v in answer.headers.multi_items())
            for secret in secrets:
                for part in (secret, *secret.split(".")[:2]):
                    assert part not in text and part not in heads, answer.request.url
        for cookie in b.set_cookies:
            assert not any(s in cookie for s in secrets)
