"""Real tokens from the real Keycloak (deploy/local/keycloak.sh, realm deploy/keycloak/), got
the way a person logs in (authorization code + PKCE through Keycloak's login form), presented
to the five services configured as `make run` configures them: realm roles from
``realm_access.roles``, centres from the ``centres`` claim, audience ``homeward``, keys from
the realm's JWKS."""

import base64
import json
import uuid
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from homeward_dashboard.bootstrap import bootstrap as dashboard_app
from homeward_dashboard.settings import DashboardSettings
from homeward_intake.bootstrap import bootstrap as intake_app
from homeward_intake.settings import IntakeSettings
from homeward_investigation.bootstrap import bootstrap as investigation_app
from homeward_investigation.settings import InvestigationSettings
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.settings import RecoverySettings
from homeward_reintegration.bootstrap import bootstrap as reintegration_app
from homeward_reintegration.settings import ReintegrationSettings
from homeward_shared import auth
from homeward_shared.settings import LOCAL_ISSUER
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.keycloak import Keycloak
from homeward_shared.testing.plugin import running, settings_for

from tests.integration.helpers import client
from tests.integration.test_access import place

pytestmark = pytest.mark.integration

USERS = (
    "intake1",
    "investigator1",
    "legal1",
    "centre.td",
    "centre.kc",
    "reintegration1",
    "manager1",
    "auditor1",
)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def resigned(token: str, *, kid: str | None = None) -> str:
    """The same header and claims, signed with a key Keycloak never had."""
    header = jwt.get_unverified_header(token)
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(
        claims(token), forger, algorithm="RS256", headers={"kid": kid or header["kid"]}
    )


async def test_each_service_lets_in_the_role_it_names_and_refuses_the_others(
    keycloak: Keycloak, database, topics
):
    kc = keycloak.service_settings()
    intake = intake_app(settings_for(IntakeSettings, database, topics, **kc))
    investigation = investigation_app(settings_for(InvestigationSettings, database, topics, **kc))
    recovery = recovery_app(settings_for(RecoverySettings, database, topics, **kc))
    reintegration = reintegration_app(settings_for(ReintegrationSettings, database, topics, **kc))
    dashboard = dashboard_app(settings_for(DashboardSettings, database, topics, **kc))
    token = {user: await keycloak.access_token(user) for user in USERS}
    # What the realm puts in a token: the audience the services check, the role, the centres.
    td = claims(token["centre.td"])
    assert td["iss"] == keycloak.issuer and td["aud"] == "homeward"
    assert "centre_staff" in td["realm_access"]["roles"] and td["centres"] == ["TD"]

    # (service, route, the user the policy lets in, her expected answer, a user it refuses)
    calls = [
        (intake, f"/outreach/{uuid.uuid4()}", "intake1", 404, "legal1"),
        (investigation, "/investigations", "investigator1", 200, "legal1"),
        (investigation, "/legal/inbox", "legal1", 200, "investigator1"),
        (recovery, "/centres", "centre.td", 200, "manager1"),
        (reintegration, "/follow-up/overdue", "reintegration1", 200, "centre.kc"),
        (dashboard, "/live", "manager1", 200, "intake1"),
        (dashboard, "/audit", "auditor1", 200, "manager1"),
    ]
    async with running(intake, investigation, recovery, reintegration, dashboard):
        for service, path, allowed, expected, refused in calls:
            async with client(service) as c:
                let_in = await c.get(path, headers=bearer(token[allowed]))
                assert let_in.status_code == expected, (path, allowed, let_in.text)
                other = await c.get(path, headers=bearer(token[refused]))
                assert other.status_code == 403, (path, refused, other.status_code)
                assert (await c.get(path)).status_code == 401


