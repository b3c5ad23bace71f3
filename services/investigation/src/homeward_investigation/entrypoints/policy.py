"""Who may call which route of investigation. Investigators file reports and run
investigations; legal workers take referrals on and record the legal track; both record
rescue operations and may open what a report holds.

The kernel enforces this table on every call and adds its own routes (/health, /audit);
docs/policy.md shows it (``make docs``). A route missing here is refused.
"""

from homeward_shared.policy import Policy

POLICY = Policy(
    {
        "POST /reports": {"investigator"},
        "GET /reports": {"investigator", "legal"},
        "GET /reports/drafts": {"investigator"},
        "PUT /reports/drafts/{draft_id}": {"investigator"},
        "GET /reports/drafts/{draft_id}": {"investigator"},
        "DELETE /reports/drafts/{draft_id}": {"investigator"},
        "GET /reports/{report_id}": {"investigator", "legal"},
        "POST /reports/{report_id}/legal-referral": {"investigator"},
        "GET /reports/{report_id}/persons/{case_id}/identity": {"investigator", "legal"},
        "GET /reports/{report_id}/establishment": {"investigator", "legal"},
        "GET /legal/referrals": {"legal"},
        "POST /legal/referrals/{referral_id}/acknowledge": {"legal"},
        "POST /legal/referrals/{referral_id}/assign": {"legal"},
        "GET /legal/referrals/{referral_id}": {"legal"},
        "POST /legal/referrals/{referral_id}/milestones": {"legal"},
        "POST /legal/referrals/{referral_id}/operations": {"investigator", "legal"},
        "POST /legal/operations/{operation_id}/outcomes": {"investigator", "legal"},
        "GET /legal/operations/{operation_id}": {"investigator", "legal"},
        "POST /investigations": {"investigator"},
        "GET /investigations": {"investigator"},
        "GET /investigations/{investigation_id}": {"investigator"},
        "POST /investigations/{investigation_id}/visits": {"investigator"},
        "GET /investigations/{investigation_id}/visits/{visit_id}/observations": {"investigator"},
        "POST /investigations/{investigation_id}/close": {"investigator"},
        "POST /investigations/{investigation_id}/leads/{lead_id}/split": {"investigator"},
        "GET /legal/inbox": {"legal"},
        "GET /legal/assistance-requests/{request_id}": {"legal"},
        "POST /legal/assistance-requests/{request_id}/acknowledge": {"legal"},
        "POST /legal/assistance-requests/{request_id}/assign": {"legal"},
    }
)
