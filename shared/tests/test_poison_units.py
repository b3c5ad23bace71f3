"""Unit tier, property-based: whatever damage an event carries, parsing it against its
contract fails with an error the dead-letter middleware takes as permanent, and the reason
it writes repeats no input value."""

import json

import asyncpg
import pytest
from homeward_shared.contracts import CaseStageChanged
from homeward_shared.dead_letters import PERMANENT, describe
from homeward_shared.envelope import parse_envelope
from homeward_shared.stages import Stage
from homeward_shared.testing.fakes import utc_now_envelope
from homeward_shared.testing.poison import CANARY, poison
from hypothesis import given, settings
from hypothesis import strategies as st

VALID = json.loads(utc_now_envelope(CaseStageChanged(stage=Stage.ADMITTED)).model_dump_json())


@settings(max_examples=300, deadline=None)
@given(poison(VALID))
def test_every_damaged_event_is_refused_as_permanent_and_its_reason_repeats_no_value(item):
    kind, body = item
    with pytest.raises(PERMANENT) as caught:
        parse_envelope(body, CaseStageChanged)
    reason = describe(caught.value)
    assert reason and CANARY not in reason, (kind, reason)
    assert len(reason) <= 1000


@given(st.sampled_from([True, 1.0, "1", [1]]))
def test_a_version_that_only_equals_1_is_not_version_1(version):
    with pytest.raises(PERMANENT, match="schema_version"):
        parse_envelope(json.dumps({**VALID, "schema_version": version}), CaseStageChanged)


def test_a_value_postgresql_refuses_is_permanent_and_its_reason_does_not_quote_it():
    refused = asyncpg.exceptions.InvalidTextRepresentationError(
        f'invalid input syntax for type uuid: "{CANARY}"'
    )
    assert isinstance(refused, PERMANENT)
    reason = describe(refused)
    assert CANARY not in reason and "SQLSTATE 22P02" in reason
