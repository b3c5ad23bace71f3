"""Who may call which route of recovery. Centre staff act for the centres their token names
(one per call where it matters: ``http.centre_staff``); admins configure the centres.

The kernel enforces this table on every call and adds its own routes (/health, /audit);
docs/policy.md shows it (``make docs``). A route missing here is refused.
"""

from homeward_shared.policy import Policy

POLICY = Policy(
    {
        "GET /centres": {"centre_staff"},
        "PUT /centres/{code}": {"admin"},
        "GET /admission-requests": {"centre_staff"},
        "POST /admissions": {"centre_staff"},
        "GET /residents/{case_id}": {"centre_staff"},
        "POST /residents/{case_id}/transfer-request": {"centre_staff"},
        "POST /admission-requests/{case_id}/transfer-arrival": {"centre_staff"},
        "POST /residents/{case_id}/departure": {"centre_staff"},
        "POST /residents/{case_id}/reintegration-handoff": {"centre_staff"},
        "GET /residents/{case_id}/identity": {"centre_staff"},
        "POST /residents/{case_id}/assessments": {"centre_staff"},
        "GET /residents/{case_id}/assessments": {"centre_staff"},
        "POST /residents/{case_id}/care-plan/goals": {"centre_staff"},
        "POST /residents/{case_id}/care-plan/goals/{goal_id}/review": {"centre_staff"},
        "GET /residents/{case_id}/care-plan": {"centre_staff"},
        "GET /care-reviews-due": {"centre_staff"},
        "GET /programmes": {"centre_staff"},
        "POST /residents/{case_id}/enrolments": {"centre_staff"},
        "POST /residents/{case_id}/enrolments/{enrolment_id}/completion": {"centre_staff"},
        "POST /residents/{case_id}/enrolments/{enrolment_id}/certification": {"centre_staff"},
        "POST /residents/{case_id}/enrolments/{enrolment_id}/withdrawal": {"centre_staff"},
        "POST /residents/{case_id}/internships": {"centre_staff"},
        "POST /residents/{case_id}/study-tours": {"centre_staff"},
        "GET /residents/{case_id}/training": {"centre_staff"},
        "POST /residents/{case_id}/education": {"centre_staff"},
        "POST /residents/{case_id}/education/{class_id}/attendance": {"centre_staff"},
        "POST /residents/{case_id}/education/{class_id}/end": {"centre_staff"},
        "GET /residents/{case_id}/education": {"centre_staff"},
        "POST /residents/{case_id}/children": {"centre_staff"},
        "GET /residents/{case_id}/children": {"centre_staff"},
        "POST /residents/{case_id}/legal-assistance": {"centre_staff"},
        "GET /residents/{case_id}/legal-assistance": {"centre_staff"},
        "GET /residents/{case_id}/set-aside": {"centre_staff"},
    }
)
