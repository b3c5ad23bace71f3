"""Wiring tier: every clear string reintegration takes or gives is a code (issue 16).

Free text typed where a code belongs (a receiving partner, a kit item, an approver, a
country) is refused with a 422 that does not repeat it, before any handler runs; and no
string in the OpenAPI document or the contracts reintegration publishes and consumes is
neither personal nor a code (``homeward_shared.codes.unclassified_strings``)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from homeward_reintegration.bootstrap import bootstrap
from homeward_reintegration.domain.partners import KitItem
from homeward_reintegration.settings import ReintegrationSettings
from homeward_shared.contracts.handoffs import FollowUpVisitOverdue, ResidentReadyForReintegration
from homeward_shared.testing import auth
from homeward_shared.testing.codes import (
    asyncapi_unclassified,
    contract_unclassified,
    openapi_unclassified_but_answers,
)

ROOT = Path(__file__).resolve().parents[3]
NOWHERE = "postgresql://nobody:nothing@127.0.0.1:1/none"
CANARY = "Srey Sokha from Kampot"


@pytest.fixture(scope="module")
def app():
    env = {k.lower(): v for k, v in auth.service_env().items()}
    return bootstrap(ReintegrationSettings(database_url=NOWHERE, **env)).app


def test_every_string_of_the_openapi_document_is_personal_or_a_code(app):
    assert openapi_unclassified_but_answers(app.openapi()) == set()


@pytest.mark.parametrize("contract", [ResidentReadyForReintegration, FollowUpVisitOverdue])
def test_every_string_of_the_contracts_reintegration_sends_and_takes_is_a_code(contract):
    assert contract_unclassified(contract) == set()


def test_the_partner_name_is_sealed_and_the_partner_code_is_a_code(app):
    schemas = app.openapi()["components"]["schemas"]
    assert schemas["PartnerIn"]["properties"]["name"]["x-personal"] is True
    assert schemas["ResettlementIn"]["properties"]["receiving_partner"]["anyOf"][0]["x-code"] == (
        "partner"
    )


CASE = uuid.uuid4()


def _kit(**kw):
    body = {
        "idempotency_key": uuid.uuid4().hex,
        "kind": "startup_kit",
        "form": "in_kind",
        "items": [KitItem.SEWING_MACHINE.value],
        "value": "700.00",
        "currency": "USD",
        "disbursed_on": "2027-06-02",
        "approved_by": "u-manager-1",
    }
    return body | kw


def _repatriation(**kw):
    body = {
        "plan": "repatriation",
        "resettled_on": "2027-06-01",
        "destination_country": "VN",
        "receiving_partner": "VN_WU",
    }
    return body | kw


# (method, path, body): each carries the canary (or a code no list holds) in one field.
REFUSED = [
    ("POST", f"/cases/{CASE}/resettlement", _repatriation(receiving_partner=CANARY)),
    ("POST", f"/cases/{CASE}/resettlement", _repatriation(receiving_partner="partner-vn-01")),
    ("POST", f"/cases/{CASE}/resettlement", _repatriation(destination_country=CANARY)),
    ("POST", f"/cases/{CASE}/resettlement", _repatriation(destination_country="XQ")),
    ("POST", f"/cases/{CASE}/support", _kit(items=[CANARY])),
    ("POST", f"/cases/{CASE}/support", _kit(items=["sewing machine"])),
    ("POST", f"/cases/{CASE}/support", _kit(approved_by=CANARY)),
    ("POST", f"/cases/{CASE}/support", _kit(second_kit_approved_by=CANARY)),
    ("POST", f"/cases/{CASE}/support", _kit(currency="XQZ")),
    ("POST", f"/cases/{CASE}/support", _kit(value=CANARY)),
    ("POST", f"/cases/{CASE}/support", _kit(idempotency_key=CANARY)),
]
ADMIN_REFUSED = [
    ("PUT", "/partners/VN_WU", {"kind": CANARY}),
    ("PUT", "/partners/VN_WU", {"kind": "ngo", "country": CANARY}),
    ("PUT", "/partners/Srey%20Sokha", {"kind": "ngo"}),
    ("PUT", "/partners/vn_wu", {"kind": "ngo"}),
]


async def _call(app, method, path, body, headers):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body"), REFUSED)
async def test_free_text_where_a_code_belongs_is_refused_without_repeating_it(
    app, method, path, body
):
    r = await _call(app, method, path, body, auth.as_user("u-team", "reintegration"))
    assert r.status_code == 422, r.text
    for typed in ("Srey", "Kampot", "partner-vn-01", "XQ", "sewing machine"):
        assert typed not in r.text


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_REFUSED)
async def test_a_partner_is_registered_by_code_only(app, method, path, body):
    r = await _call(app, method, path, body, auth.as_user("u-admin", "admin"))
    assert r.status_code == 422, r.text
    assert "Srey" not in r.text and "vn_wu" not in r.text


async def test_only_an_admin_registers_a_partner(app):
    r = await _call(
        app, "PUT", "/partners/VN_WU", {"kind": "ngo"}, auth.as_user("u-team", "reintegration")
    )
    assert r.status_code == 403


def test_every_string_of_the_asyncapi_document_is_a_code():
    doc = json.loads((ROOT / "docs" / "asyncapi" / "reintegration.json").read_text())
    assert asyncapi_unclassified(doc) == set()
