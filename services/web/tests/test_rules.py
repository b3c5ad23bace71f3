"""The web service's rules that need no database: where a login may return to, the CSRF
rule, what is forwarded and returned, what the live feed lets through, the settings."""

import json

import pytest
from homeward_web.domain.sessions import safe_next
from homeward_web.entrypoints.guard import origin_allowed
from homeward_web.entrypoints.live import screened
from homeward_web.entrypoints.proxy import forwarded_headers, returned_headers, upstream_path
from homeward_web.settings import WebSettings
from pydantic import ValidationError

ORIGINS = ("http://127.0.0.1:8000", "http://localhost:8000")


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("/legal/inbox?tab=new", "/legal/inbox?tab=new"),
        ("/", "/"),
        (None, "/"),
        ("", "/"),
        ("legal", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/x\r\nSet-Cookie: a=b", "/"),
        ("/" + "a" * 3000, "/"),
    ],
)
def test_a_login_returns_only_to_a_path_here(given, kept):
    assert safe_next(given) == kept


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "post"])
def test_unsafe_methods_need_one_of_our_origins(method):
    assert origin_allowed(method, "http://127.0.0.1:8000", ORIGINS)
    assert origin_allowed(method, "http://localhost:8000/", ORIGINS)
    assert not origin_allowed(method, None, ORIGINS)
    assert not origin_allowed(method, "null", ORIGINS)
    assert not origin_allowed(method, "http://127.0.0.1:8001", ORIGINS)
    assert not origin_allowed(method, "https://127.0.0.1:8000", ORIGINS)


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_safe_methods_need_no_origin(method):
    assert origin_allowed(method, None, ORIGINS)


def test_only_the_bearer_is_added_and_the_cookie_and_hop_by_hop_headers_dropped():
    raw = [
        (b"host", b"127.0.0.1:8000"),
        (b"cookie", b"homeward_session=s"),
        (b"authorization", b"Bearer forged"),
        (b"connection", b"keep-alive, x-private"),
        (b"x-private", b"1"),
        (b"keep-alive", b"timeout=5"),
        (b"transfer-encoding", b"chunked"),
        (b"te", b"trailers"),
        (b"upgrade", b"h2c"),
        (b"content-type", b"application/json"),
        (b"accept-language", b"km"),
        (b"x-request-id", b"r-1"),
    ]
    assert forwarded_headers(raw, "tok") == [
        (b"content-type", b"application/json"),
        (b"accept-language", b"km"),
        (b"x-request-id", b"r-1"),
        (b"authorization", b"Bearer tok"),
    ]


def test_what_comes_back_is_never_cached_and_sets_no_cookie():
    raw = [
        (b"Content-Type", b"application/json"),
        (b"Set-Cookie", b"a=b"),
        (b"Cache-Control", b"public, max-age=60"),
        (b"Connection", b"close"),
        (b"Content-Length", b"2"),
    ]
    assert returned_headers(raw) == [
        (b"content-type", b"application/json"),
        (b"content-length", b"2"),
        (b"cache-control", b"no-store"),
    ]


def test_the_path_goes_byte_for_byte():
    assert upstream_path(b"/api/intake/signals/a%2Fb", "intake") == b"/signals/a%2Fb"
    assert upstream_path(b"/api/intake/", "intake") == b"/"


def test_the_live_feed_lets_through_a_stage_code_and_a_time_only():
    data = json.dumps(
        {"stage": "referred_to_legal", "occurred_at": "2026-12-04T10:00:00+00:00", "x": "Sokha"}
    )
    assert screened("stage", data) == (
        'event: stage\ndata: {"stage":"referred_to_legal",'
        '"occurred_at":"2026-12-04T10:00:00+00:00"}\n\n'
    )
    assert screened("stage", '{"stage": "Sokha"}') is None
    assert screened("stage", '{"stage": "rescued", "occurred_at": "Sokha"}') == (
        'event: stage\ndata: {"stage":"rescued"}\n\n'
    )
    assert screened("stage", "not json") is None
    assert screened("note", '{"stage": "rescued"}') is None
    assert screened("ready", '{"listening": true, "x": 1}') == "event: ready\ndata: {}\n\n"


def test_origins_are_checked_and_the_services_found():
    s = WebSettings(database_url="postgresql://x@h/d", homeward_port_base=9000)
    assert s.origins == ORIGINS
    assert s.service_url("intake") == "http://127.0.0.1:9001"
    assert s.service_url("dashboard") == "http://127.0.0.1:9005"
    assert s.service_url("payroll") is None
    assert s.issuer_origin == "http://127.0.0.1:8080"
    with pytest.raises(ValidationError):
        WebSettings(database_url="postgresql://x@h/d", web_public_origin="127.0.0.1:8000")
    with pytest.raises(ValidationError):
        WebSettings(database_url="postgresql://x@h/d", web_public_origin="https://a.org/path")
