import json
import uuid

import httpx
import pytest
from homeward_intake.bootstrap import bootstrap
from homeward_intake.settings import IntakeSettings
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.kafka import TopicReader
from homeward_shared.testing.plugin import running, settings_for

pytestmark = pytest.mark.integration
STAFF = as_user("u-intake-1", "intake")


async def test_walk_in_reported_then_rescued_and_placement_requested(database, topics):
    intake = bootstrap(settings_for(IntakeSettings, database, topics))
    async with (
        running(intake),
        TopicReader(
            database.infra.kafka_bootstrap_servers,
            [topics.stage_changed, topics.placement_requested],
        ) as reader,
    ):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(intake.app), base_url="http://t"
        ) as c:
            r = await c.post(
                "/signals",
                headers=STAFF,
                json={
                    "idempotency_key": uuid.uuid4().hex,
                    "source": "clinic_walk_in",
                    "urgency": "high",
                    "needs_shelter": True,
                    "name": "Sokha-canary",
                },
            )
            assert r.status_code == 201, r.text
            sig = r.json()
            r = await c.post(
                f"/signals/{sig['signal_id']}/placement-request",
                headers=STAFF,
                json={"reason": "walk_in_needs_shelter"},
            )
            assert r.status_code == 202, r.text
        stages = await reader.wait_for(topics.stage_changed, 2)
        placements = await reader.wait_for(topics.placement_requested, 1)
    assert [json.loads(s.value)["payload"]["stage"] for s in stages] == ["reported", "rescued"]
    assert placements[0].key == sig["case_id"].encode()
    assert b"Sokha-canary" not in placements[0].value
