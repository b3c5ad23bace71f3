"""Wiring tier: a field the documents call a code takes a code only. Free text typed into a
province, a district, a language, a user id or an idempotency key is refused with a 422
that names the field and never repeats the text (no broker or database is started)."""

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


def place(**extra):
    return {"kind": "brothel", "province": "KH-8", "district": "0801", **extra}


def report(person=None, **extra):
    body = {
        "idempotency_key": uuid.uuid4().hex,
        "establishment": place(),
        "visit_dates": ["2026-03-01"],
        "urgency": "high",
        "persons": [{"sex": "female", **(person or {})}],
    }
    return {**body, **extra}


def investigation(**extra):
    return {"idempotency_key": uuid.uuid4().hex, "establishment": place(**extra), "urgency": "high"}


VISITS = f"/investigations/{uuid.uuid4()}/visits"
CASES = [
    ("/reports", report(establishment=place(province=TEXT)), ["body", "establishment", "province"]),
    ("/reports", report(establishment=place(province="Kandal")), ["body", "establishment"]),
    ("/reports", report(establishment=place(district=TEXT)), ["body", "establishment", "district"]),
    ("/reports", report(establishment=place(district="1201")), ["body", "establishment"]),
    ("/reports", report({"language": TEXT}), ["body", "persons", 0, "language"]),
    ("/reports", report({"language": "Vietnamese"}), ["body", "persons", 0, "language"]),
    ("/reports", report({"language": "qq"}), ["body", "persons", 0, "language"]),
    ("/reports", report(idempotency_key=TEXT), ["body", "idempotency_key"]),
    ("/investigations", investigation(province=TEXT), ["body", "establishment", "province"]),
    ("/investigations", investigation(district="Ta Khmau"), ["body", "establishment"]),
    (
        VISITS,
        {"idempotency_key": uuid.uuid4().hex, "visited_on": "2026-03-01", "investigators": [TEXT]},
        ["body", "investigators", 0],
    ),
]


@pytest.mark.parametrize(("path", "body", "loc"), CASES)
async def test_free_text_in_a_code_is_refused_without_an_echo(path, body, loc):
    app = bootstrap(InvestigationSettings(database_url=NOWHERE)).app
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        r = await c.post(path, headers=INVESTIGATOR, json=body)
    assert r.status_code == 422, r.text
    assert {tuple(e["loc"][: len(loc)]) for e in r.json()["errors"]} == {tuple(loc)}, r.text
    for value in (TEXT, "Zqcanary", "Kandal", "Ta Khmau", "Vietnamese"):
        assert value not in r.text


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/legal/referrals?assigned_to={TEXT}", None),
        ("GET", f"/legal/inbox?assigned_to={TEXT}", None),
        ("POST", f"/legal/referrals/{uuid.uuid4()}/assign", {"assignee": TEXT}),
    ],
)
async def test_a_user_id_is_an_identifier_not_text(method, path, body):
    app = bootstrap(InvestigationSettings(database_url=NOWHERE)).app
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        r = await c.request(method, path, headers=LEGAL, json=body)
    assert r.status_code == 422, r.text
    assert TEXT not in r.text and "Zqcanary" not in r.text
