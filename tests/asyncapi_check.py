"""Checking Kafka records against the committed AsyncAPI documents (docs/asyncapi/), as an
outside client would: the value against the message's payload schema, the key against its
Kafka binding, the headers against its headers schema, with ``jsonschema``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aiokafka import ConsumerRecord
from jsonschema import Draft202012Validator, FormatChecker

from tools.gendocs import DOCS

SERVICES = ("intake", "investigation", "recovery", "reintegration", "dashboard")


def documents() -> dict[str, dict[str, Any]]:
    return {s: json.loads((DOCS / "asyncapi" / f"{s}.json").read_text()) for s in SERVICES}


def _name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def messages(doc: dict[str, Any], action: str, address: str) -> list[dict[str, Any]]:
    """The messages ``doc`` declares for ``action`` ("send"/"receive") on ``address``."""
    found = []
    for op in doc.get("operations", {}).values():
        channel = doc["channels"][_name(op["channel"]["$ref"])]
        if op["action"] != action or channel["address"] != address:
            continue
        for ref in channel["messages"].values():
            found.append(doc["components"]["messages"][_name(ref["$ref"])])
    return found


def _errors(doc: dict[str, Any], schema: dict[str, Any], instance: Any, what: str) -> list[str]:
    # The document is the root, so that its "#/components/..." references resolve.
    validator = Draft202012Validator(
        {**schema, "components": doc.get("components", {})}, format_checker=FormatChecker()
    )
    return [
        f"{what}: {'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


@dataclass(frozen=True)
class Wire:
    """One record as read from the broker, its topic without the test's prefix."""

    address: str
    value: bytes | None
    key: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    @classmethod
    def of(cls, record: ConsumerRecord[Any, Any], prefix: str) -> Wire:
        return cls(record.topic.removeprefix(prefix), record.value, record.key, record.headers)


def check(doc: dict[str, Any], action: str, wire: Wire) -> list[str]:
    """Why ``wire`` is not a message ``doc`` declares for ``action`` on its address ([] if
    it is one of them)."""
    declared = messages(doc, action, wire.address)
    if not declared:
        return [f"no {action} operation on {wire.address}"]
    problems: list[str] = []
    for message in declared:
        names = [k for k, _ in wire.headers]
        errors = [f"headers: {n} repeated" for n in set(names) if names.count(n) > 1]
        if "headers" not in message:
            errors.append("headers: none declared")
        else:
            headers = {k: v.decode() for k, v in wire.headers}
            errors += _errors(doc, message["headers"], headers, "headers")
        key = message.get("bindings", {}).get("kafka", {}).get("key")
        if key is None:
            errors.append("key: no Kafka message binding declares it")
        else:
            errors += _errors(doc, key, None if wire.key is None else wire.key.decode(), "key")
        value = wire.value or b""
        if message.get("contentType", doc.get("defaultContentType")) == "application/json":
            try:
                body: Any = json.loads(value)
            except ValueError:
                errors.append("payload: not JSON")
            else:
                errors += _errors(doc, message["payload"], body, "payload")
        else:
            errors += _errors(doc, message["payload"], value.decode("latin-1"), "payload")
        if not errors:
            return []
        problems += errors
    return problems


def check_all(
    docs: dict[str, dict[str, Any]], wires: Iterable[Wire], consumers: Iterable[str]
) -> list[str]:
    """Every record against its producer's document (a send operation: the producer named
    in its ``producer`` header, or for a dead letter its ``dlq.service``) and against the
    document of every service in ``consumers`` that receives from its topic."""
    problems = []
    for wire in wires:
        headers = {k: v.decode(errors="replace") for k, v in wire.headers}
        producer = headers.get("dlq.service") or headers.get("producer")
        if producer not in docs:
            problems.append(f"{wire.address}: producer {producer!r} has no document")
        else:
            problems += [
                f"{producer} {wire.address}: {p}" for p in check(docs[producer], "send", wire)
            ]
        for service in consumers:
            if messages(docs[service], "receive", wire.address):
                problems += [
                    f"{service} receives {wire.address}: {p}"
                    for p in check(docs[service], "receive", wire)
                ]
    return problems
