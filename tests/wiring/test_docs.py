"""The generated documents in docs/ are the ones the code generates now (``make docs``)."""

from pathlib import Path

import pytest
from homeward_shared.cli import consumed_topics
from homeward_shared.contracts import Topics
from homeward_shared.provision import SERVICES

from tools.gendocs import DOCS, build, consumers, generated, service_documents


@pytest.fixture(scope="module")
def files() -> dict[Path, str]:
    return generated()


def test_generated_docs_match_the_code(files):
    stale = [
        str(path.relative_to(DOCS.parent))
        for path, text in files.items()
        if not path.exists() or path.read_text() != text
    ]
    assert not stale, f"run `make docs` and commit: {stale}"


def test_every_service_has_an_openapi_and_an_asyncapi_document_and_events_md_every_topic(files):
    names = {p.relative_to(DOCS).as_posix() for p in files}
    for service in ("intake", "investigation", "recovery", "reintegration", "dashboard"):
        assert f"openapi/{service}.json" in names
        assert f"asyncapi/{service}.json" in names
    events = files[DOCS / "events.md"]
    for topic in Topics().all():
        assert f"## `{topic}`" in events
        assert f"`{Topics.dead_letter(topic)}`" in events


def test_the_case_trace_and_the_event_catalogue_agree_on_who_consumes_what():
    documents = service_documents({name: build(name) for name in SERVICES})
    assert consumed_topics("") == set(consumers(documents))
    assert {t.removeprefix("p.") for t in consumed_topics("p.")} == set(consumers(documents))
