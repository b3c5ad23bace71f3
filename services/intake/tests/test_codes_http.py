"""Wiring tier: a field the documents call a code takes a code only. Free text typed into a
reason, a language, a province or a district is refused with a 422 that names the field and
never repeats the text; no broker or database is started (the body is refused first)."""

import uuid

import httpx
import pytest
from homeward_intake.bootstrap import bootstrap
from homeward_intake.settings import IntakeSettings
from homeward_shared.testing.auth import as_user

NOWHERE = "postgresql://nobody:nothing@127.0.0.1:1/none"
INTAKE = as_user("u-intake-1", "intake")
TEXT = "Srey Zqcanary from Tuol Kork"
SIGNAL = f"/signals/{uuid.uuid4()}"


def signal(**extra):
    body = {
        "idempotency_key": uuid.uuid4().hex,
        "source": "hotline",
        "urgency": "high",
        "needs_shelter": True,
    }
    return {**body, **extra}


def lead(**place):
    establishment = {"kind": "karaoke_bar", "province": "KH-12", **place}
    return {"reason": "establishment_named", "establishment": establishment, "urgency": "high"}


def outreach(**extra):
    body = {"idempotency_key": uuid.uuid4().hex, "on": "2026-03-01", "clinic_consultations": 2}
    return {"province": "KH-17", **body, **extra}


CASES = [
    ("/signals", signal(language=TEXT), ["body", "language"]),
    ("/signals", signal(language="Khmer"), ["body", "language"]),
    ("/signals", signal(language="xx"), ["body", "language"]),  # the right shape, no language
    ("/signals", signal(language="KM"), ["body", "language"]),  # codes are lower case
    ("/signals", signal(idempotency_key="Srey Sokha 0001"), ["body", "idempotency_key"]),
    (f"{SIGNAL}/placement-request", {"reason": TEXT}, ["body", "reason"]),
    (f"{SIGNAL}/placement-request", {"reason": "walk_in"}, ["body", "reason"]),
    (f"{SIGNAL}/lead", lead(province=TEXT), ["body", "establishment", "province"]),
    (f"{SIGNAL}/lead", lead(province="Phnom Penh"), ["body", "establishment", "province"]),
    (f"{SIGNAL}/lead", lead(province="KH-26"), ["body", "establishment", "province"]),
    (f"{SIGNAL}/lead", lead(district=TEXT), ["body", "establishment", "district"]),
    (f"{SIGNAL}/lead", lead(district="2601"), ["body", "establishment", "district"]),
    (f"{SIGNAL}/lead", lead(district="1701"), ["body", "establishment"]),  # not in KH-12
    (f"{SIGNAL}/lead", {**lead(), "reason": TEXT}, ["body", "reason"]),
    ("/outreach", outreach(province=TEXT), ["body", "province"]),
    ("/outreach", outreach(province="Siem Reap"), ["body", "province"]),
    ("/outreach", outreach(district="Siem Reap"), ["body", "district"]),
    ("/outreach", outreach(district="1201"), ["body"]),  # Phnom Penh's, not Siem Reap's
]


@pytest.mark.parametrize(("path", "body", "loc"), CASES)
async def test_free_text_in_a_code_is_refused_without_an_echo(path, body, loc):
    app = bootstrap(IntakeSettings(database_url=NOWHERE)).app
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        r = await c.post(path, headers=INTAKE, json=body)
    assert r.status_code == 422, r.text
    assert [e["loc"][: len(loc)] for e in r.json()["errors"]] == [loc], r.text
    for value in (TEXT, "Zqcanary", "Phnom Penh", "Siem Reap", "Khmer", "Srey Sokha"):
        assert value not in r.text
