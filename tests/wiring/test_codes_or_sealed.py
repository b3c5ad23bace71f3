"""Every string is personal and sealed, or a code (docs/security.md, issue 16).

The services' own OpenAPI documents (built from the apps, as ``make docs`` builds them) and
every event contract's schema are read with ``homeward_shared.codes.unclassified_strings``:
an input (a body field, a path, query, header or cookie parameter, a map's keys) or an
event field that is neither ``PersonalField`` nor constrained to a code fails here, named
by its path in the document. A new free-text field therefore fails this test before it can
reach a clear column, an event, the audit trail or a report.

Every event contract is checked as itself (``Envelope[contract]``), and as the AsyncAPI
documents publish it, so that a document cannot promise less than the contract enforces.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from homeward_shared.codes import unclassified_strings
from homeward_shared.contracts.asyncapi import CATALOGUE
from homeward_shared.envelope import Envelope
from homeward_shared.provision import SERVICES

from tools.gendocs import DOCS, build


@pytest.fixture(scope="module")
def openapi() -> dict[str, dict[str, Any]]:
    return {name: build(name).app.openapi() for name in SERVICES}


@pytest.mark.parametrize("service", SERVICES)
def test_every_string_input_of_the_http_api_is_personal_or_a_code(openapi, service):
    found = sorted(unclassified_strings(openapi[service]))
    assert not found, f"{service}: strings neither personal nor a code: {found}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_committed_openapi_document_says_the_same(service):
    doc = json.loads((DOCS / "openapi" / f"{service}.json").read_text())
    assert not sorted(unclassified_strings(doc))


@pytest.mark.parametrize(
    "contract", [c for _, c, _ in CATALOGUE], ids=[c.__name__ for _, c, _ in CATALOGUE]
)
def test_every_field_of_every_event_contract_is_a_code(contract):
    schema = Envelope[contract].model_json_schema()  # type: ignore[valid-type]
    found = sorted(set(unclassified_strings(schema)))
    assert not found, f"{contract.__name__}: strings neither personal nor a code: {found}"


def test_the_asyncapi_catalogue_has_no_free_text():
    doc = json.loads((DOCS / "asyncapi.json").read_text())
    found = sorted(set(unclassified_strings(doc)))
    assert not found, found


@pytest.mark.parametrize("service", SERVICES)
def test_each_services_asyncapi_document_has_no_free_text(service):
    doc = json.loads((DOCS / "asyncapi" / f"{service}.json").read_text())
    found = sorted(set(unclassified_strings(doc)))
    assert not found, f"{service}: {found}"


def test_every_reason_a_producer_gives_a_stage_is_a_stage_reason():
    """``case.stage_changed`` takes ``StageReason`` codes only: a producer's reason outside it
    would fail at publish. Each producer's reason vocabularies are checked here, so a new
    value fails this test instead of a hand-off."""
    from homeward_intake.domain.model import ClosureReason as IntakeClosure
    from homeward_recovery.domain.model import LeaveReason, RequestOrigin
    from homeward_reintegration.domain.model import ClosureReason, Plan, ReopenReason
    from homeward_shared.contracts.stage import PlacementReason, StageReason

    given = {
        *PlacementReason,
        *IntakeClosure,
        "rescue_operation",  # investigation
        *RequestOrigin,
        "readmission",
        *LeaveReason,
        *Plan,
        *ClosureReason,
        *(f"reopened_{r.value}" for r in ReopenReason),
    }
    assert {str(r) for r in given} - {r.value for r in StageReason} == set()
