"""Unit tier: how the trace context rides an outbox row and the relay's send, and how ids are
bound to log lines and unbound after."""

import uuid

import structlog
from homeward_shared.logging import add_trace_ids, bind_log_ids, log_scope
from homeward_shared.telemetry import (
    H_WRITTEN_AT,
    PROPAGATOR,
    end_relay_spans,
    stamp_outgoing,
    start_relay_span,
)
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


def provider() -> tuple[TracerProvider, InMemorySpanExporter]:
    spans = InMemorySpanExporter()
    p = TracerProvider()
    p.add_span_processor(SimpleSpanProcessor(spans))
    return p, spans


def as_row(headers: dict[str, str]) -> list[tuple[str, bytes]]:
    return [(k, v.encode()) for k, v in headers.items()]


def test_an_outbox_row_written_inside_a_span_carries_that_span_as_its_parent():
    p, _ = provider()
    with p.get_tracer("t").start_as_current_span("request") as span:
        headers = stamp_outgoing({"event_id": "e-1"})
    ctx = trace.get_current_span(PROPAGATOR.extract(headers)).get_span_context()
    assert (ctx.trace_id, ctx.span_id) == (
        span.get_span_context().trace_id,
        span.get_span_context().span_id,
    )
    assert float(headers[H_WRITTEN_AT]) > 0
    # Outside any span (a scheduler's sweep): no trace context, the relay starts one.
    assert "traceparent" not in stamp_outgoing({})


def test_the_relay_span_continues_the_stored_trace_and_sends_its_own_traceparent_once():
    p, spans = provider()
    with p.get_tracer("t").start_as_current_span("request") as request:
        stored = as_row(stamp_outgoing({"event_id": "e-1"}))
    span, sent = start_relay_span(p.get_tracer("relay"), "t.topic", b"case-1", stored)
    end_relay_spans([span])
    [finished] = [s for s in spans.get_finished_spans() if s.name == "t.topic publish"]
    assert finished.parent.span_id == request.get_span_context().span_id
    assert finished.context.trace_id == request.get_span_context().trace_id
    assert [k for k, _ in sent].count("traceparent") == 1
    carried = trace.get_current_span(
        PROPAGATOR.extract({k: v.decode() for k, v in sent})
    ).get_span_context()
    assert carried.span_id == finished.context.span_id  # the consumer's parent is the send
    assert dict(sent)["event_id"] == b"e-1"


def test_without_a_tracer_the_relay_passes_the_stored_context_on_untouched():
    p, _ = provider()
    with p.get_tracer("t").start_as_current_span("request"):
        stored = as_row(stamp_outgoing({}))
    _, sent = start_relay_span(trace.NoOpTracer(), "t.topic", b"k", stored)
    assert dict(sent)["traceparent"] == dict(stored)["traceparent"]


def test_a_log_scope_binds_for_its_extent_and_restores_what_was_bound_before():
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service="svc")
    case, pathway = uuid.uuid4(), uuid.uuid4()
    bind_log_ids([case], [pathway])  # outside a scope: nothing would unbind it
    assert structlog.contextvars.get_contextvars() == {"service": "svc"}
    with log_scope(event_id="e-1", topic=None):
        bind_log_ids([case, case], [pathway])
        assert structlog.contextvars.get_contextvars() == {
            "service": "svc",
            "event_id": "e-1",
            "case_id": str(case),
            "correlation_id": str(pathway),
        }
        bind_log_ids([uuid.uuid4(), uuid.uuid4()], [])  # two cases: neither is "the" case
        assert structlog.contextvars.get_contextvars()["case_id"] == str(case)
    assert structlog.contextvars.get_contextvars() == {"service": "svc"}
    structlog.contextvars.clear_contextvars()


def test_a_log_line_written_inside_a_span_names_its_trace_and_span():
    p, _ = provider()
    assert add_trace_ids(None, "info", {}) == {}
    with p.get_tracer("t").start_as_current_span("work") as span:
        line = add_trace_ids(None, "info", {"event": "x"})
    ctx = span.get_span_context()
    assert line["trace_id"] == format(ctx.trace_id, "032x")
    assert line["span_id"] == format(ctx.span_id, "016x")
