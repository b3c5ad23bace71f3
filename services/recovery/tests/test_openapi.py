"""Wiring tier: the OpenAPI document describes every route, and marks her personal fields."""

from homeward_recovery.bootstrap import bootstrap
from homeward_recovery.settings import RecoverySettings

NOWHERE = "postgresql://nobody:nothing@127.0.0.1:1/none"


def test_every_route_is_tagged_and_personal_fields_are_marked():
    doc = bootstrap(RecoverySettings(database_url=NOWHERE)).app.openapi()
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            assert op.get("tags"), (method, path)
    schemas = doc["components"]["schemas"]
    marked = {
        (name, field)
        for name, schema in schemas.items()
        for field, prop in schema.get("properties", {}).items()
        if prop.get("x-personal")
    }
    for expected in [
        ("IdentityIn", "name"),
        ("IdentityIn", "village"),
        ("AssessmentIn", "findings"),
        ("GoalIn", "goal"),
        ("InternshipIn", "business"),
        ("ChildIn", "name"),
    ]:
        assert expected in marked
    # Nothing that goes to a list or a queue carries a personal field.
    for name in ("RequestOut", "ResidentOut", "EnrolmentOut", "ClassOut"):
        assert not {f for n, f in marked if n == name}
    # A centre's name is typed text, so sealed (under the centre's key), but it is the
    # organisation's: the list of centres opens it, and nothing else is personal there.
    assert {f for n, f in marked if n == "CentreOut"} == {"name"}
