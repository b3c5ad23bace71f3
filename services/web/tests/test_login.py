"""Login, the callback, who am I, logout: the OpenID Connect flow against the in-test
provider, and the session cookie's flags."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from services.web.tests.harness import LEGAL, ORIGIN, web_running

pytestmark = pytest.mark.integration


async def test_login_sends_the_browser_to_the_provider_with_pkce_state_and_nonce(database):
    async with web_running(database) as h:
        b = h.browser()
        r = await b.get("/auth/login", params={"next": "/legal/inbox"})
        assert r.status_code == 302
        url = urlsplit(r.headers["location"])
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        assert url.path.endswith("/protocol/openid-connect/auth")
        assert q["response_type"] == "code"
        assert q["client_id"] == "homeward-web"
        assert q["redirect_uri"] == f"{ORIGIN}/auth/callback"
        assert q["code_challenge_method"] == "S256"
        assert len(q["code_challenge"]) == 43  # base64url of a SHA-256
        assert len(q["state"]) >= 20 and len(q["nonce"]) >= 20
        assert "openid" in q["scope"].split()
        # Centres share computers: the provider asks for the password even if its own
        # session from the person before (who closed the tab) is still alive.
        assert q["prompt"] == "login"
        assert r.headers["cache-control"] == "no-store"
        # The browser is bound to this login by a cookie that only the callback receives.
        login_cookie = next(c for c in b.set_cookies if c.startswith("homeward_login="))
        assert "Path=/auth/callback" in login_cookie and "HttpOnly" in login_cookie
        assert "SameSite=lax" in login_cookie and "Secure" in login_cookie


async def test_login_returns_to_the_origin_the_person_is_on(database):
    async with web_running(database) as h:
        b = h.browser()
        r = await b.get("/auth/login", headers={"host": "localhost:8000"})
        q = parse_qs(urlsplit(r.headers["location"]).query)
        assert q["redirect_uri"] == ["http://localhost:8000/auth/callback"]


async def test_callback_makes_a_session_and_returns_to_next(database):
    async with web_running(database) as h:
        b = h.browser()
        r = await b.login(LEGAL, h.provider, next_path="/legal/inbox?tab=new")
        assert r.status_code == 302
        assert r.headers["location"] == "/legal/inbox?tab=new"
        session_cookie = next(c for c in b.set_cookies if c.startswith("homeward_session="))
        flags = [f.strip() for f in session_cookie.split(";")]
        assert "HttpOnly" in flags and "Secure" in flags
        assert "SameSite=strict" in flags and "Path=/" in flags
        assert not any(f.lower().startswith(("max-age", "expires", "domain")) for f in flags)
        assert "homeward_login" not in b.cookies  # spent

        me = await b.get("/auth/me")
        assert me.status_code == 200
        assert me.json() == {
            "user": LEGAL.sub,
            "username": "legal1",
            "roles": ["legal"],
            "centres": [],
            "idle_timeout_s": 900,
        }
        assert me.headers["cache-control"] == "no-store"

        # PKCE: the verifier sent with the code matches the challenge sent to /auth.
        exchange = h.provider.token_requests[-1]
        assert exchange["grant_type"] == "authorization_code"
        assert exchange["code_verifier"]


@pytest.mark.parametrize("next_path", ["https://evil.example/", "//evil.example/x", "/\\evil"])
async def test_next_is_a_path_on_this_site_only(database, next_path):
    async with web_running(database) as h:
        r = await h.browser().login(LEGAL, h.provider, next_path=next_path)
        assert r.headers["location"] == "/"


async def test_a_state_that_was_not_issued_is_refused(database):
    async with web_running(database) as h:
        b = h.browser()
        h.provider.next_user = LEGAL
        back = await b.begin_login()
        q = parse_qs(urlsplit(back.headers["location"]).query)
        r = await b.get("/auth/callback", params={"code": q["code"][0], "state": "forged" * 5})
        assert r.status_code == 302
        assert r.headers["location"] == "/?login_error=refused"
        assert "homeward_session" not in b.cookies
        grants = [t["grant_type"] for t in h.provider.token_requests]
        assert "authorization_code" not in grants


async def test_a_state_is_used_once(database):
    async with web_running(database) as h:
        b = h.browser()
        h.provider.next_user = LEGAL
        back = await b.begin_login()
        login_cookie = b.cookies["homeward_login"]
        callback = back.headers["location"].removeprefix(ORIGIN)
        assert (await b.get(callback)).headers["location"] == "/"
        b.cookies = {"homeward_login": login_cookie}
        replay = await b.get(callback)
        assert replay.headers["location"] == "/?login_error=refused"
        assert "homeward_session" not in b.cookies


async def test_a_callback_in_another_browser_is_refused(database):
    """Login CSRF: a code and state begun in the attacker's browser, replayed in hers."""
    async with web_running(database) as h:
        attacker, victim = h.browser(), h.browser()
        h.provider.next_user = LEGAL
        back = await attacker.begin_login()
        r = await victim.get(back.headers["location"].removeprefix(ORIGIN))
        assert r.headers["location"] == "/?login_error=refused"
        assert "homeward_session" not in victim.cookies


