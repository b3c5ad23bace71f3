"""Tracing: an HTTP request, the outbox rows it writes, the Kafka messages the relay sends and
the consumer's transaction are one trace, and so is every hand-off that transaction causes.

Invariants:
- Spans come from the libraries' instrumentation: FastAPI's (a server span per request, its
  parent taken from the caller's ``traceparent``) and faststream's Kafka telemetry
  middleware (a consumer span per message, its parent taken from the message's
  ``traceparent``). The one span written here is the relay's, which no library sees: the
  relay sends with aiokafka directly.
- The unit of work stores the current trace context (W3C ``traceparent``/``tracestate``) in
  each outbox row's headers with the change, so the trace survives the outbox hop however
  long the row waits (a broker that is down for an hour, say). The relay opens a producer
  span as that context's child and sends its own ``traceparent``.
- Only trace context crosses services: no W3C baggage is read or sent, since a baggage
  entry could carry anything. Span attributes are ids, topics and routes, never a body.
- Each service has its own tracer provider (its ``service.name``), so several services in
  one process (the tests) still export as themselves. Spans are made even when nothing is
  exported: their ids go into every log line and across every hand-off.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from faststream import BaseMiddleware
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from opentelemetry import trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.routing import Match

from homeward_shared.envelope import H_CORRELATION_ID, H_EVENT_ID, H_EVENT_TYPE
from homeward_shared.logging import get_logger, log_scope
from homeward_shared.settings import ServiceSettings

if TYPE_CHECKING:
    from faststream.message import StreamMessage
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from homeward_shared.runtime import Service

log = get_logger(__name__)

PROPAGATOR = TraceContextTextMapPropagator()
# When the unit of work wrote the row (seconds since the epoch): the start of a hand-off's
# latency, which a consumer measures once its own transaction committed.
H_WRITTEN_AT = "written_at"
# Paths probed every few seconds: no span, no access line.
QUIET_PATHS = ("/health", "/metrics")


class Telemetry:
    """A service's tracer provider and the instrumentation built on it."""

    def __init__(self, settings: ServiceSettings, exporter: SpanExporter | None = None) -> None:
        self.provider = TracerProvider(
            resource=Resource.create(
                {"service.name": settings.service_name, "service.namespace": "homeward"}
            ),
            sampler=ParentBased(TraceIdRatioBased(settings.otel_traces_sampler_arg)),
        )
        exporter = exporter or _exporter(settings)
        if exporter is not None:
            self.provider.add_span_processor(BatchSpanProcessor(exporter))
        self.tracer = self.provider.get_tracer("homeward_shared")

    def kafka_middleware(self) -> KafkaTelemetryMiddleware:
        # Its metrics would duplicate the Prometheus ones (metrics.py): none from here.
        return KafkaTelemetryMiddleware(
            tracer_provider=self.provider, meter_provider=NoOpMeterProvider()
        )

    def instrument_app(self, app: Any) -> None:
        FastAPIInstrumentor.instrument_app(
            app,
            tracer_provider=self.provider,
            meter_provider=NoOpMeterProvider(),
            excluded_urls=",".join(QUIET_PATHS),
            exclude_spans=["receive", "send"],  # one span per request, not one per ASGI message
        )


def _exporter(settings: ServiceSettings) -> SpanExporter | None:
    if settings.otel_traces_exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(endpoint=settings.otel_exporter_otlp_traces_endpoint)
    if settings.otel_traces_exporter == "console":
        return ConsoleSpanExporter()
    return None


def stamp_outgoing(headers: dict[str, str]) -> dict[str, str]:
    """What an outbox row's headers carry besides the envelope's ids: the trace context of
    the transaction that wrote it, and when it was written."""
    PROPAGATOR.inject(headers)
    headers[H_WRITTEN_AT] = f"{time.time():.6f}"
    return headers


