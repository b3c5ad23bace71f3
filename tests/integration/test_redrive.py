"""An operator redrives a dead letter: it goes back to its topic and is processed once,
however often it is redriven."""

import uuid

import pytest
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.settings import RecoverySettings
from homeward_shared.cli import dead_letters_of, redrive
from homeward_shared.contracts import PlacementRequested
from homeward_shared.contracts.handoffs import SignalSource, Urgency
from homeward_shared.testing.fakes import utc_now_envelope
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.plugin import running, settings_for

from tests.integration.test_handoff_guarantees import audit_actions, send

pytestmark = pytest.mark.integration


async def test_a_redriven_dead_letter_is_processed_once(database, topics):
    bootstrap = database.infra.kafka_bootstrap_servers
    case_id = uuid.uuid4()
    env = utc_now_envelope(
        PlacementRequested(
            case_number="IN-2026-000001", source=SignalSource.POLICE, urgency=Urgency.HIGH
        ),
        case_id=case_id,
    )
    dlq = topics.dead_letter(topics.placement_requested)
    # As an earlier consumer release would have set it aside.
    await send(
        bootstrap,
        dlq,
        case_id,
        env.model_dump_json().encode(),
        headers=[
            ("event_id", str(env.event_id).encode()),
            ("dlq.reason", b"RuntimeError: a bug since fixed"),
            ("dlq.original_topic", topics.placement_requested.encode()),
        ],
    )
    recovery = recovery_app(settings_for(RecoverySettings, database, topics))
    async with running(recovery):
        assert len(await dead_letters_of(bootstrap, topics.placement_requested)) == 1
        assert await redrive(bootstrap, topics.placement_requested, None) == 1
        assert await redrive(bootstrap, topics.placement_requested, None) == 1

        async def opened():
            return "admission_request_opened" in await audit_actions(
                database.admin_dsn, "recovery", case_id
            )

        await wait_until(opened, what="the redriven hand-off is processed")

        # The second copy was consumed too: the inbox row count says so, the effect is one.
        async def both_seen():
            import asyncpg

            conn = await asyncpg.connect(database.admin_dsn)
            try:
                return await conn.fetchval(
                    "SELECT count(*) FROM recovery.inbox WHERE event_id = $1", env.event_id
                )
            finally:
                await conn.close()

        assert await wait_until(both_seen) == 1
    actions = await audit_actions(database.admin_dsn, "recovery", case_id)
    assert actions == ["admission_request_opened"]
