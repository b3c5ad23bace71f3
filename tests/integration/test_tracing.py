"""Tracing and log context over the real broker and database: one walk-in's pathway, from
intake through recovery to reintegration, is one trace across HTTP requests, outbox rows,
Kafka messages and consumers' transactions, and the log lines of each handling carry the
case, the pathway and the trace."""

import contextlib
import io
import json
import sys
import uuid
from collections.abc import Iterator

import httpx
import pytest
import structlog
from homeward_intake.bootstrap import bootstrap as intake_app
from homeward_intake.settings import IntakeSettings
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.settings import RecoverySettings
from homeward_reintegration.bootstrap import bootstrap as reintegration_app
from homeward_reintegration.settings import ReintegrationSettings
from homeward_shared.telemetry import PROPAGATOR
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.journeys import reunite_with_family
from homeward_shared.testing.plugin import running, settings_for
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.integration.helpers import CENTRE, INTAKE, REINTEGRATION, client
from tests.integration.serving import serving

pytestmark = pytest.mark.integration

CANARY = f"canary-{uuid.uuid4().hex}"


def traced(headers: dict[str, str]) -> dict[str, str]:
    """The caller's headers plus its trace context, as an instrumented front end sends."""
    out = dict(headers)
    PROPAGATOR.inject(out)
    return out


@contextlib.contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    """Every service's JSON log lines, through the configured processors."""
    buffer = io.StringIO()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=buffer))
    try:
        yield buffer
    finally:
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=sys.stderr))


def lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]


def hex_id(n: int, width: int) -> str:
    return format(n, f"0{width}x")


async def walk_in_to_reintegration(
    ic: httpx.AsyncClient, rc: httpx.AsyncClient, gc: httpx.AsyncClient, *, resettle: bool
) -> dict:
    r = await ic.post(
        "/signals",
        headers=traced(INTAKE),
        json={
            "idempotency_key": uuid.uuid4().hex,
            "source": "clinic_walk_in",
            "urgency": "high",
            "needs_shelter": True,
            "name": CANARY,
        },
    )
    assert r.status_code == 201, r.text
    signal = r.json()
    case_id = signal["case_id"]
    r = await ic.post(
        f"/signals/{signal['signal_id']}/placement-request",
        headers=traced(INTAKE),
        json={"reason": "walk_in_needs_shelter"},
    )
    assert r.status_code == 202, r.text

    async def queued():
        r = await rc.get("/admission-requests", headers=traced(CENTRE))
        return [q for q in r.json() if q["case_id"] == case_id]

    await wait_until(queued, what="the placement request reaches recovery")
    r = await rc.post(
        "/admissions",
        headers=traced(CENTRE),
        json={
            "case_id": case_id,
            "centre": "TD",
            "informed_consent": True,
            "house_rules_accepted": True,
            "consent_given_on": "2026-11-24",
            "identity": {"name": CANARY, "village": CANARY},
        },
    )
    assert r.status_code == 201, r.text
    r = await rc.post(
        f"/residents/{case_id}/reintegration-handoff",
        headers=traced(CENTRE),
        json={"skills": ["sewing_garment_factory"], "wishes_to_return_home": True},
    )
    assert r.status_code == 202, r.text

    async def handed_on():
        r = await gc.get(f"/cases/{case_id}", headers=traced(REINTEGRATION))
        return r.status_code == 200

    await wait_until(handed_on, what="the hand-off reaches reintegration")
    if resettle:
        await reunite_with_family(gc, case_id, traced(REINTEGRATION), wants_business=False)
    return signal


def services(database, topics):
    return (
        intake_app(settings_for(IntakeSettings, database, topics)),
        recovery_app(settings_for(RecoverySettings, database, topics)),
        reintegration_app(settings_for(ReintegrationSettings, database, topics)),
    )


def one(spans: list[ReadableSpan], **where) -> ReadableSpan:
    found = [
        s
        for s in spans
        if all(
            (s.resource.attributes.get("service.name") if k == "service" else getattr(s, k)) == v
            for k, v in where.items()
        )
    ]
    assert len(found) == 1, (where, [(s.name, s.kind) for s in found])
    return found[0]


