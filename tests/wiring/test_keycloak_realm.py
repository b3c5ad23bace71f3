"""The realm files Keycloak imports, and the production profile's Keycloak, checked without
starting it (tests/integration/test_keycloak_tokens.py logs in at the real one): the local
realm is what web-shape agreed, the production realm is the same realm without the local
users, and production runs Keycloak as production needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeward_shared.policy import ROLES
from homeward_shared.provision import SERVICES
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / "deploy" / "keycloak" / "homeward-realm.json"
PROD = ROOT / "deploy" / "prod" / "keycloak" / "homeward-realm.json"

LOCAL_USERS = {
    "intake1": ("intake", []),
    "investigator1": ("investigator", []),
    "legal1": ("legal", []),
    "centre.td": ("centre_staff", ["TD"]),
    "centre.kc": ("centre_staff", ["KC"]),
    "reintegration1": ("reintegration", []),
    "manager1": ("manager", []),
    "auditor1": ("auditor", []),
    "admin1": ("admin", []),
    "admin2": ("admin", []),
}


def realm(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def web_client(r: dict[str, Any]) -> dict[str, Any]:
    [client] = [c for c in r["clients"] if c["clientId"] == "homeward-web"]
    return client


def mappers(client: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["protocolMapper"]: m["config"] for m in client["protocolMappers"]}


def user_profile(r: dict[str, Any]) -> dict[str, Any]:
    [provider] = r["components"]["org.keycloak.userprofile.UserProfileProvider"]
    return json.loads(provider["config"]["kc.user.profile.config"][0])


def test_the_local_realm_has_the_eight_roles_and_the_agreed_users():
    r = realm(LOCAL)
    assert r["realm"] == "homeward"
    assert {role["name"] for role in r["roles"]["realm"]} == set(ROLES)
    users = {
        u["username"]: (u["realmRoles"], u.get("attributes", {}).get("centres", []))
        for u in r["users"]
    }
    assert users == {name: ([role], centres) for name, (role, centres) in LOCAL_USERS.items()}
    for u in r["users"]:
        [password] = u["credentials"]
        assert password == {"type": "password", "value": "homeward", "temporary": False}


def test_the_web_client_is_confidential_with_pkce_and_the_tokens_carry_audience_and_centres():
    client = web_client(realm(LOCAL))
    # The secret is a placeholder Keycloak fills from the environment at import.
    placeholder = "${WEB_OIDC_CLIENT_SECRET}"
    assert client["publicClient"] is False and client["secret"] == placeholder
    assert client["standardFlowEnabled"] is True
    assert not client["directAccessGrantsEnabled"] and not client["implicitFlowEnabled"]
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"
    assert sorted(client["redirectUris"]) == [
        "http://127.0.0.1:8000/auth/callback",
        "http://localhost:8000/auth/callback",
    ]
    logout = client["attributes"]["post.logout.redirect.uris"].split("##")
    assert sorted(logout) == ["http://127.0.0.1:8000/*", "http://localhost:8000/*"]
    m = mappers(client)
    audience = m["oidc-audience-mapper"]
    assert audience["included.custom.audience"] == "homeward"
    assert audience["access.token.claim"] == "true"
    centres = m["oidc-usermodel-attribute-mapper"]
    assert centres["user.attribute"] == centres["claim.name"] == "centres"
    assert centres["multivalued"] == "true" and centres["access.token.claim"] == "true"


def test_only_administrators_can_set_a_users_centres():
    # A user who could edit her own centres (account console) could reach other centres'
    # residents: the attribute is declared, and only admins see or change it.
    for path in (LOCAL, PROD):
        [centres] = [a for a in user_profile(realm(path))["attributes"] if a["name"] == "centres"]
        assert centres["permissions"] == {"view": ["admin"], "edit": ["admin"]}
        assert centres["multivalued"] is True
        assert "unmanagedAttributePolicy" not in user_profile(realm(path))


def test_the_production_realm_is_the_local_one_without_local_users_or_addresses():
    local, prod = realm(LOCAL), realm(PROD)
    assert "users" not in prod
    assert prod["roles"] == local["roles"]
    assert user_profile(prod) == user_profile(local)
    lc, pc = web_client(local), web_client(prod)
    assert pc["protocolMappers"] == lc["protocolMappers"]
    same = ("publicClient", "standardFlowEnabled", "directAccessGrantsEnabled", "secret")
    assert {k: pc[k] for k in same} == {k: lc[k] for k in same}
    assert pc["redirectUris"] == ["${HOMEWARD_WEB_ORIGIN}/auth/callback"]
    assert pc["attributes"]["post.logout.redirect.uris"] == "${HOMEWARD_WEB_ORIGIN}/*"
    assert "localhost" not in PROD.read_text() and "127.0.0.1" not in PROD.read_text()
    assert prod["sslRequired"] == "all" and prod["bruteForceProtected"] is True
    assert "length(12)" in prod["passwordPolicy"]


def test_production_runs_keycloak_in_production_mode_on_tls_with_its_own_database():
    compose = YAML(typ="safe").load((ROOT / "deploy" / "prod" / "compose.yaml").read_text())
    kc = compose["services"]["keycloak"]
    assert kc["command"][0] == "start" and "start-dev" not in kc["command"]
    env = kc["environment"]
    assert env["KC_HOSTNAME"].startswith("https://")
    assert env["KC_HTTP_ENABLED"] == "false" and env["KC_HTTPS_CERTIFICATE_FILE"]
    assert env["KC_DB"] == "postgres" and "/keycloak?sslmode=verify-full" in env["KC_DB_URL"]
    for secret in ("KC_DB_PASSWORD", "KC_BOOTSTRAP_ADMIN_PASSWORD", "WEB_OIDC_CLIENT_SECRET"):
        assert env[secret].startswith("${"), secret
    assert (
        "./keycloak/homeward-realm.json:/opt/keycloak/data/import/homeward-realm.json:ro"
        in (kc["volumes"])
    )
    assert "ports" not in kc  # reached through the site's TLS proxy only


def test_production_services_trust_keycloak_alone_and_read_its_realm_roles():
    compose = YAML(typ="safe").load((ROOT / "deploy" / "prod" / "compose.yaml").read_text())
    for name in SERVICES:
        env = compose["services"][name]["environment"]
        assert env["AUTH_ROLES_CLAIM"] == "realm_access.roles", name
        assert env["AUTH_JWKS_URL"].startswith("${") and env["AUTH_ISSUER"].startswith("${")
        # The local key is make run's second issuer; production has none.
        assert not {"AUTH_LOCAL_PUBLIC_KEY_FILE", "AUTH_PUBLIC_KEY_FILE"} & set(env), name


def test_the_login_page_speaks_khmer_too():
    # Keycloak ships no Khmer messages; the realm carries the login and logout pages' own.
    shown = {"loginAccountTitle", "username", "password", "doLogIn", "invalidUserMessage"}
    shown |= {"showPassword", "hidePassword", "logoutConfirmHeader", "doLogout"}
    for path in (LOCAL, PROD):
        r = realm(path)
        assert {"en", "km"} <= set(r["supportedLocales"])
        km = r["localizationTexts"]["km"]
        assert shown <= set(km), path.name
        # Khmer script (U+1780..U+17FF) in every text, not English left in place.
        assert all(any("\u1780" <= ch <= "\u17ff" for ch in text) for text in km.values())
    assert realm(LOCAL)["localizationTexts"] == realm(PROD)["localizationTexts"]
