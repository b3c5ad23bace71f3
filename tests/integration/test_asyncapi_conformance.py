"""Every record a pathway puts on the broker is a message the AsyncAPI documents declare: its
value, key and headers, against the producer's document (a send) and against the document of
every service that receives from its topic, read as an outside client reads them (aiokafka,
then ``jsonschema`` on docs/asyncapi/)."""

import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer, ConsumerRecord
from faststream.kafka import KafkaBroker
from homeward_dashboard.bootstrap import bootstrap as dashboard_app
from homeward_dashboard.settings import DashboardSettings
from homeward_intake.bootstrap import bootstrap as intake_app
from homeward_intake.settings import IntakeSettings
from homeward_investigation.bootstrap import bootstrap as investigation_app
from homeward_investigation.settings import InvestigationSettings
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.settings import RecoverySettings
from homeward_reintegration.bootstrap import bootstrap as reintegration_app
from homeward_reintegration.settings import ReintegrationSettings
from homeward_shared.cli import redrive
from homeward_shared.contracts import PlacementRequested, Topics
from homeward_shared.contracts.handoffs import SignalSource, Urgency
from homeward_shared.dead_letters import DeadLetters
from homeward_shared.envelope import Envelope
from homeward_shared.telemetry import stamp_outgoing
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.journeys import (
    report_of_persons,
    rescue_through_investigation,
    reunite_with_family,
)
from homeward_shared.testing.kafka import TopicReader
from homeward_shared.testing.plugin import running, settings_for

from tests.asyncapi_check import SERVICES, Wire, check_all, documents
from tests.integration.helpers import CENTRE, REINTEGRATION, client, walk_in

pytestmark = pytest.mark.integration

ADMIN_A = as_user("u-admin-a", "admin")
ADMIN_B = as_user("u-admin-b", "admin")
INVESTIGATOR = as_user("u-inv-1", "investigator")
LEGAL = as_user("u-legal-1", "legal")
PRODUCERS = ("intake", "investigation", "recovery", "reintegration")


async def outbox_counts(dsn: str, prefix: str) -> dict[str, int]:
    """How many events each producer's outbox holds for this test's topics."""
    conn = await asyncpg.connect(dsn)
    try:
        counts: dict[str, int] = {}
        for schema in PRODUCERS:
            for row in await conn.fetch(
                f"SELECT topic, count(*) AS n FROM {schema}.outbox"
                " WHERE starts_with(topic, $1) GROUP BY topic",
                prefix,
            ):
                counts[row["topic"]] = counts.get(row["topic"], 0) + row["n"]
        return counts
    finally:
        await conn.close()


