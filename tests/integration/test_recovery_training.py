"""A resident's care and training over the real broker and database: assessed, enrolled in
sewing, completed, certified and handed to reintegration, which receives her with the trade."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.settings import RecoverySettings
from homeward_reintegration.bootstrap import bootstrap as reintegration_app
from homeward_reintegration.settings import ReintegrationSettings
from homeward_shared.contracts import PlacementRequested
from homeward_shared.contracts.handoffs import SignalSource, Urgency
from homeward_shared.envelope import Envelope
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.kafka import TopicReader
from homeward_shared.testing.plugin import running, settings_for
from homeward_shared.uow import verify_audit_chain

from tests.integration.helpers import REINTEGRATION, client

pytestmark = pytest.mark.integration

SR = as_user("u-staff-sr", "centre_staff", centres=["SR"])
TD = as_user("u-staff-td", "centre_staff", centres=["TD"])
CANARY = f"canary-{uuid.uuid4().hex}"
TODAY = datetime.now(UTC).date()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


async def placed_and_admitted(c, bootstrap: str, topics, centre_headers, centre: str):
    case_id = uuid.uuid4()
    env = Envelope.wrap(
        PlacementRequested(
            case_number=f"C-{uuid.uuid4().hex[:10]}",
            source=SignalSource.PARTNER_NGO,
            urgency=Urgency.ROUTINE,
            language="th",
        ),
        case_id=case_id,
        producer="intake",
        correlation_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            topics.placement_requested, env.model_dump_json().encode(), key=str(case_id).encode()
        )
    finally:
        await producer.stop()

    async def queued():
        r = await c.get("/admission-requests", headers=centre_headers)
        return any(q["case_id"] == str(case_id) for q in r.json())

    await wait_until(queued, what="the placement reaches recovery")
    r = await c.post(
        "/admissions",
        headers=centre_headers,
        json={
            "case_id": str(case_id),
            "centre": centre,
            "informed_consent": True,
            "house_rules_accepted": True,
            "consent_given_on": day(0),
        },
    )
    assert r.status_code == 201, r.text
    return case_id


async def test_a_resident_completes_sewing_is_certified_and_reintegration_receives_her(
    database, topics
):
    recovery = recovery_app(settings_for(RecoverySettings, database, topics))
    reintegration = reintegration_app(settings_for(ReintegrationSettings, database, topics))
    bootstrap = database.infra.kafka_bootstrap_servers
    async with (
        running(recovery, reintegration),
        TopicReader(bootstrap, topics.all()) as feed,
        client(recovery) as c,
        client(reintegration) as gc,
    ):
        case_id = await placed_and_admitted(c, bootstrap, topics, SR, "SR")
        base = f"/residents/{case_id}"

        # Care: an assessment whose findings are sealed and read only with a purpose.
        r = await c.post(
            f"{base}/assessments",
            headers=SR,
            json={
                "kind": "medical",
                "assessed_on": day(0),
                "assessor_role": "doctor",
                "findings": CANARY,
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["findings"] is None
        [listed] = (await c.get(f"{base}/assessments", headers=SR)).json()
        assert listed["findings"] is None and listed["kind"] == "medical"
        r = await c.get(f"{base}/assessments", headers=SR, params={"purpose": "medical"})
        assert r.json()[0]["findings"] == CANARY
        r = await c.post(
            f"{base}/care-plan/goals",
            headers=SR,
            json={"area": "vocational", "goal": CANARY, "review_on": day(30)},
        )
        assert r.status_code == 201, r.text
        due = (await c.get("/care-reviews-due", headers=SR, params={"by": day(30)})).json()
        assert [g["case_id"] for g in due if g["case_id"] == str(case_id)] == [str(case_id)]
        assert all(g["goal"] is None for g in due)

        # Siem Reap has no child care: her child stays with her, not in a childcare house.
        r = await c.post(
            f"{base}/children", headers=SR, json={"in_childcare": True, "name": CANARY}
        )
        assert r.status_code == 422, r.text
        r = await c.post(
            f"{base}/children", headers=SR, json={"in_childcare": False, "name": CANARY}
        )
        assert r.status_code == 201, r.text
        assert r.json()["name"] is None
        [child] = (await c.get(f"{base}/children", headers=SR)).json()
        assert child["name"] is None and child["in_childcare"] is False

        # Training: the refusals first.
        r = await c.post(
            f"{base}/enrolments",
            headers=SR,
            json={
                "trade": "sewing_garment_factory",
                "started_on": day(-150),
                "planned_end_on": day(60),
            },
        )
        assert r.status_code == 422, r.text  # longer than six months
        r = await c.post(
            f"{base}/enrolments/{uuid.uuid4()}/completion",
            headers=SR,
            json={"completed_on": day(0)},
        )
        assert r.status_code == 404, r.text  # never started
        r = await c.post(
            f"{base}/enrolments",
            headers=TD,
            json={"trade": "sewing_garment_factory", "started_on": day(-150)},
        )
        assert r.status_code == 404, r.text  # not a resident of that centre

        r = await c.post(
            f"{base}/enrolments",
            headers=SR,
            json={"trade": "sewing_garment_factory", "started_on": day(-150)},
        )
        assert r.status_code == 201, r.text
        enrolment = r.json()
        assert enrolment["planned_end_on"] is not None
        path = f"{base}/enrolments/{enrolment['enrolment_id']}"
        r = await c.post(
            f"{base}/enrolments",
            headers=SR,
            json={"trade": "sewing_garment_factory", "started_on": day(-10)},
        )
        assert r.status_code == 409, r.text  # already enrolled in it
        r = await c.post(
            f"{path}/certification",
            headers=SR,
            json={"certified_on": day(0), "certifying_body": "mlvt"},
        )
        assert r.status_code == 422, r.text  # not completed
        r = await c.post(f"{path}/completion", headers=SR, json={"completed_on": day(-100)})
        assert r.status_code == 422, r.text  # shorter than three months
        r = await c.post(f"{path}/completion", headers=SR, json={"completed_on": day(-5)})
        assert r.status_code == 200, r.text
        r = await c.post(
            f"{path}/certification",
            headers=SR,
            json={"certified_on": day(0), "certifying_body": "mlvt"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["certified_on"] == day(0)

        r = await c.post(
            f"{base}/internships",
            headers=SR,
            json={
                "trade": "sewing_garment_factory",
                "started_on": day(-20),
                "ends_on": day(-6),
                "business": CANARY,
            },
        )
        assert r.status_code == 201, r.text
        r = await c.post(
            f"{base}/study-tours",
            headers=SR,
            json={"toured_on": day(-160), "trades": ["sewing_garment_factory", "weaving"]},
        )
        assert r.status_code == 201, r.text
        record = (await c.get(f"{base}/training", headers=SR)).json()
        assert [e["status"] for e in record["enrolments"]] == ["completed"]
        assert len(record["internships"]) == 1 and len(record["study_tours"]) == 1
        assert CANARY not in json.dumps(record)

        # Education: a class, a month's attendance corrected, the level she reached.
        r = await c.post(
            f"{base}/education",
            headers=SR,
            json={"subject": "english", "level": "a1", "started_on": day(-40)},
        )
        assert r.status_code == 201, r.text
        klass = f"{base}/education/{r.json()['class_id']}"
        month = (TODAY - timedelta(days=35)).replace(day=1).isoformat()
        for attended in (7, 9):
            r = await c.post(
                f"{klass}/attendance",
                headers=SR,
                json={"month": month, "attended": attended, "held": 10, "level": "a2"},
            )
            assert r.status_code == 200, r.text
        r = await c.post(
            f"{klass}/attendance",
            headers=SR,
            json={"month": month, "attended": 11, "held": 10, "level": "a2"},
        )
        assert r.status_code == 422, r.text
        [english] = (await c.get(f"{base}/education", headers=SR)).json()
        assert (english["level"], english["attendance_rate"]) == ("a2", 0.9)

        r = await c.post(
            f"{base}/reintegration-handoff",
            headers=SR,
            json={"wishes_to_return_home": True},
        )
        assert r.status_code == 202, r.text
        assert r.json()["stage"] == "ready_for_reintegration"

        async def received():
            r = await gc.get(f"/cases/{case_id}", headers=REINTEGRATION)
            return r.status_code == 200

        await wait_until(received, what="reintegration receives her")
        [handoff] = await feed.wait_for(topics.resident_ready_for_reintegration, 1)
        payload = json.loads(handoff.value)["payload"]
        assert payload["skills"] == ["sewing_garment_factory"]
        assert payload["centre"] == "SR"
        # The dashboards' figures, from events: codes and dates, in the order they happened.
        milestones = [
            json.loads(r.value)["payload"] for r in await feed.wait_for(topics.training_recorded, 5)
        ]
        assert [(m["milestone"], m["trade"], m["centre"]) for m in milestones] == [
            ("enrolled", "sewing_garment_factory", "SR"),
            ("completed", "sewing_garment_factory", "SR"),
            ("certified", "sewing_garment_factory", "SR"),
            ("internship_started", "sewing_garment_factory", "SR"),
            ("study_tour", None, "SR"),
        ]
        for topic in topics.all():
            for rec in feed.on(topic):
                assert CANARY.encode() not in rec.value

    conn = await asyncpg.connect(database.admin_dsn)
    try:
        actions = [
            r["action"]
            for r in await conn.fetch(
                "SELECT action FROM recovery.audit WHERE case_id = $1 ORDER BY seq", case_id
            )
        ]
        assert await verify_audit_chain(conn, "recovery") > 0
        sealed = await conn.fetch(
            "SELECT findings_sealed AS b FROM recovery.assessments WHERE case_id = $1"
            " UNION ALL SELECT goal_sealed FROM recovery.care_goals WHERE case_id = $1"
            " UNION ALL SELECT business_sealed FROM recovery.internships WHERE case_id = $1"
            " UNION ALL SELECT name_sealed FROM recovery.children WHERE case_id = $1",
            case_id,
        )
    finally:
        await conn.close()
    assert len(sealed) == 4 and all(CANARY.encode() not in bytes(r["b"]) for r in sealed)
    assert actions.count("personal_data_read") == 1
    for expected in (
        "assessment_recorded",
        "care_goal_set",
        "TraineeEnrolled",
        "TrainingCompleted",
        "TraineeCertified",
        "InternshipStarted",
        "StudyTourMade",
    ):
        assert expected in actions
    assert CANARY not in json.dumps(actions)
