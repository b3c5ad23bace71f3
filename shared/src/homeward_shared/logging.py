"""structlog JSON logging that never prints a field marked personal.

Logs carry ids, never personal data. The redactor is the last line of defence: it drops
every key registered as personal (see ``personal.register_personal``) wherever it appears,
also nested; the first line is not to log personal values at all.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import uuid
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any

import structlog
from opentelemetry import trace

from homeward_shared.personal import registered_personal_names

REDACTED = "[personal]"
BROKER_LOGGER = "homeward.broker"

# True while one request or event is handled: only then may ids be bound from inside.
_scoped: ContextVar[bool] = ContextVar("homeward_log_scoped", default=False)


def _redact(value: Any, names: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: REDACTED if k in names else _redact(v, names) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(v, names) for v in value]
    return value


def redact_personal(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    names = registered_personal_names()
    return {k: REDACTED if k in names else _redact(v, names) for k, v in event_dict.items()}


def add_trace_ids(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """The current span's ids, read when the line is written: the span of the request or
    event being handled (set by the FastAPI and faststream instrumentation), so a log line
    leads to its trace and back."""
    ctx = trace.get_current_span().get_span_context()
    if ctx.is_valid:
        event_dict.setdefault("trace_id", format(ctx.trace_id, "032x"))
        event_dict.setdefault("span_id", format(ctx.span_id, "016x"))
    return event_dict


@contextlib.contextmanager
def log_scope(**ids: Any) -> Iterator[None]:
    """Bind ids to every log line written while handling one request or event, and restore
    what was bound before on the way out, whatever was bound inside (the unit of work adds
    the case it committed). The same task may handle the next message or, under an
    in-process test client, be the caller itself: nothing bound here may outlive it."""
    saved = structlog.contextvars.get_contextvars()
    structlog.contextvars.bind_contextvars(**{k: v for k, v in ids.items() if v is not None})
    token = _scoped.set(True)
    try:
        yield
    finally:
        _scoped.reset(token)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(**saved)


def bind_log_ids(case_ids: Iterable[uuid.UUID], correlation_ids: Iterable[uuid.UUID]) -> None:
    """Bind the case and pathway a transaction worked on, when it worked on exactly one, to
    the log lines and the current span:
    a request that opens a case learns its id only here. Outside a ``log_scope`` (a
    scheduler's loop, say) nothing is bound: nothing would unbind it."""
    if not _scoped.get():
        return
    cases, pathways = set(case_ids), set(correlation_ids)
    ids: dict[str, str] = {}
    if len(cases) == 1:
        ids["case_id"] = str(next(iter(cases)))
    if len(pathways) == 1:
        ids["correlation_id"] = str(next(iter(pathways)))
    if ids:
        structlog.contextvars.bind_contextvars(**ids)
        # The same ids on the request's or event's span: how a pathway's traces are found.
        trace.get_current_span().set_attributes({f"homeward.{k}": v for k, v in ids.items()})


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        add_trace_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_personal,
        structlog.processors.format_exc_info,
    ]
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    structlog.contextvars.bind_contextvars(service=service)
    # Libraries (faststream, aiokafka, uvicorn) log through the standard library: render
    # their records with the same processors, redactor included, as one JSON line each.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=processors,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger(BROKER_LOGGER).setLevel(logging.getLevelName(level))


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)
