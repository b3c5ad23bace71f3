"""A canary typed into any string field of any event contract is refused, at publish (the
payload cannot be built) and at consume (the envelope does not parse), and the reason a
consumer dead-letters it with never repeats it (issue 16).

Every contract of the catalogue has a valid example here; the string fields are found from
the contract's own JSON schema (properties, list items, a map's keys and values), so a new
string field is tried without anyone listing it. A field that took the canary would carry
free text onto Kafka: the test names it.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from homeward_shared.contracts.asyncapi import CATALOGUE
from homeward_shared.dead_letters import describe
from homeward_shared.envelope import Envelope, Payload, parse_envelope
from pydantic import ValidationError

CANARY = "Srey Zqc4n4ry"
ID = str(uuid.uuid4())

EXAMPLES: dict[str, dict[str, Any]] = {
    "CaseStageChanged": {
        "stage": "rescued",
        "previous_stage": "reported",
        "centre": "TD",
        "reason": "walk_in_needs_shelter",
    },
    "FigureRecorded": {
        "metric": "outreach_clinic_consultations",
        "on": "2026-03-01",
        "dimensions": {"province": "KH-12", "district": "1201"},
        "amount": "2",
    },
    "PlacementRequested": {
        "case_number": "IN-2026-000001",
        "source": "clinic_walk_in",
        "urgency": "high",
        "language": "km",
    },
    "LeadReported": {
        "lead_id": ID,
        "establishment_kind": "club",
        "province": "KH-12",
        "district": "1201",
        "urgency": "high",
    },
    "LegalReferralIssued": {
        "referral_id": ID,
        "report_id": ID,
        "establishment_id": ID,
        "case_ids": [ID],
        "urgency": "high",
        "indicators": ["debt_bondage"],
    },
    "PersonRescued": {
        "case_number": "IV-2026-000001",
        "operation_id": ID,
        "urgency": "high",
        "language": "vi",
    },
    "LegalMilestoneRecorded": {
        "referral_id": ID,
        "milestone": "charges_filed",
        "occurred_on": "2026-03-01",
        "persons_concerned": 2,
    },
    "ResidentReadyForReintegration": {
        "case_number": "IN-2026-000001",
        "centre": "TD",
        "skills": ["sewing_garment_factory"],
    },
    "TrainingRecorded": {
        "centre": "TD",
        "milestone": "enrolled",
        "trade": "hairdressing",
        "on": "2026-03-01",
    },
    "LegalAssistanceRequested": {
        "request_id": ID,
        "kind": "identity_documents",
        "urgency": "high",
        "centre": "TD",
    },
    "FollowUpVisitOverdue": {
        "case_number": "IN-2026-000001",
        "visit_no": 1,
        "due_on": "2026-03-01",
        "days_overdue": 3,
    },
    "CaseErasureApproved": {"erasure_id": ID, "reason": "survivor_request"},
}
CONTRACTS = [c for _, c, _ in CATALOGUE]


def envelope(contract: type[Payload], payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": contract.event_type,
        "schema_version": contract.schema_version,
        "case_id": ID,
        "occurred_at": datetime.now(UTC).isoformat(),
        "producer": "intake",
        "correlation_id": ID,
        "payload": payload,
    }


def string_slots(schema: dict[str, Any], node: dict[str, Any], path: tuple) -> Iterator[tuple]:
    """Paths (into an instance) of every string the schema allows; ``("key", p)`` is a map's
    key at ``p``."""
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    for branch in node.get("anyOf", []) + node.get("oneOf", []):
        yield from string_slots(schema, branch, path)
    if node.get("type") == "string" or "enum" in node:
        yield path
    for name, sub in node.get("properties", {}).items():
        yield from string_slots(schema, sub, (*path, name))
    if "items" in node:
        yield from string_slots(schema, node["items"], (*path, 0))
    if node.get("type") == "object" and "properties" not in node:
        yield ("key", path)
        for sub in [*node.get("patternProperties", {}).values(), node.get("additionalProperties")]:
            if isinstance(sub, dict):
                yield from string_slots(schema, sub, (*path, "dimension_x"))


def planted(instance: dict[str, Any], slot: tuple) -> dict[str, Any]:
    out = copy.deepcopy(instance)
    if slot and slot[0] == "key":
        target = out
        for part in slot[1]:
            target = target[part]
        target[CANARY] = "x"
        return out
    *parents, last = slot
    target = out
    for part in parents:
        if isinstance(part, int):
            while len(target) <= part:
                target.append({})
        elif part not in target or target[part] is None:
            target[part] = [] if isinstance(last, int) else {}
        target = target[part]
    if isinstance(last, int):
        while len(target) <= last:
            target.append(None)
    target[last] = CANARY
    return out


def test_every_contract_has_an_example_that_parses():
    assert set(EXAMPLES) == {c.__name__ for c in CONTRACTS}
    for contract in CONTRACTS:
        raw = json.dumps(envelope(contract, EXAMPLES[contract.__name__]))
        assert parse_envelope(raw, contract).payload == contract(**EXAMPLES[contract.__name__])


def _slots(contract: type[Payload]) -> list[tuple]:
    schema = Envelope[contract].model_json_schema()  # type: ignore[valid-type]
    env = envelope(contract, EXAMPLES[contract.__name__])
    return sorted(set(string_slots(schema, schema, ())), key=str), env


@pytest.mark.parametrize("contract", CONTRACTS, ids=[c.__name__ for c in CONTRACTS])
def test_a_canary_in_any_string_field_is_refused_at_publish_and_at_consume(contract):
    slots, env = _slots(contract)
    assert any(s[:1] == ("payload",) or s[:1] == ("key",) for s in slots) or not [
        f for f, v in env["payload"].items() if isinstance(v, str)
    ]
    took = []
    for slot in slots:
        bad = planted(env, slot)
        try:
            parse_envelope(json.dumps(bad), contract)
        except ValueError as exc:  # ValidationError, or the type or version refused
            assert CANARY not in describe(exc), slot
            assert "Zqc4n4ry" not in describe(exc), slot
        else:
            took.append(slot)
            continue
        if slot[:1] == ("payload",) or (slot[0] == "key" and slot[1][:1] == ("payload",)):
            with pytest.raises(ValidationError):
                contract(**bad["payload"])
    assert not took, f"{contract.__name__} carries free text in {took}"
