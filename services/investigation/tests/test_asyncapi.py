"""The service's AsyncAPI and OpenAPI documents describe every event and endpoint."""

import json

from homeward_investigation.asyncapi import PUBLISHED, document
from homeward_investigation.bootstrap import bootstrap
from homeward_investigation.settings import InvestigationSettings

NOWHERE = "postgresql://nobody:nothing@127.0.0.1:1/none"


def test_asyncapi_names_every_event_published_and_consumed_as_its_envelope():
    service = bootstrap(InvestigationSettings(database_url=NOWHERE))
    doc = document(service)
    addresses = {c["address"] for c in doc["channels"].values()}
    # Consumed: leads from intake, and the erasures every service reacts to.
    topics = {getattr(service.topics, t) for t in PUBLISHED} | {
        service.topics.lead_reported,
        service.topics.legal_assistance_requested,
        service.topics.erasure_approved,
    }
    # Each one's dead letters too: set aside by its consumer, or by the relay (too large).
    assert addresses == topics | {f"{t}.dlq" for t in topics}
    schemas = doc["components"]["schemas"]
    for contract in PUBLISHED.values():
        envelope = schemas[f"Envelope[{contract.__name__}]"]
        assert {"event_id", "case_id", "correlation_id", "payload"} <= set(envelope["properties"])
    assert "x-personal" not in json.dumps(doc)


def test_openapi_documents_every_route_and_marks_personal_fields():
    app = bootstrap(InvestigationSettings(database_url=NOWHERE)).app
    spec = app.openapi()
    paths = {p for p in spec["paths"] if p != "/health"}
    assert {
        "/reports",
        "/reports/{report_id}/establishment",
        "/legal/referrals/{referral_id}/milestones",
        "/legal/referrals/{referral_id}/operations",
        "/legal/operations/{operation_id}/outcomes",
        "/investigations/{investigation_id}/visits",
        "/investigations/{investigation_id}/close",
        "/investigations/{investigation_id}/leads/{lead_id}/split",
        "/legal/inbox",
        "/legal/assistance-requests/{request_id}/acknowledge",
        "/legal/assistance-requests/{request_id}/assign",
    } <= paths
    visit = spec["components"]["schemas"]["VisitIn"]["properties"]["observations"]
    assert visit.get("x-personal") is True
