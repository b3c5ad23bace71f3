"""The web service against the real Keycloak (deploy/local's realm `homeward`, client
`homeward-web`, user `legal1` / `homeward`): login through Keycloak's own form, /auth/me from
its tokens, a refresh, and logout at its end-session endpoint. Skipped when Keycloak is not
up on 127.0.0.1:8080 (`make run` starts it)."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from homeward_web.bootstrap import bootstrap
from homeward_web.settings import WebSettings

from services.web.tests.harness import ORIGIN, Browser, web_settings

pytestmark = pytest.mark.integration

ISSUER = "http://127.0.0.1:8080/realms/homeward"


def _keycloak_up() -> bool:
    try:
        r = httpx.get(f"{ISSUER}/.well-known/openid-configuration", timeout=2)
    except httpx.HTTPError:
        return False
    return r.status_code == 200


needs_keycloak = pytest.mark.skipif(
    not _keycloak_up(), reason="Keycloak is not up on 127.0.0.1:8080 (make run starts it)"
)


def _jar(kc: httpx.AsyncClient) -> dict[str, str]:
    # Keycloak marks its cookies Secure; a browser sends them to http://127.0.0.1 (a secure
    # context), httpx's jar does not: sent by hand, as a browser would.
    return {"cookie": "; ".join(f"{c.name}={c.value}" for c in kc.cookies.jar)}


async def _log_in_at_keycloak(b: Browser, kc: httpx.AsyncClient, username: str) -> httpx.Response:
    """What a person does: the login page, her name and password, back to the callback."""
    started = await b.get("/auth/login", params={"next": "/legal"})
    assert started.status_code == 302
    page = await kc.get(started.headers["location"], headers=_jar(kc))
    assert page.status_code == 200, page.text[:500]
    action = re.search(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', page.text)
    assert action, "Keycloak's login form"
    back = await kc.post(
        html.unescape(action.group(1)),
        data={"username": username, "password": "homeward", "credentialId": ""},
        headers=_jar(kc),
    )
    if back.status_code != 302:
        errs = re.findall(
            r"(?s)<(?:span|div)[^>]*(?:kc-feedback-text|input-error|alert)[^>]*>(.*?)</", back.text
        )
        raise AssertionError(f"Keycloak refused the login ({back.status_code}): {errs}")
    location = urlsplit(back.headers["location"])
    assert f"{location.scheme}://{location.netloc}" == ORIGIN
    return await b.get(f"{location.path}?{location.query}")


@needs_keycloak
async def test_a_legal_worker_logs_in_through_keycloak_and_out_again(database):
    web = bootstrap(
        web_settings(
            database,
            web_oidc_issuer=ISSUER,
            # The local realm's secret for homeward-web: the setting's default.
            web_oidc_client_secret=WebSettings.model_fields["web_oidc_client_secret"].default,
        )
    )
    await web.start()
    try:
        async with (
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=web.app), base_url=ORIGIN
            ) as client,
            httpx.AsyncClient(timeout=10) as kc,  # Keycloak's own cookies live here
        ):
            b = Browser(client, client)
            done = await _log_in_at_keycloak(b, kc, "legal1")
            assert done.status_code == 302 and done.headers["location"] == "/legal"
            me = (await b.get("/auth/me")).json()
            assert me["username"] == "legal1" and "legal" in me["roles"]

            # A refresh with Keycloak's refresh token, forced by moving the margin.
            session = await web.sessions.current(
                b.cookies["homeward_session"], touch=False, fresh=False
            )
            web.sessions.margin = session.tokens.access_expires_at - web.clock()
            refreshed = await web.sessions.current(
                b.cookies["homeward_session"], touch=False, fresh=True
            )
            assert refreshed.tokens.access_token != session.tokens.access_token

            out = await b.request("POST", "/auth/logout", headers={"origin": ORIGIN})
            url = urlsplit(out.json()["logout_url"])
            assert f"{url.scheme}://{url.netloc}{url.path}" == (
                f"{ISSUER}/protocol/openid-connect/logout"
            )
            q = parse_qs(url.query)
            assert q["post_logout_redirect_uri"] == [f"{ORIGIN}/"]
            assert q["id_token_hint"]
            assert (await b.get("/auth/me")).status_code == 401
            # The browser goes there: Keycloak ends its own session and sends it back.
            ended = await kc.get(out.json()["logout_url"], headers=_jar(kc))
            assert ended.status_code == 302, ended.text[:300]
            assert ended.headers["location"].startswith(f"{ORIGIN}/")
            # Logging in again asks for the password: nothing was left signed in.
            again = await b.get("/auth/login")
            page = await kc.get(again.headers["location"], headers=_jar(kc))
            assert 'id="kc-form-login"' in page.text
    finally:
        await web.stop()
