"""Who may call which route of reintegration. The reintegration team works its cases;
managers read the yearly figures (aggregates, small cells suppressed).

The kernel enforces this table on every call and adds its own routes (/health, /audit);
docs/policy.md shows it (``make docs``). A route missing here is refused.
"""

from homeward_shared.policy import Policy

POLICY = Policy(
    {
        "GET /cases/{case_id}": {"reintegration"},
        "POST /cases/{case_id}/resettlement": {"reintegration"},
        "POST /cases/{case_id}/visits/{visit_no}": {"reintegration"},
        "GET /cases/{case_id}/visits/{visit_no}/notes": {"reintegration"},
        "GET /cases/{case_id}/family-contacts/{contact_id}/details": {"reintegration"},
        "GET /cases/{case_id}/assessment/notes": {"reintegration"},
        "GET /follow-up/overdue": {"reintegration"},
        "POST /cases/{case_id}/closure": {"reintegration"},
        "POST /cases/{case_id}/reopening": {"reintegration"},
        "POST /cases/{case_id}/family-contacts": {"reintegration"},
        "POST /cases/{case_id}/assessments": {"reintegration"},
        "POST /cases/{case_id}/support": {"reintegration"},
        "GET /figures/{year}": {"manager", "reintegration"},
        "PUT /partners/{code}": {"admin"},
        "GET /partners": {"admin", "reintegration"},
        "GET /partners/{code}": {"admin", "reintegration"},
        "GET /cases/{case_id}/set-aside": {"reintegration"},
    }
)
