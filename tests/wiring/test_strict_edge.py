"""Wiring tier: what a service accepts at its edge is what its OpenAPI document says, and its
errors have the one documented shape.

- Strict types: a JSON value is accepted only in the type the schema names (``false`` is not
  a count, ``0`` not a date), a parameter only in its type's canonical text.
- Every error answer is a ``Problem``, and every operation documents ``Problem`` for every
  status the kernel can answer on it (FastAPI's ``HTTPValidationError`` nowhere).

Nothing is started: validation answers before a handler would need the database."""

import functools
import re
import uuid
from datetime import date

import httpx
import jsonschema
import pytest
from homeward_shared.domain import DomainError
from homeward_shared.errors import ERROR_CODE, STATUS_CODES
from homeward_shared.policy import PUBLIC, api_routes
from homeward_shared.strict import RequestModel, lax_bodies
from homeward_shared.testing.auth import as_user
from pydantic import BaseModel, ValidationError, model_validator

from tests.wiring.test_access_policy import SERVICES
from tests.wiring.test_access_policy import make as build

CASE = "7eba55ce-2b33-4260-b2cb-6ffd3548ce67"

# One app per service for the whole module: nothing here changes an app's state.
make = functools.cache(build)


def client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t")


def problem_validator(doc: dict) -> jsonschema.protocols.Validator:
    schema = {"$ref": "#/components/schemas/Problem", "components": doc["components"]}
    return jsonschema.Draft202012Validator(schema)


def rules(r: httpx.Response) -> set[tuple[tuple, str]]:
    return {(tuple(e["loc"]), e["type"]) for e in r.json()["errors"]}


SIGNAL = {"idempotency_key": "k" * 12, "source": "hotline", "urgency": "high"}
VISIT = {"idempotency_key": "k" * 12, "by_role": "social_worker", "outcomes": ["stable"]}


@pytest.mark.parametrize(
    ("service", "path", "role", "body", "rule"),
    [
        # A count given as a boolean (false and true were 0 and 1).
        (
            "intake",
            "/signals",
            "intake",
            {**SIGNAL, "needs_shelter": True, "children_with_her": False},
            (("body", "children_with_her"), "int_type"),
        ),
        # A day given as a number (0 was 1 January 1970).
        (
            "reintegration",
            f"/cases/{CASE}/visits/1",
            "reintegration",
            {**VISIT, "visited_on": 0},
            (("body", "visited_on"), "date_type"),
        ),
        # A boolean given as a number, and a string given as a number.
        (
            "intake",
            "/signals",
            "intake",
            {**SIGNAL, "needs_shelter": 1},
            (("body", "needs_shelter"), "bool_type"),
        ),
        (
            "intake",
            "/signals",
            "intake",
            {**SIGNAL, "needs_shelter": True, "idempotency_key": 123456789},
            (("body", "idempotency_key"), "string_type"),
        ),
    ],
    ids=["count-as-false", "date-as-0", "bool-as-1", "string-as-number"],
)
async def test_a_body_value_of_another_json_type_is_refused(service, path, role, body, rule):
    app = make(service).app
    async with client(app) as c:
        r = await c.post(path, headers=as_user("u-1", role), json=body)
    assert r.status_code == 422, r.text
    assert rule in rules(r), r.text
    problem_validator(app.openapi()).validate(r.json())


@pytest.mark.parametrize(
    ("query", "rule"),
    [
        ("after=true", "int_form"),
        ("after=1.0", "int_form"),
        ("after=+5", "int_form"),
        ("after=9223372036854775808", "int_form"),  # past PostgreSQL's bigint
        ("limit=1e2", "int_form"),
    ],
)
async def test_a_parameter_not_in_its_types_canonical_text_is_refused(query, rule):
    app = make("intake").app
    async with client(app) as c:
        r = await c.get(f"/audit?{query}", headers=as_user("u-1", "auditor"))
    assert r.status_code == 422, r.text
    name = query.partition("=")[0]
    assert ((("query", name), rule)) in rules(r), r.text
    assert query.partition("=")[2] not in r.text
    problem_validator(app.openapi()).validate(r.json())


async def test_a_path_integer_a_query_boolean_and_a_query_date_are_canonical_too():
    async with client(make("dashboard").app) as c:
        for year in ("2024.0", "+2024"):
            r = await c.get(f"/impact/{year}", headers=as_user("u-1", "manager"))
            assert r.status_code == 422 and (("path", "year"), "int_form") in rules(r), r.text
    async with client(make("investigation").app) as c:
        r = await c.get("/reports?mine=yes", headers=as_user("u-1", "investigator"))
        assert r.status_code == 422 and (("query", "mine"), "bool_form") in rules(r), r.text
    async with client(make("recovery").app) as c:
        staff = as_user("u-1", "centre_staff", centres=["TD"])
        r = await c.get("/care-reviews-due?by=0", headers=staff)  # 0 was 1 January 1970
        assert r.status_code == 422 and (("query", "by"), "date_form") in rules(r), r.text


