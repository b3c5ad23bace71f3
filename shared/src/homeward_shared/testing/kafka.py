"""Reading topics in tests: every byte, from the beginning, with bounded waits."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, ConsumerRecord


@dataclass
class TopicReader:
    bootstrap: str
    topics: list[str]

    async def __aenter__(self) -> TopicReader:
        self.records: list[ConsumerRecord] = []
        self._consumer = AIOKafkaConsumer(
            *self.topics,
            bootstrap_servers=self.bootstrap,
            group_id=f"test-reader-{uuid.uuid4().hex}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            metadata_max_age_ms=1000,
        )
        await self._consumer.start()
        self._task = asyncio.create_task(self._pump())
        return self

    async def _pump(self) -> None:
        async for record in self._consumer:
            self.records.append(record)

    async def __aexit__(self, *exc: object) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()

    def on(self, topic: str) -> list[ConsumerRecord]:
        return [r for r in self.records if r.topic == topic]

    async def wait_for(
        self, topic: str, count: int, *, within: float = 20.0
    ) -> list[ConsumerRecord]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while len(self.on(topic)) < count:
            if loop.time() > deadline:
                raise TimeoutError(
                    f"{topic}: {len(self.on(topic))} of {count} records in {within}s"
                )
            await asyncio.sleep(0.05)
        return self.on(topic)


async def create_topics(bootstrap: str, topics: list[str], partitions: int = 3) -> None:
    """Create topics up front, so that consumers see them at once rather than after a
    metadata refresh."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import TopicAlreadyExistsError

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        try:
            await admin.create_topics(
                [NewTopic(t, num_partitions=partitions, replication_factor=1) for t in topics]
            )
        except TopicAlreadyExistsError:
            pass
    finally:
        await admin.close()


async def delete_topics(bootstrap: str, topics: list[str]) -> None:
    """Remove a test's topics: a broker that keeps every test's partitions grows until its
    heap runs out (seen: about 15,000 partitions in 512 MB)."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.errors import KafkaError

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        doomed = [t for t in topics if t in existing]
        if doomed:
            try:
                await admin.delete_topics(doomed)
            except KafkaError:
                pass  # best effort: a leftover topic costs disk, not correctness
    finally:
        await admin.close()
