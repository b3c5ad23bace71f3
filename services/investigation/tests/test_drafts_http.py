"""Wiring tier: the draft routes' edge, with no database. A draft is incomplete by nature,
yet free text in a code's place is refused without an echo, a legal worker may not touch
drafts, and ``/reports/drafts`` is never taken for a report id."""

import uuid

import httpx
import pytest
from homeward_investigation.bootstrap import bootstrap
from homeward_investigation.settings import InvestigationSettings
from homeward_shared.testing.auth import as_user

NOWHERE = "postgresql://nobody:nothing@127.0.0.1:1/none"
INVESTIGATOR = as_user("u-inv-1", "investigator")
LEGAL = as_user("u-legal-1", "legal")
TEXT = "Srey Zqcanary from Ta Khmau"
URL = f"/reports/drafts/{uuid.uuid4()}"


def client() -> httpx.AsyncClient:
    app = bootstrap(InvestigationSettings(database_url=NOWHERE)).app
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t")


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"establishment": {"district": TEXT}}, ["body", "establishment", "district"]),
        ({"establishment": {"province": TEXT}}, ["body", "establishment", "province"]),
        ({"persons": [{"language": TEXT}]}, ["body", "persons", 0, "language"]),
        ({"evidence": [{"location": TEXT}]}, ["body", "evidence", 0, "location"]),
        ({"evidence": [{"content_hash": TEXT}]}, ["body", "evidence", 0, "content_hash"]),
        ({"idempotency_key": TEXT}, ["body", "idempotency_key"]),
        ({"notes": TEXT}, ["body", "(a field this request does not take)"]),
        ({"persons": [{"approximate_age": "16"}]}, ["body", "persons", 0, "approximate_age"]),
    ],
)
async def test_free_text_in_a_draft_code_is_refused_without_an_echo(body, loc):
    async with client() as c:
        r = await c.put(URL, headers=INVESTIGATOR, json=body)
    assert r.status_code == 422, r.text
    assert {tuple(e["loc"][: len(loc)]) for e in r.json()["errors"]} == {tuple(loc)}, r.text
    assert "Zqcanary" not in r.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/reports/drafts"),
        ("GET", f"{URL}?purpose=care"),
        ("PUT", URL),
        ("DELETE", URL),
    ],
)
async def test_drafts_are_investigators_only(method, path):
    async with client() as c:
        r = await c.request(method, path, headers=LEGAL, json={} if method == "PUT" else None)
    assert r.status_code == 403, r.text


async def test_opening_a_draft_needs_a_purpose_code():
    async with client() as c:
        r = await c.get(URL, headers=INVESTIGATOR)
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "purpose"]
        r = await c.get(f"{URL}?purpose={TEXT}", headers=INVESTIGATOR)
        assert r.status_code == 422 and "Zqcanary" not in r.text