async def test_the_centres_claim_keeps_centre_staff_to_their_own_centre(
    keycloak: Keycloak, database, topics
):
    recovery = recovery_app(
        settings_for(RecoverySettings, database, topics, **keycloak.service_settings())
    )
    kc_staff = bearer(await keycloak.access_token("centre.kc"))
    td_staff = bearer(await keycloak.access_token("centre.td"))
    case_id = uuid.uuid4()
    async with running(recovery), client(recovery) as c:
        await place(database.infra.kafka_bootstrap_servers, topics.placement_requested, case_id)

        async def queued():
            r = await c.get("/admission-requests", headers=kc_staff)
            return r.status_code == 200 and any(q["case_id"] == str(case_id) for q in r.json())

        await wait_until(queued, what="the placement reaches recovery")
        admitted = await c.post(
            "/admissions",
            headers=kc_staff,
            json={
                "case_id": str(case_id),
                "centre": "KC",
                "informed_consent": True,
                "house_rules_accepted": True,
                "consent_given_on": "2026-11-24",
            },
        )
        assert admitted.status_code == 201, admitted.text
        resident = f"/residents/{case_id}"
        assert (await c.get(resident, headers=kc_staff)).status_code == 200
        # Tom Dy's staff learn nothing of Kompong Cham's resident, and cannot act for KC.
        assert (await c.get(resident, headers=td_staff)).status_code == 404
        as_kc = await c.get(resident, headers=td_staff, params={"acting_centre": "KC"})
        assert as_kc.status_code == 403


async def test_tokens_for_another_audience_or_from_a_forged_key_are_refused(
    keycloak: Keycloak, database, topics, tmp_path: Path
):
    kc = keycloak.service_settings()
    investigation = investigation_app(settings_for(InvestigationSettings, database, topics, **kc))
    elsewhere = investigation_app(
        settings_for(InvestigationSettings, database, topics, **kc, auth_audience="another-app")
    )
    real = await keycloak.access_token("investigator1")
    # A real token of the same realm, from a client without the homeward audience.
    account = await keycloak.access_token(
        "investigator1",
        client_id="account-console",
        client_secret="",
        redirect_uri=f"{keycloak.issuer}/account/",
    )
    assert "homeward" not in (claims(account).get("aud") or [])
    # A token minted on this machine (homeward token mint), named as its own issuer.
    local_dir = tmp_path / "local-key"
    _, local_public = auth.keygen(local_dir)
    minted = auth.Signer.local(local_dir, issuer=LOCAL_ISSUER).mint("u-demo", ["investigator"])

    async with running(investigation), client(investigation) as c:
        assert (await c.get("/investigations", headers=bearer(real))).status_code == 200
        refusals = {
            "other client": account,
            "forged, same kid": resigned(real),
            "forged, unknown kid": resigned(real, kid="not-a-keycloak-key"),
            "local key": minted,
            "test session key": as_user("u-inv", "investigator")["Authorization"][7:],
            "tampered claims": _with_claims(real, realm_access={"roles": ["admin"]}),
        }
        for what, token in refusals.items():
            r = await c.get("/investigations", headers=bearer(token))
            assert r.status_code == 401, (what, r.status_code, r.text)
            assert r.headers["www-authenticate"].startswith("Bearer")
    async with running(elsewhere), client(elsewhere) as c:
        r = await c.get("/investigations", headers=bearer(real))
        assert r.status_code == 401 and "audience" in r.json()["detail"]

    # make run's setting: Keycloak's logins and, beside them, tokens of the local key.
    both = investigation_app(
        settings_for(
            InvestigationSettings, database, topics, **kc, auth_local_public_key_file=local_public
        )
    )
    async with running(both), client(both) as c:
        assert (await c.get("/investigations", headers=bearer(real))).status_code == 200
        assert (await c.get("/investigations", headers=bearer(minted))).status_code == 200
        forged = resigned(real)
        assert (await c.get("/investigations", headers=bearer(forged))).status_code == 401


def _with_claims(token: str, **changed) -> str:
    """Keycloak's header and signature around claims it never signed."""
    header, _, signature = token.split(".")
    body = json.dumps({**claims(token), **changed}, separators=(",", ":")).encode()
    encoded = base64.urlsafe_b64encode(body).rstrip(b"=").decode()
    return f"{header}.{encoded}.{signature}"
