"""Poison and bad input at every subscriber, over the real broker: hypothesis draws malformed,
truncated, oversized, wrong-version and wrong-typed events from a valid one; each goes to
the topic's dead-letter topic with its original bytes and a reason, and the consumer keeps
going (a valid event published after them is handled)."""

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from homeward_dashboard.bootstrap import bootstrap as dashboard_app
from homeward_dashboard.settings import DashboardSettings
from homeward_investigation.bootstrap import bootstrap as investigation_app
from homeward_investigation.settings import InvestigationSettings
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.settings import RecoverySettings
from homeward_reintegration.bootstrap import bootstrap as reintegration_app
from homeward_reintegration.settings import ReintegrationSettings
from homeward_shared.contracts import (
    CaseStageChanged,
    LeadReported,
    PersonRescued,
    PlacementRequested,
    ResidentReadyForReintegration,
    Topics,
)
from homeward_shared.contracts.handoffs import EstablishmentKind, Indicator, SignalSource, Urgency
from homeward_shared.envelope import Envelope, Payload
from homeward_shared.stages import Stage
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.kafka import TopicReader
from homeward_shared.testing.plugin import running, settings_for
from homeward_shared.testing.poison import CANARY, draw_poison

pytestmark = pytest.mark.integration


def _number() -> str:
    return f"IN-2026-{uuid.uuid4().int % 10**6:06d}"


@dataclass(frozen=True)
class Subscriber:
    name: str
    app: Callable[..., Any]
    settings: type
    topic: Callable[[Topics], str]
    schema: str
    payload: Callable[[], Payload]


SUBSCRIBERS = [
    Subscriber(
        "investigation:lead_reported",
        investigation_app,
        InvestigationSettings,
        lambda t: t.lead_reported,
        "investigation",
        lambda: LeadReported(
            lead_id=uuid.uuid4(),
            establishment_kind=EstablishmentKind.MASSAGE_PARLOUR,
            province="KH-8",
            district="0802",
            urgency=Urgency.HIGH,
            persons_reported=2,
            indicators=[Indicator.APPARENT_MINOR],
        ),
    ),
    Subscriber(
        "recovery:placement_requested",
        recovery_app,
        RecoverySettings,
        lambda t: t.placement_requested,
        "recovery",
        lambda: PlacementRequested(
            case_number=_number(), source=SignalSource.POLICE, urgency=Urgency.HIGH
        ),
    ),
    Subscriber(
        "recovery:person_rescued",
        recovery_app,
        RecoverySettings,
        lambda t: t.person_rescued,
        "recovery",
        lambda: PersonRescued(
            case_number=_number(), operation_id=uuid.uuid4(), urgency=Urgency.HIGH
        ),
    ),
    Subscriber(
        "reintegration:resident_ready_for_reintegration",
        reintegration_app,
        ReintegrationSettings,
        lambda t: t.resident_ready_for_reintegration,
        "reintegration",
        lambda: ResidentReadyForReintegration(
            case_number=_number(), centre="TD", skills=["weaving"], wishes_to_return_home=True
        ),
    ),
    Subscriber(
        "dashboard:stage_changed",
        dashboard_app,
        DashboardSettings,
        lambda t: t.stage_changed,
        "dashboard",
        lambda: CaseStageChanged(stage=Stage.ADMITTED),
    ),
]


def envelope(payload: Payload) -> Envelope:
    case_id = getattr(payload, "lead_id", None) or uuid.uuid4()
    return Envelope.wrap(
        payload,
        case_id=case_id,
        producer="tests",
        correlation_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
    )


async def inbox_has(dsn: str, schema: str, event_id: uuid.UUID) -> bool:
    conn = await asyncpg.connect(dsn)
    try:
        return bool(
            await conn.fetchval(
                f"SELECT count(*) FROM {schema}.inbox WHERE event_id = $1", event_id
            )
        )
    finally:
        await conn.close()


@pytest.mark.timeout(180)
@pytest.mark.parametrize("sub", SUBSCRIBERS, ids=lambda s: s.name)
async def test_poison_goes_to_the_dead_letter_topic_with_a_reason_and_the_consumer_goes_on(
    database, topics, sub: Subscriber
):
    bootstrap = database.infra.kafka_bootstrap_servers
    topic = sub.topic(topics)
    valid = json.loads(envelope(sub.payload()).model_dump_json())
    bad = draw_poison(valid, examples=12)
    sentinel = envelope(sub.payload())
    key = str(uuid.uuid4()).encode()
    service = sub.app(settings_for(sub.settings, database, topics))
    async with (
        running(service),
        TopicReader(bootstrap, [Topics.dead_letter(topic)]) as dlq,
    ):
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_request_size=2_000_000)
        await producer.start()
        try:
            for _, body in bad:
                await producer.send(topic, value=body, key=key)
            await producer.send_and_wait(
                topic,
                value=sentinel.model_dump_json().encode(),
                key=key,
                headers=[(k, v.encode()) for k, v in sentinel.headers().items()],
            )
        finally:
            await producer.stop()

        await wait_until(
            lambda: inbox_has(database.admin_dsn, sub.schema, sentinel.event_id),
            within=60,
            what="the valid event after the poison is handled",
        )
        letters = await dlq.wait_for(Topics.dead_letter(topic), len(bad), within=60)
    assert len(letters) == len(bad)
    assert [r.value for r in letters] == [body for _, body in bad]
    for r, (kind, _) in zip(letters, bad, strict=True):
        headers = {k: v.decode() for k, v in r.headers}
        assert headers["dlq.reason"], kind
        assert CANARY not in headers["dlq.reason"], (kind, headers["dlq.reason"])
        assert headers["dlq.original_topic"] == topic
        assert headers["dlq.consumer_group"].startswith(topics.prefix)
