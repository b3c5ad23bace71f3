"""The operator's ``homeward`` commands of issue 11, run as an operator would (typer's runner,
settings from the environment) against the real broker and database."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from homeward_shared import topology
from homeward_shared.cli import app
from homeward_shared.contracts import Topics
from homeward_shared.provision import SERVICES
from homeward_shared.stages import Stage
from homeward_shared.testing.kafka import delete_topics
from typer.testing import CliRunner, Result

from tests.integration.test_dashboard import publisher, stage_event

pytestmark = pytest.mark.integration


async def homeward(*args: str, env: dict[str, str]) -> Result:
    """``homeward ARGS`` in a thread of its own: the commands run their own event loop."""
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, app, list(args), env=env)


def operator_env(database, prefix: str = "") -> dict[str, str]:
    return {
        "DATABASE_URL": database.admin_dsn,
        "KAFKA_BOOTSTRAP_SERVERS": database.infra.kafka_bootstrap_servers,
        "TOPIC_PREFIX": prefix,
        "COLUMNS": "200",
    }


async def _topic_configs(bootstrap: str, name: str) -> dict[str, str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])
        [(_, _, _, _, entries)] = response.resources
        return {e[0]: e[1] for e in entries}
    finally:
        await admin.close()


async def _set_retention(bootstrap: str, name: str, ms: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name, {"retention.ms": str(ms)})]
        )
    finally:
        await admin.close()


async def test_topics_apply_creates_every_declared_topic_once_and_corrects_drifted_configs(
    database,
):
    bootstrap = database.infra.kafka_bootstrap_servers
    prefix = f"t{uuid.uuid4().hex[:10]}."
    topics = Topics(prefix)
    names = [s.name for s in topology.declared(prefix)]
    env = operator_env(database, prefix)
    try:
        first = await homeward("topics", "apply", "--partitions", "2", env=env)
        assert first.exit_code == 0, first.output
        assert first.output.count(" created ") == len(names) == 2 * len(topics.all())

        again = await homeward("topics", "apply", "--partitions", "2", env=env)
        assert again.exit_code == 0, again.output
        assert again.output.count(" unchanged ") == len(names)

        stage = await _topic_configs(bootstrap, topics.stage_changed)
        assert stage["retention.ms"] == "-1" and stage["min.insync.replicas"] == "1"
        handoff = await _topic_configs(bootstrap, topics.placement_requested)
        assert handoff["retention.ms"] == str(topology.HANDOFF_RETENTION_MS)
        dlq = await _topic_configs(bootstrap, Topics.dead_letter(topics.placement_requested))
        assert dlq["retention.ms"] == "-1"

        # Someone shortened a dead-letter topic's retention by hand: apply puts it back.
        await _set_retention(bootstrap, Topics.dead_letter(topics.placement_requested), 60_000)
        fixed = await homeward("topics", "apply", "--partitions", "2", env=env)
        assert fixed.exit_code == 0, fixed.output
        assert fixed.output.count(" updated ") == 1
        dlq = await _topic_configs(bootstrap, Topics.dead_letter(topics.placement_requested))
        assert dlq["retention.ms"] == "-1"

        # More partitions would move cases to other partitions: reported, never done.
        more = await homeward("topics", "apply", "--partitions", "3", env=env)
        assert more.exit_code == 1
        assert more.output.count(" drift ") == len(names)
        assert "runbook" in more.output
    finally:
        await delete_topics(bootstrap, names)


async def test_migrate_applies_each_schema_as_its_own_role_and_a_second_run_is_a_no_op(database):
    env = operator_env(database)
    one = await homeward("migrate", "dashboard", env=env)
    assert one.exit_code == 0, one.output
    assert "dashboard" in one.output
    everything = await homeward("migrate", env=env)
    assert everything.exit_code == 0, everything.output
    again = await homeward("migrate", env=env)
    assert again.exit_code == 0
    for service in SERVICES:
        assert f"{service} " in again.output
    assert again.output.count(" 0 applied") == len(SERVICES)
    conn = await asyncpg.connect(database.admin_dsn)
    try:
        owners = dict(
            await conn.fetch(
                "SELECT schemaname, tableowner FROM pg_tables WHERE tablename = 'outbox'"
            )
        )
    finally:
        await conn.close()
    assert owners == SERVICES  # each service's role owns its tables, never the admin

    unknown = await homeward("migrate", "billing", env=env)
    assert unknown.exit_code == 2 and "unknown service" in unknown.output


async def test_dashboard_rebuild_replays_the_stage_feed_with_a_progress_bar(database, topics):
    kafka = database.infra.kafka_bootstrap_servers
    now = datetime.now(UTC)
    a, b = uuid.uuid4(), uuid.uuid4()
    async with publisher(kafka) as send:
        for env in (
            stage_event(a, Stage.REPORTED, now - timedelta(hours=2)),
            stage_event(a, Stage.RESCUED, now - timedelta(hours=1)),
            stage_event(b, Stage.REPORTED, now),
        ):
            await send(topics.stage_changed, env.case_id, env.model_dump_json().encode())
        await send(topics.stage_changed, b, b"{not json")
    result = await homeward("dashboard", "rebuild", env=operator_env(database, topics.prefix))
    assert result.exit_code == 0, result.output
    assert "rebuilding the live view" in result.output
    report = json.loads(result.output[result.output.index("{") :])
    assert report["events"] == 4 and report["applied"] == 3 and report["skipped"] == 1
    assert {k: v for k, v in report["by_stage"].items() if v} == {"rescued": 1, "reported": 1}


def test_help_lists_every_command():
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for command in ("migrate", "dlq", "audit", "outbox", "topics", "dashboard"):
        assert command in result.output
    for group, sub in (("topics", "apply"), ("dashboard", "rebuild"), ("dlq", "redrive")):
        assert sub in CliRunner().invoke(app, [group, "--help"]).output
