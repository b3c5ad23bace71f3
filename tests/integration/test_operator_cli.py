"""The operator's ``homeward`` commands of issue 11, run as an operator would (typer's runner,
settings from the environment) against the real broker and database."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import asyncpg
import pytest
import structlog
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from homeward_intake.bootstrap import bootstrap as intake_app
from homeward_intake.settings import IntakeSettings
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.settings import RecoverySettings
from homeward_shared import topology
from homeward_shared.cli import app, consumed_topics, consumer_groups, consumer_lag, trace_case
from homeward_shared.contracts import Topics
from homeward_shared.logging import BROKER_LOGGER
from homeward_shared.provision import SERVICES, drop, dsn_with, scram_verifier
from homeward_shared.stages import Stage
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.kafka import TopicReader, delete_topics
from homeward_shared.testing.plugin import running, settings_for
from typer.testing import CliRunner, Result

from tests.integration.helpers import client, walk_in
from tests.integration.test_dashboard import publisher, stage_event
from tests.integration.test_handoff_guarantees import send

pytestmark = pytest.mark.integration


@contextmanager
def logging_kept() -> Iterator[None]:
    """A command that wires a service configures logging onto the runner's streams, which
    close when it returns: put back what the test session had."""
    saved = structlog.get_config()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    broker = logging.getLogger(BROKER_LOGGER)
    broker_level = broker.level
    try:
        yield
    finally:
        structlog.configure(**saved)
        root.handlers = handlers
        root.setLevel(level)
        broker.setLevel(broker_level)


async def homeward(*args: str, env: dict[str, str]) -> Result:
    """``homeward ARGS`` in a thread of its own: the commands run their own event loop."""
    runner = CliRunner()

    def invoke() -> Result:
        with logging_kept():
            return runner.invoke(app, list(args), env=env)

    return await asyncio.to_thread(invoke)


async def homeward_process(*args: str, env: dict[str, str]) -> tuple[int, str]:
    """``homeward ARGS`` as the operator runs it: a process of its own."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "homeward_shared.cli",
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 90)
    return proc.returncode or 0, out.decode()


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


async def _is(value, expected) -> bool:
    return await value == expected


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
        # "unchanged" too: a create the client retried under load finds its own topic.
        made = first.output.count(" created ") + first.output.count(" unchanged ")
        assert made == len(names) == 2 * len(topics.all())

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
        # (A config change reaches the brokers through the metadata log: wait to see it.)
        hand_set = Topics.dead_letter(topics.placement_requested)
        await _set_retention(bootstrap, hand_set, 60_000)

        async def retention() -> str:
            return (await _topic_configs(bootstrap, hand_set))["retention.ms"]

        await wait_until(lambda: _is(retention(), "60000"), what="the hand-set retention")
        fixed = await homeward("topics", "apply", "--partitions", "2", env=env)
        assert fixed.exit_code == 0, fixed.output
        assert fixed.output.count(" updated ") == 1
        await wait_until(lambda: _is(retention(), "-1"), what="the declared retention again")

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
    code, output = await homeward_process(
        "dashboard", "rebuild", env=operator_env(database, topics.prefix)
    )
    assert code == 0, output
    assert "rebuilding the live view" in output
    # The report is the last thing printed, pretty JSON from a lone "{" line (log lines are
    # one-line JSON objects).
    start = output.rindex("\n{\n")
    report = json.loads(output[start : output.rindex("\n}") + 2])
    assert report["events"] == 4 and report["applied"] == 3 and report["skipped"] == 1
    assert {k: v for k, v in report["by_stage"].items() if v} == {"rescued": 1, "reported": 1}


def test_help_lists_every_command():
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for command in (
        "provision",
        "migrate",
        "topics",
        "outbox",
        "consumers",
        "case",
        "dlq",
        "dashboard",
        "audit",
    ):
        assert command in result.output
    for group, subs in (
        ("topics", ["apply"]),
        ("outbox", ["backlog"]),
        ("consumers", ["lag", "rewind"]),
        ("case", ["trace"]),
        ("dlq", ["list", "redrive"]),
        ("dashboard", ["rebuild"]),
        ("audit", ["verify"]),
    ):
        listed = CliRunner().invoke(app, [group, "--help"], env={"COLUMNS": "200"}).output
        assert all(sub in listed for sub in subs), (group, listed)


