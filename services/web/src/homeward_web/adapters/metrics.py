"""The web service's own Prometheus families, beside the HTTP ones every service has
(``http_request_duration_seconds``, ``http_requests_total`` per route template)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class WebMetrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.logins = Counter(
            "homeward_web_logins", "Logins completed, by outcome", ["outcome"], registry=r
        )
        self.sessions_ended = Counter(
            "homeward_web_sessions_ended", "Sessions ended, by why", ["reason"], registry=r
        )
        self.refreshes = Counter(
            "homeward_web_token_refreshes",
            "Access token refreshes, by outcome",
            ["outcome"],
            registry=r,
        )
        self.upstream_errors = Counter(
            "homeward_web_upstream_unavailable",
            "Forwarded calls a service did not answer (502)",
            ["service"],
            registry=r,
        )
        self.live_feeds = Gauge(
            "homeward_web_live_feeds", "Live event feeds open to browsers", registry=r
        )
