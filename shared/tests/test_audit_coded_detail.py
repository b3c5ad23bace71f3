"""Unit tier: the auditors' route serves a detail key declared a code only when it holds
one; a value written before the key took codes only (or any other shape) is set aside."""

from homeward_shared.audit_trail import SET_ASIDE, register_coded_detail, served_detail


def test_a_non_code_value_of_a_coded_key_is_served_as_set_aside():
    register_coded_detail(("probe_started",), "grade", ("a1", "a2"))
    personal = frozenset({"name"})
    assert served_detail("probe_started", {"grade": "a1", "n": 2}, personal) == {
        "grade": "a1",
        "n": 2,
    }
    for typed in ("Srey Sokha reads well", ["a1"], {"a": 1}, None):
        assert served_detail("probe_started", {"grade": typed}, personal) == {"grade": SET_ASIDE}
    # Another action's key of the same name is not declared, and personal keys never leave.
    assert served_detail("probe_other", {"grade": "free", "name": "x"}, personal) == {
        "grade": "free"
    }
