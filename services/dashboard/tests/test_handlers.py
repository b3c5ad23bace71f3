"""Unit tier: the live view's rules against an in-memory unit of work."""

import copy
import uuid
from datetime import UTC, datetime, timedelta

from homeward_dashboard.adapters.messages import translate
from homeward_dashboard.domain.commands import RecordStageChange
from homeward_dashboard.domain.figures import INTERVAL_METRICS, LATER_METRICS, Fact
from homeward_dashboard.domain.model import (
    CaseProgress,
    HandOffRule,
    LateCase,
    advances,
    suppress_live,
)
from homeward_dashboard.service import handlers
from homeward_shared.stages import Stage
from homeward_shared.testing.fakes import FakeUnitOfWork
from homeward_shared.uow import Delivery, Received

T0 = datetime(2026, 11, 1, 8, tzinfo=UTC)


class FakeCases:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, CaseProgress] = {}
        self.entries: dict[tuple[uuid.UUID, Stage], datetime] = {}

    async def get(self, case_id, *, for_update=False):
        return self.rows.get(case_id)

    async def add(self, case):
        if case.case_id in self.rows:
            return False
        self.rows[case.case_id] = case
        return True

    async def save(self, case):
        self.rows[case.case_id] = case

    async def entered(self, case_id, stage, at):
        key = (case_id, stage)
        self.entries[key] = min(at, self.entries.get(key, at))

    async def get_many(self, case_ids, *, for_update=False):
        return {i: copy.copy(self.rows[i]) for i in case_ids if i in self.rows}

    async def add_many(self, cases):
        return {c.case_id for c in cases if await self.add(c)}

    async def save_many(self, cases):
        for c in cases:
            await self.save(c)

    async def entered_many(self, entries):
        for (case_id, stage), at in entries.items():
            await self.entered(case_id, stage, at)

    async def by_stage(self):
        out: dict[str, int] = {}
        for c in self.rows.values():
            out[c.stage.value] = out.get(c.stage.value, 0) + 1
        return out

    async def by_centre_and_stage(self):
        out: dict[str, dict[str, int]] = {}
        for c in self.rows.values():
            if c.centre:
                row = out.setdefault(c.centre, {})
                row[c.stage.value] = row.get(c.stage.value, 0) + 1
        return out

    async def entered_since(self, since):
        out: dict[str, int] = {}
        for (_, stage), at in self.entries.items():
            if at >= since:
                out[stage.value] = out.get(stage.value, 0) + 1
        return out

    async def waiting(self, rule, before, limit):
        return [
            LateCase(c.case_id, c.stage, rule.waiting_for, c.stage_at, c.first_seen_at)
            for c in self.rows.values()
            if c.stage is rule.stage and c.stage_at < before
        ][:limit]

    async def reset(self, consumer):
        self.rows.clear()
        self.entries.clear()


class FakeFigures:
    def __init__(self) -> None:
        self.rows: dict[tuple[uuid.UUID, str], Fact] = {}

    async def add(self, facts):
        new = [f for f in facts if (f.event_id, f.metric) not in self.rows]
        self.rows.update({(f.event_id, f.metric): f for f in new})
        return len(new)

    async def add_new(self, facts):
        keys = [(f.event_id, f.metric) for f in facts]
        assert not set(keys) & set(self.rows), "a fact of a fresh event already exists"
        self.rows.update(dict(zip(keys, facts, strict=True)))

    async def for_year(self, year):
        return [
            f
            for f in self.rows.values()
            if f.on.year == year
            or (f.metric in INTERVAL_METRICS and f.on.year <= year)
            or (f.metric in LATER_METRICS and f.on.year > year)
        ]

    async def years(self):
        return sorted({f.on.year for f in self.rows.values()})

    async def exact(self):
        return {}

    async def reset(self, consumers):
        self.rows.clear()


