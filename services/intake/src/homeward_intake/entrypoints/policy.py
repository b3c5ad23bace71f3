"""Who may call which route of intake. Intake officers (the hotline, outreach workers, the
clinic) register signals, route them and open a person's details.

The kernel enforces this table on every call and adds its own routes (/health, /audit);
docs/policy.md shows it (``make docs``). A route missing here is refused.
"""

from homeward_shared.policy import Policy

POLICY = Policy(
    {
        "POST /signals": {"intake"},
        "POST /signals/{signal_id}/placement-request": {"intake"},
        "POST /signals/{signal_id}/lead": {"intake"},
        "POST /signals/{signal_id}/closure": {"intake"},
        "GET /signals/{signal_id}/person": {"intake"},
    }
)