@pytest.mark.parametrize("service", SERVICES)
async def test_every_kernel_answer_has_the_documented_error_shape(service):
    """401, 403, 404 (no such path), 413 and 422 from the kernel, against the document."""
    app = make(service).app
    check = problem_validator(app.openapi())
    async with client(app) as c:
        answers = [
            await c.get("/audit"),
            await c.get("/audit", headers=as_user("u-1", "intake")),
            await c.get("/no-such-route", headers=as_user("u-1", "auditor")),
            await c.post("/audit/chain", headers=as_user("u-1", "auditor")),
            await c.get("/audit?limit=0", headers=as_user("u-1", "auditor")),
            await c.post(
                "/audit",
                headers={**as_user("u-1", "auditor"), "Content-Length": str(10**9)},
                content=b"",
            ),
        ]
    assert [r.status_code for r in answers] == [401, 403, 404, 405, 422, 413]
    for r in answers:
        check.validate(r.json())


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_documents_every_status_the_kernel_answers(service):
    app = make(service).app
    doc = app.openapi()
    policy = app.state.guard.policy
    assert "HTTPValidationError" not in str(doc)
    for key, route in api_routes(app):
        method, _, path = key.partition(" ")
        operation = doc["paths"].get(path, {}).get(method.lower())
        if operation is None:
            continue
        declared = set(operation["responses"])
        assert "413" in declared, key
        if policy[key] != PUBLIC:
            assert {"401", "403", "429", "503"} <= declared, key
        if operation.get("parameters") or "requestBody" in operation:
            assert "422" in declared, key
        if "{" in path:
            assert "404" in declared, key
        for status, response in operation["responses"].items():
            if status >= "400" and "$ref" not in response:
                [media] = response["content"].values()
                assert media["schema"] == {"$ref": "#/components/schemas/Problem"} or (
                    path == "/health"
                ), (key, status)
        if route.status_code == 201 and route.dependant.response_param_name:
            assert (
                operation["responses"]["200"]["content"]
                == (operation["responses"]["201"]["content"])
            ), key


@pytest.mark.parametrize("service", SERVICES)
def test_every_request_body_is_a_strict_request_model(service):
    assert lax_bodies(api_routes(make(service).app)) == []


class _Place(BaseModel):
    rooms: int


class _Report(RequestModel):
    on: date
    count: int = 0
    case_id: uuid.UUID | None = None
    place: _Place | None = None


def test_a_request_model_built_in_code_from_python_values_still_validates():
    made = _Report(on=date(2026, 1, 2), count=3, case_id=uuid.UUID(CASE), place={"rooms": 2})
    assert made.on == date(2026, 1, 2) and made.count == 3 and made.place.rooms == 2
    with pytest.raises(ValidationError) as refused:
        _Report(on=date(2026, 1, 2), place={"rooms": True})
    assert refused.value.errors()[0]["loc"] == ("place", "rooms")


def test_a_request_model_keeps_its_after_validators_and_refuses_other_model_validators():
    class Window(RequestModel):
        start: date
        end: date

        @model_validator(mode="after")
        def ordered(self):
            if self.end < self.start:
                raise ValueError("end before start")
            return self

    assert Window.model_validate({"start": "2026-01-01", "end": "2026-01-02"}).end.day == 2
    with pytest.raises(ValidationError, match="end before start"):
        Window.model_validate({"start": "2026-01-02", "end": "2026-01-01"})
    with pytest.raises(ValidationError, match="date_type"):
        Window.model_validate({"start": 0, "end": "2026-01-01"})

    with pytest.raises(TypeError, match="mode 'after' only"):

        class Odd(RequestModel):
            n: int

            @model_validator(mode="before")
            @classmethod
            def early(cls, data):
                return data


def test_every_domain_error_names_itself_with_a_code():
    """A domain error's ``code`` is the ``error`` of its answer: the pattern ``Problem``
    documents."""
    for service in SERVICES:
        make(service)  # imports every service's domain
    found, todo = [], [DomainError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    assert len(found) > 5
    for cls in found:
        assert re.fullmatch(ERROR_CODE, cls.code), cls
    assert all(re.fullmatch(ERROR_CODE, code) for code in STATUS_CODES.values())