async def test_every_message_of_a_pathway_matches_its_producers_and_consumers_documents(
    database, topics
):
    services = [
        intake_app(settings_for(IntakeSettings, database, topics)),
        investigation_app(settings_for(InvestigationSettings, database, topics)),
        recovery_app(settings_for(RecoverySettings, database, topics)),
        reintegration_app(settings_for(ReintegrationSettings, database, topics)),
        dashboard_app(settings_for(DashboardSettings, database, topics)),
    ]
    intake, investigation, recovery, reintegration, _ = services
    bootstrap = database.infra.kafka_bootstrap_servers
    watched = topics.all() + [Topics.dead_letter(t) for t in topics.all()]
    poison_key = str(uuid.uuid4()).encode()
    async with (
        running(*services),
        TopicReader(bootstrap, watched) as feed,
        client(intake) as ic,
        client(recovery) as rc,
        client(reintegration) as gc,
        client(investigation) as vc,
    ):
        # Investigation: a report, a legal referral, a milestone, a rescue handed to recovery.
        yesterday = str(date.today() - timedelta(days=1))
        rescued = await rescue_through_investigation(
            vc,
            INVESTIGATOR,
            LEGAL,
            report_of_persons(1, visited_on=yesterday),
            carried_out_on=yesterday,
        )

        # Intake: a walk-in placed in recovery, who asks for legal help and goes home.
        signal = await walk_in(ic, children_with_her=1)
        case_id = signal["case_id"]

        async def queued():
            r = await rc.get("/admission-requests", headers=CENTRE)
            return [q for q in r.json() if q["case_id"] == case_id]

        [request] = await wait_until(queued, what="the placement request reaches recovery")
        r = await rc.post(
            "/admissions",
            headers=CENTRE,
            json={
                "case_id": case_id,
                "centre": request["proposed_centre"],
                "informed_consent": True,
                "house_rules_accepted": True,
                "consent_given_on": "2026-11-24",
                "identity": {"name": "Sreymom", "village": "Prey Veng"},
            },
        )
        assert r.status_code == 201, r.text
        r = await rc.post(
            f"/residents/{case_id}/legal-assistance",
            headers=CENTRE,
            json={
                "kind": "testify_in_court",
                "urgency": "immediate",
                "idempotency_key": uuid.uuid4().hex,
            },
        )
        assert r.status_code in (201, 202), r.text
        r = await rc.post(
            f"/residents/{case_id}/reintegration-handoff",
            headers=CENTRE,
            json={"skills": ["sewing_garment_factory"], "wishes_to_return_home": True},
        )
        assert r.status_code == 202, r.text

        async def handed_on():
            return (await gc.get(f"/cases/{case_id}", headers=REINTEGRATION)).status_code == 200

        await wait_until(handed_on, what="the hand-off reaches reintegration")
        await reunite_with_family(gc, case_id, REINTEGRATION)

        # A record no service could have written: recovery sets it aside on the dead-letter
        # topic, whose message its document declares too.
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(
                topics.placement_requested, b"not an envelope", key=poison_key
            )
        finally:
            await producer.stop()

        # Two admins erase her: intake publishes the erasure every service consumes.
        r = await ic.post(
            "/erasures", headers=ADMIN_A, json={"case_id": case_id, "reason": "entered_in_error"}
        )
        assert r.status_code == 201, r.text
        r = await ic.post(f"/erasures/{r.json()['erasure_id']}/approve", headers=ADMIN_B)
        assert r.status_code < 300, r.text

        async def rescued_queued():
            assert recovery.pool is not None
            async with recovery.pool.acquire() as conn:
                return await conn.fetchval(
                    "SELECT count(*) FROM recovery.admission_requests"
                    " WHERE case_id = ANY($1::uuid[])",
                    [uuid.UUID(c) for c in rescued],
                ) == len(rescued)

        await wait_until(rescued_queued, what="the rescued woman reaches recovery")
        await feed.wait_for(topics.erasure_approved, 1)
        await feed.wait_for(Topics.dead_letter(topics.placement_requested), 1)

        async def all_read():
            written = await outbox_counts(database.admin_dsn, topics.prefix)
            read = {t: len([r for r in feed.on(t) if r.key != poison_key]) for t in written}
            return written if written and read == written else None

        written = await wait_until(all_read, what="every outbox event is read off the broker")

    wires = [
        Wire.of(record, topics.prefix)
        for record in feed.records
        if not (record.topic == topics.placement_requested and record.key == poison_key)
    ]
    seen = {w.address for w in wires}
    # The pathway crossed these: hand-offs, the feeds, the erasure and a dead letter.
    assert {
        "case.stage_changed",
        "figure.recorded",
        "intake.placement_requested",
        "recovery.resident_ready_for_reintegration",
        "case.erasure_approved",
        "intake.placement_requested.dlq",
        "investigation.legal_referral_issued",
        "investigation.legal_milestone_recorded",
        "investigation.person_rescued",
        "recovery.legal_assistance_requested",
    } <= seen, seen
    assert len(wires) >= sum(written.values()) + 1
    assert check_all(documents(), wires, SERVICES) == []


async def test_a_dead_letter_and_its_redrive_match_the_documents(database, topics):
    """A consumer sets a real event aside (through faststream, as its middleware does) and an
    operator redrives it: the dead letter matches the consumer's document, and the event back
    on its topic matches its producer's and consumer's documents again (faststream's empty
    ``content-type`` of the dead-letter copy is not carried back)."""
    bootstrap = database.infra.kafka_bootstrap_servers
    env = Envelope.wrap(
        PlacementRequested(
            case_number="IN-2026-000001", source=SignalSource.POLICE, urgency=Urgency.HIGH
        ),
        case_id=uuid.uuid4(),
        producer="intake",
        correlation_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
    )
    headers = [(k, v.encode()) for k, v in stamp_outgoing(env.headers()).items()]
    value = env.model_dump_json().encode()
    refused = ConsumerRecord(
        topics.placement_requested, 0, 7, 0, 0, str(env.case_id).encode(), value,
        None, 36, len(value), headers,
    )  # fmt: skip
    broker = KafkaBroker(bootstrap)
    dead_letters = DeadLetters("recovery")
    dead_letters.bind(broker)
    dead_letters.consumer_group(topics.placement_requested, f"{topics.prefix}recovery")
    await broker.start()
    try:
        await dead_letters.send_record(refused, RuntimeError("a bug since fixed"))
    finally:
        await broker.stop()
    dlq = Topics.dead_letter(topics.placement_requested)
    async with TopicReader(bootstrap, [dlq, topics.placement_requested]) as feed:
        await feed.wait_for(dlq, 1)
        assert await redrive(bootstrap, topics.placement_requested, None) == 1
        await feed.wait_for(topics.placement_requested, 1)
    wires = [Wire.of(r, topics.prefix) for r in feed.records]
    assert [w.address for w in wires] == [
        "intake.placement_requested.dlq",
        "intake.placement_requested",
    ]
    assert check_all(documents(), wires, SERVICES) == []
