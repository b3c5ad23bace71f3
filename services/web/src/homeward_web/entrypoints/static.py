"""The built app (``services/web/app/dist``): files as they are, ``index.html`` for any
other GET path so that the app's own routes load. Vite names its bundles by content hash
under ``assets/``: those are cached for a year; ``index.html`` is never cached, so a new
build is picked up at once. Without a build, a page says how to make one (503).

The build writes each text file's brotli (``.br``) and gzip (``.gz``) forms beside it
(``vite.config.ts``); the smallest one the browser accepts is sent as it is, with
``Content-Encoding`` and ``Vary: Accept-Encoding``. Compressing at build time costs no CPU per
request (brotli at its best level is far too slow to run per request), and only these static
files are compressed: API answers carry personal values next to what a page sent, so they stay
uncompressed (no BREACH-style guessing through compressed sizes)."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from homeward_web.entrypoints.guard import error, web_of

router = APIRouter(include_in_schema=False)

IMMUTABLE = "public, max-age=31536000, immutable"
# Best first: the order the build's files are tried in, and the encoding each one declares.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Homeward: the app is not built</title></head>
<body><h1>The Homeward web app has not been built</h1>
<p>The web service is running, but <code>services/web/app/dist</code> is missing. Build the app
(<code>cd services/web/app &amp;&amp; npm ci &amp;&amp; npm run build</code>, which
<code>make run</code> does) and reload this page.</p></body></html>
"""


def _file(dist: Path, path: str) -> Path | None:
    """The file under dist that path names, never one outside it (``..``, symlinks)."""
    if not path or "\x00" in path:
        return None
    candidate = (dist / path).resolve()
    try:
        candidate.relative_to(dist.resolve())
    except ValueError:
        return None
    return candidate if candidate.is_file() else None


def accepted_encodings(header: str) -> set[str]:
    """The content codings an Accept-Encoding header allows (``q=0`` refuses one; ``*`` is
    taken at its word for the codings the build writes)."""
    allowed: set[str] = set()
    refused: set[str] = set()
    for part in header.lower().split(","):
        name, _, params = part.strip().partition(";")
        name = name.strip()
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        (allowed if q > 0 else refused).add(name)
    if "*" in allowed:
        allowed |= {name for name, _ in ENCODINGS}
    return allowed - refused


def send_file(request: Request, found: Path, kind: str, cache: str) -> Response:
    """found as the best encoding the browser accepts that the build wrote, else as it is."""
    variants = [(name, found.with_name(found.name + ext)) for name, ext in ENCODINGS]
    variants = [(name, path) for name, path in variants if path.is_file()]
    headers = {"Cache-Control": cache}
    if not variants:
        return FileResponse(found, media_type=kind, headers=headers)
    # A cache between here and the browser must key on Accept-Encoding, whichever form is sent.
    headers["Vary"] = "Accept-Encoding"
    accepted = accepted_encodings(request.headers.get("accept-encoding", ""))
    for name, path in variants:
        if name in accepted:
            headers["Content-Encoding"] = name
            return FileResponse(path, media_type=kind, headers=headers)
    return FileResponse(found, media_type=kind, headers=headers)


@router.api_route("/{path:path}", methods=["GET", "HEAD"])
async def app_file(request: Request, path: str) -> Response:
    web = web_of(request)
    if path.split("/", 1)[0] in ("api", "auth"):
        return error(404, "not_found", "no such route")
    dist = web.settings.web_app_dist
    index = dist / "index.html"
    if not index.is_file():
        return HTMLResponse(NOT_BUILT, status_code=503, headers={"Cache-Control": "no-store"})
    found = _file(dist, path)
    if found is not None and found.name != "index.html":
        cache = IMMUTABLE if path.startswith("assets/") else "no-cache"
        kind = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        return send_file(request, found, kind, cache)
    last = path.rsplit("/", 1)[-1]
    if "." in last and found is None:
        # A missing file (an old bundle, a typo) is a 404, not the app's page as a script.
        return error(404, "not_found", "no such file")
    return send_file(request, index, "text/html", "no-store")
