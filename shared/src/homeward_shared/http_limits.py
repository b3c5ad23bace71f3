"""What a caller can make a service swallow: request bodies are bounded (413, with the limit).

A declared Content-Length over the limit is refused before a byte is read; a body that
streams in without one (or lies about it) is refused once the bytes counted pass the limit.
FastAPI 0.165's own ``max_body_size`` does the same counting but answers a declared length
in plain text, outside the app's error handlers; this keeps every refusal a JSON reason.
"""

from __future__ import annotations

import json

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homeward_shared.errors import problem


def _reason(limit: int) -> str:
    return f"the request body is larger than this service accepts ({limit} bytes)"


class BodyLimit:
    def __init__(self, app: ASGIApp, max_body_size: int) -> None:
        self.app = app
        self.limit = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    # Raised inside the route's body reading: FastAPI passes an
                    # HTTPException on to the app's handler, which answers with the reason.
                    raise HTTPException(413, _reason(self.limit))
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(problem(413, _reason(self.limit))).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
