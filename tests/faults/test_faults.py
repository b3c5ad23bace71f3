"""The fault harness, small: cases through three service processes while they are killed
with SIGKILL and restarted; every record reconciles. ``make faults`` runs the full size."""

import pytest

from tests.faults.harness import main

pytestmark = pytest.mark.integration


@pytest.mark.timeout(240)
async def test_nothing_lost_nothing_doubled_while_service_processes_are_killed(infra):
    report = await main(cases=16, kills=4, seed=11, concurrency=8)
    assert report["kills"] == 4
    assert report["problems"] == [], report["problems"]
    assert report["counts"]["reintegration_cases_resettled"] == 16
