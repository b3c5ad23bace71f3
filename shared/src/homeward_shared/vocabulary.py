"""Shared vocabularies: the codes every service uses for a language and a place.

- Languages: ISO 639, lower case, as the two-letter ISO 639-1 code where one exists (``km``)
  or the three-letter ISO 639-3 code (``khm``, ``cmn``); checked against pycountry's table.
- Provinces: ISO 3166-2:KH subdivision codes (``KH-12`` is Phnom Penh), from pycountry.
- Districts: Cambodia's official four-digit district codes (the National Committee for
  Sub-National Democratic Development's gazetteer: ``1201`` is a district of Phnom Penh).
  No maintained table of them is published in a package registry, so a district is checked
  by its shape only: four digits, the first two the number of an existing province, the
  last two ``01``-``99``. ``district_in_province`` checks it against its province.

A value outside these is refused, never stored: a clear column, an event or a report can
hold only these codes (``homeward_shared.codes``). The annotated types carry the vocabulary's
name in the JSON schema (``x-code``) so the OpenAPI and AsyncAPI documents say which list a
value comes from. Error messages never quote the value (it may be a name typed by mistake).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any

import pycountry
from pydantic import AfterValidator, Field

from homeward_shared.codes import CODE_MARK

LANGUAGE_PATTERN = r"^[a-z]{2,3}$"
PROVINCE_PATTERN = r"^KH-[0-9]{1,2}$"
DISTRICT_PATTERN = r"^[0-9]{4}$"


@functools.cache
def languages() -> frozenset[str]:
    """Every ISO 639-1 and ISO 639-3 code pycountry knows (7,900 or so)."""
    codes: set[str] = set()
    for lang in pycountry.languages:
        codes.add(lang.alpha_3)
        if alpha_2 := getattr(lang, "alpha_2", None):
            codes.add(alpha_2)
    return frozenset(codes)


@functools.cache
def provinces() -> frozenset[str]:
    """Cambodia's 25 provinces (and the capital) as ISO 3166-2:KH codes."""
    return frozenset(s.code for s in pycountry.subdivisions.get(country_code="KH"))


def province_number(province: str) -> int:
    return int(province.removeprefix("KH-"))


def is_language(code: str) -> bool:
    return code in languages()


def is_province(code: str) -> bool:
    return code in provinces()


def is_district(code: str) -> bool:
    if len(code) != 4 or not code.isascii() or not code.isdigit():
        return False
    return f"KH-{int(code[:2])}" in provinces() and code[2:] != "00"


def district_in_province(district: str, province: str) -> bool:
    """Whether a district code lies in the province (its first two digits)."""
    return is_district(district) and int(district[:2]) == province_number(province)


def _checked(
    pattern: str, vocabulary: str, description: str, belongs: Callable[[str], bool], refusal: str
) -> Any:
    """A string code of ``vocabulary``: its pattern in the schema, then checked against the
    vocabulary's table (a well-shaped code that is not in it is refused too)."""

    def check(v: str) -> str:
        if not belongs(v):
            raise ValueError(refusal)
        return v

    return Annotated[
        str,
        Field(pattern=pattern, description=description, json_schema_extra={CODE_MARK: vocabulary}),
        AfterValidator(check),
    ]


Language = _checked(
    LANGUAGE_PATTERN,
    "iso639",
    "ISO 639 language code (639-1 where it exists, else 639-3)",
    is_language,
    "not an ISO 639 language code (lower case, 639-1 or 639-3)",
)
Province = _checked(
    PROVINCE_PATTERN,
    "iso3166-2:KH",
    "ISO 3166-2:KH province code",
    is_province,
    "not an ISO 3166-2:KH province code (KH-1 to KH-25)",
)
District = _checked(
    DISTRICT_PATTERN,
    "kh-district",
    "Cambodian district code: four digits, the first two the province's number",
    is_district,
    "not a Cambodian district code (four digits, the province's first)",
)


# Identifiers: strict patterns, never words. A case number is issued by the service that
# first meets her (``IN-2026-000123``, ``IV-...``); tests and older data use short hex tails.
CASE_NUMBER_PATTERN = r"^[A-Z]{1,4}-[0-9a-f][0-9a-f-]{0,26}$"
# A centre's code, as an admin registered it in recovery (``TD``, ``KK``).
CENTRE_PATTERN = r"^[A-Z][A-Z0-9_]{0,31}$"
# A staff member's user id from the identity provider (a UUID, ``u-inv-1``, an e-mail address):
# staff, never a survivor; no spaces.
USER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,63}$"
# A client's idempotency key: an opaque token it made (a UUID, a hex string).
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_:.-]{7,63}$"
# A lower-case code of a vocabulary some producer owns (a trade, a metric).
LOWER_CODE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"

CaseNumber = Annotated[
    str, Field(pattern=CASE_NUMBER_PATTERN, json_schema_extra={CODE_MARK: "case-number"})
]
CentreCode = Annotated[str, Field(pattern=CENTRE_PATTERN, json_schema_extra={CODE_MARK: "centre"})]
UserId = Annotated[
    str,
    Field(
        pattern=USER_ID_PATTERN,
        description="a staff member's user id",
        json_schema_extra={CODE_MARK: "user-id"},
    ),
]
IdempotencyKey = Annotated[
    str,
    Field(
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="8 to 64 letters, digits, '_', ':', '.', '-' (a UUID, say)",
        json_schema_extra={CODE_MARK: "idempotency-key"},
    ),
]