class FakeDashboardUoW(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__(translate, producer="dashboard")
        self.cases = FakeCases()
        self.figures = FakeFigures()


def change(case_id, stage, at, *, centre=None, event_id=None) -> RecordStageChange:
    return RecordStageChange(
        received=Received(
            event_id or uuid.uuid4(), "case.stage_changed", Delivery("dashboard", "t", 0, 0)
        ),
        case_id=case_id,
        stage=stage,
        occurred_at=at,
        centre=centre,
    )


async def feed(uow, *changes):
    return [await handlers.when_stage_changed_update_live_view(c, uow) for c in changes]


async def test_a_case_keeps_its_furthest_stage_when_an_earlier_one_arrives_late():
    uow, case = FakeDashboardUoW(), uuid.uuid4()
    moves = await feed(
        uow,
        change(case, Stage.REPORTED, T0),
        change(case, Stage.ADMITTED, T0 + timedelta(days=2), centre="TD"),
        change(case, Stage.RESCUED, T0 + timedelta(days=1)),
    )
    assert [m.moved for m in moves] == [True, True, False]
    progress = uow.cases.rows[case]
    assert progress.stage is Stage.ADMITTED and progress.centre == "TD"
    assert progress.first_seen_at == T0
    assert uow.cases.entries[(case, Stage.RESCUED)] == T0 + timedelta(days=1)


async def test_an_event_delivered_twice_is_taken_in_once():
    uow, case, event = FakeDashboardUoW(), uuid.uuid4(), uuid.uuid4()
    first, again = await feed(
        uow,
        change(case, Stage.REPORTED, T0, event_id=event),
        change(case, Stage.REPORTED, T0, event_id=event),
    )
    assert first is not None and again is None


async def test_a_replayed_batch_ends_where_the_same_events_one_by_one_end():
    a, b, twice = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    events = [
        change(a, Stage.REPORTED, T0),
        change(b, Stage.RESCUED, T0 + timedelta(hours=1)),
        change(a, Stage.ADMITTED, T0 + timedelta(days=2), centre="TD", event_id=twice),
        change(a, Stage.RESCUED, T0 + timedelta(days=1)),  # late: she stays admitted
        change(a, Stage.ADMITTED, T0 + timedelta(days=2), centre="TD", event_id=twice),
        change(b, Stage.REPORTED, T0),  # late, and earlier than what was first seen
    ]
    one_by_one, batched = FakeDashboardUoW(), FakeDashboardUoW()
    moves = await feed(one_by_one, *events)
    done = await handlers.replay_stage_changes(events, batched)
    assert (done.applied, done.duplicates) == (5, 1) == (5, moves.count(None))
    assert {k: vars(v) for k, v in batched.cases.rows.items()} == {
        k: vars(v) for k, v in one_by_one.cases.rows.items()
    }
    assert batched.cases.entries == one_by_one.cases.entries
    assert batched.cases.rows[b].first_seen_at == T0
    again = await handlers.replay_stage_changes(events, batched)
    assert (again.applied, again.duplicates) == (0, 6)


def test_stages_of_one_rank_replace_each_other_only_by_a_later_event():
    later = T0 + timedelta(days=30)
    assert advances(Stage.NOT_FOUND, T0, Stage.RESCUED, later)
    assert not advances(Stage.RESCUED, later, Stage.NOT_FOUND, T0)
    assert not advances(Stage.RESCUED, T0, Stage.RESCUED, later)
    assert not advances(Stage.CLOSED, T0, Stage.REPORTED, later)


def test_a_readmission_moves_her_back_but_a_stale_admission_does_not():
    later = T0 + timedelta(days=30)
    assert advances(Stage.LEFT_CENTRE, T0, Stage.ADMITTED, later, Stage.LEFT_CENTRE)
    assert not advances(Stage.LEFT_CENTRE, later, Stage.ADMITTED, T0, Stage.RESCUED)
    assert not advances(Stage.LEFT_CENTRE, later, Stage.ADMITTED, T0, Stage.LEFT_CENTRE)
    assert not advances(Stage.RESETTLED, T0, Stage.ADMITTED, later, Stage.LEFT_CENTRE)


def test_small_cells_are_hidden_and_a_lone_one_takes_a_complement_with_it():
    view = suppress_live({"reported": 3, "rescued": 20, "admitted": 40}, {}, {}, 11)
    assert (view.by_stage["reported"], view.by_stage["rescued"]) == (None, None)
    assert (view.by_stage["admitted"], view.by_stage["closed"], view.cases) == (40, 0, 63)
    assert view.hidden == {
        "by_stage.reported": "below_threshold",
        "by_stage.rescued": "complementary",
    }
    view = suppress_live({"reported": 3, "rescued": 4, "admitted": 20}, {}, {}, 11)
    assert view.hidden == {
        "by_stage.reported": "below_threshold",
        "by_stage.rescued": "below_threshold",
    }
    assert suppress_live({"reported": 11}, {}, {}, 11).by_stage["reported"] == 11


def test_no_centre_cell_can_be_worked_out_from_its_stage():
    # The probe's numbers: 12 admitted, 11 of them at TD, so KK's hidden cell was 12 - 11.
    view = suppress_live(
        {"admitted": 12, "rescued": 30},
        {"TD": {"admitted": 11}, "KK": {"admitted": 1}},
        {"admitted": 12},
        11,
    )
    assert view.by_centre["KK"]["admitted"] is None and view.by_centre["TD"]["admitted"] is None
    assert view.hidden["by_centre.KK.admitted"] == "below_threshold"
    # Labelled as what it is: hidden with the small one, not itself below the threshold.
    assert view.hidden["by_centre.TD.admitted"] == "complementary"
    assert view.by_stage["admitted"] == 12 and view.cases == 42
    # Every group that adds up has none or at least two hidden cells.
    for stage in ("admitted", "rescued"):
        column = [view.by_stage[stage]] + [view.by_centre[c][stage] for c in ("TD", "KK")]
        assert column.count(None) != 1


async def test_the_live_view_never_shows_a_small_count():
    uow = FakeDashboardUoW()
    for i in range(12):
        await feed(uow, change(uuid.uuid4(), Stage.REPORTED, T0 + timedelta(minutes=i)))
    await feed(uow, change(uuid.uuid4(), Stage.ADMITTED, T0, centre="KC"))
    view = await handlers.live_view(uow, threshold=11, today_starts=T0)
    # One admitted: hidden, and reported (12) with it, or 13 - 12 would give it back.
    assert view.by_stage["admitted"] is None and view.by_stage["reported"] is None
    assert view.hidden["by_stage.reported"] == "complementary"
    assert view.by_stage["closed"] == 0 and view.cases == 13
    assert view.by_centre == {"KC": {s.value: 0 for s in Stage} | {"admitted": None}}
    view = await handlers.live_view(uow, threshold=2, today_starts=T0 + timedelta(minutes=5))
    assert view.entered_today["reported"] == 7
    # The lone hidden "admitted" could be worked out from the total: its complement hides too.
    assert view.by_stage["admitted"] is None and view.by_stage["reported"] is None


async def test_a_case_waiting_past_its_hand_off_time_is_late():
    uow, waiting, admitted = FakeDashboardUoW(), uuid.uuid4(), uuid.uuid4()
    await feed(
        uow,
        change(waiting, Stage.REPORTED, T0),
        change(waiting, Stage.RESCUED, T0 + timedelta(hours=1)),
        change(admitted, Stage.RESCUED, T0),
        change(admitted, Stage.ADMITTED, T0 + timedelta(hours=5), centre="SR"),
    )
    rule = HandOffRule(Stage.RESCUED, Stage.ADMITTED, timedelta(hours=72))
    now = T0 + timedelta(hours=80)
    [late] = await handlers.late_hand_offs(uow, (rule,), now=now, limit=10)
    assert late.case_id == waiting and late.waiting_for is Stage.ADMITTED
    assert late.age(now) == timedelta(hours=80)
    assert await handlers.late_hand_offs(uow, (rule,), now=T0 + timedelta(hours=70), limit=10) == []
