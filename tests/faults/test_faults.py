"""The fault harness, small: cases through every service process while the hand-off path's
processes are killed (SIGKILL) or stopped (SIGTERM), the harness's own PostgreSQL is stopped
and started, and events are delivered twice and out of order; every record reconciles.
Broker restarts cost ~30 s each, so only ``make faults`` (the full size) runs them, with
every service killed several times."""

import pytest

from tests.faults.harness import Plan, main

pytestmark = pytest.mark.integration


@pytest.mark.timeout(240)
async def test_nothing_lost_nothing_doubled_while_processes_and_the_database_fail(infra):
    plan = Plan(
        kills_per_service=1,
        terms_per_service=0,
        broker_restarts=0,
        postgres_restarts=1,
        victims=("intake", "recovery", "reintegration"),
    )
    report = await main(8, 11, plan, concurrency=8, own_kafka=False, own_postgres=True)
    assert report["problems"] == [], report["problems"]
    assert report["faults_injected"] == {"kill": 3, "postgres": 1}
    assert report["redeliveries_injected"] > 0
    assert report["counts"]["reintegration.cases_resettled"] == 8
