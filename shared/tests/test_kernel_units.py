"""Unit tier: the kernel's pure parts."""

import gc
import json
import uuid
from datetime import UTC, datetime
from typing import ClassVar

import pytest
from cryptography.exceptions import InvalidTag
from homeward_shared.contracts import CaseStageChanged, FigureRecorded, PlacementRequested, Topics
from homeward_shared.contracts.handoffs import SignalSource, Urgency
from homeward_shared.crypto import MasterKey, open_with, seal_with
from homeward_shared.dead_letters import describe
from homeward_shared.domain import StageEntered
from homeward_shared.envelope import (
    ContractInvalid,
    Envelope,
    Payload,
    UnsupportedSchemaVersion,
    parse_envelope,
)
from homeward_shared.heap import YOUNG_THRESHOLD, collector_tuned
from homeward_shared.logging import REDACTED, redact_personal
from homeward_shared.messages import Outgoing, envelopes_for
from homeward_shared.personal import PersonalField, personal_field_names, register_personal
from homeward_shared.stages import Stage
from pydantic import BaseModel, ValidationError


def wrap(payload: Payload, **kw) -> Envelope:
    return Envelope.wrap(
        payload,
        case_id=kw.get("case_id", uuid.uuid4()),
        producer="intake",
        correlation_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
    )


def test_envelope_round_trips_and_carries_the_event_id_in_headers():
    env = wrap(
        PlacementRequested(case_number="IN-1", source=SignalSource.POLICE, urgency=Urgency.HIGH)
    )
    back = parse_envelope(env.model_dump_json().encode(), PlacementRequested)
    assert back == env
    assert env.headers()["event_id"] == str(env.event_id)
    assert env.event_type == "intake.placement_requested" and env.schema_version == 1


def test_an_event_of_another_type_or_version_is_refused():
    env = wrap(CaseStageChanged(stage=Stage.REPORTED))
    with pytest.raises(UnsupportedSchemaVersion):
        parse_envelope(env.model_dump_json(), PlacementRequested)
    newer = env.model_dump(mode="json") | {"schema_version": 2}
    with pytest.raises(UnsupportedSchemaVersion, match="schema_version 2"):
        parse_envelope(json.dumps(newer), CaseStageChanged)


def test_a_payload_may_not_declare_a_personal_field():
    with pytest.raises(TypeError, match="personal"):

        class Leaky(Payload):
            event_type: ClassVar[str] = "leaky"
            name: str = PersonalField()


def test_payloads_refuse_unknown_fields():
    with pytest.raises(ValidationError):
        CaseStageChanged(stage=Stage.ADMITTED, name="x")  # type: ignore[call-arg]


def test_stage_ranks_follow_the_pathway():
    order = [
        Stage.REPORTED,
        Stage.IDENTIFIED,
        Stage.REFERRED_TO_LEGAL,
        Stage.RESCUED,
        Stage.ADMITTED,
        Stage.READY_FOR_REINTEGRATION,
        Stage.RESETTLED,
        Stage.CLOSED,
    ]
    assert [s.rank for s in order] == sorted(s.rank for s in order)
    assert len({s.rank for s in order}) == len(order)
    assert Stage.NOT_FOUND.rank == Stage.RESCUED.rank


def test_stage_entered_becomes_one_stage_changed_with_a_stable_event_id():
    case = uuid.uuid4()
    event = StageEntered(
        case_id=case,
        stage=Stage.RESCUED,
        previous_stage=Stage.REPORTED,
        reason="walk_in_needs_shelter",
    )

    def extra(e, t):
        return [
            Outgoing(
                t.placement_requested,
                PlacementRequested(
                    case_number="IN-1", source=SignalSource.CLINIC_WALK_IN, urgency=Urgency.HIGH
                ),
            )
        ]

    topics = Topics("p.")
    corr = uuid.uuid4()
    first = envelopes_for(
        event, extra, topics, producer="intake", correlation_id=corr, causation_id=None
    )
    again = envelopes_for(
        event, extra, topics, producer="intake", correlation_id=corr, causation_id=None
    )
    assert [t for t, _ in first] == ["p.case.stage_changed", "p.intake.placement_requested"]
    assert [e.event_id for _, e in first] == [e.event_id for _, e in again]
    assert first[0][1].event_id != first[1][1].event_id
    assert first[0][1].payload == CaseStageChanged(
        stage=Stage.RESCUED, previous_stage=Stage.REPORTED, reason="walk_in_needs_shelter"
    )
    assert all(e.case_id == case for _, e in first)


def test_sealed_fields_open_only_for_their_case_and_field():
    key = MasterKey(b"k" * 32)
    case, other = uuid.uuid4(), uuid.uuid4()
    data_key = b"d" * 32
    blob = seal_with(data_key, case, "name", "Srey Canary")
    assert b"Srey Canary" not in blob
    assert open_with(data_key, case, "name", blob) == "Srey Canary"
    with pytest.raises(InvalidTag):
        open_with(data_key, other, "name", blob)
    with pytest.raises(InvalidTag):
        open_with(data_key, case, "village", blob)
    wrapped = key.wrap(case, data_key)
    assert key.unwrap(case, wrapped) == data_key
    with pytest.raises(InvalidTag):
        key.unwrap(other, wrapped)
    with pytest.raises(InvalidTag):
        MasterKey(b"x" * 32).unwrap(case, wrapped)


def test_the_log_redactor_drops_personal_keys_at_any_depth():
    class Form(BaseModel):
        survivor_alias_for_test: str = PersonalField()
        centre: str

    register_personal(Form)
    assert personal_field_names(Form) == {"survivor_alias_for_test"}
    out = redact_personal(
        None,
        "info",
        {
            "event": "x",
            "survivor_alias_for_test": "Canary",
            "nested": {"survivor_alias_for_test": "Canary", "centre": "TD"},
            "items": [{"survivor_alias_for_test": "Canary"}],
        },
    )
    assert "Canary" not in repr(out)
    assert out["nested"] == {"survivor_alias_for_test": REDACTED, "centre": "TD"}


def test_a_dead_letter_reason_names_the_field_never_the_value():
    canary = "canary-value-9f3"
    try:
        PlacementRequested(case_number="IN-1", source=canary, urgency=Urgency.HIGH)  # type: ignore[arg-type]
    except ValidationError as exc:
        reason = describe(exc)
    assert "source" in reason and canary not in reason


def test_a_dead_letter_reason_never_repeats_a_refused_map_key():
    canary = "Srey Canary 9f3"
    try:
        FigureRecorded(metric="admission", dimensions={canary: "TD"})
    except ValidationError as exc:
        reason = describe(exc)
    assert "dimensions.<refused key>.[key]" in reason and "Canary" not in reason


def test_a_wrong_payload_in_the_right_envelope_is_a_validation_error_not_a_version():
    env = wrap(CaseStageChanged(stage=Stage.REPORTED)).model_dump(mode="json")
    env["payload"]["stage"] = "promoted"
    with pytest.raises(ValidationError):
        parse_envelope(json.dumps(env), CaseStageChanged)
    with pytest.raises(ContractInvalid):
        parse_envelope(b"\xff not json", CaseStageChanged)


def test_the_collector_is_tuned_for_a_stretch_of_work_and_put_back():
    before = gc.get_threshold()
    with collector_tuned():
        assert gc.get_threshold()[0] >= YOUNG_THRESHOLD
        assert gc.get_threshold()[1:] == before[1:]
    assert gc.get_threshold() == before
