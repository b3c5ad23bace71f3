"""Hypothesis strategies for events that can never be processed: malformed bytes, truncated
JSON, oversized payloads, wrong versions and types, wrong-typed fields, all drawn from one
valid envelope. Used by the poison-event tests of every subscriber."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Planted in poison values: no dead-letter reason may echo it (reasons name fields and
# rules, never values, because a value may be personal).
CANARY = "Sreymom-canary-41c7"

junk_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.just(CANARY),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@st.composite
def poison(draw, valid: dict) -> tuple[str, bytes]:
    """One event that can never be processed, and what kind of damage it carries."""
    raw = json.dumps(valid).encode()
    kind = draw(st.sampled_from(["bytes", "truncated", "oversized", "version", "type", "field"]))
    if kind == "bytes":
        body = draw(st.binary(min_size=0, max_size=300))
        # A body that happens to be a valid event is not poison.
        if body.strip().startswith(b"{"):
            body = b"\xff" + body
        return kind, body
    if kind == "truncated":
        return kind, raw[: draw(st.integers(min_value=0, max_value=len(raw) - 1))]
    data = json.loads(raw)
    if kind == "oversized":
        size = draw(st.integers(min_value=50_000, max_value=400_000))
        data["payload"][draw(st.sampled_from(["notes", "padding", CANARY]))] = "x" * size
    elif kind == "version":
        data["schema_version"] = draw(
            st.one_of(st.integers().filter(lambda v: v != valid["schema_version"]), junk_value)
        )
    elif kind == "type":
        data["event_type"] = draw(st.one_of(st.just(f"{CANARY}.happened"), junk_value))
    else:
        where = draw(st.sampled_from(["envelope", "payload"]))
        target = data if where == "envelope" else data["payload"]
        keys = [k for k in target if k not in ("event_type", "schema_version", "payload")]
        field = draw(st.sampled_from(keys)) if keys else "payload"
        value = draw(junk_value)
        if field in ("event_id", "case_id", "correlation_id") and isinstance(value, str):
            value = CANARY
        target[field] = value
        # A value that happens to be still valid (None for an optional field, say) is no
        # poison: make the envelope's type wrong as well, still never processable.
        data["occurred_at"] = CANARY if where == "envelope" else data["occurred_at"]
        if where == "payload":
            data["payload"]["unexpected_" + CANARY.replace("-", "_")] = value
    return kind, json.dumps(data).encode()


def draw_poison(valid: dict, examples: int) -> list[tuple[str, bytes]]:
    """Hypothesis draws the batch; the broker round trip happens once per batch."""
    drawn: list[tuple[str, bytes]] = []

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(poison(valid))
    def collect(item: tuple[str, bytes]) -> None:
        drawn.append(item)

    collect()
    return drawn
