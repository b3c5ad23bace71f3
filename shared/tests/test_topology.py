"""The topic declaration follows the contracts: every topic and its dead-letter topic, with
the replication and retention the runbook relies on."""

from homeward_shared.contracts import Topics
from homeward_shared.topology import FOREVER, HANDOFF_RETENTION_MS, declared


def test_every_contract_topic_and_its_dead_letter_topic_is_declared():
    names = [s.name for s in declared("p.")]
    expected = Topics("p.").all()
    assert sorted(names) == sorted(expected + [Topics.dead_letter(t) for t in expected])


def test_production_replication_keeps_writing_with_one_broker_down():
    for spec in declared(replication_factor=3):
        assert spec.replication_factor == 3
        assert spec.config["min.insync.replicas"] == "2"
    for spec in declared(replication_factor=1):
        assert spec.config["min.insync.replicas"] == "1"  # a single local broker


def test_case_feeds_and_dead_letters_are_kept_for_ever_hand_offs_for_a_year():
    topics = Topics("p.")
    kept = {s.name: int(s.config["retention.ms"]) for s in declared("p.")}
    assert kept[topics.stage_changed] == FOREVER  # the dashboard rebuilds from it
    for name in topics.all():
        assert kept[Topics.dead_letter(name)] == FOREVER  # a dead letter is a waiting case
        if name.startswith("p.case."):
            assert kept[name] == FOREVER  # replayed from the start (rebuilds, erasures)
        else:
            assert kept[name] == HANDOFF_RETENTION_MS
    assert all(s.config["cleanup.policy"] == "delete" for s in declared())
