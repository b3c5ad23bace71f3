"""Who may call which route of intake. Intake officers (the hotline, outreach workers, the
clinic) register signals, route them and open a person's details. Intake also hosts the
two-admin erasure workflow (the kernel's erasure router declares its own roles).

The kernel enforces this table on every call and adds its own routes (/health, /audit);
docs/policy.md shows it (``make docs``). A route missing here is refused.
"""

from homeward_shared.erasure.http import ROUTE_ROLES as ERASURE
from homeward_shared.policy import Policy

POLICY = Policy(
    {
        "POST /signals": {"intake"},
        "GET /signals": {"intake"},
        "GET /signals/{signal_id}": {"intake"},
        "POST /signals/{signal_id}/placement-request": {"intake"},
        "POST /signals/{signal_id}/lead": {"intake"},
        "POST /signals/{signal_id}/closure": {"intake"},
        "GET /signals/{signal_id}/person": {"intake"},
        "POST /outreach": {"intake"},
        "GET /outreach/{activity_id}": {"intake"},
        **{f"{method} {path}": set(roles) for (method, path), roles in ERASURE.items()},
    }
)
