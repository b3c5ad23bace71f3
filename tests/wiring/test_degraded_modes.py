"""Wiring tier: what a service says while the database or the broker is away. No broker or
database is started: the pool and the broker's ping are stood in for."""

import httpx
from homeward_reintegration.bootstrap import bootstrap
from homeward_reintegration.settings import ReintegrationSettings
from homeward_shared.testing.auth import as_user

NOWHERE = "postgresql://nobody:nothing@127.0.0.1:1/none"
ANY_ID = "00000000-0000-0000-0000-000000000001"


class _Conn:
    async def fetchval(self, *_a, **_k):
        return 1


class _Acquire:
    """Like asyncpg's: awaited (the unit of work) or used with ``async with`` (health)."""

    def __init__(self, pool: "_Pool") -> None:
        self.pool = pool

    def __await__(self):
        return self._get().__await__()

    async def _get(self):
        if self.pool.error is not None:
            raise self.pool.error
        return _Conn()

    async def __aenter__(self):
        return await self._get()

    async def __aexit__(self, *_):
        return None


class _Pool:
    """A pool whose database is up (``error=None``) or fails every acquire with ``error``."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error

    def acquire(self, *_, **__) -> _Acquire:
        return _Acquire(self)

    async def release(self, *_):
        return None


def service(*, kafka_up: bool, error: BaseException | None = None):
    svc = bootstrap(ReintegrationSettings(database_url=NOWHERE, http_retry_after_s=3))
    svc.pool = _Pool(error)  # type: ignore[assignment]

    async def ping(*_, **__):
        return kafka_up

    svc.broker.ping = ping  # type: ignore[method-assign]
    return svc


def client(svc) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(svc.app), base_url="http://t")


async def health_of(*, db_down: bool, kafka_up: bool) -> httpx.Response:
    svc = service(
        kafka_up=kafka_up, error=ConnectionRefusedError(111, "refused") if db_down else None
    )
    async with client(svc) as c:
        return await c.get("/health")


async def test_health_is_degraded_but_answers_200_while_only_the_broker_is_away():
    r = await health_of(db_down=False, kafka_up=False)
    assert r.status_code == 200
    assert r.json()["status"] == "degraded" and r.json()["kafka"] == "unavailable"


async def test_health_is_ok_with_both_and_unavailable_503_without_the_database():
    ok = await health_of(db_down=False, kafka_up=True)
    assert ok.status_code == 200 and ok.json()["status"] == "ok"
    down = await health_of(db_down=True, kafka_up=True)
    assert down.status_code == 503 and down.json()["status"] == "unavailable"


async def test_a_request_while_the_database_is_down_is_503_with_retry_after_and_no_detail():
    import asyncpg

    for error in (
        ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5433)"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
    ):
        svc = service(kafka_up=True, error=error)
        async with client(svc) as c:
            r = await c.get(f"/cases/{ANY_ID}", headers=as_user("u-1", "reintegration"))
        assert r.status_code == 503, (type(error).__name__, r.text)
        assert r.headers["retry-after"] == "3"
        assert r.json()["error"] == "database_unavailable"
        assert "5433" not in r.text and "Traceback" not in r.text


async def test_a_422_names_the_field_and_the_rule_but_never_repeats_the_value_sent():
    from homeward_intake.bootstrap import bootstrap as intake
    from homeward_intake.settings import IntakeSettings

    canary = "Sokha-canary-5d1e"
    app = intake(IntakeSettings(database_url=NOWHERE)).app
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        r = await c.post(
            "/signals",
            headers=as_user("u-1", "intake"),
            json={
                "idempotency_key": "k" * 12,
                "source": canary,
                "urgency": "high",
                "name": canary * 2000,
                canary: canary,
            },
        )
    assert r.status_code == 422
    assert canary not in r.text, r.text
    fields = {tuple(e["loc"]) for e in r.json()["errors"]}
    undeclared = "(a field this request does not take)"
    assert ("body", "source") in fields, fields
    assert any(undeclared in loc for loc in fields), fields
