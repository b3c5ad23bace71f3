"""HTTP error answers that never carry personal data.

- Validation (422): FastAPI's default answer echoes the offending input (``input``) and
  sometimes values inside ``ctx``; a too-long name would come back verbatim. Here each error
  names the field (``loc``), the rule (``type``) and pydantic's message, and nothing of the
  value: a message that quotes the input is replaced by the rule.
- A sealed field of an erased person (``KeyDestroyed``): 410 Gone, a clear answer rather than
  a 500; the non-personal parts of her case stay readable through the routes that show them.
- Text PostgreSQL cannot store (a NUL character, which JSON and Python strings allow): 422
  naming the problem, not the field's value, instead of a 500. Found by the API fuzzing test.

Every error answer has one shape, ``Problem``: ``error`` (a code), ``detail`` (the reason, in
words that never repeat the input) and, for a request that does not match the route's
schema, ``errors`` (each field's rule). The OpenAPI documents declare it on every route for
every status the route can answer (``homeward_shared.openapi``).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from homeward_shared.crypto import KeyDestroyed

# Rules whose messages list the expected values and never the input (which may be a
# substring of one of them).
_LISTS_EXPECTED = {"enum", "literal_error"}
# Rules whose messages quote (part of) the input or a validator's free text.
_QUOTING = {
    "value_error",
    "assertion_error",
    "uuid_parsing",
    "json_invalid",
    "string_pattern_mismatch",
}


def safe_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        msg = str(e.get("msg", ""))
        value = e.get("input")
        kind = str(e.get("type", "invalid"))
        quotes = isinstance(value, str) and value and value in msg and kind not in _LISTS_EXPECTED
        if kind in _QUOTING or quotes:
            msg = kind.replace("_", " ")
        loc = [p if isinstance(p, int) else str(p)[:64] for p in e.get("loc", ())]
        # A map's key that its pattern refused comes back before "[key]": it is input.
        loc = [
            "(a key this map does not take)" if i + 1 < len(loc) and loc[i + 1] == "[key]" else p
            for i, p in enumerate(loc)
        ]
        if kind == "extra_forbidden" and loc:
            # The caller's own key, not one of ours: it could be anything she typed.
            loc[-1] = "(a field this request does not take)"
        out.append({"loc": loc, "type": kind, "msg": msg})
    return out


ERROR_CODE = r"^[a-z][a-z0-9_]{1,63}$"


class Issue(BaseModel):
    """One rule a request broke: where (``loc``), which rule (``type``), and its message."""

    loc: list[str | int] = Field(description="where in the request: body, query, path ...")
    type: str = Field(pattern=ERROR_CODE, description="the rule, as a code")
    msg: str = Field(description="the rule in words; never the value sent")


class Problem(BaseModel):
    """Every error answer of every service."""

    error: str = Field(pattern=ERROR_CODE, description="what went wrong, as a code")
    detail: str = Field(description="the reason in words; never repeats the request's values")
    errors: list[Issue] = Field(
        default_factory=list, description="invalid_request only: each rule the request broke"
    )


# The code of an answer raised as a bare status (``HTTPException``), by status.
STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "erased",
    413: "body_too_large",
    422: "invalid_request",
    429: "too_many_failures",
    503: "unavailable",
}


def problem(status: int, detail: str, *, error: str | None = None, **extra: Any) -> dict[str, Any]:
    code = error or STATUS_CODES.get(status) or HTTPStatus(status).phrase.lower().replace(" ", "_")
    return {"error": code, "detail": detail, **extra}


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            problem(
                422,
                "the request does not match this route's schema",
                errors=safe_errors(list(exc.errors())),
            ),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def refused(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Also Starlette's own answers (an unknown path, a method a path does not take).
        if exc.status_code < 200 or exc.status_code in (204, 304):
            return Response(status_code=exc.status_code, headers=exc.headers)
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return JSONResponse(
            problem(exc.status_code, detail), status_code=exc.status_code, headers=exc.headers
        )

    async def unstorable(_: Request, __: Exception) -> JSONResponse:
        return JSONResponse(
            {
                "error": "unstorable_text",
                "detail": "a text field holds a character that cannot be stored (such as NUL)",
            },
            status_code=422,
        )

    for refused in (
        asyncpg.exceptions.CharacterNotInRepertoireError,
        asyncpg.exceptions.UntranslatableCharacterError,
    ):
        app.add_exception_handler(refused, unstorable)

    @app.exception_handler(KeyDestroyed)
    async def erased(_: Request, __: KeyDestroyed) -> JSONResponse:
        return JSONResponse(
            {
                "error": "erased",
                "detail": "this person's personal data was erased; the case's non-personal"
                " history remains",
            },
            status_code=410,
        )
