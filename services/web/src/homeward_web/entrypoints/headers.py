"""Headers on every answer of the web service (a pure ASGI middleware, so streamed answers
stay streamed): a strict Content-Security-Policy (no inline script or style, nothing from
elsewhere; forms may go only here and to the identity provider), no MIME sniffing, no
referrer, no framing, and ``Cache-Control: no-store`` unless the route chose (the hashed
bundles)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(issuer_origin: str) -> str:
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        f"form-action 'self' {issuer_origin}; object-src 'none'"
    )


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, issuer_origin: str) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", content_security_policy(issuer_origin).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"cross-origin-resource-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in {h for h, _ in self.headers}
                ]
                raw.extend(self.headers)
                if not any(k.lower() == b"cache-control" for k, _ in raw):
                    raw.append((b"cache-control", b"no-store"))
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, with_headers)
