"""What every route of the web service shares: the session cookie, the origin the person is
on, the CSRF rule and the error shape (the services': ``{"error": code, "detail": text}``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.responses import JSONResponse, Response

if TYPE_CHECKING:
    from homeward_web.bootstrap import Web

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOGIN_COOKIE = "homeward_login"
NO_STORE = {"Cache-Control": "no-store"}


def web_of(request: Request) -> Web:
    return request.app.state.web


def error(status: int, code: str, detail: str | None = None) -> JSONResponse:
    body = {"error": code} if detail is None else {"error": code, "detail": detail}
    return JSONResponse(body, status_code=status, headers=NO_STORE)


def not_logged_in() -> JSONResponse:
    return error(401, "not_logged_in", "log in first")


def origin_refused() -> JSONResponse:
    return error(403, "origin_refused", "this request did not come from the Homeward app")


def origin_allowed(method: str, origin: str | None, allowed: tuple[str, ...]) -> bool:
    """CSRF: a state-changing call must name one of our origins. Browsers send ``Origin`` on
    every cross-origin request and on same-origin ones other than GET/HEAD, so a missing one
    on an unsafe method is refused too (a non-browser client can always send it)."""
    if method.upper() in SAFE_METHODS:
        return True
    return origin is not None and origin.rstrip("/") in allowed


def session_secret(request: Request) -> str | None:
    return request.cookies.get(web_of(request).settings.web_cookie_name)


def person_origin(request: Request) -> str:
    """The configured origin the browser is on (its Host), so that the login returns to the
    origin whose cookie jar holds the session; the canonical one otherwise."""
    settings = web_of(request).settings
    host = request.headers.get("host", "")
    for origin in settings.origins:
        if origin.split("://", 1)[1] == host:
            return origin
    return settings.origins[0]


def set_session_cookie(response: Response, name: str, secret: str) -> None:
    # No Max-Age: the server decides when a session ends; the browser drops it on exit.
    response.set_cookie(name, secret, path="/", httponly=True, secure=True, samesite="strict")


def clear_session_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, secure=True, samesite="strict")