def provision_dsn(database, name: str) -> str:
    parts = urlsplit(database.admin_dsn)
    return dsn_with(
        database.admin_dsn, user=parts.username or "", password=parts.password or "", database=name
    )


async def test_provision_creates_a_database_with_a_schema_per_service(database):
    name = f"homeward_cli_{uuid.uuid4().hex[:10]}"
    env = operator_env(database)
    try:
        result = await homeward("provision", name, env=env)
        assert result.exit_code == 0, result.output
        conn = await asyncpg.connect(provision_dsn(database, name))
        try:
            owners = dict(
                await conn.fetch(
                    "SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace"
                    " WHERE nspname = ANY($1::text[])",
                    list(SERVICES),
                )
            )
        finally:
            await conn.close()
        assert owners == SERVICES
        bad = await homeward("provision", name, env={**env, "ROLE_PASSWORDS": '{"billing": "x"}'})
        assert bad.exit_code == 2 and "billing" in bad.output
    finally:
        await drop(database.infra.admin_dsn, name)


async def test_a_role_password_set_as_a_scram_verifier_lets_the_role_log_in(database):
    role = f"homeward_pw_{uuid.uuid4().hex[:10]}"
    password = uuid.uuid4().hex
    admin = await asyncpg.connect(database.admin_dsn)
    try:
        await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{scram_verifier(password)}'")
        await admin.execute(f"GRANT CONNECT ON DATABASE {database.name} TO {role}")
        dsn = dsn_with(database.admin_dsn, user=role, password=password, database=database.name)
        conn = await asyncpg.connect(dsn)
        try:
            assert await conn.fetchval("SELECT current_user") == role
        finally:
            await conn.close()
        with pytest.raises(asyncpg.InvalidPasswordError):
            await asyncpg.connect(
                dsn_with(dsn, user=role, password=password[::-1], database=database.name)
            )
    finally:
        await admin.execute(f"REVOKE CONNECT ON DATABASE {database.name} FROM {role}")
        await admin.execute(f"DROP ROLE IF EXISTS {role}")
        await admin.close()


async def test_case_trace_shows_where_a_hand_off_stopped_and_its_dead_letters(database, topics):
    kafka = database.infra.kafka_bootstrap_servers
    consumed = consumed_topics(topics.prefix)
    assert topics.placement_requested in consumed
    intake = intake_app(settings_for(IntakeSettings, database, topics))
    async with running(intake), client(intake) as c:
        case_id = uuid.UUID((await walk_in(c))["case_id"])

        def placement(trace):
            return [u for u in trace.unreceived if u[1] == topics.placement_requested]

        async def handed_on():
            trace = await trace_case(
                database.admin_dsn, case_id, consumed=consumed, prefix=topics.prefix
            )
            return trace if placement(trace) and placement(trace)[0][3] else None

        # Recovery is not running: the hand-off is published and nobody has received it.
        stopped = await wait_until(handed_on, what="the placement request is published")
        [(schema, topic, _, published)] = placement(stopped)
        assert (schema, topic, published) == ("intake", topics.placement_requested, True)
        assert any(s.service == "intake" and s.what.startswith("->") for s in stopped.steps)

        result = await homeward(
            "case", "trace", str(case_id), env=operator_env(database, topics.prefix)
        )
        assert result.exit_code == 0, result.output
        assert "stopped" in result.output and "is the consumer running?" in result.output

    recovery = recovery_app(settings_for(RecoverySettings, database, topics))
    async with running(recovery):

        async def received():
            trace = await trace_case(
                database.admin_dsn, case_id, consumed=consumed, prefix=topics.prefix
            )
            return trace if not placement(trace) else None

        done = await wait_until(received, what="recovery receives the hand-off")
        assert any(s.service == "recovery" and s.what.startswith("<-") for s in done.steps)
        # An event about her that can never be processed: it goes to the dead-letter topic.
        await send(kafka, topics.placement_requested, case_id, b"{not json")

        async def dead_lettered():
            trace = await trace_case(
                database.admin_dsn, case_id, consumed=consumed, kafka=kafka, prefix=topics.prefix
            )
            return trace.dead_letters

        [(topic, reason)] = await wait_until(dead_lettered, within=30, what="a dead letter")
        assert topic == topics.placement_requested and "JSON" in reason

    unknown = await homeward(
        "case", "trace", str(uuid.uuid4()), env=operator_env(database, topics.prefix)
    )
    assert unknown.exit_code == 1 and "no service has recorded" in unknown.output


