"""The live stage feed tells each role only the moves it may follow: a legal worker hears of
new referrals and nothing else; a manager hears every move."""

from types import SimpleNamespace

from homeward_dashboard.adapters.live import Broadcaster
from homeward_dashboard.entrypoints.http import stream
from homeward_shared.uow import Actor

MOVES = ("reported", "admitted", "referred_to_legal", "closed", "referred_to_legal")


async def _heard(role: str, count: int) -> list[str]:
    live = Broadcaster()
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(live=live)))
    feed = stream(request, Actor(id="u-1", role=role))  # type: ignore[arg-type]
    assert (await anext(feed)).event == "ready"
    for stage in MOVES:
        live.publish({"stage": stage, "moved": True, "occurred_at": "2026-12-04T10:00:00+00:00"})
    heard = [(await anext(feed)).data["stage"] for _ in range(count)]
    await feed.aclose()
    return heard


async def test_a_legal_worker_hears_only_of_referrals():
    # The second referral comes after three moves she may not follow: they were skipped.
    assert await _heard("legal", 2) == ["referred_to_legal", "referred_to_legal"]


async def test_a_manager_hears_every_move():
    assert await _heard("manager", 5) == list(MOVES)
