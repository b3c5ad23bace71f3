"""Issue 18: an intake officer's own recent signals (``GET /signals``).

Handler tier: the handler asks the repository for the actor's own signals unless told
otherwise, reads one row past the limit to know a further page exists, and refuses a cursor
that names no signal. HTTP tier (no broker, no database: refusals come first, and the
handler is replaced where an answer is needed): parameters are strict codes, a refusal never
repeats the input, only the intake role may list, and the answer's shape carries no personal
field."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from homeward_intake.bootstrap import bootstrap
from homeward_intake.domain.commands import ListSignals
from homeward_intake.domain.model import Signal, SignalStatus
from homeward_intake.entrypoints import http
from homeward_intake.service import handlers
from homeward_intake.settings import IntakeSettings
from homeward_shared.contracts.handoffs import SignalSource, Urgency
from homeward_shared.domain import DomainError
from homeward_shared.testing.auth import as_user
from homeward_shared.uow import Actor

from .test_handlers import FakeIntakeUoW

NOWHERE = "postgresql://nobody:nothing@127.0.0.1:1/none"
INTAKE = as_user("u-intake-1", "intake")
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def a_signal(n: int, *, by: str = "intake:u-intake-1", **kw) -> Signal:
    return Signal(
        signal_id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        case_number=f"IN-2026-{n:06d}",
        source=kw.pop("source", SignalSource.HOTLINE),
        urgency=Urgency.HIGH,
        needs_shelter=False,
        apparent_minor=False,
        children_with_her=0,
        language=None,
        received_at=T0 + timedelta(minutes=n),
        recorded_by=by,
        **kw,
    )


class PagedSignals:
    """Records what the handler asks; answers from a list, as the SQL would."""

    def __init__(self, rows: list[Signal]) -> None:
        self.rows = rows
        self.asked: dict = {}

    async def position(self, signal_id):
        s = next((r for r in self.rows if r.signal_id == signal_id), None)
        return (s.received_at, s.signal_id) if s else None

    async def page(self, *, recorded_by, status, source, after, limit):
        self.asked = {"recorded_by": recorded_by, "status": status, "source": source}
        rows = [
            r
            for r in sorted(self.rows, key=lambda r: (r.received_at, r.signal_id), reverse=True)
            if (recorded_by is None or r.recorded_by == recorded_by)
            and (status is None or r.status is status)
            and (source is None or r.source is source)
            and (after is None or (r.received_at, r.signal_id) < after)
        ]
        return rows[:limit]


def uow_with(rows: list[Signal]) -> FakeIntakeUoW:
    uow = FakeIntakeUoW()
    uow.scope.actor = Actor("u-intake-1", "intake")
    uow.signals = PagedSignals(rows)  # type: ignore[assignment]
    return uow


async def test_by_default_only_the_actors_own_signals_newest_first():
    mine = [a_signal(n) for n in range(3)]
    theirs = [a_signal(n + 10, by="intake:u-intake-2") for n in range(2)]
    uow = uow_with(mine + theirs)
    found, more = await handlers.list_signals(ListSignals(), uow)
    assert uow.signals.asked["recorded_by"] == "intake:u-intake-1"
    assert [s.case_number for s in found] == [s.case_number for s in reversed(mine)]
    assert more is False
    everyone, _ = await handlers.list_signals(ListSignals(mine=False), uow)
    assert uow.signals.asked["recorded_by"] is None and len(everyone) == 5


async def test_a_page_says_whether_another_follows_and_the_cursor_walks_on():
    rows = [a_signal(n) for n in range(5)]
    uow = uow_with(rows)
    first, more = await handlers.list_signals(ListSignals(limit=2), uow)
    assert more is True and [s.case_number for s in first] == ["IN-2026-000004", "IN-2026-000003"]
    second, more = await handlers.list_signals(
        ListSignals(limit=2, before=first[-1].signal_id), uow
    )
    assert more is True and [s.case_number for s in second] == ["IN-2026-000002", "IN-2026-000001"]
    last, more = await handlers.list_signals(ListSignals(limit=2, before=second[-1].signal_id), uow)
    assert more is False and [s.case_number for s in last] == ["IN-2026-000000"]


async def test_filters_reach_the_repository_as_codes():
    uow = uow_with([a_signal(1, status=SignalStatus.CLOSED), a_signal(2)])
    found, _ = await handlers.list_signals(
        ListSignals(status=SignalStatus.CLOSED, source=SignalSource.HOTLINE), uow
    )
    assert uow.signals.asked["status"] is SignalStatus.CLOSED
    assert [s.status for s in found] == [SignalStatus.CLOSED]


async def test_a_cursor_that_names_no_signal_is_refused():
    with pytest.raises(DomainError):
        await handlers.list_signals(ListSignals(before=uuid.uuid4()), uow_with([a_signal(1)]))


# -- HTTP --------------------------------------------------------------------------------------


def client() -> httpx.AsyncClient:
    service = bootstrap(IntakeSettings(database_url=NOWHERE))
    # Never started: where the handler is replaced, it is handed no unit of work.
    service.uow = lambda actor, **_: None  # type: ignore[method-assign]
    return httpx.AsyncClient(transport=httpx.ASGITransport(service.app), base_url="http://t")


CANARY = "Srey Zqcanary"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": CANARY}, "status"),
        ({"status": "Open"}, "status"),
        ({"source": CANARY}, "source"),
        ({"before": CANARY}, "before"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "1.0"}, "limit"),
        ({"mine": "yes"}, "mine"),
        ({"mine": "1"}, "mine"),
    ],
)
async def test_a_bad_parameter_is_refused_naming_it_without_an_echo(query, field):
    async with client() as c:
        r = await c.get("/signals", headers=INTAKE, params=query)
    assert r.status_code == 422, r.text
    assert any(e["loc"][-1] == field for e in r.json()["errors"]), r.text
    assert "Zqcanary" not in r.text and "Open" not in r.text


async def test_only_intake_lists_signals():
    async with client() as c:
        r = await c.get("/signals", headers=as_user("u-inv-1", "investigator"))
        assert r.status_code == 403, r.text
        r = await c.get(f"/signals/{uuid.uuid4()}", headers=as_user("u-inv-1", "investigator"))
        assert r.status_code == 403, r.text
        r = await c.get("/signals")
        assert r.status_code == 401, r.text


async def test_the_answer_holds_ids_codes_dates_and_counts_and_the_next_cursor(monkeypatch):
    rows = [a_signal(2, status=SignalStatus.ROUTED_TO_INVESTIGATION), a_signal(1)]
    asked: list[ListSignals] = []

    async def fake(query, uow):
        asked.append(query)
        return rows, True

    monkeypatch.setattr(handlers, "list_signals", fake)
    async with client() as c:
        r = await c.get(
            "/signals", headers=INTAKE, params={"status": "open", "source": "hotline", "limit": 2}
        )
    assert r.status_code == 200, r.text
    assert asked == [
        ListSignals(status=SignalStatus.OPEN, source=SignalSource.HOTLINE, limit=2, mine=True)
    ]
    body = r.json()
    assert body["next_before"] == str(rows[-1].signal_id)
    assert [s["status"] for s in body["signals"]] == ["routed_to_investigation", "open"]
    assert set(body["signals"][0]) == set(http.SignalItemOut.model_fields)
    assert not {"name", "aliases", "phone", "notes"} & set(body["signals"][0])


async def test_the_last_page_has_no_next_cursor(monkeypatch):
    async def fake(query, uow):
        return [a_signal(1)], False

    monkeypatch.setattr(handlers, "list_signals", fake)
    async with client() as c:
        r = await c.get("/signals", headers=INTAKE)
    assert r.status_code == 200, r.text
    assert r.json()["next_before"] is None
