"""Database tier: recovery's handlers on the real PostgreSQL, no broker. A woman who left
and is handed on again is readmitted under the same case; her outbox tells the whole stay."""

import json
import uuid
from datetime import UTC, date, datetime

import pytest
from homeward_recovery.bootstrap import MIGRATIONS
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.domain.commands import AdmitResident, OpenAdmissionRequest, RecordDeparture
from homeward_recovery.domain.model import Identity, LeaveReason, RequestOrigin
from homeward_recovery.service import handlers
from homeward_recovery.settings import RecoverySettings
from homeward_shared.contracts import Topics
from homeward_shared.contracts.handoffs import SignalSource, Urgency
from homeward_shared.db import create_pool, migrate
from homeward_shared.personal import ReadPurpose
from homeward_shared.testing.plugin import settings_for
from homeward_shared.uow import Actor, Delivery, Received

pytestmark = pytest.mark.integration

STAFF = Actor("u-staff-sr", "centre_staff")


def today() -> date:
    """The admission stamps the UTC day it happens: a fixed date here would fall behind it."""
    return datetime.now(UTC).date()


def handed_on(case_id: uuid.UUID, origin: RequestOrigin) -> OpenAdmissionRequest:
    return OpenAdmissionRequest(
        received=Received(uuid.uuid4(), "x", Delivery("recovery", "t", 0, 0)),
        case_id=case_id,
        case_number="C-1",
        correlation_id=case_id,
        origin=origin,
        source=SignalSource.POLICE if origin is RequestOrigin.PLACEMENT else None,
        urgency=Urgency.HIGH,
        apparent_minor=False,
        children_with_her=0,
        language="th",
    )


def admission(case_id: uuid.UUID, name: str | None) -> AdmitResident:
    return AdmitResident(
        case_id=case_id,
        centre="SR",
        informed_consent=True,
        house_rules_accepted=True,
        consent_given_on=today(),
        identity=Identity(name=name, village="first-village" if name else None),
    )


async def test_she_leaves_comes_back_and_is_readmitted_under_the_same_case(database):
    settings = settings_for(RecoverySettings, database, Topics(f"t{uuid.uuid4().hex[:8]}."))
    service = recovery_app(settings)
    await migrate(settings.dsn, settings.db_schema, MIGRATIONS)
    service.pool = await create_pool(settings.dsn)
    case_id = uuid.uuid4()
    try:
        system = service.system_actor
        await handlers.when_placement_requested_open_admission_request(
            handed_on(case_id, RequestOrigin.PLACEMENT), service.uow(system)
        )
        await handlers.admit_resident(admission(case_id, "first-name"), service.uow(STAFF))
        await handlers.record_departure(
            RecordDeparture(
                case_id=case_id,
                acting_centre="SR",
                reason=LeaveReason.WISHED_TO_RETURN_HOME,
                left_on=today(),
            ),
            service.uow(STAFF),
        )
        await handlers.when_person_rescued_open_admission_request(
            handed_on(case_id, RequestOrigin.RESCUE), service.uow(system)
        )
        [waiting] = [
            r for r in await handlers.waiting_requests(service.uow(STAFF)) if r.case_id == case_id
        ]
        assert (waiting.origin, waiting.proposed_centre) == ("rescue", "SR")
        resident = await handlers.admit_resident(
            admission(case_id, "second-name"), service.uow(STAFF)
        )
        assert (resident.status, resident.left_on) == ("resident", None)
        identity = await handlers.read_identity(case_id, "SR", ReadPurpose.CARE, service.uow(STAFF))
        # Given anew: replaced; not given: kept as sealed before.
        assert (identity.name, identity.village) == ("second-name", "first-village")

        async with service.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT payload FROM recovery.outbox WHERE aggregate_id = $1"
                " AND event_type = 'case.stage_changed' ORDER BY seq",
                case_id,
            )
            actions = [
                r["action"]
                for r in await conn.fetch(
                    "SELECT action FROM recovery.audit WHERE case_id = $1 ORDER BY seq", case_id
                )
            ]
    finally:
        await service.pool.close()
    stages = [json.loads(r["payload"])["payload"] for r in rows]
    assert [(s["stage"], s["reason"]) for s in stages] == [
        ("admitted", "placement"),
        ("left_centre", "wished_to_return_home"),
        ("admitted", "readmission"),
    ]
    assert "admission_request_reopened" in actions
