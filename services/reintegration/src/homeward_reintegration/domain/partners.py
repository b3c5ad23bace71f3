"""Vocabularies of reintegration (issue 16: every clear string is a code) and the partner
organisations an admin registers.

A receiving partner (a partner NGO or agency across the border that takes a repatriated woman
in) is named by a code an admin registers with ``PUT /partners/{code}``; a case can name only
a registered, active partner. The organisation's display name is typed text, so it is sealed
like any typed text, under the partner's own key (``partner_key``), never in clear: an
organisation's name is not a survivor's, but a field that takes typed text is where a name
would be typed, and the rule admits no third kind.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from enum import StrEnum

from homeward_shared.domain import DomainError
from homeward_shared.personal import personal, register_personal

PARTNER_CODE = r"^[A-Z][A-Z0-9_]{1,31}$"
_PARTNER_CODE = re.compile(PARTNER_CODE)
# The namespace of partners' key ids: a partner's name is sealed under uuid5(this, code).
_PARTNER_KEYS = uuid.UUID("6f1d3c52-43a1-4f4e-9a8e-2f6c1b0e7d41")


class KitItem(StrEnum):
    """What a start-up kit in kind (or other support in kind) holds: stock and tools for
    the micro-businesses women start (DOMAIN.md stage 4), and supplies. The kinds of support
    themselves (kit in kind or cash micro-credit, small grant, bicycle, food and health
    supplies, job placement, tuition) are ``SupportKind`` and ``SupportForm``."""

    SEWING_MACHINE = "sewing_machine"
    FABRIC_STOCK = "fabric_stock"
    THREAD_STOCK = "thread_stock"
    LOOM = "loom"
    YARN_STOCK = "yarn_stock"
    HAIR_DRYER = "hair_dryer"
    SALON_CHAIR = "salon_chair"
    SHAMPOO_STOCK = "shampoo_stock"
    HAIRDRESSING_TOOLS = "hairdressing_tools"
    COOKING_EQUIPMENT = "cooking_equipment"
    FOOD_STALL_CART = "food_stall_cart"
    GROCERY_STOCK = "grocery_stock"
    LIVESTOCK = "livestock"
    ANIMAL_FEED = "animal_feed"
    SEEDS_AND_TOOLS = "seeds_and_tools"
    CRAFT_MATERIALS = "craft_materials"
    JEWELLERY_MATERIALS = "jewellery_materials"
    BICYCLE = "bicycle"
    RICE = "rice"
    FOOD_SUPPLIES = "food_supplies"
    HEALTH_SUPPLIES = "health_supplies"
    HYGIENE_KIT = "hygiene_kit"
    SCHOOL_SUPPLIES = "school_supplies"
    OTHER = "other"


class PartnerKind(StrEnum):
    NGO = "ngo"
    GOVERNMENT_AGENCY = "government_agency"
    UN_AGENCY = "un_agency"
    SOCIAL_ENTERPRISE = "social_enterprise"
    EMPLOYER = "employer"
    OTHER = "other"


class UnknownPartner(DomainError):
    code = "unknown_partner"


def partner_key(code: str) -> uuid.UUID:
    """The id a partner's sealed fields are keyed by (its case key, in the vault's terms)."""
    return uuid.uuid5(_PARTNER_KEYS, f"reintegration.partner:{code}")


@dataclass(kw_only=True)
class Partner:
    code: str
    kind: PartnerKind
    country: str | None  # ISO 3166-1 alpha-2, where it works
    active: bool = True
    name: str | None = personal(default=None)

    def __post_init__(self) -> None:
        if not _PARTNER_CODE.match(self.code):
            raise DomainError("a partner code is upper-case letters, digits and underscores")


def require_receiving_partner(partner: Partner | None) -> None:
    """A case names only a registered partner that is still active (the code says nothing
    about the partner's state; the register does)."""
    if partner is None or not partner.active:
        raise UnknownPartner("the receiving partner is not a registered, active partner")


register_personal(Partner)