async def test_a_login_not_finished_in_time_is_refused(database):
    async with web_running(database) as h:
        b = h.browser()
        h.provider.next_user = LEGAL
        back = await b.begin_login()
        h.clock.advance(601)
        r = await b.get(back.headers["location"].removeprefix(ORIGIN))
        assert r.headers["location"] == "/?login_error=refused"


async def test_an_id_token_with_another_nonce_is_refused(database):
    async with web_running(database) as h:
        b = h.browser()
        h.provider.next_user = LEGAL
        back = await b.begin_login()
        grant = next(iter(h.provider.codes.values()))
        grant["nonce"] = "not-the-nonce-we-sent"
        r = await b.get(back.headers["location"].removeprefix(ORIGIN))
        assert r.headers["location"] == "/?login_error=refused"
        assert "homeward_session" not in b.cookies


async def test_the_provider_saying_no_comes_back_as_a_code(database):
    async with web_running(database) as h:
        b = h.browser()
        await b.get("/auth/login")
        r = await b.get("/auth/callback", params={"error": "access_denied", "state": "x"})
        assert r.headers["location"] == "/?login_error=denied"


async def test_me_without_a_session_is_401(database):
    async with web_running(database) as h:
        r = await h.browser().get("/auth/me")
        assert r.status_code == 401
        assert r.json()["error"] == "not_logged_in"
        b = h.browser()
        b.cookies["homeward_session"] = "made-up"
        assert (await b.get("/auth/me")).status_code == 401


async def test_logout_ends_the_session_here_and_at_the_provider(database):
    async with web_running(database) as h:
        b = h.browser()
        await b.login(LEGAL, h.provider)
        r = await b.request("POST", "/auth/logout", headers={"origin": ORIGIN})
        assert r.status_code == 200
        url = urlsplit(r.json()["logout_url"])
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        assert url.path.endswith("/protocol/openid-connect/logout")
        assert q["post_logout_redirect_uri"] == f"{ORIGIN}/"
        assert q["id_token_hint"] == h.provider.issued_other_tokens[-1]
        assert q["client_id"] == "homeward-web"
        assert "homeward_session" not in b.cookies  # cleared
        assert (await b.get("/auth/me")).status_code == 401
        async with h.web.pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM web.sessions") == 0


async def test_logout_needs_our_origin(database):
    async with web_running(database) as h:
        b = h.browser()
        await b.login(LEGAL, h.provider)
        r = await b.request("POST", "/auth/logout", headers={"origin": "https://evil.example"})
        assert r.status_code == 403 and r.json()["error"] == "origin_refused"
        assert (await b.get("/auth/me")).status_code == 200


async def test_tokens_are_sealed_at_rest_and_the_cookie_is_only_a_digest(database):
    async with web_running(database) as h:
        b = h.browser()
        await b.login(LEGAL, h.provider)
        secret = b.cookies["homeward_session"]
        async with h.web.pool.acquire() as conn:
            row = await conn.fetchrow("SELECT * FROM web.sessions")
        stored = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in row.values())
        access = h.provider.issued_access_tokens[-1]
        assert access.encode() not in stored
        assert access.split(".")[1].encode() not in stored
        assert secret.encode() not in stored
        assert row["id_digest"] == hashlib.sha256(secret.encode()).digest()
        assert LEGAL.username.encode() not in stored
        assert base64.b64encode(access.encode()) not in stored


async def test_logging_in_again_ends_the_session_it_replaces(database):
    async with web_running(database) as h:
        b = h.browser()
        await b.login(LEGAL, h.provider)
        first = b.cookies["homeward_session"]
        await b.login(LEGAL, h.provider)
        assert b.cookies["homeward_session"] != first  # never the id the browser brought
        stale = h.browser()
        stale.cookies["homeward_session"] = first
        assert (await stale.get("/auth/me")).status_code == 401
        async with h.web.pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM web.sessions") == 1


async def test_with_the_provider_down_login_comes_back_as_a_code(database):
    async with web_running(database, web_oidc_issuer="http://127.0.0.1:9/realms/x") as h:
        h.web.provider = type(h.web.provider)(h.web.settings)  # a real client, nothing there
        h.web.sessions.provider = h.web.provider
        r = await h.browser().get("/auth/login")
        assert r.status_code == 302
        assert r.headers["location"] == "/?login_error=unavailable"


async def test_a_callback_too_long_to_be_ours_is_refused_without_repeating_it(database):
    async with web_running(database) as h:
        r = await h.browser().get("/auth/callback", params={"code": "c" * 5000, "state": "s"})
        assert r.status_code == 422
        assert "ccccc" not in r.text
