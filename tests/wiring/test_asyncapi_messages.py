"""Every message of every AsyncAPI document says what travels: a payload that real events
satisfy, the key and the headers (the integration test checks them on the real broker)."""

import enum
import json
import uuid
from datetime import UTC, datetime
from typing import ClassVar

import pytest
from homeward_shared.contracts import CaseErasureApproved, Topics
from homeward_shared.contracts.asyncapi import CATALOGUE, complete, published_by
from homeward_shared.contracts.erasure import ErasureReason
from homeward_shared.envelope import Envelope, Payload
from homeward_shared.telemetry import stamp_outgoing

from tests.asyncapi_check import SERVICES, Wire, check, documents, messages
from tools.gendocs import DOCS


def all_documents() -> dict[str, dict]:
    return {**documents(), "catalogue": json.loads((DOCS / "asyncapi.json").read_text())}


@pytest.mark.parametrize("name", [*SERVICES, "catalogue"])
def test_every_message_declares_a_payload_a_key_and_headers(name):
    doc = all_documents()[name]
    assert doc["channels"]
    for channel in doc["channels"].values():
        for ref in channel["messages"].values():
            message = doc["components"]["messages"][ref["$ref"].rsplit("/", 1)[-1]]
            where = f"{name}: {channel['address']}"
            payload = message["payload"]
            assert payload and payload.get("type") != "null", where
            if "$ref" in payload:
                target = payload["$ref"].rsplit("/", 1)[-1].replace("%5B", "[").replace("%5D", "]")
                schema = doc["components"]["schemas"][target]
                assert schema.get("type") != "null" and schema["properties"], where
            key = message.get("bindings", {}).get("kafka", {}).get("key", {})
            assert key.get("type"), f"{where}: no key"
            assert message.get("headers"), f"{where}: no headers"


def test_each_service_sends_what_the_catalogue_says_it_produces_and_its_dead_letters():
    docs = documents()
    consumed: dict[str, set[str]] = {}
    for service, doc in docs.items():
        for op in doc["operations"].values():
            if op["action"] == "receive":
                address = doc["channels"][op["channel"]["$ref"].rsplit("/", 1)[-1]]["address"]
                consumed.setdefault(service, set()).add(address)
    for service, doc in docs.items():
        sends = {
            doc["channels"][op["channel"]["$ref"].rsplit("/", 1)[-1]]["address"]
            for op in doc["operations"].values()
            if op["action"] == "send"
        }
        produced = {t for t, _ in published_by(service)}
        dead = {Topics.dead_letter(t) for t in produced | consumed.get(service, set())}
        assert sends == produced | dead, service
    # The erasure host publishes the erasure (it was missing from its document).
    assert messages(docs["intake"], "send", Topics().erasure_approved)
    assert not {t for t, _ in published_by("dashboard")}  # the dashboard only reads


def _erasure(producer: str) -> Wire:
    env = Envelope.wrap(
        CaseErasureApproved(erasure_id=uuid.uuid4(), reason=next(iter(ErasureReason))),
        case_id=uuid.uuid4(),
        producer=producer,
        correlation_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
    )
    headers = stamp_outgoing(env.headers())  # what the unit of work stores for the relay
    return Wire(
        Topics().erasure_approved,
        env.model_dump_json().encode(),
        str(env.case_id).encode(),
        tuple((k, v.encode()) for k, v in headers.items()),
    )


def test_an_event_as_the_outbox_writes_it_is_valid_for_its_producer_and_every_consumer():
    docs = documents()
    wire = _erasure("intake")
    assert check(docs["intake"], "send", wire) == []
    for service in SERVICES:
        assert check(docs[service], "receive", wire) == [], service


def test_the_documents_refuse_what_the_services_would_not_send():
    docs = documents()
    good = _erasure("intake")
    assert check(docs["recovery"], "receive", _erasure("recovery"))  # not its producer
    for wire in (
        Wire(good.address, good.value, b"not-a-case-id", good.headers),
        Wire(good.address, good.value, good.key, (*good.headers, ("note", b"anything"))),
        Wire(good.address, good.value, good.key, good.headers[1:]),  # no event id
        Wire(good.address, b'{"event_type": "case.erasure_approved"}', good.key, good.headers),
    ):
        assert check(docs["recovery"], "receive", wire), wire


def test_the_catalogue_names_a_producer_for_every_topic():
    assert all(producers for _, _, producers in CATALOGUE)


def test_two_contract_models_of_one_name_are_refused_not_overwritten():
    def contract(values: list[str]) -> type[Payload]:
        kind = enum.StrEnum("Level", values)  # type: ignore[misc]

        class Measured(Payload):
            event_type: ClassVar[str] = "test.measured"
            level: kind  # type: ignore[valid-type]

        return Measured

    doc = {
        "channels": {
            name: {"address": name, "messages": {"M": {"$ref": f"#/components/messages/{name}"}}}
            for name in ("a", "b")
        },
        "components": {"messages": {"a": {}, "b": {}}},
    }
    with pytest.raises(ValueError, match="Level"):
        complete(doc, {"a": contract(["low"]), "b": contract(["high"])}, lambda _: ())
