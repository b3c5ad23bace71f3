"""Marking personal data.

Survivors' identity and whereabouts are the most sensitive data in the system. A field is
marked personal where it is declared, once, and everything else (encryption at rest, log
redaction, the event contract check) reads the mark instead of a hand-kept list.

Framework-free on purpose: domain dataclasses use ``personal()`` as their field factory;
pydantic models use ``PersonalField()``.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from typing import Any

PERSONAL_MARK = "homeward_personal"

# Every field name ever marked personal, so that the log redactor can drop it even from a
# log call that forgot which model it came from.
_REGISTERED: set[str] = set()


def personal(**kwargs: Any) -> Any:
    """A dataclass field holding personal data."""
    metadata = dict(kwargs.pop("metadata", {}) or {})
    metadata[PERSONAL_MARK] = True
    return dataclasses.field(metadata=metadata, **kwargs)


def PersonalField(default: Any = ..., **kwargs: Any) -> Any:
    """A pydantic field holding personal data."""
    from pydantic import Field

    extra = dict(kwargs.pop("json_schema_extra", {}) or {})
    extra["x-personal"] = True
    return Field(default, json_schema_extra=extra, **kwargs)


def personal_field_names(cls: type) -> frozenset[str]:
    """Names of the fields of a dataclass or pydantic model marked personal."""
    names: set[str] = set()
    if dataclasses.is_dataclass(cls):
        names = {f.name for f in dataclasses.fields(cls) if f.metadata.get(PERSONAL_MARK)}
    else:
        fields = getattr(cls, "model_fields", {})
        for name, info in fields.items():
            extra = info.json_schema_extra
            if isinstance(extra, dict) and extra.get("x-personal"):
                names.add(name)
    return frozenset(names)


def register_personal(*classes: type) -> None:
    for cls in classes:
        _REGISTERED.update(personal_field_names(cls))


def registered_personal_names() -> frozenset[str]:
    return frozenset(_REGISTERED)


class ReadPurpose(StrEnum):
    """Why someone opens personal fields: a code, recorded in the audit trail. A code and not
    free text, so that nobody types personal data into the trail by accident."""

    CARE = "care"
    MEDICAL = "medical"
    LEGAL_ASSISTANCE = "legal_assistance"
    PROSECUTION = "prosecution"
    RESCUE_OPERATION = "rescue_operation"
    FAMILY_TRACING = "family_tracing"
    SAFETY = "safety"
    TRANSPORT = "transport"
    AUDIT_REVIEW = "audit_review"
