"""Who may call which route: one declared table per service, enforced in one place.

Each service declares ``POLICY`` in ``entrypoints/policy.py``: ``"METHOD /path"`` to the
roles allowed, or ``PUBLIC`` (no token: a page that holds no data). The kernel adds its own
routes (``/health`` and ``/metrics``, public; the auditors' ``/audit``) and checks every call
before the route's code runs (``authorise``, an app-wide dependency):

- a route with no entry is refused (403), and the access test fails, so a new route cannot
  ship without someone deciding who may call it;
- otherwise the caller's token is checked (``auth``: 401, 429, 503) and one of her roles
  must be in the entry (403). ``Actor.role`` is the role that authorised the call, in the
  order of ``ROLES``; the audit trail records it. Centre staff must name a centre.

``python -m homeward_shared.policy`` writes every service's table as docs/policy.md.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal

from fastapi import HTTPException, Request
from fastapi.routing import APIRoute, iter_route_contexts

from homeward_shared.auth import Authenticator, AuthError, FailureLimiter
from homeward_shared.logging import get_logger
from homeward_shared.uow import Actor

log = get_logger(__name__)

# DESIGN.md's roles, in the order that picks ``Actor.role`` when a caller holds several.
ROLES: tuple[str, ...] = (
    "intake",
    "investigator",
    "legal",
    "centre_staff",
    "reintegration",
    "manager",
    "auditor",
    "admin",
)
# Roles that act only within the centres their token names.
CENTRE_SCOPED = frozenset({"centre_staff"})
# Roles that see aggregates only: the routes they may call return no personal field.
NO_PERSONAL_DATA = frozenset({"manager", "auditor"})

PUBLIC: Literal["public"] = "public"
ANONYMOUS = Actor(id="anonymous", role="public")

Rule = frozenset[str] | Literal["public"]

# The routes every service gets from the kernel.
KERNEL_POLICY: dict[str, Iterable[str] | Literal["public"]] = {
    "GET /health": PUBLIC,
    # A scraper is not a person; the exposition holds counts, never an id (metrics.py), and
    # production firewalls it to the monitoring network.
    "GET /metrics": PUBLIC,
    "GET /audit": {"auditor"},
    "GET /audit/chain": {"auditor"},
}


class Policy(Mapping[str, Rule]):
    """A service's table: ``"METHOD /path"`` (the path as declared, ``{param}`` and all) to
    the roles allowed, or ``PUBLIC``."""

    def __init__(self, rules: Mapping[str, Iterable[str] | str]) -> None:
        self._rules: dict[str, Rule] = {}
        for key, allowed in rules.items():
            method, _, path = key.partition(" ")
            if method != method.upper() or not path.startswith("/"):
                raise ValueError(f"policy key {key!r} is not 'METHOD /path'")
            if allowed == PUBLIC:
                self._rules[key] = PUBLIC
                continue
            if isinstance(allowed, str):
                raise ValueError(f"{key}: give a set of roles, not the string {allowed!r}")
            roles = frozenset(allowed)
            if unknown := roles - set(ROLES):
                raise ValueError(f"{key}: unknown roles {sorted(unknown)}")
            if not roles:
                raise ValueError(f"{key}: no role may call it; remove the route instead")
            self._rules[key] = roles

    def __getitem__(self, key: str) -> Rule:
        return self._rules[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def with_kernel(self) -> Policy:
        overlap = set(self._rules) & set(KERNEL_POLICY)
        if overlap:
            raise ValueError(f"the kernel declares {sorted(overlap)} already")
        return Policy({**KERNEL_POLICY, **self._rules})

    def allows(self, key: str, role: str) -> bool:
        rule = self._rules.get(key)
        return rule == PUBLIC or (rule is not None and role in rule)


def api_routes(app: Any) -> list[tuple[str, APIRoute]]:
    """Every API route of an app as (``"METHOD /path"``, route), included routers and all;
    FastAPI's own documentation routes are not API routes."""
    found: list[tuple[str, APIRoute]] = []
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if not isinstance(route, APIRoute):
            continue
        for method in sorted(ctx.methods or ()):
            if method != "HEAD":
                found.append((f"{method} {ctx.path_format}", route))
    return found


def uncovered(app: Any, policy: Policy) -> list[str]:
    return [key for key, _ in api_routes(app) if key not in policy]


