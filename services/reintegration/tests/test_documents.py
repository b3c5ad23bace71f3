"""The OpenAPI and AsyncAPI documents describe every endpoint and event of the service."""

from homeward_reintegration.bootstrap import bootstrap
from homeward_reintegration.entrypoints.asyncapi import asyncapi_document
from homeward_reintegration.settings import ReintegrationSettings

NOWHERE = "postgresql://nobody:nothing@127.0.0.1:1/none"


def test_asyncapi_names_what_reintegration_consumes_and_publishes():
    service = bootstrap(ReintegrationSettings(database_url=NOWHERE, topic_prefix="p."))
    doc = asyncapi_document(service)
    addresses = {c["address"] for c in doc["channels"].values()}
    topics = {
        "p.recovery.resident_ready_for_reintegration",
        "p.case.stage_changed",
        "p.reintegration.follow_up_overdue",
        "p.case.erasure_approved",  # every service destroys an erased person's keys
        "p.figure.recorded",
    }
    # Each one's dead letters too: set aside by its consumer, or by the relay (too large).
    assert addresses == topics | {f"{t}.dlq" for t in topics}
    schemas = doc["components"]["schemas"]
    assert "Envelope[FollowUpVisitOverdue]" in schemas
    # No personal field is part of any published contract.
    assert "notes" not in str(schemas) and "details" not in str(schemas)


def test_openapi_marks_every_personal_field():
    service = bootstrap(ReintegrationSettings(database_url=NOWHERE))
    schemas = service.app.openapi()["components"]["schemas"]
    for model, field in (
        ("VisitIn", "notes"),
        ("FamilyContactIn", "details"),
        ("AssessmentIn", "notes"),
        ("NotesOut", "notes"),
    ):
        assert schemas[model]["properties"][field].get("x-personal") is True, (model, field)
    assert "notes" not in schemas["CaseOut"]["properties"]
