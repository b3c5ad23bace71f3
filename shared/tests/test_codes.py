"""The rule "personal and sealed, or a code", checked on schemas."""

from homeward_shared.codes import CodeField, pattern_is_code, unclassified_strings
from homeward_shared.personal import PersonalField
from pydantic import BaseModel, Field


class _Mixed(BaseModel):
    name: str = PersonalField()
    aliases: list[str] = PersonalField(default_factory=list)
    trade: str = CodeField("trade", pattern=r"^[a-z_]{2,32}$")
    province: str = Field(pattern=r"^[A-Za-z ]+$")
    note: str | None = None
    tags: list[str] = Field(default_factory=list)


def test_personal_and_codes_pass_and_free_text_is_named() -> None:
    found = sorted(unclassified_strings(_Mixed.model_json_schema()))
    assert found == [
        "$.note.anyOf[0]",
        "$.province",
        "$.tags.items",
    ]


def test_code_field_names_its_vocabulary() -> None:
    schema = _Mixed.model_json_schema()
    assert schema["properties"]["trade"]["x-code"] == "trade"


def test_patterns_that_admit_words_are_not_codes() -> None:
    assert pattern_is_code(r"^KH-[0-9]{1,2}$", None)
    assert pattern_is_code(r"^[a-z]{2,3}$", None)
    assert not pattern_is_code(r"^[a-z]+$", None)  # unbounded: a name in lower case
    assert pattern_is_code(r"^[a-z]+$", 3)
    assert not pattern_is_code(r"^[A-Za-z ]{1,40}$", None)  # words and spaces
    assert not pattern_is_code(r"[a-z]{2}", None)  # not anchored


# The walker itself: a map open to any key, a query parameter, a header. Documents of this
# shape are what FastAPI and faststream write, so a blind spot here is one in every test above.
def test_query_parameters_map_keys_and_headers_are_inputs_too():
    doc = {
        "openapi": "3.1.0",
        "paths": {
            "/x/{id}": {
                "parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}}],
                "get": {
                    "parameters": [
                        {"name": "q", "in": "query", "schema": {"type": "string"}},
                        {"$ref": "#/components/parameters/Who"},
                        {"name": "n", "in": "query", "schema": {"type": "integer"}},
                    ],
                    "responses": {
                        "200": {"content": {"application/json": {"schema": {"type": "string"}}}}
                    },
                },
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/In"}}
                        }
                    }
                },
            }
        },
        "components": {
            "parameters": {
                "Who": {"name": "who", "in": "header", "schema": {"type": "string"}},
            },
            "schemas": {
                "In": {
                    "type": "object",
                    "properties": {
                        "tags": {"type": "object", "additionalProperties": {"type": "integer"}},
                        "ok": {
                            "type": "object",
                            "propertyNames": {"pattern": "^[a-z]{1,8}$"},
                            "additionalProperties": {"type": "integer"},
                        },
                        "sealed": {"type": "string", "x-personal": True},
                    },
                },
                "OnlyInAResponse": {"type": "string"},
            },
        },
    }
    assert sorted(unclassified_strings(doc)) == [
        "$ GET /x/{id} header:who",
        "$ GET /x/{id} path:id",
        "$ GET /x/{id} query:q",
        "$ POST /x/{id} body(application/json)->#/components/schemas/In.tags.propertyNames",
        "$ POST /x/{id} path:id",
    ]


def test_an_asyncapi_document_is_read_whole_and_a_decimal_string_needs_its_pattern():
    doc = {
        "asyncapi": "3.0.0",
        "components": {
            "schemas": {
                "Fact": {
                    "type": "object",
                    "properties": {
                        "amount": {"anyOf": [{"type": "number"}, {"type": "string"}]},
                        "kind": {"type": "string", "enum": ["a", "b"]},
                        "at": {"type": "string", "format": "date-time"},
                        "by": {"type": "string", "pattern": "^[a-z]{1,8}$"},
                    },
                }
            }
        },
    }
    assert list(unclassified_strings(doc)) == ["$.components.schemas.Fact.amount.anyOf[1]"]


def test_vocabulary_types_are_codes_and_check_their_tables():
    import pytest
    from homeward_shared.vocabulary import District, Language, Province, district_in_province
    from pydantic import TypeAdapter, ValidationError

    for kind, good, bad in (
        (Language, ["km", "khm", "vi", "cmn"], ["Khmer", "KM", "xx", "qqq", "k m"]),
        (Province, ["KH-1", "KH-12", "KH-25"], ["KH-0", "KH-26", "KH-012", "Phnom Penh"]),
        (District, ["0102", "1201", "2501"], ["1200", "2601", "0001", "12O1", "Tuol Kork"]),
    ):
        adapter = TypeAdapter(kind)
        assert not list(unclassified_strings(adapter.json_schema()))
        for value in good:
            assert adapter.validate_python(value) == value
        for value in bad:
            with pytest.raises(ValidationError) as refused:
                adapter.validate_python(value)
            assert value not in str([e["msg"] for e in refused.value.errors()])
    assert district_in_province("1201", "KH-12") and not district_in_province("1201", "KH-1")
