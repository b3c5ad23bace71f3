"""``/auth``: log in with the identity provider, who am I, log out (docs/architecture.md,
the web service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from homeward_shared.logging import get_logger

from homeward_web.adapters.oidc import LoginRefused, ProviderUnavailable
from homeward_web.entrypoints.guard import (
    LOGIN_COOKIE,
    NO_STORE,
    clear_session_cookie,
    not_logged_in,
    origin_allowed,
    origin_refused,
    person_origin,
    session_secret,
    set_session_cookie,
    web_of,
)
from homeward_web.service.sessions import NotLoggedIn

log = get_logger(__name__)

router = APIRouter(prefix="/auth", include_in_schema=False)

Text = Annotated[str | None, Query(max_length=4096)]


@router.get("/login")
async def login(request: Request, next: Text = None) -> Response:
    web = web_of(request)
    try:
        started = await web.sessions.begin(origin=person_origin(request), next_path=next)
    except ProviderUnavailable:
        return _back_to_app("unavailable")
    response = RedirectResponse(started.url, status_code=302, headers=NO_STORE)
    # Lax, not Strict: the provider sends the browser back by a cross-site navigation when
    # it lives on another site, and this cookie must come with it.
    response.set_cookie(
        LOGIN_COOKIE,
        started.browser_secret,
        max_age=web.settings.web_login_ttl_s,
        path="/auth/callback",
        httponly=True,
        secure=True,
        samesite="lax",
    )
    return response


def _back_to_app(code: str) -> RedirectResponse:
    response = RedirectResponse(f"/?login_error={code}", status_code=302, headers=NO_STORE)
    response.delete_cookie(LOGIN_COOKIE, path="/auth/callback", httponly=True, secure=True)
    return response


@router.get("/callback")
async def callback(
    request: Request, state: Text = None, code: Text = None, error: Text = None
) -> Response:
    web = web_of(request)
    if error is not None:
        # The person cancelled, or the provider refused her: its own text is not repeated.
        return _back_to_app("denied")
    if not state or not code:
        return _back_to_app("refused")
    try:
        done = await web.sessions.complete(
            state=state,
            code=code,
            browser_secret=request.cookies.get(LOGIN_COOKIE),
            previous_secret=session_secret(request),
        )
    except LoginRefused as exc:
        log.warning("web_login_refused", reason=exc.reason)
        web.metrics.logins.labels("refused").inc()
        return _back_to_app("refused")
    except ProviderUnavailable:
        web.metrics.logins.labels("unavailable").inc()
        return _back_to_app("unavailable")
    web.metrics.logins.labels("ok").inc()
    response = RedirectResponse(done.next_path, status_code=302, headers=NO_STORE)
    set_session_cookie(response, web.settings.web_cookie_name, done.secret)
    response.delete_cookie(LOGIN_COOKIE, path="/auth/callback", httponly=True, secure=True)
    return response


@router.get("/me")
async def me(request: Request) -> Response:
    """Who is logged in. Not a use of the session: asking does not keep it alive."""
    web = web_of(request)
    try:
        session = await web.sessions.current(session_secret(request), touch=False, fresh=False)
    except NotLoggedIn:
        return not_logged_in()
    p = session.person
    return JSONResponse(
        {
            "user": p.subject,
            "username": p.username,
            "roles": list(p.roles),
            "centres": list(p.centres),
            "idle_timeout_s": web.settings.web_session_idle_s,
        },
        headers=NO_STORE,
    )


@router.post("/logout")
async def logout(request: Request) -> Response:
    web = web_of(request)
    if not origin_allowed("POST", request.headers.get("origin"), web.settings.origins):
        return origin_refused()
    origin = person_origin(request)
    try:
        url = await web.sessions.logout(session_secret(request), origin=origin)
    except ProviderUnavailable:
        # Ended here all the same; the provider's own session ends when it expires.
        url = None
    response = JSONResponse({"logout_url": url or f"{origin}/"}, headers=NO_STORE)
    clear_session_cookie(response, web.settings.web_cookie_name)
    return response
