"""The committed AsyncAPI document is the one the contracts generate (``make docs``)."""

import json
from pathlib import Path

from homeward_shared.contracts import Topics
from homeward_shared.contracts.asyncapi import CATALOGUE, document, render

DOC = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.json"


def test_docs_asyncapi_matches_the_contracts():
    assert DOC.read_text() == render(), "contracts changed: run `make docs` and commit"


def test_every_topic_is_in_the_catalogue():
    assert sorted(t for t, _, _ in CATALOGUE) == sorted(Topics().all())


def test_every_topic_is_documented_with_its_envelope_and_no_personal_field():
    doc = document()
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == {topic for topic, _, _ in CATALOGUE}
    text = json.dumps(doc)
    assert "x-personal" not in text
    schemas = doc["components"]["schemas"]
    for _, contract, _ in CATALOGUE:
        assert contract.__name__ in schemas, contract.__name__
