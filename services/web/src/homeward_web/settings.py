"""The web service's settings: the kernel's (database, logging, master key, port) and its own,
named WEB_* in the environment."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from homeward_shared.settings import ServiceSettings
from pydantic import Field, SecretStr, field_validator

# The five services and their offset from HOMEWARD_PORT_BASE (README's service table).
SERVICE_OFFSETS: dict[str, int] = {
    "intake": 1,
    "investigation": 2,
    "recovery": 3,
    "reintegration": 4,
    "dashboard": 5,
}

APP_DIST = Path(__file__).resolve().parents[2] / "app" / "dist"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class WebSettings(ServiceSettings):
    service_name: str = "web"
    db_schema: str = "web"
    http_port: int = 8000
    # Keycloak puts realm roles here; the services are told the same (AUTH_ROLES_CLAIM).
    auth_roles_claim: str = "realm_access.roles"
    homeward_port_base: int = Field(
        default=8000, description="the five services listen on base+1 .. base+5"
    )
    web_service_urls: dict[str, str] = Field(
        default_factory=dict,
        description='a service\'s base URL where it is not 127.0.0.1:base+N (JSON: {"intake":'
        ' "https://intake.internal"})',
    )
    web_public_origin: str = Field(
        default="http://127.0.0.1:8000,http://localhost:8000",
        description="the origins people open, comma-separated, the canonical one first: unsafe"
        " API calls must come from one of them (CSRF), and the login returns to it",
    )
    web_oidc_issuer: str = "http://127.0.0.1:8080/realms/homeward"
    web_oidc_client_id: str = "homeward-web"
    web_oidc_client_secret: SecretStr = SecretStr("homeward-web-local-secret")
    web_oidc_scope: str = "openid profile"
    web_oidc_timeout_s: float = Field(default=10, gt=0)
    web_oidc_prompt_login: bool = Field(
        default=True,
        description="every login asks the identity provider for the password again, even while"
        " its own session lives: on a shared computer, whoever comes next after a closed tab"
        " must not be let in as the person before",
    )
    web_session_idle_s: int = Field(
        default=900, ge=30, description="a session unused this long ends (centres share computers)"
    )
    web_session_max_s: int = Field(
        default=10 * 3600, ge=60, description="a session ends this long after login, used or not"
    )
    web_login_ttl_s: int = Field(default=600, ge=30, description="time to finish a login")
    web_refresh_margin_s: float = Field(
        default=30, ge=0, description="refresh the access token this long before it expires"
    )
    web_cookie_name: str = "homeward_session"
    web_upstream_timeout_s: float = Field(default=30, gt=0)
    web_upstream_connections: int = Field(default=100, ge=1)
    web_live_check_s: float = Field(
        default=15, gt=0, description="how often an open live feed re-checks its session"
    )
    web_live_retry_ms: int = Field(default=3000, ge=100)
    web_app_dist: Path = APP_DIST

    @field_validator("web_public_origin")
    @classmethod
    def _origins(cls, v: str) -> str:
        for o in (x.strip() for x in v.split(",")):
            p = urlsplit(o)
            if p.scheme not in ("http", "https") or not p.netloc or p.path not in ("", "/"):
                raise ValueError("web_public_origin: scheme://host[:port], comma-separated")
        return v

    @property
    def origins(self) -> tuple[str, ...]:
        return tuple(o.strip().rstrip("/") for o in self.web_public_origin.split(",") if o.strip())

    @property
    def issuer_origin(self) -> str:
        return origin_of(self.web_oidc_issuer)

    @property
    def discovery_url(self) -> str:
        return self.web_oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"

    def service_url(self, name: str) -> str | None:
        if name not in SERVICE_OFFSETS:
            return None
        given = self.web_service_urls.get(name)
        if given:
            return given.rstrip("/")
        return f"http://127.0.0.1:{self.homeward_port_base + SERVICE_OFFSETS[name]}"