def unused(app: Any, policy: Policy) -> list[str]:
    keys = {key for key, _ in api_routes(app)}
    return [key for key in policy if key not in keys]


class Guard:
    """The one check every call passes: the route's entry, the token, the roles."""

    def __init__(
        self, policy: Policy, authenticator: Authenticator, limiter: FailureLimiter
    ) -> None:
        self.policy = policy
        self.authenticator = authenticator
        self.limiter = limiter
        self._keys: dict[tuple[int, str], str] = {}

    def _key(self, request: Request) -> str | None:
        route = request.scope.get("route")
        method = "GET" if request.method == "HEAD" else request.method
        found = self._keys.get((id(route), method))
        if found is None:
            # Built on first use, so that routes added after the app was made are found too.
            self._keys = {(id(r), k.partition(" ")[0]): k for k, r in api_routes(request.app)}
            found = self._keys.get((id(route), method))
        return found

    async def actor(self, request: Request) -> Actor:
        key = self._key(request)
        rule = self.policy.get(key) if key is not None else None
        if rule is None:
            log.error("route_without_policy", route=key or request.url.path)
            raise HTTPException(403, "no access policy is declared for this route")
        if rule == PUBLIC:
            return ANONYMOUS
        principal = await self._authenticate(request)
        known = principal.roles & set(ROLES)
        acting = [
            r
            for r in ROLES
            if r in known and r in rule and (r not in CENTRE_SCOPED or principal.centres)
        ]
        if not acting:
            if known & rule & CENTRE_SCOPED:
                raise HTTPException(403, "centre staff act for a centre: the token names none")
            raise HTTPException(403, "this role may not do this")
        return Actor(
            id=principal.user_id, role=acting[0], roles=frozenset(known), centres=principal.centres
        )

    async def _authenticate(self, request: Request) -> Any:
        try:
            header = request.headers.get("authorization")
            if not header:
                raise AuthError("a bearer token is required", error=None)
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise AuthError(
                    "the Authorization header must be 'Bearer <token>'", error="invalid_request"
                )
            return await self.authenticator.authenticate(token.strip())
        except AuthError as exc:
            client = request.client.host if request.client else "unknown"
            headers = {"WWW-Authenticate": exc.www_authenticate()}
            log.info("authentication_refused", reason=exc.reason, status=exc.status)
            if exc.status == 401 and (retry := await self.limiter.failed(client)) is not None:
                raise HTTPException(
                    429,
                    "too many failed authentications from this client; try again later",
                    headers={**headers, "Retry-After": str(retry)},
                ) from exc
            raise HTTPException(exc.status, exc.reason, headers=headers) from exc


async def authorise(request: Request) -> Actor:
    """The app-wide dependency: the acting user, authorised for this route (see Guard)."""
    guard: Guard = request.app.state.guard
    return await guard.actor(request)


# -- the document ----------------------------------------------------------------------------


def service_policies() -> dict[str, Policy]:
    """Every service's declared table (with the kernel's routes), by service name."""
    from homeward_shared.provision import SERVICES

    found = {}
    for service in SERVICES:
        try:
            module = importlib.import_module(f"homeward_{service}.entrypoints.policy")
        except ModuleNotFoundError:
            continue
        found[service] = Policy(module.POLICY).with_kernel()
    return found


def render(policies: Mapping[str, Policy] | None = None) -> str:
    policies = service_policies() if policies is None else policies
    lines = [
        "# Who may call what",
        "",
        "Generated by `make docs` from each service's `entrypoints/policy.py` and the kernel's",
        "routes (`homeward_shared.policy`); a test fails when this page and the code differ,",
        "and another when a route has no entry. Every route needs a bearer token except those",
        "marked *public*. `manager` and `auditor` reach only routes that return no personal",
        "field; `centre_staff` act only for the centres their token names.",
        "",
    ]
    header = "| route | " + " | ".join(f"`{r}`" for r in ROLES) + " |"
    rule = "|---|" + "|".join(":-:" for _ in ROLES) + "|"
    for service, policy in policies.items():
        lines += [f"## {service}", "", header, rule]
        for key in sorted(policy, key=lambda k: (k.partition(" ")[2], k.partition(" ")[0])):
            allowed = policy[key]
            if allowed == PUBLIC:
                lines.append(f"| `{key}` *public: no token* |" + " |" * len(ROLES))
                continue
            cells = ["●" if r in allowed else "" for r in ROLES]
            lines.append(f"| `{key}` | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(render())
