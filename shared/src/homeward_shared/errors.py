"""HTTP error answers that never carry personal data.

- Validation (422): FastAPI's default answer echoes the offending input (``input``) and
  sometimes values inside ``ctx``; a too-long name would come back verbatim. Here each error
  names the field (``loc``), the rule (``type``) and pydantic's message, and nothing of the
  value: a message that quotes the input is replaced by the rule.
- A sealed field of an erased person (``KeyDestroyed``): 410 Gone, a clear answer rather than
  a 500; the non-personal parts of her case stay readable through the routes that show them.
- Text PostgreSQL cannot store (a NUL character, which JSON and Python strings allow): 422
  naming the problem, not the field's value, instead of a 500. Found by the API fuzzing test.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

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


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": safe_errors(list(exc.errors()))}, status_code=422)

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