async def test_consumers_lag_counts_what_a_group_has_not_processed(database, topics):
    kafka = database.infra.kafka_bootstrap_servers
    groups = consumer_groups(topics.prefix)
    # Recovery's hand-off groups, each on its own topic (other groups of the service, if
    # any, are not this test's concern).
    mine = {
        f"{topics.prefix}recovery": {topics.placement_requested},
        f"{topics.prefix}recovery.person_rescued": {topics.person_rescued},
    }
    assert all(groups[g] == t for g, t in mine.items())
    sent_from = datetime.now(UTC) - timedelta(seconds=1)
    for _ in range(2):
        await send(kafka, topics.placement_requested, uuid.uuid4(), b"{not json")

    def behind(rows, topic):
        [row] = [r for r in rows if r.topic == topic]
        return row.lag

    before = await consumer_lag(kafka, mine)
    assert behind(before, topics.placement_requested) is None  # recovery never ran
    result = await homeward("consumers", "lag", env=operator_env(database, topics.prefix))
    assert result.exit_code == 0 and "2 (never consumed)" in result.output, result.output

    recovery = recovery_app(settings_for(RecoverySettings, database, topics))
    async with running(recovery):

        async def caught_up():
            rows = await consumer_lag(kafka, mine)
            return behind(rows, topics.placement_requested) == 0

        # Both were poison: dead-lettered, and the offsets committed past them.
        await wait_until(caught_up, within=30, what="recovery commits past both events")

    # As after a restore: the stopped group re-reads everything since a time.
    result = await homeward(
        "consumers",
        "rewind",
        f"{topics.prefix}recovery",
        "--to",
        sent_from.strftime("%Y-%m-%dT%H:%M:%S"),
        env=operator_env(database, topics.prefix),
    )
    assert result.exit_code == 0, result.output
    assert f"{topics.placement_requested} rewound, 2 events to re-read" in result.output
    assert behind(await consumer_lag(kafka, mine), topics.placement_requested) == 2


async def test_backlog_audit_and_dead_letters_from_the_command_line(database, topics):
    env = operator_env(database, topics.prefix)
    assert (await homeward("migrate", env=env)).exit_code == 0
    backlog = await homeward("outbox", "backlog", env=env)
    assert backlog.exit_code == 0
    for service in SERVICES:
        assert service in backlog.output
    verified = await homeward("audit", "verify", env=env)
    assert verified.exit_code == 0 and "chain intact" in verified.output

    kafka = database.infra.kafka_bootstrap_servers
    case_id = uuid.uuid4()
    await send(
        kafka,
        Topics.dead_letter(topics.placement_requested),
        case_id,
        b"{not json",
        headers=[
            ("dlq.reason", b"contract invalid: not UTF-8 JSON"),
            ("dlq.original_topic", topics.placement_requested.encode()),
        ],
    )
    listed = await homeward("dlq", "list", "intake.placement_requested", env=env)
    assert listed.exit_code == 0
    assert str(case_id) in listed.output and "1 dead letters" in listed.output
    async with TopicReader(kafka, [topics.placement_requested]) as reader:
        redriven = await homeward(
            "dlq", "redrive", "intake.placement_requested", "--offset", "0", env=env
        )
        assert redriven.exit_code == 0 and "redrove 1 events" in redriven.output
        [record] = await reader.wait_for(topics.placement_requested, 1)
    assert record.key == str(case_id).encode() and record.value == b"{not json"
