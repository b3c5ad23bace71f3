"""``/api/{service}/{path}``: a person's call, forwarded to one of the five services with
her access token. Nothing else is added; the cookie and hop-by-hop headers are dropped; the
method, path, query and body go as they came (streamed, never read here) and the answer
comes back as it is, marked ``no-store``. No body, path or query is logged."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import anyio
import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from homeward_shared.logging import get_logger

from homeward_web.adapters.oidc import ProviderUnavailable
from homeward_web.entrypoints.guard import (
    error,
    not_logged_in,
    origin_allowed,
    origin_refused,
    session_secret,
    web_of,
)
from homeward_web.service.sessions import NotLoggedIn

log = get_logger(__name__)

router = APIRouter(include_in_schema=False)

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# RFC 9110 section 7.6.1, and what only this hop may say about the browser or the client.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
NOT_FORWARDED = HOP_BY_HOP | {b"host", b"cookie", b"authorization"}
NOT_RETURNED = HOP_BY_HOP | {b"set-cookie", b"cache-control", b"www-authenticate"}


def _named_by_connection(headers: list[tuple[bytes, bytes]]) -> set[bytes]:
    named: set[bytes] = set()
    for k, v in headers:
        if k.lower() == b"connection":
            named |= {x.strip().lower() for x in v.split(b",") if x.strip()}
    return named


def forwarded_headers(raw: list[tuple[bytes, bytes]], token: str) -> list[tuple[bytes, bytes]]:
    drop = NOT_FORWARDED | _named_by_connection(raw)
    out = [(k, v) for k, v in raw if k.lower() not in drop]
    out.append((b"authorization", b"Bearer " + token.encode()))
    return out


def returned_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    drop = NOT_RETURNED | _named_by_connection(raw)
    out = [(k.lower(), v) for k, v in raw if k.lower() not in drop]
    out.append((b"cache-control", b"no-store"))
    return out


def upstream_path(raw_path: bytes, service: str) -> bytes:
    """The path after ``/api/<service>``, byte for byte (percent-encoding kept)."""
    rest = raw_path[len(b"/api/") + len(service.encode()) :]
    return rest if rest.startswith(b"/") else b"/" + rest


@router.api_route("/api/{service}/{path:path}", methods=METHODS)
async def forward(request: Request, service: str) -> Response:
    web = web_of(request)
    if not origin_allowed(request.method, request.headers.get("origin"), web.settings.origins):
        return origin_refused()
    base = web.settings.service_url(service)
    if base is None:
        return error(404, "unknown_service", "no such service")
    try:
        session = await web.sessions.current(session_secret(request), touch=True, fresh=True)
    except NotLoggedIn:
        return not_logged_in()
    except ProviderUnavailable:
        return error(503, "identity_provider_unavailable", "the login service is unavailable")

    scope = request.scope
    url = base.encode() + upstream_path(scope.get("raw_path") or scope["path"].encode(), service)
    if scope.get("query_string"):
        url += b"?" + scope["query_string"]
    has_body = "content-length" in request.headers or "transfer-encoding" in request.headers
    upstream_request = web.client.build_request(
        request.method,
        httpx.URL(url.decode("ascii")),
        headers=forwarded_headers(list(scope["headers"]), session.tokens.access_token),
        content=request.stream() if has_body else None,
    )
    started = time.perf_counter()
    try:
        upstream = await web.client.send(upstream_request, stream=True)
    except httpx.TransportError as exc:
        # The service is down or did not answer in time: which, and its address, stay here.
        log.warning("web_upstream_unavailable", service=service, error=type(exc).__name__)
        web.metrics.upstream_errors.labels(service).inc()
        return error(502, "service_unavailable")
    log.info(
        "web_forwarded",
        service=service,
        method=request.method,
        status=upstream.status_code,
        ms=round((time.perf_counter() - started) * 1000, 2),
    )

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in upstream.aiter_raw():
                yield chunk
        except httpx.TransportError:
            log.warning("web_upstream_cut", service=service)
        finally:
            # Also when the browser goes away mid-answer; shielded, as the cancelled scope
            # would cancel the close itself (see entrypoints.live).
            with anyio.CancelScope(shield=True):
                await upstream.aclose()

    response = StreamingResponse(body(), status_code=upstream.status_code)
    response.raw_headers = returned_headers(list(upstream.headers.raw))
    return response
