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
