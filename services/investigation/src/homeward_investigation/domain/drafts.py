"""A report draft: what an investigator has typed of a report so far, kept for her alone.

Its body is opaque here (the entrypoint validates it, the repository seals it whole): the
domain only knows whose it is, when it changed and how many persons it names.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

_DRAFT_KEYS = uuid.UUID("5b0f6d2e-3c1a-4e8f-9a47-2d6b8c1e7f30")


def draft_key(draft_id: uuid.UUID) -> uuid.UUID:
    """The id a draft is sealed under (its "case key" in the vault's terms). Derived, never
    the draft id itself: the client picks draft ids, and must not be able to name a case's
    key (and destroy it by deleting "her draft")."""
    return uuid.uuid5(_DRAFT_KEYS, f"investigation.report_draft:{draft_id}")


@dataclass(frozen=True, kw_only=True)
class DraftSummary:
    draft_id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    persons_count: int


@dataclass(frozen=True, kw_only=True)
class ReportDraft:
    summary: DraftSummary
    body: str
    """The draft as JSON text: personal, sealed at rest."""
