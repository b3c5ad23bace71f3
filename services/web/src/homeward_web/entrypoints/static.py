"""The built app (``services/web/app/dist``): files as they are, ``index.html`` for any
other GET path so that the app's own routes load. Vite names its bundles by content hash
under ``assets/``: those are cached for a year; ``index.html`` is never cached, so a new
build is picked up at once. Without a build, a page says how to make one (503)."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from homeward_web.entrypoints.guard import error, web_of

router = APIRouter(include_in_schema=False)

IMMUTABLE = "public, max-age=31536000, immutable"
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
        return FileResponse(found, media_type=kind, headers={"Cache-Control": cache})
    last = path.rsplit("/", 1)[-1]
    if "." in last and found is None:
        # A missing file (an old bundle, a typo) is a 404, not the app's page as a script.
        return error(404, "not_found", "no such file")
    return FileResponse(index, media_type="text/html", headers={"Cache-Control": "no-store"})