async def test_one_walk_in_pathway_is_one_trace_across_http_outbox_kafka_and_consumers(
    database, topics
):
    spans = InMemorySpanExporter()
    intake, recovery, reintegration = services(database, topics)
    for s in (intake, recovery, reintegration):
        s.telemetry.provider.add_span_processor(SimpleSpanProcessor(spans))
    # The caller's own tracer: a front end that starts the pathway's trace and sends its
    # traceparent with each request. The services listen on real sockets and were started
    # before the trace began, so none of their tasks shares the test's context: every link
    # below goes through a header (an in-process client would run the app in the caller's
    # context, and the instrumentation would nest the request under it without reading one).
    caller = TracerProvider().get_tracer("front-end")
    async with (
        running(intake, recovery, reintegration),
        serving(intake) as intake_url,
        serving(recovery) as recovery_url,
        serving(reintegration) as reintegration_url,
        httpx.AsyncClient(base_url=intake_url) as ic,
        httpx.AsyncClient(base_url=recovery_url) as rc,
        httpx.AsyncClient(base_url=reintegration_url) as gc,
    ):
        with caller.start_as_current_span("walk-in pathway") as root:
            signal = await walk_in_to_reintegration(ic, rc, gc, resettle=True)
        case_id = signal["case_id"]
        trace_id = root.get_span_context().trace_id
        prefix = topics.prefix

        def ours() -> list[ReadableSpan]:
            return [s for s in spans.get_finished_spans() if s.context.trace_id == trace_id]

        resettled = f"{topics.stage_changed} publish"
        await wait_until(
            lambda: sum(s.name == resettled for s in ours()) == 5,
            what="the relays' spans of all five stage changes",
        )
        mine = ours()

    # Every message about her, sent or handled, belongs to the pathway's trace. (Other cases
    # of the session's database may share the topics: the reintegration scheduler alerts on
    # their visits in traces of its own.)
    about_her = [
        s
        for s in spans.get_finished_spans()
        if s.name.startswith(prefix)
        and str((s.attributes or {}).get("messaging.kafka.message.key"))
        in (case_id, f"b'{case_id}'")
    ]
    # At least 5 stage changes and 2 hand-offs sent, the 2 hand-offs consumed (and her figures).
    assert len(about_her) >= 9
    strays = [(s.name, s.kind) for s in about_her if s.context.trace_id != trace_id]
    assert not strays, strays
    assert {s.resource.attributes["service.name"] for s in mine} == {
        "intake",
        "recovery",
        "reintegration",
    }

    # Each hand-off, link by link: the HTTP request's span is the parent of the relay's
    # producer span (the trace context stored with the outbox row), which is the parent of
    # the consumer's span (the traceparent the relay sent).
    for producer, route, topic, consumer in (
        (
            "intake",
            "POST /signals/{signal_id}/placement-request",
            topics.placement_requested,
            "recovery",
        ),
        (
            "recovery",
            "POST /residents/{case_id}/reintegration-handoff",
            topics.resident_ready_for_reintegration,
            "reintegration",
        ),
    ):
        request = one(mine, service=producer, name=route, kind=SpanKind.SERVER)
        assert request.parent.span_id == root.get_span_context().span_id
        sent = one(mine, service=producer, name=f"{topic} publish", kind=SpanKind.PRODUCER)
        assert sent.parent.span_id == request.context.span_id
        handled = one(mine, service=consumer, name=f"{topic} process", kind=SpanKind.CONSUMER)
        assert handled.parent.span_id == sent.context.span_id
        # Each carries the pathway's ids, which find its other traces.
        assert request.attributes["homeward.case_id"] == signal["case_id"]
        assert request.attributes["homeward.correlation_id"] == signal["signal_id"]
        assert sent.attributes["messaging.kafka.message.key"] == signal["case_id"]
        assert sent.attributes["homeward.correlation_id"] == signal["signal_id"]
        assert handled.attributes["messaging.message.conversation_id"] == signal["signal_id"]

    # No body and no personal field in any span.
    for s in spans.get_finished_spans():
        assert CANARY not in json.dumps(
            {k: str(v) for k, v in (s.attributes or {}).items()} | {"name": s.name}
        )


async def test_the_log_lines_of_a_handled_event_and_of_a_request_carry_case_pathway_and_trace(
    database, topics
):
    spans = InMemorySpanExporter()
    intake, recovery, reintegration = services(database, topics)
    for s in (intake, recovery, reintegration):
        s.telemetry.provider.add_span_processor(SimpleSpanProcessor(spans))
    with captured_logs() as logs:
        async with (
            running(intake, recovery, reintegration),
            client(intake) as ic,
            client(recovery) as rc,
            client(reintegration) as gc,
        ):
            # No caller trace here: each request starts its own.
            signal = await walk_in_to_reintegration(ic, rc, gc, resettle=False)
            case_id = signal["case_id"]

            def handled(topic: str) -> list[dict]:
                return [
                    line
                    for line in lines(logs)
                    if line["event"] == "event_handled" and line.get("topic") == topic
                ]

            await wait_until(lambda: handled(topics.resident_ready_for_reintegration))
    everything = lines(logs)
    assert CANARY not in logs.getvalue()  # her name went in, and never into a log line

    [line] = handled(topics.placement_requested)
    assert line["case_id"] == case_id
    assert line["correlation_id"] == signal["signal_id"]
    assert line["event_type"] == "intake.placement_requested"
    assert line["handoff_ms"] >= 0
    consumed = one(
        spans.get_finished_spans(),
        service="recovery",
        name=f"{topics.placement_requested} process",
    )
    assert line["trace_id"] == hex_id(consumed.context.trace_id, 32)
    assert line["span_id"] == hex_id(consumed.context.span_id, 16)

    # The request that asked for her placement: its one access line names the case its
    # transaction worked on (the path names only the signal), and the same trace.
    [request] = [
        r
        for r in everything
        if r["event"] == "http_request" and r["route"] == "/signals/{signal_id}/placement-request"
    ]
    assert request["case_id"] == case_id
    assert request["correlation_id"] == signal["signal_id"]
    assert request["trace_id"] == line["trace_id"]
    assert request["status"] == 202
    # A route with the case in its path binds it from the path.
    handoffs = [
        r
        for r in everything
        if r["event"] == "http_request"
        and r["route"] == "/residents/{case_id}/reintegration-handoff"
    ]
    assert [r["case_id"] for r in handoffs] == [case_id]
    # Nothing bound while handling leaks past it: the test's own lines carry no case.
    assert "case_id" not in structlog.contextvars.get_contextvars()
