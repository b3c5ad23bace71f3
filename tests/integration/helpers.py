"""Shared steps of the integration tests: HTTP clients on in-process services."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
from homeward_shared.runtime import Service
from homeward_shared.testing.auth import as_user

INTAKE = as_user("u-intake-1", "intake")
CENTRE = as_user("u-centre-1", "centre_staff", centres=["TD"])
REINTEGRATION = as_user("u-reint-1", "reintegration")


@contextlib.asynccontextmanager
async def client(service: Service[Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(service.app), base_url="http://homeward.test"
    ) as c:
        yield c


async def walk_in(c: httpx.AsyncClient, **extra: Any) -> dict[str, Any]:
    r = await c.post(
        "/signals",
        headers=INTAKE,
        json={
            "idempotency_key": uuid.uuid4().hex,
            "source": "clinic_walk_in",
            "urgency": "high",
            "needs_shelter": True,
            **extra,
        },
    )
    assert r.status_code == 201, r.text
    signal = r.json()
    r = await c.post(
        f"/signals/{signal['signal_id']}/placement-request",
        headers=INTAKE,
        json={"reason": "walk_in_needs_shelter"},
    )
    assert r.status_code == 202, r.text
    return signal


# Areas handed out once per test session. The database is the session's, so investigations
# of earlier tests are there: a test that finds "its" investigation by area needs an area no
# other test uses. Fixed areas in tests use district numbers below 50; these use 50 to 99.
_FRESH_AREAS = iter([(f"KH-{p}", f"{p:02d}{d:02d}") for d in range(50, 100) for p in range(1, 26)])


def fresh_area() -> tuple[str, str]:
    """A (province, district) code pair no other test of this session is given."""
    return next(_FRESH_AREAS)
