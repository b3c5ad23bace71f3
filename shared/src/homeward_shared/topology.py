"""Topics as code: every topic Homeward uses, with its partitions, replication and retention,
derived from the contracts' ``Topics`` (so a new contract topic is declared here at once),
and ``apply``, which makes a broker match the declaration (``homeward topics apply``).

Choices, and why:

- Partitions: 6 per topic by default. A case's events are keyed by case id, so they stay on
  one partition and in order; the count caps how many consumers of a group work in parallel.
  ``apply`` never changes the count of an existing topic on its own: adding partitions moves
  keys to other partitions, and a case's next event could then be consumed before an earlier
  one still waiting on the old partition. It reports the drift (runbook: "Partitions").
- Replication: 3 in production with ``min.insync.replicas=2``: with ``acks=all`` a write is
  confirmed only once two brokers hold it, and one broker can be down without stopping
  writes. Locally there is one broker, so 1 and 1.
- Retention: the ``case.*`` topics are feeds every service may replay from the beginning,
  so they are kept for ever: ``case.stage_changed`` is the dashboard's source
  (``homeward dashboard rebuild``), and an erasure feed must reach a service restored from
  backup. Dead-letter topics are kept for ever:
  a dead letter is a case waiting for an operator, and expiring it would lose her hand-off.
  Hand-off topics keep a year: far longer than any outage or backup a consumer would be
  restored from (runbook: "Restoring from backup" replays from the backup's time). Events
  carry no personal data, so keeping them erases nobody's right to be forgotten.
- ``cleanup.policy=delete`` everywhere: events are facts, not latest values per key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError, UnknownTopicOrPartitionError, for_code

from homeward_shared.contracts import Topics

DAY_MS = 24 * 3600 * 1000
FOREVER = -1
HANDOFF_RETENTION_MS = 365 * DAY_MS
CASE_FEED = "case."  # topics every service may read from the start: kept for ever


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int
    config: Mapping[str, str] = field(default_factory=dict)


def declared(
    prefix: str = "", *, partitions: int = 6, replication_factor: int = 1
) -> list[TopicSpec]:
    """Every topic and its dead-letter topic, as they should exist on the broker."""
    topics = Topics(prefix)
    min_isr = 2 if replication_factor >= 3 else 1

    def spec(name: str, retention_ms: int) -> TopicSpec:
        return TopicSpec(
            name,
            partitions,
            replication_factor,
            {
                "cleanup.policy": "delete",
                "retention.ms": str(retention_ms),
                "min.insync.replicas": str(min_isr),
            },
        )

    out: list[TopicSpec] = []
    for name in topics.all():
        replayed = name.removeprefix(prefix).startswith(CASE_FEED)
        kept = FOREVER if replayed else HANDOFF_RETENTION_MS
        out.append(spec(name, kept))
        out.append(spec(Topics.dead_letter(name), FOREVER))
    return out


@dataclass
class Outcome:
    topic: str
    action: str  # created | updated | unchanged | drift
    detail: str = ""


def _raise_for(errors: list[tuple[Any, ...]], what: str) -> None:
    for name, code, *rest in errors:
        if code:
            message = rest[0] if rest else ""
            raise for_code(code)(f"{what} {name}: {message}")


async def _describe_settled(
    admin: AIOKafkaAdminClient, names: list[str], *, within_s: float = 15.0
) -> dict[str, Any]:
    """Each topic as the broker describes it once its partitions are known.

    A topic created a moment ago is listed before its partitions reach the broker's metadata
    (seen under load: an error code and no partitions); read that as "not yet", not as a
    topic drifted to zero partitions, and ask again within a bound."""
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        described = {t["topic"]: t for t in await admin.describe_topics(names)}
        unsettled = [
            n for n in names if described[n].get("error_code") or not described[n]["partitions"]
        ]
        if not unsettled or asyncio.get_running_loop().time() >= deadline:
            return described
        await asyncio.sleep(0.2)


async def apply(kafka: Mapping[str, Any], specs: list[TopicSpec]) -> list[Outcome]:
    """Create the missing topics, set the declared configs on existing ones, and report what
    cannot be changed safely (partition count, replication factor). Idempotent: a second run
    reports every topic unchanged. ``kafka`` is aiokafka's keyword arguments
    (``transport(settings).kafka``)."""
    admin = AIOKafkaAdminClient(**kafka)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        outcomes: dict[str, Outcome] = {}
        if missing:
            response = await admin.create_topics(
                [
                    NewTopic(
                        s.name,
                        num_partitions=s.partitions,
                        replication_factor=s.replication_factor,
                        topic_configs=dict(s.config),
                    )
                    for s in missing
                ]
            )
            raced = {
                name
                for name, code, *_ in response.topic_errors
                if code == TopicAlreadyExistsError.errno
            }
            # Already there: another apply won the race, or the client retried a create the
            # controller had done. Either way it is checked like any existing topic below.
            _raise_for([e for e in response.topic_errors if e[0] not in raced], "create")
            existing |= raced
            for s in missing:
                if s.name not in raced:
                    outcomes[s.name] = Outcome(s.name, "created", f"{s.partitions} partitions")
        present = [s for s in specs if s.name in existing]
        if present:
            names = [s.name for s in present]
            described = await _describe_settled(admin, names)
            current = await _configs(admin, names)
            to_alter = []
            for s in present:
                parts = described[s.name]["partitions"]
                replicas = len(parts[0]["replicas"]) if parts else 0
                drift = []
                if len(parts) != s.partitions:
                    drift.append(f"{len(parts)} partitions, declared {s.partitions}")
                if replicas != s.replication_factor:
                    drift.append(f"replication {replicas}, declared {s.replication_factor}")
                changed = {k: v for k, v in s.config.items() if current.get(s.name, {}).get(k) != v}
                if changed:
                    to_alter.append(s)
                if drift:
                    set_ = [f"set {k}={v}" for k, v in changed.items()]
                    outcomes[s.name] = Outcome(s.name, "drift", "; ".join(drift + set_))
                elif changed:
                    outcomes[s.name] = Outcome(
                        s.name, "updated", ", ".join(f"{k}={v}" for k, v in changed.items())
                    )
                else:
                    outcomes[s.name] = Outcome(s.name, "unchanged")
            if to_alter:
                # AlterConfigs replaces a topic's dynamic configs as a whole: the declaration
                # is the source of truth, so a hand-set config on a declared topic is reset.
                for response in await admin.alter_configs(
                    [
                        ConfigResource(ConfigResourceType.TOPIC, s.name, dict(s.config))
                        for s in to_alter
                    ]
                ):
                    _raise_for([(r[3], r[0], r[1]) for r in response.resources], "alter configs of")
        return [outcomes[s.name] for s in specs]
    finally:
        await admin.close()


async def _configs(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, dict[str, str]]:
    # A topic created a moment ago (here, or by the apply that won a race) may not have reached
    # the broker's metadata yet: Kafka answers UnknownTopicOrPartition, a retriable error.
    delay = 0.1
    for _ in range(8):
        try:
            return await _configs_once(admin, names)
        except UnknownTopicOrPartitionError:
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
    return await _configs_once(admin, names)


async def _configs_once(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    responses = await admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, n) for n in names]
    )
    for response in responses:
        for error_code, error_message, _type, name, entries in response.resources:
            if error_code:
                raise for_code(error_code)(f"describe configs of {name}: {error_message}")
            out[name] = {e[0]: e[1] for e in entries}
    return out
