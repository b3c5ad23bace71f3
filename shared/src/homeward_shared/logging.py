"""structlog JSON logging that never prints a field marked personal.

Logs carry ids, never personal data. The redactor is the last line of defence: it drops
every key registered as personal (see ``personal.register_personal``) wherever it appears,
also nested; the first line is not to log personal values at all.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from homeward_shared.personal import registered_personal_names

REDACTED = "[personal]"
BROKER_LOGGER = "homeward.broker"


def _redact(value: Any, names: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: REDACTED if k in names else _redact(v, names) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(v, names) for v in value]
    return value


def redact_personal(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    names = registered_personal_names()
    return {k: REDACTED if k in names else _redact(v, names) for k, v in event_dict.items()}


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
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
