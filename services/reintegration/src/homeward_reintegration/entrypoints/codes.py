"""The code and identifier types of reintegration's API (issue 16): every clear string is one
of these or an enum. Each carries ``x-code`` (``CodeField``), a bounded pattern, and where a
list exists (ISO 3166, ISO 4217) membership is checked against it (pycountry)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import pycountry
from homeward_shared.codes import CodeField
from homeward_shared.contracts.handoffs import CASE_NUMBER, CENTRE_CODE
from pydantic import AfterValidator, Field, WithJsonSchema

from homeward_reintegration.domain.partners import PARTNER_CODE

USER_ID = r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$"
IDEMPOTENCY_KEY = r"^[A-Za-z0-9_.:-]{8,64}$"
MONEY = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"


def _country(code: str) -> str:
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError("not an ISO 3166-1 alpha-2 country code")
    return code


def _currency(code: str) -> str:
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError("not an ISO 4217 currency code")
    return code


CaseNumber = Annotated[str, CodeField("case_number", pattern=CASE_NUMBER, max_length=32)]
CentreCode = Annotated[str, CodeField("centre", pattern=CENTRE_CODE, max_length=32)]
PartnerCode = Annotated[str, CodeField("partner", pattern=PARTNER_CODE, max_length=32)]
UserId = Annotated[str, CodeField("user_id", pattern=USER_ID, max_length=64)]
IdempotencyKey = Annotated[
    str, CodeField("idempotency_key", pattern=IDEMPOTENCY_KEY, max_length=64)
]
Country = Annotated[
    str,
    CodeField("iso3166_1", pattern=r"^[A-Z]{2}$", max_length=2),
    AfterValidator(_country),
]
Currency = Annotated[
    str,
    CodeField("iso4217", pattern=r"^[A-Z]{3}$", max_length=3),
    AfterValidator(_currency),
]
# An amount: a JSON number, or a decimal string (answers give strings, so no cent is lost).
Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=14, decimal_places=2),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": MONEY, "maxLength": 15},
            ]
        }
    ),
]
