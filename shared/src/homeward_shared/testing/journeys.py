"""Steps of a survivor's pathway that several tests and benchmarks walk through the public
HTTP APIs, written once so that a change to an API changes one place."""

from __future__ import annotations

import uuid
from typing import Any

import httpx


async def reunite_with_family(
    reintegration: httpx.AsyncClient,
    case_id: str,
    headers: dict[str, str],
    *,
    wants_business: bool = True,
    resettled_on: str = "2027-06-01",
) -> dict[str, Any]:
    """Reintegration traces her family, assesses with her (her wish: to go home), and
    resettles her with them: the case reaches ``resettled``. Returns the resettled case."""
    business = (
        {"wants_business": True, "business_kind": "sewing_shop", "business_market": "good"}
        if wants_business
        else {"wants_business": False}
    )
    for path, body in (
        (
            "family-contacts",
            {"kind": "tracing_attempt", "happened_on": "2026-11-20", "result": "found"},
        ),
        (
            "assessments",
            {
                "assessed_on": "2026-11-21",
                "her_wish": "reunification",
                "market_opportunities": "good",
                "family_conditions": "good",
                "skills_fit": True,
                **business,
            },
        ),
    ):
        r = await reintegration.post(
            f"/cases/{case_id}/{path}",
            headers=headers,
            json={"idempotency_key": uuid.uuid4().hex, **body},
        )
        assert r.status_code == 201, r.text
    r = await reintegration.post(
        f"/cases/{case_id}/resettlement",
        headers=headers,
        json={"plan": "reunification", "resettled_on": resettled_on},
    )
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["stage"] == "resettled", case
    return case


def report_of_persons(count: int, *, visited_on: str) -> dict[str, Any]:
    """An investigator's report on a place where ``count`` women were identified."""
    return {
        "idempotency_key": uuid.uuid4().hex,
        "establishment": {"kind": "brothel", "province": "KH-8", "district": "0810"},
        "visit_dates": [visited_on],
        "urgency": "high",
        "persons": [
            {"sex": "female", "nationality": "KH", "language": "km", "approximate_age": 22}
            for _ in range(count)
        ],
    }


async def rescue_through_investigation(
    investigation: httpx.AsyncClient,
    investigator: dict[str, str],
    legal: dict[str, str],
    report: dict[str, Any],
    *,
    carried_out_on: str,
) -> list[str]:
    """Investigation files ``report``, refers its persons to legal, the police are engaged
    and one operation rescues them all: each is handed to recovery. Returns their case ids."""
    r = await investigation.post("/reports", headers=investigator, json=report)
    assert r.status_code == 201, r.text
    cases = [p["case_id"] for p in r.json()["persons"]]
    r = await investigation.post(
        f"/reports/{r.json()['report_id']}/legal-referral", headers=investigator
    )
    assert r.status_code == 201, r.text
    legal_case = f"/legal/referrals/{r.json()['referral_id']}"
    r = await investigation.post(
        f"{legal_case}/milestones",
        headers=legal,
        json={"milestone": "police_engaged", "occurred_on": carried_out_on},
    )
    assert r.status_code == 201, r.text
    r = await investigation.post(
        f"{legal_case}/operations",
        headers=legal,
        json={
            "idempotency_key": uuid.uuid4().hex,
            "carried_out_on": carried_out_on,
            "outcomes": [{"case_id": c, "outcome": "rescued"} for c in cases],
        },
    )
    assert r.status_code == 201, r.text
    return cases
