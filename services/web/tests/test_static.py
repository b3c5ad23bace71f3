"""The built app: files, the index.html fallback for client routes, caching, and the
headers every answer carries (CSP and friends)."""

from __future__ import annotations

import gzip

import pytest
from homeward_web.entrypoints.static import accepted_encodings

from services.web.tests.harness import LEGAL, web_running

pytestmark = pytest.mark.integration

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self' http://op.test; object-src 'none'"
)


@pytest.fixture
def dist(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(
        '<!doctype html><html><head><script type="module" src="/assets/index-3f2a9c.js">'
        "</script></head><body><div id=root></div></body></html>"
    )
    (tmp_path / "assets" / "index-3f2a9c.js").write_text("console.log('app')")
    (tmp_path / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path.parent / "secret.txt").write_text("outside dist")
    return tmp_path


def assert_security_headers(r) -> None:
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"


async def test_index_and_client_routes_are_the_app_never_cached(database, dist):
    async with web_running(database, web_app_dist=dist) as h:
        b = h.browser()
        for path in ("/", "/legal/inbox", "/investigations/3b1e/report"):
            r = await b.get(path)
            assert r.status_code == 200
            assert r.text.startswith("<!doctype html>")
            assert r.headers["content-type"].startswith("text/html")
            assert r.headers["cache-control"] == "no-store"
            assert_security_headers(r)


async def test_hashed_assets_are_cached_for_good(database, dist):
    async with web_running(database, web_app_dist=dist) as h:
        r = await h.browser().get("/assets/index-3f2a9c.js")
        assert r.status_code == 200
        assert r.text == "console.log('app')"
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "javascript" in r.headers["content-type"]
        assert_security_headers(r)
        other = await h.browser().get("/favicon.svg")
        assert other.headers["cache-control"] == "no-cache"


@pytest.fixture
def compressed_dist(dist):
    """dist as the build leaves it: each text file's .br and .gz beside it. The forms' bodies
    are told apart here by their bytes (the BFF sends them as they are, never recompressing)."""
    for f in (dist / "index.html", dist / "assets" / "index-3f2a9c.js"):
        f.with_name(f.name + ".br").write_bytes(b"BR:" + f.read_bytes())
        f.with_name(f.name + ".gz").write_bytes(gzip.compress(f.read_bytes(), 9))
    return dist


async def raw_get(h, path: str, accept_encoding: str):
    """The answer's bytes as they came on the wire (httpx would decode gzip itself)."""
    b = h.browser()
    request = b.web.build_request("GET", path, headers={"Accept-Encoding": accept_encoding})
    r = await b.web.send(request, stream=True)
    body = b"".join([chunk async for chunk in r.aiter_raw()])
    await r.aclose()
    return r, body


async def test_assets_are_sent_precompressed_as_the_browser_accepts(database, compressed_dist):
    dist = compressed_dist
    js = dist / "assets" / "index-3f2a9c.js"
    async with web_running(database, web_app_dist=dist) as h:
        r, body = await raw_get(h, "/assets/index-3f2a9c.js", "gzip, deflate, br, zstd")
        assert r.headers["content-encoding"] == "br"
        assert body == b"BR:" + js.read_bytes()
        assert r.headers["vary"] == "Accept-Encoding"
        assert "javascript" in r.headers["content-type"]
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert_security_headers(r)

        r, body = await raw_get(h, "/assets/index-3f2a9c.js", "gzip;q=1, br;q=0")
        assert r.headers["content-encoding"] == "gzip"
        assert gzip.decompress(body) == js.read_bytes()
        assert r.headers["vary"] == "Accept-Encoding"

        r, body = await raw_get(h, "/assets/index-3f2a9c.js", "identity")
        assert "content-encoding" not in r.headers
        assert body == js.read_bytes()
        assert r.headers["vary"] == "Accept-Encoding"


async def test_the_page_is_compressed_too_and_still_never_cached(database, compressed_dist):
    async with web_running(database, web_app_dist=compressed_dist) as h:
        for path in ("/", "/legal/inbox"):
            r, body = await raw_get(h, path, "gzip")
            assert r.headers["content-encoding"] == "gzip"
            assert gzip.decompress(body).startswith(b"<!doctype html>")
            assert r.headers["content-type"].startswith("text/html")
            assert r.headers["cache-control"] == "no-store"
            assert r.headers["vary"] == "Accept-Encoding"
            assert_security_headers(r)


async def test_api_answers_are_never_compressed_and_never_cached(database, compressed_dist):
    async with web_running(database, web_app_dist=compressed_dist) as h:
        b = h.browser()
        await b.login(LEGAL, h.provider)
        for path in ("/auth/me", "/api/intake/x"):
            r = await b.get(path, headers={"Accept-Encoding": "br, gzip"})
            assert "content-encoding" not in r.headers
            assert r.headers["cache-control"] == "no-store"


def test_accept_encoding_is_read_with_its_weights():
    assert accepted_encodings("gzip, deflate, br") == {"gzip", "deflate", "br"}
    assert accepted_encodings("br;q=0, gzip;q=0.5") == {"gzip"}
    assert accepted_encodings("*") >= {"br", "gzip"}
    assert accepted_encodings("*, br;q=0") == {"*", "gzip"}
    assert accepted_encodings("gzip;q=nonsense") == set()
    assert not accepted_encodings("") & {"br", "gzip"}


async def test_a_missing_file_is_404_not_the_page(database, dist):
    async with web_running(database, web_app_dist=dist) as h:
        b = h.browser()
        assert (await b.get("/assets/index-old.js")).status_code == 404
        assert (await b.get("/api")).status_code == 404
        assert (await b.get("/auth/nothing")).json()["error"] == "not_found"


async def test_nothing_outside_dist_is_served(database, dist):
    async with web_running(database, web_app_dist=dist) as h:
        b = h.browser()
        for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt"):
            r = await b.get(path)
            assert "outside dist" not in r.text


async def test_without_a_build_a_page_says_how_to_make_one(database, tmp_path):
    async with web_running(database, web_app_dist=tmp_path / "none") as h:
        r = await h.browser().get("/legal/inbox")
        assert r.status_code == 503
        assert "npm run build" in r.text
        assert r.headers["cache-control"] == "no-store"
        assert_security_headers(r)


async def test_api_and_auth_answers_carry_the_headers_and_no_store(database, dist):
    async with web_running(database, web_app_dist=dist) as h:
        b = h.browser()
        await b.login(LEGAL, h.provider)
        for r in (await b.get("/auth/me"), await b.get("/api/intake/x")):
            assert_security_headers(r)
            assert r.headers["cache-control"] == "no-store"


async def test_health_says_what_is_reachable(database, dist):
    async with web_running(database, web_app_dist=dist) as h:
        r = await h.browser().get("/health")
        assert r.status_code == 200
        assert r.json()["status"] == "ok"
        assert r.json()["identity_provider"] == "reachable"
