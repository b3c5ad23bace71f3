"""The whole of Homeward for a browser: the five services over the real broker and the test
database, each on a loopback port and trusting the real Keycloak's tokens, and the web
service in front of them on 127.0.0.1:8000 (the only port the local realm lets the
`homeward-web` client come back to), serving the built app."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
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
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.keycloak import Keycloak
from homeward_shared.testing.plugin import running, settings_for
from homeward_web.bootstrap import bootstrap as web_app
from homeward_web.settings import WebSettings

from tests.integration.serving import serving

WEB_HOST, WEB_PORT = "127.0.0.1", 8000
ORIGIN = f"http://{WEB_HOST}:{WEB_PORT}"


def _web_socket() -> socket.socket:
    sock = socket.socket()
    # A previous run's connections in TIME_WAIT do not hold the port; a listener does.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((WEB_HOST, WEB_PORT))
    except OSError as exc:
        sock.close()
        if exc.errno != errno.EADDRINUSE:
            raise
    else:
        return sock
    pytest.fail(
        f"{WEB_HOST}:{WEB_PORT} is taken (is `make run` up?): the end-to-end test's web"
        " service must listen there, the one port Keycloak's local realm sends a login"
        " back to; stop what listens there and run again",
        pytrace=False,
    )


@contextlib.asynccontextmanager
async def _listening(app: Any, sock: socket.socket) -> AsyncIterator[None]:
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await wait_until(lambda: server.started or task.done(), what="the web service listens")
        assert not task.done(), "the web service did not start"
        yield
    finally:
        server.should_exit = True
        await asyncio.gather(task, return_exceptions=True)
        sock.close()


@contextlib.asynccontextmanager
async def homeward(keycloak: Keycloak, database: Any, topics: Any) -> AsyncIterator[str]:
    """Everything up; yields the web's origin."""
    sock = _web_socket()  # first: a taken port fails before anything starts
    kc = keycloak.service_settings()
    intake = intake_app(settings_for(IntakeSettings, database, topics, **kc))
    investigation = investigation_app(settings_for(InvestigationSettings, database, topics, **kc))
    recovery = recovery_app(settings_for(RecoverySettings, database, topics, **kc))
    reintegration = reintegration_app(settings_for(ReintegrationSettings, database, topics, **kc))
    dashboard = dashboard_app(settings_for(DashboardSettings, database, topics, **kc))
    services = {
        "intake": intake,
        "investigation": investigation,
        "recovery": recovery,
        "reintegration": reintegration,
        "dashboard": dashboard,
    }
    try:
        async with running(*services.values()), contextlib.AsyncExitStack() as stack:
            urls = {n: await stack.enter_async_context(serving(s)) for n, s in services.items()}
            web = web_app(
                WebSettings(
                    database_url=database.dsn("web"),
                    http_port=WEB_PORT,
                    web_oidc_issuer=keycloak.issuer,
                    web_oidc_client_secret=keycloak.web_client_secret,
                    auth_roles_claim="realm_access.roles",
                    web_service_urls=urls,
                    log_json=True,
                )
            )
            await web.start()
            try:
                async with _listening(web.app, sock):
                    yield ORIGIN
            finally:
                await web.stop()
    finally:
        sock.close()
