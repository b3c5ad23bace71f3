"""Replay every approved erasure into a service's schema: after a restore from backup, before
the service takes traffic (docs/security.md, Backups).

A restored database holds the case keys and the inbox as they were when the backup was
taken, so erasures approved since are unknown to it. Each event of ``case.erasure_approved``
is handed to the same handler the service's consumer calls, claimed in the inbox under the
consumer's own name: replaying twice, or replaying and then consuming, destroys once and
audits once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import asyncpg

from homeward_shared.contracts import CaseErasureApproved, Topics
from homeward_shared.crypto import Keyring
from homeward_shared.envelope import parse_envelope
from homeward_shared.erasure import handlers
from homeward_shared.erasure.consumer import group_id
from homeward_shared.uow import Actor, Delivery, PostgresUnitOfWork, Received, Scope


async def replay_erasures(
    pool: asyncpg.Pool, schema: str, service_name: str, topics: Topics, records: Iterable[Any]
) -> int:
    """Apply the erasure events (Kafka records of ``topics.erasure_approved``) to one schema.
    Returns how many were new to it."""
    consumer = group_id(topics.prefix, service_name)
    applied = 0
    for record in records:
        env = parse_envelope(record.value, CaseErasureApproved)
        cmd = handlers.DestroyCaseKeys(
            received=Received.of(
                env, Delivery(consumer, record.topic, record.partition, record.offset)
            ),
            case_id=env.case_id,
            erasure_id=env.payload.erasure_id,
            reason=env.payload.reason,
        )
        uow = PostgresUnitOfWork(
            pool,
            schema=schema,
            producer=service_name,
            topics=topics,
            translate=lambda e, t: [],
            master_key=Keyring.of(b"\0" * 32),  # destroys keys, never opens one
            scope=Scope(
                Actor("erasure-replay", "operator"),
                correlation_id=env.correlation_id,
                causation_id=env.event_id,
            ),
        )
        applied += await handlers.when_erasure_approved_destroy_case_keys(cmd, uow)
    return applied