def start_relay_span(
    tracer: trace.Tracer, topic: str, key: bytes, headers: list[tuple[str, bytes]]
) -> tuple[Span, list[tuple[str, bytes]]]:
    """The relay's producer span for one row, child of the context the row was written in;
    returns it (to end once the broker confirmed) and the headers to send, whose
    ``traceparent`` is now this span's, so the consumer's span becomes its child."""
    carrier = {k: v.decode() for k, v in headers}
    span = tracer.start_span(
        f"{topic} publish",
        context=PROPAGATOR.extract(carrier),
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation": "publish",
            "messaging.destination.name": topic,
            "messaging.kafka.message.key": key.decode(),
            "messaging.message.id": carrier.get(H_EVENT_ID, ""),
            "homeward.correlation_id": carrier.get(H_CORRELATION_ID, ""),
        },
    )
    if not span.get_span_context().is_valid:
        return span, headers  # no tracing at all: pass the stored context on untouched
    out = {k: v for k, v in carrier.items() if k not in PROPAGATOR.fields}
    PROPAGATOR.inject(out, context=trace.set_span_in_context(span))
    return span, [(k, v.encode()) for k, v in out.items()]


def end_relay_spans(spans: Iterable[Span], failure: BaseException | None = None) -> None:
    for span in spans:
        if failure is not None:
            span.set_status(Status(StatusCode.ERROR, type(failure).__name__))
        span.end()


class EventLogContext:
    """faststream middleware factory: every log line written while one event is handled
    carries its case, pathway, event id and type (the trace ids come from the span)."""

    def __call__(self, msg: Any, /, **kwargs: Any) -> _EventLogContext:
        return _EventLogContext(msg, **kwargs)


class _EventLogContext(BaseMiddleware):
    async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
        headers = msg.headers or {}
        raw = msg.raw_message
        single = not isinstance(raw, tuple | list)  # a batch binds per event where it splits
        with log_scope(
            topic=raw.topic if single else None,
            case_id=_text(raw.key) if single else None,
            correlation_id=headers.get(H_CORRELATION_ID),
            event_id=headers.get(H_EVENT_ID),
            event_type=headers.get(H_EVENT_TYPE),
        ):
            return await call_next(msg)


def _text(value: bytes | None) -> str | None:
    if value is None:
        return None
    try:
        return str(uuid.UUID(value.decode()))  # keys are case ids; anything else is not logged
    except (UnicodeDecodeError, ValueError):
        return None


class RequestLogContext:
    """ASGI middleware: every log line of one request carries the case of its path (where
    the route has a ``case_id``; a request that opens a case binds it when its unit of work
    commits), and one ``http_request`` line closes the request with route, status and time.
    Paths and query strings are never logged: the route template is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in QUIET_PATHS:
            await self.app(scope, receive, send)
            return
        route, params = _route_of(scope)
        status = 500
        started = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        case_id = _text(str(params.get("case_id", "")).encode())
        if case_id is not None:
            trace.get_current_span().set_attribute("homeward.case_id", case_id)
        with log_scope(case_id=case_id):
            try:
                await self.app(scope, receive, send_status)
            finally:
                log.info(
                    "http_request",
                    method=scope["method"],
                    route=route,
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 1),
                )


def _route_of(scope: Scope) -> tuple[str, dict[str, Any]]:
    """The route template and path parameters of a request, before routing: what the log
    lines of the whole request are bound to."""
    for route in _flat_routes(getattr(scope.get("app"), "routes", ())):
        match, child = route.matches(scope)
        if match == Match.FULL:
            return getattr(route, "path", "?"), child.get("path_params", {})
    return "unmatched", {}


def _flat_routes(routes: Iterable[Any]) -> Iterator[Any]:
    # FastAPI (>= 0.116) keeps an included router as one entry whose ``matches`` names no
    # route; its ``effective_route_contexts`` are the matchable, fully prefixed routes.
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            for context in contexts():
                yield getattr(context, "starlette_route", None) or context
        else:
            yield route


def instrument_tracing(service: Service[Any]) -> Telemetry:
    """Wire tracing and log context into a built service: spans on its HTTP routes, its
    consumers and its relay; ids in its log lines."""
    telemetry = Telemetry(service.settings)
    # Outermost first: the span exists before anything inside logs; the log context wraps
    # the dead-letter middleware, so a dead letter's log line names its case too.
    service.broker.insert_middleware(EventLogContext())
    service.broker.insert_middleware(telemetry.kafka_middleware())
    service.relay.tracer = telemetry.tracer
    service.app.add_middleware(RequestLogContext)
    telemetry.instrument_app(service.app)
    service.telemetry = telemetry
    return telemetry
