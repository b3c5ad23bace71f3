"""The dashboard's Kafka subscribers: the stage feed, and the figure events the yearly
impact report counts (``figure.recorded``, recovery's training milestones, the legal
track's milestones). Each validates its contract, builds a command and calls a handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from homeward_shared.consumer import subscribe
from homeward_shared.contracts import (
    CaseStageChanged,
    FigureRecorded,
    LegalMilestoneRecorded,
    Topics,
    TrainingRecorded,
)
from homeward_shared.envelope import Envelope, Payload
from homeward_shared.runtime import Service
from homeward_shared.uow import Delivery, Received

from homeward_dashboard.adapters.live import Broadcaster
from homeward_dashboard.adapters.uow import DashboardUnitOfWork
from homeward_dashboard.domain.commands import RecordFigures, RecordStageChange
from homeward_dashboard.domain.figures import figure_fact, legal_fact, stage_fact, training_fact
from homeward_dashboard.service import handlers
from homeward_dashboard.settings import DashboardSettings

GROUP = "dashboard"
# A group per subscription, so that a rebalance of one never pauses another; the inbox is
# keyed by group, so each name is also the consumer the rebuild forgets before replaying.
FIGURES_GROUP = "dashboard.figures"
TRAINING_GROUP = "dashboard.training"
LEGAL_GROUP = "dashboard.legal"


def command_of(
    env: Envelope[CaseStageChanged], delivery: Delivery, zone: ZoneInfo
) -> RecordStageChange:
    p = env.payload
    return RecordStageChange(
        received=Received.of(env, delivery),
        case_id=env.case_id,
        stage=p.stage,
        occurred_at=env.occurred_at,
        centre=p.centre,
        previous_stage=p.previous_stage,
        facts=(
            stage_fact(
                event_id=env.event_id,
                case_id=env.case_id,
                stage=p.stage.value,
                occurred_at=env.occurred_at,
                centre=p.centre,
                reason=p.reason,
                producer=env.producer,
                zone=zone,
            ),
        ),
    )


def figures_of(env: Envelope[FigureRecorded], delivery: Delivery, zone: ZoneInfo) -> RecordFigures:
    p = env.payload
    fact = figure_fact(
        event_id=env.event_id,
        subject=env.case_id,
        metric=p.metric,
        on=p.on,
        dimensions=p.dimensions,
        amount=p.amount,
        occurred_at=env.occurred_at,
        producer=env.producer,
        zone=zone,
    )
    return RecordFigures(received=Received.of(env, delivery), facts=(fact,))


def training_of(
    env: Envelope[TrainingRecorded], delivery: Delivery, zone: ZoneInfo
) -> RecordFigures:
    p = env.payload
    fact = training_fact(
        event_id=env.event_id,
        case_id=env.case_id,
        milestone=p.milestone.value,
        centre=p.centre,
        trade=p.trade,
        on=p.on,
        occurred_at=env.occurred_at,
        producer=env.producer,
    )
    return RecordFigures(received=Received.of(env, delivery), facts=(fact,))


def legal_of(
    env: Envelope[LegalMilestoneRecorded], delivery: Delivery, zone: ZoneInfo
) -> RecordFigures:
    p = env.payload
    fact = legal_fact(
        event_id=env.event_id,
        referral_id=p.referral_id,
        milestone=p.milestone,
        on=p.occurred_on,
        convicted=p.convicted,
        occurred_at=env.occurred_at,
        producer=env.producer,
    )
    return RecordFigures(received=Received.of(env, delivery), facts=(fact,))


@dataclass(frozen=True)
class FigureFeed:
    """One topic the impact report counts: its contract, consumer group and command."""

    topic: Callable[[Topics], str]
    contract: type[Payload]
    group: str
    command: Callable[[Any, Delivery, ZoneInfo], RecordFigures]
    name: str


FIGURE_FEEDS = (
    FigureFeed(
        lambda t: t.figure_recorded,
        FigureRecorded,
        FIGURES_GROUP,
        figures_of,
        "when_figure_recorded_count_it",
    ),
    FigureFeed(
        lambda t: t.training_recorded,
        TrainingRecorded,
        TRAINING_GROUP,
        training_of,
        "when_training_recorded_count_it",
    ),
    FigureFeed(
        lambda t: t.legal_milestone_recorded,
        LegalMilestoneRecorded,
        LEGAL_GROUP,
        legal_of,
        "when_legal_milestone_recorded_count_it",
    ),
)

CONSUMERS = [GROUP, *(f.group for f in FIGURE_FEEDS)]


def register(service: Service[DashboardUnitOfWork], live: Broadcaster) -> None:
    settings: DashboardSettings = service.settings  # type: ignore[assignment]
    zone = settings.zone

    async def stage_changed(env: Envelope[CaseStageChanged], delivery: Delivery) -> None:
        uow = service.uow(
            service.system_actor, correlation_id=env.correlation_id, causation_id=env.event_id
        )
        move = await handlers.when_stage_changed_update_live_view(
            command_of(env, delivery, zone), uow
        )
        if move is not None:
            live.publish(
                {
                    "stage": move.stage.value,
                    "moved": move.moved,
                    "occurred_at": move.occurred_at.isoformat(),
                }
            )

    subscribe(
        service.broker,
        service.dead_letters,
        topic=service.topics.stage_changed,
        group_id=service.group(GROUP),
        contract=CaseStageChanged,
        react=stage_changed,
        name="when_stage_changed_update_live_view",
    )

    for feed in FIGURE_FEEDS:

        async def counted(env: Envelope[Any], delivery: Delivery, feed: FigureFeed = feed) -> None:
            uow = service.uow(
                service.system_actor, correlation_id=env.correlation_id, causation_id=env.event_id
            )
            await handlers.when_figure_recorded_count_it(feed.command(env, delivery, zone), uow)

        subscribe(
            service.broker,
            service.dead_letters,
            topic=feed.topic(service.topics),
            group_id=service.group(feed.group),
            contract=feed.contract,
            react=counted,
            name=feed.name,
        )
