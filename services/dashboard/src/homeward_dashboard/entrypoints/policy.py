"""Who may call which route of the dashboard. Managers read aggregates only. The page is
static and holds no data: it asks for a token and calls the API with it.

The kernel enforces this table on every call and adds its own routes (/health, /audit);
docs/policy.md shows it (``make docs``). A route missing here is refused.
"""

from homeward_shared.policy import PUBLIC, Policy

POLICY = Policy(
    {
        "GET /live": {"manager"},
        "GET /live/late-hand-offs": {"manager"},
        # The stage feed, filtered per role (http.LIVE_AUDIENCE): the web service relays it.
        "GET /live/stream": {"manager", "investigator", "legal"},
        "GET /impact/years": {"manager"},
        "GET /impact/{year}": {"manager"},
        "GET /impact/{year}.csv": {"manager"},
        "GET /impact/{year}/print": {"manager"},
        "GET /": PUBLIC,
    }
)
