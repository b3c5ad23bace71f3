"""Wiring tier: every clear string recovery takes or gives is a code (issue 16).

Free text typed where a code belongs (a name in a trade, a level, a certifying body, a
centre) is refused with a 422 that does not repeat it, before any handler runs; and no
string in the OpenAPI document or the contracts recovery publishes and consumes is neither
personal nor a code (``homeward_shared.codes.unclassified_strings``)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from homeward_recovery.bootstrap import bootstrap
from homeward_recovery.entrypoints.consumers import language_code
from homeward_recovery.settings import RecoverySettings
from homeward_shared.contracts.handoffs import (
    LegalAssistanceRequested,
    PersonRescued,
    PlacementRequested,
    ResidentReadyForReintegration,
    Skill,
    Trade,
    TrainingRecorded,
)
from homeward_shared.testing import auth
from homeward_shared.testing.codes import (
    asyncapi_unclassified,
    contract_unclassified,
    openapi_unclassified_but_answers,
)
from pydantic import ValidationError

ROOT = Path(__file__).resolve().parents[3]
NOWHERE = "postgresql://nobody:nothing@127.0.0.1:1/none"
CANARY = "Srey Sokha from Kampot"


@pytest.fixture(scope="module")
def app():
    env = {k.lower(): v for k, v in auth.service_env().items()}
    return bootstrap(RecoverySettings(database_url=NOWHERE, **env)).app


def test_every_string_of_the_openapi_document_is_personal_or_a_code(app):
    doc = app.openapi()
    assert openapi_unclassified_but_answers(doc) == set()


@pytest.mark.parametrize(
    "contract",
    [
        ResidentReadyForReintegration,
        TrainingRecorded,
        LegalAssistanceRequested,
        PlacementRequested,
        PersonRescued,
    ],
)
def test_every_string_of_the_contracts_recovery_sends_and_takes_is_a_code(contract):
    assert contract_unclassified(contract) == set()


def test_a_language_that_is_not_a_code_is_not_kept_from_a_hand_off():
    assert language_code("km") == "km" and language_code(" VI ") == "vi"
    assert language_code(CANARY) is None and language_code("Khmer") is None
    assert language_code(None) is None


def test_every_trade_is_a_skill():
    assert {t.value for t in Trade} <= {s.value for s in Skill}


def test_the_hand_off_refuses_free_text_skills_at_publish_and_at_consume():
    good = {"case_number": "IN-2026-000001", "centre": "TD", "skills": ["weaving", "english"]}
    assert ResidentReadyForReintegration.model_validate(good).skills == [
        Skill.WEAVING,
        Skill.ENGLISH,
    ]
    for bad in (
        {**good, "skills": [CANARY]},
        {**good, "centre": CANARY},
        {**good, "case_number": CANARY},
    ):
        with pytest.raises(ValidationError):
            ResidentReadyForReintegration.model_validate(bad)
        # Consumers parse the JSON that travelled: the same rule holds there.
        with pytest.raises(ValidationError):
            ResidentReadyForReintegration.model_validate_json(json.dumps(bad))


CASE = uuid.uuid4()
CLASS = uuid.uuid4()
ENROLMENT = uuid.uuid4()

# (method, path, body): each carries the canary in one field that takes codes only.
REFUSED = [
    ("POST", f"/residents/{CASE}/reintegration-handoff", {"skills": [CANARY]}),
    (
        "POST",
        f"/residents/{CASE}/education",
        {"subject": "english", "level": CANARY, "started_on": "2026-11-01"},
    ),
    (
        "POST",
        f"/residents/{CASE}/education/{CLASS}/attendance",
        {"month": "2026-11-01", "attended": 3, "held": 4, "level": CANARY},
    ),
    (
        "POST",
        f"/residents/{CASE}/enrolments/{ENROLMENT}/certification",
        {"certified_on": "2026-11-01", "certifying_body": CANARY},
    ),
    (
        "POST",
        "/admissions",
        {
            "case_id": str(CASE),
            "centre": CANARY,
            "informed_consent": True,
            "house_rules_accepted": True,
            "consent_given_on": "2026-11-01",
        },
    ),
    ("POST", f"/residents/{CASE}/transfer-request", {"to_centre": CANARY}),
    (
        "POST",
        f"/residents/{CASE}/legal-assistance",
        {"kind": "other", "idempotency_key": CANARY},
    ),
    ("GET", "/admission-requests?centre=" + CANARY, None),
    ("GET", "/residents/" + str(CASE) + "?acting_centre=" + CANARY, None),
]
ADMIN_REFUSED = [
    ("PUT", "/centres/TD", {"name": "Tom Dy", "province": CANARY, "capacity": 10}),
    ("PUT", "/centres/TD", {"name": "Tom Dy", "province": "KH-99", "capacity": 10}),
    (
        "PUT",
        "/centres/TD",
        {"name": "T", "province": "KH-12", "capacity": 1, "languages": [CANARY]},
    ),
    ("PUT", "/centres/TD", {"name": "T", "province": "KH-12", "capacity": 1, "languages": ["qq"]}),
]


async def _call(app, method, path, body, headers):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body"), REFUSED)
async def test_free_text_where_a_code_belongs_is_refused_without_repeating_it(
    app, method, path, body
):
    staff = auth.as_user("u-staff", "centre_staff", centres=["TD"])
    r = await _call(app, method, path, body, staff)
    assert r.status_code == 422, r.text
    assert "Srey" not in r.text and "Kampot" not in r.text


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_REFUSED)
async def test_a_centre_takes_iso_codes_for_its_province_and_languages(app, method, path, body):
    admin = auth.as_user("u-admin", "admin")
    r = await _call(app, method, path, body, admin)
    assert r.status_code == 422, r.text
    assert "Srey" not in r.text and "KH-99" not in r.text and '"qq"' not in r.text


def test_every_string_of_the_asyncapi_document_is_a_code():
    doc = json.loads((ROOT / "docs" / "asyncapi" / "recovery.json").read_text())
    assert asyncapi_unclassified(doc) == set()
