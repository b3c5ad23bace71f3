"""Prometheus metrics of one service, served on ``/metrics``.

What each family answers (the names are what a dashboard or an alert uses):
- ``http_request_duration_seconds{handler,method}``, ``http_requests_total{handler,method,
  status}``: HTTP latency and traffic per route template (prometheus-fastapi-instrumentator;
  a path's ids never become a label).
- ``faststream_received_messages_total{handler=<topic>}`` and the other ``faststream_*``
  families: events consumed per topic, their processing time and outcome (faststream's
  Kafka Prometheus middleware).
- ``homeward_events_published_total{topic}``: outbox rows the broker confirmed, per topic;
  ``homeward_outbox_publish_failures_total{topic}``: sends it refused (retried in order).
- ``homeward_handoff_latency_seconds{topic}``: from the producer's commit (the outbox row
  written) to this consumer's commit, so it includes the time a row waited in the outbox.
- ``homeward_outbox_backlog`` and ``homeward_outbox_oldest_unpublished_age_seconds``: rows
  not yet published, and how long the oldest has waited (0 when none).
- ``homeward_consumer_lag{group,topic,partition}``: the partition's end offset minus the
  group's committed offset, for every partition of the topics the service's groups read
  (the whole group's, so every instance of a service reports the same: take the max).
- ``homeward_dead_letters_total{topic}``: events sent to ``<topic>.dlq``.
- A service adds its own gauges (reintegration: overdue follow-up visits).

Gauges that need the database or the broker are computed when ``/metrics`` is scraped, each
query bounded by a timeout, and a scrape within ``metrics_min_refresh_s`` of the last reuses
its values: the cost is one indexed count (on the outbox's partial index of unpublished rows)
and a few Kafka admin requests per scrape.

``/metrics`` needs no user: a scraper is not a person. It tells nothing about a survivor
(counts and topic names only), but it does show the system's activity: in production it
must be reachable only from the monitoring network (firewall it, or bind a separate port).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import Response
from faststream import BaseMiddleware
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_fastapi_instrumentator import Instrumentator

from homeward_shared.logging import get_logger
from homeward_shared.outbox import OutboxRow, outbox_backlog
from homeward_shared.telemetry import H_WRITTEN_AT, QUIET_PATHS
from homeward_shared.transport import transport

if TYPE_CHECKING:
    from faststream.message import StreamMessage

    from homeward_shared.runtime import Service

log = get_logger(__name__)

# Hand-offs take milliseconds when all is well and hours when a broker or a service was down.
HANDOFF_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
QUERY_TIMEOUT_S = 3.0

Refresher = Callable[[], Awaitable[None]]


class ServiceMetrics:
    def __init__(self, service_name: str, *, min_refresh_s: float = 1.0) -> None:
        self.registry = r = CollectorRegistry()
        self.min_refresh_s = min_refresh_s
        self.published = Counter(
            "homeward_events_published", "Outbox rows the broker confirmed", ["topic"], registry=r
        )
        self.publish_failures = Counter(
            "homeward_outbox_publish_failures",
            "Outbox rows the broker refused (retried in order)",
            ["topic"],
            registry=r,
        )
        self.dead_letters = Counter(
            "homeward_dead_letters",
            "Events sent to the dead-letter topic, by original topic",
            ["topic"],
            registry=r,
        )
        self.handoff_latency = Histogram(
            "homeward_handoff_latency_seconds",
            "From the producer's commit to this consumer's commit",
            ["topic"],
            buckets=HANDOFF_BUCKETS,
            registry=r,
        )
        self.outbox_backlog = Gauge(
            "homeward_outbox_backlog", "Outbox rows not yet published", registry=r
        )
        self.outbox_oldest_age = Gauge(
            "homeward_outbox_oldest_unpublished_age_seconds",
            "Age of the oldest unpublished outbox row (0 when none)",
            registry=r,
        )
        self.consumer_lag = Gauge(
            "homeward_consumer_lag",
            "End offset minus the group's committed offset, per assigned partition",
            ["group", "topic", "partition"],
            registry=r,
        )
        self.kafka = KafkaPrometheusMiddleware(registry=r, app_name=service_name)
        self._refreshers: list[Refresher] = []
        self._lag_probe: LagProbe | None = None
        self._refreshed_at = float("-inf")
        self._refreshing = asyncio.Lock()

    def on_scrape(self, refresh: Refresher) -> None:
        """Run ``refresh`` (it sets gauges of its own) when ``/metrics`` is scraped."""
        self._refreshers.append(refresh)

    def gauge(self, name: str, documentation: str, **kwargs: Any) -> Gauge:
        return Gauge(name, documentation, registry=self.registry, **kwargs)

    async def refresh(self, service: Service[Any]) -> None:
        async with self._refreshing:
            now = time.monotonic()
            if now - self._refreshed_at < self.min_refresh_s:
                return
            self._refreshed_at = now
            jobs = {
                "outbox": self._outbox(service),
                "consumer_lag": self._lag(service),
                **{f"gauge_{i}": r() for i, r in enumerate(self._refreshers)},
            }
            outcomes = await asyncio.gather(
                *(asyncio.wait_for(j, QUERY_TIMEOUT_S) for j in jobs.values()),
                return_exceptions=True,
            )
            for name, outcome in zip(jobs, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    # The gauge keeps its last value; /health says what is down.
                    log.warning("metrics_refresh_failed", part=name, error=repr(outcome)[:200])

    async def _outbox(self, service: Service[Any]) -> None:
        if service.pool is None:
            return
        async with service.pool.acquire(timeout=QUERY_TIMEOUT_S) as conn:
            count, age = await outbox_backlog(conn, service.settings.db_schema)
        self.outbox_backlog.set(count)
        self.outbox_oldest_age.set(age or 0.0)

    async def _lag(self, service: Service[Any]) -> None:
        groups: dict[str, set[str]] = {}
        for sub in service.broker.subscribers:
            group = getattr(sub, "group_id", None)
            if group:
                groups.setdefault(group, set()).update(
                    getattr(sub, "topic_names_for_subscribe", [])
                )
        if not groups:
            return
        if self._lag_probe is None:
            self._lag_probe = LagProbe(transport(service.settings).kafka)
        lags = await self._lag_probe.measure(groups)
        # Partitions gone since the last scrape must not linger with a stale value.
        self.consumer_lag.clear()
        for (group, topic, partition), lag in lags.items():
            self.consumer_lag.labels(group=group, topic=topic, partition=str(partition)).set(lag)

    async def close(self) -> None:
        if self._lag_probe is not None:
            probe, self._lag_probe = self._lag_probe, None
            await probe.close()

    def published_rows(self, rows: list[OutboxRow]) -> None:
        for row in rows:
            self.published.labels(topic=row.topic).inc()

    def failed_row(self, row: OutboxRow) -> None:
        self.publish_failures.labels(topic=row.topic).inc()

    def dead_lettered(self, topic: str) -> None:
        self.dead_letters.labels(topic=topic).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class LagProbe:
    """Consumer lag measured from outside the consumers, as kafka-consumer-groups does: the
    groups' committed offsets (an admin client) against the partitions' end offsets (a
    consumer in no group, fetching nothing). A consumer that is stuck cannot hide its own
    lag, and no request waits behind a consumer's long-poll fetch. Made on the first scrape,
    closed when the service stops; each request answers in milliseconds."""

    def __init__(self, kafka: dict[str, Any]) -> None:
        # The same TLS/SASL options as the service's broker and relay (transport.py).
        self._kafka = kafka
        self._admin: AIOKafkaAdminClient | None = None
        self._offsets: AIOKafkaConsumer | None = None

    async def measure(self, groups: dict[str, set[str]]) -> dict[tuple[str, str, int], int]:
        if self._admin is None or self._offsets is None:
            await self.close()
            self._admin = AIOKafkaAdminClient(**self._kafka)
            await self._admin.start()
            self._offsets = AIOKafkaConsumer(**self._kafka, enable_auto_commit=False)
            await self._offsets.start()
        topics = sorted({t for ts in groups.values() for t in ts})
        partitions = [
            TopicPartition(d["topic"], p["partition"])
            for d in await self._admin.describe_topics(topics)
            if not d.get("error_code")
            for p in d["partitions"]
        ]
        if not partitions:
            return {}
        ends = await self._offsets.end_offsets(partitions)
        starts = await self._offsets.beginning_offsets(partitions)
        lags = {}
        for group, group_topics in groups.items():
            committed = await self._admin.list_consumer_group_offsets(group)
            for tp in partitions:
                if tp.topic in group_topics:
                    meta = committed.get(tp)
                    # Nothing committed yet: a new group reads from the beginning.
                    at = meta.offset if meta is not None and meta.offset >= 0 else starts[tp]
                    lags[(group, tp.topic, tp.partition)] = max(0, ends[tp] - at)
        return lags

    async def close(self) -> None:
        for client in (self._offsets, self._admin):
            if client is not None:
                with contextlib.suppress(Exception):
                    await (
                        client.stop() if isinstance(client, AIOKafkaConsumer) else client.close()
                    )
        self._admin = self._offsets = None


class HandoffObserver:
    """faststream middleware factory, innermost (inside the dead-letter middleware): an event
    handled without error closes its hand-off. Its latency is observed and one
    ``event_handled`` line logged; a dead-lettered or retried event is neither."""

    def __init__(self, metrics: ServiceMetrics) -> None:
        self.metrics = metrics

    def __call__(self, msg: Any, /, **kwargs: Any) -> _HandoffObserver:
        return _HandoffObserver(msg, metrics=self.metrics, **kwargs)


class _HandoffObserver(BaseMiddleware):
    def __init__(self, msg: Any, /, *, metrics: ServiceMetrics, **kwargs: Any) -> None:
        super().__init__(msg, **kwargs)
        self._metrics = metrics

    async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
        result = await call_next(msg)
        raw = msg.raw_message
        if isinstance(raw, tuple | list):
            return result
        latency = None
        written = (msg.headers or {}).get(H_WRITTEN_AT)
        if written:
            try:
                latency = max(0.0, time.time() - float(written))
            except ValueError:
                latency = None
        if latency is not None:
            self._metrics.handoff_latency.labels(topic=raw.topic).observe(latency)
        log.info(
            "event_handled",
            handoff_ms=round(latency * 1000, 1) if latency is not None else None,
        )
        return result


def instrument_metrics(service: Service[Any]) -> ServiceMetrics:
    """Wire metrics into a built service and serve them on ``/metrics``."""
    metrics = ServiceMetrics(
        service.settings.service_name, min_refresh_s=service.settings.metrics_min_refresh_s
    )
    # Outside the dead-letter middleware: it counts every event received, dead-lettered
    # ones included (their count is homeward_dead_letters_total).
    service.broker.insert_middleware(metrics.kafka)
    service.broker.add_middleware(HandoffObserver(metrics))
    service.relay.on_published = metrics.published_rows
    service.relay.on_failed = metrics.failed_row
    service.dead_letters.on_sent = metrics.dead_lettered
    Instrumentator(
        registry=metrics.registry,
        excluded_handlers=list(QUIET_PATHS),
        should_exclude_streaming_duration=True,  # the dashboard's live feed stays open
    ).instrument(service.app)

    async def serve_metrics() -> Response:
        await metrics.refresh(service)
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    # Not in the OpenAPI document and not behind a user: see the module's docstring.
    service.app.add_api_route("/metrics", serve_metrics, include_in_schema=False)

    async def close_on_stop(stop: asyncio.Event) -> None:
        await stop.wait()
        await metrics.close()

    service.background.append(close_on_stop)
    service.metrics = metrics
    return metrics
